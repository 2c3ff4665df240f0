"""Bounded work on hostile input: every case answers quickly with one line and exit 2 (or a
valid answer), never a traceback, a hang or an exhausted machine."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import time
from fractions import Fraction as Q

import pytest

from pepcert import ProblemClass, SmoothStronglyConvex, certify
from pepcert.cli import main
from pepcert.pep import Contractive
from pepcert.pep.algorithms import BUILTIN_METHODS


def one_line_exit_2(capsys, argv, seconds=5.0):
    start = time.perf_counter()
    code = main(argv)
    elapsed = time.perf_counter() - start
    captured = capsys.readouterr()
    assert code == 2 and captured.out == "" and len(captured.err.strip().splitlines()) == 1, captured.err
    assert elapsed < seconds, elapsed
    return captured.err


@pytest.fixture(scope="module")
def ef_document():
    classes = ProblemClass(SmoothStronglyConvex(Q(1, 10), Q(1)), Contractive(Q(1, 2)))
    return json.loads(json.dumps(certify(BUILTIN_METHODS["ef"], classes, Q(1, 5)).certificate))


@pytest.mark.parametrize("argv,words", [
    (["rate", "--method", "ef", "--agents", "10", "--mu", "0.1", "--L", "1", "--delta", "0.5"], "over the budget"),
    (["rate", "--method", "ef", "--agents", "16", "--mu", "0.1", "--L", "1", "--delta", "0.5", "--eta", "0.1"],
     "over the budget"),
    (["certify", "--method", "ef", "--agents", "16", "--mu", "0.1", "--L", "1", "--delta", "0.5", "--eta", "0.1"],
     "over the budget"),
    (["rate", "--method", "diana", "--mu", "0.1", "--L", "1", "--omega", "1e400", "--eta", "0.1"], "too large"),
    (["certify", "--method", "diana", "--mu", "0.1", "--L", "1", "--omega", "1e400", "--eta", "0.1"], "too large"),
    (["sweep", "--analysis", "rate", "--method", "ef", "--mu", "0.1", "--L", "1", "--delta", "0.5", "--eta", "1e400"],
     "not a finite"),
    (["worst-case", "--method", "diana", "--mu", "0.1", "--L", "1", "--omega", "1", "--eta", "0.1", "-N", "6",
      "--measure", "distance"], "interpolation pairs"),
])
def test_hostile_command_lines(capsys, argv, words):
    assert words in one_line_exit_2(capsys, argv)


def test_the_budget_can_be_raised_and_lowered(capsys):
    argv = ["rate", "--method", "ef", "--mu", "0.1", "--L", "1", "--delta", "0.5", "--eta", "0.2"]
    assert "over the budget of 0 s" in one_line_exit_2(capsys, argv + ["--budget-seconds", "1e-9"])
    assert main(argv) == 0


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_check_refuses_a_fifo_instead_of_blocking(capsys, tmp_path):
    fifo = tmp_path / "certificate.json"
    os.mkfifo(fifo)
    assert "not a regular file" in one_line_exit_2(capsys, ["check", str(fifo)])


def test_check_refuses_too_many_digits(capsys, tmp_path, ef_document):
    document = copy.deepcopy(ef_document)
    big = "1" + "0" * 1900
    document["upper"]["multipliers"] = [f"{big}/{big}3" for _ in document["upper"]["multipliers"]] * 20
    path = tmp_path / "digits.json"
    path.write_text(json.dumps(document))
    assert "digits in its numbers" in one_line_exit_2(capsys, ["check", str(path)])


def test_check_gives_up_at_its_time_limit(capsys, tmp_path, ef_document):
    path = tmp_path / "ef.json"
    path.write_text(json.dumps(ef_document))
    assert "gave up" in one_line_exit_2(capsys, ["check", str(path), "--max-seconds", "0.000001"])
    assert main(["check", str(path)]) == 0


def test_a_twelve_agent_forgery_is_answered_quickly(capsys, tmp_path, ef_document):
    """Twelve agents of distinct constants with a lower-bound instance: the one-step problem and
    the 91 x 91 second-moment map are built and refused in well under the limit."""
    document = copy.deepcopy(ef_document)
    agents = [{"type": "SmoothStronglyConvex", "mu": f"1/{10 + i}", "L": f"{1 + i}"} for i in range(12)]
    document["classes"]["function"] = {"type": "Distributed", "agents": agents, "common_minimizer": True}
    document["parameters"]["n"] = "12"
    document["method"] = "EF[12 agents]"
    document["lower"]["instance"] = {"h": [a["L"] for a in agents], "alpha": [["3/2"]] * 12}
    path = tmp_path / "twelve.json"
    path.write_text(json.dumps(document))
    start = time.perf_counter()
    assert main(["check", str(path)]) == 1
    assert time.perf_counter() - start < 5
    assert "INVALID" in capsys.readouterr().out


def test_a_user_module_that_raises_is_one_line(capsys, tmp_path, ef_document):
    module = tmp_path / "broken.py"
    module.write_text("raise RuntimeError('boom')\n")
    path = tmp_path / "ef.json"
    path.write_text(json.dumps(ef_document))
    assert "RuntimeError: boom" in one_line_exit_2(capsys, ["check", str(path), "--method-from", f"{module}:f"])


def test_reproduce_into_a_folder_it_cannot_write(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(os, "access", lambda *args, **kwargs: False)
    assert "not writable" in one_line_exit_2(capsys, ["reproduce", "muon26-gaps", "--grid", "10", "--out",
                                                      str(tmp_path / "figures")])


@pytest.mark.slow
def test_seven_agents_fit_in_four_gigabytes():
    """The case that grew to 22 GB: with a 4 GB address-space cap it answers."""
    import resource

    def cap():
        resource.setrlimit(resource.RLIMIT_AS, (4 * 1024**3, 4 * 1024**3))

    completed = subprocess.run([sys.executable, "-m", "pepcert", "rate", "--method", "cgd", "--agents", "7", "--mu", "0.1",
                                "--L", "1", "--delta", "0.5", "--eta", "0.3119506822796544", "--json"],
                               capture_output=True, text=True, preexec_fn=cap, timeout=300)
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["rho"] > 1  # CGD with 7 agents diverges at this step (instance-proven)


def test_a_childs_peak_memory_is_its_own():
    """The bench's memory figures come from children started by a large parent: ``ru_maxrss``
    keeps the parent's size at the fork on Linux, ``peak_resident_mb`` reads the child's own
    high-water mark (here the parent holds 320 MB; a bare child uses about 10 to 20 MB)."""
    import subprocess
    import sys

    import numpy as np

    held = np.ones(40_000_000)
    code = "from pepcert.pep.budget import peak_resident_mb; print(peak_resident_mb())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert held.sum() == 40_000_000 and 1 < float(out) < 150


def test_the_working_set_estimate_counts_its_rounds(capsys):
    """The Clarabel working set of pairs solves up to MAX_CUT_ROUNDS relaxations, then the whole
    problem; its estimate counts each (EF21's last gradient on nonconvex functions, N = 20: one
    solve estimated at 2.6 s, the run measured at 7 s; N = 40 took 377 s when one solve's 35.6 s
    was the estimate)."""
    from pepcert.pep.budget import nstep_work
    from pepcert.pep.conic_cuts import MAX_CUT_ROUNDS, ConicCutsNStep
    from pepcert.pep.problem import nstep_problem

    classes = ProblemClass(SmoothStronglyConvex(-1.0, 1.0), Contractive(0.5))
    problem = nstep_problem(BUILTIN_METHODS["ef21"](0.29), classes, 20, "gradient", "function")
    one = nstep_work(problem.trace, 20, omitted_rows=len(problem.trace.points) ** 2)  # fewer rows: the same seconds
    assert ConicCutsNStep().work(problem.trace, 20).seconds == (MAX_CUT_ROUNDS + 1) * one.seconds > 10
    argv = ["worst-case", "--method", "ef21", "--mu", "-1", "--L", "1", "--delta", "0.5", "--eta", "0.29", "-N", "20",
            "--measure", "gradient", "--initial", "function", "--budget-seconds", "10"]
    assert "over the budget of 10 s" in one_line_exit_2(capsys, argv)
