r"""Closing a conic solver's N-step answer by the scaling instance.

A conic solver's answer to the full N-step problem carries two numbers: the primal point's
value and the dual objective ``u = b.y``. Its tolerance, from the residuals alone, covers both
(:func:`pepcert.pep.conic_errors.primal_error`); on the papers' problems from 20 steps on
Clarabel stalls with primal residuals that make it loose (1e-5 at N = 20, 1e-4 at N = 30,
``docs/worst-case.md``) where the dual objective is 1e-9 to 1e-7 from the exact value.

Where the best scaling instance (:mod:`pepcert.pep.scaling_bound`) gives a lower bound ``l``
attained by an explicit member of the classes, checked against every inequality, the answer
closes as the low-rank method's does (:mod:`pepcert.pep.nstep`): the value is ``l``, and the
tolerance covers the bracket ``|u - l| / l`` and how far ``u`` may sit below the optimum it
bounds (:func:`dual_error`); the primal residuals no longer enter, the reported point being a
feasible one. The closed answer is used unless the residuals' tolerance is tighter.
"""

from __future__ import annotations

import dataclasses

from pepcert.pep.conic_errors import cone_error


def dual_error(problem, solution) -> float:
    """How far the dual objective ``b.y`` may sit below the optimum it bounds, relative to it:
    the dual residual ``c + A^T y`` moves it by its product with the primal point, and the
    multipliers and cones on the wrong side (a negative multiplier of an inequality times its
    row's slack, a negative eigenvalue of a dual PSD block times the trace of its primal block).
    The primal residuals do not enter: the value reported beside it is a feasible point's."""
    stationarity = abs(float((problem.c + problem.A.rmatvec(solution.y)) @ solution.x))
    error = stationarity + cone_error(problem, solution, primal_cone=False)
    return error / max(abs(float(problem.b @ solution.y)), 1e-300)


def closed_by_instance(answer, bound, trace, first, final, marks, iterations: int, problem, solution, ladder):
    """``answer`` (a :class:`~pepcert.pep.backends.NStepAnswer` of the full problem, value
    ``b.y``) closed by the instance ``bound`` (module docstring), or ``answer`` itself when the
    problem has no pool of pairs, the instance fails its check or the closed tolerance (the
    smallest rung of ``ladder`` at least twice the deciding error) is looser than its own."""
    from pepcert.pep import cutting
    from pepcert.pep.backends import _readonly
    from pepcert.pep.conic_errors import rung_above
    from pepcert.pep.nstep import INSTANCE_CHECK, _rate  # the low-rank method's check and rescaling

    if not cutting.eligible(trace) or not bound.value > 0:
        return answer
    try:
        pool = cutting.build_pool(trace, first, final, marks, _rate(bound, iterations), iterations)
    except ValueError:  # a row of too high rank for the pool: nothing to check the instance against
        return answer
    if not cutting.point_violation(pool, bound.G, bound.F) <= INSTANCE_CHECK:
        return answer  # a member of the classes satisfies every inequality; never trust one that does not
    bracket = abs(answer.value - bound.value) / bound.value
    tolerance = rung_above(max(bracket, dual_error(problem, solution)), ladder)
    if tolerance is None or not tolerance <= answer.tolerance:
        return answer  # on a tie the instance's: the same tolerance, and its value attained
    return dataclasses.replace(answer, value=float(bound.value), gram=_readonly(bound.G), tolerance=tolerance,
                               tolerance_source="the dual bound's residuals and its gap to the attained value",
                               attained=True)
