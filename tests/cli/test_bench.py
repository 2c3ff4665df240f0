"""``pepcert bench``: its baselines are right and its reporting is honest (no timings asserted)."""

from __future__ import annotations

import re

import pytest

from pepcert.analyses import tight_rate
from pepcert.cli import bench, bench_jobs
from pepcert.pep import Contractive, ProblemClass, SmoothStronglyConvex
from pepcert.pep.algorithms import error_feedback
from pepcert.pep.errors import BadInput


def test_cvxpy_baseline_computes_the_same_rate():
    classes = ProblemClass(SmoothStronglyConvex(0.1, 1.0), Contractive(0.5))
    method = error_feedback(0.2)
    assert abs(bench_jobs.cvxpy_bisection_rate(method, classes) - tight_rate(method, classes).rho) <= 5e-6


def test_compiled_cvxpy_baseline_and_the_floor_solve_the_same_problem():
    """(b): cvxpy compiled once (rho a Parameter) bisects to the same rate; the floor solves the
    very problem tight_rate recorded, and Clarabel alone finds it solved."""
    from pepcert.cli.bench_rates import cvxpy_compiled_rate, settings
    from pepcert.papers.ttd25.bench import ef_momentum, heavy_ball
    from pepcert.pep.solvers import ClarabelSolver, recording

    classes = ProblemClass(SmoothStronglyConvex(0.1, 1.0), Contractive(0.5))
    method = error_feedback(0.2)
    with recording() as problems:
        rho = tight_rate(method, classes).rho
    assert abs(cvxpy_compiled_rate(method, classes) - rho) <= 5e-6
    assert problems and str(ClarabelSolver().bare_solve(problems[0]).status) == "Solved"
    labels = [label for label, _, _ in settings()]
    assert {heavy_ball(0.2, 0.3).name, ef_momentum(0.2, 0.3).name} <= {label.split()[0] for label in labels}


def test_pepit_baseline_unavailable_outside_a_source_checkout(monkeypatch):
    monkeypatch.setattr(bench_jobs, "pepit_models_path", lambda: None)
    report = bench._worst_cases((), 1.0, pepit=True)
    assert report["pepit"] == "PEPit baseline unavailable (not a source checkout)"


def test_runs_past_the_cap_are_reported_as_not_run():
    rows = bench_jobs.worst_case_series("pepcert", "clarabel", (10, 50), cap=0.01)
    assert [row["N"] for row in rows] == [10, 50]
    assert all(row["not_run"] == "> 0.01 s at N = 10" for row in rows)


def test_throughput_rates_rows_of_the_figure_itself(monkeypatch):
    """(d) rates whole rows of Fig. 1 (its 200 steps, exactly its values, at once), not a small
    grid whose rows are too short to share a structure's first build and trace."""
    import pepcert.analyses.rates as rates
    from pepcert.papers.figures.ttd25_fig1 import axes_values

    calls = []
    monkeypatch.setattr(rates, "tight_rates", lambda methods, classes: calls.append((methods, classes)) or [])
    report = bench_jobs.bench_throughput(2)
    assert len(calls) == 6 and (report["rows"], report["steps"], report["rates"]) == (6, 200, 1200)
    figure_steps = [float(e) for e in axes_values(200)[1]]
    assert all([m.parameters["eta"] for m in methods] == figure_steps for methods, _ in calls)
    assert [round(1 - classes.compressor.delta, 12) for _, classes in calls[:2]] == [0.01, 0.99]


def test_closed_forms_used_for_the_relative_error():
    # EF at its optimal step, mu = 0.1, L = 1, delta = 0.5 (Thomsen, Taylor & Dieuleveut 2025)
    assert abs(bench_jobs.ef_optimal_rate() - 0.939368196028) < 1e-11
    assert bench_jobs.pepit_models_path() is not None  # this is a source checkout


def test_muon_replay_figure_and_its_rational_baseline():
    """(g): the certificate holds at a short horizon, and the exact-rational baseline really is
    the growing one: beta = 99/100 adds log2(100) = 6.64 bits to the denominators a step."""
    import math

    from pepcert.cli.bench_muon import bench_muon
    from pepcert.cli.bench_report import muon_lines

    report = bench_muon(300, 300)
    assert report["certify"]["certified"] is True
    bits = report["baseline"]["denominator_bits"]
    assert abs(bits / 300 - math.log2(100)) < 0.1
    lines = muon_lines({"muon": report})
    assert lines[0].startswith("(g) Muon exact replay") and "x" in lines[2]


