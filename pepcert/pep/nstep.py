"""The N-step worst case through the low-rank interior-point method (``solver="lowrank"``).

:func:`worst_case_lowrank` is what :func:`pepcert.pep.problem.worst_case` calls when the
problem qualifies (:func:`pepcert.pep.cutting.eligible`) and the low-rank path is chosen. It

1. takes the best scaling-instance lower bound ``l`` (:mod:`pepcert.pep.scaling_bound`), and
   from it the rate ``rho = l^{1/N}`` that rescales the problem (:mod:`pepcert.pep.cutting`);
2. solves the relaxation over a working set of pairs; its dual objective is an upper bound
   ``u`` on the *full* problem (the omitted pairs get multiplier 0);
3. stops when ``u - l <= tolerance`` (relative to the rescaled value): the value is ``l``,
   attained by an explicit member of the classes, and proven optimal to that tolerance by the
   dual. Otherwise constraint generation runs until the relaxation's own primal point
   satisfies every pair, as in :func:`pepcert.pep.cutting.solve_by_cuts`.

The tolerance reported is the smallest rung of the worst-case ladder that the deciding residual
meets (the bracket ``u - l`` or the interior-point residuals), never the requested one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from pepcert.pep import cutting, lowrank_ipm
from pepcert.pep.errors import SolverFailure
from pepcert.pep.scaling_bound import instance_lower_bound

INSTANCE_CHECK = 1e-9  # largest normalised violation accepted at the scaling instance (rounding only)


@dataclass(frozen=True)
class LowRankAnswer:
    """What the low-rank path found, before it becomes a ``WorstCaseResult``."""

    value: float
    gram: np.ndarray
    multipliers: dict
    tolerance: float
    rounds: int
    working_set: int  # pair inequalities in the last relaxation
    pairs: int  # pair inequalities of the full problem
    closed_by: str  # "lower bound" or "feasible point"
    upper_bound: float


def _rung(residual: float, ladder) -> float | None:
    return next((g for g in ladder if residual <= g), None)


def _rate(bound, iterations: int) -> float:
    """The rescaling rate: ``l^{1/N}`` clipped to ``[1e-3, 1]`` (1: no rescaling)."""
    if bound is None or not bound.value > 0:
        return 1.0
    return float(min(1.0, max(1e-3, bound.value ** (1.0 / iterations))))


def dual_error(problem, solution) -> float:
    """:func:`pepcert.pep.lowrank_ipm.dual_error` of an answer."""
    return lowrank_ipm.dual_error(problem, solution.residuals[1], solution.X, solution.primal_objective,
                                  solution.dual_objective)


def worst_case_lowrank(trace, first, final, marks, iterations: int, ladder, max_rounds: int = 20,
                       minimum: list | None = None) -> LowRankAnswer:
    """The worst case of ``final`` given ``first <= 1`` (module docstring), or with ``minimum``
    (the tracked measures) of the smallest of them; raises :class:`SolverFailure` when no rung of
    ``ladder`` is met."""
    bound = instance_lower_bound(trace, first, final, minimum)
    rho = _rate(bound, iterations)
    pool = cutting.build_pool(trace, first, final, marks, rho, iterations, minimum)
    if bound is not None and not cutting.point_violation(pool, bound.G, bound.F) <= INSTANCE_CHECK:
        bound = None  # a member of the classes satisfies every inequality; never trust one that does not
    outcome = cutting.solve_by_cuts(
        pool, tolerance=ladder[0] * 10, max_rounds=max_rounds, lower_bound=None if bound is None else bound.value
    )
    solution = outcome.solution
    value, gram, multipliers = cutting.original_scale(pool, outcome)
    upper = -solution.dual_objective / pool.objective_scale + pool.objective[2]
    if outcome.closed_by == "lower bound":
        assert bound is not None  # closed by the bound passed in
        value, gram, deciding = bound.value, bound.G, solution.merit
    else:  # the bracket is [primal, dual] objective, measured relative to the value itself
        gap = abs(solution.primal_objective - solution.dual_objective) / max(abs(solution.primal_objective), 1e-300)
        deciding = max(*solution.residuals, gap) if outcome.complete else math.inf
    deciding = max(deciding, dual_error(outcome.assembled.problem, solution))
    tolerance = _rung(deciding, ladder)
    if tolerance is None:
        reason = "pairs still violated" if not outcome.complete else f"residual {deciding:.1e}"
        raise SolverFailure(
            f"the low-rank interior-point method did not reach tolerance {ladder[-1]:g} on the {iterations}-step "
            f"worst case ({reason} after {outcome.rounds} round(s)); the answer is not used"
        )
    return LowRankAnswer(
        value=float(value), gram=gram, multipliers=multipliers, tolerance=tolerance, rounds=outcome.rounds,
        working_set=len(outcome.assembled.active), pairs=len(pool.pairs), closed_by=outcome.closed_by,
        upper_bound=float(upper),
    )
