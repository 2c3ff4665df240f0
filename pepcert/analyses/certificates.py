r"""Exact certificates: ``certify`` proves ``rho_lower <= rate <= rho_upper`` in rationals, and
the certificate file format with its checker ``check_certificate`` (the only module that
writes or interprets that format; reading untrusted bytes is
:mod:`pepcert.analyses.certificate_file`'s job).

Upper bound: a rational Lyapunov certificate (:mod:`pepcert.lyapunov.upper`). Lower bound: a
rational worst-case instance of the classes whose rate is proven by an exact root count
(:mod:`pepcert.lowerbounds.certified`). Any method written as a
:class:`~pepcert.pep.methods.Method` works, with no compressor, a contractive or an unbiased
compressor class. A certificate never names code: ``check_certificate`` rebuilds the method
from the caller's factory (or a built-in one) and the file's rational parameters, and
compares a digest of the exact one-step problem with the one recorded in the file. See
``docs/certificates.md``.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Callable, Mapping

from pepcert.analyses.rates import tight_rate
from pepcert.lyapunov.onestep import FULL
from pepcert.pep.errors import BadInput
from pepcert.pep.numerics.numbers import rational_to_str
from pepcert.pep.serialise import jsonable

CERTIFICATE_FORMAT = "pepcert-certificate/2"
UPPER_GAPS = (1e-9, 1e-8, 1e-7, 1e-6, 1e-5)


@dataclass(frozen=True)
class CertifiedRate:
    """A rate proven in rational arithmetic from both sides: ``rho_lower <= rho <= rho_upper``.

    ``lower_source`` is ``"instance"`` (an exact instance proves ``rho_lower``) or ``"none"``
    (the classes have no scaling instances or the method is not linear on them:
    ``rho_lower = 0``, which is trivially true).
    """

    method: str
    parameters: Mapping[str, Fraction]
    classes: Mapping[str, Any]
    rho_lower: Fraction
    rho_upper: Fraction
    lower_source: str
    verified: bool
    reason: str
    certificate: dict = field(repr=False)
    seconds: float

    @property
    def gap(self) -> Fraction:
        return self.rho_upper - self.rho_lower

    @property
    def proves_convergence(self) -> bool:
        return self.verified and self.rho_upper < 1

    def to_dict(self) -> dict:
        return jsonable({
            "method": self.method,
            "parameters": dict(self.parameters),
            "classes": self.classes,
            "rho_lower": self.rho_lower,
            "rho_upper": self.rho_upper,
            "gap": float(self.gap),
            "lower_source": self.lower_source,
            "verified": self.verified,
            "proves_convergence": self.proves_convergence,
            "reason": self.reason,
            "seconds": self.seconds,
        })


def certify(
    factory: Callable[..., Any],
    classes,
    eta,
    family: str = FULL,
    solver: str | None = None,
    gaps=UPPER_GAPS,
    parameters: Mapping[str, Any] | None = None,
    outcomes: int | None = None,
) -> CertifiedRate:
    """Prove ``rho_lower <= rho <= rho_upper`` exactly for ``factory(eta=eta, **parameters)``.

    Every number (``eta``, ``parameters``, the classes' constants) is converted to an exact
    rational once (:mod:`pepcert.pep.exactness`); a float captured inside the method's
    definition is refused. Upper: the tight floating-point Lyapunov solution, rounded to
    rationals at the smallest ``rho_upper = rho_L + gap`` (``gap`` in ``gaps``) where the exact
    check passes. Lower: the worst scaling instance in rationals, its rate proven by an exact
    root count.
    """
    from pepcert.pep.exactness import exact_problem, float_problem
    from pepcert.pep.solvers import get_solver

    start = time.perf_counter()
    inputs = {"eta": eta, **dict(parameters or {})}
    exact_method, exact_classes, exact_inputs = exact_problem(factory, classes, inputs)
    float_method, float_classes = float_problem(factory, classes, inputs)
    outcomes = exact_classes.default_outcomes if outcomes is None else outcomes
    backend = get_solver(solver)
    # The claim is about the rate, not about one Lyapunov family: the requested family is
    # tried first, then the method's structured families when its gap is not already tiny.
    families = [family] + [name for name in exact_method.families if name != family]
    upper, rate = None, None
    for candidate in families:
        attempt, attempt_rate = _certify_family(
            (exact_method, exact_classes), (float_method, float_classes), candidate, backend, solver, gaps, outcomes
        )
        rate = rate or attempt_rate
        if attempt is not None and (upper is None or attempt[0].rho_upper < upper[0].rho_upper):
            upper, rate = attempt, attempt_rate
        if upper is not None and upper[0].rho_upper - Fraction(rate.rho_lower) <= Fraction(1, 10**8):
            break
    lower, lower_note = _lower_bound(exact_method, exact_classes, rate)
    reasons = []
    if upper is None:
        reasons.append(f"no exact Lyapunov certificate within {gaps[-1]:g} of the rate")
    if lower is not None and not lower.verified:
        reasons.append(f"no exact lower bound ({lower.reason})")
    rho_upper = upper[0].rho_upper if upper else Fraction(0)
    rho_lower = lower.rho_lower if lower is not None and lower.verified else Fraction(0)
    if upper and rho_lower > rho_upper:
        reasons.append("the lower bound exceeds the upper bound")  # impossible if both are right
    step = upper[2] if upper is not None else _one_step(exact_method, exact_classes, family, outcomes)
    certificate = certificate_document(
        factory, exact_method, exact_classes, exact_inputs, step, upper, lower, rho_lower, rho_upper
    )
    return CertifiedRate(
        method=exact_method.name,
        parameters=exact_inputs,
        classes=exact_classes.to_dict(),
        rho_lower=rho_lower,
        rho_upper=rho_upper,
        lower_source="instance" if lower is not None and lower.verified else "none",
        verified=not reasons,
        reason="; ".join(reasons + ([lower_note] if lower_note else [])),
        certificate=certificate,
        seconds=time.perf_counter() - start,
    )


def _one_step(method, classes, family, outcomes):
    from pepcert.lyapunov.onestep import one_step
    from pepcert.pep.exactness import require_exact

    step = one_step(method, classes, family, outcomes)
    scalars = [c for _, c in step.constraints] + [step.before.gap, *step.before.terms]
    vectors = [*step.before.vectors] + [v for side in step.after for v in side.vectors]
    require_exact(scalars + vectors + [t for side in step.after for t in (side.gap, *side.terms)], method.name)
    return step


def _lower_bound(method, classes, rate):
    """``(ExactLowerBound | None, note)``: None when there is no instance to try."""
    from pepcert.lowerbounds.certified import exact_lower_bound

    if not rate.worst_cases:
        return None, "no lower-bound instance for these classes and this method (rho_lower = 0)"
    case = rate.worst_cases[0]
    return exact_lower_bound(method, classes, case.instance, case.rho), ""


def _certify_family(exact, floats, family, backend, solver, gaps, outcomes):
    """One family's attempt: ``((certificate, check, exact step) | None, float rate)``."""
    from pepcert.lyapunov.onestep import one_step
    from pepcert.lyapunov.search import lmi_data, normaliser, solve_margin
    from pepcert.lyapunov.upper import certify_upper

    (exact_method, exact_classes), (float_method, float_classes) = exact, floats
    rate = tight_rate(float_method, float_classes, family, solver, outcomes=outcomes)
    step = _one_step(exact_method, exact_classes, family, outcomes)
    data = lmi_data(one_step(float_method, float_classes, family, outcomes))

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


# ---------------------------------------------------------------------------------------
# The file format
# ---------------------------------------------------------------------------------------


def problem_digest(step) -> str:
    """SHA-256 of the exact one-step problem: names, every constraint's and every Lyapunov
    feature's exact coefficients. Two methods with equal digests pose the same problem."""
    def scalar(s) -> str:
        quadratic = ",".join(f"{i}.{j}:{rational_to_str(v)}" for (i, j), v in sorted(s.quadratic.items()))
        linear = ",".join(f"{i}:{rational_to_str(v)}" for i, v in sorted(s.linear.items()))
        return f"[{quadratic}|{linear}|{rational_to_str(s.constant)}]"

    def vector(v) -> str:
        return "(" + ",".join(f"{i}:{rational_to_str(c)}" for i, c in sorted(v.coefficients.items())) + ")"

    def side(s) -> str:
        return "".join(vector(v) for v in s.vectors) + scalar(s.gap) + "".join(scalar(t) for t in s.terms)

    parts = [
        "|".join(step.basis.vector_names), "|".join(step.basis.value_names), "|".join(step.feature_names),
        "|".join(step.term_names), side(step.before), *(side(s) for s in step.after),
        *(f"{name}={scalar(c)}" for name, c in step.constraints),
    ]
    return "sha256:" + hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _builtin_key(factory) -> str | None:
    from pepcert.pep.algorithms import BUILTIN_METHODS

    return next((key for key, value in BUILTIN_METHODS.items() if value is factory), None)


def certificate_document(factory, method, classes, parameters, step, upper, lower, rho_lower, rho_upper) -> dict:
    """The self-contained JSON certificate (every rational as ``"p/q"``)."""
    document = {
        "format": CERTIFICATE_FORMAT,
        "claim": "rho_lower <= worst-case rate of the method <= rho_upper, for every function of the "
        "function class and every compressor output of the compressor class",
        "method": method.name,
        "builtin": _builtin_key(factory),
        "parameters": {k: rational_to_str(v) for k, v in parameters.items()},
        "classes": jsonable(classes.to_dict(), twins=False),
        "outcomes": step.outcomes,
        "digest": problem_digest(step),
        "rho_upper": rational_to_str(rho_upper),
        "rho_lower": rational_to_str(rho_lower),
    }
    if upper is not None:
        certificate, verdict = upper[0], upper[1]
        document["upper"] = {
            "family": step.family,
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
        document["lower"] = lower.to_dict(twins=False)
    return document


# ---------------------------------------------------------------------------------------
# The checker
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckReport:
    valid: bool
    reasons: tuple[str, ...]
    rho_lower: Fraction | None
    rho_upper: Fraction | None
    method: str | None = None

    @property
    def proves_convergence(self) -> bool:
        return self.valid and self.rho_upper is not None and self.rho_upper < 1

    def to_dict(self) -> dict:
        return jsonable({
            "valid": self.valid,
            "method": self.method,
            "reasons": list(self.reasons),
            "rho_lower": self.rho_lower,
            "rho_upper": self.rho_upper,
            "proves_convergence": self.proves_convergence,
        })


def _class_types() -> dict:
    """The class types a certificate may name, with their numbers (a fixed table: a file
    names data, never code)."""
    from pepcert.pep.compressors import Contractive, Unbiased
    from pepcert.pep.functions import ConvexLipschitz, SmoothStronglyConvex

    return {  # name: (type, its numbers, whether it takes in_expectation)
        "SmoothStronglyConvex": (SmoothStronglyConvex, ("mu", "L"), False),
        "ConvexLipschitz": (ConvexLipschitz, ("M",), False),
        "Contractive": (Contractive, ("delta",), True),
        "Unbiased": (Unbiased, ("omega",), False),
    }


def _rational(value, what: str) -> Fraction:
    from pepcert.pep.numerics.numbers import str_to_rational

    try:
        return str_to_rational(value)
    except BadInput:
        raise BadInput(f"{what} must be a rational string 'p/q', got {value!r}") from None


def classes_from_dict(data: Mapping):
    """Rebuild a :class:`ProblemClass` from a certificate's ``classes`` entry (exact)."""
    from pepcert.pep.problem import ProblemClass

    types = _class_types()

    def build(entry, role: str):
        if not isinstance(entry, Mapping) or entry.get("type") not in types:
            raise BadInput(f"unknown {role} class {entry!r}; known: {', '.join(types)}")
        cls, names, random = types[entry["type"]]
        extra = set(entry) - set(names) - {"type", "in_expectation"}
        if extra:
            raise BadInput(f"unexpected fields {sorted(extra)} in the {role} class")
        numbers = [_rational(entry[name], name) for name in names]
        if "in_expectation" in entry:
            if not random or not isinstance(entry["in_expectation"], bool):
                raise BadInput("in_expectation must be true or false, and only for a Contractive class")
            return cls(*numbers, entry["in_expectation"])
        return cls(*numbers)

    if not isinstance(data, Mapping):
        raise BadInput("the certificate's classes must be an object")
    compressor = data.get("compressor")
    function = data.get("function")
    if isinstance(function, Mapping) and function.get("type") == "Distributed":
        function = _distributed_from_dict(function, build)
    else:
        function = build(function, "function")
    return ProblemClass(function, None if compressor is None else build(compressor, "compressor"))


def _distributed_from_dict(entry: Mapping, build):
    """``{"type": "Distributed", "agents": [function classes], "common_minimizer": bool}``."""
    from pepcert.pep.classes import MAX_AGENTS, Distributed

    extra = set(entry) - {"type", "agents", "common_minimizer"}
    if extra:
        raise BadInput(f"unexpected fields {sorted(extra)} in the Distributed class")
    agents, common = entry.get("agents"), entry.get("common_minimizer", True)
    if not isinstance(agents, list) or not 1 <= len(agents) <= MAX_AGENTS:
        raise BadInput(f"a Distributed class needs a list of 1 to {MAX_AGENTS} agent classes")
    if not isinstance(common, bool):
        raise BadInput("common_minimizer must be true or false")
    return Distributed(tuple(build(agent, "agent function") for agent in agents), common)


def _check_lower(built, classes, instance: Mapping, rho_lower):
    """The file's lower-bound instance, re-verified (one agent: ``h`` and ``alpha`` numbers or
    a list of outcomes; n agents: per-agent lists)."""
    from pepcert.lowerbounds.certified import check_lower_bound
    from pepcert.pep.classes import MAX_AGENTS
    from pepcert.pep.instances import ScalingInstance

    hs, alphas = instance["h"], instance["alpha"]
    if isinstance(hs, list):
        if not isinstance(alphas, list) or len(hs) != len(alphas) or not 1 <= len(hs) <= MAX_AGENTS:
            raise BadInput("a per-agent instance needs one curvature and one outcome list per agent")
        if any(not isinstance(agent, list) or not 1 <= len(agent) <= 8 for agent in alphas):
            raise BadInput("each agent needs a list of 1 to 8 compressor outcomes")
    else:
        hs, alphas = [hs], [alphas if isinstance(alphas, list) else [alphas]]
        if not alphas[0]:
            return False, "the instance has no compressor outcomes"
    exact = ScalingInstance(tuple(_rational(h, "h") for h in hs),
                            tuple(tuple(_rational(a, "alpha") for a in agent) for agent in alphas))
    return check_lower_bound(built, classes, exact, rho_lower)


def _method_factory(document: Mapping, method):
    if method is not None:
        return method
    from pepcert.pep.algorithms import BUILTIN_METHODS

    key = document.get("builtin")
    if isinstance(key, str) and key in BUILTIN_METHODS:
        return BUILTIN_METHODS[key]
    raise BadInput(
        f"this certificate is for the user-defined method {document.get('method')!r}: pass its definition "
        "(pepcert check FILE --method-from path/to/file.py:factory, or check_certificate(document, method=factory))"
    )


def check_certificate(document: Mapping, method: Callable | None = None) -> CheckReport:
    """Re-verify a certificate document exactly: no solver, no floating point.

    ``method`` is the factory that builds the method from the file's parameters (keyword
    arguments); for a built-in method it may be omitted. The top-level ``rho_upper`` and
    ``rho_lower`` are the claims; everything else is evidence. The one-step problem is rebuilt
    from the method's definition, so a certificate cannot smuggle in its own constraints; a
    digest mismatch means the file was made for another problem. Raises :class:`BadInput` when
    the document cannot be read as a certificate or names a user method without ``method``.
    """
    from pepcert.analyses.certificate_file import validate_document
    from pepcert.lyapunov.upper import UpperCertificate, check_upper

    validate_document(document)  # bounded shape check first (issue 8): BadInput if not a certificate
    if not isinstance(document, Mapping) or document.get("format") != CERTIFICATE_FORMAT:
        found = document.get("format") if isinstance(document, Mapping) else type(document).__name__
        raise BadInput(f"not a pepcert certificate (format {found!r}, expected {CERTIFICATE_FORMAT!r})")
    factory = _method_factory(document, method)
    reasons: list[str] = []
    try:
        classes = classes_from_dict(document["classes"])
        parameters = document["parameters"]
        if not isinstance(parameters, Mapping) or "eta" not in parameters:
            raise BadInput("parameters must be an object with at least eta")
        built = factory(**{str(k): _rational(v, str(k)) for k, v in parameters.items()})
        rho_upper = _rational(document["rho_upper"], "rho_upper")
        rho_lower = _rational(document["rho_lower"], "rho_lower")
        outcomes = document.get("outcomes", 1)
        if not isinstance(outcomes, int) or isinstance(outcomes, bool) or not 1 <= outcomes <= 8:
            raise BadInput(f"outcomes must be an integer in [1, 8], got {outcomes!r}")
        upper, lower = document.get("upper"), document.get("lower")
        if upper is None:
            reasons.append("no upper-bound certificate in the file")
        else:
            step = _one_step(built, classes, upper["family"], outcomes)
            if problem_digest(step) != document.get("digest"):
                reasons.append("the method's one-step problem does not match the certificate's (digest mismatch)")
            elif list(step.basis.vector_names) != upper["basis"] or [n for n, _ in step.constraints] != upper["constraints"]:
                reasons.append("the file's basis or inequalities do not match the method's one-step problem")
            else:
                certificate = UpperCertificate(
                    rho_upper, upper["family"],
                    None if upper["P"] is None else tuple(tuple(_rational(v, "P") for v in row) for row in upper["P"]),
                    _rational(upper["p"], "p"),
                    None if upper["weights"] is None else tuple(_rational(v, "weight") for v in upper["weights"]),
                    tuple(_rational(v, "multiplier") for v in upper["multipliers"]),
                )
                verdict = check_upper(step, certificate)
                if not verdict.valid:
                    reasons.append(f"upper bound rejected: {verdict.reason}")
        if lower is None:
            if rho_lower > 0:
                reasons.append("rho_lower > 0 but the file has no lower-bound instance")
        else:
            instance = lower["instance"]
            ok, why = _check_lower(built, classes, instance, rho_lower)
            if not ok:
                reasons.append(f"lower bound rejected: {why}")
        if rho_lower > rho_upper:
            reasons.append("rho_lower exceeds rho_upper")
    except BadInput as error:
        return CheckReport(False, (str(error),), None, None, document.get("method"))
    except (KeyError, TypeError, ValueError, IndexError) as error:
        return CheckReport(False, (f"malformed certificate: missing or invalid field {error}",), None, None, document.get("method"))
    return CheckReport(not reasons, tuple(reasons), rho_lower, rho_upper, str(document.get("method")))
