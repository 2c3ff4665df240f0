"""``pepcert certify --iterations N`` and ``pepcert check`` on its file: the bracket printed with
the measure and the initial condition named, the exit codes 0 / 1 / 2 of the check contract."""

from __future__ import annotations

import json
from fractions import Fraction

from pepcert.cli import main

GD = ["certify", "--method", "cgd", "--mu", "0", "--L", "1", "--delta", "1", "--eta", "1", "--iterations", "5",
      "--measure", "function", "--initial", "distance"]


def test_certify_prints_the_bracket_and_check_accepts_the_file(tmp_path, capsys):
    path = tmp_path / "gd.json"
    assert main([*GD, "--out", str(path)]) == 0
    out = capsys.readouterr().out
    assert "VERIFIED in exact rational arithmetic" in out
    assert "upper     f(x_5) - f* <= 0.04545454" in out and "(||x_0 - x*||^2" in out
    assert "<= worst case <= " in out and f"certificate written to {path}" in out
    assert main(["check", str(path)]) == 0
    line = capsys.readouterr().out
    assert line.startswith("VALID: 0.04545454") and "<= worst case <= 0.04545454" in line and "of f(x_5) - f*," in line
    assert "given ||x_0 - x*||^2" in line and "built-in 'cgd'" in line


def test_certify_json_and_a_tampered_file(tmp_path, capsys):
    path = tmp_path / "gd.json"
    assert main([*GD, "--out", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["verified"] and Fraction(data["lower_bound"]) <= Fraction(1, 22) <= Fraction(data["upper_bound"])
    document = json.loads(path.read_text())
    document["upper_bound"] = "1/23"
    path.write_text(json.dumps(document))
    assert main(["check", str(path)]) == 1
    assert capsys.readouterr().out.startswith("INVALID: upper bound rejected: the residual matrix is not negative")
    document["iterations"] = 500
    path.write_text(json.dumps(document))
    assert main(["check", str(path)]) == 2
    assert "iterations must be an integer from 1 to 50" in capsys.readouterr().err


def test_nstep_options_need_iterations(capsys):
    assert main(GD[:-6] + ["--measure", "function"]) == 2
    assert "give --iterations too" in capsys.readouterr().err
    assert main([*GD[:-5], "60"]) == 2
    assert "from 1 to 50" in capsys.readouterr().err
