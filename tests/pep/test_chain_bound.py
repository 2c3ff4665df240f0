"""The N-step worst case's tolerance narrowed by the one-step worst case to the power N
(``pepcert.pep.chain_bound``): error feedback's Lyapunov measure at N = 100, whose value is
TTD25's rho*^N; compressed gradient's gradient and smallest function value at N = 200, chained
through its Lyapunov function f - f* with the ends bounded by zero-step problems (closed forms
2L rho*^N and L/2 rho*^N); and the cases it must leave alone (a value not attained, a value
above the chained bound, a one-step answer whose own tolerance makes the bracket wide, constant
terms, a step schedule, no Lyapunov function)."""

from __future__ import annotations

import dataclasses
from fractions import Fraction
from types import SimpleNamespace

import pytest

from pepcert.papers.ttd25 import closed_forms
from pepcert.pep import Contractive, ProblemClass, SmoothStronglyConvex, chain_bound, instance_close, problem
from pepcert.pep.algorithms import BUILTIN_METHODS
from pepcert.pep.algorithms import error_feedback as ef

MU, L, DELTA = Fraction(1, 10), Fraction(1), Fraction(1, 2)
CLASSES = ProblemClass(SmoothStronglyConvex(0.1, 1.0), Contractive(0.5))
ETA = float(closed_forms.optimal_step("ef", MU, L, DELTA))
RHO = float(closed_forms.optimal_rate("ef", MU, L, DELTA))
CGD_ETA = float(closed_forms.optimal_step("cgd", MU, L, DELTA))
CGD_RHO = float(closed_forms.optimal_rate("cgd", MU, L, DELTA))
CHAINED = "bracketed by the one-step worst case to the power"
SOLVE = problem.worst_case


def test_error_feedback_at_a_hundred_steps():
    result = SOLVE(ef(ETA), CLASSES, 100)
    assert CHAINED in result.tolerance_source and result.tolerance <= 1e-7
    assert abs(result.value / RHO**100 - 1) <= result.tolerance


def test_the_one_step_worst_case_is_tight():
    """The bound the chain multiplies: rho*, closed by the instance at 1e-10."""
    from pepcert.pep.problem import nstep_problem

    one = chain_bound._one_step(nstep_problem(ef(ETA), CLASSES, 1, "lyapunov", "lyapunov", "last", "free"))
    assert one.attained and one.tolerance == 1e-10
    assert one.value == pytest.approx(RHO, rel=1e-14)


def test_without_the_chain_the_tolerance_is_the_solve_s(monkeypatch):
    monkeypatch.setattr(chain_bound, "chained", lambda answer, *args: answer)
    result = SOLVE(ef(ETA), CLASSES, 100)
    assert CHAINED not in result.tolerance_source and result.tolerance > 1e-7


def _one_step_changed(monkeypatch, change):
    """The chain's one-step worst case changed by ``change(answer)``."""
    one_step = chain_bound._one_step
    monkeypatch.setattr(chain_bound, "_one_step", lambda problem: change(one_step(problem)))


def test_a_value_above_the_chained_bound_is_not_narrowed(monkeypatch):
    _one_step_changed(monkeypatch, lambda r: dataclasses.replace(r, value=r.value * (1 - 1e-8)))
    result = SOLVE(ef(ETA), CLASSES, 100)  # the bound (rho (1 - 1e-8))^100 is 1e-6 below the value
    assert CHAINED not in result.tolerance_source


def test_the_one_step_tolerance_is_counted_n_times(monkeypatch):
    _one_step_changed(monkeypatch, lambda r: dataclasses.replace(r, tolerance=1e-6))
    result = SOLVE(ef(ETA), CLASSES, 100)  # (1 + 1e-6)^100: a bracket of 1e-4
    assert CHAINED not in result.tolerance_source


