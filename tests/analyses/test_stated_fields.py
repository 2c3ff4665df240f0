"""What a certificate states beside its proof must be what ``pepcert check`` derives.

Each case edits one stated field of a file ``certify`` wrote -- the claim in words, a name, a
pivot of the residual's exact LDL^T, the instance's characteristic polynomial or its words, the
lower section's own rho_lower, the N-step note -- and expects the file refused with that field
named; the unedited file is valid, and an edit that states the same value (a rational written
unreduced) stays valid. Before the comparisons existed each edited file was accepted (measured:
``pepcert check`` printed VALID for a characteristic polynomial of ``true``).
"""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

from conftest import tampered
from pepcert import ProblemClass, SmoothStronglyConvex, certify, check_certificate
from pepcert.analyses.certificate_file import parse_certificate_text
from pepcert.analyses.noisy_certificates import certify_noise_pair
from pepcert.analyses.nstep_certificates import certify_nstep
from pepcert.pep import Contractive
from pepcert.pep.algorithms import BUILTIN_METHODS
from pepcert.pep.noise import BoundedVariance

Q = Fraction


@pytest.fixture(scope="module")
def rate() -> dict:
    classes = ProblemClass(SmoothStronglyConvex(Q(1, 10), Q(1)), Contractive(Q(1, 2)))
    result = certify(BUILTIN_METHODS["ef"], classes, Q(1, 5))
    assert result.verified and "lower" in result.certificate
    return json.loads(json.dumps(result.certificate))


@pytest.fixture(scope="module")
def nstep() -> dict:
    result = certify_nstep(BUILTIN_METHODS["cgd"], ProblemClass(SmoothStronglyConvex(0, 1), Contractive(1)), Q(1), 3,
                           measure="function", initial="distance")
    assert result.verified
    return json.loads(json.dumps(result.certificate))


@pytest.fixture(scope="module")
def noisy() -> dict:
    classes = ProblemClass(SmoothStronglyConvex(Q(1, 10), Q(1)), Contractive(1), BoundedVariance(Q(1, 4)))
    result = certify_noise_pair(BUILTIN_METHODS["cgd"], classes, Q(1, 2))
    assert result.verified
    return json.loads(json.dumps(result.certificate))


def checked(document: dict):
    return check_certificate(parse_certificate_text(json.dumps(document)))


def test_the_files_as_written_are_valid(rate, nstep, noisy):
    for document in (rate, nstep, noisy):
        report = checked(document)
        assert report.valid and report.reasons == ()


RATE_EDITS = [
    (("claim",), "rho_lower <= rate <= rho_upper", "the file's claim"),
    (("upper", "function_values", 0), "f(y0)", "the file's upper.function_values"),
    (("upper", "features", 0), "x", "the file's upper.features"),
    (("upper", "terms"), ["t"], "the file's upper.terms"),
    (("upper", "residual_pivots", 0), "0", "the file's upper.residual_pivots[0]"),
    (("upper", "residual_pivots"), [], "the file's upper.residual_pivots"),
    (("lower", "instance", "function"), "f(x) = |x|", "the file's lower.instance.function"),
    (("lower", "instance", "compressor"), "C(v) = v", "the file's lower.instance.compressor"),
    (("lower", "characteristic_polynomial", 1), "1/3", "the file's lower.characteristic_polynomial[1]"),
    (("lower", "characteristic_polynomial", 0), True, "the file's lower.characteristic_polynomial[0]"),
    (("lower", "rho_lower"), "1", "the file's lower.rho_lower is not proven"),
    (("lower", "rho_lower"), "x", "the file's lower.rho_lower is not a rational"),
]


@pytest.mark.parametrize("path,value,reason", RATE_EDITS, ids=[".".join(map(str, p)) + f"={v}" for p, v, _ in RATE_EDITS])
def test_a_rate_file_stating_what_was_not_derived_is_refused(rate, path, value, reason):
    report = checked(tampered(rate, path, value))
    assert not report.valid and len(report.reasons) == 1 and report.reasons[0].startswith(reason), report.reasons


@pytest.mark.parametrize("document,path,value,reason", [
    ("nstep", ("claim",), "f(x_3) - f* <= 1", "the file's claim"),
    ("nstep", ("upper", "residual_pivots", 0), "0", "the file's upper.residual_pivots[0]"),
    ("nstep", ("lower_note",), "a note", "the file's lower_note is not pepcert's"),
    ("noisy", ("claim",), "E V <= rho V", "the file's claim"),
    ("noisy", ("lyapunov", "function_values", 0), "f(y0)", "the file's lyapunov.function_values"),
    ("noisy", ("lyapunov", "features", 0), "x", "the file's lyapunov.features"),
    ("noisy", ("step", "residual_pivots", 0), "0", "the file's step.residual_pivots[0]"),
    ("noisy", ("domination", "residual_pivots", 0), "1/7", "the file's domination.residual_pivots[0]"),
])
def test_other_kinds_stating_what_was_not_derived_are_refused(request, document, path, value, reason):
    report = checked(tampered(request.getfixturevalue(document), path, value))
    assert not report.valid and len(report.reasons) == 1 and report.reasons[0].startswith(reason), report.reasons


def test_a_stated_rational_is_compared_as_a_number_and_the_pivots_may_be_left_out(rate, nstep, noisy):
    first = Q(rate["lower"]["characteristic_polynomial"][1])
    unreduced = f"{3 * first.numerator}/{3 * first.denominator}"
    assert checked(tampered(rate, ("lower", "characteristic_polynomial", 1), unreduced)).valid
    for document, path in ((rate, ("upper", "residual_pivots")), (nstep, ("upper", "residual_pivots")),
                           (noisy, ("step", "residual_pivots"))):
        assert checked(tampered(document, path, None)).valid


def test_a_field_pepcert_does_not_write_is_refused(rate):
    from pepcert.pep.errors import BadInput

    for where in ((), ("upper",), ("lower",), ("lower", "instance")):
        with pytest.raises(BadInput, match="unknown fields \\['note'\\]"):
            checked(tampered(rate, (*where, "note"), "proven by hand"))
