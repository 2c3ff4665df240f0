"""How many solves an answer costs (:func:`pepcert.pep.solvers.solve_accurately`), and the
large N-step problems' policy: one solve at 1e-8 without refinement, a second only when the
first stalls above ``LARGE_ACCEPT`` (docs/worst-case.md, "Clarabel and PEPit")."""

from __future__ import annotations

import math
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
    """EF's Lyapunov worst case on Clarabel at N = 20 whose first (unrefined) solve stalls above
    LARGE_ACCEPT: the scaling instance and the one-step bound to the power N close it at 1e-8,
    so no refined solve follows (it did before: 1 s more here, 19 s at N = 30). Without the
    chain (``finish`` never given) the refined solve is made.

    Where Clarabel's own run stops depends on the machine's floats (measured at its 31st
    iteration: residuals 1.3e-6 with AVX-512, 8.9e-7 with OpenBLAS's Haswell kernels, solved
    outright with its Sandybridge and Prescott ones), so the first solve is stopped after
    ``STALL_AFTER`` iterations: there its residuals are 2.4e-5 on every one of those (an
    interior-point iterate still far from the optimum has not yet met the rounding that
    differs), twenty times LARGE_ACCEPT and below the loosest rung, 1e-4."""
    from pepcert.pep import Contractive, ProblemClass, SmoothStronglyConvex, chain_bound, worst_case
    from pepcert.pep.algorithms import BUILTIN_METHODS

    calls = []
    solve = ClarabelSolver.solve

    def recorded(self, problem):
        if not self.tolerances.refine and problem.n_variables >= backends.LARGE_PROBLEM:
            self.max_iter = STALL_AFTER
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
    premise = not large[0][2] and 10 * backends.LARGE_ACCEPT < large[0][3] <= backends.LARGE_LADDER[-1] / 2
    assert premise, "the premise: the first solve stalls well above LARGE_ACCEPT, at a rung of the ladder"
    assert len(large) == 1
    assert result.tolerance <= 1e-8 and abs(result.value / rho**20 - 1) <= result.tolerance

    calls.clear()
    monkeypatch.setattr(chain_bound.Chain, "narrowed", lambda self, answer: answer)
    worst_case(BUILTIN_METHODS["ef"](eta), classes, 20, solver="clarabel")
    assert [call[0] for call in calls if call[1] >= backends.LARGE_PROBLEM] == [False, True]


STALL_AFTER = 20  # iterations of the first solve above (Clarabel's own run ends at its 31st)


def _panicking_problem():
    """A margin problem of three agents on which Clarabel 0.11 panics in a PSD cone's step
    length (``Eigval error: Eigen(1)``), captured from a run of the rate search."""
    from conftest import DATA
    from pepcert.pep.conic import ConicProblem, CSCMatrix

    data = np.load(DATA / "clarabel_panic_margin.npz")
    zero, nonneg, *psd = (int(v) for v in data["cones"])
    A = CSCMatrix(tuple(int(v) for v in data["shape"]), data["indptr"], data["indices"], data["data"])
    return ConicProblem(data["c"], A, data["b"], zero, nonneg, tuple(psd))


def _panic(module: str = "pyo3_runtime", name: str = "PanicException") -> type[BaseException]:
    """An exception type named as pyo3 names the one a Rust panic raises: a BaseException, not
    an Exception, of module ``pyo3_runtime`` (not importable, so matched by module and name)."""
    return type(name, (BaseException,), {"__module__": module})


def _panicking(monkeypatch, error: BaseException, times: float = math.inf) -> list[float]:
    """Clarabel's solver raising ``error`` on its first ``times`` solves (the real solver after);
    the gap asked of each solve, in order."""
    import clarabel

    real, gaps = clarabel.DefaultSolver, []

    class Panicking:
        def __init__(self, P, c, A, b, cones, settings):
            gaps.append(settings.tol_gap_abs)
            self.solver = real(P, c, A, b, cones, settings)

        def solve(self):
            if len(gaps) <= times:
                raise error
            return self.solver.solve()

    monkeypatch.setattr(clarabel, "DefaultSolver", Panicking)
    return gaps


def _small_lp():
    """min x subject to x >= 1: solved at any tolerance on any machine."""
    from pepcert.pep.conic import ConicProblem, CSCMatrix

    A = CSCMatrix((1, 1), np.array([0, 1]), np.array([0]), np.array([-1.0]))
    return ConicProblem(np.array([1.0]), A, np.array([-1.0]), 0, 1, ())


