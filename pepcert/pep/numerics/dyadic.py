"""Bounded-size rigorous enclosures: intervals with dyadic endpoints ``[a, b] * 2^-BITS``.

Exact rationals grow without bound along a long replay (the Muon momentum with
``beta = 99/100`` gains ``log2(100) ~ 6.6`` bits a step, the iterate of ``gamma_t = 1/(t+1)``
the bits of ``lcm(1..t)``), so time and memory become quadratic in ``T``. A :class:`Dyadic` is
a closed interval with endpoints ``a / 2^BITS <= b / 2^BITS`` (``a, b`` Python integers of a
fixed scale): every operation rounds its endpoints *outward* (lower endpoint down, upper
endpoint up) to that scale, so by the inclusion principle the result contains ``x op y`` for
every ``x``, ``y`` in the operands, and the size of every number stays ``~BITS`` bits.

Rigour: additions, negations and products by integers are exact; products by a rational
``n/d`` and by another enclosure, reciprocals and roots are rounded outward with floor / ceiling
integer divisions (Python's ``//`` floors); a rational is entered as ``[floor(q 2^B),
ceil(q 2^B)] / 2^B``. Comparisons and signs are *decided* from the endpoints or raise
:class:`~pepcert.pep.numerics.intervals.Undecided` (so ``sign_of`` and ``is_zero`` of
:mod:`.intervals` work on them unchanged); ``==`` is equality of enclosures. Nothing is ever
rounded to a float; ``float(x)`` (the midpoint) is for display only.
"""

from __future__ import annotations

from fractions import Fraction

from pepcert.pep.numerics.intervals import Interval, Undecided, _iroot_floor

__all__ = ["Dyadic", "BITS", "enclose"]

#: Scale of the endpoints: widths of rounding are ``2^-BITS`` per operation.
BITS = 256
_ONE = 1 << BITS


