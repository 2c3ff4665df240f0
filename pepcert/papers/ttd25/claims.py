"""Thomsen, Taylor & Dieuleveut (2025): the numeric claims, re-computed by pepcert's analyses.

Tight rates, optimal steps, the paper's Lyapunov functions, the lower-bound instances, random
compressors, exact certificates and N-step worst cases of CGD, EF and EF21 at the settings
below, each compared with the closed forms of :mod:`pepcert.papers.ttd25.closed_forms` (never
computed from them).
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

from pepcert.analyses import certify, optimal_step, tight_rate
from pepcert.lowerbounds.certified import exact_lower_bound
from pepcert.lowerbounds.linear import worst_linear_instances
from pepcert.papers.registry import Claim
from pepcert.papers.ttd25 import PAPER as TTD25
from pepcert.papers.ttd25 import closed_forms
from pepcert.pep.algorithms import method_factory
from pepcert.pep.compressors import Contractive
from pepcert.pep.functions import SmoothStronglyConvex
from pepcert.pep.problem import ProblemClass, worst_case

METHODS = ("CGD", "EF", "EF21")
# (mu, L, delta, eta): converging and non-converging steps, kappa from 4 to 100.
SETTINGS = [
    (Fraction(1, 10), Fraction(1), Fraction(1, 2), Fraction(1, 5)),
    (Fraction(1), Fraction(10), Fraction(1, 4), Fraction(1, 20)),
    (Fraction(1, 4), Fraction(1), Fraction(9, 10), Fraction(1, 2)),
    (Fraction(1), Fraction(100), Fraction(1, 20), Fraction(1, 200)),
]


def classes_of(mu, L, delta, random: bool = False) -> ProblemClass:
    return ProblemClass(SmoothStronglyConvex(float(mu), float(L)), Contractive(float(delta), in_expectation=random))


def exact_classes(mu, L, delta) -> ProblemClass:
    return ProblemClass(SmoothStronglyConvex(Fraction(mu), Fraction(L)), Contractive(Fraction(delta)))


def _closed(name, mu, L, delta, eta) -> float:
    return float(closed_forms.rate(name, mu, L, delta, eta))


# -- claim checks ---------------------------------------------------------------------------


def _rate_error(name: str, settings, random: bool = False, family: str = "full", fixed_lyapunov: bool = False) -> float:
    """Largest relative error of pepcert's tight rate against the closed form."""
    errors = []
    for mu, L, delta, eta in settings:
        method = method_factory(name)(float(eta))
        if fixed_lyapunov:  # the paper's V alone, as a one-term family
            assert method.lyapunov is not None  # every built-in method registers its paper V
            method, family = replace(method, families={"paper V": (("V", method.lyapunov),)}), "paper V"
        result = tight_rate(method, classes_of(mu, L, delta, random), family)
        expected = _closed(name, mu, L, delta, eta)
        errors.append(abs(result.rho - expected) / max(1.0, abs(expected)))
    return max(errors)


def _tight_rates(name: str):
    def check():
        worst = _rate_error(name, SETTINGS)
        return f"max rel. error {worst:.1e} over {len(SETTINGS)} settings", worst <= 1e-9

    return check


def _optimal_steps(name: str):
    def check():
        errors_eta, errors_rho = [], []
        for mu, L, delta, _ in SETTINGS:
            step = optimal_step(method_factory(name), classes_of(mu, L, delta))
            errors_eta.append(abs(step.eta - float(closed_forms.optimal_step(name, mu, L, delta))))
            errors_rho.append(abs(step.rate.rho - float(closed_forms.optimal_rate(name, mu, L, delta))))
        passed = max(errors_eta) <= 1e-8 and max(errors_rho) <= 1e-9
        return f"eta* error {max(errors_eta):.1e}, rho* error {max(errors_rho):.1e}", passed

    return check


def _ef_equals_ef21():
    diffs = []
    for mu, L, delta, _ in SETTINGS[:2]:
        for eta in (0.01, 0.05, 0.2, 0.5, 1.0):
            ef = tight_rate(method_factory("EF")(eta), classes_of(mu, L, delta)).rho
            ef21 = tight_rate(method_factory("EF21")(eta), classes_of(mu, L, delta)).rho
            diffs.append(abs(ef - ef21) / max(1.0, ef))
    return f"max |rho_EF - rho_EF21| = {max(diffs):.1e} over {len(diffs)} step sizes", max(diffs) <= 1e-9


def _cgd_faster():
    margins = []
    for kappa in (Fraction(3, 2), Fraction(10), Fraction(100)):
        for delta in (Fraction(1, 20), Fraction(1, 2), Fraction(99, 100)):
            classes = classes_of(1, kappa, delta)
            cgd = optimal_step(method_factory("CGD"), classes).rate.rho
            ef = optimal_step(method_factory("EF"), classes).rate.rho
            margins.append(ef - cgd)
    return f"min rho*_EF - rho*_CGD = {min(margins):.2e} over {len(margins)} settings", min(margins) > 0