# -- presentation: the text report and --markdown, from fake reports (nothing measured) -----

_RUN = {"seconds": 1.5, "value": 0.5, "tolerance": 1e-9, "peak_mb": 160.0, "relative_error": -1e-15}
FULL = {
    "machine": "load average 0.58, 0.70, 0.80 (1, 5, 15 min) on 2 cores",
    "startup": {"python_seconds": 0.04, "version_seconds": 0.05, "rate_seconds": 0.25, "eager_import_seconds": 1.5},
    "rate": {"settings": 9, "pepcert_median_ms": 2.4, "pepcert_median_cpu_ms": 2.3, "bare_solver_median_ms": 0.8,
             "cvxpy_compiled_median_ms": 48.0, "cvxpy_bisection_median_ms": 389.0, "speedup_median": 160.0,
             "max_disagreement": 2.9e-6},
    "worst_case": {
        "pepcert_lowrank": [{"N": 10, **_RUN, "seconds": 0.2}, {"N": 50, **_RUN}, {"N": 100, **_RUN, "seconds": 7.6}],
        "pepcert_clarabel": [{"N": 10, **_RUN, "seconds": 0.4}, {"N": 50, "not_run": "> 60 s at N = 50"},
                             {"N": 100, "not_run": "> 60 s at N = 50"}],
        "pepit_clarabel": [{"N": 10, "seconds": 2.2, "value": 0.5, "relative_error": 3e-9},
                           {"N": 50, "not_run": "> 60 s at N = 50"}, {"N": 100, "not_run": "> 60 s at N = 50"}],
        "pepit_scs": [{"N": 10, "error": "SCS failed"}, {"N": 50, "not_run": "> 60 s at N = 50"},
                      {"N": 100, "not_run": "> 60 s at N = 50"}],
    },
    "throughput": {"rates": 3000, "rows": 15, "steps": 200, "seconds": 7.6, "rates_per_second": 397.0, "failures": 0},
    "agents": [{"agents": n, "method": m, "family": f, "median_ms": 10.0 * n, "rho": 0.9, "tight": True}
               for n in (2, 4) for m in ("a", "b") for f in ("paper", "full")],
    "figure": {"seconds": 150.0, "workers": 2, "grid": 200, "analyses": 120150,
               "checks": {"failed_points": 0.0, "not_tight_rho_lt_1": 0.0}},
    "agents_scaling": [{"agents": n, "method": m, "family": "paper", "median_ms": 5.0 * n, "width": 0.0, "tight": True,
                        **({"whole_ms": 50.0 * n, "whole_width": 0.0, "whole_tight": True} if n == 16 else {})}
                       for n in (16, 64) for m in ("a", "b")]
    + [{"agents": 8, "groups": 2, "method": m, "family": "full", "median_ms": 20.0, "width": 2e-6, "tight": False,
        "whole_ms": 400.0, "whole_width": 0.0, "whole_tight": True} for m in ("a", "b")],
    "agents_memory": {"agents": 64, "family": "paper", "peak_bytes": {"a": 5e8, "b": 4e8}},
    "saq": {"iterations": 5000, "workers": 6, "setup_seconds": 0.8, "total_seconds": 5.2,
            "runs": [{"method": "m", "seconds": 1.0, "final_error": 1e-3}]},
    "muon": {"iterations": 100_000, "certify": {"seconds": 9.7, "cpu_seconds": 7.2, "certified": True, "peak_mb": 134.0,
                                                "lower_bound": 0.005},
             "baseline_iterations": 20_000, "baseline": {"rational_cpu": 4.07, "enclosure_cpu": 0.29,
                                                         "denominator_bits": 132_879}},
    "sublinear": {"gd-convex": {"rows": [{"N": 50, "pepcert": {**_RUN, "seconds": 4.3}, "pepit": {"seconds": 30.0, "value": 0.5},
                                          "relative_difference": 1e-8, "relative_error_drori_teboulle": 1e-8},
                                         {"N": 100, "pepcert": {**_RUN}, "pepit": {"not_run": "> 60 s"}}]},
                  "gd-nonconvex": {"rows": [{"N": 500, "pepcert": {**_RUN, "seconds": 1.6},
                                             "pepit": {"not_run": "only to N = 50"}, "relative_error_closed_form": -2.6e-10}]}},
    "nstep": {"goal": {"N": 500, "seconds": 60.0},
              "methods": {"m": {"default": [{"N": 100, **_RUN, "solver": "clarabel-chordal"},
                                            {"N": 500, **_RUN, "seconds": 6.8, "solver": "clarabel-chordal"}],
                                "lowrank": [{"N": 100, **_RUN, "seconds": 50.0, "solver": "lowrank"},
                                            {"N": 500, "not_run": "> 60 s at N = 200"}]}}},
    "machine_after": "load average 1.08, 0.80, 0.80 (1, 5, 15 min) on 2 cores",
    "versions": {"Python": "3.11.7", "pepcert": "0.1.0", "PEPit": "0.5.1"},
}
#: What a run of an older or a partial bench gives: sections missing, others of another shape.
PARTIAL = {"machine": "load average unavailable", "startup": {"python_seconds": 0.05}, "rate": [],
           "worst_case": {"pepit": "skipped (--skip-pepit)", "pepcert_lowrank": [{"N": 10}, "garbage"]},
           "throughput": {"rates": 9, "rates_per_second": "fast"}, "agents": [], "saq": {"seconds": 1.0},
           "muon": {"seconds": 1.0}, "sublinear": {"gd-convex": {"rows": [{"N": 50, "pepcert": {"error": "boom"}}]}}}


