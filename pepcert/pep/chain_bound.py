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

Where the measure ``m`` or the initial quantity ``q`` is another quantity, the chain runs
through the method's Lyapunov function ``V`` and two zero-step problems bound the ends:

.. math::  A = \max\ m(z) \ \text{s.t.}\ V(z) \le 1, \qquad
           B = \max\ V(z_0) \ \text{s.t.}\ q(z_0) \le 1 \ (z_0 \text{ the N-step problem's start}),

so ``m(z) <= A V(z)`` and ``V(z_0) <= B q(z_0)`` (scale as above; where ``V(z) <= 0`` the
same scaling gives ``m(z) <= 0``, and the chain keeps ``V`` non-positive once it is), and
``m(z_N) <= A rho_1^N B``; the smallest measure over the run (a ``min-`` measure) is at most
the last one. On compressed gradient, whose Lyapunov function is ``f - f*`` (TTD25), this is
``f(x_N) - f* <= rho^N L/2 ||x_0 - x_*||^2`` and ``||g_N||^2 <= 2L rho^N (f(x_0) - f*)``, both
attained by the scaling instance.

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
    """The bound ``A rho_1^N B`` on the worst case of ``measure`` after ``iterations`` steps of
    ``method`` on ``classes`` from ``initial <= 1`` at ``start`` (module docstring; ``A = B = 1``
    where the measure is the initial quantity), solved when first asked and kept: the N-step
    back-end may ask it before its second solve, and the answer is narrowed by it at the end."""

    method: Any
    classes: Any
    iterations: int
    measure: Any
    initial: Any
    start: str = "free"

    @property
    def through(self):
        """The chained quantity: the measure where it is the initial quantity, else the method's
        Lyapunov function."""
        return self.measure if _same(self.measure, self.initial) else "lyapunov"

    @functools.cached_property
    def factors(self) -> tuple | None:
        """``(A, one-step answer, B)`` with ``A`` and ``B`` as ``(value, tolerance)``, or None where
        the chain does not hold (classes without a linear rate, a schedule, constant terms, fewer
        than two steps, no Lyapunov function) or a solve fails or is unbounded."""
        from pepcert.pep.backends import _linear

        if self.iterations < 2 or not _linear(self.classes) or self.method.takes_iteration:
            return None  # a schedule: the first step's worst case bounds no other step
        through = self.through
        try:
            one = _solved(self._problem(1, through, through, "last", "free"))
            end = (1.0, 0.0) if _same(through, self.measure) else _bound(
                self._problem(0, self.measure, through, "min", "free"))
            begin = (1.0, 0.0) if _same(through, self.initial) else _bound(
                self._problem(0, through, self.initial, "min", self.start))
        except (SolverFailure, BadInput):
            return None
        if one is None or end is None or begin is None:
            return None
        return end, one, begin

    def _problem(self, steps: int, measure, initial, aggregate: str, start: str):
        """The traced problem, or None when it has constant terms (no scaling argument)."""
        from pepcert.pep.problem import nstep_problem  # the composition layer of pep: not at load

        problem = nstep_problem(self.method, self.classes, steps, measure, initial, aggregate, start)
        return problem if _homogeneous(problem) else None

    def narrowed(self, answer):
        """``answer`` (an N-step answer of the worst case) with its tolerance narrowed to the
        bracket between its attained value and ``A rho_1^N B`` where that is tighter; ``answer``
        itself otherwise (a value not attained, no chain, an inconsistent bracket)."""
        from pepcert.pep.backends import WORST_CASE_LADDER
        from pepcert.pep.nstep import _rung

        if not answer.attained or answer.tolerance <= CHAIN_ABOVE or not answer.value > 0:
            return answer
        factors = self.factors
        if factors is None:
            return answer
        (a, t_a), one, (b, t_b) = factors
        iterations = self.iterations
        upper = a * (1 + t_a) * (one.value * (1 + one.tolerance)) ** iterations * b * (1 + t_b)
        gap = (upper - answer.value) / answer.value
        if gap < -ROUNDING:
            # The attained value above a bound on it: its own rounding shows (the instance's run
            # in the trace basis loses digits at N = 500, 2.6e-7 for one of the papers' methods),
            # and nothing here bounds that rounding; the solve's own estimate stays.
            return answer
        tolerance = _rung(max(gap, 0.0), WORST_CASE_LADDER)
        if tolerance is None or not tolerance < answer.tolerance:
            return answer
        ends = "" if _same(self.through, self.measure) and _same(self.through, self.initial) else (
            f" of the Lyapunov function, its measure and start bounded by it ({a:.15g} and {b:.15g})")
        return dataclasses.replace(answer, tolerance=tolerance, tolerance_source=(
            f"{answer.tolerance_source}; bracketed by the one-step worst case to the power {iterations}{ends} "
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


def _same(one, other) -> bool:
    """The same quantity: one name, or one callable."""
    return one is other or (isinstance(one, str) and one == other)


def _solved(problem):
    """The one-step answer of ``problem`` (None for a problem with constant terms), None unless
    solved with a positive value and a finite tolerance."""
    if problem is None:
        return None
    one = _one_step(problem)
    return one if one.status == "solved" and one.value > 0 and math.isfinite(one.tolerance) else None


def _bound(problem) -> tuple[float, float] | None:
    """``(value, tolerance)`` of a zero-step problem (an end of the chain), None unless solved."""
    if problem is None:
        return None
    end = _one_step(problem)
    if end.status != "solved" or not (end.value >= 0 and math.isfinite(end.tolerance)):
        return None
    return float(end.value), float(end.tolerance)


def _one_step(problem):
    """The one- or zero-step worst case (an ``NStepAnswer``) through Clarabel at
    :data:`ONE_STEP_GAPS`, closed by the scaling instance where that is no looser
    (:mod:`pepcert.pep.instance_close`)."""
    from pepcert.pep.backends import ConicNStep

    return ConicNStep("clarabel", gaps=ONE_STEP_GAPS).solve(problem.trace, problem.first, problem.tracked,
                                                            problem.aggregate, problem.marks, problem.iterations)
