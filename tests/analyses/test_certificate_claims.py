"""A certificate says what it proves: the name shown is the one the definition builds, the
numbers shown are the parsed ones, and a Lyapunov function that does not control the whole
state proves a rate of that function, never of the method (issue: "Every printed bound is a
bound", items 1 and 2)."""

from __future__ import annotations

import copy
import json
from fractions import Fraction as Q

import pytest

from pepcert import Method, ProblemClass, SmoothStronglyConvex, certify, check_certificate
from pepcert.analyses.certificates import rate_claim
from pepcert.analyses.checking import LYAPUNOV_CLAIM, METHOD_CLAIM
from pepcert.cli import main
from pepcert.pep import Contractive
from pepcert.pep.algorithms import BUILTIN_METHODS
from pepcert.pep.expressions import norm2

CLASSES = ProblemClass(SmoothStronglyConvex(Q(1, 10), Q(1)), Contractive(Q(1, 2)))
SMOOTH = ProblemClass(SmoothStronglyConvex(Q(1, 10), Q(1)))


def gd_doubling(eta):
    """Gradient descent that also carries z+ = 2 z: ||x - x*||^2 contracts, the state grows."""
    def step(state, oracle):
        x, z = state
        return x - eta * oracle.gradient(x), 2 * z

    return Method("GD+doubling", state=("x", "z"), step=step, families={"x": (("||x - x*||^2", lambda z, c: norm2(z.x)),)},
                  parameters={"eta": eta})


def gd_sum(eta):
    """Gradient descent with a running gradient sum z+ = z + grad f(x)."""
    def step(state, oracle):
        x, z = state
        g = oracle.gradient(x)
        return x - eta * g, z + g

    return Method("GD+sum", state=("x", "z"), step=step, families={"x": (("||x - x*||^2", lambda z, c: norm2(z.x)),)},
                  parameters={"eta": eta})


@pytest.fixture(scope="module")
def cgd():
    return certify(BUILTIN_METHODS["cgd"], CLASSES, Q(1, 5)).certificate


def test_a_relabelled_certificate_is_rejected_with_that_reason(cgd):
    for label in ("EF", "EF21", "cgd", "CGD "):
        forged = copy.deepcopy(cgd)
        forged["method"] = label
        report = check_certificate(forged)
        assert not report.valid
        assert any(f"names the method {label!r} but its definition (built-in 'cgd') builds 'CGD'" in r
                   for r in report.reasons)
    assert check_certificate(cgd).valid and check_certificate(cgd).method == "CGD"


def test_another_builtin_key_does_not_lend_its_name(cgd):
    forged = copy.deepcopy(cgd)
    forged["builtin"], forged["method"] = "ef", "EF"
    report = check_certificate(forged)
    assert not report.valid and any("digest mismatch" in r for r in report.reasons)


def test_the_displayed_numbers_are_the_parsed_ones(cgd, tmp_path, capsys):
    path = tmp_path / "cgd.json"
    document = copy.deepcopy(cgd)
    path.write_text(json.dumps(document))
    assert main(["check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "(CGD at eta = 1/5; L-smooth mu-strongly convex, mu = 0.1, L = 1; contractive compressor" in out
    document["parameters"]["eta"] = "2/10"  # another spelling of the same number is shown canonically
    path.write_text(json.dumps(document))
    assert main(["check", str(path)]) == 0 and "at eta = 1/5;" in capsys.readouterr().out


def test_non_ascii_digits_are_not_numbers(cgd, tmp_path, capsys):
    document = copy.deepcopy(cgd)
    document["parameters"]["eta"] = "1/\u09ea"  # a Bengali four: reads as 4, looks like 8
    path = tmp_path / "bengali.json"
    path.write_text(json.dumps(document, ensure_ascii=False))
    assert main(["check", str(path)]) == 2
    assert "parameters.eta must be a number" in capsys.readouterr().err


@pytest.mark.parametrize("factory", [gd_doubling, gd_sum])
def test_a_lyapunov_function_blind_to_part_of_the_state_proves_only_its_own_rate(factory):
    result = certify(factory, SMOOTH, Q(1, 2), family="x", parameters={})
    assert result.verified and result.claim == LYAPUNOV_CLAIM and not result.controls_state
    assert result.rho_lower == 0 and "lower" not in result.certificate
    assert not result.proves_convergence and float(result.rho_upper) == pytest.approx(0.9025, abs=1e-6)  # (1 - eta mu)^2
    report = check_certificate(result.certificate, method=factory)
    assert report.valid and report.claim == LYAPUNOV_CLAIM and not report.proves_convergence


@pytest.mark.parametrize("factory", [gd_doubling, gd_sum])
def test_two_certificates_of_one_method_never_contradict(factory):
    """The whole-state certificate bounds the method (>= 1 here); the V-only one cannot lend its
    lower bound to the other, nor claim one itself."""
    whole = certify(factory, SMOOTH, Q(1, 2), family="full")
    blind = certify(factory, SMOOTH, Q(1, 2), family="x", parameters={})
    assert whole.claim == METHOD_CLAIM and whole.rho_lower >= 1 - Q(1, 10**6) and not whole.proves_convergence
    forged = copy.deepcopy(blind.certificate)
    forged["lower"], forged["rho_lower"] = whole.certificate["lower"], whole.certificate["rho_lower"]
    report = check_certificate(forged, method=factory)
    assert not report.valid and any("does not control the whole state" in r for r in report.reasons)


def test_removing_the_dominance_proof_restates_the_claim(cgd):
    """Without its dominance proof the same V proves only its own rate: a file that keeps its
    lower bound is then refused, and one without it is valid for V alone once its claim says so
    (the method's rate in words is refused: the file would state more than it proves)."""
    forged = copy.deepcopy(cgd)
    forged["upper"]["dominance"] = None
    report = check_certificate(forged)
    assert not report.valid and any("does not control the whole state" in r for r in report.reasons)
    forged.pop("lower")
    forged["rho_lower"] = "0"
    report = check_certificate(forged)
    assert not report.valid and report.reasons == (
        f"the file's claim is not what the proof establishes ({rate_claim(False)!r})",)
    forged["claim"] = rate_claim(False)
    report = check_certificate(forged)
    assert report.valid and report.claim == LYAPUNOV_CLAIM and not report.proves_convergence


@pytest.mark.parametrize("field,value,reason", [
    ("c", "0", "c must be positive"), ("c", "-1/100", "c must be positive"),
    ("c", "1000", "not positive semidefinite"),
])
def test_a_forged_dominance_proof_is_rejected(cgd, field, value, reason):
    forged = copy.deepcopy(cgd)
    forged["upper"]["dominance"][field] = value
    report = check_certificate(forged)
    assert not report.valid and any(reason in r for r in report.reasons), report.reasons


def test_a_negative_dominance_multiplier_is_rejected(cgd):
    forged = copy.deepcopy(cgd)
    forged["upper"]["dominance"]["multipliers"][-1] = "-1/1000000"
    report = check_certificate(forged)
    assert not report.valid and any("a dominance multiplier is negative" in r for r in report.reasons)
