"""Exact validation of every parameter (issue 8): comparisons in rationals, never through
``float()`` (which says ``-1/10^400`` is ``-0.0`` and ``1 + 1e-20`` is ``1.0``)."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
import sympy

from pepcert.pep import Contractive, SmoothStronglyConvex
from pepcert.pep.algorithms.agents import diana
from pepcert.pep.algorithms.compressed import check_step_size, ef21
from pepcert.pep.algorithms.muon import ef_muon, muon
from pepcert.pep.compressors import Unbiased
from pepcert.pep.errors import BadInput
from pepcert.pep.functions import ConvexLipschitz
from pepcert.pep.instances import ScalingInstance
from pepcert.pep.numerics.numbers import MAX_DIGITS, decimal_string, exact_number, parse_rational, show

STEPS = (Fraction(1), Fraction(1, 2))  # a step schedule for the momentum methods
NEGATIVE_TINY = Fraction(-1, 10**400)
ABOVE_ONE = [Fraction(1) + Fraction(1, 10**k) for k in (16, 17, 20, 400)]


def test_float_says_zero_exact_says_negative():
    assert float(NEGATIVE_TINY) == 0.0  # the trap
    # mu = -1e-400 is a (barely) hypoconvex class, not the convex one float() would make it
    assert "hypoconvex" in SmoothStronglyConvex(NEGATIVE_TINY, 1).describe()
    assert "hypoconvex" in SmoothStronglyConvex("-1e-400", 1).describe()
    assert "hypoconvex" in SmoothStronglyConvex(-5e-324, 1.0).describe()  # the smallest negative double
    below = -1 + NEGATIVE_TINY  # just below -L: float() says -L
    assert float(below) == -1.0
    with pytest.raises(BadInput, match="mu must be at least -L"):
        SmoothStronglyConvex(below, 1)
    with pytest.raises(BadInput, match="mu must be at least -L"):
        SmoothStronglyConvex("-1.0000000000000000000001", 1)


@pytest.mark.parametrize("delta", ABOVE_ONE)
def test_delta_just_above_one_is_refused(delta):
    assert float(delta) == 1.0 or delta > 1
    with pytest.raises(BadInput, match="delta must be in"):
        Contractive(delta)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, True, None, 1j, "nan", "inf", "abc", {"a": 1}])
@pytest.mark.parametrize("make", [
    lambda v: SmoothStronglyConvex(v, 1), lambda v: SmoothStronglyConvex(0, v), lambda v: Contractive(v),
    lambda v: Unbiased(v), lambda v: ConvexLipschitz(v), lambda v: check_step_size(v), lambda v: ef21(v),
    lambda v: ScalingInstance(v, 1), lambda v: ScalingInstance(1, v), lambda v: muon(v, STEPS), lambda v: ef_muon(STEPS, v),
], ids=["mu", "L", "delta", "omega", "M", "eta", "ef21", "h", "alpha", "muon-beta", "ef-muon-beta"])
def test_non_numbers_are_refused(make, bad):
    with pytest.raises(BadInput):
        make(bad)


@pytest.mark.parametrize("make,value", [
    (lambda v: SmoothStronglyConvex(Fraction(1, 2), v), Fraction(1, 2) - Fraction(1, 10**400)),  # mu > L by 1e-400
    (lambda v: SmoothStronglyConvex(0, v), Fraction(-1, 10**400)),
    (lambda v: Contractive(v), Fraction(0)),
    (lambda v: Unbiased(v), NEGATIVE_TINY),
    (lambda v: ConvexLipschitz(v), Fraction(0)),
    (lambda v: check_step_size(v), NEGATIVE_TINY),
    (lambda v: check_step_size(v), 0.0),
    (lambda v: muon(v, STEPS), Fraction(1)),
    (lambda v: muon(v, STEPS), NEGATIVE_TINY),
    (lambda v: ef_muon(STEPS, v), Fraction(1) - Fraction(0)),
    (lambda v: diana(Fraction(1, 10), v), NEGATIVE_TINY),  # omega of DIANA
    (lambda v: diana(Fraction(1, 10), 1, alpha=v), Fraction(0)),
])
def test_boundaries_are_exact(make, value):
    with pytest.raises(BadInput):
        make(value)


def test_valid_values_pass_in_every_number_type():
    for mu, L in [(0, 1), (Fraction(1, 10), 1), (0.1, 1.0), (np.float64(0.1), np.int64(2)), ("1/10", "1"),
                  (sympy.Rational(1, 10), sympy.Integer(1)), (Fraction(1, 10**400), Fraction(1))]:
        SmoothStronglyConvex(mu, L)
    Contractive(1)
    Contractive(Fraction(1, 10**400))
    Contractive(np.float32(0.5))
    muon(Fraction(9, 10), STEPS), ef_muon(STEPS, 0), check_step_size(Fraction(1, 10**400))


def test_symbolic_parameters_pass_through():
    mu, L, delta, eta = sympy.symbols("mu L delta eta", positive=True)
    SmoothStronglyConvex(mu, L)
    Contractive(delta)
    check_step_size(eta)
    ScalingInstance(mu, 1 + sympy.sqrt(1 - delta))
    with pytest.raises(BadInput):  # a symbolic number that is not real is still refused
        Contractive(sympy.I)


def test_exact_number_keeps_float_values_exact():
    assert exact_number(0.1, "x") == Fraction(0.1)  # the double itself, not 1/10
    assert exact_number(-5e-324, "x") < 0
    assert exact_number("1/3", "x") == Fraction(1, 3)
    assert exact_number(np.int64(7), "x") == 7


@pytest.mark.parametrize("text", ["1e1000000", "1e-1000000", "1" * (MAX_DIGITS + 1), "1/" + "3" * (MAX_DIGITS + 1),
                                  "0." + "0" * MAX_DIGITS + "1", "1e99999999999999999999"])
def test_parsing_refuses_huge_numbers_before_expanding_them(text):
    with pytest.raises(BadInput, match=r"digits|exponent"):
        parse_rational(text, "x")


@pytest.mark.parametrize("text,value", [("0e999999999", 0), ("-0.000", 0), ("1e-400", Fraction(1, 10**400)),
                                        (" 3/4 ", Fraction(3, 4)), ("1_000", 1000), ("-.5", Fraction(-1, 2)), ("5.", 5)])
def test_parsing_accepts_what_it_should(text, value):
    assert parse_rational(text, "x") == value


@pytest.mark.parametrize("text", ["1/0", "nan", "-inf", "Infinity", "", "1.5/2", "e5", "-", "0x10", "1 / 2"])
def test_parsing_refuses_malformed_text(text):
    with pytest.raises(BadInput):
        parse_rational(text, "x")


def test_messages_never_overflow():
    assert show(Fraction(10**400, 3)).startswith("~3.333333333e+399")
    assert show(Fraction(1, 10**400)) == "1e-400"
    assert show(Fraction(1) + Fraction(1, 10**20)) == "100000000000000000001/100000000000000000000"
    assert decimal_string(Fraction(10**5000)) == "1e+5000"
    assert decimal_string(-Fraction(7, 10**5000), 3) == "-7e-5000"
