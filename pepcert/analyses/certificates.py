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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from pepcert.analyses.checking import LYAPUNOV_CLAIM, METHOD_CLAIM
from pepcert.analyses.rates import tight_rate
from pepcert.lyapunov.onestep import FULL
from pepcert.pep.numerics.numbers import rational_to_str
from pepcert.pep.serialise import jsonable

CERTIFICATE_FORMAT = "pepcert-certificate/3"
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
    claim: str = METHOD_CLAIM  # or LYAPUNOV_CLAIM: V does not control the whole state

    @property
    def controls_state(self) -> bool:
        return self.claim == METHOD_CLAIM

    @property
    def gap(self) -> Fraction:
        return self.rho_upper - self.rho_lower

    @property
    def proves_convergence(self) -> bool:
        return self.verified and self.controls_state and self.rho_upper < 1

    @property
    def proves_divergence(self) -> bool:
        """The instance proves ``rho >= 1``: the method does not converge at this step."""
        return self.verified and self.rho_lower >= 1

    @property
    def note(self) -> str:
        """What the certificate proves about convergence, in words ('' when it proves it)."""
        if not self.verified or self.proves_convergence:
            return ""
        if self.proves_divergence:
            return "the method does not converge at this step size (rho_lower >= 1, proven by the instance)"
        if not self.controls_state:
            return "V does not control the whole state: rho_upper is the rate of this V, not of the method"
        return "rho_upper >= 1: this certificate does not prove convergence (no linear rate is proven)"

    def _repr_latex_(self) -> str:
        """Jupyter's display (:mod:`pepcert.pep.latex_statements`)."""
        from pepcert.pep.latex_statements import notebook_latex

        return notebook_latex(self.to_dict(), "certified")

    def _repr_html_(self) -> str:
        from pepcert.pep.latex_statements import notebook_html

        return notebook_html(self.to_dict(), "certified")

    def latex(self) -> str:
        """The result as a LaTeX theorem (paste into a paper; ``pepcert ... --latex`` prints it as a document)."""
        from pepcert.pep.latex_statements import certified_theorem

        return certified_theorem(self.to_dict(), self.certificate)

    def to_dict(self) -> dict:
        return jsonable({
            "method": self.method,
            "parameters": dict(self.parameters),
            "classes": self.classes,
            "rho_lower": self.rho_lower,
            "rho_upper": self.rho_upper,
            "gap": float(self.gap),
            "lower_source": self.lower_source,
            "claim": self.claim,
            "verified": self.verified,
            "proves_convergence": self.proves_convergence,
            "proves_divergence": self.proves_divergence,
            "note": self.note,
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
    progress: Callable[[int, int | None, str], None] | None = None,
) -> CertifiedRate:
    """Prove ``rho_lower <= rho <= rho_upper`` exactly for ``factory(eta=eta, **parameters)``.

    Every number (``eta``, ``parameters``, the classes' constants) is converted to an exact
    rational once (:mod:`pepcert.pep.exactness`); a float captured inside the method's
    definition is refused. Upper: the tight floating-point Lyapunov solution, rounded to
    rationals at the smallest ``rho_upper = rho_L + gap`` (``gap`` in ``gaps``) where the exact
    check passes. Lower: the worst scaling instance in rationals, its rate proven by an exact
    root count. ``progress(done, total, what)`` hears of each family tried and each SDP solve.
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
    upper, rate = _best_upper(family, (exact_method, exact_classes), (float_method, float_classes),
                              backend, solver, gaps, outcomes, progress)
    if progress is not None:
        progress(1, 1, "the exact lower bound (worst-case instance, exact root count)")
    controls_state = upper is not None and upper.dominance is not None
    lower, lower_note = _lower_bound(exact_method, exact_classes, rate) if controls_state or upper is None else (None, "")
    reasons = []
    if upper is None:
        reasons.append(f"no exact Lyapunov certificate within {gaps[-1]:g} of the rate")
    elif not controls_state:
        lower_note = ("the Lyapunov function does not control the whole state (no c > 0 with V >= c ||state - "
                      "state*||^2 was found): rho_upper is the rate of this V only, and no lower bound is claimed")
    if lower is not None and not lower.verified:
        reasons.append(f"no exact lower bound ({lower.reason})")
    rho_upper = upper.certificate.rho_upper if upper else Fraction(0)
    rho_lower = lower.rho_lower if lower is not None and lower.verified else Fraction(0)
    if upper and rho_lower > rho_upper:
        reasons.append("the lower bound exceeds the upper bound")  # impossible if both are right
    step = upper.step if upper is not None else one_step_exact(exact_method, exact_classes, family, outcomes)
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
        claim=METHOD_CLAIM if controls_state or upper is None else LYAPUNOV_CLAIM,
    )


@dataclass(frozen=True)
class _Upper:
    """One family's exact upper certificate, its check, its problem and its dominance proof."""

    certificate: Any
    check: Any
    step: Any
    dominance: Any


def _best_upper(family, exact, floats, backend, solver, gaps, outcomes, progress=None):
    """The requested family first, then the method's structured families when its gap is not
    already tiny; a certificate whose V controls the state wins over one whose V does not,
    then the smaller ``rho_upper``. ``(_Upper | None, float rate)``."""
    families = [family] + [name for name in exact[0].families if name != family]
    upper, rate = None, None
    for index, candidate in enumerate(families):
        if progress is not None:
            progress(index, len(families), f"exact Lyapunov certificate, {candidate} family")
        attempt, attempt_rate = _certify_family(exact, floats, candidate, backend, solver, gaps, outcomes, progress)
        rate = rate or attempt_rate
        if attempt is not None and (upper is None or _better(attempt, upper)):
            upper, rate = attempt, attempt_rate
        if upper is not None and upper.dominance is not None and \
                upper.certificate.rho_upper - Fraction(rate.rho_lower) <= Fraction(1, 10**8):
            break
    return upper, rate


def _better(attempt: _Upper, best: _Upper) -> bool:
    key = lambda u: (u.dominance is None, u.certificate.rho_upper)
    return key(attempt) < key(best)


def one_step_exact(method, classes, family, outcomes):
    """The one-step problem built in exact rationals (a float coefficient is refused)."""
    from pepcert.lyapunov.onestep import one_step
    from pepcert.pep.exactness import require_exact

    step = one_step(method, classes, family, outcomes)
    scalars = [c for _, c in (*step.constraints, *step.equalities)] + [step.before.gap, *step.before.terms]
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


def _certify_family(exact, floats, family, backend, solver, gaps, outcomes, progress=None):
    """One family's attempt: ``((certificate, check, exact step) | None, float rate)``."""
    from pepcert.lyapunov.dominance import find_dominance, lyapunov_scalar
    from pepcert.lyapunov.onestep import one_step
    from pepcert.lyapunov.search import lmi_data, normaliser, solve_margin
    from pepcert.lyapunov.upper import certify_upper

    (exact_method, exact_classes), (float_method, float_classes) = exact, floats
    rate = tight_rate(float_method, float_classes, family, solver, outcomes=outcomes, progress=progress)
    step = one_step_exact(exact_method, exact_classes, family, outcomes)
    float_step = one_step(float_method, float_classes, family, outcomes)
    data = lmi_data(float_step)

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
    if found is None:
        return None, rate
    certificate, check = found
    V = lyapunov_scalar(step, certificate.P, certificate.p, certificate.weights)
    dominance = find_dominance(step, V, float_step, solver)
    return _Upper(certificate, check, step, dominance), rate


# ---------------------------------------------------------------------------------------
# The file format
# ---------------------------------------------------------------------------------------


def problem_digest(step) -> str:
    """SHA-256 of the exact one-step problem: names, every constraint's (inequalities, then
    equalities marked ``==``) and every Lyapunov feature's exact coefficients. Two methods with
    equal digests pose the same problem."""
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
        *(f"{name}=={scalar(e)}" for name, e in step.equalities),  # none without a quadratic class: digests as before
    ]
    return "sha256:" + hashlib.sha256("\n".join(parts).encode()).hexdigest()


