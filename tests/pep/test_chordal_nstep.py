"""The chordal N-step path (issue 21, item 2): the working set in the iterate basis as small
PSD cones for Clarabel, closed by the scaling instance.

References: rho*^N for EF and EF21 with their Lyapunov functions and for CGD with ``f - f*`` at
their optimal steps (Thomsen, Taylor & Dieuleveut 2025; ``reference/rates.csv`` through
``conftest``), and Clarabel on the full problem (every pair, one dense PSD block). Not timed:
the speed is measured by ``pepcert bench``."""

from __future__ import annotations

import math

import numpy as np
import pytest

from conftest import cgd_rate, ef_optimal
from pepcert.pep import Contractive, ProblemClass, SmoothStronglyConvex, chordal_nstep, cutting, worst_case
from pepcert.pep.algorithms import compressed_gradient_descent, ef21, error_feedback
from pepcert.pep.backends import CHORDAL_FROM, nstep_backends
from pepcert.pep.chordal_nstep import ChordalNStep, chordal_worst_case
from pepcert.pep.errors import SolverFailure
from pepcert.pep.expressions import coefficient_matrix
from pepcert.pep.iterate_basis import chordal_cliques, iterate_basis
from pepcert.pep.problem import nstep_problem

MU, L, DELTA = 0.1, 1.0, 0.5
CLASSES = ProblemClass(SmoothStronglyConvex(MU, L), Contractive(DELTA))
ETA, RHO = ef_optimal(MU, L, DELTA)
S = math.sqrt(1 - DELTA)
CGD_ETA = 2 / ((1 - S) * MU + (1 + S) * L)
SETTINGS = {"EF": (error_feedback, ETA, RHO), "EF21": (ef21, ETA, RHO),
            "CGD": (compressed_gradient_descent, CGD_ETA, cgd_rate(MU, L, DELTA, CGD_ETA))}


def _chordal(name: str, iterations: int):
    factory, eta, _ = SETTINGS[name]
    problem = nstep_problem(factory(eta), CLASSES, iterations)
    return chordal_worst_case(problem.trace, problem.first, problem.tracked[-1], problem.marks, iterations,
                              (1e-10, 1e-9, 1e-8, 1e-7, 1e-6, 1e-5, 1e-4))


@pytest.mark.parametrize("iterations", [1, 2, 5, 13, 30])
@pytest.mark.parametrize("name", ["EF", "EF21", "CGD"])
def test_chordal_value_and_its_dual_bound_are_the_closed_form(name, iterations):
    """The value (the instance's) and the relaxation's dual bound both within the reported
    tolerance of rho*^N; the tolerance is at most 1e-5 (measured 1e-7 to 1e-5 at these N)."""
    value, _, multipliers, tolerance, upper, _ = _chordal(name, iterations)
    exact = SETTINGS[name][2] ** iterations
    assert tolerance <= 1e-5
    assert abs(value / exact - 1) <= tolerance and abs(upper / exact - 1) <= tolerance
    assert all(v >= -1e-9 * max(multipliers.values()) for v in multipliers.values())


@pytest.mark.parametrize("iterations", [1, 2, 3, 4])
@pytest.mark.parametrize("name", ["EF", "EF21", "CGD"])
def test_chordal_agrees_with_clarabel_on_every_pair(name, iterations):
    """Against the full problem (every pair, one PSD block of size 2N + 2): the same value,
    the same multipliers' names in the same order, and strong duality on ``initial``."""
    factory, eta, _ = SETTINGS[name]
    value, _, multipliers, tolerance, upper, _ = _chordal(name, iterations)
    full = worst_case(factory(eta), CLASSES, iterations, solver="clarabel")
    assert abs(upper / full.value - 1) <= tolerance + full.tolerance
    assert abs(value / full.value - 1) <= tolerance + full.tolerance
    assert list(multipliers) == list(full.multipliers)
    assert multipliers["initial"] == pytest.approx(value, rel=10 * tolerance)


