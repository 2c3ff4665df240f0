"""The one interval arithmetic (Arb balls beside exact rationals), checked against exact
Fraction arithmetic: every operation contains the exact result, the end points are exact,
signs are decided or Undecided, and the long replays stay bounded."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from flint import arb, fmpq

from pepcert.lowerbounds.muon.certificate import replay_muon
from pepcert.lowerbounds.muon.instance import muon_instance
from pepcert.pep.numerics.intervals import (
    PRECISION_BITS,
    Undecided,
    as_exact,
    ball,
    contains,
    enclose,
    is_exact,
    is_zero,
    lift,
    lower,
    sign_of,
    upper,
    width,
    working_precision,
)
from pepcert.pep.numerics.schedule import parse_schedule


def _random_fraction(rng) -> Fraction:
    return Fraction(int(rng.integers(-10**6, 10**6)), int(rng.integers(1, 10**6)))


def _holds(enclosure, exact: Fraction) -> bool:
    """``exact`` lies in the ball, judged from its exact rational end points."""
    return lower(enclosure) <= exact <= upper(enclosure)


def test_every_operation_contains_the_exact_result():
    rng = np.random.default_rng(5)
    with working_precision():
        for _ in range(300):
            x, y, q = (_random_fraction(rng) for _ in range(3))
            X, Y = enclose(x), enclose(y)
            assert _holds(X, x) and width(X) <= abs(x) / 2 ** (PRECISION_BITS - 2)
            for enclosure, exact in [(X + Y, x + y), (X - Y, x - y), (X * Y, x * y), (X * lift(q), x * q),
                                     (lift(q) * X, q * x), (1 - X, 1 - x), (abs(X), abs(x)), (X**3, x**3), (-X, -x)]:
                assert _holds(enclosure, exact)
            if x != 0:
                assert _holds(1 / X, 1 / x) and _holds(Y / X, y / x)
            if x > 0:
                root = X.sqrt()
                assert lower(root) ** 2 <= x <= upper(root) ** 2 and width(root) <= Fraction(1, 2**200)
        # The product of two balls contains every product of their points: [-3, 1] [-2, 4].
        A, B = ball(-3, 1), ball(-2, 4)
        assert lower(A * B) <= -12 and upper(A * B) >= 6


def test_end_points_are_exact_and_ball_contains_its_interval():
    # Exact end points: Arb's own bounds, taken at a precision where they need no rounding.
    for value in (arb(fmpq(5, 8), fmpq(1, 16)), enclose(Fraction(1, 3)), arb(2).sqrt() * 10**40, -arb.pi() / 10**40):
        with working_precision(4096):
            ends = (as_exact(value.lower()), as_exact(value.upper()))
        assert (lower(value), upper(value)) == ends and lower(value) < upper(value)
    assert lower(enclose(Fraction(5, 8))) == upper(enclose(Fraction(5, 8))) == Fraction(5, 8)
    rng = np.random.default_rng(11)
    with working_precision():
        for _ in range(200):
            lo, hi = sorted((_random_fraction(rng), _random_fraction(rng)))
            b = ball(lo, hi)
            assert lower(b) <= lo and hi <= upper(b)
            assert width(b) <= (hi - lo) * (1 + Fraction(1, 2**25)) + Fraction(1, 2**200)
    with pytest.raises(ValueError):
        ball(1, 0)


def test_signs_are_decided_or_undecided_never_guessed():
    with working_precision():
        third = enclose(Fraction(1, 3))
        assert sign_of(third) == 1 and sign_of(-third) == -1 and sign_of(enclose(0)) == 0
        with pytest.raises(Undecided):
            sign_of(third - third)  # a ball around 0 that is not exactly 0
        assert is_zero(enclose(0)) and not is_zero(third - third)
        assert contains(ball(Fraction(1, 3), Fraction(1, 2)), Fraction(2, 5))
        assert not contains(ball(Fraction(1, 3), Fraction(1, 2)), Fraction(3, 5))
        assert contains(Fraction(1, 3), fmpq(1, 3)) and not contains(Fraction(1, 3), third)


def test_exact_numbers_stay_exact_and_floats_never_enter():
    assert as_exact(fmpq(3, 7)) == Fraction(3, 7) and isinstance(as_exact(arb(fmpq(3, 4))), Fraction)
    assert lift(Fraction(3, 7)) == fmpq(3, 7) and is_exact(fmpq(1, 3)) and not is_exact(enclose(Fraction(1, 3)))
    for bad in (0.5, True, np.float64(0.5)):
        with pytest.raises(TypeError):
            enclose(bad)
        with pytest.raises(TypeError):
            lift(bad)
    with pytest.raises(TypeError):
        as_exact(0.5)


@pytest.mark.parametrize("text", ["1/(t+1)", "1/sqrt(t+1)", "1/(t+1)**2", "exp(-t/50) + 1/10"])
def test_schedule_enclosures_contain_the_exact_steps(text):
    schedule = parse_schedule(text)
    values = schedule.enclosures(60)
    for t in (0, 1, 7, 59, 60):
        exact = schedule.exact(t)
        # Both enclose gamma_t: they overlap (the exact one may be a ball of its own).
        assert lower(values[t]) <= upper(exact) and lower(exact) <= upper(values[t])
        if isinstance(exact, Fraction):
            assert contains(values[t], exact)


def test_replay_numbers_stay_bounded():
    # Exact rationals would grow ~6.6 bits a step with beta = 99/100 (denominators 100^t);
    # the balls keep ~PRECISION_BITS-bit midpoints and tiny widths.
    instance = muon_instance("0.99", "1/(t+1)", start="horizon", horizon=3000)
    enclosure = replay_muon(instance, 3000)
    assert enclosure.completed == 3000 and enclosure.stopped is None
    assert max(q.denominator for q in enclosure.gap_lower[-100:]) <= 2 ** (2 * PRECISION_BITS)
    assert all(lo <= hi for lo, hi in zip(enclosure.gap_lower, enclosure.gap_upper))
    assert max(hi - lo for lo, hi in zip(enclosure.gap_lower, enclosure.gap_upper)) < Fraction(1, 10**70)