def test_a_solver_panic_is_a_failed_solve_not_a_crash(monkeypatch):
    """The panic reaches Python as a BaseException (not an Exception): unguarded it went past
    every ``except`` of the analyses and ended the command with a traceback. Whether Clarabel
    panics on a given problem depends on the machine's floats (``tests/data``'s problem panics
    at 1e-10 on the AVX-512 machine it was captured on and with OpenBLAS's Prescott kernels,
    not with its Haswell or Sandybridge ones), so the panic is raised here on purpose, of the
    type pyo3 raises (module and name: the real one cannot be imported)."""
    problem = _panicking_problem()
    _panicking(monkeypatch, _panic()("Eigval error: Eigen(1)"))
    solution = ClarabelSolver().solve(problem)
    assert solution.status == "failed" and solution.raw_status == "panicked (Eigval error: Eigen(1))"
    assert solution.residuals is None and np.isnan(solution.x).all() and len(solution.x) == problem.n_variables
    assert np.isnan(solution.y).all() and len(solution.y) == len(problem.b)
    # the ladder goes on: panics at 1e-10 and 1e-9, then Clarabel solves at 1e-8
    monkeypatch.undo()
    gaps = _panicking(monkeypatch, _panic()("Eigval error: Eigen(1)"), times=2)
    answer = solve_accurately(ClarabelSolver(), _small_lp())
    assert gaps == [1e-10, 1e-9, 1e-8] and answer.solved and answer.tolerance == 1e-8
    assert answer.objective == pytest.approx(1.0, abs=1e-8)


@pytest.mark.parametrize("error", [_panic("builtins"), _panic(name="PanicError"), KeyboardInterrupt, SystemExit,
                                   ValueError])
def test_any_other_exception_of_the_solver_propagates(monkeypatch, error):
    """Only pyo3's panic is a failed solve: an interrupt, an exit, or another type of the same
    name or module is not the solver's failure and goes on to the caller."""
    _panicking(monkeypatch, error("raised"))
    with pytest.raises(error):
        ClarabelSolver().solve(_small_lp())


def _kkt_error(problem, x: np.ndarray, z: np.ndarray) -> float:
    """The largest of the relative primal cone violation (``s = b - A x``), dual residual, dual
    cone violation and duality gap, computed here from the cones' eigenvalues (independently of
    :func:`pepcert.pep.solvers.residuals`, which trusts the iterate's own slack)."""
    from pepcert.pep.conic import smat, svec_length

    norm = lambda v: float(np.abs(v).max(initial=0.0))
    s = problem.b - problem.A @ x
    k = problem.zero + problem.nonneg
    s_off = [norm(s[: problem.zero]), -float(s[problem.zero : k].min(initial=0.0))]
    z_off = [-float(z[problem.zero : k].min(initial=0.0))]
    for n in problem.psd:
        block = slice(k, k + svec_length(n))
        s_off.append(-float(np.linalg.eigvalsh(smat(s[block]))[0]))
        z_off.append(-float(np.linalg.eigvalsh(smat(z[block]))[0]))
        k = block.stop
    pobj, dobj = float(problem.c @ x), -float(problem.b @ z)
    return max(max(s_off) / (1 + max(norm(problem.b), norm(x))),
               norm(problem.A.rmatvec(z) + problem.c) / (1 + max(norm(problem.c), norm(z))),
               max(z_off) / (1 + norm(z)),
               abs(pobj - dobj) / max(1.0, min(abs(pobj), abs(dobj))))


@pytest.mark.parametrize("gap", [1e-10, 1e-9, 1e-8])
def test_the_problem_clarabel_panicked_on_is_never_a_crash_nor_a_false_answer(gap):
    """Whatever Clarabel does on the stored problem at ``gap`` (a panic at 1e-10 and 1e-9 on the
    machine it was captured on and with OpenBLAS's Prescott kernels, an "almost solved" stop
    with its Haswell and Sandybridge ones; solved at 1e-8 on all, measured), the solve returns,
    and an answer is "solved" only where the optimality conditions, checked here, hold: to
    twice the tolerance, as Clarabel's stopping test adds an absolute and a relative term
    (measured: 3.6e-9 at most at 1e-8)."""
    from pepcert.pep.solvers import Tolerances

    problem = _panicking_problem()
    solution = ClarabelSolver(Tolerances(gap=gap, feasibility=gap)).solve(problem)
    if solution.raw_status.startswith("panicked"):
        assert solution.status == "failed" and solution.residuals is None and np.isnan(solution.x).all()
    elif solution.solved:
        assert _kkt_error(problem, solution.x, solution.y) <= 2 * gap
    answer = solve_accurately(ClarabelSolver(), problem, gaps=tuple(g for g in (1e-10, 1e-9, 1e-8) if g >= gap))
    if answer.solved:
        assert answer.tolerance >= gap and _kkt_error(problem, answer.x, answer.y) <= 2 * answer.tolerance
