"""Bounded-size enclosures (dyadic intervals, outward rounding) and their use in the replays."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from pepcert.lowerbounds.muon.certificate import replay_muon
from pepcert.lowerbounds.muon.instance import muon_instance
from pepcert.pep.numerics.dyadic import BITS, Dyadic, enclose
from pepcert.pep.numerics.intervals import Interval, Undecided, is_zero, sign_of
from pepcert.pep.numerics.schedule import parse_schedule


def _random_fraction(rng) -> Fraction:
    return Fraction(int(rng.integers(-10**6, 10**6)), int(rng.integers(1, 10**6)))


def test_every_operation_contains_the_exact_result():
    rng = np.random.default_rng(5)
    for _ in range(300):
        x, y, q = (_random_fraction(rng) for _ in range(3))
        X, Y = enclose(x), enclose(y)
        assert X.contains(x) and X.hi - X.lo <= Fraction(1, 2**BITS)
        for enclosure, exact in [(X + Y, x + y), (X - Y, x - y), (X * Y, x * y), (X * q, x * q),
                                 (q * X, q * x), (1 - X, 1 - x), (abs(X), abs(x)), (X**3, x**3), (-X, -x)]:
            assert enclosure.contains(exact)
        if x != 0:
            assert X.reciprocal().contains(1 / x) and (Y / X).contains(y / x)
        if x > 0:
            root = X.root(2)
            assert root.lo**2 <= x <= root.hi**2 and root.hi - root.lo <= Fraction(1, 2**200)
    # The product of two enclosures contains every product of their points.
    A, B = Dyadic(-(3 << BITS), 2 << BITS), Dyadic(-(1 << BITS), 5 << BITS)
    assert (A * B).lo == -15 and (A * B).hi == 10


def test_signs_are_decided_or_undecided_never_guessed():
    third = enclose(Fraction(1, 3))
    assert sign_of(third) == 1 and sign_of(-third) == -1 and sign_of(Dyadic(0, 0)) == 0
    with pytest.raises(Undecided):
        sign_of(third - third)  # [-2^-256, 2^-256]: contains 0 but is not 0
    assert is_zero(Dyadic(0, 0)) and not is_zero(third - third)
    assert enclose(Interval(Fraction(1, 3), Fraction(1, 2))).contains(Fraction(2, 5))


@pytest.mark.parametrize("text", ["1/(t+1)", "1/sqrt(t+1)", "1/(t+1)**2", "exp(-t/50) + 1/10"])
def test_schedule_enclosures_contain_the_exact_steps(text):
    schedule = parse_schedule(text)
    values = schedule.enclosures(60)
    for t in (0, 1, 7, 59, 60):
        exact = schedule.exact(t)
        # Both enclose gamma_t: they overlap (the exact one may be an interval of its own).
        assert Interval(values[t].lo, values[t].hi).lo <= (exact.hi if isinstance(exact, Interval) else exact)
        assert (exact.lo if isinstance(exact, Interval) else exact) <= values[t].hi


def test_replay_numbers_stay_bounded():
    # Exact rationals would grow ~6.6 bits a step with beta = 99/100 (denominators 100^t);
    # the enclosures keep denominators at most 2^(2 BITS) and the widths tiny.
    instance = muon_instance("0.99", "1/(t+1)", start="horizon", horizon=3000)
    enclosure = replay_muon(instance, 3000)
    assert enclosure.completed == 3000 and enclosure.stopped is None
    assert max(q.denominator for q in enclosure.gap_lower[-100:]) <= 2 ** (2 * BITS)
    assert all(lo <= hi for lo, hi in zip(enclosure.gap_lower, enclosure.gap_upper))
    assert max(hi - lo for lo, hi in zip(enclosure.gap_lower, enclosure.gap_upper)) < Fraction(1, 10**70)
