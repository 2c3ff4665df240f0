"""Hostile input on the command line (issue 8): every case answers with one line and the
contract's exit status (2 unreadable / bad input, 1 a check that fails), within a CPU-time
deadline, never a traceback or a hang."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

from deadline import cpu_deadline
from pepcert.cli import main

ANSWER_SECONDS = 5


def run(argv, capsys, seconds=ANSWER_SECONDS):
    with cpu_deadline(seconds):
        try:
            code = main(argv)
        except SystemExit as error:  # argparse usage errors
            code = error.code
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and "internal error" not in captured.err, captured.err
    return code, captured.out, captured.err


@pytest.fixture(scope="module")
def certificate_text():
    from pepcert.analyses import certify
    from pepcert.pep import Contractive, ProblemClass, SmoothStronglyConvex
    from pepcert.pep.algorithms import method_factory

    classes = ProblemClass(SmoothStronglyConvex(Fraction(1, 10), Fraction(1)), Contractive(Fraction(1, 2)))
    result = certify(method_factory("ef21"), classes, Fraction(1, 5), gaps=(1e-12, 1e-11, 1e-10))
    assert result.verified
    return json.dumps(result.certificate)


def _with(text: str, change) -> str:
    document = json.loads(text)
    change(document)
    return json.dumps(document)


def _weaker(document: dict) -> None:
    """rho_upper raised to 1e400: a weaker claim, valid once the pivots stated at the old one go."""
    document["rho_upper"] = "1e400"
    document["upper"]["residual_pivots"] = None


HUGE = "1e1000000"
CHECK_CASES = {
    "empty object": (lambda t: "{}", 2, "not a pepcert certificate"),
    "a list": (lambda t: "[1, 2]", 2, "not a pepcert certificate"),
    "a number": (lambda t: "5", 2, "not a pepcert certificate"),
    "not JSON": (lambda t: "{", 2, "not JSON"),
    "NaN": (lambda t: t.replace('"rho_upper": "', '"rho_upper": NaN, "x": "'), 2, "not a number"),
    "huge rho_upper": (lambda t: _with(t, lambda d: d.__setitem__("rho_upper", HUGE)), 2, "digits"),
    "huge multiplier": (lambda t: _with(t, lambda d: d["upper"]["multipliers"].__setitem__(0, HUGE)), 2, "digits"),
    "huge P[0][0]": (lambda t: _with(t, lambda d: d["upper"]["P"][0].__setitem__(0, HUGE)), 2, "digits"),
    "huge mu": (lambda t: _with(t, lambda d: d["classes"]["function"].__setitem__("mu", HUGE)), 2, "digits"),
    "huge JSON integer": (lambda t: t.replace('"outcomes": 1', '"outcomes": ' + "9" * 5000), 2, "digits"),
    "outcomes 2000": (lambda t: _with(t, lambda d: d.__setitem__("outcomes", 2000)), 2, "outcomes"),
    "deep nesting": (lambda t: "[" * 200_000 + "]" * 200_000, 2, "nests"),
    "method 5": (lambda t: _with(t, lambda d: d.__setitem__("method", 5)), 2, "method"),
    "method null": (lambda t: _with(t, lambda d: d.__setitem__("method", None)), 2, "method"),
    "method list": (lambda t: _with(t, lambda d: d.__setitem__("method", ["ef21"])), 2, "method"),
    "parameters list": (lambda t: _with(t, lambda d: d.__setitem__("parameters", [1])), 2, "parameters"),
    "JSON number for a rational": (lambda t: _with(t, lambda d: d.__setitem__("rho_lower", 0.5)), 2, "rational string"),
    "duplicate key": (lambda t: t[:-1] + ', "rho_upper": "0"}', 2, "duplicate key"),
    "1e400 as a weaker claim": (lambda t: _with(t, _weaker), 0, "does not prove convergence"),
    "1e400 as a JSON number": (lambda t: t.replace('"rho_upper": "', '"rho_upper": 1e400, "x": "'), 2, "rational string"),
    "mu = -L - 1/10^400": (lambda t: _with(t, lambda d: d["classes"]["function"].__setitem__("mu", "-1" + "0" * 399 + "1/1" + "0" * 400)), 1, "at least -L"),
    "false claim": (lambda t: _with(t, lambda d: d.__setitem__("rho_upper", "1/2")), 1, "INVALID"),
}


@pytest.mark.parametrize("case", list(CHECK_CASES))
def test_check_answers_every_hostile_file_with_one_line(case, certificate_text, tmp_path, capsys):
    make, expected_code, fragment = CHECK_CASES[case]
    path = tmp_path / "certificate.json"
    path.write_text(make(certificate_text))
    code, out, err = run(["check", str(path)], capsys)
    assert code == expected_code, (out, err)
    lines = (err if code == 2 else out).strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0], lines
    if code == 2:
        assert out == ""


@pytest.mark.parametrize("content", [bytes(range(256)), b"\xff\xfe{}", b"{\"format\": \"\xc3\x28\"}"])
def test_check_binary_files_are_unreadable(content, tmp_path, capsys):
    path = tmp_path / "binary.json"
    path.write_bytes(content)
    code, _out, err = run(["check", str(path)], capsys)
    assert code == 2 and "UTF-8" in err and len(err.strip().splitlines()) == 1


def test_check_oversized_file_is_unreadable(tmp_path, capsys):
    from pepcert.analyses.certificate_file import MAX_FILE_BYTES

    path = tmp_path / "big.json"
    path.write_text('{"x": "' + "1" * MAX_FILE_BYTES + '"}')
    code, _out, err = run(["check", str(path)], capsys)
    assert code == 2 and "larger than" in err


def test_valid_certificate_still_passes(certificate_text, tmp_path, capsys):
    path = tmp_path / "ok.json"
    path.write_text(certificate_text)
    code, out, _err = run(["check", str(path)], capsys)
    assert code == 0 and out.startswith("VALID") and "does not prove convergence" not in out


# -- Muon schedules: bounded work, refusals with a reason -------------------------------------

@pytest.mark.parametrize("steps,iterations,fragment", [
    ("t**t**t**t", 100, "nests 3 exponentials"),
    ("exp(-exp(t))", 100, "nests 2 exponentials"),
    ("1e300", 100, "leaves [1e-100, 1e100] at t = 0"),
    ("1/(t+1)**64", 20000, "leaves [1e-100, 1e100] at t = 36"),
    ("2**(-t)", 20000, "leaves [1e-100, 1e100] at t = 333"),
    ("exp(-t)", 20000, "leaves [1e-100, 1e100] at t = 231"),  # e^-231 < 1e-100 (balls have relative precision)
    ("1 + exp(-3000*t)", 100, "exp of a value beyond"),
    ("(t+1)**(t+1)", 100, "leaves [1e-100, 1e100] at t = 56"),
    ("+".join(f"1/(t+{k})" for k in range(1, 41)), 10, "operations"),
])
def test_muon_schedules_with_unbounded_cost_are_refused(steps, iterations, fragment, capsys):
    """Each took minutes (or hours) before issue 8; now one line within the deadline."""
    code, out, err = run(["muon", "--beta", "0.5", "--steps", steps, "-T", str(iterations)], capsys, seconds=10)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and fragment in err, err


@pytest.mark.parametrize("argv", [["--steps", "-1/(t+1)"], ["--steps=-1/(t+1)"]])
def test_negative_schedule_parses_and_is_refused(argv, capsys):
    code, _out, err = run(["muon", "--beta", "0.5", *argv, "-T", "10"], capsys)
    assert code == 2 and "not positive at t = 0" in err and len(err.strip().splitlines()) == 1


# -- errors that are not ours to show --------------------------------------------------------

@pytest.mark.parametrize("argv,code,fragment", [
    (["certify", "--method", "cgd", "--mu=-1.0000000000000000000001", "--L", "1", "--delta", "0.5", "--eta", "0.2"], 2,
     "mu must be at least -L"),
    (["certify", "--method", "cgd", "--mu", "0.1", "--L", "1", "--delta", "1.00000000000000000001", "--eta", "0.2"], 2, "delta must be in (0, 1]"),
    (["rate", "--method", "ef", "--mu", "0.1", "--L", "1", "--delta", "1.0000000000000001"], 2, "delta must be in (0, 1]"),
    (["rate", "--method", "ef", "--mu", "1e-310", "--L", "2e-310", "--delta", "0.5"], 2, "rescale"),
    (["rate", "--method", "ef", "--mu", "0.1", "--L", "1", "--delta", "0.5", "--eta", "1e-400"], 2, "too small"),
    (["rate", "--method", "ef", "--mu", "0.1", "--L", "1", "--delta", "1e1000000"], 2, "digits"),
    (["worst-case", "--method", "ef", "--mu", "0.1", "--L", "1", "--delta", "1", "-N", "3"], 2, "--measure distance"),
])
def test_refusals_are_ours(argv, code, fragment, capsys):
    got, _out, err = run(argv, capsys)
    assert got == code and len(err.strip().splitlines()) == 1 and fragment in err, err


def test_worst_case_at_a_diverging_step_says_so(capsys):
    code, _out, err = run(["worst-case", "--method", "ef", "--mu", "0.1", "--L", "1", "--delta", "0.5", "-N", "3",
                          "--eta", "100"], capsys, seconds=30)
    if code == 0:  # solved: the value must show the growth
        return
    assert code == 1 and "diverges" in err and len(err.strip().splitlines()) == 1


# -- rate 1 is no linear rate ------------------------------------------------------------------

def test_rate_at_mu_zero_is_no_linear_rate(capsys):
    """mu = 0: no rho (not even 1) is printed as a rate; the answer is the sublinear one."""
    code, out, _err = run(["rate", "--method", "ef", "--mu", "0", "--L", "1", "--delta", "0.5", "--horizon", "4",
                           "--json"], capsys, seconds=60)
    data = json.loads(out)
    assert code == 0
    assert data["kind"] == "sublinear" and data["linear_rate"] is None and "rho" not in data
    assert "no linear rate" in data["linear_rate_reason"]
    assert (data["measure"], data["initial"]) == ("function", "distance")
    values = [case["value"] for case in data["worst_cases"]]
    assert [case["N"] for case in data["worst_cases"]] == [1, 2, 3, 4]
    assert all(later < earlier for earlier, later in zip(values, values[1:]))
    assert data["step"] == "optimal" and 0.01 < data["eta"] < 4


def test_best_step_at_the_edge_of_the_search_is_not_optimal(capsys):
    code, out, _err = run(["rate", "--method", "ef", "--mu", "0.1", "--L", "1", "--delta", "1e-300"], capsys, seconds=60)
    assert code == 0
    assert "optimal step" not in out and "not an optimum" in out and "NO CONVERGENCE" in out


def test_certify_says_when_rho_upper_at_least_one_proves_nothing():
    from pepcert.analyses.certificates import CertifiedRate

    def claims(lower, upper, verified=True):
        result = CertifiedRate(method="CGD", parameters={}, classes={}, rho_lower=Fraction(lower),
                               rho_upper=Fraction(upper), lower_source="instance", verified=verified, reason="",
                               certificate={}, seconds=0.0)
        return {"proves_convergence": result.proves_convergence, "proves_divergence": result.proves_divergence,
                "note": result.note}

    assert claims("9/10", "1000000025/1000000000") == {
        "proves_convergence": False, "proves_divergence": False,
        "note": "rho_upper >= 1: this certificate does not prove convergence (no linear rate is proven)"}
    assert claims("9/10", "99/100")["proves_convergence"] is True
    assert claims("1", "2")["proves_divergence"] is True
    assert claims("9/10", "2", verified=False)["note"] == ""
