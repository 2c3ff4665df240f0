r"""Parameter ranges of a symbolic proof, and the boxes that parametrise them exactly.

A :class:`Range` is an ordered list of :class:`Bound` s, ``lower < p < upper`` (each end open or
closed, ``upper`` optional), each bound an expression in the *earlier* parameters; e.g.
``0 < mu``, ``mu < L``, ``0 < eta <= 2/(L + mu)``. Its :meth:`Range.box` writes every parameter
as a rational function of free variables whose image is *exactly* the range:

* ``lower < p`` (no upper end): ``p = lower + t`` with ``t > 0`` (``p = t`` when ``lower = 0``);
  ``lower <= p``: the same with a slack ``t >= 0``;
* ``lower < p < upper``: ``p = lower + (upper - lower)/(1 + t)``, ``t > 0``; a closed upper end
  makes ``t >= 0`` (``t = 0`` is ``p = upper``);
* ``lower <= p < upper``: ``p = upper - (upper - lower)/(1 + t)``, ``t >= 0``.

(both ends closed is refused: split the range instead). For each parameter, the map from its
free variable onto the interval is a bijection once ``upper - lower > 0``, which
:func:`pepcert.lyapunov.symbolic.check.verify` proves manifestly on the box of the earlier
parameters. :meth:`Range.split` cuts one bound at an expression (a case split).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

import sympy

from pepcert.lyapunov.symbolic.positivity import Box
from pepcert.pep.errors import BadInput


@dataclass(frozen=True)
class Bound:
    """``lower < symbol < upper`` (``<=`` where ``*_closed``); ``upper=None``: unbounded."""

    symbol: sympy.Symbol
    lower: object = 0
    upper: object = None
    lower_closed: bool = False
    upper_closed: bool = False

    def __post_init__(self):
        if not isinstance(self.symbol, sympy.Symbol):
            raise BadInput(f"a bound needs a sympy Symbol, got {self.symbol!r}")
        if self.upper is None and self.upper_closed:
            raise BadInput(f"{self.symbol}: an unbounded range has no closed upper end")
        if self.upper is not None and self.lower_closed and self.upper_closed:
            raise BadInput(f"{self.symbol}: both ends closed; split the range into two cases")

    def describe(self) -> str:
        low = f"{sympy.sstr(self.lower)} {'<=' if self.lower_closed else '<'} {self.symbol}"
        if self.upper is None:
            return low
        return f"{low} {'<=' if self.upper_closed else '<'} {sympy.sstr(self.upper)}"


@dataclass(frozen=True)
class Range:
    """An ordered list of bounds: the parameter set a proof (or one of its pieces) covers."""

    bounds: Sequence[Bound]  # stored as a tuple

    def __post_init__(self):
        object.__setattr__(self, "bounds", tuple(self.bounds))
        seen: list = []
        for bound in self.bounds:
            if not isinstance(bound, Bound):
                raise BadInput(f"a range is a sequence of Bound, got {bound!r}")
            later = (sympy.sympify(bound.lower).free_symbols | sympy.sympify(bound.upper or 0).free_symbols) - set(seen)
            if later:
                raise BadInput(f"the bound of {bound.symbol} uses {sorted(map(str, later))} before their own bound")
            seen.append(bound.symbol)

    @property
    def symbols(self) -> tuple:
        return tuple(bound.symbol for bound in self.bounds)

    def describe(self) -> str:
        return ", ".join(bound.describe() for bound in self.bounds)

    def bound(self, symbol) -> Bound:
        for bound in self.bounds:
            if bound.symbol == symbol:
                return bound
        raise BadInput(f"no parameter {symbol} in the range {self.describe()}")

    def split(self, symbol, at) -> tuple[Range, Range]:
        """``(lower part, upper part)``: ``symbol <= at`` and ``symbol >= at``."""
        bound = self.bound(symbol)
        below = replace(bound, upper=at, upper_closed=True)
        above = replace(bound, lower=at, lower_closed=True)
        return self._with(below), self._with(above)

    def _with(self, new: Bound) -> Range:
        return Range(tuple(new if b.symbol == new.symbol else b for b in self.bounds))

    def box(self) -> Box:
        """The box whose image is exactly this range (see the module docstring); the same
        range gives the same box object (so its remembered sign tests are shared)."""
        return _box_of(self)

    def widths(self) -> list[tuple[str, sympy.Expr]]:
        """``(bound, upper - lower)`` for every bounded parameter (must be ``> 0``)."""
        return [(b.describe(), sympy.sympify(b.upper) - sympy.sympify(b.lower)) for b in self.bounds if b.upper is not None]


@lru_cache(maxsize=64)
def _box_of(within: Range) -> Box:
    """:meth:`Range.box` (memoised: a pure function of the range)."""
    images: dict = {}
    positive: list = []
    nonnegative: list = []
    for bound in within.bounds:
        lower = sympy.sympify(bound.lower).subs(images, simultaneous=True)
        closed_variable = bound.upper_closed if bound.upper is not None else bound.lower_closed
        if bound.upper is None and lower == 0 and not bound.lower_closed and bound.symbol.is_positive:
            variable = bound.symbol  # 0 < p: the parameter is its own free variable
        elif closed_variable:
            variable = sympy.Symbol(f"theta_{bound.symbol}", nonnegative=True)
        else:
            variable = sympy.Symbol(f"t_{bound.symbol}", positive=True)
        (nonnegative if closed_variable else positive).append(variable)
        if bound.upper is None:
            images[bound.symbol] = lower + variable if variable != bound.symbol else variable
            continue
        upper = sympy.sympify(bound.upper).subs(images, simultaneous=True)
        if bound.lower_closed:
            images[bound.symbol] = upper - (upper - lower) / (1 + variable)
        else:
            images[bound.symbol] = lower + (upper - lower) / (1 + variable)
    return Box(within.symbols, images, tuple(positive), tuple(nonnegative))
