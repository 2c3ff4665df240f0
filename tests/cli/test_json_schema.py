"""One JSON schema for every command (``pepcert/schema/pepcert.schema.json``): each command's
``--json`` output, on success and on error, is one object on stdout that validates against it,
and no number is written as a string without its float twin."""

from __future__ import annotations

import json
import re
from importlib.resources import files

import jsonschema
import pytest

from pepcert.cli import main

SCHEMA = json.loads((files("pepcert") / "schema" / "pepcert.schema.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
NUMBER = re.compile(r"^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?(/\d+)?\s*$")
BASE = ["--method", "ef", "--mu", "0.1", "--L", "1", "--delta", "0.5"]


def strings_that_are_numbers(value, key=None, parent=None, path="$") -> list[str]:
    """Every string that reads as a number and has no ``<key>_float`` twin beside it."""
    found = []
    if isinstance(value, dict):
        for name, item in value.items():
            found += strings_that_are_numbers(item, name, value, f"{path}.{name}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += strings_that_are_numbers(item, key, parent, f"{path}[{index}]")
    elif isinstance(value, str) and NUMBER.match(value) and (parent is None or f"{key}_float" not in parent):
        found.append(f"{path} = {value!r}")
    return found


def run_json(capsys, argv) -> tuple[int, dict]:
    try:
        code = main(argv + ["--json"])
    except SystemExit as stop:  # argparse usage errors
        code = stop.code
    captured = capsys.readouterr()
    assert captured.out.count("\n") == 1 and captured.out.endswith("\n"), captured.out[:500]
    data = json.loads(captured.out)
    errors = [f"{list(e.absolute_path)}: {e.message[:300]}" for e in VALIDATOR.iter_errors(data)]
    assert not errors, errors
    assert not strings_that_are_numbers(data)
    if code == 2:
        assert data["exit_code"] == 2 and len(captured.err.strip().splitlines()) == 1  # and its one line
    return code, data


def test_the_schema_is_a_valid_draft_2020_12_schema():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_the_checks_catch_what_they_are_for():
    assert strings_that_are_numbers({"eta": "1/5"}) and not strings_that_are_numbers({"eta": "1/5", "eta_float": 0.2})
    assert not VALIDATOR.is_valid({"pepcert_version": "0.1.0", "command": "rate", "inputs": {}, "rho": "inf"})
    assert not VALIDATOR.is_valid({"error": "x", "exit_code": 0, "pepcert_version": "0.1.0", "command": "rate"})
    assert not VALIDATOR.is_valid({"pepcert_version": "0.1.0", "command": "certify", "inputs": {}})


SUCCESS = {
    "rate": ["rate"] + BASE + ["--eta", "0.2"],
    "rate-agents": ["rate", "--method", "ef21", "--agents", "2", "--mu", "0.1", "--L", "1", "--delta", "0.5",
                    "--eta", "0.3"],
    "worst-case": ["worst-case"] + BASE + ["--iterations", "2", "--eta", "0.3"],
    "worst-case-unbounded": ["worst-case", "--method", "ef", "--mu", "0", "--L", "1", "--delta", "0.5", "--eta", "0.5",
                             "--iterations", "2", "--measure", "function", "--start", "free"],
    "certify": ["certify"] + BASE + ["--eta", "1/5"],
    "certify-nstep": ["certify", "--method", "cgd", "--mu", "0", "--L", "1", "--delta", "1", "--eta", "1",
                      "--iterations", "3", "--measure", "function", "--initial", "distance"],
    "verify-list": ["verify", "--list"],
    "muon": ["muon", "--beta", "0.9", "--steps", "1/(t+1)", "--iterations", "30"],
    "muon-train": ["muon", "train", "--task", "mlp", "--seeds", "1", "--iterations", "4", "--steps", "0.1",
                   "--hidden", "4", "--eval-every", "2", "--optimizers", "muon"],
    "compressors": ["compressors"],
    "compressors-spec": ["compressors", "--spec", "top-k:k=1,d=10"],
    "sweep": ["sweep", "--analysis", "rate", "--method", "ef", "--mu", "0.1", "--L", "1", "--delta", "0.5",
              "--eta", "0.1,0.2", "--no-cache", "--workers", "1"],
    "reproduce-list": ["reproduce", "--list"],
    "saq": ["saq", "--rows", "40", "--workers", "2", "--iterations", "50", "--skip-tight", "--methods", "diana",
            "--compressors", "dithering"],
}


@pytest.mark.parametrize("name", SUCCESS)
def test_every_command_succeeds_with_one_schema_object(name, capsys):
    code, data = run_json(capsys, SUCCESS[name])
    assert code == 0 and data["command"] == SUCCESS[name][0] + (" train" if name == "muon-train" else "")
    assert data["inputs"]  # the options as given


def test_an_unbounded_worst_case_is_null_with_a_reason(capsys):
    _, data = run_json(capsys, SUCCESS["worst-case-unbounded"])
    assert data["value"] is None and "unbounded" in data["value_reason"]


def test_exact_inputs_and_results_have_float_twins(capsys):
    _, data = run_json(capsys, SUCCESS["certify"])
    assert data["eta"] == "1/5" and data["eta_float"] == 0.2
    assert data["inputs"]["mu"] == "1/10" and data["inputs"]["mu_float"] == 0.1 and data["inputs"]["L"] == 1
    assert data["compressor"]["delta"] == "1/2" and data["compressor"]["delta_float"] == 0.5


def test_check_valid_invalid_and_unreadable(capsys, tmp_path):
    path = tmp_path / "c.json"
    assert main(["certify"] + BASE + ["--eta", "1/5", "--out", str(path)]) == 0
    capsys.readouterr()
    code, data = run_json(capsys, ["check", str(path)])
    assert code == 0 and data["valid"] is True
    document = json.loads(path.read_text())
    document["rho_upper"] = "9/10"  # below the rate: the proof must fail
    path.write_text(json.dumps(document))
    code, data = run_json(capsys, ["check", str(path)])
    assert code == 1 and data["valid"] is False and data["reasons"]
    path.write_text("{not json")
    code, data = run_json(capsys, ["check", str(path)])
    assert code == 2 and data["command"] == "check" and data["error"]


def test_check_of_an_nstep_certificate(capsys, tmp_path):
    path = tmp_path / "n.json"
    assert main(SUCCESS["certify-nstep"] + ["--out", str(path)]) == 0
    capsys.readouterr()
    code, data = run_json(capsys, ["check", str(path)])
    assert code == 0 and data["valid"] is True and data["kind"] == "nstep" and data["lower_bound_float"] > 0
    document = json.loads(path.read_text())
    document["upper_bound"] = "1/100"  # below the worst case 1/14: the proof must fail
    path.write_text(json.dumps(document))
    code, data = run_json(capsys, ["check", str(path)])
    assert code == 1 and data["valid"] is False and data["reasons"]


ERRORS = {
    "rate-bad-delta": ["rate"] + BASE[:-1] + ["0"],
    "rate-usage": ["rate", "--method", "ef", "--mu", "0.1"],
    "no-command": [],
    "worst-case": ["worst-case"] + BASE + ["--iterations", "0"],
    "certify": ["certify"] + BASE + ["--eta", "-1"],
    "check-missing-file": ["check", "/nonexistent/c.json"],
    "verify": ["verify", "--only", "no-such-claim"],
    "muon": ["muon", "--beta", "1", "--steps", "1/(t+1)", "--iterations", "10"],
    "muon-usage": ["muon", "--beta", "0.5"],
    "muon-train": ["muon", "train", "--task", "nothing"],
    "bench": ["bench", "--repeat", "0"],
    "compressors": ["compressors", "--spec", "top-k:k=0,d=10"],
    "sweep": ["sweep", "--analysis", "rate", "--method", "diana", "--mu", "0.1", "--L", "1", "--delta", "0.5",
              "--eta", "0.1"],
    "reproduce": ["reproduce", "no-such-figure"],
    "saq": ["saq", "--workers", "0"],
}


@pytest.mark.parametrize("name", ERRORS)
def test_every_command_reports_bad_input_as_one_schema_object(name, capsys):
    code, data = run_json(capsys, ERRORS[name])
    assert code == 2 and set(data) == {"error", "exit_code", "pepcert_version", "command"}
    command = ERRORS[name][0] if ERRORS[name] else None
    assert data["command"] == (command if name != "muon-train" else "muon train")


def test_a_solver_failure_is_exit_1_and_a_schema_object(capsys, monkeypatch):
    from pepcert.analyses import rates
    from pepcert.pep.errors import SolverFailure

    def fail(*args, **kwargs):
        raise SolverFailure("the solver gave up")

    monkeypatch.setattr(rates, "tight_rate", fail)
    code, data = run_json(capsys, ["rate"] + BASE + ["--eta", "0.2"])
    assert code == 1 and data["exit_code"] == 1 and "the solver gave up" in data["error"]


def test_bench_json_shape(capsys, monkeypatch):
    """bench's own measurements take minutes; its report is validated from stand-ins of the
    right shape here (the full run: ``test_bench_json_for_real``, slow)."""
    from pepcert.cli import bench, bench_agents, bench_jobs, bench_muon, bench_rates, bench_saq

    monkeypatch.setattr(bench, "_startup", lambda repeat: {"python_seconds": 0.05, "version_seconds": 0.07})
    monkeypatch.setattr(bench_rates, "bench_tight_rates", lambda repeat: {"rows": {}, "median_ratio": 5.0})
    monkeypatch.setattr(bench, "_worst_cases", lambda sizes, cap, pepit: {"pepit": "skipped (--skip-pepit)"})
    monkeypatch.setattr(bench_jobs, "bench_throughput", lambda n: {"rates": 9, "rates_per_second": 200.0})
    monkeypatch.setattr(bench_agents, "bench_agents", lambda repeat, quick=False: {"agents": []})
    monkeypatch.setattr(bench_saq, "bench_saq", lambda iterations: {"seconds": 1.0})
    monkeypatch.setattr(bench_muon, "bench_muon", lambda T, rational: {"seconds": 1.0})
    from pepcert.papers.ttd25 import nstep_bench

    row = {"N": 100, "seconds": 1.0, "value": 0.0019, "relative_error": 1e-9, "tolerance": 1e-7, "solver": "x",
           "peak_mb": 200.0}
    monkeypatch.setattr(nstep_bench, "bench_nstep", lambda run_child, cap, quick: {
        "goal": {"N": 500, "seconds": 60.0}, "methods": {"ef": {"default": [row], "lowrank": [{"N": 100, "not_run": "> 5 s"}]}}})
    code, data = run_json(capsys, ["bench", "--quick", "--skip-pepit", "--repeat", "1"])
    assert code == 0 and data["command"] == "bench"


@pytest.mark.slow
def test_bench_json_for_real(capsys):
    code, _ = run_json(capsys, ["bench", "--quick", "--skip-pepit", "--repeat", "1", "--cap", "5"])
    assert code == 0


def test_verify_runs_a_claim(capsys):
    from pepcert.cli.verify import catalogue

    first = catalogue()[0].id  # the catalogue's first claim (a tight rate: about a second)
    code, data = run_json(capsys, ["verify", "--only", first])
    assert code == 0 and data["passed"] is True and data["claims"][0]["id"].startswith(first)


@pytest.mark.slow
def test_reproduce_runs(capsys, tmp_path):
    code, data = run_json(capsys, ["reproduce", "ttd25-fig2", "--grid", "3", "--workers", "1", "--no-cache",
                                   "--out", str(tmp_path)])
    assert code == 0 and data["files"]


def test_noise_pair_certify_and_check(capsys, tmp_path):
    path = tmp_path / "noisy.json"
    code, data = run_json(capsys, ["certify", "--method", "cgd", "--mu", "0.1", "--L", "1", "--delta", "1", "--eta",
                                   "0.5", "--sigma", "0.5", "--out", str(path)])
    assert code == 0 and data["kind"] == "noisy" and data["verified"] is True and data["sigma2"] == "1/4"
    code, data = run_json(capsys, ["check", str(path)])
    assert code == 0 and data["kind"] == "noisy" and data["valid"] is True and data["statement"].startswith("E V_{k+1}")
    document = json.loads(path.read_text())
    document["rho"] = "9/10"  # below the rate 0.9025: the proof must fail
    path.write_text(json.dumps(document))
    code, data = run_json(capsys, ["check", str(path)])
    assert code == 1 and data["valid"] is False and data["statement"] is None