def _paper_lyapunov(name: str):
    """The paper's V alone (a one-term family) certifies exactly the tight rate."""

    def check():
        worst = _rate_error(name, SETTINGS[:3], fixed_lyapunov=True)
        return f"max rel. error {worst:.1e} over 3 settings", worst <= 1e-9

    return check


def _lower_bound_instances(name: str):
    """f = h x^2/2, C(v) = alpha v with h in {mu, L}, alpha = 1 +- s: exact, tight, and a proof
    of non-convergence when rho >= 1."""

    def check():
        gaps, nonconvergent = [], 0
        for mu, L, delta, eta in SETTINGS:
            classes = exact_classes(mu, L, delta)
            method = method_factory(name)(float(eta))
            case = worst_linear_instances(method, classes_of(mu, L, delta))[0]
            bound = exact_lower_bound(method_factory(name)(eta), classes, case.instance, case.rho)
            if not bound.verified or bound.instance is None or bound.instance.hs[0] not in (Fraction(mu), Fraction(L)):
                return f"instance not verified ({bound.reason})", False
            closed = closed_forms.rate(name, mu, L, delta, eta)
            if closed_forms.compare(bound.rho_lower, closed) > 0:
                return "an exact lower bound exceeds the closed form", False
            gaps.append(float(closed) - float(bound.rho_lower))
            nonconvergent += bound.non_convergence
        return f"exact bounds within {max(gaps):.1e} below the closed form; {nonconvergent} proven non-convergent", max(gaps) <= 1e-9

    return check


def _random_compressors(name: str):
    def check():
        worst = _rate_error(name, SETTINGS[:3], random=True)
        return f"max rel. error {worst:.1e} (2 random outcomes per compression)", worst <= 1e-8

    return check


def _worst_case_power(name: str):
    def check():
        mu, L, delta = 0.1, 1.0, 0.5
        step = optimal_step(method_factory(name), classes_of(mu, L, delta))
        errors = []
        for N in (3, 6):
            value = worst_case(method_factory(name)(step.eta), classes_of(mu, L, delta), N).value
            errors.append(abs(value / step.rate.rho**N - 1))
        return f"max rel. error {max(errors):.1e} for N = 3, 6", max(errors) <= 1e-6

    return check


def _exact_certificates(name: str):
    def check():
        gaps = []
        for mu, L, delta, eta in SETTINGS:
            result = certify(method_factory(name), exact_classes(mu, L, delta), eta)
            closed = closed_forms.rate(name, mu, L, delta, eta)
            inside = closed_forms.compare(result.rho_lower, closed) <= 0 <= closed_forms.compare(result.rho_upper, closed)
            if not (result.verified and inside):
                return f"not verified ({result.reason})", False
            gaps.append(float(result.gap))
        return f"verified, max gap {max(gaps):.1e} over {len(gaps)} settings", max(gaps) <= 1e-6

    return check


def ttd25_claims() -> list[Claim]:
    """The numeric claims of the paper, in a fixed order."""
    claims = []
    for name in METHODS:
        claims.append(Claim(f"{name.lower()}-rate", TTD25, f"{name} has the tight rate rho(eta) of the paper's closed form",
                            "closed form to 1e-9", _tight_rates(name)))
        claims.append(Claim(f"{name.lower()}-optimal-step", TTD25, f"{name}'s optimal step eta* and rate rho* are the closed forms",
                            "eta* to 1e-8, rho* to 1e-9", _optimal_steps(name)))
        claims.append(Claim(f"{name.lower()}-paper-lyapunov", TTD25, f"{name}'s Lyapunov function from the paper certifies the tight rate",
                            "closed form to 1e-9", _paper_lyapunov(name)))
        claims.append(Claim(f"{name.lower()}-lower-bound", TTD25, f"{name}: f = h x^2/2 with C(v) = (1 +- s) v attains the rate (exact)",
                            "exact bound within 1e-9", _lower_bound_instances(name)))
        claims.append(Claim(f"{name.lower()}-random", TTD25, f"{name} has the same rate for compressors contractive in expectation",
                            "closed form to 1e-8", _random_compressors(name)))
        claims.append(Claim(f"{name.lower()}-certified", TTD25, f"{name}'s rate is certified in exact arithmetic from both sides",
                            "verified, gap <= 1e-6", _exact_certificates(name)))
    claims.append(Claim("ef-equals-ef21", TTD25, "EF and EF21 have the same tight rate at every step size",
                        "equal to 1e-9", _ef_equals_ef21))
    claims.append(Claim("cgd-faster-than-ef", TTD25, "at their optimal steps CGD is strictly faster than EF",
                        "rho*_CGD < rho*_EF", _cgd_faster))
    for name in ("EF", "EF21"):
        claims.append(Claim(f"{name.lower()}-worst-case", TTD25, f"{name}'s N-step worst case of its Lyapunov function is rho*^N",
                            "rho*^N to 1e-6", _worst_case_power(name)))
    return claims
