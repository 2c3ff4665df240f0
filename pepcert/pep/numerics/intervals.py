r"""Rigorous real numbers: exact rationals, and Arb balls for everything irrational.

A certificate may only use exact arithmetic (DESIGN.md, "Floating point never certifies").
This module is the project's one interval arithmetic:

* **Exact rationals** stay exact: :class:`fractions.Fraction` at every interface (results,
  JSON, the certificate checkers); inside the long rigorous computations (the Muon replays)
  the same values as ``flint.fmpq``, which mix with the balls below and are ~10x faster.
  :func:`lift` and :func:`as_exact` convert between the two without rounding.
* **Enclosures**: an irrational quantity (``1/sqrt(t+1)``, ``log 2``, the alternating sum of the
  steps, the iterates of a long replay) is a ``flint.arb`` ball ``[m - r, m + r]`` (midpoint a
  binary float of any size, radius an upper bound; F. Johansson, *Arb: efficient
  arbitrary-precision midpoint-radius interval arithmetic*, IEEE Trans. Comput. 66, 2017).
  Arb's operations follow the inclusion principle: ``x op y`` is a ball that contains
  ``a op b`` for every ``a`` in ``x`` and ``b`` in ``y``, because the midpoint is rounded and
  the rounding error, with the propagated radii, is added to the radius rounded *up*
  (outward by construction). Sizes stay bounded (about :data:`PRECISION_BITS` bits a number)
  however long a computation runs; the precision decides widths, never validity.

Decisions: arb's ``<``, ``>``, ``==`` answer True only when the relation holds for *every* point
of the balls, so False means "not certain", never "the opposite". :func:`sign_of` turns
"neither sign is certain" into :class:`Undecided`, and a certificate that meets it fails
instead of guessing. ``lower``/``upper`` give the exact rational end points of a ball
(``m - r`` and ``m + r`` computed in Fractions, no rounding at all).
"""

from __future__ import annotations

from fractions import Fraction

from flint import arb, ctx, fmpq

from pepcert.pep.numerics.numbers import decimal_string

__all__ = [
    "Undecided",
    "PRECISION_BITS",
    "working_precision",
    "is_enclosure",
    "is_exact",
    "lift",
    "enclose",
    "ball",
    "as_exact",
    "lower",
    "upper",
    "width",
    "midpoint_float",
    "sign_of",
    "is_zero",
    "contains",
]

#: Working precision (bits of the midpoints) of the enclosures of irrational numbers.
PRECISION_BITS = 256


class Undecided(ArithmeticError):
    """A sign or comparison could not be decided from an enclosure (it contains zero)."""


class working_precision:
    """``with working_precision():`` runs arb operations at ``bits`` bits and restores the
    previous precision afterwards (python-flint keeps one precision per process). Setting it
    costs ~1 us, so nested uses at the same precision set nothing."""

    __slots__ = ("bits", "saved")

    def __init__(self, bits: int = PRECISION_BITS):
        self.bits = bits
        self.saved: int | None = None

    def __enter__(self):
        current = ctx.prec
        if current != self.bits:
            self.saved, ctx.prec = current, self.bits
        return self

    def __exit__(self, *_) -> None:
        if self.saved is not None:
            ctx.prec, self.saved = self.saved, None


def is_enclosure(value) -> bool:
    return isinstance(value, arb)


def is_exact(value) -> bool:
    """A rational known exactly: int, Fraction, fmpq, or a ball of radius 0."""
    if isinstance(value, arb):
        return value.is_exact() and value.is_finite()
    return isinstance(value, (Fraction, fmpq, int)) and not isinstance(value, bool)


def lift(value):
    """``value`` in the arithmetic that mixes with balls: a Fraction becomes the equal
    ``fmpq``; ints, ``fmpq`` and balls are returned unchanged; floats are refused."""
    kind = value.__class__
    if kind is arb or kind is fmpq or kind is int:
        return value
    if isinstance(value, Fraction):
        return fmpq(value.numerator, value.denominator)
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    raise TypeError(f"not an exact number or an enclosure: {value!r}")  # floats never enter


