"""The chordal N-step path without a linear rate (issue 21, item 2): the smallest gradient norm
on L-smooth nonconvex functions, closed by the relaxation's primal point completed off the
chordal pattern, and the two forms of that completion.

References: Clarabel on the full problem (every pair, one dense PSD block); for gradient descent
at step 1/L its values ``4 L (f(x_0) - f*) / (3N + 2)`` (the full problem gives them to 3e-10 at
N = 1..12, measured); the completion of largest determinant by its defining property (its
inverse vanishes off the pattern) and by its unit-triangular form; Drori & Teboulle's L/(4N + 2). Not timed:
the speed is measured by ``pepcert bench``."""

from __future__ import annotations

import numpy as np
import pytest

from pepcert.papers.theorems.sublinear import ef21_theorem_step, gradient_descent
from pepcert.pep import Contractive, ProblemClass, chordal_nstep, worst_case
from pepcert.pep.algorithms import compressed_gradient_descent, ef21
from pepcert.pep.backends import (
    CHORDAL_FROM,
    CUTS_UNTIL,
    SUBLINEAR_CHORDAL_LOOSEST,
    WORST_CASE_LADDER,
    nstep_backends,
)
from pepcert.pep.chordal_nstep import chordal_worst_case
from pepcert.pep.errors import SolverFailure
from pepcert.pep.functions import smooth_convex, smooth_nonconvex
from pepcert.pep.iterate_basis import chordal_cliques, factor_completion, max_det_completion, pattern_parents
from pepcert.pep.problem import nstep_problem

NONCONVEX = ProblemClass(smooth_nonconvex(1.0), Contractive(0.5))
STEP = ef21_theorem_step(1.0, 0.5)
METHODS = {"EF21": (ef21(STEP), NONCONVEX), "CGD": (compressed_gradient_descent(STEP), NONCONVEX),
           "GD": (gradient_descent(1.0), ProblemClass(smooth_nonconvex(1.0)))}


def _chordal_min_gradient(name: str, iterations: int):
    method, classes = METHODS[name]
    problem = nstep_problem(method, classes, iterations, measure="min-gradient", initial="function")
    return chordal_worst_case(problem.trace, problem.first, problem.tracked[-1], problem.marks, iterations,
                              WORST_CASE_LADDER, minimum=problem.tracked)


@pytest.mark.parametrize("name", sorted(METHODS))
def test_the_smallest_gradient_on_nonconvex_functions_is_the_full_problems(name):
    """Forced through the chordal path at N = 12, every measure ``||grad f(x_k)||^2`` a row
    ``tau <= measure_k``: the completed point satisfies every omitted pair and its value is
    Clarabel's on every pair, within both tolerances; the dual bound is above it."""
    value, gram, _, tolerance, upper, closed = _chordal_min_gradient(name, 12)
    method, classes = METHODS[name]
    full = worst_case(method, classes, 12, measure="min-gradient", initial="function", solver="clarabel")
    assert closed == "feasible point" and tolerance <= 1e-6
    assert abs(value / full.value - 1) <= tolerance + full.tolerance and upper >= value * (1 - tolerance)
    assert np.linalg.eigvalsh(gram)[0] >= -1e-9 * np.abs(gram).max()


def test_gradient_descent_at_100_steps_is_the_closed_form_by_default():
    """The default path from CHORDAL_FROM steps on: N = 100 (the full problem on every pair is
    a 10,000-pair problem), the value within its tolerance of 4/(3N + 2), at 1e-8 or better."""
    method, classes = METHODS["GD"]
    result = worst_case(method, classes, 100, measure="min-gradient", initial="function")
    assert result.solver == "clarabel-chordal" and result.tolerance <= 1e-8
    assert abs(result.value * (3 * 100 + 2) / 4 - 1) <= result.tolerance


