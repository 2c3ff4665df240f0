"""The exact positivity engine and the ranges of the generic symbolic verifier."""

from __future__ import annotations

import pytest
import sympy

from pepcert.lyapunov.symbolic import Bound, Box, Range
from pepcert.pep.errors import BadInput

T = sympy.Symbol("t", positive=True)
THETA = sympy.Symbol("theta", nonnegative=True)
X, Y = sympy.symbols("x y", positive=True)


def identity_box():
    return Box((T, THETA), {T: T, THETA: THETA}, positive=(T,), nonnegative=(THETA,))


def test_manifest_nonnegativity():
    box = identity_box()
    assert box.nonnegative_value(1 / (1 + T))
    assert box.nonnegative_value(THETA / (1 + THETA))
    assert box.nonnegative_value(-T / (-1 - T))
    assert not box.nonnegative_value(1 - T)
    assert not box.nonnegative_value((T - 1) ** 2)  # true but not manifest: conservative
    assert not box.nonnegative_value(1 / THETA)  # the denominator vanishes at theta = 0
    assert box.positive_value(1 + THETA) and not box.positive_value(THETA)


def test_resolve_abs_max_and_roots_exactly():
    box = identity_box()
    assert sympy.expand(box.resolve(sympy.Abs(-1 - T)) - (1 + T)) == 0
    assert sympy.expand(box.resolve(sympy.sqrt(T**2 + 2 * T + 1)) - (1 + T)) == 0
    assert sympy.expand(box.resolve(sympy.Max(T, T + THETA)) - (T + THETA)) == 0
    for bad in (sympy.Abs(T - 1), sympy.sqrt(1 + T), sympy.Max(T, 1)):
        with pytest.raises(ArithmeticError):
            box.resolve(bad)


def test_positivity_cancels_common_factors():
    box = Box((X, Y), {X: T - 1, Y: (T - 1) * (T + 1)}, positive=(T,))
    assert box.nonnegative_value(Y / X)  # (t^2 - 1)/(t - 1) = t + 1
    assert not box.nonnegative_value(X)


def test_range_box_is_an_exact_parametrisation():
    mu, big_l, eta = sympy.symbols("mu L eta", positive=True)
    within = Range([Bound(mu), Bound(big_l, lower=mu), Bound(eta, upper=2 / (big_l + mu), upper_closed=True)])
    box = within.box()
    images = box.images
    assert images[mu] == mu
    theta = sympy.Symbol("theta_eta", nonnegative=True)
    assert sympy.simplify(images[eta].subs(theta, 0) - 2 / (images[big_l] + mu)) == 0  # closed end reached
    assert box.positive_value(big_l - mu) and box.nonnegative_value(2 / (big_l + mu) - eta)
    assert not box.nonnegative_value(eta - 1 / big_l)
    below, above = Range(within.bounds[:2] + (Bound(eta),)).split(eta, 1 / big_l)
    assert below.bound(eta).upper == 1 / big_l and above.bound(eta).lower_closed
    with pytest.raises(BadInput):  # [1/L, 2/(L + mu)]: both ends closed, refused (split it)
        within.split(eta, 1 / big_l)


def test_bad_ranges_are_bad_input():
    a, c = sympy.symbols("a c", positive=True)
    with pytest.raises(BadInput):
        Range([Bound(a, lower=c), Bound(c)])  # c used before its bound
    with pytest.raises(BadInput):
        Bound(a, 0, 1, lower_closed=True, upper_closed=True)
    with pytest.raises(BadInput):
        Bound("a")
