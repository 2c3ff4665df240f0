"""The exact root test behind every lower bound: "the polynomial has a real root >= r", proven
by FLINT's isolating balls or, when a ball straddles r, by Sturm's count; never by a root that
is not real, and never by the upper end of a ball."""

import math
from fractions import Fraction as Q

import pytest

from pepcert.lowerbounds.certified import characteristic_polynomial, proves_rate

SQRT2 = Q(math.isqrt(2 * 10**120), 10**60)  # sqrt(2) rounded down to 60 digits


def test_roots_below_and_above():
    z2_minus_2 = (Q(1), Q(0), Q(-2))
    assert proves_rate(z2_minus_2, SQRT2 - Q(1, 10**30))
    assert not proves_rate(z2_minus_2, Q(142, 100))


@pytest.mark.parametrize("offset", [Q(1, 10**59), Q(1, 10**50), Q(1, 10**45)])
def test_a_ball_straddling_r_is_decided_exactly(offset):
    """FLINT's ball around sqrt(2) has a radius ~1e-38: an r inside it is decided by Sturm's
    count, above the root (refused) or below it (proven)."""
    assert not proves_rate((Q(1), Q(0), Q(-2)), SQRT2 + offset)
    assert proves_rate((Q(1), Q(0), Q(-2)), SQRT2 - offset)


def test_a_complex_pair_is_not_a_real_root():
    assert not proves_rate((Q(1), Q(-4), Q(5)), Q(1))  # (z - 2)^2 + 1: roots 2 +- i
    assert proves_rate((Q(1), Q(-4), Q(5)) + (Q(0),), Q(0))  # r <= 0 is trivially true


def test_characteristic_polynomial_is_exact():
    assert characteristic_polynomial([[Q(1, 3), Q(2)], [Q(3), Q(4, 7)]]) == (Q(1), Q(-19, 21), Q(4, 21) - 6)