def test_the_sublinear_order_puts_the_chordal_path_first_and_keeps_its_answers_to_1e_5(monkeypatch):
    """Below CHORDAL_FROM the working set of pairs as before; from it on the chordal path
    first, refusing answers looser than 1e-5 up to CUTS_UNTIL steps (the whole ladder beyond,
    where the low-rank method is next): gradient descent's ``f - f*`` on convex functions
    at N = 34 with the objective left at scale 1 (1e-4 through the chordal path, 1.2e-5 from
    the value) is answered by the working set of pairs at 1e-6, within that of Drori &
    Teboulle's L/(4N + 2)."""
    monkeypatch.setattr(chordal_nstep, "_objective_factors", lambda value: [])
    method, classes = METHODS["GD"]
    problem = nstep_problem(method, classes, CHORDAL_FROM, measure="min-gradient", initial="function")
    names = [b.name for b in nstep_backends(None, problem.trace, "min", CHORDAL_FROM)]
    assert names[0] == "clarabel-chordal" and "clarabel-chordal" not in [
        b.name for b in nstep_backends(None, problem.trace, "min", CHORDAL_FROM - 1)]
    beyond = nstep_problem(method, classes, CUTS_UNTIL + 1, measure="min-gradient", initial="function")
    loosest = [b.loosest for b in nstep_backends(None, beyond.trace, "min", CUTS_UNTIL + 1) if b.name == "clarabel-chordal"]
    assert loosest == [WORST_CASE_LADDER[-1]] and [b.loosest for b in nstep_backends(None, problem.trace, "min", CHORDAL_FROM)
                                                   if b.name == "clarabel-chordal"] == [SUBLINEAR_CHORDAL_LOOSEST]
    result = worst_case(gradient_descent(1.0), ProblemClass(smooth_convex(1.0)), 34, measure="function",
                        initial="distance")
    assert result.solver == "clarabel" and result.tolerance <= 1e-6
    assert abs(result.value * (4 * 34 + 2) - 1) <= result.tolerance


def _banded(n: int, width: int):
    cliques = chordal_cliques(n, [list(range(k, min(k + width, n))) for k in range(n - 1)])
    mask = np.zeros((n, n), dtype=bool)
    for clique in cliques:
        mask[np.ix_(clique, clique)] = True
    return cliques, mask


def test_the_factor_completion_keeps_the_pattern_and_is_the_one_of_largest_determinant():
    """On a positive definite partial matrix (banded, 30 x 30) the factor completion agrees with
    the pattern, its inverse vanishes off the pattern (the max-det optimality condition), and it
    is the unit-triangular form's matrix; on a rank-2 one it keeps the pattern and stays PSD."""
    rng = np.random.default_rng(7)
    n = 30
    cliques, mask = _banded(n, 3)
    higher = pattern_parents(n, cliques)
    V = rng.standard_normal((n, n))
    X = V @ V.T + n * np.eye(n)
    Y = factor_completion(np.where(mask, X, 0.0), higher)
    assert np.abs((Y - X)[mask]).max() <= 1e-12 * np.abs(X).max()
    assert np.abs(np.linalg.inv(Y)[~mask]).max() <= 1e-12 * np.abs(np.linalg.inv(Y)).max()
    assert np.abs(Y - max_det_completion(np.where(mask, X, 0.0), higher)).max() <= 1e-12 * np.abs(X).max()
    W = rng.standard_normal((n, 2))
    low = W @ W.T
    Z = factor_completion(np.where(mask, low, 0.0), higher)
    assert np.abs((Z - low)[mask]).max() <= 1e-10 * np.abs(low).max()
    assert np.linalg.eigvalsh(Z)[0] >= -1e-10 * np.abs(low).max()


def test_where_the_max_det_form_loses_the_working_set_the_factor_form_closes():
    """Gradient descent's ``f(x_N) - f*`` on convex functions, N = 20, forced through the chordal
    path: the triangular form violates the working set's own rows by 2e5, the factor form keeps
    them and meets every omitted pair; the value is within its tolerance of Drori & Teboulle's
    L/(4N + 2)."""
    problem = nstep_problem(gradient_descent(1.0), ProblemClass(smooth_convex(1.0)), 20, measure="function",
                            initial="distance")
    value, _, _, tolerance, upper, closed = chordal_worst_case(
        problem.trace, problem.first, problem.tracked[-1], problem.marks, 20, WORST_CASE_LADDER)
    assert closed == "feasible point" and abs(value * (4 * 20 + 2) - 1) <= tolerance <= 1e-5
    assert upper >= value * (1 - tolerance)



