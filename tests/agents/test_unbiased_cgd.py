"""CGD with an omega-unbiased compressor: the tight rate of E||x - x*||^2 is
``max_{h in {mu, L}} (1 - gamma h)^2 + omega gamma^2 h^2``, optimal at
``gamma* = 2/((1 + omega)(L + mu))`` (the standard fact of DESIGN.md, paper 3).

Reference: the closed form, computed here in Fractions (independent of the analyses).
"""

from fractions import Fraction as Q

import pytest

from pepcert.analyses import certify, optimal_step, tight_rate
from pepcert.pep import ProblemClass, SmoothStronglyConvex, Unbiased
from pepcert.pep.algorithms import compressed_gradient_descent


def closed_form(mu, L, omega, gamma):
    return max((1 - gamma * h) ** 2 + omega * gamma**2 * h**2 for h in (mu, L))


# 20 settings, omega in [1/10, 100]; steps on both sides of the optimum and at it.
SETTINGS = [
    (Q(1, 10), Q(1), Q(1, 10), Q(1, 2)), (Q(1, 10), Q(1), Q(1, 2), Q(1, 3)), (Q(1, 10), Q(1), Q(1), Q(1, 5)),
    (Q(1, 10), Q(1), Q(3), Q(1, 10)), (Q(1, 10), Q(1), Q(10), Q(1, 20)), (Q(1, 10), Q(1), Q(100), Q(1, 100)),
    (Q(1, 2), Q(2), Q(1, 4), Q(1, 2)), (Q(1, 2), Q(2), Q(2), Q(1, 5)), (Q(1, 2), Q(2), Q(50), Q(1, 60)),
    (Q(0), Q(1), Q(1), Q(1, 4)), (Q(1, 100), Q(1), Q(1, 10), Q(9, 10)), (Q(1, 100), Q(1), Q(5), Q(1, 8)),
    (Q(1, 3), Q(3), Q(7, 10), Q(1, 4)), (Q(1, 3), Q(3), Q(20), Q(1, 70)), (Q(2), Q(5), Q(1, 5), Q(1, 4)),
    (Q(2), Q(5), Q(4), Q(1, 25)), (Q(1, 10), Q(10), Q(1, 3), Q(1, 20)), (Q(1, 10), Q(10), Q(30), Q(1, 400)),
    (Q(1, 5), Q(1), Q(99), Q(1, 120)), (Q(1, 10), Q(1), Q(2), Q(2, 3) * 2 / (3 * Q(11, 10))),
]


@pytest.mark.parametrize("mu, L, omega, gamma", SETTINGS)
def test_certified_bracket_contains_the_closed_form(mu, L, omega, gamma):
    classes = ProblemClass(SmoothStronglyConvex(mu, L), Unbiased(omega))
    result = certify(compressed_gradient_descent, classes, gamma, family="distance")
    assert result.verified, result.reason
    rho = closed_form(mu, L, omega, gamma)
    assert result.rho_lower <= rho <= result.rho_upper  # exact Fractions
    assert result.gap <= Q(1, 10**6)


@pytest.mark.parametrize("mu, L, omega", [(0.1, 1.0, 0.1), (0.1, 1.0, 3.0), (0.5, 2.0, 100.0)])
def test_optimal_step_and_measured_quantity(mu, L, omega):
    classes = ProblemClass(SmoothStronglyConvex(mu, L), Unbiased(omega))
    step = optimal_step(compressed_gradient_descent, classes, family="distance")
    gamma_star = 2 / ((1 + omega) * (L + mu))
    assert step.proven_optimal
    assert abs(step.eta - gamma_star) <= 1e-9 * gamma_star
    assert abs(step.rate.rho - closed_form(mu, L, omega, gamma_star)) <= 1e-9
    # The full quadratic family (what `pepcert rate` uses) proves the same rate, to the
    # accuracy of its search (its bracket is ~1e-8 wide here: no structured reduction).
    full = tight_rate(compressed_gradient_descent(gamma_star), classes)
    assert full.rho_lower <= closed_form(mu, L, omega, gamma_star) + 1e-12
    assert abs(full.rho - closed_form(mu, L, omega, gamma_star)) <= 1e-7
