r"""An N-step worst case bracketed from above by the one-step worst case to the power N.

Let ``V`` be the quantity measured at the last step and bounded at the start (the same
quantity: the method's Lyapunov function, ``f - f*``, the distance) and let the classes be
homogeneous with a linear rate (curvature bounded below by ``mu > 0``: scaling every vector of
a member by ``t`` and its values by ``t^2`` gives a member). Then the one-step worst case

.. math::  \rho_1 = \max\ V(z_1) \quad\text{s.t.}\quad V(z_0) \le 1,\ z_0 \text{ any state}

says ``V(z_{k+1}) <= rho_1 V(z_k)`` for every state of every run (scale ``z_k`` to
``V(z_k) = 1``), so ``V(z_N) <= rho_1^N V(z_0) <= rho_1^N``. The N-step problem constrains
every pair of the run jointly and its start may be restricted; both only lower its value, so
``rho_1^N`` bounds it from above. Where the N-step answer's value is attained (the best scaling
instance, or a primal point checked on every pair) it is a lower bound ``l``, and the bracket
``[l, (rho_1 (1 + t_1))^N]`` (``t_1`` the one-step answer's own tolerance) can be much narrower
than the N-step solve's: the papers' Lyapunov functions decrease by exactly the tight rate at
every step of the worst linear instance, so ``l = rho^N`` and the bracket is ``N t_1``.

This is the composition of one-step bounds that Lyapunov analyses rest on (Taylor, Van Scoy &
Lessard, ICML 2018, for gradient methods; TTD25 for the compressed methods), used here only to
state the accuracy of a value computed otherwise: the value is never changed. It needs the
same step at every iteration: a method whose step reads the iteration counter (a schedule) is
left alone, since its first step's worst case says nothing about the later ones.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from typing import Any

from pepcert.pep.errors import BadInput, SolverFailure

CHAIN_ABOVE = 1e-9  # answers at least this tight are not worth the one-step solve
# The one-step problem has a dozen variables: Clarabel is asked for 1e-13 first. Measured (the
# papers' methods at their optimal steps, mu = 0.1, L = 1, delta = 1/2): its dual bound's error
# 9.8e-10 / 3.3e-10 / 5.9e-12 (the three methods of TTD25, their Lyapunov functions) at the default
# 1e-10, and 4.6e-13 / 1.2e-13 / 2.4e-13 so: a tolerance of 1e-10 for each instead of 1e-8 / 1e-9 / 1e-10.
# An answer "almost solved" at those is kept at the rung its residuals meet (to 1e-4).
ONE_STEP_GAPS = (1e-13, 1e-12, 1e-11, 1e-10, 1e-9, 1e-8, 1e-7, 1e-6, 1e-5, 1e-4)
ROUNDING = 1e-12  # an attained value further above the chained bound than this is not narrowed


@dataclasses.dataclass
class Chain:
    """The one-step worst case of ``quantity`` to the power ``iterations`` for ``method`` on
    ``classes`` (module docstring), solved when first asked and kept: the N-step back-end may ask
    it before its second solve, and the answer is narrowed by it once more at the end."""

    method: Any
    classes: Any
    iterations: int
    quantity: Any

    @functools.cached_property
    def one_step(self):
        """The one-step answer (a :class:`~pepcert.pep.backends.NStepAnswer`) or None where the
        chain does not hold (classes without a linear rate, a schedule, constant terms, fewer
        than two steps) or the one-step solve fails."""
        from pepcert.pep.backends import _linear

        if self.iterations < 2 or not _linear(self.classes) or self.method.takes_iteration:
            return None  # a schedule: the first step's worst case bounds no other step
        from pepcert.pep.problem import nstep_problem  # the composition layer of pep: not at load

        try:
            problem = nstep_problem(self.method, self.classes, 1, self.quantity, self.quantity, "last", "free")
            if not _homogeneous(problem):
                return None
            one = _one_step(problem)
        except (SolverFailure, BadInput):
            return None
        if one.status != "solved" or not (one.value > 0 and math.isfinite(one.tolerance)):
            return None
        return one

    def narrowed(self, answer):
        """``answer`` (an N-step answer of the worst case of ``quantity`` at the last step from
        ``quantity <= 1``) with its tolerance narrowed to the bracket between its attained value
        and the one-step worst case to the power N where that is tighter; ``answer`` itself
        otherwise (a value not attained, no chain, an inconsistent bracket)."""
        from pepcert.pep.backends import WORST_CASE_LADDER
        from pepcert.pep.nstep import _rung

        if not answer.attained or answer.tolerance <= CHAIN_ABOVE or not answer.value > 0:
            return answer
        one = self.one_step
        if one is None:
            return answer
        iterations = self.iterations
        upper = (one.value * (1 + one.tolerance)) ** iterations
        gap = (upper - answer.value) / answer.value
        if gap < -ROUNDING:
            # The attained value above a bound on it: its own rounding shows (the instance's run
            # in the trace basis loses digits at N = 500, 2.6e-7 for one of the papers' methods),
            # and nothing here bounds that rounding; the solve's own estimate stays.
            return answer
        tolerance = _rung(max(gap, 0.0), WORST_CASE_LADDER)
        if tolerance is None or not tolerance < answer.tolerance:
            return answer
        return dataclasses.replace(answer, tolerance=tolerance, tolerance_source=(
            f"{answer.tolerance_source}; bracketed by the one-step worst case to the power {iterations} "
            f"({one.value:.15g}, tolerance {one.tolerance:g})"))


def chained(answer, chain: Chain):
    """``answer`` narrowed by ``chain`` (:meth:`Chain.narrowed`)."""
    return chain.narrowed(answer)


def _homogeneous(problem) -> bool:
    """No constant term in any inequality, equality, the measure or the initial condition: then
    scaling every vector by ``t`` and every function value by ``t^2`` maps the one-step problem's
    feasible points onto each other and scales the measure by ``t^2`` (a bounded-gradient class,
    or a variance floor, has constants and is refused)."""
    equalities, _ = problem.trace.identities()
    scalars = [problem.first, problem.tracked[-1]] + [scalar for _, scalar in problem.trace.constraints()]
    return all(scalar.constant == 0 for scalar in scalars + [scalar for _, scalar in equalities])


def _one_step(problem):
    """The one-step worst case (an ``NStepAnswer``) through Clarabel at :data:`ONE_STEP_GAPS`,
    closed by the scaling instance where that is no looser (:mod:`pepcert.pep.instance_close`)."""
    from pepcert.pep.backends import ConicNStep

    return ConicNStep("clarabel", gaps=ONE_STEP_GAPS).solve(problem.trace, problem.first, problem.tracked,
                                                            problem.aggregate, problem.marks, 1)
