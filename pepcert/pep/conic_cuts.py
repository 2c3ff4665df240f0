r"""The conic N-step problem by constraint generation over the interpolation pairs.

A pairwise class has one inequality per ordered pair of the ``N + 2`` oracle points, and the
conic solver's cost grows with their number. As in :mod:`pepcert.pep.cutting` (with the
low-rank method), the problem is first solved on a *working set*: every pair with ``x*``, every
pair of consecutive points, and every other inequality (compressor, the optimum's conditions,
the initial condition, the ``min`` measures). Dropping inequalities of a maximisation can only
raise its value, so the relaxation's dual objective is an upper bound on the full value. Every
omitted pair is then evaluated at the relaxation's primal point ``(G, F)`` (normalised as the
low-rank method normalises its rows); if none is violated by more than :data:`CUT_ACCEPT`, the
point is feasible for the full problem and the two values agree to the solver's tolerance
(the omitted pairs' multipliers are 0 in the returned proof). Otherwise the most violated pairs
join the working set and the relaxation is solved again; after :data:`MAX_CUT_ROUNDS` rounds
the full problem is solved.

Measured (Clarabel, this machine): error feedback with a gradient estimate (Richtárik, Sokolov &
Fatkhullin 2021) on L-smooth nonconvex functions, ``min_k ||grad f(x_k)||^2`` from
``f(x_0) - f* <= 1``, N = 50: one round, 38 s and 2e-9 from the full problem's value, against
225 s and 2.1 GB for the full problem; gradient descent on convex functions, N = 50: one
round, 4.3 s, 1.1e-8 from Drori & Teboulle's value; heavy ball (momentum 0.9, step 1/L) on
convex functions, N = 6: three rounds (the first working set's value is 1.1 % too high), 1e-9
from a 200-bit solve.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from pepcert.pep.backends import REPORTED_LADDER, ConicNStep, NStepAnswer, _scaling
from pepcert.pep.budget import Work, nstep_work
from pepcert.pep.conic_errors import rung_above

CUT_ACCEPT = 1e-9  # largest normalised violation of an omitted pair at the primal point
MAX_CUT_ROUNDS = 6


@dataclass(frozen=True)
class ConicCutsNStep:
    """A conic back-end (:class:`~pepcert.pep.backends.ConicNStep`) on a working set of pairs
    (module docstring): one agent, a deterministic compressor, a pairwise function class."""

    name: str = "clarabel"

    def qualifies(self, trace, aggregate: str) -> bool:
        from pepcert.pep.cutting import eligible

        return eligible(trace) and not trace.identities()[1]

    def work(self, trace, iterations: int) -> Work:
        """Up to :data:`MAX_CUT_ROUNDS` solves of the working set, then the whole problem, each
        estimated as one solve (measured, a gradient-estimate method's last gradient on nonconvex
        functions, docs/worst-case.md: N = 30, 11.8 s estimated a solve, seven solves in 85 s;
        N = 40, 35.6 s a solve, 377 s in all, which an estimate of one solve let through a budget
        of 120 s)."""
        points = len(trace.points)
        omitted = points * (points - 1) - 2 * (2 * points - 3)  # all pairs minus those with x* or a neighbour
        one = nstep_work(trace, iterations, omitted_rows=max(0, omitted))
        return replace(one, seconds=(MAX_CUT_ROUNDS + 1) * one.seconds)

    def solve(self, trace, first, tracked, aggregate, marks, iterations) -> NStepAnswer:
        from pepcert.pep import cutting

        conic = ConicNStep(self.name)
        scaling = _scaling(trace, first, tracked, aggregate, marks, iterations)
        constraints = trace.constraints()
        try:
            pool = cutting.build_pool(trace, first, tracked[-1], [], 1.0, iterations)
        except ValueError:  # a row of too high rank for the pool: the full problem
            return conic.solve_subset(trace, first, tracked, aggregate, scaling, iterations)[0]
        names = pool.pair_names()
        pair_names, norms = set(names), cutting.pair_norms(pool)
        active = cutting.working_pairs(pool.pairs)
        for round_ in range(1, MAX_CUT_ROUNDS + 1):
            kept = {names[k] for k in np.flatnonzero(active)}
            subset = [(name, c) for name, c in constraints if name not in pair_names or name in kept]
            answer, F = conic.solve_subset(trace, first, tracked, aggregate, scaling, iterations, subset)
            if answer.status != "solved":
                break  # the relaxation is unbounded: that says nothing about the full problem
            violations = cutting.pair_violations(pool, np.asarray(answer.gram), F, norms)
            omitted = np.flatnonzero(~active)
            worst = float(violations[omitted].max(initial=-math.inf))
            if worst <= CUT_ACCEPT:
                return _completed(answer, names, max(worst, 0.0), round_)
            violated = omitted[violations[omitted] > CUT_ACCEPT]
            active[violated[np.argsort(-violations[violated])][: 2 * len(pool.points)]] = True
        return conic.solve_subset(trace, first, tracked, aggregate, scaling, iterations)[0]


def _completed(answer: NStepAnswer, pair_names: list, violation: float, rounds: int) -> NStepAnswer:
    """The working set's answer as the full problem's: omitted pairs with multiplier 0, the
    tolerance covering their largest violation at the primal point."""
    multipliers = {name: 0.0 for name in pair_names}
    multipliers.update(answer.multipliers)
    error = max(answer.tolerance, violation / max(abs(answer.value), 1e-300))
    tolerance = rung_above(error / 2, REPORTED_LADDER) or answer.tolerance
    source = (f"{answer.tolerance_source}, on a working set of pairs ({rounds} round{'s' * (rounds > 1)}; every "
              "omitted pair checked at the primal point)")
    return replace(answer, multipliers=multipliers, tolerance=tolerance, tolerance_source=source)
