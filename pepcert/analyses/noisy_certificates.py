r"""Certified noise pairs: ``certify_noise_pair`` proves ``E V_{k+1} <= rho V_k + C sigma^2`` and
``V >= ||x - x*||^2`` in rationals for a method with stochastic gradients, writes the
certificate (``"kind": "noisy"`` in format ``pepcert-certificate/3``) and checks one
(:func:`check_noisy_certificate`, reached through
:func:`~pepcert.analyses.checking.check_certificate`). The mathematics is in
:mod:`pepcert.lyapunov.noisy_exact`; ``docs/certificates.md`` ("Noise pairs") describes the file.

Unrolled, the two identities give ``E ||x_k - x*||^2 <= rho^k V_0 + C sigma^2 (1 - rho^k)/(1 - rho)``
for every function of the class, every compressor output and every noise distribution of the
noise class. ``sigma^2`` (and ``B``) are the rebuilt noise class's, never a number read beside it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from pepcert.lyapunov.onestep import FULL
from pepcert.pep.errors import BadInput
from pepcert.pep.numerics.numbers import decimal_string, rational_to_str
from pepcert.pep.serialise import jsonable

NOISY_KIND = "noisy"
#: The fields of each identity in the file.
IDENTITY_KEYS = ("multipliers", "equality_multipliers", "kappa", "residual_pivots")
LYAPUNOV_KEYS = ("basis", "function_values", "features", "constraints", "equalities", "P", "p")
#: Gaps (relative to rho) tried above the exact-gradient rate when no rho is given.
RHO_GAPS = (1e-9, 1e-8, 1e-7)
#: How ``rho`` was chosen (``CertifiedNoisePair.rho_choice``).
EXACT_RATE, SMALLEST = "the exact-gradient rate, rounded up", "the smallest neighbourhood's rate, rounded up"


def statement(rho: Fraction, C: Fraction, sigma2) -> str:
    """What the two identities prove, with the numbers."""
    r, c, s = (decimal_string(Fraction(v), 12) for v in (rho, C, sigma2))
    return (f"E V_{{k+1}} <= rho V_k + C sigma^2 and V >= ||x - x*||^2, hence E||x_k - x*||^2 <= rho^k V_0 + "
            f"C sigma^2 (1 - rho^k)/(1 - rho) with rho = {r}, C = {c}, sigma^2 = {s}")


def neighbourhood(rho: Fraction, C: Fraction, sigma2) -> Fraction:
    """``C sigma^2 / (1 - rho)``: the proven bound on ``lim sup E ||x_k - x*||^2``."""
    return C * Fraction(sigma2) / (1 - rho)


@dataclass(frozen=True)
class CertifiedNoisePair:
    """``(rho, C)`` proven in rationals (``verified``), or why not (``reason``)."""

    method: str
    parameters: Mapping[str, Fraction]
    classes: Mapping[str, Any]
    rho: Fraction | None
    C: Fraction | None
    sigma2: Fraction
    verified: bool
    reason: str
    certificate: dict = field(repr=False)
    seconds: float
    rho_choice: str = "given"  # or EXACT_RATE, SMALLEST

    @property
    def statement(self) -> str:
        return "" if self.rho is None or self.C is None else statement(self.rho, self.C, self.sigma2)

    def to_dict(self) -> dict:
        proven = self.verified and self.rho is not None and self.C is not None
        return jsonable({
            "kind": NOISY_KIND, "method": self.method, "parameters": dict(self.parameters), "classes": self.classes,
            "rho": self.rho, "C": self.C, "sigma2": self.sigma2, "rho_choice": self.rho_choice,
            "neighbourhood": neighbourhood(self.rho, self.C, self.sigma2) if proven else None,  # type: ignore[arg-type]
            "verified": self.verified, "statement": self.statement, "reason": self.reason, "seconds": self.seconds,
        })


def certify_noise_pair(factory: Callable[..., Any], classes, eta, rho=None, parameters: Mapping[str, Any] | None = None,
                       solver: str | None = None) -> CertifiedNoisePair:
    """Prove ``(rho, C)`` exactly for ``factory(eta=eta, **parameters)`` and classes with a noise
    class. ``rho`` (a rational) is used as given; without it, the exact-gradient tight rate plus
    the smallest gap of :data:`RHO_GAPS` at which a certificate rounds exactly, else the rate of
    the smallest neighbourhood plus such a gap. ``C`` is the smallest the solver finds at that
    ``rho``, rounded up to a short rational."""
    from pepcert.analyses.certificates import one_step_exact
    from pepcert.lyapunov.noisy_exact import certify_noisy
    from pepcert.lyapunov.onestep import one_step
    from pepcert.pep.exactness import exact_number, exact_problem, float_problem

    start = time.perf_counter()
    if classes.noise is None:
        raise BadInput("a noise pair needs a noise class (give --sigma)")
    if getattr(classes.noise, "two_point", False):
        raise BadInput("a certificate of (rho, C) is for the second-moment noise model (every distribution), "
                       "not the two-point one")
    inputs = {"eta": eta, **dict(parameters or {})}
    exact_method, exact_classes, exact_inputs = exact_problem(factory, classes, inputs)
    float_method, float_classes = float_problem(factory, classes, inputs)
    sigma2 = exact_number(exact_classes.noise.numbers()["sigma2"], "sigma^2")
    if not sigma2 > 0:
        raise BadInput("sigma^2 = 0: without an additive variance there is no neighbourhood (certify without --sigma)")
    step = one_step_exact(exact_method, exact_classes, FULL, None)
    float_step = one_step(float_method, float_classes, FULL, None)
    if rho is not None:
        rho = exact_number(rho, "rho")
        if not 0 <= rho < 1:
            raise BadInput(f"rho must lie in [0, 1), got {decimal_string(rho, 6)}")
        found, choice = certify_noisy(step, float_step, [rho]), "given"
    else:
        found, choice = _default_rho(factory, float_classes, inputs, solver, step, float_step)
    certificate, verdict = found if found is not None else (None, None)
    document = noisy_document(factory, exact_method, exact_classes, exact_inputs, step, certificate, verdict)
    reason = "" if certificate is not None else (
        "no exact certificate at " + (f"rho = {decimal_string(rho, 9)}" if rho is not None else
                                      "the exact-gradient rate or the smallest neighbourhood's")
        + " (no quadratic V with V >= ||x - x*||^2 bounds the noise there, or its rounding failed): give a larger --rho")
    return CertifiedNoisePair(exact_method.name, exact_inputs, exact_classes.to_dict(),
                              None if certificate is None else certificate.rho,
                              None if certificate is None else certificate.C, sigma2, certificate is not None,
                              reason, document, time.perf_counter() - start, choice)


def _default_rho(factory, float_classes, inputs, solver, step, float_step):
    """``(found, how rho was chosen)``: just above the exact-gradient tight rate (its instance's
    value when there is one) when a certificate rounds there, else just above the rate of the
    smallest neighbourhood ``C sigma^2/(1 - rho)`` (state-dependent noise slows the contraction)."""
    from pepcert.analyses.noisy import without_noise
    from pepcert.analyses.rates import tight_rate
    from pepcert.lyapunov.noisy import best_neighbourhood
    from pepcert.lyapunov.noisy_exact import certify_noisy
    from pepcert.lyapunov.upper import rational_above
    from pepcert.pep.errors import SolverFailure
    from pepcert.pep.exactness import float_problem

    method, _ = float_problem(factory, without_noise(float_classes), inputs)
    rate = tight_rate(method, without_noise(float_classes), solver=solver, structured_fallback=True)
    if not rate.converges:
        raise BadInput(f"{method.name} does not converge at this step even with exact gradients (rho = "
                       f"{rate.rho:.6g}): no noise pair")
    tight = rate.rho_lower if rate.lower_source == "instance" else rate.rho
    above = lambda value: [r for r in (rational_above(value, gap) for gap in RHO_GAPS) if r < 1]
    found = certify_noisy(step, float_step, above(tight))
    if found is not None:
        return found, EXACT_RATE
    try:
        best = best_neighbourhood(method, float_classes, tight)
    except SolverFailure:
        return None, EXACT_RATE
    return certify_noisy(step, float_step, above(best.rho)), SMALLEST


NOISY_CLAIM = ("E V_{k+1} <= rho V_k + C sigma^2 and V >= ||x - x*||^2 for every function of the function class, "
               "every compressor output and every gradient noise of the noise class, hence E||x_k - x*||^2 <= "
               "rho^k V_0 + C sigma^2 (1 - rho^k)/(1 - rho)")


def _identity_entry(identity, check) -> dict:
    return {"multipliers": [rational_to_str(v) for v in identity.multipliers],
            "equality_multipliers": [rational_to_str(v) for v in identity.equality_multipliers],
            "kappa": rational_to_str(identity.kappa),
            "residual_pivots": [rational_to_str(v) for v in (check.pivots if check is not None else ())]}


def noisy_document(factory, method, classes, parameters, step, certificate, verdict) -> dict:
    """The self-contained JSON certificate (every rational as ``"p/q"``)."""
    from pepcert.analyses.certificates import CERTIFICATE_FORMAT, identity_fields, problem_digest

    document: dict = {
        "format": CERTIFICATE_FORMAT,
        "kind": NOISY_KIND,
        "claim": NOISY_CLAIM,
        **identity_fields(factory, method, parameters, classes),
        "outcomes": step.outcomes,
        "digest": problem_digest(step),
        "rho": None if certificate is None else rational_to_str(certificate.rho),
        "C": None if certificate is None else rational_to_str(certificate.C),
        "lyapunov": None,
        "step": None,
        "domination": None,
    }
    if certificate is not None:
        document["lyapunov"] = {
            "basis": list(step.basis.vector_names), "function_values": list(step.basis.value_names),
            "features": list(step.feature_names), "constraints": [name for name, _ in step.constraints],
            "equalities": [name for name, _ in step.equalities],
            "P": [[rational_to_str(v) for v in row] for row in certificate.P], "p": rational_to_str(certificate.p),
        }
        document["step"] = _identity_entry(certificate.step, verdict.step)
        document["domination"] = _identity_entry(certificate.domination, verdict.domination)
    return document


# ---------------------------------------------------------------------------------------
# Checking a file
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NoisyCheckReport:
    """The verdict on a noise-pair certificate, with what it proves (derived, never read)."""

    valid: bool
    reasons: tuple[str, ...]
    rho: Fraction | None
    C: Fraction | None
    sigma2: Fraction | None = None  # the rebuilt noise class's
    method: str | None = None
    definition: str | None = None
    parameters: Mapping[str, Fraction] | None = None
    classes: str | None = None
    kind: str = NOISY_KIND

    def statement(self) -> str:
        return "" if None in (self.rho, self.C, self.sigma2) else statement(self.rho, self.C, self.sigma2)  # type: ignore[arg-type]

    def problem_text(self) -> str:
        parameters = ", ".join(f"{k} = {rational_to_str(v)}" for k, v in (self.parameters or {}).items())
        return f"{parameters}; {self.classes}"

    def to_dict(self) -> dict:
        proven = self.valid and self.statement() != ""
        return jsonable({
            "kind": self.kind, "valid": self.valid, "method": self.method, "definition": self.definition,
            "parameters": None if self.parameters is None else dict(self.parameters), "classes": self.classes,
            "reasons": list(self.reasons), "rho": self.rho, "C": self.C, "sigma2": self.sigma2,
            "neighbourhood": neighbourhood(self.rho, self.C, self.sigma2) if proven else None,  # type: ignore[arg-type]
            "statement": self.statement() if proven else None,
        })


def _identity(entry: Mapping, what: str):
    from pepcert.analyses.checking import rational
    from pepcert.lyapunov.noisy_exact import Identity

    return Identity(tuple(rational(v, f"{what} multiplier") for v in entry["multipliers"]),
                    tuple(rational(v, f"{what} equality multiplier") for v in entry["equality_multipliers"]),
                    rational(entry["kappa"], f"{what} kappa"))


def check_noisy_certificate(document: Mapping, method: Callable | None = None) -> NoisyCheckReport:
    """Re-verify a noise-pair certificate exactly: the method and classes are rebuilt from the
    file's definition and rationals, the one-step problem compared with the digest, both
    identities checked (:func:`pepcert.lyapunov.noisy_exact.check_noisy`). The shape was
    validated (:mod:`pepcert.analyses.noisy_file`)."""
    from pepcert.analyses.certificates import one_step_exact, problem_digest
    from pepcert.analyses.checking import name_mismatch, rational, rebuild
    from pepcert.lyapunov.noisy_exact import NoisyCertificate, check_noisy

    definition, parameters, classes, built, refused = rebuild(document, method)
    rho = None if document["rho"] is None else rational(document["rho"], "rho")
    C = None if document["C"] is None else rational(document["C"], "C")
    if refused is not None:
        return NoisyCheckReport(False, (refused,), rho, C, None, None, definition, parameters)
    sigma2 = None if classes.noise is None else Fraction(classes.noise.numbers()["sigma2"])
    report = lambda *reasons: NoisyCheckReport(not reasons, reasons, rho, C, sigma2, built.name, definition,
                                               parameters, classes.describe())
    mismatch = name_mismatch(document, built, definition)
    if mismatch is not None:
        return report(mismatch)
    if classes.noise is None:
        return report("the classes have no gradient-noise class: there is no sigma^2 to bound")
    if rho is None or C is None or document["lyapunov"] is None:
        return report("the file proves no (rho, C): it has no certificate")
    try:
        step = one_step_exact(built, classes, FULL, document.get("outcomes", 1))
    except BadInput as error:
        return report(f"the one-step problem cannot be rebuilt: {error}")
    lyapunov = document["lyapunov"]
    if problem_digest(step) != document.get("digest"):
        return report("the method's one-step problem does not match the certificate's (digest mismatch)")
    if (list(step.basis.vector_names) != lyapunov["basis"] or [n for n, _ in step.constraints] != lyapunov["constraints"]
            or [n for n, _ in step.equalities] != lyapunov["equalities"]):
        return report("the file's basis, inequalities or equalities do not match the method's one-step problem")
    certificate = NoisyCertificate(rho, C, tuple(tuple(rational(v, "P") for v in row) for row in lyapunov["P"]),
                                   rational(lyapunov["p"], "p"), _identity(document["step"], "step"),
                                   _identity(document["domination"], "domination"))
    verdict = check_noisy(step, certificate)
    if not verdict.valid:
        return report(verdict.reason)
    return report(*_stated(document, step, verdict))


def _stated(document: Mapping, step, verdict) -> list[str]:
    """What the file states beside its proof, compared with what the check derived
    (:mod:`pepcert.analyses.stated`): the claim, the names, both residuals' pivots."""
    from pepcert.analyses import stated

    lyapunov = document["lyapunov"]
    return stated.first(
        stated.text_differs("claim", document.get("claim"), NOISY_CLAIM),
        stated.names_differ("lyapunov.function_values", lyapunov["function_values"], step.basis.value_names),
        stated.names_differ("lyapunov.features", lyapunov["features"], step.feature_names),
        *(stated.pivots_differ(f"{part}.residual_pivots", document[part]["residual_pivots"],
                               () if check is None else check.pivots)
          for part, check in (("step", verdict.step), ("domination", verdict.domination))))
