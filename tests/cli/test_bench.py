"""``pepcert bench``: its baselines are right and its reporting is honest (no timings asserted)."""

from __future__ import annotations

from pepcert.analyses import tight_rate
from pepcert.cli import bench, bench_jobs
from pepcert.pep import Contractive, ProblemClass, SmoothStronglyConvex
from pepcert.pep.algorithms import error_feedback


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


def test_closed_forms_used_for_the_relative_error():
    # EF at its optimal step, mu = 0.1, L = 1, delta = 0.5 (Thomsen, Taylor & Dieuleveut 2025)
    assert abs(bench_jobs.ef_optimal_rate() - 0.939368196028) < 1e-11
    assert bench_jobs.pepit_models_path() is not None  # this is a source checkout


def test_muon_replay_figure_and_its_rational_baseline():
    """(g): the certificate holds at a short horizon, and the exact-rational baseline really is
    the growing one: beta = 99/100 adds log2(100) = 6.64 bits to the denominators a step."""
    import math

    from pepcert.cli.bench_muon import bench_muon, format_muon

    report = bench_muon(300, 300)
    assert report["certify"]["certified"] is True
    bits = report["baseline"]["denominator_bits"]
    assert abs(bits / 300 - math.log2(100)) < 0.1
    lines = format_muon({"muon": report})
    assert lines[0].startswith("(g) Muon exact replay") and "x" in lines[2]
