"""How a theorem's computed value is held against its theory (PEPit's habit: compare
``pepit_tau`` with ``theoretical_tau`` to a stated tolerance, or as a bound).

A value is a number (float, int, :class:`~fractions.Fraction`, or an exact sympy expression
such as a closed form), a bool (a proof), or a tuple of these compared entry by entry. An
inequality between exact values (no float on either side) is decided exactly: rationals by
Python, a rational against a closed form by :func:`pepcert.papers.ttd25.closed_forms.compare`
(interval arithmetic that never rounds the wrong way). Tolerances are in floating point.

Each comparison answers three questions: does a pair hold (:meth:`holds`), what number
describes how well (:meth:`measure`, aggregated over settings by :meth:`summary`), and what is
expected (:meth:`expected`, the ``expected`` column of ``pepcert verify``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

__all__ = ["AtLeast", "AtMost", "Close", "Comparison", "Encloses", "LowerBound", "Proved", "entries", "show_value",
           "sign_of_difference"]


def entries(value: Any) -> tuple:
    """A value as a tuple of its entries (a number is a 1-tuple)."""
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


def _is_exact(value: Any) -> bool:
    import sympy

    return isinstance(value, (int, Fraction, sympy.Basic)) and not isinstance(value, (bool, sympy.Float))


def sign_of_difference(a: Any, b: Any) -> int:
    """The sign of ``a - b``: exact when neither side is a float (a closed form against a
    rational by interval arithmetic), in floating point otherwise."""
    import sympy

    if _is_exact(a) and _is_exact(b):
        if not isinstance(a, sympy.Basic) and not isinstance(b, sympy.Basic):
            return (Fraction(a) > Fraction(b)) - (Fraction(a) < Fraction(b))
        from pepcert.papers.ttd25.closed_forms import compare

        if isinstance(a, sympy.Basic) and isinstance(b, sympy.Basic):
            return compare(0, b - a)  # sign(0 - (b - a))
        return compare(a, b) if isinstance(b, sympy.Basic) else -compare(b, a)
    x, y = float(a), float(b)
    return (x > y) - (x < y)


def show_value(value: Any) -> str:
    """A value for a row: floats to 12 significant digits, exact numbers by their float value
    with ``(exact)``, tuples entry by entry, proofs as ``proved``/``not proved``."""
    if isinstance(value, bool):
        return "proved" if value else "not proved"
    if isinstance(value, (tuple, list)):
        return "(" + ", ".join(show_value(v) for v in value) + ")"
    if _is_exact(value) and not isinstance(value, int):
        return f"{float(value):.12g} (exact)"
    return f"{float(value):.12g}"


class Comparison:
    """The base of the comparisons below (one rule each)."""

    def holds(self, computed: Any, theory: Any) -> bool:
        raise NotImplementedError

    def measure(self, computed: Any, theory: Any) -> float:
        """One number saying how well the pair holds (its meaning: :meth:`summary`)."""
        raise NotImplementedError

    def summary(self, measures: Sequence[float]) -> str:
        raise NotImplementedError

    def expected(self, theory: str) -> str:
        raise NotImplementedError

    def __call__(self, computed: Any, theory: Any) -> bool:
        return self.holds(computed, theory)

    def describe(self, pairs: Sequence[tuple[Any, Any]]) -> str:
        """What was computed, for a row: with one setting both values and the measure, with
        several the aggregated measure."""
        measures = [self.measure(c, t) for c, t in pairs]
        if len(pairs) == 1:
            ((computed, theory),) = pairs
            return f"{show_value(computed)} against {show_value(theory)} ({self.summary(measures)})"
        return f"{self.summary(measures)} over {len(pairs)} settings"


@dataclass(frozen=True)
class Close(Comparison):
    """``|computed - theory| <= rtol |theory|`` (relative) or ``<= atol`` (absolute), entry by
    entry; exactly one of the two tolerances is given."""

    rtol: float = 0.0
    atol: float = 0.0

    def __post_init__(self) -> None:
        if (self.rtol > 0) == (self.atol > 0):
            raise ValueError("Close takes exactly one positive tolerance, rtol or atol")

    def _errors(self, computed: Any, theory: Any) -> list[float]:
        pairs = zip(entries(computed), entries(theory), strict=True)
        if self.rtol:
            return [abs(float(c) - float(t)) / abs(float(t)) for c, t in pairs]
        return [abs(float(c) - float(t)) for c, t in pairs]

    def holds(self, computed: Any, theory: Any) -> bool:
        errors = self._errors(computed, theory)
        return all(math.isfinite(e) and e <= (self.rtol or self.atol) for e in errors)

    def measure(self, computed: Any, theory: Any) -> float:
        return max(self._errors(computed, theory))

    def summary(self, measures: Sequence[float]) -> str:
        return f"max {'rel. ' if self.rtol else ''}error {max(measures):.1e}"

    def expected(self, theory: str) -> str:
        return f"{theory} to {self.rtol or self.atol:g}{' (relative)' if self.rtol else ''}"


@dataclass(frozen=True)
class AtMost(Comparison):
    """``computed <= theory + slack`` entry by entry (``computed < theory`` when ``strict``):
    ``theory`` is an upper bound. Exact values are compared exactly."""

    slack: float = 0.0
    strict: bool = False

    def _holds(self, c: Any, t: Any) -> bool:
        if self.slack:
            return float(c) <= float(t) + self.slack
        sign = sign_of_difference(c, t)
        return sign < 0 or (sign == 0 and not self.strict)

    def holds(self, computed: Any, theory: Any) -> bool:
        return all(self._holds(c, t) for c, t in zip(entries(computed), entries(theory), strict=True))

    def measure(self, computed: Any, theory: Any) -> float:
        return max(float(t) - float(c) for c, t in zip(entries(computed), entries(theory), strict=True))

    def summary(self, measures: Sequence[float]) -> str:
        return f"smallest margin theory - computed {min(measures):.2e}"

    def expected(self, theory: str) -> str:
        relation = "<" if self.strict else "<="
        return f"computed {relation} {theory}" + (f" + {self.slack:g}" if self.slack else "")


@dataclass(frozen=True)
class AtLeast(Comparison):
    """``computed >= theory`` entry by entry: ``theory`` is a level the computed value is proven
    (or measured) to stay above. Exact values are compared exactly."""

    def holds(self, computed: Any, theory: Any) -> bool:
        return all(sign_of_difference(c, t) >= 0 for c, t in zip(entries(computed), entries(theory), strict=True))

    def measure(self, computed: Any, theory: Any) -> float:
        return min(float(c) - float(t) for c, t in zip(entries(computed), entries(theory), strict=True))

    def summary(self, measures: Sequence[float]) -> str:
        return f"smallest margin computed - theory {min(measures):.2e}"

    def expected(self, theory: str) -> str:
        return f"computed >= {theory}"


@dataclass(frozen=True)
class LowerBound(Comparison):
    """``theory - within <= computed <= theory``: ``computed`` is a lower bound (the ``<=``
    decided exactly) that attains ``theory`` to ``within``."""

    within: float

    def holds(self, computed: Any, theory: Any) -> bool:
        return sign_of_difference(computed, theory) <= 0 and float(theory) - float(computed) <= self.within

    def measure(self, computed: Any, theory: Any) -> float:
        return float(theory) - float(computed)

    def summary(self, measures: Sequence[float]) -> str:
        return f"at most {max(measures):.1e} below theory"

    def expected(self, theory: str) -> str:
        return f"a lower bound within {self.within:g} of {theory}"


@dataclass(frozen=True)
class Encloses(Comparison):
    """``computed = (lower, upper)`` with ``lower <= theory <= upper`` (exactly) and
    ``upper - lower <= width``: a certified bracket around the theory."""

    width: float

    def holds(self, computed: Any, theory: Any) -> bool:
        lower, upper = computed
        inside = sign_of_difference(lower, theory) <= 0 <= sign_of_difference(upper, theory)
        return inside and float(Fraction(upper) - Fraction(lower)) <= self.width

    def measure(self, computed: Any, theory: Any) -> float:
        lower, upper = computed
        return float(Fraction(upper) - Fraction(lower))

    def summary(self, measures: Sequence[float]) -> str:
        return f"widest certified bracket {max(measures):.1e}"

    def expected(self, theory: str) -> str:
        return f"a certified bracket of width <= {self.width:g} around {theory}"


@dataclass(frozen=True)
class Proved(Comparison):
    """A symbolic proof: ``(proved, True)`` holds when the proof checks."""

    def holds(self, computed: Any, theory: Any) -> bool:
        return computed is True and theory is True

    def measure(self, computed: Any, theory: Any) -> float:
        return 1.0 if computed is True else 0.0

    def summary(self, measures: Sequence[float]) -> str:
        return f"{sum(measures):g} of {len(measures)} proved"

    def describe(self, pairs: Sequence[tuple[Any, Any]]) -> str:
        if len(pairs) == 1:
            return show_value(pairs[0][0] is True)
        return self.summary([self.measure(c, t) for c, t in pairs])

    def expected(self, theory: str) -> str:
        return theory
