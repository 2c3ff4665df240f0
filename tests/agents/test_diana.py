"""DIANA (Mishchenko, Gorbunov, Takac & Richtarik 2019) with n = 1..3 agents: its tight rate is
at most the DIANA bound.

The bound used (stated and re-derived in docs/agents.md): with full local gradients, an
omega-unbiased compressor per agent, shift rate alpha = 1/(1 + omega) and step
gamma = 1/((1 + 6 omega/n) L),

    E Psi_{k+1} <= max(1 - gamma mu, 1 - alpha/2) E Psi_k,
    Psi = ||x - x*||^2 + (4 omega gamma^2/(alpha n^2)) sum_i ||h_i - h_i*||^2

(the strongly convex DIANA theorem, Mishchenko et al. 2019, Theorem 2, and Horvath, Kovalev,
Mishchenko, Stich & Richtarik 2019, in the form with sigma = 0). Psi is in the method's
"paper" family, so the Lyapunov rate of that family, hence the tight rate, is at most the bound.
"""

import pytest

from pepcert.lyapunov.search import lyapunov_rate
from pepcert.pep import ProblemClass, SmoothStronglyConvex, Unbiased
from pepcert.pep.algorithms import diana
from pepcert.pep.classes import Distributed


def bound(mu, L, omega, n):
    gamma = 1 / ((1 + 6 * omega / n) * L)
    return gamma, max(1 - gamma * mu, 1 - 1 / (2 * (1 + omega)))


SETTINGS = [(1, 0.1, 1.0, 0.5), (1, 0.1, 1.0, 4.0), (1, 0.5, 2.0, 0.1), (1, 0.01, 1.0, 10.0),
            (2, 0.1, 1.0, 0.5), (2, 0.1, 1.0, 4.0), (2, 0.2, 3.0, 1.0), (2, 0.05, 1.0, 20.0),
            (2, 0.3, 1.0, 2.0), (3, 0.1, 1.0, 0.5)]


@pytest.mark.parametrize("n, mu, L, omega", SETTINGS)
def test_diana_rate_is_at_most_the_papers_bound(n, mu, L, omega):
    function = SmoothStronglyConvex(mu, L) if n == 1 else Distributed((SmoothStronglyConvex(mu, L),) * n)
    classes = ProblemClass(function, Unbiased(omega))
    gamma, rho_paper = bound(mu, L, omega, n)
    rate = lyapunov_rate(diana(gamma, omega, n), classes, "paper" if n == 3 else "full")
    assert rate.rho <= rho_paper + 1e-9
