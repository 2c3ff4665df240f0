r"""Certified N-step worst cases: ``certify_nstep`` proves ``Lo <= worst case <= U`` in rationals
for the problem :func:`~pepcert.pep.problem.worst_case` solves, writes the certificate
(``"kind": "nstep"`` in format ``pepcert-certificate/3``) and checks one
(:func:`check_nstep_certificate`, reached through
:func:`~pepcert.analyses.checking.check_certificate`). The mathematics is in
:mod:`pepcert.analyses.nstep_exact`, the rounding in :mod:`pepcert.analyses.nstep_float`;
``docs/certificates.md`` ("N-step worst cases") describes the file.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from pepcert.analyses.nstep_exact import (
    DualProof,
    ExactNStep,
    Instance,
    check_dual,
    check_instance,
    exact_nstep,
    nstep_digest,
)
from pepcert.pep.errors import SolverFailure
from pepcert.pep.methods import describe_measure
from pepcert.pep.numerics.numbers import decimal_string, rational_to_str
from pepcert.pep.serialise import jsonable

NSTEP_KIND = "nstep"
#: The file's ``lower_note`` when no instance was certified (``check`` requires exactly this).
NO_INSTANCE_NOTE = "no rational instance passed the exact check (the lower bound is not claimed)"


def bound_text(measure: str, initial: str, iterations: int, upper: str) -> str:
    """``f(x_5) - f* <= U (||x_0 - x*||^2 ...)``: the upper bound's statement."""
    return f"{describe_measure(measure, iterations)} <= {upper} ({describe_measure(initial, 0)})"


@dataclass(frozen=True)
class CertifiedWorstCase:
    """``lower <= worst case <= upper``, each proven in rationals (``lower`` None when no
    instance was certified; ``lower_note`` says why)."""

    method: str
    parameters: Mapping[str, Fraction]
    classes: Mapping[str, Any]
    iterations: int
    measure: str
    initial: str
    start: str
    upper: Fraction | None
    lower: Fraction | None
    value: float  # the floating-point worst case (the dual's optimum), for comparison
    verified: bool
    reason: str
    certificate: dict = field(repr=False)
    seconds: float

    @property
    def gap(self) -> Fraction | None:
        return None if self.upper is None or self.lower is None else self.upper - self.lower

    @property
    def statement(self) -> str:
        upper = "U" if self.upper is None else decimal_string(self.upper, 13)
        return bound_text(self.measure, self.initial, self.iterations, upper)

    def to_dict(self) -> dict:
        return jsonable({
            "kind": NSTEP_KIND, "method": self.method, "parameters": dict(self.parameters), "classes": self.classes,
            "iterations": self.iterations, "measure": self.measure, "initial": self.initial, "start": self.start,
            "upper_bound": self.upper, "lower_bound": self.lower, "gap": None if self.gap is None else float(self.gap),
            "worst_case_float": self.value, "statement": self.statement, "verified": self.verified,
            "reason": self.reason, "seconds": self.seconds,
        })


def certify_nstep(
    factory: Callable[..., Any],
    classes,
    eta,
    iterations: int,
    measure: str = "lyapunov",
    initial: str | None = None,
    start: str = "auto",
    parameters: Mapping[str, Any] | None = None,
    solver: str | None = None,
) -> CertifiedWorstCase:
    """Prove ``Lo <= worst case <= U`` exactly for ``factory(eta=eta, **parameters)`` after
    ``iterations`` steps (measure, initial condition and start as
    :func:`~pepcert.pep.problem.worst_case`). Every number is converted to an exact rational
    once (:mod:`pepcert.pep.exactness`). Raises :class:`SolverFailure` when the floating-point
    dual is not solved (e.g. an unbounded worst case)."""
    from pepcert.analyses.certificate_file import MAX_TOTAL_DIGITS, digit_total
    from pepcert.analyses.nstep_float import build_instance, float_data, solve_dual
    from pepcert.pep.exactness import exact_problem
    from pepcert.pep.solvers import get_solver

    clock = time.perf_counter()
    inputs = {"eta": eta, **dict(parameters or {})}
    method, exact_classes, exact_inputs = exact_problem(factory, classes, inputs)
    exact = exact_nstep(method, exact_classes, iterations, measure, initial, start)
    data, backend = float_data(exact), get_solver(solver)
    worst = solve_dual(data, np.ones(len(exact.constraints), dtype=bool), backend)
    if worst is None:
        raise SolverFailure(f"the dual of the {iterations}-step problem was not solved (is the worst case bounded? "
                            "the initial condition must bound the measure)")
    upper = _upper(exact, data, worst, backend)
    lower = build_instance(exact, data, exact_classes, worst, len(method.state))
    reasons = []
    if upper is None:
        reasons.append("no exact dual within a margin of 1e-6 of the worst case")
    note = "" if lower is not None else NO_INSTANCE_NOTE
    if upper is not None and lower is not None and lower[1] > upper[0].upper:
        reasons.append("the lower bound exceeds the upper bound")  # impossible if both are right
    problem = exact.problem
    document = nstep_document(factory, method, exact_classes, exact_inputs, exact, upper, lower, note)
    digits = digit_total(document)
    if digits > MAX_TOTAL_DIGITS:
        reasons.append(f"the certificate holds {digits:,} digits, more than pepcert check reads ({MAX_TOTAL_DIGITS:,})")
    return CertifiedWorstCase(
        method.name, exact_inputs, exact_classes.to_dict(), iterations, problem.measure, problem.initial,
        problem.start, None if upper is None else upper[0].upper, None if lower is None else lower[1], worst.upper,
        not reasons, "; ".join(reasons + ([note] if note else [])), document, time.perf_counter() - clock,
    )