def test_the_iterate_basis_is_banded_and_its_cliques_small():
    """EF's iterate basis is its states ``(x_k, e_k)``; every row of the working set touches
    three consecutive steps, so the chordal cliques have at most 8 vectors at any N."""
    problem = nstep_problem(error_feedback(ETA), CLASSES, 40)
    basis = iterate_basis(problem.trace, problem.marks)
    assert basis.size == problem.trace.basis.n_vectors == 2 * 40 + 2
    assert np.all(np.diff(basis.blocks) >= 0)
    points = problem.trace.points[1:]  # x_0 .. x_40 (point 0 is x*)
    x = basis.convert(coefficient_matrix([point.x for point in points], basis.size))
    assert np.all(np.count_nonzero(x, axis=1) == 1)  # x_k is a basis vector itself
    _, pool, pool_u, basis, scale = chordal_nstep._setup(problem.trace, problem.first, problem.tracked[-1],
                                                         problem.marks, 40)
    rows = chordal_nstep._rows(pool_u, basis, scale, np.flatnonzero(cutting.working_pairs(pool.pairs)))
    sizes = [len(c) for c in chordal_cliques(basis.size, rows.supports)]
    assert max(sizes) <= 8 and len(sizes) >= 39  # about one clique per step
    cliques = chordal_cliques(6, [[0, 1], [1, 2], [2, 3], [3, 4], [4, 5]])
    assert sorted(map(list, cliques)) == [[0, 1], [1, 2], [2, 3], [3, 4], [4, 5]]
    cliques = chordal_cliques(4, [[0, 2], [0, 3], [1, 2], [1, 3]])  # a 4-cycle: one fill edge
    assert max(len(c) for c in cliques) == 3 and len(cliques) == 2


def test_the_default_from_chordal_from_steps_is_the_chordal_path_then_the_low_rank_method():
    problem = nstep_problem(error_feedback(ETA), CLASSES, CHORDAL_FROM)
    names = [b.name for b in nstep_backends(None, problem.trace, "last", CHORDAL_FROM)]
    assert names == ["clarabel-chordal", "lowrank"]
    assert ChordalNStep().qualifies(problem.trace, "min")
    result = worst_case(error_feedback(ETA), CLASSES, CHORDAL_FROM)
    assert result.solver == "clarabel-chordal" and abs(result.value / RHO**CHORDAL_FROM - 1) <= result.tolerance


def _tampered(monkeypatch, value_factor: float, point_factor: float):
    """The scaling instance's bound replaced by one whose value or point is scaled."""
    import dataclasses

    import pepcert.pep.scaling_bound as scaling_bound

    honest = scaling_bound.instance_lower_bound

    def tampered(*args):
        bound = honest(*args)
        return dataclasses.replace(bound, value=bound.value * value_factor, G=bound.G * point_factor,
                                   F=bound.F * point_factor)

    monkeypatch.setattr(scaling_bound, "instance_lower_bound", tampered)


def _not_closed_by(closing: str, name: str, iterations: int):
    """The chordal answer, which must not be closed by ``closing`` (a failure is fine too)."""
    try:
        value, _, _, tolerance, _, closed = _chordal(name, iterations)
    except SolverFailure:
        return
    assert closed != closing and abs(value / SETTINGS[name][2] ** iterations - 1) <= tolerance


def test_a_bound_the_dual_does_not_meet_is_not_the_value(monkeypatch):
    """A lower bound 1 % below the truth (its point still feasible) leaves a 1 % bracket: no
    rung of the ladder covers it, so it does not close the problem."""
    _tampered(monkeypatch, 0.99, 1.0)
    _not_closed_by("lower bound", "EF", 6)
    _not_closed_by("lower bound", "CGD", 6)


def test_an_instance_outside_the_initial_condition_is_not_used(monkeypatch):
    """A point scaled by 1.01 breaks ``initial <= 1`` by 1 %: it is not a member of the
    problem, so its value (here the honest one) is not used as the lower bound."""
    _tampered(monkeypatch, 1.0, 1.01)
    _not_closed_by("lower bound", "EF21", 6)
    _not_closed_by("lower bound", "CGD", 6)


@pytest.mark.parametrize("iterations", [2, 8])
def test_without_a_closing_instance_the_completed_point_closes_it(iterations):
    """CGD's ``distance`` measure is not attained by a scaling instance: the relaxation's primal
    point, completed off the chordal pattern, satisfies every omitted pair, and its value is
    Clarabel's on the full problem."""
    problem = nstep_problem(compressed_gradient_descent(CGD_ETA), CLASSES, iterations, measure="distance")
    value, gram, _, tolerance, upper, closed = chordal_worst_case(
        problem.trace, problem.first, problem.tracked[-1], problem.marks, iterations, (1e-9, 1e-8, 1e-7, 1e-6, 1e-5))
    full = worst_case(compressed_gradient_descent(CGD_ETA), CLASSES, iterations, measure="distance", solver="clarabel")
    assert closed == "feasible point" and gram.shape == (problem.trace.basis.n_vectors,) * 2
    assert abs(value / full.value - 1) <= tolerance + full.tolerance and upper >= value * (1 - tolerance)


