"""Rigorous real numbers for the Muon certificates: exact rationals and rational intervals.

A certificate may only use exact arithmetic (DESIGN.md, "Floating point never certifies").
Rational inputs stay :class:`fractions.Fraction`; an irrational quantity (``1/sqrt(t+1)``,
``log 2``, the alternating sum of the steps) is an :class:`Interval` ``[lo, hi]`` with
rational endpoints that is guaranteed to contain it. Interval arithmetic on rational endpoints
is exact, so the only rounding happens where an irrational number is enclosed (square roots,
``exp``/``log``), and there it is outward by construction. A degenerate interval ``[q, q]`` is
the exact rational ``q``.

A sign (or a comparison) is *decided* only when the interval excludes zero; otherwise
:class:`Undecided` is raised, and a certificate that meets it fails instead of guessing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Union

from pepcert.pep.numerics.numbers import decimal_string

__all__ = [
    "Interval",
    "Undecided",
    "Exact",
    "as_exact",
    "sign_of",
    "is_zero",
    "lower",
    "upper",
    "midpoint_float",
    "sqrt_exact",
    "root_enclosure",
    "round_outward",
    "hull",
    "PRECISION_BITS",
]

#: Bits of precision of the outward-rounded enclosures of irrational numbers.
PRECISION_BITS = 128


class Undecided(ArithmeticError):
    """A sign or comparison could not be decided from an enclosure (it contains zero)."""


@dataclass(frozen=True, slots=True)
class Interval:
    """The closed interval ``[lo, hi]`` of reals, ``lo <= hi`` rational.

    Arithmetic follows the inclusion principle: the result of ``x op y`` contains
    ``a op b`` for every ``a`` in ``x`` and ``b`` in ``y``.
    """

    lo: Fraction
    hi: Fraction

    def __post_init__(self) -> None:
        if not (isinstance(self.lo, Fraction) and isinstance(self.hi, Fraction)):
            raise TypeError("interval endpoints must be Fractions")
        if self.lo > self.hi:
            raise ValueError(f"empty interval [{self.lo}, {self.hi}]")

    # -- construction -------------------------------------------------------------------
    @staticmethod
    def point(value: "Exact") -> "Interval":
        value = Fraction(value) if not isinstance(value, Interval) else value
        return value if isinstance(value, Interval) else Interval(value, value)

    @property
    def is_point(self) -> bool:
        return self.lo == self.hi

    @property
    def width(self) -> Fraction:
        return self.hi - self.lo

    def contains(self, value: "Exact") -> bool:
        other = _iv(value)
        return self.lo <= other.lo and other.hi <= self.hi

    # -- arithmetic ---------------------------------------------------------------------
    def __add__(self, other):
        other = _coerce(other)
        if other is NotImplemented:
            return other
        return Interval(self.lo + other.lo, self.hi + other.hi)

    __radd__ = __add__

    def __neg__(self):
        return Interval(-self.hi, -self.lo)

    def __sub__(self, other):
        other = _coerce(other)
        if other is NotImplemented:
            return other
        return Interval(self.lo - other.hi, self.hi - other.lo)

    def __rsub__(self, other):
        other = _coerce(other)
        if other is NotImplemented:
            return other
        return other - self

    def __mul__(self, other):
        other = _coerce(other)
        if other is NotImplemented:
            return other
        if other.is_point:
            k = other.lo
            return Interval(self.lo * k, self.hi * k) if k >= 0 else Interval(self.hi * k, self.lo * k)
        if self.is_point:
            return other * self
        products = (self.lo * other.lo, self.lo * other.hi, self.hi * other.lo, self.hi * other.hi)
        return Interval(min(products), max(products))

    __rmul__ = __mul__

    def reciprocal(self) -> "Interval":
        if self.lo <= 0 <= self.hi:
            raise Undecided(f"cannot divide by an interval containing zero [{decimal_string(self.lo)}, {decimal_string(self.hi)}]")
        return Interval(1 / self.hi, 1 / self.lo)

    def __truediv__(self, other):
        other = _coerce(other)
        if other is NotImplemented:
            return other
        return self * other.reciprocal()

    def __rtruediv__(self, other):
        other = _coerce(other)
        if other is NotImplemented:
            return other
        return other * self.reciprocal()

    def __pow__(self, exponent: int):
        if not isinstance(exponent, int):
            return NotImplemented
        if exponent < 0:
            return (self ** (-exponent)).reciprocal()
        if exponent == 0:
            return Interval(Fraction(1), Fraction(1))
        ends = (self.lo**exponent, self.hi**exponent)
        if exponent % 2 == 0 and self.lo <= 0 <= self.hi:
            return Interval(Fraction(0), max(ends))
        return Interval(min(ends), max(ends))

    def __abs__(self):
        if self.lo >= 0:
            return self
        if self.hi <= 0:
            return -self
        return Interval(Fraction(0), max(-self.lo, self.hi))

    def __repr__(self) -> str:
        return f"Interval({float(self.lo)!r}, {float(self.hi)!r})"


Exact = Union[Fraction, int, Interval]


def _coerce(value):
    if isinstance(value, Interval):
        return value
    if isinstance(value, (Fraction, int)) and not isinstance(value, bool):
        value = Fraction(value)
        return Interval(value, value)
    to_interval = getattr(value, "to_interval", None)  # a bounded enclosure (numerics.dyadic)
    if to_interval is not None:
        return to_interval()
    return NotImplemented  # floats never enter an exact computation


def _iv(value: Exact) -> Interval:
    result = _coerce(value)
    if result is NotImplemented:
        raise TypeError(f"not an exact number: {value!r}")
    return result


def as_exact(value: Exact) -> Exact:
    """Normalise: a degenerate interval becomes its Fraction; ints become Fractions."""
    if isinstance(value, Interval):
        return value.lo if value.is_point else value
    if isinstance(value, bool) or not isinstance(value, (Fraction, int)):
        raise TypeError(f"not an exact number: {value!r}")
    return Fraction(value)


def lower(value: Exact) -> Fraction:
    return _iv(value).lo


def upper(value: Exact) -> Fraction:
    return _iv(value).hi


def midpoint_float(value) -> float:
    if isinstance(value, Interval):
        return float((value.lo + value.hi) / 2)
    return float(value)


def sign_of(value) -> int:
    """The sign of an exact number (-1, 0, 1); raises :class:`Undecided` when an interval
    straddles zero. Floats get their floating-point sign (for simulations only)."""
    if isinstance(value, Interval):
        if value.lo > 0:
            return 1
        if value.hi < 0:
            return -1
        if value.lo == value.hi == 0:
            return 0
        raise Undecided(f"sign of an interval containing zero [{decimal_string(value.lo)}, {decimal_string(value.hi)}]")
    if value > 0:
        return 1
    if value < 0:
        return -1
    return 0


def is_zero(value) -> bool:
    if isinstance(value, Interval):
        return value.lo == value.hi == 0
    return value == 0


def hull(*values: Exact) -> Interval:
    intervals = [_iv(v) for v in values]
    return Interval(min(v.lo for v in intervals), max(v.hi for v in intervals))


def round_outward(value: Exact, bits: int = PRECISION_BITS) -> Exact:
    """Enclose ``value`` in a dyadic interval with denominator ``2**bits`` (keeps sizes small).

    Exact rationals whose denominator already divides ``2**bits`` are returned unchanged.
    """
    interval = _iv(value)
    scale = 1 << bits
    lo = Fraction(math.floor(interval.lo * scale), scale)
    hi = Fraction(math.ceil(interval.hi * scale), scale)
    if interval.is_point and lo == hi:
        return lo
    return Interval(lo, hi)


def _iroot_floor(n: int, k: int) -> int:
    """floor(n ** (1/k)) for integers n >= 0, k >= 1 (integer Newton iteration)."""
    if n < 0:
        raise ValueError("negative radicand")
    if n < 2 or k == 1:
        return n
    if k == 2:
        return math.isqrt(n)
    x = 1 << ((n.bit_length() + k - 1) // k)  # x >= true root
    while True:
        y = ((k - 1) * x + n // x ** (k - 1)) // k
        if y >= x:
            break
        x = y
    while x**k > n:
        x -= 1
    while (x + 1) ** k <= n:
        x += 1
    return x


def _root_of_fraction(value: Fraction, k: int) -> Fraction | None:
    """The exact k-th root of a nonnegative rational if it is rational, else None."""
    p, q = value.numerator, value.denominator
    rp, rq = _iroot_floor(p, k), _iroot_floor(q, k)
    if rp**k == p and rq**k == q:
        return Fraction(rp, rq)
    return None


def _root_bounds(value: Fraction, k: int, bits: int) -> tuple[Fraction, Fraction]:
    """Dyadic ``lo <= value**(1/k) <= hi`` with ``hi - lo <= 2**-bits`` (value >= 0)."""
    p, q = value.numerator, value.denominator
    # value^(1/k) = (p q^(k-1))^(1/k) / q
    radicand = p * q ** (k - 1) << (k * bits)
    r = _iroot_floor(radicand, k)
    lo = Fraction(r, q << bits)
    hi = lo if r**k == radicand else Fraction(r + 1, q << bits)
    return lo, hi


def root_enclosure(value: Exact, k: int, bits: int = PRECISION_BITS) -> Exact:
    """The k-th root (k >= 1) of a nonnegative exact number: exact when rational, otherwise
    an outward-rounded interval of width about ``2**-bits`` relative to the denominator."""
    if k < 1:
        raise ValueError("root order must be positive")
    interval = _iv(value)
    if interval.lo < 0:
        raise ValueError("root of a possibly negative number")
    if interval.is_point:
        exact = _root_of_fraction(interval.lo, k)
        if exact is not None:
            return exact
        lo, hi = _root_bounds(interval.lo, k, bits)
        return Interval(lo, hi)
    lo, _ = _root_bounds(interval.lo, k, bits)
    _, hi = _root_bounds(interval.hi, k, bits)
    return Interval(lo, hi)


def sqrt_exact(value: Exact, bits: int = PRECISION_BITS) -> Exact:
    """Square root: a Fraction when ``value`` is the square of a rational, else an interval."""
    return root_enclosure(value, 2, bits)