def enclose(value) -> arb:
    """A ball containing ``value`` (exact when ``value`` is a dyadic rational that fits the
    working precision, otherwise rounded outward by Arb)."""
    value = lift(value)
    return value if value.__class__ is arb else arb(value)


def ball(lo, hi) -> arb:
    """A ball containing the interval ``[lo, hi]`` (exact rationals or balls): midpoint
    ``(lo + hi)/2`` (rounded by Arb, its error added to the radius) and radius at least
    ``(hi - lo)/2`` (added as an error bound, rounded up).

    (Not ``arb.union``: in python-flint 0.9.0 it returns ``[+-max(|lo|, |hi|)]``, rigorous but
    far too wide; measured ``arb(1).union(arb(3)) = [+/- 3.01]``.)"""
    low, high = lower(lo), upper(hi)
    if low > high:
        raise ValueError(f"empty interval [{low}, {high}]")
    return arb(lift((low + high) / 2), lift((high - low) / 2))


def _dyadic(value: arb) -> Fraction:
    """The exact value of an exact ball (a dyadic rational)."""
    mantissa, exponent = (int(part) for part in value.man_exp())
    return Fraction(mantissa << exponent) if exponent >= 0 else Fraction(mantissa, 1 << -exponent)


def _ends(value: arb) -> tuple[Fraction, Fraction]:
    if not value.is_finite():
        raise Undecided(f"an enclosure is not finite: {value}")
    mid, rad = _dyadic(value.mid()), _dyadic(value.rad())
    return mid - rad, mid + rad


def as_exact(value):
    """Normalise: an exact value becomes its :class:`Fraction` (ints, ``fmpq``, balls of radius
    0); a ball of positive radius is returned unchanged; floats are refused."""
    kind = value.__class__
    if kind is arb:
        return _dyadic(value) if value.is_exact() and value.is_finite() else value
    if kind is fmpq:
        return Fraction(int(value.p), int(value.q))
    if isinstance(value, bool) or not isinstance(value, (Fraction, int)):
        raise TypeError(f"not an exact number: {value!r}")
    return Fraction(value)


def lower(value) -> Fraction:
    """The exact lower end point (the value itself for an exact number)."""
    if value.__class__ is arb:
        return _ends(value)[0]
    return as_exact(value)


def upper(value) -> Fraction:
    """The exact upper end point (the value itself for an exact number)."""
    if value.__class__ is arb:
        return _ends(value)[1]
    return as_exact(value)


def width(value) -> Fraction:
    low, high = lower(value), upper(value)
    return high - low


def midpoint_float(value) -> float:
    """For display only."""
    if value.__class__ is arb:
        return float(value.mid())
    return float(value)


def sign_of(value) -> int:
    """The sign of an exact number or a ball (-1, 0, 1); raises :class:`Undecided` when a ball
    straddles zero (or touches it without being 0). Floats get their floating-point sign
    (for simulations only)."""
    if value.__class__ is arb:
        if value > 0:
            return 1
        if value < 0:
            return -1
        if value.is_exact() and value.is_zero():
            return 0
        raise Undecided(f"sign of an enclosure containing zero [{decimal_string(lower(value))}, "
                        f"{decimal_string(upper(value))}]")
    if value > 0:
        return 1
    if value < 0:
        return -1
    return 0


def is_zero(value) -> bool:
    """Exactly zero (a ball must have radius 0)."""
    if value.__class__ is arb:
        return value.is_exact() and value.is_zero()
    return value == 0


def contains(outer, inner) -> bool:
    """Every point of ``inner`` (exact or a ball) lies in ``outer``; an exact ``outer``
    contains only the same exact number."""
    if outer.__class__ is arb:
        if inner.__class__ is arb:
            return outer.contains(inner)  # compares the end points exactly
        # not arb.contains(q): it first rounds q to a ball at the current precision
        q = as_exact(inner)
        return lower(outer) <= q <= upper(outer)
    if inner.__class__ is arb:
        return is_exact(inner) and as_exact(inner) == as_exact(outer)
    return as_exact(inner) == as_exact(outer)
