"""How many solves an answer costs (:func:`pepcert.pep.solvers.solve_accurately`), and the
large N-step problems' policy: one solve at 1e-8 without refinement, a second only when the
first stalls above ``LARGE_ACCEPT`` (docs/worst-case.md, "Clarabel and PEPit")."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pytest

from pepcert.pep import backends
from pepcert.pep.conic import ConicSolution
from pepcert.pep.solvers import HIGH_ACCURACY, ClarabelSolver, solve_accurately


def _scripted(residuals: list[float]):
    """A back-end class whose n-th solve stalls ("AlmostSolved") with residuals ``residuals[n]``;
    every call's (gap, refine) is recorded on the class."""

    class Scripted:
        name = "scripted"
        calls: ClassVar[list[tuple[float, bool]]] = []

        def __init__(self, tolerances=HIGH_ACCURACY):
            self.tolerances = tolerances

        def solve(self, problem):
            Scripted.calls.append((self.tolerances.gap, self.tolerances.refine))
            r = residuals[len(Scripted.calls) - 1]
            return ConicSolution("inaccurate", np.zeros(1), np.zeros(1), 0.0, self.name, 0.0, 1, "AlmostSolved",
                                 residuals=(r, r, r))

    return Scripted


def test_an_answer_meeting_accept_is_kept_without_a_second_solve():
    backend = _scripted([5e-7, 1e-9])
    solution = solve_accurately(backend(), None, gaps=backends.LARGE_LADDER, refine_first=False, max_solves=2,
                                accept=1e-6)
    assert backend.calls == [(1e-8, False)]
    assert solution.solved and solution.tolerance == 1e-6


def test_without_accept_the_ladder_tries_again_and_keeps_the_better():
    backend = _scripted([5e-7, 5e-9])
    solution = solve_accurately(backend(), None, gaps=backends.LARGE_LADDER, refine_first=False, max_solves=2)
    assert backend.calls == [(1e-8, False), (1e-8, True)]
    assert solution.solved and solution.tolerance == 1e-7  # a stall is credited a rung above its gap


def test_a_stall_above_accept_gets_the_refined_solve():
    backend = _scripted([3e-6, 5e-9])
    solution = solve_accurately(backend(), None, gaps=backends.LARGE_LADDER, refine_first=False, max_solves=2,
                                accept=1e-6)
    assert backend.calls == [(1e-8, False), (1e-8, True)]
    assert solution.tolerance == 1e-7


@pytest.mark.parametrize("N, large", [(3, False), (15, True)])
def test_the_conic_n_step_path_solves_large_problems_once_at_1e_8(N, large, monkeypatch):
    """EF's Lyapunov worst case on Clarabel: N = 15 is a large problem (one unrefined solve at
    1e-8 that meets LARGE_ACCEPT, measured); N = 3 keeps the 1e-10 ladder. Both values stay
    within their reported tolerance of rho*^N."""
    from pepcert.pep import Contractive, ProblemClass, SmoothStronglyConvex, worst_case
    from pepcert.pep.algorithms import BUILTIN_METHODS

    calls = []
    solve = ClarabelSolver.solve

    def recorded(self, problem):
        calls.append((self.tolerances.gap, self.tolerances.refine, problem.n_variables))
        return solve(self, problem)

    monkeypatch.setattr(ClarabelSolver, "solve", recorded)
    mu, L, delta = 0.1, 1.0, 0.5
    s = (1 - delta) ** 0.5
    eta = 2 / (L + mu) * (1 - s) / (1 + s)
    rho = ((abs((1 - s) - eta * mu * (1 + s)) + ((1 - s - eta * mu * (1 + s)) ** 2 + 4 * s) ** 0.5) / 2) ** 2
    result = worst_case(BUILTIN_METHODS["ef"](eta), ProblemClass(SmoothStronglyConvex(mu, L), Contractive(delta)), N,
                        solver="clarabel")
    assert abs(result.value / rho**N - 1) <= result.tolerance
    if large:  # one solve of the N-step problem; then only the small one-step problem of the chained bound
        assert calls[0] == (1e-8, False, calls[0][2]) and calls[0][2] >= backends.LARGE_PROBLEM
        assert all(size < backends.LARGE_PROBLEM for _, _, size in calls[1:])
    else:
        assert calls[0][:2] == (1e-10, True) and calls[0][2] < backends.LARGE_PROBLEM


def _staged(monkeypatch, residuals: list[float], settles):
    """``ConicNStep._solution`` on a large problem whose solves stall at ``residuals``, asked
    whether a first answer settles it by ``settles``; the calls (gap, refine) made."""
    backend = _scripted(residuals)
    monkeypatch.setattr(backends, "get_solver", lambda name: backend())
    large = type("Large", (), {"n_variables": backends.LARGE_PROBLEM})()
    solution = backends.ConicNStep("clarabel")._solution(large, settles)
    return solution, backend.calls


