r"""Exact certificates: ``certify`` proves ``rho_lower <= rate <= rho_upper`` in rationals, and
the certificate file format with its checker ``check_certificate`` (the only module that
reads or writes that format).

Upper bound: a rational Lyapunov certificate (:mod:`pepcert.lyapunov.upper`). Lower bound: a
rational worst-case instance whose rate is proven by an exact root count
(:mod:`pepcert.lowerbounds.certified`). See ``docs/certificates.md``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Callable

from pepcert.analyses.rates import tight_rate
from pepcert.lyapunov.onestep import FULL
from pepcert.pep.errors import BadInput
from pepcert.pep.methods import Method
from pepcert.pep.numerics.numbers import rational_to_str
from pepcert.pep.problem import ProblemClass


CERTIFICATE_FORMAT = "pepcert-certificate/1"
UPPER_GAPS = (1e-9, 1e-8, 1e-7, 1e-6, 1e-5)


@dataclass(frozen=True)
class CertifiedRate:
    """A rate proven in rational arithmetic from both sides: ``rho_lower <= rho <= rho_upper``."""

    method: str
    rho_lower: Fraction
    rho_upper: Fraction
    verified: bool
    reason: str
    certificate: dict
    seconds: float

    @property
    def gap(self) -> Fraction:
        return self.rho_upper - self.rho_lower

    def to_dict(self) -> dict:
        return {
            "method": self.method,
            "rho_lower": rational_to_str(self.rho_lower),
            "rho_upper": rational_to_str(self.rho_upper),
            "rho_lower_float": float(self.rho_lower),
            "rho_upper_float": float(self.rho_upper),
            "gap": float(self.gap),
            "verified": self.verified,
            "reason": self.reason,
            "seconds": self.seconds,
        }


def _float_classes(classes: ProblemClass) -> ProblemClass:
    from pepcert.pep.compressors import Contractive
    from pepcert.pep.functions import SmoothStronglyConvex

    compressor = classes.compressor
    return ProblemClass(
        SmoothStronglyConvex(float(classes.function.mu), float(classes.function.L)),
        None if compressor is None else Contractive(float(compressor.delta), compressor.in_expectation),
    )


def certify(
    factory: Callable[[Any], Method],
    classes: ProblemClass,
    eta: Fraction,
    family: str = FULL,
    solver: str | None = None,
    gaps=UPPER_GAPS,
) -> CertifiedRate:
    """Prove ``rho_lower <= rho(eta) <= rho_upper`` exactly (rational ``eta`` and classes).

    Upper: the tight floating-point Lyapunov solution, rounded to rationals at the smallest
    ``rho_upper = rho_L + gap`` (``gap`` in ``gaps``) where the exact check passes
    (:mod:`pepcert.lyapunov.upper`). Lower: the worst linear instance in rationals, its
    rate proven by an exact root count (:mod:`pepcert.lowerbounds.certified`).
    """
    from pepcert.lowerbounds.certified import exact_lower_bound
    from pepcert.lyapunov.onestep import one_step
    from pepcert.pep.solvers import get_solver

    start = time.perf_counter()
    eta = Fraction(eta)
    float_classes = _float_classes(classes)
    float_method = factory(float(eta))
    exact_method = factory(eta)
    backend = get_solver(solver)
    # The claim is about the rate, not about one Lyapunov family: the requested family is
    # tried first, then the method's structured families when its gap is not already tiny.
    families = [family] + [name for name in exact_method.families if name != family]
    upper, rate = None, None
    for candidate in families:
        attempt, attempt_rate = _certify_family(exact_method, float_method, classes, float_classes, candidate, backend, solver, gaps)
        rate = rate or attempt_rate
        if attempt is not None and (upper is None or attempt[0].rho_upper < upper[0].rho_upper):
            upper, rate = attempt, attempt_rate
        if upper is not None and upper[0].rho_upper - Fraction(rate.rho_lower) <= Fraction(1, 10**8):
            break
    step = upper[2] if upper is not None else one_step(exact_method, classes, family)
    upper = upper[:2] if upper is not None else None
    lower = None
    if rate.worst_cases:
        case = rate.worst_cases[0]
        lower = exact_lower_bound(exact_method, classes, float(case.instance.h), float(case.instance.alpha), case.rho)
    reasons = []
    if upper is None:
        reasons.append(f"no exact Lyapunov certificate within {gaps[-1]:g} of the rate")
    if lower is None or not lower.verified:
        reasons.append("no exact lower-bound instance" + (f" ({lower.reason})" if lower is not None else ""))
    rho_upper = upper[0].rho_upper if upper else Fraction(0)
    rho_lower = lower.rho_lower if lower is not None and lower.verified else Fraction(0)
    if upper and lower is not None and lower.verified and rho_lower > rho_upper:
        reasons.append("the lower bound exceeds the upper bound")  # impossible if both are right
    certificate = certificate_document(exact_method, classes, eta, step, upper, lower, rho_lower, rho_upper)
    return CertifiedRate(
        method=exact_method.name,
        rho_lower=rho_lower,
        rho_upper=rho_upper,
        verified=not reasons,
        reason="; ".join(reasons),
        certificate=certificate,
        seconds=time.perf_counter() - start,
    )


def _certify_family(exact_method, float_method, classes, float_classes, family, backend, solver, gaps):
    """One family's attempt: ``((certificate, check, exact step) | None, float rate)``."""
    from pepcert.lyapunov.upper import certify_upper
    from pepcert.lyapunov.onestep import one_step
    from pepcert.lyapunov.search import lmi_data, normaliser, solve_margin

    rate = tight_rate(float_method, float_classes, family, solver)
    step = one_step(exact_method, classes, family)
    data = lmi_data(one_step(float_method, float_classes, family))

    def margin_solver(reference, floor):
        def solve_at(rho: float):
            solution = solve_margin(data, backend, rho, normaliser(data, reference, floor))
            return solution.coefficients, solution.multipliers

        return solve_at

    # Margins measured against V_0 of the tight solution, against the identity (when V_0 is
    # small on the tight directions, e.g. V = f - f*), and against V_0 with more room.
    solvers = [margin_solver(rate.coefficients, 1e-6), margin_solver(None, 0.0), margin_solver(rate.coefficients, 1e-2)]
    rho_tight = rate.rho_lower if rate.lower_source == "instance" else rate.rho
    scale = max(1.0, rho_tight)
    found = certify_upper(step, solvers, rho_tight, (rate.coefficients, rate.multiplier_values), [g * scale for g in gaps])
    return (None if found is None else (*found, step)), rate


