"""The one module of square (and k-th) roots: exact when rational, rigorous bounds otherwise,
symbolic for sympy input; checked against exact rational arithmetic and sympy."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
import sympy

from pepcert.pep.numerics.intervals import Undecided, ball, enclose, is_enclosure, lower, upper, working_precision
from pepcert.pep.numerics.roots import float_sqrt, rational_root, root, sqrt, sqrt_below, sqrt_bounds, symbolic_sqrt


def test_rational_roots_are_exact_and_only_when_rational():
    assert rational_root(Fraction(9, 49)) == Fraction(3, 7) and rational_root(Fraction(2)) is None
    assert rational_root(Fraction(-27, 8) * -1, 3) == Fraction(3, 2) and rational_root(Fraction(4), 3) is None
    big = Fraction(3**200, 7**100)
    assert rational_root(big**2) == big and rational_root(big**3, 3) == big and rational_root(big**2 + 1) is None
    with pytest.raises(ValueError):
        rational_root(Fraction(-1))


def test_roots_of_rationals_are_exact_or_rigorous_balls():
    assert sqrt(Fraction(9, 49)) == Fraction(3, 7) and isinstance(sqrt(Fraction(9, 49)), Fraction)
    with working_precision():
        two = sqrt(Fraction(2))
        cube = root(Fraction(5), 3)
    assert is_enclosure(two) and lower(two) ** 2 <= 2 <= upper(two) ** 2 and upper(two) - lower(two) < Fraction(1, 2**250)
    assert lower(cube) ** 3 <= 5 <= upper(cube) ** 3
    rng = np.random.default_rng(3)
    with working_precision():
        for _ in range(100):  # a ball gives a ball containing the root of each of its points
            lo = Fraction(int(rng.integers(1, 10**6)), int(rng.integers(1, 10**6)))
            hi = lo + Fraction(int(rng.integers(0, 10**3)), 10**6)
            r = sqrt(ball(lo, hi))
            assert lower(r) ** 2 <= lo and hi <= upper(r) ** 2


def test_roots_follow_the_kind_of_their_argument():
    assert sqrt(2.25) == 1.5 and sqrt(-1e-300, nonnegative=True) == 0.0
    with pytest.raises(ValueError):
        sqrt(-1.0)
    x = sympy.Symbol("x", positive=True)
    assert sqrt(x) == sympy.sqrt(x) and float_sqrt(x) == sympy.sqrt(x)
    assert float_sqrt(Fraction(1, 2)) == math.sqrt(0.5)
    assert symbolic_sqrt(Fraction(9, 4)) == Fraction(3, 2) and symbolic_sqrt(8) == 2 * sympy.sqrt(2)
    with working_precision():
        straddling = enclose(Fraction(1, 3)) - enclose(Fraction(1, 3))
        with pytest.raises(Undecided):
            sqrt(straddling)  # may be negative: refused ...
        assert lower(sqrt(straddling, nonnegative=True)) <= 0  # ... unless known >= 0 (a sum of squares)


@pytest.mark.parametrize("value", [Fraction(2), Fraction(1, 3), Fraction(10**40 + 7, 3), Fraction(49, 4), Fraction(0)])
def test_sqrt_bounds_bracket_the_root_exactly(value):
    for bits in (1, 20, 60, 200):
        lo, hi = sqrt_bounds(value, bits)
        assert lo * lo <= value <= hi * hi and hi - lo <= Fraction(1, 2**bits)
        assert (lo * 2**bits).denominator == 1 and (hi * 2**bits).denominator == 1
        assert (lo == hi) == ((lo * lo) == value)  # tight exactly when the root is on the grid
        assert lo == sqrt_below(value, bits) or value == 0


def test_sqrt_bounds_of_exact_irrational_constants_use_sympy_exactly():
    constant = sympy.sqrt(10) / 3 - 1  # random dithering's omega = sqrt(d)/s - 1 at d = 10, s = 3
    lo, hi = sqrt_bounds(constant, 60)
    assert sympy.Rational(lo.numerator, lo.denominator) ** 2 <= constant <= sympy.Rational(hi.numerator, hi.denominator) ** 2
    assert hi - lo == Fraction(1, 2**60) and sqrt_below(constant) == lo
    assert sqrt_below(-constant) == 0 and sqrt_below(Fraction(-1)) == 0