def test_a_stall_the_caller_settles_gets_no_second_solve(monkeypatch):
    asked = []
    solution, calls = _staged(monkeypatch, [3e-6, 5e-9], lambda first: asked.append(first) or True)
    assert calls == [(1e-8, False)] and len(asked) == 1
    assert solution.solved and solution.tolerance == 1e-5


@pytest.mark.parametrize("settles", [None, lambda first: False])
def test_a_stall_not_settled_gets_the_refined_solve(monkeypatch, settles):
    solution, calls = _staged(monkeypatch, [3e-6, 5e-9], settles)
    assert calls == [(1e-8, False), (1e-8, True)]
    assert solution.tolerance == 1e-7


def test_the_better_of_two_stalls_is_kept(monkeypatch):
    solution, _ = _staged(monkeypatch, [3e-6, 3e-5], lambda first: False)
    assert solution.tolerance == 1e-5


def test_the_caller_is_asked_only_about_an_answer_that_meets_a_rung(monkeypatch):
    asked = []
    _, calls = _staged(monkeypatch, [1.0, 5e-9], lambda first: asked.append(first) or True)
    assert calls == [(1e-8, False), (1e-8, True)] and asked == []


def test_the_one_step_bound_spares_ef_at_twenty_steps_its_refined_solve(monkeypatch):
    """EF's Lyapunov worst case on Clarabel at N = 20: the first (unrefined) solve stalls at
    residuals 1.3e-6, above LARGE_ACCEPT (measured); the scaling instance and the one-step bound
    to the power N close it at 1e-8, so no refined solve follows (it did before: 1 s more here,
    19 s at N = 30). Without the chain (``finish`` never given) the refined solve is made."""
    from pepcert.pep import Contractive, ProblemClass, SmoothStronglyConvex, chain_bound, worst_case
    from pepcert.pep.algorithms import BUILTIN_METHODS

    calls = []
    solve = ClarabelSolver.solve

    def recorded(self, problem):
        solution = solve(self, problem)
        residual = max(solution.residuals) if solution.residuals else 0.0
        calls.append((self.tolerances.refine, problem.n_variables, solution.solved, residual))
        return solution

    monkeypatch.setattr(ClarabelSolver, "solve", recorded)
    mu, L, delta = 0.1, 1.0, 0.5
    s = (1 - delta) ** 0.5
    eta = 2 / (L + mu) * (1 - s) / (1 + s)
    rho = ((abs((1 - s) - eta * mu * (1 + s)) + ((1 - s - eta * mu * (1 + s)) ** 2 + 4 * s) ** 0.5) / 2) ** 2
    classes = ProblemClass(SmoothStronglyConvex(mu, L), Contractive(delta))
    result = worst_case(BUILTIN_METHODS["ef"](eta), classes, 20, solver="clarabel")
    large = [call for call in calls if call[1] >= backends.LARGE_PROBLEM]
    assert not large[0][2] and large[0][3] > backends.LARGE_ACCEPT, "the premise: the first solve stalls"
    assert len(large) == 1
    assert result.tolerance <= 1e-8 and abs(result.value / rho**20 - 1) <= result.tolerance

    calls.clear()
    monkeypatch.setattr(chain_bound.Chain, "narrowed", lambda self, answer: answer)
    worst_case(BUILTIN_METHODS["ef"](eta), classes, 20, solver="clarabel")
    assert [call[0] for call in calls if call[1] >= backends.LARGE_PROBLEM] == [False, True]


def _panicking_problem():
    """A margin problem of three agents on which Clarabel 0.11 panics in a PSD cone's step
    length (``Eigval error: Eigen(1)``), captured from a run of the rate search."""
    from conftest import DATA
    from pepcert.pep.conic import ConicProblem, CSCMatrix

    data = np.load(DATA / "clarabel_panic_margin.npz")
    zero, nonneg, *psd = (int(v) for v in data["cones"])
    A = CSCMatrix(tuple(int(v) for v in data["shape"]), data["indptr"], data["indices"], data["data"])
    return ConicProblem(data["c"], A, data["b"], zero, nonneg, tuple(psd))


def test_a_solver_panic_is_a_failed_solve_not_a_crash():
    """The panic reaches Python as a BaseException (not an Exception): unguarded it went past
    every ``except`` of the analyses and ended the command with a traceback."""
    problem = _panicking_problem()
    solution = ClarabelSolver().solve(problem)
    assert solution.status == "failed" and solution.raw_status.startswith("panicked (Eigval error")
    assert solution.residuals is None and np.isnan(solution.x).all() and len(solution.x) == problem.n_variables
    # the ladder goes on: at 1e-10 and 1e-9 it panics, at 1e-8 Clarabel solves it (measured)
    answer = solve_accurately(ClarabelSolver(), problem)
    assert answer.solved and answer.tolerance == 1e-8
