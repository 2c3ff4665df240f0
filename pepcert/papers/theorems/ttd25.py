r"""Thomsen, Taylor & Dieuleveut (2025), *Tight analyses of first-order methods with error
feedback* (arXiv:2506.05271): the numeric theorems.

Single agent, ``f`` L-smooth and mu-strongly convex, ``||C(v) - v||^2 <= (1 - delta)||v||^2``,
``s = sqrt(1 - delta)``, ``kappa = L/mu``. The closed forms (:mod:`pepcert.papers.ttd25.closed_forms`):

* EF and EF21: ``rho(eta) = max_{h in {mu, L}} ((|b_h| + sqrt(b_h^2 + 4 s))/2)^2``,
  ``b_h = (1 - s) - eta h (1 + s)``; ``eta* = 2/(L + mu) (1 - s)/(1 + s)``,
  ``rho* = ((B + sqrt(B^2 + 4 s))/2)^2``, ``B = (1 - s)(kappa - 1)/(kappa + 1)``;
* CGD (Lyapunov ``f - f*``): ``rho(eta) = max{(1 - eta mu (1 - s))^2, (1 - eta L (1 + s))^2}``,
  ``eta* = 2/((1 - s) mu + (1 + s) L)``, ``rho* = ((kappa_s - 1)/(kappa_s + 1))^2``,
  ``kappa_s = kappa (1 + s)/(1 - s)``.

Each function computes with pepcert's analyses (never from the closed form it is held
against) and returns ``(computed, theory)``; ``method`` is ``"CGD"``, ``"EF"`` or ``"EF21"``.
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

from pepcert.analyses import certify, check_certificate, optimal_step, tight_rate
from pepcert.lowerbounds.certified import exact_lower_bound
from pepcert.lowerbounds.linear import worst_linear_instances
from pepcert.papers.theorems.compare import AtMost, Close, Encloses, LowerBound
from pepcert.papers.theorems.core import Theorem, TheoremError
from pepcert.papers.ttd25 import PAPER, closed_forms
from pepcert.pep.algorithms import method_factory
from pepcert.pep.compressors import Contractive
from pepcert.pep.functions import SmoothStronglyConvex
from pepcert.pep.problem import ProblemClass, worst_case


def classes_of(mu, L, delta, random: bool = False, number=float) -> ProblemClass:
    """``mu``-strongly convex ``L``-smooth functions, a ``delta``-contractive compressor
    (``random``: contractive in expectation, two outcomes per compression)."""
    return ProblemClass(SmoothStronglyConvex(number(mu), number(L)), Contractive(number(delta), in_expectation=random))


def rate(method: str, mu, L, delta, eta) -> tuple[float, float]:
    r"""The tight rate: ``V(z+) <= rho(eta) V(z)`` for the best quadratic Lyapunov function
    ``V``, and no smaller rate holds, with ``rho(eta)`` the closed form of the module docstring
    (TTD25's EF/EF21 rate and CGD rate for ``f - f*``).

    Computed: :func:`pepcert.analyses.tight_rate` (the one-step LMI's smallest rate, closed from
    below by the worst linear instance). Checked to 1e-9 relative.
    """
    computed = tight_rate(method_factory(method)(float(eta)), classes_of(mu, L, delta)).rho
    return computed, float(closed_forms.rate(method, mu, L, delta, eta))


def optimal_step_and_rate(method: str, mu, L, delta) -> tuple[tuple[float, float], tuple[float, float]]:
    r"""The optimal step and rate: ``eta* = 2/(L + mu) (1 - s)/(1 + s)`` and
    ``rho* = ((B + sqrt(B^2 + 4 s))/2)^2`` for EF and EF21, ``eta* = 2/((1 - s) mu + (1 + s) L)``
    and ``rho* = ((kappa_s - 1)/(kappa_s + 1))^2`` for CGD (TTD25).

    Computed: :func:`pepcert.analyses.optimal_step` (a step search on the tight rate, no closed
    form; it must call its step proven optimal). Returns ``((eta*, rho*), (eta*, rho*))``;
    checked to 1e-9 absolute.
    """
    step = optimal_step(method_factory(method), classes_of(mu, L, delta))
    if not step.proven_optimal:
        raise TheoremError(f"the step search does not prove eta = {step.eta} optimal")
    theory = (float(closed_forms.optimal_step(method, mu, L, delta)), float(closed_forms.optimal_rate(method, mu, L, delta)))
    return (step.eta, step.rate.rho), theory


def paper_lyapunov_rate(method: str, mu, L, delta, eta) -> tuple[float, float]:
    r"""The paper's Lyapunov function alone proves the tight rate: EF
    ``V = ||x - x* - e||^2 + ||e||^2/s``, EF21 ``V = ||grad f(x) - d||^2 + s ||grad f(x)||^2``,
    CGD ``V = f(x) - f*`` each contract by ``rho(eta)`` (TTD25).

    Computed: :func:`pepcert.analyses.tight_rate` on the one-term family ``{V}``. Checked to
    1e-9 relative.
    """
    built = method_factory(method)(float(eta))
    assert built.lyapunov is not None  # every built-in method registers its paper V
    built = replace(built, families={"paper V": (("V", built.lyapunov),)})
    computed = tight_rate(built, classes_of(mu, L, delta), "paper V").rho
    return computed, float(closed_forms.rate(method, mu, L, delta, eta))


def lower_bound_instance(method: str, mu, L, delta, eta) -> tuple[Fraction, object]:
    r"""The rate is attained: on ``f = h x^2/2`` (``h = mu`` or ``L``) with ``C(v) = alpha v``,
    ``alpha = 1 +- s``, the method is linear and its squared spectral radius is ``rho(eta)``
    (TTD25's matching lower bound; ``rho >= 1`` proves non-convergence).

    Computed: the worst such instance in rationals, checked exactly to be in the classes, its
    rate proven by an exact root count (:func:`pepcert.lowerbounds.certified.exact_lower_bound`).
    Returns ``(rho_lower, rho(eta))``, both exact; checked ``rho(eta) - 1e-9 <= rho_lower <=
    rho(eta)`` (the right inequality exactly).
    """
    mu, L, delta, eta = (Fraction(x) for x in (mu, L, delta, eta))
    case = worst_linear_instances(method_factory(method)(float(eta)), classes_of(mu, L, delta))[0]
    bound = exact_lower_bound(method_factory(method)(eta), classes_of(mu, L, delta, number=Fraction),
                              case.instance, case.rho)
    if not bound.verified or bound.instance is None:
        raise TheoremError(f"instance not verified ({bound.reason})")
    if bound.instance.hs[0] not in (mu, L):
        raise TheoremError(f"the worst instance's curvature {bound.instance.hs[0]} is neither mu nor L")
    return bound.rho_lower, closed_forms.rate(method, mu, L, delta, eta)


def random_compressor_rate(method: str, mu, L, delta, eta) -> tuple[float, float]:
    r"""The same tight rate ``rho(eta)`` holds for random compressors with
    ``E||C(v) - v||^2 <= (1 - delta)||v||^2`` (TTD25), for ``E V``.

    Computed: :func:`pepcert.analyses.tight_rate` with two random outcomes per compression.
    Checked to 1e-8 relative.
    """
    computed = tight_rate(method_factory(method)(float(eta)), classes_of(mu, L, delta, random=True)).rho
    return computed, float(closed_forms.rate(method, mu, L, delta, eta))


def certified_rate(method: str, mu, L, delta, eta) -> tuple[tuple[Fraction, Fraction], object]:
    r"""The rate certified from both sides in exact arithmetic: a rational Lyapunov matrix and
    multipliers with an exact ``LDL^T`` proof of the residual give ``rho <= rho_upper``, a rational
    instance gives ``rho >= rho_lower``, and ``rho_lower <= rho(eta) <= rho_upper`` (TTD25's rate).

    Computed: :func:`pepcert.analyses.certify`, its certificate re-checked without a solver by
    :func:`pepcert.analyses.check_certificate`. Returns ``((rho_lower, rho_upper), rho(eta))``,
    exact; checked: the bracket contains the closed form (exactly) and is at most 1e-6 wide.
    """
    mu, L, delta, eta = (Fraction(x) for x in (mu, L, delta, eta))
    result = certify(method_factory(method), classes_of(mu, L, delta, number=Fraction), eta)
    if not result.verified:
        raise TheoremError(f"not verified ({result.reason})")
    report = check_certificate(result.certificate)
    if not report.valid:
        raise TheoremError(f"the certificate does not re-check ({'; '.join(report.reasons)})")
    return (result.rho_lower, result.rho_upper), closed_forms.rate(method, mu, L, delta, eta)


def worst_case_power(method: str, mu, L, delta, N: int) -> tuple[float, float]:
    r"""The N-step worst case of the paper's Lyapunov function at ``eta*`` is ``rho*^N``:
    ``max V(z_N)`` over all functions and compressor outputs with ``V(z_0) <= 1`` (TTD25's
    rate is tight over N steps, not only per step).

    Computed: :func:`pepcert.pep.problem.worst_case` (the N-step performance estimation
    problem). Checked to 1e-6 relative.
    """
    eta = float(closed_forms.optimal_step(method, mu, L, delta))
    value = worst_case(method_factory(method)(eta), classes_of(mu, L, delta), N).value
    return value, float(closed_forms.optimal_rate(method, mu, L, delta)) ** N


def ef_equals_ef21(mu, L, delta, eta) -> tuple[tuple[float, float], tuple[float, float]]:
    r"""EF and EF21 have the same tight rate at every step size, ``rho_EF(eta) = rho_EF21(eta)
    = rho(eta)`` (TTD25).

    Computed: both tight rates by :func:`pepcert.analyses.tight_rate`. Returns
    ``((rho_EF, rho_EF21), (rho(eta), rho(eta)))``; checked to 1e-9 relative.
    """
    classes = classes_of(mu, L, delta)
    computed = tuple(tight_rate(method_factory(name)(float(eta)), classes).rho for name in ("EF", "EF21"))
    theory = float(closed_forms.rate("EF", mu, L, delta, eta))
    return (computed[0], computed[1]), (theory, theory)


def cgd_faster_than_ef(mu, L, delta) -> tuple[float, float]:
    r"""At their optimal steps CGD is strictly faster than EF and EF21:
    ``rho*_CGD = ((kappa_s - 1)/(kappa_s + 1))^2 < ((B + sqrt(B^2 + 4 s))/2)^2 = rho*_EF`` (TTD25).

    Computed: CGD's optimal rate by :func:`pepcert.analyses.optimal_step`; theory: EF's
    optimal rate ``rho*_EF`` (the closed form, which ``ef-optimal-step`` checks). Checked
    ``computed < theory`` (strictly).
    """
    step = optimal_step(method_factory("CGD"), classes_of(mu, L, delta))
    return step.rate.rho, float(closed_forms.optimal_rate("EF", mu, L, delta))


# -- the catalogue ------------------------------------------------------------------------------

F = Fraction
# (mu, L, delta, eta): converging and non-converging steps, kappa from 4 to 100.
SETTINGS = ((F(1, 10), F(1), F(1, 2), F(1, 5)), (F(1), F(10), F(1, 4), F(1, 20)),
            (F(1, 4), F(1), F(9, 10), F(1, 2)), (F(1), F(100), F(1, 20), F(1, 200)))


def _at(method: str, settings) -> tuple[dict, ...]:
    return tuple({"method": method, "mu": mu, "L": L, "delta": delta, "eta": eta} for mu, L, delta, eta in settings)


def _per_method(name: str) -> list[Theorem]:
    key = name.lower()
    return [
        Theorem(f"{key}-rate", PAPER, f"{name} has the tight rate rho(eta) of the paper's closed form", rate,
                _at(name, SETTINGS), Close(rtol=1e-9), "the closed form rho(eta)"),
        Theorem(f"{key}-optimal-step", PAPER, f"{name}'s optimal step eta* and rate rho* are the closed forms",
                optimal_step_and_rate, tuple({"method": name, "mu": mu, "L": L, "delta": d} for mu, L, d, _ in SETTINGS),
                Close(atol=1e-9), "the closed forms (eta*, rho*)"),
        Theorem(f"{key}-paper-lyapunov", PAPER, f"{name}'s Lyapunov function from the paper certifies the tight rate",
                paper_lyapunov_rate, _at(name, SETTINGS[:3]), Close(rtol=1e-9), "the closed form rho(eta)"),
        Theorem(f"{key}-lower-bound", PAPER, f"{name}: f = h x^2/2 with C(v) = (1 +- s) v attains the rate (exact)",
                lower_bound_instance, _at(name, SETTINGS), LowerBound(within=1e-9), "the closed form rho(eta)"),
        Theorem(f"{key}-random", PAPER, f"{name} has the same rate for compressors contractive in expectation",
                random_compressor_rate, _at(name, SETTINGS[:3]), Close(rtol=1e-8), "the closed form rho(eta)"),
        Theorem(f"{key}-certified", PAPER, f"{name}'s rate is certified in exact arithmetic from both sides",
                certified_rate, _at(name, SETTINGS), Encloses(width=1e-6), "the closed form rho(eta)"),
    ]


THEOREMS: list[Theorem] = [
    *_per_method("CGD"), *_per_method("EF"), *_per_method("EF21"),
    Theorem("ef-equals-ef21", PAPER, "EF and EF21 have the same tight rate at every step size", ef_equals_ef21,
            tuple({"mu": mu, "L": L, "delta": d, "eta": eta} for mu, L, d, _ in SETTINGS[:2]
                  for eta in (F(1, 100), F(1, 20), F(1, 5), F(1, 2), F(1))),
            Close(rtol=1e-9), "the closed form rho(eta) for both"),
    Theorem("cgd-faster-than-ef", PAPER, "at their optimal steps CGD is strictly faster than EF", cgd_faster_than_ef,
            tuple({"mu": F(1), "L": kappa, "delta": delta} for kappa in (F(3, 2), F(10), F(100))
                  for delta in (F(1, 20), F(1, 2), F(99, 100))),
            AtMost(strict=True), "rho*_EF (closed form)"),
    *(Theorem(f"{name.lower()}-worst-case", PAPER, f"{name}'s N-step worst case of its Lyapunov function is rho*^N",
              worst_case_power, tuple({"method": name, "mu": F(1, 10), "L": F(1), "delta": F(1, 2), "N": N} for N in (3, 6)),
              Close(rtol=1e-6), "rho*^N (closed form)") for name in ("EF", "EF21")),
]
