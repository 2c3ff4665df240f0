"""A per-thread switch, on inside a ``with`` block and off outside (how tests and the bench
ask for a reference computation: every problem built afresh, or solved whole)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator


class ThreadSwitch:
    """``bool(switch)`` is whether this thread is inside ``with switch.on():``."""

    def __init__(self) -> None:
        self._state = threading.local()

    def __bool__(self) -> bool:
        return getattr(self._state, "on", False)

    @contextlib.contextmanager
    def on(self) -> Iterator[None]:
        previous = bool(self)
        self._state.on = True
        try:
            yield
        finally:
            self._state.on = previous