def _upper(exact: ExactNStep, data, worst, backend):
    """``(DualProof, DualCheck)`` at the smallest margin that checks: all inequalities, then
    without those whose multipliers vanish at the optimum (module docstring of
    :mod:`pepcert.analyses.nstep_float`); None when none checks."""
    from pepcert.analyses.nstep_float import MARGINS, basis_scale, free_rows, margin, round_dual, solve_dual

    everything = np.ones(len(exact.constraints), dtype=bool)
    largest = float(np.max(worst.multipliers, initial=0.0))
    strategies = [everything, worst.multipliers > 1e-7 * largest]
    if strategies[1].all():
        strategies.pop()
    scale = basis_scale(worst)
    for eps in MARGINS:
        for keep in strategies:
            point = solve_dual(data, keep, backend, scale, margin(data, keep, eps, worst.upper))
            proof = None if point is None else round_dual(exact, point, free_rows(data, keep))
            if proof is None:
                continue
            check = check_dual(exact, proof)
            if check.valid:
                return proof, check
    return None


def nstep_claim(measure: str, iterations: int, initial: str) -> str:
    """The file's claim in words (``pepcert check`` requires the file's text to be this one)."""
    return (f"lower_bound <= {describe_measure(measure, iterations)} <= upper_bound * "
            f"({describe_measure(initial, 0)}), the upper bound for every function of the function class and "
            "every output of the compressor class, the lower bound attained by the instance (initial condition <= 1)")


def nstep_document(factory, method, classes, parameters, exact: ExactNStep, upper, lower, note: str) -> dict:
    """The self-contained JSON certificate (every rational as ``"p/q"``)."""
    from pepcert.analyses.certificates import CERTIFICATE_FORMAT, identity_fields

    problem, strings = exact.problem, lambda values: [rational_to_str(v) for v in values]
    document: dict[str, Any] = {
        "format": CERTIFICATE_FORMAT,
        "kind": NSTEP_KIND,
        "claim": nstep_claim(problem.measure, problem.iterations, problem.initial),
        **identity_fields(factory, method, parameters, classes),
        "iterations": problem.iterations,
        "measure": problem.measure,
        "initial": problem.initial,
        "start": problem.start,
        "digest": nstep_digest(exact),
        "upper_bound": None if upper is None else rational_to_str(upper[0].upper),
        "lower_bound": None if lower is None else rational_to_str(lower[1]),
        "upper": None,
        "lower": None,
    }
    if upper is not None:
        proof, check = upper
        document["upper"] = {
            "basis": list(exact.basis.vector_names), "function_values": list(exact.basis.value_names),
            "constraints": exact.names, "multipliers": strings(proof.multipliers),
            "measure_weights": strings(proof.weights), "residual_pivots": strings(check.pivots),
        }
    if lower is not None:
        instance = lower[0]
        document["lower"] = {"gram_factor": [strings(row) for row in instance.factor],
                             "function_values": strings(instance.values)}
    if note:
        document["lower_note"] = note
    return document


# ---------------------------------------------------------------------------------------
# Checking a file
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NStepCheckReport:
    """The verdict on an N-step certificate, with what it proves (derived, never read from the
    file's words)."""

    valid: bool
    reasons: tuple[str, ...]
    upper_bound: Fraction | None
    lower_bound: Fraction | None
    iterations: int
    measure: str
    initial: str
    start: str
    method: str | None = None
    definition: str | None = None
    parameters: Mapping[str, Fraction] | None = None
    classes: str | None = None

    def problem_text(self) -> str:
        parameters = ", ".join(f"{k} = {rational_to_str(v)}" for k, v in (self.parameters or {}).items())
        return f"{parameters}; {self.classes}"

    def statement(self) -> str:
        """``Lo <= worst case <= U of f(x_5) - f*, given ... <= 1``: what was proven."""
        upper = "?" if self.upper_bound is None else decimal_string(self.upper_bound, 15)
        lower = "" if self.lower_bound is None else f"{decimal_string(self.lower_bound, 15)} <= "
        origin = "the declared start" if self.start == "declared" else "a free state"
        return (f"{lower}worst case <= {upper} of {describe_measure(self.measure, self.iterations)}, given "
                f"{describe_measure(self.initial, 0)} <= 1 ({self.iterations} steps from {origin})")

    def to_dict(self) -> dict:
        return jsonable({
            "valid": self.valid, "kind": NSTEP_KIND, "method": self.method, "definition": self.definition,
            "parameters": None if self.parameters is None else dict(self.parameters), "classes": self.classes,
            "iterations": self.iterations, "measure": self.measure, "initial": self.initial, "start": self.start,
            "reasons": list(self.reasons), "upper_bound": self.upper_bound, "lower_bound": self.lower_bound,
            "statement": self.statement(),
        })


