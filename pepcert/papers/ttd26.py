r"""Thomsen, Taylor & Dieuleveut (2026), *A tight theory of error feedback algorithms in
distributed optimization*: closed forms and the claims ``pepcert verify`` runs.

n agents, ``f = (1/n) sum_i f_i``, independent contractive compressors, ``s = sqrt(1 - delta)``:

* identical agents (each ``f_i`` L-smooth, mu-strongly convex): EF21 and EF (common minimiser)
  keep the single-agent ``eta* = 2/(L + mu) (1 - s)/(1 + s)`` and
  ``rho* = ((B + sqrt(B^2 + 4 s))/2)^2``, ``B = (1 - s)(kappa - 1)/(kappa + 1)``, for every n,
  with ``V = (s/n)||sum_i grad f_i(x)||^2 + sum_i ||grad f_i(x) - d_i||^2`` (EF21) and
  ``V = (1/(n s))||sum_i e_i||^2 + sum_i ||x - x* - e_i||^2`` (EF);
* agents with different ``(L_i, mu_i)`` (the paper's empirical laws): ``eta* = 2n/sum_i S_i
  (1 - s)/(1 + s)`` with ``S_i = L_i + mu_i``; the EF21 Lyapunov function
  ``V = (s/n)||sum_i grad f_i||^2 + sum_i (S/(n S_i))||grad f_i - d_i||^2`` (``S = sum_i S_i``);
  for n = 2 the rate is the largest real root of
  ``rho^3 - [s(2 + s) + r(s K1 + K2)] rho^2 + s^2 [1 + 2s + r(K1 + s K2)] rho - s^4``,
  ``r = (1 - s)^2/(1 + s)``, ``K1 = (D2^2 S1 + D1^2 S2)/(S1 S2 (S1 + S2))``,
  ``K2 = (D1 + D2)^2/(S1 + S2)^2``, ``D_i = L_i - mu_i``.

For ``n = 3, 4`` (claims ``ttd26-step-law-n3-n4``, ``ttd26-lyapunov-law-n3-n4``,
``ttd26-law-weights-certified-n3``): ``eta*`` minimises the one-step worst case of the law's V to
3.4e-8; the full quadratic family improves on it by 0.02-0.08 % (the paper's 1 % criterion,
proven by a negative margin or an instance bound); the law's V is certified exactly at n = 3
(``docs/agents.md``, with the full family's own best step, 0.14-0.77 % away from ``eta*``).

What pepcert measures for the heterogeneous laws: the one-step worst case of that Lyapunov
function at ``eta*`` equals the cubic's root (to the SDP's accuracy, 1.5e-8 on 30 settings), and
``eta*`` is the step that minimises it. Differing minimisers change nothing for EF21 (tilt each
``f_i`` by ``-<grad f_i(x*), x>``). The best quadratic
Lyapunov function proves a smaller rate (certified exactly: 0.8004225 < 0.8011631 at the
example ``L = (1, 1)``, ``mu = (0.9, 0.1)``, ``delta = 1/2``), so the cubic is the rate of the
paper's Lyapunov function, an upper bound on the worst case (see ``docs/agents.md``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

PAPER = "Thomsen, Taylor & Dieuleveut 2026 (A tight theory of error feedback algorithms in distributed optimization)"


def s_of(delta) -> float:
    return math.sqrt(1 - float(delta))


def optimal_step(L, mu, delta) -> float:
    """``eta* = 2n / sum_i (L_i + mu_i) * (1 - s)/(1 + s)`` (one value per agent in L, mu)."""
    s = s_of(delta)
    return 2 * len(L) / sum(float(l) + float(m) for l, m in zip(L, mu)) * (1 - s) / (1 + s)


def single_agent_rate(L, mu, delta) -> float:
    """``rho* = ((B + sqrt(B^2 + 4 s))/2)^2``, ``B = (1 - s)(kappa - 1)/(kappa + 1)``."""
    s, kappa = s_of(delta), float(L) / float(mu)
    B = (1 - s) * (kappa - 1) / (kappa + 1)
    return ((B + math.sqrt(B * B + 4 * s)) / 2) ** 2


@dataclass(frozen=True)
class CubicRoots:
    """The three roots of a real monic cubic, largest real part first, and its discriminant
    (``> 0``: three distinct real roots; ``< 0``: one real root and a complex pair)."""

    roots: tuple[complex, complex, complex]
    discriminant: float

    @property
    def rate(self) -> float:
        """The largest real root (for the TTD26 cubic: the paper's two-agent rate)."""
        return max(r.real for r in self.roots if r.imag == 0)


def monic_cubic_roots(b, c, d, digits: int = 50, context=None) -> CubicRoots:
    r"""The roots of ``rho^3 + b rho^2 + c rho + d`` in ``digits``-digit arithmetic (mpmath; the
    coefficients are taken exactly: floats, mpmath numbers or decimal strings), rounded to float
    at the end. With ``rho = t - b/3`` the cubic is ``t^3 + p t + q`` (``p = c - b^2/3``,
    ``q = 2b^3/27 - bc/3 + d``), discriminant ``-(4p^3 + 27q^2)``. Positive: three real roots,
    Viete's ``t_k = 2 sqrt(-p/3) cos(phi/3 - 2 pi k/3)``, ``cos phi = (3q/(2p)) sqrt(-3/p)``;
    negative: Cardano's real root ``u + v`` (``u, v`` the real cube roots of
    ``-q/2 +- sqrt(-disc/108)``) and the pair ``-(u + v)/2 +- i sqrt(3)(u - v)/2``; zero: the
    repeated roots. A discriminant within ``10^-(digits - 10)`` of its terms' size is the
    rounding of a zero (a double root -- two quadratic agents, ``mu_i = L_i``, give
    ``(rho - s)^2 (rho - s^2)`` -- would otherwise split into a complex pair ``~1e-25`` off the
    axis) and is taken as zero; likewise ``p`` (a triple root). Where the roots meet
    (``p -> 0``) about ``digits - 16`` digits are left."""
    import mpmath

    ctx = context or mpmath.mp.clone()
    if context is None:
        ctx.dps = digits
    b, c, d = (ctx.mpf(x) for x in (b, c, d))
    p, q = c - b**2 / 3, 2 * b**3 / 27 - b * c / 3 + d
    noise = ctx.mpf(10) ** (10 - ctx.dps)
    if abs(p) <= noise * (b**2 + abs(c)):
        p = ctx.mpf(0)
    discriminant = -(4 * p**3 + 27 * q**2)
    if abs(discriminant) <= noise * (4 * abs(p) ** 3 + 27 * q**2):
        discriminant = ctx.mpf(0)
    if discriminant > 0:
        m, phi = 2 * ctx.sqrt(-p / 3), ctx.acos(3 * q / (2 * p) * ctx.sqrt(-3 / p))
        ts = [m * ctx.cos(phi / 3 - 2 * ctx.pi * k / 3) for k in range(3)]
    elif discriminant == 0:  # a repeated root
        ts = [ctx.mpf(0)] * 3 if p == 0 else [3 * q / p, -3 * q / (2 * p), -3 * q / (2 * p)]
    else:
        root = ctx.sqrt(-discriminant / 108)
        u, v = (ctx.sign(w) * ctx.cbrt(abs(w)) for w in (-q / 2 + root, -q / 2 - root))
        half, imag = -(u + v) / 2, ctx.sqrt(3) * (u - v) / 2
        ts = [u + v, ctx.mpc(half, imag), ctx.mpc(half, -imag)]
    first, second, third = sorted((complex(t - b / 3) for t in ts), key=lambda z: (-z.real, -z.imag))
    return CubicRoots((first, second, third), float(discriminant))


def cubic_roots(L, mu, delta, digits: int = 50) -> CubicRoots:
    r"""The roots of the two-agent cubic
    ``rho^3 - [s(2 + s) + r(s K1 + K2)] rho^2 + s^2 [1 + 2s + r(K1 + s K2)] rho - s^4``
    (``s = sqrt(1 - delta)``, ``r = (1 - s)^2/(1 + s)``, ``S_i = L_i + mu_i``, ``D_i = L_i - mu_i``,
    ``K1 = (D2^2 S1 + D1^2 S2)/(S1 S2 (S1 + S2))``, ``K2 = (D1 + D2)^2/(S1 + S2)^2``): coefficients
    from the (exact binary) float values of the inputs in ``digits``-digit arithmetic, then
    :func:`monic_cubic_roots` at the same precision."""
    import mpmath

    ctx = mpmath.mp.clone()
    ctx.dps = digits
    (L1, L2), (m1, m2) = ([ctx.mpf(float(x)) for x in v] for v in (L, mu))
    s = ctx.sqrt(1 - ctx.mpf(float(delta)))
    r = (1 - s) ** 2 / (1 + s)
    S1, S2, D1, D2 = L1 + m1, L2 + m2, L1 - m1, L2 - m2
    K1 = (D2**2 * S1 + D1**2 * S2) / (S1 * S2 * (S1 + S2))
    K2 = (D1 + D2) ** 2 / (S1 + S2) ** 2
    return monic_cubic_roots(-(s * (2 + s) + r * (s * K1 + K2)), s**2 * (1 + 2 * s + r * (K1 + s * K2)), -(s**4), context=ctx)


def two_agent_rate(L, mu, delta) -> float:
    """The largest real root of the two-agent cubic (:func:`cubic_roots`)."""
    return cubic_roots(L, mu, delta).rate


def paper_lyapunov(L, mu, delta):
    """``V(z) = (s/n)||sum_i grad f_i||^2 + sum_i (S/(n S_i))||grad f_i - d_i||^2`` for EF21
    (``d_i`` the state ``d1, d2, ...``), as a measure ``(z, classes) -> scalar``."""
    from pepcert.pep.expressions import norm2

    s = s_of(delta)
    S = [float(l) + float(m) for l, m in zip(L, mu)]
    n = len(S)

    def V(z, classes):
        g = z.grads
        total = sum(g[1:], g[0])
        return s * norm2(total) / n + sum(sum(S) / (n * S[i]) * norm2(g[i] - getattr(z, f"d{i + 1}")) for i in range(n))

    return V


def classes_of(L, mu, delta, number=float, common_minimizer=True):
    """Agents ``(L_i, mu_i)`` with independent ``delta``-contractive compressors."""
    from pepcert.pep.compressors import Contractive
    from pepcert.pep.classes import Distributed
    from pepcert.pep.functions import SmoothStronglyConvex
    from pepcert.pep.problem import ProblemClass

    return ProblemClass(Distributed(tuple(SmoothStronglyConvex(number(m), number(l)) for l, m in zip(L, mu)),
                                    common_minimizer),
                        Contractive(number(delta)))


def exact_s(delta):
    """``s = sqrt(1 - delta)``: a Fraction when ``1 - delta`` is the square of a rational (``delta = 3/4``
    gives ``1/2``), else a float."""
    import math

    value = Fraction(1) - Fraction(delta)
    top, bottom = math.isqrt(value.numerator), math.isqrt(value.denominator)
    if isinstance(delta, Fraction) and top * top == value.numerator and bottom * bottom == value.denominator:
        return Fraction(top, bottom)
    return math.sqrt(float(value))


def law_lyapunov(z, classes):
    """The paper's EF21 Lyapunov function with the law's weights, from the classes' own numbers
    (exact when they are): ``(s/n)||sum_i grad f_i||^2 + sum_i S/(n S_i) ||grad f_i - d_i||^2``."""
    from pepcert.pep.expressions import norm2

    numbers = [fn.numbers() for fn in classes.function.functions]
    sums = [number["L"] + number["mu"] for number in numbers]
    n, s = len(sums), exact_s(classes.compressor.numbers()["delta"])
    grads = z.grads
    return s * norm2(sum(grads[1:], grads[0])) / n + sum(
        sum(sums) / (n * sums[i]) * norm2(grads[i] - getattr(z, f"d{i + 1}")) for i in range(n))


def law_method(eta, n):
    """Built-in EF21 with ``n`` agents whose only Lyapunov family is the law's ``V`` (one term,
    weight normalised to 1: ``V`` itself), so ``certify(..., family="law")`` proves its rate."""
    from dataclasses import replace

    from pepcert.pep.algorithms import BUILTIN_METHODS

    return replace(BUILTIN_METHODS["ef21"](eta, n), families={"law": (("the law's V", law_lyapunov),)})


BENCH_METHODS = ("ef21", "ef")  # what ``pepcert.cli.bench_agents`` times

# -- claims ---------------------------------------------------------------------------------

IDENTICAL = [(1.0, 0.1, 0.5), (1.0, 0.02, 0.7), (3.0, 0.3, 0.6)]
HETEROGENEOUS = [((1, 1), (0.9, 0.1), 0.5), ((1, 4), (0.1, 0.5), 0.3), ((2, 1), (0.2, 0.2), 0.7)]


def _same_rate_every_n(name: str):
    def check():
        from pepcert.analyses import tight_rate
        from pepcert.pep.algorithms import BUILTIN_METHODS

        worst = 0.0
        for L, mu, delta in IDENTICAL:
            eta = optimal_step((L,), (mu,), delta)
            for n in (1, 2, 3, 4):
                rate = tight_rate(BUILTIN_METHODS[name](eta, n), classes_of((L,) * n, (mu,) * n, delta), family="paper")
                worst = max(worst, abs(rate.rho - single_agent_rate(L, mu, delta)))
        return f"max |rho(n) - rho*| = {worst:.1e} over n = 1..4 and {len(IDENTICAL)} settings", worst <= 1e-8

    return check


def _cubic_law():
    from pepcert.pep.algorithms import BUILTIN_METHODS
    from pepcert.pep.problem import worst_case

    worst = 0.0
    for L, mu, delta in HETEROGENEOUS:
        eta = optimal_step(L, mu, delta)
        result = worst_case(BUILTIN_METHODS["ef21"](eta, 2), classes_of(L, mu, delta), 1,
                            measure=paper_lyapunov(L, mu, delta))
        worst = max(worst, abs(result.value - two_agent_rate(L, mu, delta)))
    return f"max |one-step worst case of V - cubic root| = {worst:.1e} over {len(HETEROGENEOUS)} settings", worst <= 1e-7


def _step_law():
    from scipy.optimize import minimize_scalar

    from pepcert.pep.algorithms import BUILTIN_METHODS
    from pepcert.pep.problem import worst_case

    L, mu, delta = HETEROGENEOUS[0]
    eta = optimal_step(L, mu, delta)

    def rate(e):
        return worst_case(BUILTIN_METHODS["ef21"](e, 2), classes_of(L, mu, delta), 1,
                          measure=paper_lyapunov(L, mu, delta)).value

    best = minimize_scalar(rate, bracket=(0.9 * eta, eta, 1.1 * eta), tol=1e-10)
    error = abs(best.x - eta) / eta
    return f"argmin_eta of the one-step worst case of V is eta* to {error:.1e} (relative)", error <= 1e-6


def _certified_two_agents():
    from pepcert.analyses import certify
    from pepcert.pep.algorithms import BUILTIN_METHODS

    largest = Fraction(0)
    for name in ("ef21", "ef"):
        eta = Fraction(optimal_step((1,), (Fraction(1, 10),), Fraction(1, 2))).limit_denominator(10**9)
        result = certify(BUILTIN_METHODS[name], classes_of((1, 1), (Fraction(1, 10),) * 2, Fraction(1, 2), Fraction),
                         eta, parameters={"n": 2})
        if not result.verified:
            return f"{name}: not verified ({result.reason})", False
        largest = max(largest, result.gap)
    return f"EF21 and EF at n = 2 verified, largest gap {float(largest):.1e}", largest <= Fraction(1, 10**6)


# n = 3 and 4 heterogeneous agents (the paper states the step and weight laws for every n; its
# own checks, certificates/empirical_laws/*.ipynb of the authors' repository, use n = 2, 3, 4).
LAW_SETTINGS = [((1, 2, 4), (0.5, 0.1, 0.4), 0.5), ((1, 1, 1), (0.9, 0.1, 1.0), 0.5),  # a quadratic agent
                ((1, 3, 2, 5), (0.1, 0.5, 1.0, 0.2), 0.3)]


def _law_rate(L, mu, delta, eta=None) -> float:
    """The one-step worst case of the law's ``V`` (primal PEP) at ``eta`` (default ``eta*``)."""
    from pepcert.pep.algorithms import BUILTIN_METHODS
    from pepcert.pep.problem import worst_case

    eta = optimal_step(L, mu, delta) if eta is None else eta
    return worst_case(BUILTIN_METHODS["ef21"](eta, len(L)), classes_of(L, mu, delta), 1,
                      measure=paper_lyapunov(L, mu, delta)).value


def _step_law_n34():
    from scipy.optimize import minimize_scalar

    worst = 0.0
    for L, mu, delta in LAW_SETTINGS:
        eta = optimal_step(L, mu, delta)
        best = minimize_scalar(lambda e, L=L, mu=mu, delta=delta: _law_rate(L, mu, delta, e),
                               bracket=(0.9 * eta, eta, 1.1 * eta), tol=1e-10)
        worst = max(worst, abs(best.x - eta) / eta)
    return (f"argmin_eta of the one-step worst case of the law's V is eta* to {worst:.1e} (relative) at n = 3 and 4",
            bool(worst <= 1e-6))


def _lyapunov_law_n34():
    """The paper's criterion (its empirical-law notebooks): no quadratic Lyapunov function of the
    full family certifies 0.99 times the law's rate -- the margin there is conclusively negative,
    or (with a quadratic agent, where that margin is 0 to 1e-11: ``ell >= t`` cannot hold) the
    instance lower bound is above it, which bounds every Lyapunov function."""
    from pepcert.analyses import tight_rate
    from pepcert.lyapunov.onestep import one_step
    from pepcert.lyapunov.search import MARGIN_THRESHOLD, lmi_data, normaliser, solve_margin
    from pepcert.pep.algorithms import BUILTIN_METHODS
    from pepcert.pep.solvers import get_solver

    ratios, proven = [], []
    for L, mu, delta in LAW_SETTINGS:
        method, classes, rho = BUILTIN_METHODS["ef21"](optimal_step(L, mu, delta), len(L)), classes_of(L, mu, delta), _law_rate(L, mu, delta)
        data = lmi_data(one_step(method, classes))
        margin = solve_margin(data, get_solver(None), 0.99 * rho, normaliser(data, None)).margin
        full = tight_rate(method, classes)
        ratios.append(full.rho / rho)
        proven.append(margin < -MARGIN_THRESHOLD or (full.lower_source == "instance" and full.rho_lower >= 0.99 * rho))
    computed = (f"full family / law's V at eta*: {min(ratios):.5f}..{max(ratios):.5f}; nothing at 0.99 x the law's rate "
                f"(margin or instance) in {sum(proven)} of {len(proven)} settings (n = 3, 3, 4)")
    return computed, bool(all(proven) and min(ratios) >= 0.99)


def _law_weights_certified():
    """The law's V at n = 3, ``delta = 3/4`` (``s = 1/2``: rational weights), certified exactly at its
    own rate plus at most 1e-6: a margin solve there, rounded, checked in rationals. The margin is
    measured on ``S`` only (``ell >= 0`` as it is): this V has no ``f - f*`` term, its best
    multipliers leave ``ell = 0``, and asking ``ell >= t`` too keeps the margin negative up to
    ~1e-5 above the rate (measured; docs/agents.md)."""
    import numpy as np

    from pepcert.analyses.certificates import one_step_exact
    from pepcert.lyapunov.onestep import one_step
    from pepcert.lyapunov.search import lmi_data, solve_margin
    from pepcert.lyapunov.upper import check_upper, rational_above, round_certificate
    from pepcert.pep.solvers import get_solver

    L, mu, delta = (1, 2, 4), (Fraction(1, 2), Fraction(1, 10), Fraction(2, 5)), Fraction(3, 4)
    eta = Fraction(6) / sum(Fraction(l) + m for l, m in zip(L, mu)) * Fraction(1, 3)  # 2n/sum(L_i + mu_i) (1 - s)/(1 + s)
    rho = _law_rate(L, [float(m) for m in mu], float(delta), float(eta))
    rho_upper = rational_above(rho, 1e-6)
    data = lmi_data(one_step(law_method(float(eta), 3), classes_of(L, mu, delta), "law"))
    found = solve_margin(data, get_solver(None), float(rho_upper), (np.eye(data.n), np.zeros(len(data.active_values))))
    step = one_step_exact(law_method(eta, 3), classes_of(L, mu, delta, Fraction), "law", 1)
    verdict = check_upper(step, round_certificate(step, rho_upper, found.coefficients, found.multipliers))
    computed = (f"the law's V contracts by rho_upper = {float(rho_upper):.9f} (its worst case + {float(rho_upper) - rho:.1e}), "
                f"checked exactly: {verdict.valid or verdict.reason}")
    return computed, bool(verdict.valid and float(rho_upper) - rho <= 1e-6)


def ttd26_claims() -> list[tuple]:
    """``(id, paper, statement, expected, check)`` for the claims registry."""
    return [
        ("ttd26-ef21-every-n", PAPER, "EF21 with n identical agents has the single-agent rho* at eta* (n = 1..4, the paper's Lyapunov family)",
         "rho* to 1e-8", _same_rate_every_n("ef21")),
        ("ttd26-ef-every-n", PAPER, "EF with n identical agents (common minimiser) has the single-agent rho* at eta*",
         "rho* to 1e-8", _same_rate_every_n("ef")),
        ("ttd26-two-agents-cubic", PAPER, "two heterogeneous agents: the paper's EF21 Lyapunov function contracts at "
         "eta* = 2n/sum(L_i + mu_i) (1 - s)/(1 + s) by the largest root of the cubic", "cubic root to 1e-7", _cubic_law),
        ("ttd26-two-agents-step", PAPER, "two heterogeneous agents: eta* = 2n/sum(L_i + mu_i) (1 - s)/(1 + s) minimises "
         "the rate of the paper's EF21 Lyapunov function", "argmin to 1e-6 relative", _step_law),
        ("ttd26-certified-n2", PAPER, "EF21 and EF with two agents: rate certified exactly from both sides",
         "verified, gap <= 1e-6", _certified_two_agents),
        ("ttd26-step-law-n3-n4", PAPER, ("three and four heterogeneous agents: eta* = 2n/sum(L_i + mu_i) (1 - s)/(1 + s) "
                                          "minimises the rate of the law's EF21 Lyapunov function"),
         "argmin to 1e-6 relative", _step_law_n34),
        ("ttd26-lyapunov-law-n3-n4", PAPER, ("three and four heterogeneous agents: the weights (S/s_i)/n are within 1 % of "
                                              "the best quadratic Lyapunov function at eta* (the paper's criterion)"),
         "no full-family V at 0.99 x the law's rate", _lyapunov_law_n34),
        ("ttd26-law-weights-certified-n3", PAPER, "three agents: the law's weights certify its rate, exactly",
         "exact check, within 1e-6 of its worst case", _law_weights_certified),
    ]


def laws(classes) -> list[dict]:
    """EF21's two-agent laws for two agents with different constants and a contractive
    compressor (else nothing); :data:`LAWS` attaches them to the built-in EF21, so
    ``pepcert rate`` prints them beside its own answer."""
    from pepcert.pep.compressors import Contractive

    function = classes.function
    if not (function.agents == 2 and isinstance(classes.compressor, Contractive) and not function.identical):
        return []
    L = [float(fn.L) for fn in function.functions]
    mu = [float(fn.mu) for fn in function.functions]
    delta = float(classes.compressor.delta)
    return [{"paper": PAPER, "eta": optimal_step(L, mu, delta), "rho": two_agent_rate(L, mu, delta),
             "statement": "the cubic's largest root at eta* = 2n/sum(L_i + mu_i) (1 - s)/(1 + s): the rate of the "
                          "paper's EF21 Lyapunov function (the full quadratic family may certify less; docs/agents.md)"}]


#: The closed-form laws this paper states, by built-in method (command-line name).
LAWS = {"ef21": laws}
