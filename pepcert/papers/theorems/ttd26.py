r"""Thomsen, Taylor & Dieuleveut (2026), *A tight theory of error feedback algorithms in
distributed optimization* (arXiv:2605.31594): the n-agent theorems.

``f = (1/n) sum_i f_i``, each ``f_i`` ``L_i``-smooth and ``mu_i``-strongly convex, independent
``delta``-contractive compressors, ``s = sqrt(1 - delta)``; the closed forms are those of
:mod:`pepcert.papers.ttd26` (``eta* = 2n/sum_i (L_i + mu_i) (1 - s)/(1 + s)``, the single-agent
``rho*``, the two-agent cubic and the paper's EF21 Lyapunov function ``V``).
"""

from __future__ import annotations

from fractions import Fraction

from scipy.optimize import minimize_scalar

from pepcert.analyses import certify, tight_rate
from pepcert.papers.theorems.compare import AtMost, Close, Encloses
from pepcert.papers.theorems.core import Theorem, TheoremError
from pepcert.papers.ttd25 import closed_forms
from pepcert.papers.ttd26 import (
    PAPER,
    classes_of,
    optimal_step,
    paper_lyapunov,
    single_agent_rate,
    two_agent_rate,
)
from pepcert.pep.algorithms import BUILTIN_METHODS
from pepcert.pep.problem import worst_case


def same_rate_every_n(method: str, n: int, L, mu, delta) -> tuple[float, float]:
    r"""With ``n`` identical agents EF21 and EF (common minimiser) keep the single-agent step
    ``eta* = 2/(L + mu) (1 - s)/(1 + s)`` and rate ``rho* = ((B + sqrt(B^2 + 4 s))/2)^2``,
    ``B = (1 - s)(kappa - 1)/(kappa + 1)``, for every ``n``, with
    ``V = (s/n)||sum_i grad f_i(x)||^2 + sum_i ||grad f_i(x) - d_i||^2`` (EF21) and
    ``V = (1/(n s))||sum_i e_i||^2 + sum_i ||x - x* - e_i||^2`` (EF) (TTD26).

    Computed: :func:`pepcert.analyses.tight_rate` on the paper's Lyapunov family at ``eta*``,
    ``method`` ``"ef21"`` or ``"ef"``. Checked to 1e-8 absolute.
    """
    eta = optimal_step((L,), (mu,), delta)
    rate = tight_rate(BUILTIN_METHODS[method](eta, n), classes_of((L,) * n, (mu,) * n, delta), family="paper")
    return rate.rho, single_agent_rate(L, mu, delta)


def two_agent_cubic(L: tuple, mu: tuple, delta) -> tuple[float, float]:
    r"""Two agents with different ``(L_i, mu_i)``: at ``eta* = 2n/sum_i(L_i + mu_i) (1 - s)/(1 + s)``
    the paper's EF21 Lyapunov function ``V = (s/n)||sum_i grad f_i||^2 + sum_i (S/(n S_i))||grad f_i
    - d_i||^2`` (``S_i = L_i + mu_i``, ``S = sum_i S_i``) contracts by the largest real root of
    ``rho^3 - [s(2 + s) + r(s K1 + K2)] rho^2 + s^2 [1 + 2s + r(K1 + s K2)] rho - s^4`` (TTD26's
    empirical law; :func:`pepcert.papers.ttd26.cubic_roots`).

    Computed: the one-step worst case of ``V`` (:func:`pepcert.pep.problem.worst_case`). Checked
    to 1e-7 absolute.
    """
    result = worst_case(BUILTIN_METHODS["ef21"](optimal_step(L, mu, delta), 2), classes_of(L, mu, delta), 1,
                        measure=paper_lyapunov(L, mu, delta))
    return result.value, two_agent_rate(L, mu, delta)


def two_agent_step(L: tuple, mu: tuple, delta) -> tuple[float, float]:
    r"""Two agents with different ``(L_i, mu_i)``: ``eta* = 2n/sum_i(L_i + mu_i) (1 - s)/(1 + s)``
    minimises the rate of the paper's EF21 Lyapunov function (TTD26's empirical law).

    Computed: the minimiser of the one-step worst case of ``V`` over ``eta`` (scipy's bounded
    Brent search around ``eta*``). Checked to 1e-6 relative.
    """
    def rate(eta):
        return worst_case(BUILTIN_METHODS["ef21"](eta, 2), classes_of(L, mu, delta), 1,
                          measure=paper_lyapunov(L, mu, delta)).value

    eta = optimal_step(L, mu, delta)
    return minimize_scalar(rate, bracket=(0.9 * eta, eta, 1.1 * eta), tol=1e-10).x, eta


