"""The command-line contract of DESIGN.md: --json, exit codes, one-line errors."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest

from conftest import ef_optimal, ef_rate
from pepcert.cli import main

BASE = ["--method", "ef", "--mu", "0.1", "--L", "1", "--delta", "0.5"]


def run_json(capsys, argv):
    code = main(argv + ["--json"])
    out = capsys.readouterr().out
    assert out.count("\n") == 1  # one JSON object, nothing else
    return code, json.loads(out)


def test_rate_json_contract(capsys):
    code, data = run_json(capsys, ["rate"] + BASE + ["--eta", "0.2"])
    assert code == 0
    for key in ("method", "mu", "L", "delta", "eta", "rho", "lyapunov", "solver", "seconds"):
        assert key in data
    assert set(data["lyapunov"]) >= {"basis", "P", "p"}
    assert data["rho"] == pytest.approx(ef_rate(0.1, 1, 0.5, 0.2), abs=1e-9)
    assert data["converges"] is True and data["tight"] is True


def test_rate_optimal_step(capsys):
    code, data = run_json(capsys, ["rate"] + BASE + ["--eta", "optimal"])
    eta, rho = ef_optimal(0.1, 1, 0.5)
    assert code == 0 and data["eta"] == pytest.approx(eta, abs=1e-9) and data["rho"] == pytest.approx(rho, abs=1e-9)
    assert data["eta_proven_optimal"] is True
    # EF's paper family ||x - x* - e||^2 + a ||e||^2 attains the rate with a = 1/s.
    weights = data["paper_lyapunov"]["weights"]
    assert weights[1] / weights[0] == pytest.approx(1 / 0.5**0.5, rel=1e-6)


def test_rate_readable_output_says_no_convergence(capsys):
    assert main(["rate"] + BASE + ["--eta", "0.5"]) == 0
    out = capsys.readouterr().out
    assert "NO CONVERGENCE" in out and "rho = 2.369" not in out  # delta = 0.5 here
    assert f"{ef_rate(0.1, 1, 0.5, 0.5):.6g}" in out


def test_worst_case_json_contract(capsys):
    code, data = run_json(capsys, ["worst-case"] + BASE + ["--iterations", "3"])
    _eta, rho = ef_optimal(0.1, 1, 0.5)
    assert code == 0
    for key in ("value", "rate_per_step", "iterations", "measure", "solver", "seconds"):
        assert key in data
    assert data["value"] == pytest.approx(rho**3, rel=1e-12) and data["measure"] == "lyapunov"


BAD = [
    ["rate"] + BASE[:-1] + ["0"],  # delta = 0
    ["rate"] + BASE[:-1] + ["1.5"],  # delta > 1
    ["rate", "--method", "ef", "--mu", "1.5", "--L", "1", "--delta", "0.5"],  # mu > L (mu = L: quadratics, accepted)
    ["rate", "--method", "ef", "--mu", "0.1", "--L", "0", "--delta", "0.5"],  # L <= 0
    ["rate", "--method", "ef", "--mu", "-1.1", "--L", "1", "--delta", "0.5"],  # mu < -L
    ["rate"] + BASE + ["--eta", "0"],
    ["rate"] + BASE + ["--eta", "-1"],
    ["rate"] + BASE + ["--eta", "nan"],
    ["rate", "--method", "ef", "--mu", "nan", "--L", "1", "--delta", "0.5"],
    ["rate", "--method", "adam", "--mu", "0.1", "--L", "1", "--delta", "0.5"],
    ["rate"] + BASE + ["--family", "cubic"],
    ["worst-case"] + BASE + ["--iterations", "0"],
    ["worst-case"] + BASE + ["--iterations", "2", "--measure", "entropy"],
]


@pytest.mark.parametrize("argv", BAD, ids=lambda a: " ".join(a[1:]))
def test_bad_input_is_one_line_and_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        code = main(argv)
        raise SystemExit(code)
    assert exit_info.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in captured.err


def test_console_script_exit_status_and_stderr():
    """The installed entry point, as a user runs it."""
    completed = subprocess.run(
        [sys.executable, "-m", "pepcert", "rate", "--method", "ef", "--mu", "0.1", "--L", "1", "--delta", "0"],
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 2
    assert completed.stdout == "" and len(completed.stderr.strip().splitlines()) == 1
    assert "delta" in completed.stderr


def test_delta_one_is_uncompressed_gradient_descent(capsys):
    """delta = 1 forces C(v) = v: CGD is gradient descent, rate max((1 - eta mu)^2, (1 - eta L)^2)."""
    code, data = run_json(capsys, ["rate", "--method", "cgd", "--mu", "0.1", "--L", "1", "--delta", "1", "--eta", "1.5"])
    assert code == 0 and data["rho"] == pytest.approx(max((1 - 0.15) ** 2, (1 - 1.5) ** 2), abs=1e-9)


@pytest.mark.parametrize("delta", [0.001, 0.0003])
def test_ill_conditioned_optimal_step_is_reported_honestly(capsys, delta):
    """delta <= 0.001 (rho* >= 0.99991) is at the edge of double precision near the optimal
    step: whether the tight certificate succeeds there depends on the last bits of the step.
    Either way the answer is honest: a step called optimal is certified tight at rho* (and is
    eta*); otherwise it is a best step found by search, flagged as not proven optimal, with the
    failed evaluations counted, and its rate is an upper bound (never below the optimum).
    The step called optimal is the polished crossing (eta* to machine precision) or, where the
    crossing itself does not certify (OpenBLAS's Haswell and Prescott kernels at delta = 0.001, not
    Sandybridge's), the scalar search's minimiser, which scipy's bounded Brent places only to
    2 sqrt(eps) |log eta| (5.0e-9 from eta* here, on every core type): either way the closed form's
    rate at the step reported is the rate reported."""
    code, data = run_json(capsys, ["rate", "--method", "ef21", "--mu", "0.1", "--L", "1", "--delta", str(delta)])
    eta_star, rho_star = ef_optimal(0.1, 1, delta)
    assert code == 0 and data["rho"] >= rho_star - 1e-9
    if data["eta_proven_optimal"]:
        assert data["tight"] and data["rho"] == pytest.approx(rho_star, abs=1e-9)
        search_precision = 2 * math.sqrt(sys.float_info.epsilon) * abs(math.log(eta_star))
        assert abs(math.log(data["eta"] / eta_star)) <= search_precision
        assert ef_rate(0.1, 1, delta, data["eta"]) == pytest.approx(data["rho"], abs=1e-9)
    else:
        assert data["eta_search_failures"] > 0


def test_a_failed_step_search_never_claims_convergence(capsys):
    """delta = 1e-5 (rho* = 0.9999991): at the edge of double precision. Either the step is
    called optimal, and then it is eta* with the certified rho*, or it is a best step found by
    search, flagged as not proven optimal, with failed evaluations counted, never called
    optimal, and its rate still an upper bound (never below the true optimum)."""
    code, data = run_json(capsys, ["rate", "--method", "ef21", "--mu", "0.1", "--L", "1", "--delta", "0.00001"])
    eta_star, rho_star = ef_optimal(0.1, 1, 0.00001)
    assert code == 0 and data["rho"] >= rho_star - 1e-9
    if data["eta_proven_optimal"]:
        assert data["tight"] and data["rho"] == pytest.approx(rho_star, abs=1e-9)
        assert data["eta"] == pytest.approx(eta_star, rel=1e-12)
    else:
        assert data["eta_search_failures"] > 0 and data["eta_optimal"] is False
