r"""Re-checking a certificate exactly (``pepcert check``): no solver, no floating point.

The file is evidence, never code and never a label to repeat: the method is rebuilt from the
caller's factory (or a built-in one) and the file's rational parameters, its one-step problem
is rebuilt and compared with the file's digest, and every claim is re-proven:

* the upper bound: ``rho_up V_0 - E V_1 + sum_k lambda_k c_k + sum_l nu_l e_l = <S, G> + ell^T F``
  with every inequality's ``lambda_k >= 0`` (the equalities' ``nu_l`` are free: which
  constraints are equalities is the rebuilt problem's word, the file's lists must match it),
  ``ell >= 0`` and ``S`` PSD by an exact ``LDL^T`` (:func:`pepcert.lyapunov.upper.check_upper`);
* that ``V`` controls the whole state, ``V >= c ||state - state*||^2`` with ``c > 0``
  (:mod:`pepcert.lyapunov.dominance`): only then is ``rho_upper`` a rate *of the method*;
  otherwise it is the rate of that ``V``, and the file may claim no lower bound (an instance
  bounds the method's state, which such a ``V`` does not control);
* the lower bound: a rational instance the classes contain, whose second-moment map has a
  real eigenvalue ``>= rho_lower`` (:func:`pepcert.lowerbounds.certified.check_lower_bound`);
* what the file states beside the proof -- the claim's words, names, the residual's pivots, the
  instance's words and characteristic polynomial -- equals what the check derives
  (:mod:`pepcert.analyses.stated`); a field pepcert does not write makes the file unreadable.

What is displayed is what was proven: the method's name as its definition builds it (a file
whose ``method`` field says otherwise is rejected), the parameters as parsed, the classes as
rebuilt.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from pepcert.pep.errors import BadInput
from pepcert.pep.numerics.numbers import rational_to_str
from pepcert.pep.serialise import jsonable

if TYPE_CHECKING:
    from pepcert.analyses.noisy_certificates import NoisyCheckReport
    from pepcert.analyses.nstep_certificates import NStepCheckReport

METHOD_CLAIM = "rate of the method"
LYAPUNOV_CLAIM = "rate of this Lyapunov function"


@dataclass(frozen=True)
class CheckReport:
    """The verdict on a certificate, with what it proves (derived, never read from the file)."""

    valid: bool
    reasons: tuple[str, ...]
    rho_lower: Fraction | None
    rho_upper: Fraction | None
    method: str | None = None  # the name the definition builds
    definition: str | None = None  # "built-in 'KEY'" or "user factory NAME"
    parameters: Mapping[str, Fraction] | None = None
    classes: str | None = None  # the rebuilt classes, described
    claim: str = METHOD_CLAIM

    @property
    def controls_state(self) -> bool:
        return self.claim == METHOD_CLAIM

    @property
    def proves_convergence(self) -> bool:
        return self.valid and self.controls_state and self.rho_upper is not None and self.rho_upper < 1


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
        return certified_theorem(self.to_dict())

    def to_dict(self) -> dict:
        return jsonable({
            "valid": self.valid,
            "method": self.method,
            "definition": self.definition,
            "parameters": None if self.parameters is None else dict(self.parameters),
            "classes": self.classes,
            "claim": self.claim,
            "reasons": list(self.reasons),
            "rho_lower": self.rho_lower,
            "rho_upper": self.rho_upper,
            "proves_convergence": self.proves_convergence,
        })

    def problem_text(self) -> str:
        """``eta = 1/5; L-smooth ...``: the proven parameters and classes, canonical."""
        parameters = ", ".join(f"{k} = {rational_to_str(v)}" for k, v in (self.parameters or {}).items())
        return f"{parameters}; {self.classes}"


def _class_types() -> dict:
    """The class types a certificate may name, with their numbers (a fixed table: a file
    names data, never code)."""
    from pepcert.pep.compressors import Contractive, Unbiased
    from pepcert.pep.functions import ConvexLipschitz, SmoothStronglyConvex
    from pepcert.pep.noise import BoundedVariance, StateDependentVariance

    return {  # name: (type, its numbers, whether it takes in_expectation)
        "SmoothStronglyConvex": (SmoothStronglyConvex, ("mu", "L"), False),
        "ConvexLipschitz": (ConvexLipschitz, ("M",), False),
        "Contractive": (Contractive, ("delta",), True),
        "Unbiased": (Unbiased, ("omega",), False),
        "BoundedVariance": (BoundedVariance, ("sigma2",), False),
        "StateDependentVariance": (StateDependentVariance, ("sigma2", "B"), False),
    }


def rational(value, what: str) -> Fraction:
    from pepcert.pep.numerics.numbers import str_to_rational

    try:
        return str_to_rational(value)
    except BadInput:
        raise BadInput(f"{what} must be a rational string 'p/q', got {value!r}") from None


def _build_class(entry, role: str):
    types = _class_types()
    if not isinstance(entry, Mapping) or entry.get("type") not in types:
        raise BadInput(f"unknown {role} class {entry!r}; known: {', '.join(types)}")
    cls, names, random = types[entry["type"]]
    extra = set(entry) - set(names) - {"type", "in_expectation"}
    if extra:
        raise BadInput(f"unexpected fields {sorted(extra)} in the {role} class")
    numbers = [rational(entry[name], name) for name in names]
    if "in_expectation" in entry:
        if not random or not isinstance(entry["in_expectation"], bool):
            raise BadInput("in_expectation must be true or false, and only for a Contractive class")
        return cls(*numbers, entry["in_expectation"])
    return cls(*numbers)


def classes_from_dict(data: Mapping):
    """Rebuild a :class:`ProblemClass` from a certificate's ``classes`` entry (exact)."""
    from pepcert.pep.classes import MAX_WHOLE_AGENTS, Distributed, ProblemClass

    if not isinstance(data, Mapping):
        raise BadInput("the certificate's classes must be an object")
    compressor, function = data.get("compressor"), data.get("function")
    if isinstance(function, Mapping) and function.get("type") == "Distributed":
        extra = set(function) - {"type", "agents", "common_minimizer"}
        agents, common = function.get("agents"), function.get("common_minimizer", True)
        if extra:
            raise BadInput(f"unexpected fields {sorted(extra)} in the Distributed class")
        if not isinstance(agents, list) or not 1 <= len(agents) <= MAX_WHOLE_AGENTS:
            raise BadInput(f"a Distributed class needs a list of 1 to {MAX_WHOLE_AGENTS} agent classes")
        if not isinstance(common, bool):
            raise BadInput("common_minimizer must be true or false")
        function = Distributed(tuple(_build_class(agent, "agent function") for agent in agents), common)
    else:
        function = _build_class(function, "function")
    noise = data.get("noise")  # a gradient-noise class (noise-pair and N-step certificates)
    return ProblemClass(function, None if compressor is None else _build_class(compressor, "compressor"),
                        None if noise is None else _build_class(noise, "noise"))


