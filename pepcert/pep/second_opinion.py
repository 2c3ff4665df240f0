"""A second back-end's opinion where the first answers loosely (the default below
:data:`~pepcert.pep.backends.LOWRANK_FROM` steps: Clarabel, then the low-rank method).

Clarabel on the full N-step problem stalls near 1e-5 on some measures at a handful of steps,
where the low-rank method (:mod:`pepcert.pep.nstep`) closes the same problem at 1e-7. Both
answers pass their own back-end's checks (the residuals and the bracket to an attained value),
so the tighter is kept; the value is the kept answer's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from pepcert.pep.errors import SolverFailure

if TYPE_CHECKING:  # annotations only: backends imports this module
    from pepcert.pep.backends import NStepAnswer, NStepBackend
    from pepcert.pep.budget import Work

# Measured (the papers' three compressed methods at their optimal steps, mu = 0.1, L = 1,
# delta = 1/2, N = 7; Clarabel -> the low-rank method): error feedback's distance measure
# 1e-5 -> 1e-7 (SDPA-GMP at 200 bits: the low-rank value 4.6e-8 below it, Clarabel's 6.3e-9),
# its function and gradient measures 1e-6 -> 1e-7; the gradient-estimate variant's distance
# 1e-5 -> 1e-7, its gradient and function measures 1e-5 -> 1e-6; the Lyapunov measures are
# mostly closed by the scaling instance at 1e-9 and not retried. A retry costs one low-rank
# solve, 0.1-0.3 s at these sizes.
SECOND_OPINION_ABOVE = 1e-7


@dataclass(frozen=True)
class TighterOf:
    """``first``'s answer, or ``second``'s where ``first``'s tolerance is above ``above`` and
    ``second`` answers with a tighter one; a failure of ``second`` keeps ``first``'s answer, a
    failure of ``first`` stands (as a lone back-end's). Both are N-step back-ends
    (:class:`~pepcert.pep.backends.NStepBackend`); this one is too, named after ``first``."""

    first: NStepBackend
    second: NStepBackend
    above: float = SECOND_OPINION_ABOVE

    @property
    def name(self) -> str:
        return self.first.name

    def qualifies(self, trace, aggregate: str) -> bool:
        return self.first.qualifies(trace, aggregate)

    def work(self, trace, iterations: int) -> Work | None:
        return self.first.work(trace, iterations)

    def solve(self, trace, first, tracked, aggregate, marks, iterations) -> NStepAnswer:
        answer = self.first.solve(trace, first, tracked, aggregate, marks, iterations)
        if answer.status != "solved" or not answer.tolerance > self.above:
            return answer
        try:
            other = self.second.solve(trace, first, tracked, aggregate, marks, iterations)
        except SolverFailure:
            return answer
        return other if other.status == "solved" and other.tolerance < answer.tolerance else answer