def certificate_document(method, classes, eta, step, upper, lower, rho_lower, rho_upper) -> dict:
    """The self-contained JSON certificate (every rational as ``"p/q"``)."""
    compressor = classes.compressor
    document = {
        "format": CERTIFICATE_FORMAT,
        "claim": "rho_lower <= worst-case rate of the method <= rho_upper, for every L-smooth mu-strongly "
        "convex f and every compressor output in the class",
        "method": method.name,
        "parameters": {
            "mu": rational_to_str(classes.function.mu),
            "L": rational_to_str(classes.function.L),
            "delta": rational_to_str(compressor.delta),
            "eta": rational_to_str(eta),
        },
        "compressor": "in expectation" if compressor.in_expectation else "deterministic",
        "rho_upper": rational_to_str(rho_upper),
        "rho_lower": rational_to_str(rho_lower),
    }
    if upper is not None:
        certificate, verdict = upper
        document["upper"] = {
            "family": step.family,
            "outcomes": step.outcomes,
            "basis": list(step.basis.vector_names),
            "function_values": list(step.basis.value_names),
            "features": list(step.feature_names),
            "terms": list(step.term_names),
            "constraints": [name for name, _ in step.constraints],
            "P": None if certificate.P is None else [[rational_to_str(v) for v in row] for row in certificate.P],
            "p": rational_to_str(certificate.p),
            "weights": None if certificate.weights is None else [rational_to_str(v) for v in certificate.weights],
            "multipliers": [rational_to_str(v) for v in certificate.multipliers],
            "residual_pivots": [rational_to_str(v) for v in verdict.residual.pivots],
        }
    if lower is not None and lower.verified:
        document["lower"] = lower.to_dict()
    return document


