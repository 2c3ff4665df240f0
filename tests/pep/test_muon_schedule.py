"""Safe parsing and exact evaluation of step schedules."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from mpmath.libmp import to_rational

from pepcert.pep.errors import BadInput
from pepcert.pep.numerics.intervals import is_enclosure, lower, upper, width
from pepcert.pep.numerics.schedule import parse_schedule


def test_decimals_are_exact_and_rational_steps_stay_rational():
    assert parse_schedule("0.1").exact(7) == Fraction(1, 10)
    schedule = parse_schedule("1/(t+1)**2")
    assert [schedule.exact(t) for t in range(3)] == [1, Fraction(1, 4), Fraction(1, 9)]
    assert parse_schedule("2^-t").exact(10) == Fraction(1, 1024)  # ^ is a power
    assert parse_schedule("(t+1)**(-1/2)").exact(3) == Fraction(1, 2)  # perfect square: exact


@pytest.mark.parametrize("text", ["1/sqrt(t+1)", "exp(-t/3) + 1/10", "log(2)/(t+1)", "pi/(t+4)", "E**(-t)"])
def test_irrational_steps_are_rigorous_enclosures(text):
    schedule = parse_schedule(text)
    for t in range(0, 40, 7):
        value = schedule.exact(t)
        # 250 digits in independent arithmetic: far finer than the balls (256 bits, ~77 digits),
        # so a ball that lost its radius (or was rounded inward) misses the reference.
        reference = schedule.mp(t, dps=250)
        reference_q, slack = Fraction(*to_rational(reference._mpf_)), Fraction(1, 10**240)
        exact_float = float(reference)
        assert is_enclosure(value) or isinstance(value, Fraction)
        if is_enclosure(value):
            assert lower(value) <= reference_q + slack and reference_q - slack <= upper(value)
            assert width(value) < Fraction(1, 10**60)
        else:
            assert abs(value - reference_q) < slack
        assert schedule.floats(np.array([t]))[0] == pytest.approx(exact_float, rel=1e-14)


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os')",
        "t.real",
        "lambda: 1",
        "[1, 2]",
        "open('x')",
        "t if t else 1",
        "1 < t",
        "sqrt(t, 2)",
        "sqrt(x=t)",
        "y",
        "1/0",
        "sqrt(-1)",
        "",
        "t ** pi",
        "'1'",
        "True",
    ],
)
def test_unsafe_or_invalid_text_is_bad_input(text):
    with pytest.raises(BadInput):
        parse_schedule(text)


def test_monotonicity_proof_and_checks():
    assert parse_schedule("1/sqrt(t+1)").prove_nonincreasing().proved
    assert parse_schedule("0.1").prove_nonincreasing().proved
    assert not parse_schedule("(3 + (-1)**t)/(t+1)").prove_nonincreasing().proved
    parse_schedule("1/(t+1)").check_positive_nonincreasing(50)
    with pytest.raises(BadInput, match="nonincreasing"):
        parse_schedule("1/(t+1) + t/100").check_positive_nonincreasing(50)
    with pytest.raises(BadInput, match="positive"):
        parse_schedule("1/(t+1) - 1/20").check_positive_nonincreasing(50)


def test_schedules_without_a_symbolic_proof_use_the_horizon_start():
    from pepcert.analyses.muon import certify_muon

    # gamma = 1/4, 1/4, 1/8, 1/8, ...: nonincreasing with ties; sympy cannot prove it over the
    # reals, so the instance uses the finite-horizon start, which is still certified.
    certificate = certify_muon("0.9", "1/(2*t + 3 + (-1)**t)", 200)
    assert certificate.start == "horizon"
    assert certificate.certified, certificate.failures
