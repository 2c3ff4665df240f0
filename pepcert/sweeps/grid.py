"""Parameter grids and the command-line syntax for a list of values.

A grid is either a dict ``{name: [values...]}`` (every combination: the Cartesian product, the
first name varying slowest, as in :func:`itertools.product`) or a list of dicts (the points,
as given). On the command line each parameter takes one of

* ``0.1`` -- one value;
* ``0.1,0.2,0.5`` -- the listed values;
* ``a:b:n`` -- ``n`` evenly spaced values from ``a`` to ``b`` inclusive (``numpy.linspace``);
* ``a:b:n:log`` -- ``n`` geometrically spaced values from ``a`` to ``b`` (``numpy.geomspace``);
* a word (a method name, ``optimal``) -- kept as a string.

Forms can be joined with commas: ``0.01,0.1:0.9:9`` is ten values.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from typing import Any

from pepcert.pep.errors import BadInput
from pepcert.pep.numerics.numbers import parse_rational

MAX_POINTS = 10_000_000  # a grid larger than this is a typo, not a sweep


def expand_grid(grid: Mapping[str, Sequence[Any]] | Sequence[Mapping[str, Any]]) -> list[dict]:
    """The points of ``grid`` as a list of dicts (see the module docstring)."""
    if isinstance(grid, Mapping):
        names = list(grid)
        values = []
        for name in names:
            column = grid[name]
            if isinstance(column, (str, bytes)) or not isinstance(column, Sequence):
                column = [column]
            if len(column) == 0:
                raise BadInput(f"grid parameter {name!r} has no values")
            values.append(list(column))
        size = math.prod(len(v) for v in values)
        if size > MAX_POINTS:
            raise BadInput(f"the grid has {size} points (at most {MAX_POINTS})")
        return [dict(zip(names, combination)) for combination in itertools.product(*values)]
    points = [dict(point) for point in grid]
    if len(points) > MAX_POINTS:
        raise BadInput(f"the grid has {len(points)} points (at most {MAX_POINTS})")
    return points


def _number(text: str, name: str) -> float:
    """``text`` parsed exactly (digits bounded, ASCII only), then rounded once to a finite float."""
    value = parse_rational(text.strip(), name)
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise BadInput(f"{name}: {text!r} is not a finite floating-point number")
    if value != 0 and number == 0:  # e.g. -1/10^400: its sign must survive the rounding
        raise BadInput(f"{name}: {text!r} is too small to represent as a float")
    return number


def _is_numeric(text: str) -> bool:
    """A number (as opposed to a word such as a method name or ``optimal``)."""
    stripped = text.strip().lstrip("+-")
    return bool(stripped) and (stripped[0].isascii() and (stripped[0].isdigit() or stripped[0] == "."))


def _range(parts: list[str], name: str) -> list[float]:
    import numpy as np

    if len(parts) not in (3, 4) or (len(parts) == 4 and parts[3].strip().lower() not in ("log", "lin")):
        raise BadInput(f"{name}: a range is 'start:stop:count' or 'start:stop:count:log', got {':'.join(parts)!r}")
    start, stop = _number(parts[0], name), _number(parts[1], name)
    try:
        count = int(parts[2])
    except ValueError:
        raise BadInput(f"{name}: the count in {':'.join(parts)!r} must be an integer") from None
    if count < 1 or count > MAX_POINTS:
        raise BadInput(f"{name}: the count must be between 1 and {MAX_POINTS}, got {count}")
    if len(parts) == 4 and parts[3].strip().lower() == "log":
        if start <= 0 or stop <= 0:
            raise BadInput(f"{name}: a log range needs positive ends, got {start} and {stop}")
        values = np.geomspace(start, stop, count)
    else:
        values = np.linspace(start, stop, count)
    return [float(v) for v in values]


def parse_values(text: str, name: str = "value") -> list:
    """The values one command-line option stands for: numbers become floats (parsed exactly,
    then rounded once), words stay strings. ``"0.1:0.9:9"`` is ``[0.1, 0.2, ..., 0.9]``."""
    text = str(text).strip()
    if not text:
        raise BadInput(f"{name}: no value given")
    values: list = []
    for item in text.split(","):
        item = item.strip()
        if not item:
            raise BadInput(f"{name}: empty item in {text!r}")
        if ":" in item:
            values.extend(_range(item.split(":"), name))
        elif _is_numeric(item):
            values.append(_number(item, name))
        else:
            values.append(item)
    return values
