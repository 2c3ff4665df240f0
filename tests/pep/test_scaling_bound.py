"""The scaling instance's lower bound evaluated along the state recurrence
(``pepcert.pep.scaling_bound._recurred_form``): the papers' Lyapunov functions at N = 500 at
TTD25's rho*^N to 1e-12 (the trace basis alone: 6e-7 and 9.4e-7 above it), compressed
gradient's smallest function value at its closed form L/2 rho*^N, and the cases that
must keep the trace basis's evaluation (a step schedule, a declared start, a run that leaves the
recurrence after its first steps)."""

from __future__ import annotations

import dataclasses
from fractions import Fraction

import pytest

from pepcert.papers.ttd25 import closed_forms
from pepcert.pep import Contractive, ProblemClass, SmoothStronglyConvex, scaling_bound
from pepcert.pep.algorithms import BUILTIN_METHODS
from pepcert.pep.problem import nstep_problem

MU, L, DELTA = Fraction(1, 10), Fraction(1), Fraction(1, 2)
CLASSES = ProblemClass(SmoothStronglyConvex(0.1, 1.0), Contractive(0.5))


def _step(name: str) -> float:
    return float(closed_forms.optimal_step(name, MU, L, DELTA))


def _bound(method, iterations: int, measure: str = "lyapunov", start: str = "free"):
    problem = nstep_problem(method, CLASSES, iterations, measure, measure, "last", start)
    return scaling_bound.instance_lower_bound(problem.trace, problem.first, problem.tracked[-1])


def _trace_basis_only(monkeypatch):
    monkeypatch.setattr(scaling_bound, "_recurred_form", lambda *args: args[-1])


@pytest.mark.parametrize("name", ["ef", "ef21", "cgd"])
def test_the_lyapunov_bound_at_five_hundred_steps_is_rho_star_to_the_n(name):
    """V(z_N) = rho*^N V(z_0) on the worst scaling instance (TTD25): the bound is that to 1e-12."""
    rho = float(closed_forms.optimal_rate(name, MU, L, DELTA))
    bound = _bound(BUILTIN_METHODS[name](_step(name)), 500)
    assert abs(bound.value / rho**500 - 1) <= 1e-12


def test_the_smallest_function_value_at_five_hundred_steps_is_its_closed_form():
    """CGD's min_k f(x_k) - f* from ||x_0 - x_*||^2 <= 1 is L/2 rho*^N, attained at the last step
    of the worst scaling instance (docs/worst-case.md): to 1e-12 with m_N along the recurrence
    (the trace basis alone: 2e-7 above)."""
    rho = float(closed_forms.optimal_rate("cgd", MU, L, DELTA))
    problem = nstep_problem(BUILTIN_METHODS["cgd"](_step("cgd")), CLASSES, 500, "min-function", "distance", "min",
                            "free")
    bound = scaling_bound.instance_lower_bound(problem.trace, problem.first, problem.tracked[-1], problem.tracked)
    assert abs(bound.value / (float(L) / 2 * rho**500) - 1) <= 1e-12
    assert bound.F[-1] == bound.value  # the value variable tau of the smallest measure


def _scheduled(changes_from: int, factor: float, eta: float = 0.2):
    """Error feedback whose step is ``factor`` times ``eta`` from iteration ``changes_from`` on
    (a schedule: the step reads the iteration counter)."""
    ef = BUILTIN_METHODS["ef"]
    fixed, changed = ef(eta), ef(eta * factor)
    return dataclasses.replace(fixed, step=lambda state, oracle, k: (changed if k >= changes_from else fixed).step(state, oracle))


def _both(method, iterations: int, monkeypatch, **options) -> tuple[float, float]:
    """The bound as computed, and from the trace basis alone (exact to ~1e-13 at these N)."""
    computed = _bound(method, iterations, **options).value
    with monkeypatch.context() as patch:
        _trace_basis_only(patch)
        return computed, _bound(method, iterations, **options).value


def test_a_schedule_keeps_the_trace_basis(monkeypatch):
    """The last step alone is 1e-5 longer: the first two steps agree with a fixed map and the
    two evaluations differ by less than AGREE, so only the schedule's declaration keeps the
    recurrence (which would repeat the first step's map) away."""
    computed, trace_basis = _both(_scheduled(19, 1 + 1e-5), 20, monkeypatch)
    assert computed == pytest.approx(trace_basis, rel=1e-12)
    assert abs(computed / _bound(BUILTIN_METHODS["ef"](0.2), 20).value - 1) > 1e-7


def test_a_run_that_leaves_the_first_steps_map_keeps_the_trace_basis(monkeypatch):
    """Declared stationary anyway, a run whose step changes after its third is not the power of
    its first step's map: the two evaluations disagree by far more than rounding, and the trace
    basis's is kept."""
    method = _scheduled(3, 0.5)  # the value then moves by far more than AGREE
    original = nstep_problem

    def declared_stationary(*args, **kwargs):
        problem = original(*args, **kwargs)
        problem.trace.stationary = True
        return problem

    monkeypatch.setattr(f"{__name__}.nstep_problem", declared_stationary)
    computed, trace_basis = _both(method, 20, monkeypatch)
    assert computed == pytest.approx(trace_basis, rel=1e-12)


def test_a_declared_start_keeps_the_trace_basis(monkeypatch):
    """From x_0 alone (error feedback's e_0 = 0) the state is not the free variable: no
    recurrence; the bound is the trace basis's."""
    computed, trace_basis = _both(BUILTIN_METHODS["ef"](_step("ef")), 20, monkeypatch, measure="function",
                                  start="declared")
    assert computed == trace_basis
