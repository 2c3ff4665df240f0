r"""Sublinear answers: where no linear rate exists, the N-step worst cases and their O(1/N) law.

Over a class whose curvature may be 0 or negative (``mu <= 0``: L-smooth convex, hypoconvex or
nonconvex functions) no method of this kind has a linear rate: on ``f = h ||x||^2 / 2`` with
``h -> 0`` (a member of every such class) a gradient step moves ``x`` by ``eta h x``, so every
worst case contracts by a factor tending to 1 per step. What such a class has instead is an
``O(1/N)`` worst case (Drori & Teboulle 2014 for gradient descent on convex functions,
``f(x_N) - f* <= L ||x_0 - x*||^2 / (4 N h + 2)`` at step ``h/L``; Rotaru, Glineur & Patrinos,
arXiv 2406.17506, for ``min_k ||grad f(x_k)||^2`` on nonconvex ones). :func:`sublinear_rate`
answers with

1. the exact worst case of the measure after ``N = 1..N_max`` steps (performance estimation,
   :func:`pepcert.pep.problem.worst_case`) given the initial condition ``<= 1``: by default
   ``f(x_N) - f*`` from ``||x_0 - x*||^2 <= 1`` on convex classes and
   ``min_{k <= N} ||grad f(x_k)||^2`` from ``f(x_0) - f* <= 1`` on nonconvex ones;
2. the least-squares fit of ``C / (N + a)`` to the later half of those values (a *fit*,
   labelled so, with the largest relative deviation from the points it fits: it is exact for
   the two laws above);
3. with ``eta="optimal"``, the step that minimises the worst case at ``N = N_max`` (a log grid,
   then a bounded scalar search; a best step at an end of the searched range is reported as
   such, never as optimal).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from pepcert.pep.budget import Budget
from pepcert.pep.errors import BadInput, SolverFailure
from pepcert.pep.methods import Method, describe_measure
from pepcert.pep.problem import ProblemClass, worst_case
from pepcert.pep.serialise import jsonable

#: Step sizes searched for the N-step optimum, relative to 1/L (log grid of SEARCH_POINTS).
SUBLINEAR_STEP_RANGE = (1e-2, 4.0)
SEARCH_POINTS = 21
MAX_HORIZON = 100


def has_linear_rate(classes: ProblemClass) -> bool:
    """Whether the class can have a linear rate: its curvature is bounded below by a positive
    number (exactly: ``mu = 1e-400`` counts, ``mu = 0`` does not)."""
    lower = classes.function.curvature_bounds()[0]
    try:
        return bool(lower > 0)
    except TypeError:  # symbolic constants: their assumptions decide elsewhere
        return True


def no_linear_rate_reason(classes: ProblemClass) -> str:
    """Why a class has no linear rate, in one sentence (module docstring)."""
    return (f"no linear rate over {classes.function.describe()}: its curvature may be arbitrarily close to 0, where "
            "every step contracts by a factor tending to 1")


def default_measure(classes: ProblemClass) -> tuple[str, str]:
    """``(measure, initial)``: ``function`` from ``distance`` on convex classes,
    ``min-gradient`` from ``function`` on nonconvex ones."""
    lower = classes.function.curvature_bounds()[0]
    return ("function", "distance") if lower >= 0 else ("min-gradient", "function")


@dataclass(frozen=True)
class Fit:
    r"""``value(N) ~ C / (N + a)``: least squares on ``1/value = N/C + a/C``, with the largest
    relative deviation of the fit from the computed values (``max_deviation``)."""

    C: float
    a: float
    max_deviation: float
    first: int = 1  # fitted on N = first..N_max

    def __call__(self, N: float) -> float:
        return self.C / (N + self.a)

    def to_dict(self) -> dict:
        return jsonable({"form": "C / (N + a)", "C": self.C, "a": self.a, "max_relative_deviation": self.max_deviation,
                         "fitted_from_N": self.first, "kind": "least-squares fit to the computed worst cases (not a proof)"})


def fit_inverse(iterations, values) -> Fit | None:
    """The fit of ``C / (N + a)`` to the later half of the points (the asymptotic law; the first
    steps of a method with state are often off it) (:class:`Fit`); None when a value is not
    positive or fewer than two points remain."""
    half = len(iterations) // 2
    N, v = np.asarray(iterations[half:], dtype=float), np.asarray(values[half:], dtype=float)
    if len(N) < 2 or not np.all(v > 0) or not np.all(np.isfinite(v)):
        return None
    slope, intercept = np.polyfit(N, 1.0 / v, 1)
    if not slope > 0:
        return None
    C, a = 1.0 / slope, intercept / slope
    deviation = float(np.max(np.abs(C / (N + a) / v - 1.0)))
    return Fit(float(C), float(a), deviation, int(N[0]))


@dataclass(frozen=True)
class SublinearResult:
    """Worst cases after ``N = 1..N_max`` steps at step ``eta``, and their ``C/(N + a)`` fit."""

    method: str
    parameters: dict
    classes: dict
    reason: str  # why there is no linear rate
    measure: str
    initial: str
    eta: float
    step: str  # "given", "optimal" (minimises the worst case at N_max) or "at the edge of the search"
    iterations: tuple[int, ...]
    values: tuple[float, ...]
    tolerances: tuple[float, ...]
    fit: Fit | None
    solver: str
    seconds: float
    evaluations: int = 0
    start: str = "declared"  # the method's declared start, or "free" (every state variable free)
    potential: Any = None  # a PotentialResult: a bound for every N (pepcert.lyapunov.potential)
    potential_note: str = ""  # why there is none

    @property
    def statement(self) -> str:
        """``"f(x_N) - f* <= w(N) (||x_0 - x*||^2 (+ the state's))"`` in words, and where the run
        starts (the method's declared start: ``e_0 = 0``, ``d_0 = grad f(x_0)``, ...)."""
        origin = ", from the method's declared start" if self.start == "declared" else ", from a free state"
        return f"{describe_measure(self.measure)} <= w(N) ({describe_measure(self.initial, 0)}){origin}"

    def to_dict(self) -> dict:
        return jsonable({
            "kind": "sublinear", "method": self.method, "parameters": self.parameters, "classes": self.classes,
            "linear_rate": None, "linear_rate_reason": self.reason, "measure": self.measure, "initial": self.initial,
            "statement": self.statement, "start": self.start, "eta": self.eta, "step": self.step,
            "worst_cases": [{"N": N, "value": v, "tolerance": t}
                            for N, v, t in zip(self.iterations, self.values, self.tolerances)],
            "fit": self.fit, "solver": self.solver, "evaluations": self.evaluations, "seconds": self.seconds,
            "potential": self.potential, **({"potential_reason": self.potential_note} if self.potential is None else {}),
        })


def _start(method: Method) -> str:
    """From the method's declared start when it has one (``e_0 = 0``, ``d_0 = grad f(x_0)``:
    the setting of the papers' bounds), else from a free state."""
    return "free" if method.start is None else "declared"


def _value(factory, classes, eta, iterations, measure, initial, solver, budget) -> float:
    """The N-step worst case at ``eta``; +inf where the solver fails or it is unbounded."""
    method = factory(eta)
    try:
        result = worst_case(method, classes, iterations, measure=measure, initial=initial, solver=solver,
                            start=_start(method), budget=budget)
    except SolverFailure:
        return math.inf
    return result.value if result.status == "solved" else math.inf


def best_horizon_step(factory, classes, iterations, measure, initial, solver=None, budget=None) -> tuple[float, int, bool]:
    """``(eta, evaluations, at_edge)``: the step minimising the ``iterations``-step worst case
    (a log grid over :data:`SUBLINEAR_STEP_RANGE` / L, then scipy's bounded scalar search)."""
    from pepcert.analyses.rates import minimise_over_steps

    scale = classes.function.step_scale()
    if scale is None:
        raise BadInput(f"no natural step scale for {classes.function.describe()}: give the step size")
    return minimise_over_steps(
        lambda eta: _value(factory, classes, eta, iterations, measure, initial, solver, budget), scale,
        xatol=1e-6, span=SUBLINEAR_STEP_RANGE, points=SEARCH_POINTS)


def _potential(method, classes, measure, initial, iterations, values, tolerances):
    """``(PotentialResult, "")`` when a potential of the class's template proves a bound for
    every ``N`` on this measure, checked to lie above every computed worst case; else
    ``(None, why)``."""
    from pepcert.lyapunov.potential import potential_bound

    convex = classes.function.curvature_bounds()[0] >= 0
    template = ("function", "distance") if convex else ("min-gradient", "function")
    if (measure, initial) != template:
        return None, f"the potential templates bound {template[0]} from {template[1]} only"
    try:
        found = potential_bound(method, classes, initial)
    except (BadInput, SolverFailure) as error:
        return None, str(error)
    below = [N for N, v, t in zip(iterations, values, tolerances) if found.bound(N) < v * (1 - max(t, 1e-6))]
    if below:  # a floating-point proof below an exact worst case is wrong: never claimed
        return None, f"the potential found is below the computed worst case at N = {below[0]}: not claimed"
    return found, ""


def sublinear_rate(
    factory: Callable[[Any], Method],
    classes: ProblemClass,
    eta: Any = "optimal",
    horizon: int = 10,
    measure: str | None = None,
    initial: str | None = None,
    solver: str | None = None,
    budget: Budget | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> SublinearResult:
    """Worst cases for ``N = 1..horizon`` and their ``C/(N + a)`` fit (module docstring).

    ``eta="optimal"`` takes the step minimising the worst case at ``N = horizon``; ``measure``
    and ``initial`` default to :func:`default_measure`.
    """
    from pepcert.analyses.rates import float_classes

    if isinstance(horizon, bool) or not isinstance(horizon, int) or not 1 <= horizon <= MAX_HORIZON:
        raise BadInput(f"the horizon must be an integer in [1, {MAX_HORIZON}], got {horizon!r}")
    start = time.perf_counter()
    given, classes = classes.to_dict(), float_classes(classes)
    defaults = default_measure(classes)
    measure = measure or defaults[0]
    initial = initial or (defaults[1] if measure == defaults[0] else None)
    evaluations, step = 0, "given"
    if isinstance(eta, str):
        if eta != "optimal":
            raise BadInput(f"eta must be a number or 'optimal', got {eta!r}")
        eta, evaluations, at_edge = best_horizon_step(factory, classes, horizon, measure, initial, solver, budget)
        step = "at the edge of the search" if at_edge else "optimal"
    eta = float(eta)
    values, tolerances, solver_name, initial_name, start_name = [], [], "none", initial or "", "declared"
    for N in range(1, horizon + 1):
        if progress is not None:
            progress(N - 1, horizon, f"worst case after {N} steps")
        method = factory(eta)
        result = worst_case(method, classes, N, measure=measure, initial=initial, solver=solver, start=_start(method),
                            budget=budget)
        values.append(result.value)
        tolerances.append(result.tolerance)
        solver_name, initial_name, start_name = result.solver, result.initial, result.start
    iterations = tuple(range(1, horizon + 1))
    potential, note = _potential(factory(eta), classes, measure, initial_name, iterations, values, tolerances)
    return SublinearResult(
        method=factory(eta).name, parameters=dict(factory(eta).parameters), classes=given,
        reason=no_linear_rate_reason(classes), measure=measure, initial=initial_name, eta=eta, step=step,
        iterations=iterations, values=tuple(values), tolerances=tuple(tolerances),
        fit=fit_inverse(iterations, values), solver=solver_name, seconds=time.perf_counter() - start,
        evaluations=evaluations, start=start_name, potential=potential, potential_note=note)
