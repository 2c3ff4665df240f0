"""A conic solver's N-step answer closed by the scaling instance (``pepcert.pep.instance_close``):
the value is the instance's, attained, equal to TTD25's closed form rho*^N; the tolerance covers
the bracket to the dual bound and the dual bound's own error; an instance that fails its check,
a bracket that is wide or a dual bound that is loose leaves the solver's answer as it was."""

from __future__ import annotations

import dataclasses
from fractions import Fraction

import numpy as np
import pytest

from pepcert.papers.ttd25 import closed_forms
from pepcert.pep import (
    Contractive,
    ProblemClass,
    SmoothStronglyConvex,
    backends,
    chain_bound,
    instance_close,
    worst_case,
)
from pepcert.pep.algorithms import error_feedback as ef

MU, L, DELTA = Fraction(1, 10), Fraction(1), Fraction(1, 2)
CLASSES = ProblemClass(SmoothStronglyConvex(0.1, 1.0), Contractive(0.5))
ETA = float(closed_forms.optimal_step("ef", MU, L, DELTA))
RHO = float(closed_forms.optimal_rate("ef", MU, L, DELTA))
N = 5
CLOSED = "the dual bound's residuals and its gap to the attained value"


@pytest.fixture(autouse=True)
def _closing_alone(monkeypatch):
    """The closing alone: the one-step bound to the power N (``chain_bound``) would narrow some
    of these answers further and name itself in their source."""
    monkeypatch.setattr(chain_bound, "chained", lambda answer, *args: answer)


def solve(solver=None):
    return worst_case(ef(ETA), CLASSES, N, solver=solver)


@pytest.mark.parametrize("solver", [None, "clarabel", "scs"])
def test_the_value_is_the_attained_closed_form(solver):
    result = solve(solver)
    assert result.tolerance_source == CLOSED
    assert result.value == pytest.approx(RHO**N, rel=1e-13)
    assert result.tolerance <= (1e-8 if solver != "scs" else 1e-4)


def test_the_dual_bound_is_the_other_side_of_the_bracket(monkeypatch):
    """The solver's own answer (instance closing off) is the dual objective: above rho*^N by at
    most its tolerance; closed, the value is the instance's and the tolerance no looser."""
    closed = solve()
    monkeypatch.setattr(instance_close, "closed_by_instance", lambda answer, *args: answer)
    plain = solve()
    assert plain.tolerance_source != CLOSED
    assert abs(plain.value - RHO**N) <= plain.tolerance * RHO**N
    assert plain.value != closed.value and closed.tolerance <= plain.tolerance


def _bound_changed(monkeypatch, change):
    """Hand the closing an instance bound changed by ``change(bound)``."""
    original = backends._scaling

    def scaling(*args):
        found = original(*args)
        return dataclasses.replace(found, instance=change(found.instance))

    monkeypatch.setattr(backends, "_scaling", scaling)


def test_an_instance_that_fails_its_check_is_not_used(monkeypatch):
    """The instance's value with a point outside the initial condition (its Gram matrix moved
    by 1e-3 I): the bracket would close, the point is no member of the classes."""
    _bound_changed(monkeypatch, lambda b: dataclasses.replace(b, G=b.G + 1e-3 * np.eye(len(b.G))))
    result = solve()
    assert result.tolerance_source != CLOSED
    assert result.value == pytest.approx(RHO**N, rel=1e-8)


def test_on_a_tie_the_attained_value_is_reported(monkeypatch):
    """When the closed tolerance equals the solver's own, the instance's value is reported."""
    original = instance_close.closed_by_instance
    monkeypatch.setattr(instance_close, "closed_by_instance", lambda answer, *args: answer)
    plain = solve()
    monkeypatch.setattr(instance_close, "closed_by_instance", original)
    monkeypatch.setattr(instance_close, "dual_error", lambda problem, solution: plain.tolerance / 2)
    result = solve()
    assert result.tolerance_source == CLOSED and result.tolerance == plain.tolerance
    assert result.value == pytest.approx(RHO**N, rel=1e-13)


def test_a_wide_bracket_is_not_closed(monkeypatch):
    """A feasible point 1e-5 below the worst case (the instance shrunk): the bracket to the
    dual bound is 1e-5 wide, looser than the solver's own 1e-8, so the solver's answer stays."""
    _bound_changed(monkeypatch, lambda b: dataclasses.replace(b, value=b.value * (1 - 1e-5), G=b.G * (1 - 1e-5),
                                                              F=b.F * (1 - 1e-5)))
    result = solve()
    assert result.tolerance_source != CLOSED
    assert result.value == pytest.approx(RHO**N, rel=1e-8)


def test_a_loose_dual_bound_is_not_closed(monkeypatch):
    """A dual bound whose own error is 1e-3: the closed tolerance would be looser than the
    solver's, so the solver's answer stands, exactly as it is with the closing off."""
    monkeypatch.setattr(instance_close, "dual_error", lambda problem, solution: 1e-3)
    result = solve()
    monkeypatch.setattr(instance_close, "closed_by_instance", lambda answer, *args: answer)
    plain = solve()
    assert result.tolerance_source != CLOSED and result.tolerance_source == plain.tolerance_source
    assert (result.value, result.tolerance) == (plain.value, plain.tolerance)


def _solution(x, y):
    from pepcert.pep.conic import ConicSolution

    return ConicSolution("solved", np.array(x), np.array(y), 0.0, "test", 0.0, 0, "solved")


def test_dual_error_counts_the_dual_residual_and_the_cones():
    """``max x0 + x1`` with ``diag(1 - x0, 1 - x1)`` PSD: ``s = b - A x`` one 2x2 PSD block (svec
    order ``(0,0), (0,1), (1,1)``). An exact dual point costs nothing;
    a dual point moved off its equations by ``r`` is charged ``|r.x|``; a dual block with
    eigenvalue ``-e`` is charged ``e`` times the primal block's trace; all relative to ``b.y``."""
    from pepcert.pep.conic import ConicProblem, CSCMatrix

    A = CSCMatrix.from_dense(np.array([[1.0, 0.0], [0.0, 0.0], [0.0, 1.0]]))
    problem = ConicProblem(np.array([-1.0, -1.0]), A, np.array([1.0, 0.0, 1.0]), 0, 0, (2,))
    assert instance_close.dual_error(problem, _solution([1.0, 1.0], [1.0, 0.0, 1.0])) == 0.0  # X = 0, Y = I
    moved = _solution([1.0, 1.0], [1.01, 0.0, 1.0])  # c + A^T y = (0.01, 0), b.y = 2.01
    assert instance_close.dual_error(problem, moved) == pytest.approx(0.01 / 2.01, rel=1e-12)
    negative = _solution([0.0, 0.0], [2.0, 0.0, -0.5])  # X = I (trace 2), Y = diag(2, -0.5), b.y = 1.5
    # stationarity (1, -1.5).x = 0; the cone: 0.5 * 2
    assert instance_close.dual_error(problem, negative) == pytest.approx(1.0 / 1.5, rel=1e-12)