@pytest.mark.parametrize(("iterations", "tolerance", "error"), [(100, 1e-6, 1e-7), (200, 1e-5, 1e-6)])
def test_gradient_descent_on_convex_functions_is_drori_and_teboulles_by_default(iterations, tolerance, error):
    """``f(x_N) - f*`` on convex functions by default: the chordal path closes only with the
    objective (1/(4N + 2) beside rows of unit norm) rescaled, at N = 100 multiplied to about 10,
    at N = 200 to about 1; at scale 1 the completed point violates the working set (measured:
    before, the low-rank method answered N = 100 at 1e-5, 8e-6 from the value, and failed at
    N = 200 after 71 s). Within its tolerance of L/(4N + 2) (measured 3.3e-9 and -9.6e-8)."""
    result = worst_case(gradient_descent(1.0), ProblemClass(smooth_convex(1.0)), iterations, measure="function",
                        initial="distance")
    assert result.solver == "clarabel-chordal" and result.tolerance <= tolerance
    assert abs(result.value * (4 * iterations + 2) - 1) <= min(result.tolerance, error)


@pytest.mark.parametrize(("name", "iterations", "kept"), [("CGD", 50, 1e-7), ("EF21", 200, 1e-6)])
def test_of_the_scales_tried_the_tightest_answer_is_kept(name, iterations, kept):
    """The smallest gradient norm on nonconvex functions: compressed gradient at N = 50 closes at
    1e-7 at scale 1 and looser rescaled (the first answer is kept); EF21 at N = 200 at 1e-5 at
    scale 1 and at 1e-6 with the objective multiplied to about 1 (that one is kept). Every
    answer's value lies within both tolerances of the kept one."""
    problem = nstep_problem(METHODS[name][0], NONCONVEX, iterations, measure="min-gradient", initial="function")
    args = (problem.trace, problem.first, problem.tracked[-1], problem.marks, iterations)
    setup = chordal_nstep._setup(*args, problem.tracked)
    first = chordal_nstep._rounds(setup, iterations, WORST_CASE_LADDER, 1.0)
    attempts = [first] + [chordal_nstep._rounds(setup, iterations, WORST_CASE_LADDER, factor)
                          for factor in chordal_nstep._objective_factors(first.objective)]
    best = min(attempts, key=lambda attempt: attempt.tolerance)
    answer = chordal_worst_case(*args, WORST_CASE_LADDER, minimum=problem.tracked)
    assert answer[3] == best.tolerance == kept and answer[0] == best.answer[0]
    assert max(attempt.tolerance for attempt in attempts) > kept
    for attempt in attempts:
        if attempt.answer is not None:
            assert abs(attempt.answer[0] / answer[0] - 1) <= attempt.tolerance + answer[3]


class _Backend:
    def __init__(self, name, work=None, fails=False):
        self.name, self._work, self.fails, self.ran = name, work, fails, False

    def work(self, trace, iterations):
        return self._work

    def solve(self, *problem):
        self.ran = True
        if self.fails:
            raise SolverFailure(f"{self.name} failed")
        return self.name


def test_a_fallback_over_the_budget_is_not_run():
    """The first back-end's estimate is checked before any work (elsewhere); a fallback's is
    checked before it runs: over the budget it is skipped and the failure says why (measured:
    a 200-step sublinear worst case fell back to a dense assembly of 49 GB)."""
    from pepcert.pep.budget import Budget, Work
    from pepcert.pep.problem import _solve

    huge = Work(1.0, 49 * 2**30, "the 200-step worst case (81204 variables)")
    first, dense, last = _Backend("chordal", fails=True), _Backend("dense", work=huge), _Backend("small", work=Work(1.0, 1, "x"))
    assert _solve([first, dense, last], (None, 200), None, Budget()) == "small"
    assert first.ran and not dense.ran and last.ran
    first, dense = _Backend("chordal", fails=True), _Backend("dense", work=huge)
    with pytest.raises(SolverFailure, match=r"^chordal: chordal failed; dense was not run: .*49.0 GB of memory"):
        _solve([first, dense], (None, 200), None, Budget())
    assert not dense.ran


def test_a_round_whose_cones_would_cost_too_much_is_refused(monkeypatch):
    """The work guard: sum of svec(|c|)^3 over the cones (a round that filled in to a cone of 57
    vectors ran past 120 s and 2.5 GB). Here the limit is lowered below the first round's own
    work (the eleven cones of gradient descent at 12 steps), which is then refused."""
    from pepcert.pep import chordal_nstep

    assert chordal_nstep._cone_work([np.arange(57)]) == 1653.0**3
    monkeypatch.setattr(chordal_nstep, "MAX_CONE_WORK", 1.0)
    with pytest.raises(SolverFailure, match="cones of 1e\\+00 work"):
        _chordal_min_gradient("GD", 12)
