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


def hand_map(eta, alpha, curvatures, scalings):
    """DIANA's one-step matrix on f_i = k_i x^2/2, C_i(v) = a_i v, state (x, s_1..s_n):
    Delta_i = a_i (k_i x - s_i), x+ = x - eta mean_i(s_i + Delta_i), s_i+ = s_i + alpha Delta_i."""
    n = len(curvatures)
    first = [1 - eta * sum(a * k for a, k in zip(scalings, curvatures)) / n] + [-eta * (1 - a) / n for a in scalings]
    rows = [first]
    for i, (k, a) in enumerate(zip(curvatures, scalings)):
        rows.append([alpha * a * k] + [(1 - alpha * a) if j == i else 0 for j in range(n)])
    return rows


@pytest.mark.parametrize("n", [1, 2, 3])
def test_the_built_in_step_is_diana_exactly(n):
    """The built-in definition against the hand-written map, in exact rationals: the shift rate
    alpha = 1/(1 + omega), the estimate h_i + Delta_i and the averaging are each pinned down."""
    from fractions import Fraction as Q

    from pepcert.pep.instances import ScalingInstance, linear_map

    eta, omega = Q(1, 7), Q(3, 2)
    curvatures, scalings = [Q(1, 10), Q(1), Q(2, 3)][:n], [Q(5, 4), Q(1, 3), Q(2)][:n]
    instance = ScalingInstance(tuple(curvatures), tuple((a,) for a in scalings))
    computed = linear_map(diana(eta, omega, n), instance, number=Q)
    assert computed == hand_map(eta, 1 / (1 + omega), curvatures, scalings)
