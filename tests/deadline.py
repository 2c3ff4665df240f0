"""An in-process deadline on CPU time (issue 8: "an answer within 5 s").

``with cpu_deadline(5): ...`` raises :class:`Hang` if the block uses more than 5 s of this
process's CPU time (``ITIMER_PROF``): a hang or runaway computation fails the test, while a
slow, loaded machine (wall-clock time) does not. Not a speed assertion: any honest answer
takes a small fraction of the budget.
"""

from __future__ import annotations

import contextlib
import signal


class Hang(BaseException):  # not caught by the CLI's last line of defence
    """The block did not answer within its CPU-time budget."""


@contextlib.contextmanager
def cpu_deadline(seconds: float):
    if not hasattr(signal, "setitimer"):  # pragma: no cover - not Unix
        yield
        return

    def expire(signum, frame):
        raise Hang(f"no answer within {seconds} s of CPU time")

    previous = signal.signal(signal.SIGPROF, expire)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)