def _cells(line: str) -> list[str]:
    """A Markdown table row's cells (``\\|`` is a pipe inside a cell)."""
    assert line.startswith("| ") and line.endswith(" |"), line
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", line[1:-1])]


def check_markdown_table(text: str) -> list[list[str]]:
    """``text`` starts with one well-formed Markdown table (header, separator, rows of as many
    cells) followed by a paragraph; returns the rows' cells."""
    from pepcert.cli.bench_markdown import HEADER

    table, _, rest = text.partition("\n\n")
    lines = table.splitlines()
    assert _cells(lines[0]) == list(HEADER)
    assert lines[1] == "|" + "---|" * len(HEADER)
    rows = [_cells(line) for line in lines[2:]]
    assert rows and all(len(row) == len(HEADER) for row in rows)
    assert all(row[0] or row[1] or row[2] for row in rows)  # no empty row
    assert "load average" in rest and "|" not in rest.strip()
    return rows


def test_markdown_is_one_well_formed_table_with_every_figure():
    from pepcert.cli.bench_markdown import markdown

    text = markdown(FULL, {"quick": False, "cap": 60.0})
    rows = check_markdown_table(text)
    firsts = " ".join(row[0] for row in rows)
    for figure in ("--version", "one tight rate", "N = 10", "N = 50", "N = 100", "throughput", "2 agents",
                   "4 agents", "saq", "Muon", "Lyapunov worst case, N = 500", "Fig. 1 whole", "64 identical agents",
                   "peak memory, 64 agents", "8 agents in 2 groups (A, B; full family alone"):
        assert figure in firsts, figure
    grouped = next(row for row in rows if "in 2 groups" in row[0])
    assert grouped[1] == "20 ms, 0 of 2 tight, widest bracket 2.0e-06" and grouped[3] == "20x faster", grouped
    assert "goal" not in text.lower() and "not measured" not in text
    by_baseline = {row[2].split(":")[0]: row[3] for row in rows}
    assert by_baseline["one bare Clarabel solve of the same conic problem"] == "3.0x slower"  # 2.4 ms against 0.8
    assert by_baseline["cvxpy rebuilt at every bisection step, to 1e-6"] == "162x faster"  # 389 / 2.4
    assert by_baseline["the throughput row, one process, extrapolated"] == "2.0x faster"  # 120000 / 397 s against 150 s
    assert next(row for row in rows if "16 identical agents" in row[0])[3] == "10x faster"  # 800 ms against 80 ms
    capped = next(row for row in rows if "N = 50" in row[0] and "rho" in row[0])
    assert "PEPit + Clarabel, PEPit + SCS, pepcert on Clarabel: not run (> 60 s at N = 50)" in capped[2]
    assert capped[3] == "> 40x faster"  # at least 60 s against 1.5 s
    parity = next(row for row in rows if "on Clarabel, N = 10" in row[0])
    assert parity[2].startswith("PEPit + Clarabel: 2.20 s") and parity[3] == "5.5x faster"  # 2.2 s against 0.4 s
    assert not any("on Clarabel, N = 50" in row[0] for row in rows)  # neither ran
    closed = next(row for row in rows if row[0].startswith("gradient descent nonconvex") and "N = 500" in row[0])
    assert closed[2] == "PEPit + Clarabel: not run (only to N = 50); pepcert against 4L/(3N + 2): -2.6e-10"
    assert closed[3] == ""  # no cap, so no ratio
    assert "load average 0.58 (1 min) on 2 cores at the start, 1.08 (1 min) at the end" in text
    assert "PEPit 0.5.1" in text