def _check_lower(built, classes, lower: Mapping, rho_lower) -> list[str]:
    """Why the file's lower bound fails (empty: it holds): its instance re-verified (one agent:
    ``h`` and ``alpha`` numbers or a list of outcomes; n agents: per-agent lists), and what the
    section states beside it -- the instance in words, its characteristic polynomial, its
    ``rho_lower`` -- compared with what the check derives (:mod:`pepcert.analyses.stated`)."""
    from pepcert.analyses import stated
    from pepcert.lowerbounds.certified import instance_words

    instance = lower["instance"]
    try:
        ok, why, characteristic = _lower_instance(built, classes, instance, rho_lower)
    except BadInput as error:
        return [f"lower bound rejected: {error}"]
    if not ok:
        return [f"lower bound rejected: {why}"]
    function, compressor = instance_words(len(instance["h"]) if isinstance(instance["h"], list) else 1)
    return stated.first(
        stated.text_differs("lower.instance.function", instance.get("function"), function),
        stated.text_differs("lower.instance.compressor", instance.get("compressor"), compressor),
        stated.rationals_differ("lower.characteristic_polynomial", lower.get("characteristic_polynomial"),
                                characteristic),
        _section_rate(lower.get("rho_lower"), characteristic),
    )


def _section_rate(value, characteristic) -> str | None:
    """The lower section's own ``rho_lower`` must be proven by its instance too (the top-level
    one may be smaller: a weaker claim)."""
    from pepcert.lowerbounds.certified import proves_rate
    from pepcert.pep.numerics.numbers import str_to_rational

    try:
        proven = proves_rate(characteristic, str_to_rational(value))
    except BadInput:
        return "the file's lower.rho_lower is not a rational string 'p/q'"
    return None if proven else "the file's lower.rho_lower is not proven by its instance"


def _lower_instance(built, classes, instance: Mapping, rho_lower) -> tuple[bool, str, tuple[Fraction, ...]]:
    """The file's instance, rebuilt in rationals and checked (BadInput: not an instance)."""
    from pepcert.lowerbounds.certified import check_lower_bound
    from pepcert.pep.classes import MAX_WHOLE_AGENTS
    from pepcert.pep.instances import ScalingInstance

    hs, alphas = instance["h"], instance["alpha"]
    if isinstance(hs, list):
        if not isinstance(alphas, list) or len(hs) != len(alphas) or not 1 <= len(hs) <= MAX_WHOLE_AGENTS:
            raise BadInput("a per-agent instance needs one curvature and one outcome list per agent")
        if any(not isinstance(agent, list) or not 1 <= len(agent) <= 8 for agent in alphas):
            raise BadInput("each agent needs a list of 1 to 8 compressor outcomes")
    else:
        hs, alphas = [hs], [alphas if isinstance(alphas, list) else [alphas]]
        if not alphas[0]:
            return False, "the instance has no compressor outcomes", ()
    exact = ScalingInstance(tuple(rational(h, "h") for h in hs),
                            tuple(tuple(rational(a, "alpha") for a in agent) for agent in alphas))
    return check_lower_bound(built, classes, exact, rho_lower)