def test_a_value_not_attained_is_not_narrowed(monkeypatch):
    """Clarabel's dual objective (the instance closing off) is no lower bound: a bracket above
    it says nothing about how far above the worst case it sits."""
    monkeypatch.setattr(instance_close, "closed_by_instance", lambda answer, *args: answer)
    result = SOLVE(ef(ETA), CLASSES, 20, solver="clarabel")  # the dual objective, 2.3e-9 below rho*^20
    assert CHAINED not in result.tolerance_source and result.tolerance >= 1e-5


def test_a_method_with_a_schedule_is_not_narrowed():
    """A step that reads the iteration counter may differ at every step: the first step's worst
    case bounds none of the later ones (here the schedule is constant, so only the declaration
    tells; the solve's own tolerance stays)."""
    method = ef(ETA)
    scheduled = dataclasses.replace(method, step=lambda state, oracle, k: method.step(state, oracle))
    assert scheduled.takes_iteration
    result = SOLVE(scheduled, CLASSES, 100)
    assert CHAINED not in result.tolerance_source and result.tolerance > 1e-7
    assert abs(result.value / RHO**100 - 1) <= result.tolerance


def test_constant_terms_are_not_homogeneous():
    def problem_with(constant):
        zero, other = SimpleNamespace(constant=0), SimpleNamespace(constant=constant)
        trace = SimpleNamespace(identities=lambda: ([], []), constraints=lambda: [("a", zero), ("b", other)])
        return SimpleNamespace(trace=trace, first=zero, tracked=[zero])

    assert chain_bound._homogeneous(problem_with(0))
    assert not chain_bound._homogeneous(problem_with(Fraction(-1, 3)))


ATTAINED = SimpleNamespace(attained=True, tolerance=1e-5, value=1.0)  # an answer the chain may narrow


def _cgd():
    return BUILTIN_METHODS["cgd"](CGD_ETA)


@pytest.mark.parametrize("measure, closed_form", [("min-function", 0.5), ("gradient", 2.0)])
def test_compressed_gradient_through_its_lyapunov_function(measure, closed_form):
    """At N = 200 the chordal solve alone states 1e-5 (min-function) and 1e-6 (gradient); the
    chain through f - f* states 1e-7, and the values are L/2 rho*^N (from ||x_0 - x_*||^2 <= 1)
    and 2L rho*^N (from f(x_0) - f* <= 1)."""
    result = SOLVE(_cgd(), CLASSES, 200, measure)
    assert CHAINED in result.tolerance_source and result.tolerance <= 1e-7
    assert abs(result.value / (closed_form * CGD_RHO**200) - 1) <= result.tolerance


@pytest.mark.parametrize("measure, initial, start, ends", [
    ("gradient", "function", "declared", (2.0, 1.0)),  # ||g||^2 <= 2L (f - f*); f - f* is V
    ("function", "distance", "free", (1.0, 0.5)),  # f - f* is V; V <= L/2 ||x - x*||^2
])
def test_the_ends_of_the_chain_are_the_closed_forms(measure, initial, start, ends):
    chain = chain_bound.Chain(_cgd(), CLASSES, 200, measure, initial, start)
    assert chain.through == "lyapunov"
    (a, t_a), one, (b, t_b) = chain.factors
    assert a == pytest.approx(ends[0], rel=1e-10) and b == pytest.approx(ends[1], rel=1e-10)
    assert t_a <= 1e-9 and t_b <= 1e-9
    assert one.value == pytest.approx(CGD_RHO, rel=1e-12)


def test_a_method_without_a_lyapunov_function_has_no_chain_between_two_quantities():
    """The chain would run through V, which the method does not have: its problems are refused
    (BadInput), and the chain is absent rather than a failure."""
    from pepcert.pep.errors import BadInput
    from pepcert.pep.problem import nstep_problem

    method = BUILTIN_METHODS["econtrol"](0.1)
    chain = chain_bound.Chain(method, CLASSES, 10, "function", "distance")
    assert method.lyapunov is None and chain.through == "lyapunov"
    with pytest.raises(BadInput):
        nstep_problem(method, CLASSES, 1, "lyapunov", "lyapunov", "last", "free")
    assert chain.factors is None
    assert chain.narrowed(ATTAINED) is ATTAINED