def test_markdown_and_text_say_not_measured_for_what_a_run_lacks():
    from pepcert.cli.bench_markdown import markdown
    from pepcert.cli.bench_report import text

    for report in ({}, PARTIAL):
        rows = check_markdown_table(markdown(report))
        assert any(row[1] == "not measured" for row in rows)
        lines = text(report)
        assert lines[0].startswith("machine:") and any("not measured" in line for line in lines)
    rows = check_markdown_table(markdown(PARTIAL))
    assert ["not measured" in row[2] for row in rows if "bare Clarabel" in row[2]] == [True]


def test_text_report_states_figures_and_baselines_not_goals():
    from pepcert.cli.bench_report import text

    lines = text(FULL)
    assert not [line for line in lines if "goal" in line.lower()]
    joined = "\n".join(lines)
    assert "cvxpy rebuilt each bisection step    389.0 ms   (162x faster)" in joined
    assert "pepcert against 4L/(3N + 2): -2.6e-10" in joined
    assert "not measured" not in joined


def test_bench_prints_markdown_or_text_from_one_report(monkeypatch, capsys):
    """``--markdown`` and the text come from the same report; they exclude ``--json``."""
    import argparse

    monkeypatch.setattr(bench, "_startup", lambda repeat: FULL["startup"])
    from pepcert.cli import bench_rates

    monkeypatch.setattr(bench_rates, "bench_tight_rates", lambda repeat: {"rows": {}})
    monkeypatch.setattr(bench, "_worst_cases", lambda sizes, cap, pepit: FULL["worst_case"])
    monkeypatch.setattr(bench_jobs, "bench_throughput", lambda n: FULL["throughput"])
    from pepcert.cli import bench_agents, bench_muon, bench_saq
    from pepcert.papers import sublinear_bench

    monkeypatch.setattr(bench_agents, "bench_agents", lambda repeat, quick=False: {"agents": FULL["agents"]})
    monkeypatch.setattr(bench_saq, "bench_saq", lambda iterations: FULL["saq"])
    monkeypatch.setattr(bench_muon, "bench_muon", lambda T, rational: FULL["muon"])
    monkeypatch.setattr(sublinear_bench, "bench_sublinear", lambda run, cap, pepit, quick: FULL["sublinear"])
    from pepcert.papers.ttd25 import nstep_bench

    monkeypatch.setattr(nstep_bench, "bench_nstep", lambda run, cap, quick: FULL["nstep"])
    args = argparse.Namespace(repeat=1, quick=True, cap=5.0, skip_pepit=True, json=False, markdown=True)
    assert bench.run(args) == 0
    check_markdown_table(capsys.readouterr().out)
    args.markdown = False
    assert bench.run(args) == 0
    assert capsys.readouterr().out.startswith("machine: load average")
    args.json = args.markdown = True
    with pytest.raises(BadInput, match="--markdown and --json"):
        bench.run(args)


def test_the_rates_table_names_cvxpy_answers_below_the_proven_lower_bound():
    from pepcert.cli.bench_rates import format_tight_rates

    row = {"pepcert_cpu_ms": 1.5, "floor_cpu_ms": 0.5, "ratio": 3.0, "solves": 1, "cvxpy_compiled_ms": 60.0,
           "cvxpy_rebuilt_ms": 400.0}
    report = {"rows": {"HB eta=0.2 beta=0.3": row, "EF eta=0.2": row}, "median_ratio": 3.0,
              "median_ratio_one_solve": 3.0, "cvxpy_compiled_over_pepcert": 40.0, "cvxpy_rebuilt_over_pepcert": 266.0,
              "max_disagreement": 1.1e-4}
    assert not any("below the proven" in line for line in format_tight_rates({"tight_rates": report}))
    lines = format_tight_rates({"tight_rates": {**report, "cvxpy_below_lower": ["HB eta=0.2 beta=0.3"]}})
    assert lines[-1].endswith("below the proven lower bound (a worst instance's rate) at: HB eta=0.2 beta=0.3")
