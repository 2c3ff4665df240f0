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
from pepcert.papers.theorems.compare import AtLeast, AtMost, Close, Encloses
from pepcert.papers.theorems.core import Theorem, TheoremError
from pepcert.papers.ttd25 import closed_forms
from pepcert.papers.ttd26 import (
    LAW_SETTINGS,
    PAPER,
    classes_of,
    law_method,
    law_rate,
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


def law_step_n34(L: tuple, mu: tuple, delta) -> tuple[float, float]:
    r"""Three and four heterogeneous agents: ``eta* = 2n/sum_i(L_i + mu_i) (1 - s)/(1 + s)``
    minimises the rate of the law's EF21 Lyapunov function (TTD26 states the laws for every
    ``n``; its own checks, the authors' ``certificates/empirical_laws`` notebooks, use n = 2, 3, 4).

    Computed: the minimiser over ``eta`` of the one-step worst case of the law's ``V``
    (:func:`pepcert.papers.ttd26.law_rate`, scipy's Brent search around ``eta*``). Checked to
    1e-6 relative.
    """
    eta = optimal_step(L, mu, delta)
    best = minimize_scalar(lambda e: law_rate(L, mu, delta, e), bracket=(0.9 * eta, eta, 1.1 * eta), tol=1e-10)
    return best.x, eta


def law_weights_n34(L: tuple, mu: tuple, delta) -> tuple[float, float]:
    r"""Three and four heterogeneous agents: the law's weights ``(S/S_i)/n`` are within 1 % of
    the best quadratic Lyapunov function at ``eta*`` (the paper's criterion in its empirical-law
    notebooks): no Lyapunov function of the full family certifies 0.99 times the law's rate.

    Computed: the full family's tight rate over the law's rate. Proven where the margin at
    0.99 x the law's rate is conclusively negative, or the worst instance's rate is above it
    (which bounds every Lyapunov function); a setting where neither proves it raises
    :class:`TheoremError`. Checked: computed >= 0.99 (the full family's rate over the law's).
    """
    from pepcert.lyapunov.onestep import one_step
    from pepcert.lyapunov.search import MARGIN_THRESHOLD, lmi_data, normaliser, solve_margin
    from pepcert.pep.solvers import get_solver

    method, classes = BUILTIN_METHODS["ef21"](optimal_step(L, mu, delta), len(L)), classes_of(L, mu, delta)
    rho = law_rate(L, mu, delta)
    data = lmi_data(one_step(method, classes))
    margin = solve_margin(data, get_solver(None), 0.99 * rho, normaliser(data, None)).margin
    full = tight_rate(method, classes)
    if not (margin < -MARGIN_THRESHOLD or (full.lower_source == "instance" and full.rho_lower >= 0.99 * rho)):
        raise TheoremError(f"n = {len(L)}: neither the margin ({margin:.1e}) nor an instance proves the 1 % criterion")
    return full.rho / rho, 0.99


def law_weights_certified_n3(L: tuple, mu: tuple, delta) -> tuple[Fraction, float]:
    r"""Three agents, ``delta = 3/4`` (``s = 1/2``: rational weights): the law's ``V`` certifies
    its own rate exactly. A margin solve at ``rho_upper`` (the worst case of ``V`` plus at most
    1e-6, rational) is rounded and checked in rationals. The margin is measured on ``S`` only:
    this ``V`` has no ``f - f*`` term and asking ``ell >= t`` too keeps it negative up to ~1e-5
    above the rate (measured; docs/agents.md).

    Returns ``(rho_upper - rho, 1e-6)``; raises :class:`TheoremError` when the exact check
    rejects the rounded certificate. Checked: computed <= 1e-6 (exactly).
    """
    import numpy as np

    from pepcert.analyses.certificates import one_step_exact
    from pepcert.lyapunov.onestep import one_step
    from pepcert.lyapunov.search import lmi_data, solve_margin
    from pepcert.lyapunov.upper import check_upper, rational_above, round_certificate
    from pepcert.pep.solvers import get_solver

    L, mu, delta = tuple(Fraction(v) for v in L), tuple(Fraction(m) for m in mu), Fraction(delta)
    s = Fraction(1, 2)  # sqrt(1 - 3/4)
    eta = 2 * len(L) / sum(l + m for l, m in zip(L, mu)) * (1 - s) / (1 + s)
    rho = law_rate(L, [float(m) for m in mu], float(delta), float(eta))
    rho_upper = rational_above(rho, 1e-6)
    data = lmi_data(one_step(law_method(float(eta), len(L)), classes_of(L, mu, delta), "law"))
    found = solve_margin(data, get_solver(None), float(rho_upper), (np.eye(data.n), np.zeros(len(data.active_values))))
    step = one_step_exact(law_method(eta, len(L)), classes_of(L, mu, delta, Fraction), "law", 1)
    verdict = check_upper(step, round_certificate(step, rho_upper, found.coefficients, found.multipliers))
    if not verdict.valid:
        raise TheoremError(f"the rounded certificate of the law's V is rejected: {verdict.reason}")
    return rho_upper - Fraction(rho), 1e-6


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
    Theorem("ttd26-step-law-n3-n4", PAPER, "three and four heterogeneous agents: eta* = 2n/sum(L_i + mu_i) (1 - s)/(1 + s) "
            "minimises the rate of the law's EF21 Lyapunov function",
            law_step_n34, tuple({"L": L, "mu": mu, "delta": delta} for L, mu, delta in LAW_SETTINGS),
            Close(rtol=1e-6), "eta*"),
    Theorem("ttd26-lyapunov-law-n3-n4", PAPER, "three and four heterogeneous agents: the weights (S/S_i)/n are within 1 % "
            "of the best quadratic Lyapunov function at eta* (the paper's criterion; proven by margin or instance)",
            law_weights_n34, tuple({"L": L, "mu": mu, "delta": delta} for L, mu, delta in LAW_SETTINGS),
            AtLeast(), "0.99 (full family's rate / the law's)"),
    Theorem("ttd26-law-weights-certified-n3", PAPER, "three agents: the law's weights certify its rate, exactly",
            law_weights_certified_n3, ({"L": (1, 2, 4), "mu": (Fraction(1, 2), Fraction(1, 10), Fraction(2, 5)),
                                        "delta": Fraction(3, 4)},),
            AtMost(), "1e-6 (rho_upper minus the law's worst case, checked exactly)"),
]
