r"""Square roots (and k-th roots), exact where the root is rational and rigorous otherwise.

The one place pepcert takes roots. Which variant a caller needs depends on what it does with
the root:

* :func:`rational_root` -- ``q^(1/k)`` for a rational ``q >= 0`` when it is rational
  (``p/q`` in lowest terms has a rational k-th root iff ``p`` and ``q`` are k-th powers), else
  ``None``;
* :func:`root` / :func:`sqrt` -- by the kind of the argument: a Fraction (or int) gives the
  exact root when rational and otherwise an outward-rounded ball
  (:mod:`~pepcert.pep.numerics.intervals`); a ball gives a ball; a float gives a float; a
  sympy expression gives ``sympy.sqrt`` (symbolic parameters stay symbolic);
* :func:`sqrt_bounds` / :func:`sqrt_below` -- dyadic rationals ``lo <= sqrt(q) <= hi`` with
  ``hi - lo <= 2^-bits``: ``lo = floor(2^bits sqrt q) / 2^bits`` from the integer square root
  of ``floor(4^bits q)`` (``floor(sqrt(floor(y))) = floor(sqrt(y))`` for ``y >= 0``), or for
  an exact irrational sympy constant from sympy's exact ``floor``, never through ``float()``;
* :func:`symbolic_sqrt` -- a Fraction when ``q`` is a rational square, otherwise the exact
  sympy number ``sqrt(q)`` (compressor constants such as ``sqrt(d)/s - 1``);
* :func:`float_sqrt` -- a float (numeric rates, simulations), or ``sympy.sqrt`` for sympy input.

sympy and python-flint are imported only when a root needs them.
"""

from __future__ import annotations

import math
from fractions import Fraction

__all__ = ["rational_root", "root", "sqrt", "sqrt_bounds", "sqrt_below", "symbolic_sqrt", "float_sqrt"]


def _integer_root(n: int, k: int) -> int:
    """``floor(n^(1/k))`` for an integer ``n >= 0``."""
    if k == 2:
        return math.isqrt(n)
    from flint import fmpz

    return int(fmpz(n).root(k))


def _is_sympy(value) -> bool:
    return hasattr(value, "free_symbols") and not isinstance(value, (Fraction, int, float))


def rational_root(value, k: int = 2) -> Fraction | None:
    """The exact k-th root of a nonnegative rational if it is rational, else ``None``."""
    value = Fraction(value)
    if value < 0:
        raise ValueError("root of a negative number")
    p, q = value.numerator, value.denominator
    rp, rq = _integer_root(p, k), _integer_root(q, k)
    return Fraction(rp, rq) if rp**k == p and rq**k == q else None


def root(value, k: int, nonnegative: bool = False):
    """``value^(1/k)`` (``k >= 1``) of an exact number or a ball: a Fraction when the root is
    rational, otherwise a ball containing it (Arb's rigorous ``root`` at the working
    precision). ``nonnegative=True`` says the exact value is known to be ``>= 0`` (a sum of
    squares): the part of a ball below 0 is then discarded instead of refused."""
    from pepcert.pep.numerics.intervals import Undecided, as_exact, enclose, is_enclosure

    if k < 1:
        raise ValueError("root order must be positive")
    value = as_exact(value)
    if not is_enclosure(value):
        exact = rational_root(value, k)
        return exact if exact is not None else enclose(value).root(k)
    if nonnegative:
        value = value.nonnegative_part()
    elif not value >= 0:
        raise Undecided(f"root of an enclosure that may be negative {value}")
    result = value.root(k) if k > 2 else value.sqrt()
    if not result.is_finite():
        raise Undecided(f"root of an enclosure that is not finite {value}")
    return result


def sqrt(value, nonnegative: bool = False):
    """The square root in the arithmetic of ``value`` (see the module docstring).

    Floats: ``math.sqrt`` (with ``nonnegative=True`` a rounding error below 0 gives 0).
    """
    if isinstance(value, float):
        if value < 0 and not nonnegative:
            raise ValueError("square root of a negative number")
        return math.sqrt(value) if value > 0 else 0.0
    if _is_sympy(value):
        import sympy

        return sympy.sqrt(value)
    return root(value, 2, nonnegative)


def sqrt_bounds(value, bits: int = 60) -> tuple[Fraction, Fraction]:
    """Dyadic ``lo <= sqrt(value) <= hi`` with ``hi - lo <= 2^-bits`` (``lo = hi`` when
    ``2^bits sqrt(value)`` is an integer); ``value >= 0`` rational or an exact sympy constant."""
    scale = 1 << bits
    if _is_sympy(value) and not getattr(value, "is_Rational", False):
        import sympy

        if not value >= 0:
            raise ValueError("square root of a negative number")
        scaled = sympy.sqrt(value) * scale
        return Fraction(int(sympy.floor(scaled)), scale), Fraction(int(sympy.ceiling(scaled)), scale)
    value = Fraction(int(value.p), int(value.q)) if _is_sympy(value) else Fraction(value)
    if value < 0:
        raise ValueError("square root of a negative number")
    radicand = (value.numerator << (2 * bits)) // value.denominator
    low = math.isqrt(radicand)
    exact = low * low == radicand and (value.numerator << (2 * bits)) % value.denominator == 0
    return Fraction(low, scale), Fraction(low if exact else low + 1, scale)


def sqrt_below(value, bits: int = 60) -> Fraction:
    """The largest ``m / 2^bits`` with ``(m / 2^bits)^2 <= value``; 0 for ``value <= 0``."""
    if not value > 0:
        return Fraction(0)
    return sqrt_bounds(value, bits)[0]


def symbolic_sqrt(value):
    """Exact ``sqrt(value)``: a Fraction when ``value`` is the square of a rational, otherwise
    the sympy number (sympy is imported only then); sympy input stays sympy."""
    import_needed = _is_sympy(value)
    if not import_needed:
        exact = rational_root(value, 2)
        if exact is not None:
            return exact
    import sympy

    if import_needed:
        return sympy.sqrt(value)
    value = Fraction(value)
    return sympy.sqrt(sympy.Rational(value.numerator, value.denominator))


def float_sqrt(value):
    """``sqrt(value)`` in floating point, or ``sympy.sqrt`` for sympy input (numeric rates)."""
    if _is_sympy(value):
        import sympy

        return sympy.sqrt(value)
    return math.sqrt(float(value))