def certified_two_agents(method: str, L, mu, delta) -> tuple[tuple[Fraction, Fraction], object]:
    r"""Two identical agents: the rate of EF21 and EF at (a rational approximation of) ``eta*`` is
    the single-agent ``rho(eta)`` of Thomsen, Taylor & Dieuleveut (2025), certified from both
    sides in exact arithmetic (TTD26: the single-agent rate for every ``n``).

    Computed: :func:`pepcert.analyses.certify` with ``n = 2``. Returns ``((rho_lower, rho_upper),
    rho(eta))``, exact; checked: the bracket contains the closed form (exactly) and is at most
    1e-6 wide.
    """
    L, mu, delta = Fraction(L), Fraction(mu), Fraction(delta)
    eta = Fraction(optimal_step((L,), (mu,), delta)).limit_denominator(10**9)
    result = certify(BUILTIN_METHODS[method], classes_of((L, L), (mu, mu), delta, Fraction), eta, parameters={"n": 2})
    if not result.verified:
        raise TheoremError(f"{method}: not verified ({result.reason})")
    return (result.rho_lower, result.rho_upper), closed_forms.rate(method, mu, L, delta, eta)


def best_lyapunov_below_cubic(L: tuple, mu: tuple, delta) -> tuple[float, float]:
    r"""The cubic is the rate of the paper's Lyapunov function, not the worst case: at the
    paper's example (``L = (1, 1)``, ``mu = (0.9, 0.1)``, ``delta = 1/2``) the best quadratic
    Lyapunov function proves a smaller rate at ``eta*`` (pepcert's finding, docs/agents.md:
    0.8004225 < 0.8011631, certified exactly in the tests).

    Computed: :func:`pepcert.analyses.tight_rate` over the full quadratic family. Checked
    ``computed < theory`` (the cubic's root).
    """
    rate = tight_rate(BUILTIN_METHODS["ef21"](optimal_step(L, mu, delta), 2), classes_of(L, mu, delta))
    return rate.rho, two_agent_rate(L, mu, delta)


IDENTICAL = ((1.0, 0.1, 0.5), (1.0, 0.02, 0.7), (3.0, 0.3, 0.6))
HETEROGENEOUS = (((1, 1), (0.9, 0.1), 0.5), ((1, 4), (0.1, 0.5), 0.3), ((2, 1), (0.2, 0.2), 0.7))


def _every_n(method: str) -> tuple[dict, ...]:
    return tuple({"method": method, "n": n, "L": L, "mu": mu, "delta": delta} for L, mu, delta in IDENTICAL
                 for n in (1, 2, 3, 4))


THEOREMS: list[Theorem] = [
    Theorem("ttd26-ef21-every-n", PAPER,
            "EF21 with n identical agents has the single-agent rho* at eta* (n = 1..4, the paper's Lyapunov family)",
            same_rate_every_n, _every_n("ef21"), Close(atol=1e-8), "the single-agent rho*"),
    Theorem("ttd26-ef-every-n", PAPER, "EF with n identical agents (common minimiser) has the single-agent rho* at eta*",
            same_rate_every_n, _every_n("ef"), Close(atol=1e-8), "the single-agent rho*"),
    Theorem("ttd26-two-agents-cubic", PAPER, "two heterogeneous agents: the paper's EF21 Lyapunov function contracts at "
            "eta* = 2n/sum(L_i + mu_i) (1 - s)/(1 + s) by the largest root of the cubic",
            two_agent_cubic, tuple({"L": L, "mu": mu, "delta": delta} for L, mu, delta in HETEROGENEOUS),
            Close(atol=1e-7), "the cubic's largest root"),
    Theorem("ttd26-two-agents-step", PAPER, "two heterogeneous agents: eta* = 2n/sum(L_i + mu_i) (1 - s)/(1 + s) minimises "
            "the rate of the paper's EF21 Lyapunov function",
            two_agent_step, ({"L": (1, 1), "mu": (0.9, 0.1), "delta": 0.5},), Close(rtol=1e-6), "eta*"),
    Theorem("ttd26-certified-n2", PAPER, "EF21 and EF with two agents: rate certified exactly from both sides",
            certified_two_agents, tuple({"method": m, "L": 1, "mu": Fraction(1, 10), "delta": Fraction(1, 2)}
                                        for m in ("ef21", "ef")),
            Encloses(width=1e-6), "the single-agent closed form rho(eta)"),
    Theorem("ttd26-best-lyapunov-below-cubic", PAPER,
            "two heterogeneous agents: the best quadratic Lyapunov function proves a smaller rate than the cubic "
            "(the paper's V is not optimal there)",
            best_lyapunov_below_cubic, ({"L": (1, 1), "mu": (0.9, 0.1), "delta": 0.5},), AtMost(strict=True),
            "the cubic's largest root"),
]