def _ceil_div(n: int, d: int) -> int:
    return -((-n) // d)


class Dyadic:
    """The interval ``[a, b] / 2^BITS`` (``a <= b`` integers); see the module docstring."""

    __slots__ = ("a", "b")

    def __init__(self, a: int, b: int):
        self.a = a
        self.b = b

    # -- construction and conversion ------------------------------------------------------
    @staticmethod
    def of_fraction(q: Fraction) -> "Dyadic":
        n, d = q.numerator, q.denominator
        if d == 1:
            return Dyadic(n << BITS, n << BITS)
        return Dyadic((n << BITS) // d, _ceil_div(n << BITS, d))

    @property
    def lo(self) -> Fraction:
        return Fraction(self.a, _ONE)

    @property
    def hi(self) -> Fraction:
        return Fraction(self.b, _ONE)

    def to_interval(self) -> Interval:
        """The same enclosure as a rational :class:`Interval` (exact conversion)."""
        return Interval(self.lo, self.hi)

    @property
    def is_point(self) -> bool:
        return self.a == self.b

    def contains(self, other) -> bool:
        """``other`` (an exact number or an enclosure) lies inside ``self``."""
        other = enclose(other) if not isinstance(other, Dyadic) else other
        return self.a <= other.a and other.b <= self.b

    def __float__(self) -> float:
        return float(Fraction(self.a + self.b, 2 * _ONE))

    def __repr__(self) -> str:
        return f"Dyadic({float(self.lo)!r}, {float(self.hi)!r})"

    # -- arithmetic -----------------------------------------------------------------------
    def __add__(self, other):
        if other.__class__ is not Dyadic:
            other = _operand(other)
            if other is NotImplemented:
                return other
        return Dyadic(self.a + other.a, self.b + other.b)

    __radd__ = __add__

    def __neg__(self):
        return Dyadic(-self.b, -self.a)

    def __sub__(self, other):
        if other.__class__ is not Dyadic:
            other = _operand(other)
            if other is NotImplemented:
                return other
        return Dyadic(self.a - other.b, self.b - other.a)

    def __rsub__(self, other):
        other = _operand(other)
        if other is NotImplemented:
            return other
        return other - self

    def __mul__(self, other):
        kind = other.__class__
        if kind is Fraction:
            n, d = other.numerator, other.denominator
        elif kind is Dyadic:
            products = (self.a * other.a, self.a * other.b, self.b * other.a, self.b * other.b)
            return Dyadic(min(products) >> BITS, -((-max(products)) >> BITS))
        elif kind is int:
            n, d = other, 1
        elif isinstance(other, Fraction):
            n, d = other.numerator, other.denominator
        else:
            return NotImplemented
        if d == 1:
            return Dyadic(self.a * n, self.b * n) if n >= 0 else Dyadic(self.b * n, self.a * n)
        if n < 0:
            return Dyadic((self.b * n) // d, -((-self.a * n) // d))
        return Dyadic((self.a * n) // d, -((-self.b * n) // d))

    __rmul__ = __mul__

    def reciprocal(self) -> "Dyadic":
        if self.a <= 0 <= self.b:
            raise Undecided(f"cannot divide by an enclosure containing zero {self!r}")
        square = _ONE * _ONE
        return Dyadic(square // self.b, _ceil_div(square, self.a))

    def __truediv__(self, other):
        if isinstance(other, Dyadic):
            return self * other.reciprocal()
        if isinstance(other, (int, Fraction)) and not isinstance(other, bool):
            return self * (1 / Fraction(other))
        return NotImplemented

    def __rtruediv__(self, other):
        other = _operand(other)
        if other is NotImplemented:
            return other
        return other * self.reciprocal()

    def __pow__(self, exponent: int):
        if not isinstance(exponent, int):
            return NotImplemented
        if exponent < 0:
            return (self ** (-exponent)).reciprocal()
        result, base, n = Dyadic(_ONE, _ONE), self, exponent
        while n:  # binary powering; each product is an outward-rounded enclosure
            if n & 1:
                result = result * base
            n >>= 1
            if n:
                base = base * base
        if exponent % 2 == 0 and self.a < 0 < self.b:
            result = Dyadic(0, result.b)
        return result

    def root(self, k: int) -> "Dyadic":
        """``[a, b]^(1/k)`` for ``a >= 0``: integer k-th roots, floor below, ceiling above."""
        if self.a < 0:
            raise Undecided(f"root of an enclosure that may be negative {self!r}")
        shift = BITS * (k - 1)
        low = _iroot_floor(self.a << shift, k)
        high = _iroot_floor(self.b << shift, k)
        if high**k != self.b << shift:
            high += 1
        return Dyadic(low, high)

    def __abs__(self):
        if self.a >= 0:
            return self
        if self.b <= 0:
            return -self
        return Dyadic(0, max(-self.a, self.b))

    # -- decided comparisons (Undecided when the enclosures overlap) ----------------------
    def _compare(self, other) -> tuple[int, int]:
        if other.__class__ is int:
            scaled = other << BITS
            return self.a - scaled, self.b - scaled
        other = _operand(other)
        if other is NotImplemented:
            raise TypeError(f"cannot compare an enclosure with {other!r}")
        return self.a - other.b, self.b - other.a  # bounds of self - other

    def __gt__(self, other) -> bool:
        low, high = self._compare(other)
        if low > 0:
            return True
        if high <= 0:
            return False
        raise Undecided(f"comparison of overlapping enclosures {self!r} > {other!r}")

    def __lt__(self, other) -> bool:
        low, high = self._compare(other)
        if high < 0:
            return True
        if low >= 0:
            return False
        raise Undecided(f"comparison of overlapping enclosures {self!r} < {other!r}")

    def __ge__(self, other) -> bool:
        return not self < other

    def __le__(self, other) -> bool:
        return not self > other

    def __eq__(self, other) -> bool:
        if isinstance(other, Dyadic):
            return self.a == other.a and self.b == other.b
        if other.__class__ is int:
            return self.a == self.b == other << BITS
        if isinstance(other, Fraction):
            q = other
            return self.a == self.b and self.a * q.denominator == q.numerator << BITS
        return NotImplemented

    def __hash__(self) -> int:
        return hash((Dyadic, self.a, self.b))


def _operand(value):
    kind = value.__class__
    if kind is Dyadic:
        return value
    if kind is int:
        return Dyadic(value << BITS, value << BITS)
    if isinstance(value, Fraction):
        return Dyadic.of_fraction(value) if value else Dyadic(0, 0)
    return NotImplemented


def enclose(value) -> Dyadic:
    """A :class:`Dyadic` containing ``value`` (int, Fraction, Interval or Dyadic)."""
    if isinstance(value, Interval):
        return Dyadic(Dyadic.of_fraction(value.lo).a, Dyadic.of_fraction(value.hi).b)
    result = _operand(value)
    if result is NotImplemented:
        raise TypeError(f"not an exact number: {value!r}")
    return result
