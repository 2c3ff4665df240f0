"""Below the low-rank method's start the default N-step path is Clarabel, its answer sought again
by the low-rank method where looser than 1e-7 (``pepcert.pep.second_opinion``): error feedback's
distance measure at N = 7 against a 200-bit SDPA-GMP solve of the same problem, and the rule."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from pepcert.pep import Contractive, ProblemClass, SmoothStronglyConvex
from pepcert.pep.algorithms import error_feedback
from pepcert.pep.errors import SolverFailure
from pepcert.pep.problem import worst_case
from pepcert.pep.second_opinion import SECOND_OPINION_ABOVE, TighterOf

# `pepcert worst-case --method ef --mu 0.1 --L 1 --delta 0.5 --measure distance -N 7
# --verify-precision` (SDPA-GMP, 200 bits, on the problem Clarabel solves; the optimal step)
SDPA_GMP_EF_DISTANCE_7 = 2.88943128281683


def test_error_feedback_distance_at_seven_steps_gets_the_tighter_answer():
    from fractions import Fraction

    from pepcert.papers.ttd25 import closed_forms

    eta = float(closed_forms.optimal_step("ef", Fraction(1, 10), Fraction(1), Fraction(1, 2)))
    classes = ProblemClass(SmoothStronglyConvex(0.1, 1.0), Contractive(0.5))
    result = worst_case(error_feedback(eta), classes, 7, measure="distance")
    assert result.solver == "lowrank" and result.tolerance <= 1e-7  # Clarabel alone: 1e-5
    assert abs(result.value / SDPA_GMP_EF_DISTANCE_7 - 1) <= result.tolerance


class _Backend:
    """A back-end that answers with ``tolerance`` (or fails) and counts its calls."""

    def __init__(self, name: str, tolerance: float | None, status: str = "solved"):
        self.name, self.tolerance, self.status, self.calls = name, tolerance, status, 0

    def solve(self, *problem):
        self.calls += 1
        if self.tolerance is None:
            raise SolverFailure(f"{self.name} failed")
        return SimpleNamespace(solver=self.name, tolerance=self.tolerance, status=self.status)


def _chosen(first: _Backend, second: _Backend) -> str:
    return TighterOf(first, second).solve(None, None, [], "last", [], 7).solver


@pytest.mark.parametrize(("first", "second", "chosen", "asked"), [
    (1e-5, 1e-7, "second", 1),  # loose first: the tighter second
    (1e-5, 1e-4, "first", 1),  # the second looser: the first stays
    (1e-5, 1e-5, "first", 1),  # a tie: the first
    (1e-5, None, "first", 1),  # the second fails: the first stays
    (SECOND_OPINION_ABOVE, 1e-10, "first", 0),  # tight enough: no second solve
])
def test_the_tighter_answer_is_kept(first, second, chosen, asked):
    one, two = _Backend("first", first), _Backend("second", second)
    assert _chosen(one, two) == chosen and two.calls == asked


def test_an_unbounded_first_answer_is_not_retried():
    one, two = _Backend("first", 1e-5, status="unbounded"), _Backend("second", 1e-9)  # whatever its tolerance
    assert _chosen(one, two) == "first" and two.calls == 0


def test_a_failure_of_the_first_stands():
    with pytest.raises(SolverFailure, match="first failed"):
        _chosen(_Backend("first", None), _Backend("second", 1e-9))


def test_without_the_low_rank_method_clarabel_is_asked_again_without_equilibration(monkeypatch):
    """Two agents (no low-rank method): a loose Clarabel answer is sought again with Clarabel's
    equilibration off (L = (1, 2), mu = (0.2, 0.1), delta = 1/2: 1e-5 -> 1e-8 with OpenBLAS's
    Haswell kernels). Forced here (``above = 0``) so the second solve runs on every machine."""
    from pepcert.papers.ttd26 import classes_of, optimal_step, paper_lyapunov, two_agent_rate
    from pepcert.pep import backends, solvers
    from pepcert.pep.algorithms import BUILTIN_METHODS

    chosen, asked = [], []
    default = backends.nstep_backends

    def forced(*args, **kwargs):
        chosen.extend(default(*args, **kwargs))
        return tuple(TighterOf(b.first, b.second, above=0.0) for b in chosen)

    original = solvers.ClarabelSolver.solve

    def recording(self, problem):
        asked.append(self.tolerances.equilibrate)
        return original(self, problem)

    monkeypatch.setattr(backends, "nstep_backends", forced)
    monkeypatch.setattr(solvers.ClarabelSolver, "solve", recording)
    L, mu, delta = (1, 2), (0.2, 0.1), 0.5
    method = BUILTIN_METHODS["ef21"](optimal_step(L, mu, delta), 2)
    result = worst_case(method, classes_of(L, mu, delta), 1, measure=paper_lyapunov(L, mu, delta))
    assert chosen == [TighterOf(backends.ConicNStep("clarabel"), backends.ConicNStep("clarabel", equilibrate=False))]
    assert asked[0] and not asked[-1]
    assert result.tolerance <= 1e-7 and abs(result.value - two_agent_rate(L, mu, delta)) <= 1e-7