def _definition(document: Mapping, method) -> tuple[Callable, str]:
    """The factory the proof is rebuilt from, and how it is named to the reader."""
    from pepcert.pep.algorithms import BUILTIN_METHODS

    if method is not None:
        name = getattr(method, "__qualname__", None) or type(method).__name__
        return method, f"user factory {getattr(method, 'pepcert_source', name)}"
    key = document.get("builtin")
    if isinstance(key, str) and key in BUILTIN_METHODS:
        return BUILTIN_METHODS[key], f"built-in '{key}'"
    raise BadInput(
        f"this certificate is for the user-defined method {document.get('method')!r}: pass its definition "
        "(pepcert check FILE --method-from path/to/file.py:factory, or check_certificate(document, method=factory))"
    )


class _Refused(Exception):
    """A class or the method refuses the file's values: the certificate is invalid."""


def _build(factory, parameters: Mapping[str, Fraction], definition: str):
    """``factory(**parameters)``: values it refuses make the certificate invalid; a factory
    that cannot take these parameters at all is the wrong definition (one line, exit 2)."""
    from pepcert.pep.user_code import build_method

    try:
        if not definition.startswith("built-in"):  # the wrong factory for the file: say what to change
            # raises BadInput (exit 2) when its signature cannot take the file's parameters
            return build_method(factory, parameters, "the certificate's parameters")
        return factory(**parameters)
    except BadInput as error:
        if "cannot be called with" in str(error):
            raise
        raise _Refused(f"the {definition} refuses the file's parameters: {error}") from None
    except TypeError as error:
        if definition.startswith("built-in"):  # the file's parameters are wrong, not the definition
            raise _Refused(f"the {definition} takes other parameters than the file's {sorted(parameters)}") from None
        raise BadInput(f"the {definition} cannot be built from the file's parameters "
                       f"{sorted(parameters)}: {error}") from None
    except Exception as error:  # noqa: BLE001 - the user's own code: report, do not trace
        raise BadInput(f"the {definition} failed on the file's parameters: {type(error).__name__}: {error}") from None


def rebuild(document: Mapping, method) -> tuple[str, dict, Any, Any, str | None]:
    """What every certificate is checked against, rebuilt from the file's stated values:
    ``(definition, parameters, classes, method, refused)``; ``refused`` says why the classes or
    the method refuse those values (then ``classes``/``method`` may be None: an invalid file)."""
    factory, definition = _definition(document, method)
    parameters = {str(k): rational(v, str(k)) for k, v in document["parameters"].items()}
    try:  # values the classes or the method refuse (mu < 0, eta <= 0): a certificate that fails
        try:
            classes = classes_from_dict(document["classes"])
        except BadInput as error:
            raise _Refused(f"the classes: {error}") from None
        return definition, parameters, classes, _build(factory, parameters, definition), None
    except _Refused as error:
        return definition, parameters, None, None, str(error)


def name_mismatch(document: Mapping, built, definition: str) -> str | None:
    """The reason to reject a file whose stated method is not what its definition builds."""
    if built.name == document["method"]:
        return None
    return (f"the file names the method {document['method']!r} but its definition ({definition}) builds "
            f"{built.name!r}")


