r"""High-level analyses: the composition root that wires ``pep``, ``lyapunov`` and ``lowerbounds``.

* :func:`tight_rate` -- the Lyapunov rate of a method, using the worst linear instances
  (:mod:`pepcert.lowerbounds.linear`) as the known worst case; when the Lyapunov function
  certifies exactly their rate the answer is tight (``rho_lower == rho``).
* :func:`optimal_step` -- the step size minimising the rate of a family ``eta -> Method``.

Optimal step, and why it is proven optimal (Thomsen, Taylor & Dieuleveut 2025 use the same
two ingredients): let ``rho_L(eta)`` be the squared spectral radius of the worst linear
instance, a lower bound on the rate at every ``eta``. Minimise ``rho_L`` (cheap: small
eigenvalue problems) to get ``eta*``; if a Lyapunov function certifies ``rho_L(eta*)`` at
``eta*``, then for every ``eta``: ``rho(eta) >= rho_L(eta) >= rho_L(eta*) = rho(eta*)``. When
the certificate does not match, the Lyapunov rate itself is minimised (slower, and reported
as such).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Callable

import numpy as np
from scipy.optimize import brentq, minimize_scalar

from .lowerbounds.linear import spectral_rate, worst_linear_instances
from .lyapunov.onestep import FULL
from .lyapunov.search import LyapunovResult, lyapunov_rate
from .pep.errors import BadInput, SolverFailure
from .pep.methods import Method
from .pep.numbers import rational_to_str
from .pep.problem import ProblemClass


def tight_rate(
    method: Method,
    classes: ProblemClass,
    family: str = FULL,
    solver: str | None = None,
    tolerance: float = 1e-9,
    outcomes: int | None = None,
) -> LyapunovResult:
    """The Lyapunov rate of ``method``, tight when a worst linear instance matches it."""
    try:
        worst = worst_linear_instances(method, classes)
    except ValueError:
        worst = []  # the method is not linear on quadratics (it reads function values)
    result = lyapunov_rate(method, classes, family, tolerance, outcomes, solver, worst)
    if worst and result.lower_source == "instance" and result.bracket_width <= tolerance:
        return result
    if worst:  # a broader instance search, then try again
        thorough = worst_linear_instances(method, classes, thorough=True)
        if max(c.rho for c in thorough) > max(c.rho for c in worst) * (1 + 1e-12):
            retry = lyapunov_rate(method, classes, family, tolerance, outcomes, solver, thorough)
            if retry.bracket_width < result.bracket_width:
                return retry
    return result


@dataclass(frozen=True)
class StepResult:
    """The best step size of a method family and the rate there."""

    eta: float
    rate: LyapunovResult
    proven_optimal: bool  # rho(eta) = rho_L(eta) and eta minimises rho_L
    evaluations: int
    seconds: float
    failed_evaluations: int = 0  # step sizes whose Lyapunov rate could not be computed

    def to_dict(self) -> dict:
        return {
            "eta": self.eta,
            "proven_optimal": self.proven_optimal,
            "evaluations": self.evaluations,
            "failed_evaluations": self.failed_evaluations,
            "seconds": self.seconds,
            **{f"rate_{k}": v for k, v in self.rate.to_dict().items() if k in ("rho", "rho_lower")},
        }


def _minimise_over_steps(objective: Callable[[float], float], scale: float) -> tuple[float, int]:
    """Global grid on a log scale, then a bounded scalar search around the best point."""
    grid = scale * np.logspace(-6, math.log10(4.0), 61)
    values = [objective(float(eta)) for eta in grid]
    best = int(np.argmin(values))
    low = grid[max(best - 1, 0)]
    high = grid[min(best + 1, len(grid) - 1)]
    result = minimize_scalar(
        lambda log_eta: objective(math.exp(log_eta)),
        bounds=(math.log(low), math.log(high)),
        method="bounded",
        options={"xatol": 1e-13, "maxiter": 500},
    )
    eta = math.exp(result.x)
    if values[best] < result.fun:
        eta = float(grid[best])
    return eta, len(grid) + int(result.nfev)


def _refine_crossing(factory, classes, eta: float) -> tuple[float, int]:
    """Polish a minimiser of ``rho_L`` that sits where two instances cross.

    The minimum of a maximum of smooth curves is either a smooth minimum of one curve or a
    crossing of two; at a crossing a scalar minimiser stops ~1e-10 away, leaving the two
    instances visibly untied. Solving ``rho_A(eta) = rho_B(eta)`` with Brent's root finder
    places ``eta`` on the crossing to machine precision.
    """
    cases = worst_linear_instances(factory(eta), classes, relative_tie=1e-5)
    if len(cases) < 2:
        return eta, 1
    first, second = cases[0].instance, cases[1].instance

    def difference(e: float) -> float:
        method = factory(e)
        return spectral_rate(method, first).rho - spectral_rate(method, second).rho

    evaluations = 1
    for width in (1e-9, 1e-7, 1e-5, 1e-3):
        low, high = eta * (1 - width), eta * (1 + width)
        evaluations += 2
        if difference(low) * difference(high) < 0:
            root, info = brentq(difference, low, high, xtol=1e-16, rtol=4 * np.finfo(float).eps, full_output=True)
            evaluations += info.function_calls
            before = max(c.rho for c in cases)
            after = max(c.rho for c in worst_linear_instances(factory(root), classes))
            return (root if after <= before * (1 + 1e-12) else eta), evaluations
    return eta, evaluations


def optimal_step(
    factory: Callable[[Any], Method],
    classes: ProblemClass,
    family: str = FULL,
    solver: str | None = None,
    tolerance: float = 1e-9,
    outcomes: int | None = None,
) -> StepResult:
    """The step size ``eta > 0`` minimising the rate of ``factory(eta)``.

    Searches ``eta`` in ``[1e-6, 4] / L`` (log grid, then Brent's bounded method).
    """
    start = time.perf_counter()
    scale = 1.0 / float(classes.function.L)

    def lower_bound(eta: float) -> float:
        return max(case.rho for case in worst_linear_instances(factory(eta), classes))

    try:
        eta, evaluations = _minimise_over_steps(lower_bound, scale)
        eta, more = _refine_crossing(factory, classes, eta)
        evaluations += more
    except ValueError:
        eta, evaluations = None, 0
    instance_note = ""
    if eta is not None:
        instance_note = f"; the worst linear instance proves rho >= {lower_bound(eta):.12g} at eta = {eta:.12g}"
        try:
            rate = tight_rate(factory(eta), classes, family, solver, tolerance, outcomes)
        except SolverFailure:
            rate = None
        if rate is not None and rate.lower_source == "instance" and rate.bracket_width <= tolerance:
            return StepResult(eta, rate, True, evaluations + 1, time.perf_counter() - start)

    # No matching instance: minimise the Lyapunov rate itself (a failed solve counts as +inf).
    failures = 0

    def lyapunov_objective(e: float) -> float:
        nonlocal failures
        try:
            return lyapunov_rate(factory(e), classes, family, tolerance, outcomes, solver).rho
        except SolverFailure:
            failures += 1
            return math.inf

    eta, more = _minimise_over_steps(lyapunov_objective, scale)
    try:
        rate = tight_rate(factory(eta), classes, family, solver, tolerance, outcomes)
    except SolverFailure as error:
        raise SolverFailure(f"no step size could be certified ({error}){instance_note}") from None
    return StepResult(eta, rate, False, evaluations + more + 1, time.perf_counter() - start, failures)


# ---------------------------------------------------------------------------------------
# Exact certificates (issue: certified rates)
# ---------------------------------------------------------------------------------------

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
    from .pep.compressors import Contractive
    from .pep.functions import SmoothStronglyConvex

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
    (:mod:`pepcert.lyapunov.exact`). Lower: the worst linear instance in rationals, its
    rate proven by an exact root count (:mod:`pepcert.lowerbounds.exact`).
    """
    from .lowerbounds.exact import exact_lower_bound
    from .lyapunov.onestep import one_step
    from .pep.solvers import get_solver

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
    from .lyapunov.exact import certify_upper
    from .lyapunov.onestep import one_step
    from .lyapunov.search import lmi_data, normaliser, solve_margin

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
    from .lowerbounds.exact import check_lower_bound
    from .lyapunov.exact import UpperCertificate, check_upper
    from .lyapunov.onestep import one_step
    from .pep.compressors import Contractive
    from .pep.functions import SmoothStronglyConvex
    from .pep.methods import method_factory
    from .pep.numbers import str_to_rational

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