def _proof(document: Mapping, upper_bound: Fraction) -> DualProof:
    from pepcert.analyses.checking import rational

    upper = document["upper"]
    return DualProof(upper_bound, tuple(rational(v, "multiplier") for v in upper["multipliers"]),
                     tuple(rational(v, "measure weight") for v in upper["measure_weights"]))


def _instance(document: Mapping) -> Instance:
    from pepcert.analyses.checking import rational

    lower = document["lower"]
    return Instance(tuple(tuple(rational(v, "gram_factor") for v in row) for row in lower["gram_factor"]),
                    tuple(rational(v, "function value") for v in lower["function_values"]))


def _verify(document: Mapping, exact: ExactNStep, upper_bound, lower_bound) -> list[str]:
    """The reasons the file's proofs fail on the rebuilt problem (empty: both hold), and where
    what it states beside them is not what the check derives (:mod:`pepcert.analyses.stated`)."""
    from pepcert.analyses import stated

    if nstep_digest(exact) != document.get("digest"):
        return ["the method's N-step problem does not match the certificate's (digest mismatch)"]
    reasons = []
    upper = document.get("upper")
    if upper_bound is None or upper is None:
        reasons.append("no upper bound in the file")
    elif (upper["basis"], upper["function_values"], upper["constraints"]) != (
            list(exact.basis.vector_names), list(exact.basis.value_names), exact.names):
        reasons.append("the file's basis, function values or inequalities do not match the rebuilt problem")
    else:
        verdict = check_dual(exact, _proof(document, upper_bound))
        if not verdict.valid:
            reasons.append(f"upper bound rejected: {verdict.reason}")
        else:
            reasons += stated.first(stated.pivots_differ("upper.residual_pivots", upper["residual_pivots"],
                                                         verdict.pivots))
    if lower_bound is not None:
        if document.get("lower") is None:
            reasons.append("a lower bound without an instance")
        else:
            ok, why = check_instance(exact, _instance(document), lower_bound)
            if not ok:
                reasons.append(f"lower bound rejected: {why}")
    if upper_bound is not None and lower_bound is not None and lower_bound > upper_bound:
        reasons.append("the lower bound exceeds the upper bound")
    problem = exact.problem
    return reasons + stated.first(
        stated.text_differs("claim", document.get("claim"), nstep_claim(problem.measure, problem.iterations,
                                                                         problem.initial)),
        _note_differs(document.get("lower_note"), document.get("lower") is None))


def _note_differs(note, no_instance: bool) -> str | None:
    """``lower_note``: absent, or pepcert's own note where the file has no instance."""
    if note is None or (note == NO_INSTANCE_NOTE and no_instance):
        return None
    return f"the file's lower_note is not pepcert's ({NO_INSTANCE_NOTE!r}, and only without an instance)"


def check_nstep_certificate(document: Mapping, method: Callable | None = None) -> NStepCheckReport:
    """Re-verify an N-step certificate exactly: rebuild the method from its definition and the
    file's rational parameters, its N-step problem (digest and names compared), then the dual
    identity and the instance (:mod:`pepcert.analyses.nstep_exact`)."""
    from pepcert.analyses.checking import name_mismatch, rational, rebuild
    from pepcert.pep.errors import BadInput

    definition, parameters, classes, built, refused = rebuild(document, method)
    upper_bound, lower_bound = (None if document[key] is None else rational(document[key], key)
                                for key in ("upper_bound", "lower_bound"))
    fields: dict[str, Any] = dict(upper_bound=upper_bound, lower_bound=lower_bound, iterations=document["iterations"],
                                  measure=document["measure"], initial=document["initial"], start=document["start"])
    if refused is not None:
        return NStepCheckReport(False, (refused,), **fields, definition=definition, parameters=parameters)
    reasons = [r for r in (name_mismatch(document, built, definition),) if r is not None]
    try:
        exact = exact_nstep(built, classes, fields["iterations"], fields["measure"], fields["initial"], fields["start"])
    except BadInput as error:
        reasons.append(f"the N-step problem cannot be rebuilt: {error}")
    else:
        reasons += _verify(document, exact, upper_bound, lower_bound)
    return NStepCheckReport(not reasons, tuple(reasons), **fields, method=built.name, definition=definition,
                            parameters=parameters, classes=classes.describe())