def _check_upper(built, classes, document, rho_upper, outcomes, reasons: list) -> str | None:
    """The upper bound and, when it holds, the claim it supports (None when rejected)."""
    from pepcert.analyses import stated
    from pepcert.analyses.certificates import one_step_exact, problem_digest
    from pepcert.lyapunov.dominance import Dominance, check_dominance, lyapunov_scalar
    from pepcert.lyapunov.upper import UpperCertificate, check_upper

    upper = document.get("upper")
    if upper is None:
        reasons.append("no upper-bound certificate in the file")
        return None
    step = one_step_exact(built, classes, upper["family"], outcomes)
    if problem_digest(step) != document.get("digest"):
        reasons.append("the method's one-step problem does not match the certificate's (digest mismatch)")
        return None
    if list(step.basis.vector_names) != upper["basis"] or [n for n, _ in step.constraints] != upper["constraints"]:
        reasons.append("the file's basis or inequalities do not match the method's one-step problem")
        return None
    if [n for n, _ in step.equalities] != upper.get("equalities", []):  # older files: no equalities
        reasons.append("the file's equalities do not match the method's one-step problem")
        return None
    named = stated.first(
        stated.names_differ("upper.function_values", upper.get("function_values"), step.basis.value_names),
        stated.names_differ("upper.features", upper.get("features"), step.feature_names),
        stated.names_differ("upper.terms", upper.get("terms"), step.term_names))
    if named:
        reasons += named
        return None
    P = None if upper["P"] is None else tuple(tuple(rational(v, "P") for v in row) for row in upper["P"])
    weights = None if upper["weights"] is None else tuple(rational(v, "weight") for v in upper["weights"])
    certificate = UpperCertificate(rho_upper, upper["family"], P, rational(upper["p"], "p"), weights,
                                   tuple(rational(v, "multiplier") for v in upper["multipliers"]),
                                   tuple(rational(v, "equality multiplier") for v in upper.get("equality_multipliers", [])))
    verdict = check_upper(step, certificate)
    if not verdict.valid:
        reasons.append(f"upper bound rejected: {verdict.reason}")
        return None
    recomputed = () if verdict.residual is None else verdict.residual.pivots
    pivots = stated.pivots_differ("upper.residual_pivots", upper.get("residual_pivots"), recomputed)
    if pivots is not None:
        reasons.append(pivots)
        return None
    dominance = upper.get("dominance")
    if dominance is None:
        return LYAPUNOV_CLAIM
    proof = Dominance(rational(dominance["c"], "dominance c"),
                      tuple(rational(v, "dominance multiplier") for v in dominance["multipliers"]),
                      tuple(rational(v, "dominance multiplier") for v in dominance.get("equality_multipliers", [])))
    ok, why = check_dominance(step, lyapunov_scalar(step, P, certificate.p, weights), proof)
    if not ok:
        reasons.append(f"dominance rejected: {why}")
        return None
    return METHOD_CLAIM


def check_certificate(document: Mapping, method: Callable | None = None) -> CheckReport | NStepCheckReport | NoisyCheckReport:
    """Re-verify a certificate document exactly (module docstring); an N-step certificate
    (``"kind": "nstep"``) by :func:`pepcert.analyses.nstep_certificates.check_nstep_certificate`.

    ``method`` is the factory that builds the method from the file's parameters (keyword
    arguments); for a built-in method it may be omitted. The top-level ``rho_upper`` and
    ``rho_lower`` are the claims; everything else is evidence. Raises :class:`BadInput` when
    the document cannot be read as a certificate or names a user method without ``method``.
    """
    from pepcert.analyses.certificate_file import validate_document

    validate_document(document)  # bounded shape check first: BadInput if not a certificate
    if document.get("kind") == "noisy":  # a noise pair (rho, C), validated as one
        from pepcert.analyses.noisy_certificates import check_noisy_certificate

        return check_noisy_certificate(document, method)
    if "kind" in document:  # an N-step worst case (validated as one)
        from pepcert.analyses.nstep_certificates import check_nstep_certificate

        return check_nstep_certificate(document, method)
    definition, parameters, classes, built, refused = rebuild(document, method)
    rho_upper, rho_lower = rational(document["rho_upper"], "rho_upper"), rational(document["rho_lower"], "rho_lower")
    if refused is not None:
        return CheckReport(False, (refused,), rho_lower, rho_upper, None, definition, parameters, None)
    reasons = [r for r in (name_mismatch(document, built, definition),) if r is not None]
    try:
        claim = _check_upper(built, classes, document, rho_upper, document.get("outcomes", 1), reasons)
    except BadInput as error:  # e.g. two outcomes for a deterministic class: the proof fails
        claim = None
        reasons.append(f"upper bound rejected: {error}")
    if claim is not None:
        from pepcert.analyses import stated
        from pepcert.analyses.certificates import rate_claim

        reasons += stated.first(stated.text_differs("claim", document.get("claim"), rate_claim(claim == METHOD_CLAIM)))
    lower = document.get("lower")
    if claim == LYAPUNOV_CLAIM and rho_lower > 0:
        reasons.append("rho_lower > 0 with an upper bound whose V does not control the whole state: the instance "
                       "bounds the method's state and V bounds less, so the two are not one claim")
    elif lower is None and rho_lower > 0:
        reasons.append("rho_lower > 0 but the file has no lower-bound instance")
    elif lower is not None:
        reasons += _check_lower(built, classes, lower, rho_lower)
    if rho_lower > rho_upper:
        reasons.append("rho_lower exceeds rho_upper")
    return CheckReport(not reasons, tuple(reasons), rho_lower, rho_upper, built.name, definition, parameters,
                       classes.describe(), claim or METHOD_CLAIM)