def test_pairs_the_completed_point_violates_join_the_working_set(monkeypatch):
    """With only the pairs with ``x*`` in the first working set, the first point violates
    consecutive pairs; they join and the answer is the full problem's."""
    original = cutting.working_pairs
    monkeypatch.setattr(cutting, "working_pairs", lambda pairs: original(pairs) & ((pairs[:, 0] == 0) | (pairs[:, 1] == 0)))
    problem = nstep_problem(compressed_gradient_descent(CGD_ETA), CLASSES, 4, measure="distance")
    value, _, _, tolerance, _, closed = chordal_worst_case(
        problem.trace, problem.first, problem.tracked[-1], problem.marks, 4, (1e-9, 1e-8, 1e-7, 1e-6, 1e-5))
    full = worst_case(compressed_gradient_descent(CGD_ETA), CLASSES, 4, measure="distance", solver="clarabel")
    assert closed == "feasible point" and abs(value / full.value - 1) <= tolerance + full.tolerance


# CGD's Lyapunov function is f - f* at rate rho* (TTD25), so ||g_N||^2 <= 2L (f(x_N) - f*) <=
# 2L rho*^N (f(x_0) - f*) and f(x_N) - f* <= rho*^N L/2 ||x_0 - x*||^2; the instance h = L,
# alpha = 1 + s attains both at x_N, and no run's smallest measure exceeds its last one.
SMALLEST = {"min-gradient": ("function", 2 * L), "min-function": ("distance", L / 2)}


@pytest.mark.parametrize("iterations", [CHORDAL_FROM, 200])
@pytest.mark.parametrize("measure", sorted(SMALLEST))
def test_the_smallest_measure_with_a_linear_rate_is_closed_by_the_instance(measure, iterations):
    """With a linear rate the ``min-`` measures are rescaled by the instance's rate and closed
    by it: the value and the dual bound at the closed form ``c rho*^N`` within the tolerance,
    which is at most 1e-5 (measured 1e-6 / 1e-5; unrescaled, N = 200 ran past 120 s)."""
    initial, factor = SMALLEST[measure]
    method, exact = compressed_gradient_descent(CGD_ETA), factor * SETTINGS["CGD"][2] ** iterations
    problem = nstep_problem(method, CLASSES, iterations, measure=measure, initial=initial)
    value, _, _, tolerance, upper, closed = chordal_worst_case(
        problem.trace, problem.first, problem.tracked[-1], problem.marks, iterations,
        (1e-10, 1e-9, 1e-8, 1e-7, 1e-6, 1e-5), problem.tracked)
    assert closed == "lower bound" and tolerance <= 1e-5
    assert abs(value / exact - 1) <= tolerance and abs(upper / exact - 1) <= tolerance


def test_the_smallest_measure_instance_bound_carries_its_value_variable():
    """The instance bound of ``min_k m_k``: the last measure's (2L rho*^N, 1e-12) with the value
    variable tau appended to ``F`` and equal to it; every inequality holds at that point."""
    from pepcert.pep.scaling_bound import instance_lower_bound

    method, iterations = compressed_gradient_descent(CGD_ETA), 12
    problem = nstep_problem(method, CLASSES, iterations, measure="min-gradient", initial="function")
    last = instance_lower_bound(problem.trace, problem.first, problem.tracked[-1])
    smallest = instance_lower_bound(problem.trace, problem.first, problem.tracked[-1], problem.tracked)
    assert last is not None and smallest is not None
    assert abs(smallest.value / (2 * L * SETTINGS["CGD"][2] ** iterations) - 1) <= 1e-12
    assert smallest.value == pytest.approx(last.value, rel=1e-12) and smallest.F[-1] == smallest.value
    assert len(smallest.F) == len(last.F) + 1
    pool = cutting.build_pool(problem.trace, problem.first, problem.tracked[-1], problem.marks,
                              smallest.value ** (1 / iterations), iterations, problem.tracked)
    assert cutting.point_violation(pool, smallest.G, smallest.F) <= 1e-9


def test_the_low_rank_method_closes_the_smallest_measure_as_the_dense_problem_answers_it():
    """Below the chordal path: the low-rank method (rescaled by the same bound, closed by it)
    answers with the instance's value, 1e-12 from the closed form (measured 1.6e-15, stated 1e-9;
    unrescaled, closed by its own point: 1.8e-10 off at 1e-9), and Clarabel on every pair within
    its own tolerance."""
    method, iterations = compressed_gradient_descent(CGD_ETA), 20
    exact = 2 * L * SETTINGS["CGD"][2] ** iterations
    low = worst_case(method, CLASSES, iterations, measure="min-gradient", initial="function", solver="lowrank")
    full = worst_case(method, CLASSES, iterations, measure="min-gradient", initial="function", solver="clarabel")
    assert low.tolerance <= 1e-7 and abs(low.value / exact - 1) <= 1e-12
    assert abs(full.value / exact - 1) <= full.tolerance


