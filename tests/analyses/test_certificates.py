"""Exact certificates (issue 3): rational upper and lower bounds that sandwich the papers'
closed forms, checked without a solver, and a checker that rejects tampered files."""

from __future__ import annotations

import copy
import json
from fractions import Fraction

import pytest

from pepcert.analyses import certify, check_certificate, optimal_step
from pepcert.cli import main
from pepcert.papers import ttd25 as closed_forms
from pepcert.pep import Contractive, ProblemClass, SmoothStronglyConvex
from pepcert.pep.algorithms import method_factory

KAPPAS = [Fraction(3, 2), Fraction(2), Fraction(5), Fraction(10), Fraction(20), Fraction(50), Fraction(100)]
DELTAS = [Fraction(1, 20), Fraction(1, 4), Fraction(1, 2), Fraction(3, 4), Fraction(99, 100)]
SETTINGS = [(kappa, delta) for kappa in KAPPAS for delta in DELTAS]  # 35 settings


def steps(name, classes):
    """The (rounded) optimal step and three others: half, 1.5x, and 1/L."""
    float_classes = ProblemClass(SmoothStronglyConvex(float(classes.function.functions[0].mu), float(classes.function.functions[0].L)),
                                 Contractive(float(classes.compressor.delta)))
    best = Fraction(optimal_step(method_factory(name), float_classes).eta).limit_denominator(10**9)
    return [best, best / 2, best * Fraction(3, 2), 1 / Fraction(classes.function.functions[0].L)]


@pytest.mark.parametrize("name", ["cgd", "ef", "ef21"])
@pytest.mark.parametrize("kappa,delta", SETTINGS, ids=lambda v: str(v))
def test_certified_rate_sandwiches_the_closed_form(name, kappa, delta):
    classes = ProblemClass(SmoothStronglyConvex(Fraction(1), kappa), Contractive(delta))
    limit = Fraction(1, 10**6) if kappa <= 20 else Fraction(1, 10**5)
    for eta in steps(name, classes):
        result = certify(method_factory(name), classes, eta)
        assert result.verified, (eta, result.reason)
        closed = closed_forms.rate(name, 1, kappa, delta, eta)
        assert closed_forms.compare(result.rho_lower, closed) <= 0
        assert closed_forms.compare(result.rho_upper, closed) >= 0
        assert result.gap <= limit * max(1, result.rho_upper)
        # The file re-checks on its own (no solver, no floats).
        assert check_certificate(json.loads(json.dumps(result.certificate))).valid


@pytest.fixture(scope="module")
def certificate():
    classes = ProblemClass(SmoothStronglyConvex(Fraction(1, 10), Fraction(1)), Contractive(Fraction(1, 2)))
    result = certify(method_factory("ef21"), classes, Fraction(1, 5))
    assert result.verified
    return result.certificate


def test_unchanged_certificate_passes(certificate):
    report = check_certificate(copy.deepcopy(certificate))
    assert report.valid and report.reasons == ()


def test_negative_multiplier_is_rejected(certificate):
    tampered = copy.deepcopy(certificate)
    tampered["upper"]["multipliers"][0] = "-1/1000"
    report = check_certificate(tampered)
    assert not report.valid and "negative" in report.reasons[0]


def test_perturbed_P_is_rejected(certificate):
    tampered = copy.deepcopy(certificate)
    P = tampered["upper"]["P"]
    value = Fraction(P[0][1])
    # Move the entry 1/5 away from zero whatever its sign (the old form was a no-op for value < 0).
    P[0][1] = P[1][0] = str(value + Fraction(1, 5) * (1 if value >= 0 else -1))
    report = check_certificate(tampered)
    assert not report.valid and "upper bound rejected" in report.reasons[0]


def test_rho_upper_below_the_rate_is_rejected(certificate):
    tampered = copy.deepcopy(certificate)
    tampered["rho_upper"] = str(Fraction(tampered["rho_lower"]) - Fraction(1, 10**7))
    report = check_certificate(tampered)
    assert not report.valid
    assert any("upper bound rejected" in reason for reason in report.reasons)


def test_rho_lower_above_the_rate_is_rejected(certificate):
    tampered = copy.deepcopy(certificate)
    tampered["rho_lower"] = str(Fraction(tampered["rho_upper"]) + Fraction(1, 10**7))
    report = check_certificate(tampered)
    assert not report.valid and any("lower bound rejected" in reason for reason in report.reasons)


def test_weaker_claims_still_hold(certificate):
    """Raising rho_upper or lowering rho_lower keeps the proof valid; the residual's pivots,
    stated at the old rho_upper, must then be left out (or restated): stale, they are refused."""
    relaxed = copy.deepcopy(certificate)
    relaxed["rho_upper"] = str(Fraction(relaxed["rho_upper"]) + Fraction(1, 100))
    relaxed["rho_lower"] = str(Fraction(relaxed["rho_lower"]) - Fraction(1, 100))
    stale = check_certificate(relaxed)
    assert not stale.valid and stale.reasons == (
        "the file's upper.residual_pivots[0] is not the value check recomputes at the file's claim (set them to null, "
        "or to what check derives)",)
    relaxed["upper"]["residual_pivots"] = None
    assert check_certificate(relaxed).valid


def test_certificate_for_other_parameters_is_rejected(certificate):
    tampered = copy.deepcopy(certificate)
    tampered["parameters"]["delta"] = "1/4"
    assert not check_certificate(tampered).valid


def test_certify_and_check_commands(tmp_path, capsys):
    out = tmp_path / "ef.json"
    code = main(["certify", "--method", "ef", "--mu", "0.1", "--L", "1", "--delta", "0.5", "--eta", "0.2",
                 "--out", str(out), "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and data["verified"] is True
    assert Fraction(data["rho_lower"]) <= Fraction(data["rho_upper"]) and data["gap"] <= 1e-6
    assert main(["check", str(out)]) == 0
    assert "VALID" in capsys.readouterr().out
    document = json.loads(out.read_text())
    document["rho_upper"] = str(Fraction(document["rho_lower"]) / 2)
    out.write_text(json.dumps(document))
    assert main(["check", str(out)]) == 1
    assert "INVALID" in capsys.readouterr().out


def test_check_bad_file_is_exit_2(tmp_path, capsys):
    missing = tmp_path / "missing.json"
    with pytest.raises(SystemExit) as info:
        raise SystemExit(main(["check", str(missing)]))
    assert info.value.code == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