def identity_fields(factory, method, parameters, classes) -> dict:
    """What every certificate file states about what it proves: the method's name (as its
    definition builds it), the built-in key, the parameters and the classes (exact text)."""
    return {"method": method.name, "builtin": _builtin_key(factory),
            "parameters": {k: rational_to_str(v) for k, v in parameters.items()},
            "classes": jsonable(classes.to_dict(), twins=False)}


def _builtin_key(factory) -> str | None:
    from pepcert.pep.algorithms import BUILTIN_METHODS

    return next((key for key, value in BUILTIN_METHODS.items() if value is factory), None)


def rate_claim(controls_state: bool) -> str:
    """The file's claim in words: a rate of the method when V controls the whole state, else a
    rate of that V (``pepcert check`` requires the file's text to be this one)."""
    if controls_state:
        return ("rho_lower <= worst-case rate of the method <= rho_upper, for every function of the function class "
                "and every compressor output of the compressor class")
    return ("worst-case rate of the Lyapunov function V of 'upper' <= rho_upper (V does not control the whole "
            "state: a rate of this V, not of the method)")


def certificate_document(factory, method, classes, parameters, step, upper, lower, rho_lower, rho_upper) -> dict:
    """The self-contained JSON certificate (every rational as ``"p/q"``)."""
    document = {
        "format": CERTIFICATE_FORMAT,
        "claim": rate_claim(upper is not None and upper.dominance is not None),
        **identity_fields(factory, method, parameters, classes),
        "outcomes": step.outcomes,
        "digest": problem_digest(step),
        "rho_upper": rational_to_str(rho_upper),
        "rho_lower": rational_to_str(rho_lower),
    }
    if upper is not None:
        certificate, verdict = upper.certificate, upper.check
        document["upper"] = {
            "family": step.family,
            "basis": list(step.basis.vector_names),
            "function_values": list(step.basis.value_names),
            "features": list(step.feature_names),
            "terms": list(step.term_names),
            "constraints": [name for name, _ in step.constraints],
            "equalities": [name for name, _ in step.equalities],
            "P": None if certificate.P is None else [[rational_to_str(v) for v in row] for row in certificate.P],
            "p": rational_to_str(certificate.p),
            "weights": None if certificate.weights is None else [rational_to_str(v) for v in certificate.weights],
            "multipliers": [rational_to_str(v) for v in certificate.multipliers],
            "equality_multipliers": [rational_to_str(v) for v in certificate.equality_multipliers],
            "residual_pivots": [rational_to_str(v) for v in verdict.residual.pivots],
            "dominance": None if upper.dominance is None else {
                "c": rational_to_str(upper.dominance.c),
                "multipliers": [rational_to_str(v) for v in upper.dominance.multipliers],
                "equality_multipliers": [rational_to_str(v) for v in upper.dominance.equality_multipliers]},
        }
    if lower is not None and lower.verified:
        document["lower"] = lower.to_dict(twins=False)
    return document
