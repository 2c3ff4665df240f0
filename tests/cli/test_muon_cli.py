"""``pepcert muon``: the command-line contract of DESIGN.md."""

from __future__ import annotations

import json
import subprocess
import sys
from fractions import Fraction

import pytest

from pepcert.cli import main


def run_json(capsys, *argv):
    code = main(["muon", *argv, "--json"])
    captured = capsys.readouterr()
    return code, json.loads(captured.out), captured.err


def test_json_contract(capsys):
    code, payload, err = run_json(capsys, "--beta", "0.9", "--steps", "1/(t+1)", "--iterations", "200")
    assert code == 0 and err == ""
    assert Fraction(payload["instance"]["c"]) == Fraction(1, 38)
    W0 = payload["instance"]["W0"]
    assert len(W0) == 2 and all(len(row) == 2 for row in W0)
    assert W0[0][0] + W0[1][1] == pytest.approx(2.0, abs=1e-15)
    muon = payload["muon"]
    assert muon["certified"] is True
    assert Fraction(muon["certified_lower_bound"]) >= Fraction(1, 19)
    assert muon["min_gap"] >= float(Fraction(muon["certified_lower_bound"]))
    assert isinstance(payload["ef_muon"]["min_gap"], float)
    assert payload["ef_muon"]["min_gap"] < muon["min_gap"]


def test_json_rational_start_for_constant_steps(capsys):
    code, payload, _ = run_json(capsys, "--beta", "1/2", "--steps", "0.1", "-T", "30")
    assert code == 0
    assert payload["instance"]["W0"] == [["21/20", "0"], ["0", "19/20"]]
    assert payload["beta"] == "1/2"


def test_readable_output_and_plot(capsys, tmp_path):
    plot = tmp_path / "gaps.png"
    code = main(["muon", "--beta", "0.5", "--steps", "1/sqrt(t+1)", "--iterations", "100", "--plot", str(plot)])
    out = capsys.readouterr().out
    assert code == 0
    assert "CERTIFIED" in out and "EF-Muon" in out
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_failed_certificate_exits_1(capsys):
    # Newton-Schulz is not the exact polar factor: the replay runs, the certificate fails.
    code, payload, _err = run_json(capsys, "--beta", "0.9", "--steps", "1/sqrt(t+1)", "-T", "40", "--lmo", "newton-schulz")
    assert code == 1
    assert payload["muon"]["certified"] is False
    assert payload["muon"]["certified_lower_bound"] is None
    assert payload["muon"]["trace_invariant"] is False
    assert payload["muon"]["failures"]


def test_signed_momentum_lmo_is_certified(capsys):
    code, payload, _ = run_json(capsys, "--beta", "0.5", "--steps", "1/(t+1)**2", "-T", "60", "--lmo", "sign")
    assert code == 0 and payload["muon"]["certified"] is True
    assert payload["muon"]["method"] == "muon[sign]"


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["--beta", "1", "--steps", "1/(t+1)", "-T", "10"], "beta must be in [0, 1)"),
        (["--beta", "-0.5", "--steps", "1/(t+1)", "-T", "10"], "beta must be in [0, 1)"),
        (["--beta", "nan", "--steps", "1/(t+1)", "-T", "10"], "finite"),
        (["--beta", "0.5", "--steps", "t+1", "-T", "10"], "not nonincreasing"),
        (["--beta", "0.5", "--steps", "1/(t+1) - 1/4", "-T", "10"], "not positive"),
        (["--beta", "0.5", "--steps", "-1", "-T", "10"], "not positive"),
        (["--beta", "0.5", "--steps", "1/(t+1)", "-T", "0"], "must be positive"),
        (["--beta", "0.5", "--steps", "1/(t+1)", "-T", "-4"], "must be positive"),
        (["--beta", "0.5", "--steps", "1/(t+1", "-T", "10"], "cannot parse"),
        (["--beta", "0.5", "--steps", "__import__('os').system('true')", "-T", "10"], "not allowed"),
        (["--beta", "0.5", "--steps", "x/(t+1)", "-T", "10"], "unknown name"),
        (["--beta", "0.5", "--steps", "1/(t-3)", "-T", "10"], "division by zero"),
        (["--beta", "0.5", "--steps", "nan", "-T", "10"], "unknown name"),
        (["--beta", "0.5", "--steps", "1/(t+1)", "-T", "ten"], "invalid int"),
        (["--beta", "0.5", "--steps", "1/(t+1)", "-T", "10", "--plot", "out.txt"], ".png"),
    ],
)
def test_bad_input_one_line_exit_2(capsys, argv, fragment):
    with pytest.raises(SystemExit) if fragment == "invalid int" else _no_exit():
        code = main(["muon", *argv])
    captured = capsys.readouterr()
    if fragment != "invalid int":
        assert code == 2
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0]
    assert "Traceback" not in captured.err


class _no_exit:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_subprocess_bad_input_exit_status():
    result = subprocess.run(
        [sys.executable, "-c", "from pepcert.cli import run; run()",
         "muon", "--beta", "0.99", "--steps", "1/(t+1)", "--iterations", "0"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == ["pepcert muon: error: --iterations must be positive, got 0"]
