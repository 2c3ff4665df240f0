r"""Thomsen, Taylor & Dieuleveut (2026), *A tight theory of error feedback algorithms in
distributed optimization*: closed forms and laws (the theorems ``pepcert verify`` runs are in
:mod:`pepcert.papers.theorems.ttd26`).

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
    from pepcert.pep.classes import Distributed
    from pepcert.pep.compressors import Contractive
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

# n = 3 and 4 heterogeneous agents (the paper states the step and weight laws for every n; its
# own checks, certificates/empirical_laws/*.ipynb of the authors' repository, use n = 2, 3, 4).
LAW_SETTINGS = (((1, 2, 4), (0.5, 0.1, 0.4), 0.5), ((1, 1, 1), (0.9, 0.1, 1.0), 0.5),  # a quadratic agent
                ((1, 3, 2, 5), (0.1, 0.5, 1.0, 0.2), 0.3))


def law_rate(L, mu, delta, eta=None) -> float:
    """The one-step worst case of the law's ``V`` (primal PEP) at ``eta`` (default ``eta*``)."""
    from pepcert.pep.algorithms import BUILTIN_METHODS
    from pepcert.pep.problem import worst_case

    eta = optimal_step(L, mu, delta) if eta is None else eta
    return worst_case(BUILTIN_METHODS["ef21"](eta, len(L)), classes_of(L, mu, delta), 1,
                      measure=paper_lyapunov(L, mu, delta)).value


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
