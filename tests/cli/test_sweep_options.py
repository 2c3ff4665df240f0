"""``pepcert sweep`` takes every option ``rate``, ``worst-case`` and ``certify`` take (one
definition, :func:`pepcert.cli.common.add_problem_options`), and any analysis name; its points
are built as ``pepcert rate`` builds its problem, so the answers agree."""

from __future__ import annotations

import argparse
import json
from fractions import Fraction

import pytest

from pepcert.cli import build_parser, main

PRESENTATION = {"-h", "--help", "--json", "--latex", "--quiet", "--plot", "--out"}
# per-run checks, the sublinear table's length and the noise step search: not grid dimensions
NOT_A_GRID = {"--verify-precision", "--horizon", "--target-rho"}


def _options(command: str) -> set[str]:
    subparsers = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return {s for action in subparsers.choices[command]._actions for s in action.option_strings}


@pytest.mark.parametrize("command", ["rate", "worst-case", "certify"])
def test_sweep_takes_every_option_of_the_analysis_commands(command):
    assert _options(command) - PRESENTATION - NOT_A_GRID <= _options("sweep")


def test_every_sweep_analysis_is_offered():
    from pepcert.sweeps.analyses import ANALYSES

    assert set(ANALYSES) == {"rate", "optimal-rate", "worst-case", "certify", "neighbourhood"}
    subparsers = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    choices = next(a.choices for a in subparsers.choices["sweep"]._actions if a.dest == "analysis")
    assert sorted(choices) == sorted(ANALYSES)


def test_diana_with_a_contractive_class_is_one_line_naming_omega(capsys):
    code = main(["sweep", "--analysis", "rate", "--method", "diana", "--mu", "0.1", "--L", "1", "--delta", "0.5",
                 "--eta", "0.1"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "--omega" in err and "Traceback" not in err


def _rows(capsys, argv) -> list[dict]:
    assert main(["sweep"] + argv + ["--no-cache", "--workers", "1", "--json"]) == 0
    return json.loads(capsys.readouterr().out)["rows"]


def _rate(capsys, argv) -> dict:
    assert main(["rate"] + argv + ["--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_agents_and_a_per_agent_value_agree_with_rate(capsys):
    rows = _rows(capsys, ["--analysis", "rate", "--method", "ef21", "--mu", "0.1", "--L", "[1,2]", "--agents", "2",
                          "--delta", "0.5", "--eta", "0.2"])
    direct = _rate(capsys, ["--method", "ef21", "--mu", "0.1", "--L", "1,2", "--agents", "2", "--delta", "0.5",
                            "--eta", "0.2"])
    assert len(rows) == 1 and rows[0]["L"] == [1.0, 2.0]
    assert rows[0]["rho"] == pytest.approx(direct["rho"], abs=1e-9)


def test_compressor_specs_are_separated_by_semicolons_and_scaled_works(capsys):
    rows = _rows(capsys, ["--analysis", "rate", "--method", "ef", "--mu", "0.1", "--L", "1",
                          "--compressor", "top-k:k=3,d=10;top-k:k=5,d=10", "--eta", "0.2"])
    assert [row["compressor"] for row in rows] == ["top-k:k=3,d=10", "top-k:k=5,d=10"]
    direct = _rate(capsys, ["--method", "ef", "--mu", "0.1", "--L", "1", "--delta", "0.3", "--eta", "0.2"])
    assert rows[0]["rho"] == pytest.approx(direct["rho"], abs=1e-9)  # top-k is analysed in its class, delta = k/d
    scaled = _rows(capsys, ["--analysis", "rate", "--method", "ef", "--mu", "0.1", "--L", "1", "--omega", "1",
                            "--scaled", "--eta", "0.2"])
    assert scaled[0]["scaled"] is True and scaled[0]["rho"] == pytest.approx(
        _rate(capsys, ["--method", "ef", "--mu", "0.1", "--L", "1", "--omega", "1", "--scaled", "--eta", "0.2"])["rho"],
        abs=1e-9)


def test_certify_is_an_analysis_with_exact_bounds(capsys):
    rows = _rows(capsys, ["--analysis", "certify", "--method", "ef", "--mu", "0.1", "--L", "1", "--delta", "0.5",
                          "--eta", "0.2"])
    row = rows[0]
    assert row["verified"] is True and Fraction(row["rho_lower"]) <= Fraction(row["rho_upper"])
    assert row["rho_upper_float"] == pytest.approx(float(Fraction(row["rho_upper"])))


@pytest.mark.parametrize("argv, fragment", [
    (["--analysis", "rate", "--method", "ef", "--mu", "0.1", "--L", "1", "--delta", "0.5", "--iterations", "2"],
     "does not take --iterations"),
    (["--analysis", "worst-case", "--method", "ef", "--mu", "0.1", "--L", "1", "--delta", "0.5"], "needs --iterations"),
    (["--analysis", "rate", "--method", "ef", "--mu", "0.1", "--L", "1", "--delta", "0.5", "--omega", "1"],
     "exactly one of"),
    (["--analysis", "rate", "--method", "ef", "--mu", "0.1", "--L", "[1,2", "--agents", "2", "--delta", "0.5"],
     "brackets"),
    (["--analysis", "rate", "--method", "ef", "--mu", "0.1", "--L", "1", "--delta", "0.5", "--agents", "1.5"],
     "integers"),
    (["--analysis", "rate", "--method", "sgd", "--mu", "0.1", "--L", "1", "--delta", "0.5"], "unknown method"),
])
def test_bad_grids_are_one_line(argv, fragment, capsys):
    assert main(["sweep"] + argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and fragment in err


def test_neighbourhood_and_param_agree_with_rate_sigma(capsys):
    argv = ["--method", "ef21-sgdm", "--mu", "0.1", "--L", "1", "--delta", "0.5", "--eta", "0.1", "--sigma", "0.1",
            "--param", "momentum=0.5"]
    (row,) = _rows(capsys, ["--analysis", "neighbourhood", *argv])
    direct = _rate(capsys, argv)
    assert row["param"] == "momentum=0.5"
    assert row["neighbourhood_upper"] == pytest.approx(direct["neighbourhood_upper"], rel=1e-9)
    assert row["neighbourhood_lower"] == pytest.approx(direct["neighbourhood_lower"], rel=1e-12)
    assert row["rho"] == pytest.approx(direct["rho"], rel=1e-12)


def test_an_analysis_without_noise_refuses_sigma(capsys):
    code = main(["sweep", "--analysis", "rate", "--method", "ef", "--mu", "0.1", "--L", "1", "--delta", "0.5",
                 "--sigma", "0.1"])
    err = capsys.readouterr().err
    assert code == 2 and "does not take --sigma" in err and err.count("\n") == 1