@dataclass(frozen=True)
class CheckReport:
    valid: bool
    reasons: tuple[str, ...]
    rho_lower: Fraction | None
    rho_upper: Fraction | None

    def to_dict(self) -> dict:
        return {
            "valid": self.valid,
            "reasons": list(self.reasons),
            "rho_lower": None if self.rho_lower is None else rational_to_str(self.rho_lower),
            "rho_upper": None if self.rho_upper is None else rational_to_str(self.rho_upper),
        }


def check_certificate(document: dict) -> CheckReport:
    """Re-verify a certificate document exactly: no solver, no floating point.

    The top-level ``rho_upper`` and ``rho_lower`` are the claims; everything else is the
    evidence. The one-step problem is rebuilt from the method's definition with the
    document's rational parameters, so a certificate cannot smuggle in its own constraints.
    """
    from pepcert.lowerbounds.certified import check_lower_bound
    from pepcert.lyapunov.upper import UpperCertificate, check_upper
    from pepcert.lyapunov.onestep import one_step
    from pepcert.pep.compressors import Contractive
    from pepcert.pep.functions import SmoothStronglyConvex
    from pepcert.pep.algorithms import method_factory
    from pepcert.pep.numerics.numbers import str_to_rational

    reasons: list[str] = []

    def rational(value, what: str) -> Fraction:
        try:
            return str_to_rational(value)
        except BadInput:
            raise BadInput(f"{what} must be a rational string 'p/q', got {value!r}") from None

    try:
        if document.get("format") != CERTIFICATE_FORMAT:
            raise BadInput(f"not a pepcert certificate (format {document.get('format')!r})")
        parameters = document["parameters"]
        mu, L = rational(parameters["mu"], "mu"), rational(parameters["L"], "L")
        delta, eta = rational(parameters["delta"], "delta"), rational(parameters["eta"], "eta")
        in_expectation = document.get("compressor") == "in expectation"
        classes = ProblemClass(SmoothStronglyConvex(mu, L), Contractive(delta, in_expectation))
        method = method_factory(document["method"])(eta)
        rho_upper = rational(document["rho_upper"], "rho_upper")
        rho_lower = rational(document["rho_lower"], "rho_lower")
        upper, lower = document.get("upper"), document.get("lower")
        if upper is None:
            reasons.append("no upper-bound certificate in the file")
        else:
            step = one_step(method, classes, upper["family"], int(upper.get("outcomes", 1)))
            if list(step.basis.vector_names) != upper["basis"] or [n for n, _ in step.constraints] != upper["constraints"]:
                reasons.append("the file's basis or inequalities do not match the method's one-step problem")
            else:
                P = None if upper["P"] is None else tuple(tuple(rational(v, "P") for v in row) for row in upper["P"])
                weights = None if upper["weights"] is None else tuple(rational(v, "weight") for v in upper["weights"])
                certificate = UpperCertificate(
                    rho_upper, upper["family"], P, rational(upper["p"], "p"), weights,
                    tuple(rational(v, "multiplier") for v in upper["multipliers"]),
                )
                verdict = check_upper(step, certificate)
                if not verdict.valid:
                    reasons.append(f"upper bound rejected: {verdict.reason}")
        if lower is None:
            reasons.append("no lower-bound instance in the file")
        else:
            instance = lower["instance"]
            ok, why = check_lower_bound(method, classes, rational(instance["h"], "h"), rational(instance["alpha"], "alpha"), rho_lower)
            if not ok:
                reasons.append(f"lower bound rejected: {why}")
        if rho_lower > rho_upper:
            reasons.append("rho_lower exceeds rho_upper")
    except (KeyError, TypeError, ValueError) as error:
        if isinstance(error, BadInput):
            reasons.append(str(error))
        else:
            reasons.append(f"malformed certificate: missing or invalid field {error}")
        return CheckReport(False, tuple(reasons), None, None)
    return CheckReport(not reasons, tuple(reasons), rho_lower, rho_upper)