def test_a_completion_that_overflows_is_not_a_feasible_point(monkeypatch):
    """A completed point with non-finite entries (the max-det completion overflows when the
    clique blocks are nearly singular: gradient descent at step 1, N = 200) is violated
    everywhere: no pair's inequality evaluates to NaN and passes as satisfied."""
    import pepcert.pep.iterate_basis as iterate_basis

    problem = nstep_problem(compressed_gradient_descent(CGD_ETA), CLASSES, 8, measure="distance")
    pool = cutting.build_pool(problem.trace, problem.first, problem.tracked[-1], problem.marks, 1.0, 8)
    n, m = problem.trace.basis.n_vectors, problem.trace.basis.n_values
    broken = np.zeros((n, n))
    broken[0, 0] = np.inf
    assert np.all(cutting.pair_violations(pool, broken, np.zeros(m))[pool.pairs[:, 0] == 0] == np.inf)
    assert cutting.point_violation(pool, np.full((n, n), np.nan), np.zeros(m)) == np.inf
    for name in ("max_det_completion", "factor_completion"):
        monkeypatch.setattr(iterate_basis, name, lambda partial, parents: np.full(partial.shape, np.nan))
    with pytest.raises(SolverFailure, match="violates the working set"):
        chordal_worst_case(problem.trace, problem.first, problem.tracked[-1], problem.marks, 8,
                           (1e-9, 1e-8, 1e-7, 1e-6, 1e-5))


# EF21 at its optimal step (mu = 0.1, L = 1, delta = 1/2), min over k <= 20 of ||grad f(x_k)||^2
# from f(x_0) - f* <= 1: the full problem (Clarabel's dense form, pepcert.pep.backends._assemble)
# solved by SDPA-GMP at 200 bits (pepcert.pep.sdpa_check.solve_high_precision: status pdOPT,
# primal and dual objectives equal to every printed digit, 1,066 s).
EF21_MIN_GRADIENT_20 = 0.0833093678017897


def test_the_smallest_gradient_without_a_closing_instance_is_within_its_tolerance_of_a_200_bit_solve():
    """No instance closes EF21's smallest gradient: the low-rank method's constraint generation
    answers (rescaled by the instance's bound), within the tolerance it states (1e-5; measured
    1.7e-6 off) of the 200-bit value."""
    result = worst_case(ef21(ETA), CLASSES, 20, measure="min-gradient", initial="function")
    assert result.solver == "lowrank" and result.tolerance <= 1e-5
    assert abs(result.value / EF21_MIN_GRADIENT_20 - 1) <= result.tolerance


def test_a_loose_answer_is_sought_again_without_equilibration_and_the_tighter_kept(monkeypatch):
    """With an instance, an answer looser than EQUILIBRATE_RETRY_ABOVE is solved once more with
    Clarabel's equilibration off (the setting reaches Clarabel's own settings), and the tighter
    answer is the one returned; an answer within it is not solved again."""
    import dataclasses

    from pepcert.pep.solvers import ClarabelSolver

    attempts, equilibrated = [], []
    honest_rounds, honest_settings = chordal_nstep._rounds, ClarabelSolver.settings

    def rounds(setup, iterations, ladder, factor, equilibrate=True):
        attempt = honest_rounds(setup, iterations, ladder, factor, equilibrate)
        if equilibrate:  # the first answer made loose on purpose: the second must be kept
            attempt = dataclasses.replace(attempt, answer=attempt.answer[:3] + (1e-3,) + attempt.answer[4:])
        attempts.append((equilibrate, attempt.tolerance))
        return attempt

    def settings(self, problem):
        chosen = honest_settings(self, problem)
        equilibrated.append(chosen.equilibrate_enable)
        return chosen

    monkeypatch.setattr(chordal_nstep, "_rounds", rounds)
    monkeypatch.setattr(ClarabelSolver, "settings", settings)
    value, _, _, tolerance, _, closed = _chordal("CGD", 40)
    assert [e for e, _ in attempts] == [True, False] and closed == "lower bound"
    assert equilibrated[0] is True and equilibrated[-1] is False
    assert tolerance == attempts[1][1] < 1e-3 and abs(value / SETTINGS["CGD"][2] ** 40 - 1) <= tolerance
    attempts.clear()
    monkeypatch.setattr(chordal_nstep, "EQUILIBRATE_RETRY_ABOVE", 1.0)
    spied = []
    monkeypatch.setattr(chordal_nstep, "_rounds", lambda *a, **k: spied.append(k) or honest_rounds(*a, **k))
    _chordal("CGD", 40)
    assert spied == [{}]
