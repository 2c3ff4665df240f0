"""N-step worst-case problems: run a method on symbolic vectors, assemble, solve, read back.

The performance-estimation problem (PEP; Drori & Teboulle 2014, Taylor, Hendrickx & Glineur
2017) of a method after ``N`` steps is

    maximise    measure(x_N, ...)
    subject to  measure(x_0, ...) <= 1,
                interpolation inequalities of the function class at every oracle point,
                the compressor class's inequalities at every compressor call,
                G = Gram matrix of the basis vectors >= 0,

a semidefinite program in ``(G, F)`` whose optimal value is the exact worst case over every
function of the class, every admissible compressor output and every dimension. Its dual
multipliers (one per inequality) are returned with the value: they are the weights of the
proof that the bound holds.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pepcert.pep.budget import Budget, require, require_traceable
from pepcert.pep.errors import BadInput, SolverFailure
from pepcert.pep.expressions import Basis, Scalar, Vector
from pepcert.pep.methods import DEFAULT_INITIAL, INITIALS, MEASURES, Features, Method, split_measure
from pepcert.pep.serialise import jsonable
from pepcert.pep.trace import (
    ProblemClass,
    SymbolicOracle,
    Trace,
    declared_state,
    features,
    initial_state,
)


def _starts_declared(method: Method, start: str, initial) -> bool:
    """Whether the run starts from the method's declared start. ``auto``: when the initial
    condition bounds ``x0`` only (``function``, ``gradient``) and the method declares a start:
    from a free state such a condition bounds nothing else, and the worst case is unbounded."""
    if start not in ("auto", "declared", "free"):
        raise BadInput(f"start must be 'auto', 'declared' or 'free', got {start!r}")
    if start == "declared" and method.start is None:
        raise BadInput(f"method {method.name} declares no start; use start='free'")
    return start == "declared" or (start == "auto" and initial in ("function", "gradient") and method.start is not None)


def _scalar(value, basis: Basis) -> Scalar:
    if isinstance(value, Scalar):
        return value
    if isinstance(value, Vector):
        raise BadInput("a measure must be a scalar (e.g. a squared norm), not a vector")
    return Scalar(basis, {}, {}, value)


@dataclass(frozen=True)
class WorstCaseResult:
    """The exact N-step worst case of a measure (numerical optimum of the PEP), with its inputs."""

    method: str
    parameters: Mapping[str, Any]
    classes: Mapping[str, Any]
    start: str  # "free" or "declared"
    iterations: int
    measure: str
    initial: str  # the quantity bounded by 1 at the start
    value: float
    rate_per_step: float
    multipliers: Mapping[str, float]
    gram: np.ndarray = field(repr=False)
    solver: str
    status: str  # "solved", or "unbounded" (value = inf: the initial bound does not control it)
    seconds: float
    tolerance: float  # the solver tolerance met
    tolerance_source: str = "the solver's residuals and gap"  # what was checked against it


    def _repr_latex_(self) -> str:
        """Jupyter's display (:mod:`pepcert.pep.latex_statements`)."""
        from pepcert.pep.latex_statements import notebook_latex

        return notebook_latex(self.to_dict(), "worst-case")

    def _repr_html_(self) -> str:
        from pepcert.pep.latex_statements import notebook_html

        return notebook_html(self.to_dict(), "worst-case")

    def latex(self) -> str:
        """The result as a LaTeX theorem (paste into a paper; ``pepcert ... --latex`` prints it as a document)."""
        from pepcert.pep.latex_statements import worst_case_theorem
        return worst_case_theorem(self.to_dict())

    def to_dict(self) -> dict:
        reason = {"value_reason": "unbounded: the initial condition does not bound the measure"} \
            if self.status == "unbounded" else {}
        return jsonable({
            "method": self.method,
            "parameters": dict(self.parameters),
            "classes": dict(self.classes),
            "start": self.start,
            "iterations": self.iterations,
            "measure": self.measure,
            "initial": self.initial,
            "value": self.value,
            "rate_per_step": self.rate_per_step,
            "multipliers": dict(self.multipliers),
            "solver": self.solver,
            "status": self.status,
            "tolerance": self.tolerance,
            "tolerance_source": self.tolerance_source,
            "seconds": self.seconds,
            **reason,
        })


MeasureSpec = str | Callable[[Features, ProblemClass], Any]


def _measure(method: Method, spec: MeasureSpec, z: Features, classes: ProblemClass):
    if callable(spec):
        return spec(z, classes)
    return method.measure(spec, z, classes)


def _spec_name(spec: MeasureSpec) -> str:
    return spec if isinstance(spec, str) else getattr(spec, "__name__", "custom")


def _measure_and_initial(measure: MeasureSpec, initial: MeasureSpec | None, aggregate: str):
    """``(quantity, initial, aggregate)``: ``min-`` measures name their aggregate, and a missing
    initial condition is the measure's default (:data:`~pepcert.pep.methods.DEFAULT_INITIAL`)."""
    quantity: MeasureSpec
    if isinstance(measure, str):
        if measure not in MEASURES:
            raise BadInput(f"unknown measure {measure!r}; choose one of {', '.join(MEASURES)}")
        if initial is None:
            initial = DEFAULT_INITIAL[measure]
        quantity, named = split_measure(measure)
        if named == "min":
            aggregate = "min"
    else:
        quantity, initial = measure, measure if initial is None else initial
    if isinstance(initial, str) and initial not in INITIALS:
        raise BadInput(f"unknown initial condition {initial!r}; choose one of {', '.join(INITIALS)}")
    if aggregate not in ("last", "min"):
        raise BadInput(f"aggregate must be 'last' or 'min', got {aggregate!r}")
    return quantity, initial, aggregate


def _symbolic_run(method, classes, iterations, measure, initial, aggregate, start, marks=None):
    """Run the method on symbolic vectors: ``(trace, initial scalar, tracked scalars, declared)``.

    ``marks`` (a list, optional) receives ``(basis vectors, basis values)`` after each step:
    which step created each basis element (the N-step solver's scaling uses it).

    A random compressor (``K`` outcomes per call) is modelled by its tree of outcomes: at
    step ``k`` every one of the ``K^k`` nodes calls the compressor with its own input and gets
    ``K`` equally likely outputs; a tracked measure is the mean over the nodes of its depth.
    """
    initial = measure if initial is None else initial
    outcomes = classes.default_outcomes
    branches = classes.branches(outcomes)
    if branches > 1 and branches**iterations > 64:
        raise BadInput(
            f"a random compressor over {iterations} steps is a tree of {branches}^{iterations} outcomes; "
            "at most 64 leaves are modelled (use fewer iterations, or pepcert rate for the per-step rate)"
        )
    trace = Trace(classes, outcomes=outcomes)
    oracle = SymbolicOracle(trace)
    declared = _starts_declared(method, start, initial)
    state, optimum = (declared_state if declared else initial_state)(method, trace, oracle)
    if branches == 1:
        trace.states = [state]
        trace.stationary = not method.takes_iteration
    z0 = features(method, state, optimum, oracle)
    first = _scalar(_measure(method, initial, z0, classes), trace.basis)
    trace.label(state[0], "x0")
    tracked = [_scalar(_measure(method, measure, z0, classes), trace.basis)] if aggregate == "min" else []
    nodes: list[tuple[tuple[int, ...], Any]] = [((), state)]
    for k in range(iterations):
        nodes = [
            (path + (b,), method.advance(node_state, SymbolicOracle(trace, b, path, stochastic=True), k))
            for path, node_state in nodes for b in range(branches)
        ]
        if marks is not None:
            marks.append((trace.basis.n_vectors, trace.basis.n_values))
        if branches == 1:
            trace.states.append(nodes[0][1])
        if aggregate == "min" or k == iterations - 1:
            values = [_scalar(_measure(method, measure, features(method, s, optimum, oracle), classes), trace.basis) for _, s in nodes]
            tracked.append(sum(values[1:], values[0]) / len(values))
        for path, node_state in nodes:
            trace.label(node_state[0], f"x{k + 1}" if branches == 1 else f"x{k + 1}^{''.join(map(str, path))}")
    return trace, first, tracked, declared


def _check_iterations(iterations, aggregate: str) -> None:
    if isinstance(iterations, bool) or not isinstance(iterations, int) or iterations < (0 if aggregate == "min" else 1):
        raise BadInput(f"the number of iterations must be a positive integer (or 0 with aggregate='min'), got {iterations!r}")


@dataclass(frozen=True)
class NStepProblem:
    """The traced N-step problem of a method, before any solver sees it: the trace (basis,
    constraints), the initial condition ``first`` (a Scalar bounded by 1), the tracked measures
    (the last one for ``aggregate == "last"``, one per ``x_0, ..., x_N`` for ``"min"``), and the
    names :func:`worst_case` reports."""

    trace: Trace
    first: Scalar
    tracked: list
    aggregate: str
    start: str  # "free" or "declared"
    measure: str
    initial: str
    iterations: int
    marks: list = field(repr=False, default_factory=list)


def nstep_problem(method: Method, classes: ProblemClass, iterations: int, measure: MeasureSpec = "lyapunov",
                  initial: MeasureSpec | None = None, aggregate: str = "last", start: str = "auto") -> NStepProblem:
    """Run ``method`` on symbolic vectors for ``iterations`` steps (arguments as
    :func:`worst_case`): the problem :func:`worst_case` solves, and an exact certificate
    rebuilds in rationals."""
    quantity, initial, aggregate = _measure_and_initial(measure, initial, aggregate)
    _check_iterations(iterations, aggregate)
    require_traceable(classes.agents, iterations, classes.branches(classes.default_outcomes))
    marks: list = []
    trace, first, tracked, declared = _symbolic_run(method, classes, iterations, quantity, initial, aggregate, start, marks)
    measure_name = _spec_name(measure)
    if not isinstance(measure, str) and aggregate == "min":
        measure_name = f"min-{measure_name}"
    return NStepProblem(trace, first, tracked, aggregate, "declared" if declared else "free", measure_name,
                        _spec_name(initial), iterations, marks)


def _solve(backends, problem: tuple, progress, budget: Budget):
    """The first back-end's answer that does not fail; when every one fails, one failure that
    names each back-end and why (a single back-end's message unchanged). A fallback whose
    estimate exceeds ``budget`` is not run (the first one's was checked before any work):
    measured, a 200-step sublinear worst case fell back to Clarabel on a working set of pairs
    and died allocating 49 GB."""
    iterations = problem[-1]
    reasons: list[str] = []
    for index, backend in enumerate(backends):
        name = backend.name  # every back-end names itself (NStepBackend)
        estimate = backend.work(problem[0], iterations) if index else None
        if estimate is not None:
            try:
                require(estimate, budget)
            except BadInput as over:
                reasons.append(f"{name} was not run: {over}")
                continue
        if progress is not None:
            progress(1, 2, f"solving the {iterations}-step problem ({name})")
        try:
            return backend.solve(*problem)
        except SolverFailure as error:
            reasons.append(f"{name}: {error}" if len(backends) > 1 else str(error))
    if reasons:
        raise SolverFailure("; ".join(reasons))
    raise AssertionError("no back-end to try")


def worst_case(
    method: Method,
    classes: ProblemClass,
    iterations: int,
    measure: MeasureSpec = "lyapunov",
    initial: MeasureSpec | None = None,
    aggregate: str = "last",
    solver: str | None = None,
    start: str = "auto",
    budget: Budget | None = None,
    progress: Callable[[int, int | None, str], None] | None = None,
) -> WorstCaseResult:
    """Largest ``measure`` after ``iterations`` steps given ``initial <= 1`` at the start.

    Args:
        measure: ``"lyapunov"`` (the method's paper Lyapunov function), ``"distance"``,
            ``"function"`` (``f - f*``), ``"gradient"`` (``||grad f(x)||^2``), ``"min-gradient"``
            and ``"min-function"`` (their smallest value over ``x_0, ..., x_N``), or a callable
            ``(z, classes) -> scalar``.
        initial: the quantity bounded by 1 at the start: ``"distance"``, ``"function"``,
            ``"lyapunov"``, ``"gradient"`` or a callable. Default:
            :data:`~pepcert.pep.methods.DEFAULT_INITIAL` (the measure itself, ``function`` for
            the gradient measures, ``distance`` for ``min-function``).
        aggregate: ``"last"`` maximises the measure at ``x_N``; ``"min"`` maximises the
            smallest measure over ``x_0, ..., x_N`` (e.g. the best gap of a subgradient method);
            with ``"min"``, ``iterations = 0`` is allowed (the measure at ``x_0`` alone). The
            ``min-`` measures set it.
        solver: back-end name: "clarabel", "scs", "mosek" or "lowrank" (:mod:`pepcert.pep.backends`).
            Default: MOSEK if licensed; else "lowrank" from ``LOWRANK_FROM`` steps on when
            the problem qualifies (Clarabel if it fails, up to ``CLARABEL_FALLBACK_MAX``
            steps), Clarabel otherwise.
        start: ``"free"`` (every state variable free around the optimum's state),
            ``"declared"`` (the method's declared start from a free ``x0``), or ``"auto"``:
            declared when the initial condition is ``function`` or ``gradient`` and the method
            declares a start (from a free state they bound nothing but ``x0``, so the worst
            case would be unbounded), free otherwise.
        budget: the most the conic solve may take (estimated seconds and bytes; default
            :class:`~pepcert.pep.budget.Budget`): a larger problem is refused before it is built.
        progress: ``progress(done, 2, what)`` at building the problem and at each solver tried.
    """
    quantity, start_quantity, checked = _measure_and_initial(measure, initial, aggregate)  # checked before any work
    _check_iterations(iterations, checked)
    clock = time.perf_counter()
    if progress is not None:
        progress(0, 2, f"building the {iterations}-step problem")
    problem = nstep_problem(method, classes, iterations, measure, initial, aggregate, start)
    trace, first, tracked, aggregate, marks = problem.trace, problem.first, problem.tracked, problem.aggregate, problem.marks
    common: dict[str, Any] = dict(
        method=method.name, parameters=dict(method.parameters), classes=classes.to_dict(),
        start=problem.start, iterations=iterations, measure=problem.measure, initial=problem.initial,
    )
    from pepcert.pep.backends import nstep_backends
    from pepcert.pep.chain_bound import Chain

    # a factor per step only where the measure is the initial quantity, at the last step
    same = aggregate == "last" and common["initial"] == _spec_name(quantity) and classes.noise is None
    chain = None if classes.noise is not None else Chain(method, classes, iterations, quantity, start_quantity,
                                                          problem.start)
    backends = nstep_backends(solver, trace, aggregate, iterations, finish=None if chain is None else chain.narrowed)
    estimate = backends[0].work(trace, iterations)
    if estimate is not None:
        require(estimate, budget or Budget())
    answer = _solve(backends, (trace, first, tracked, aggregate, marks, iterations), progress, budget or Budget())
    if answer.status == "unbounded":
        n = trace.basis.n_vectors
        return WorstCaseResult(
            **common, value=math.inf, rate_per_step=math.inf, multipliers={}, gram=np.zeros((n, n)), solver=answer.solver,
            status="unbounded", seconds=time.perf_counter() - clock, tolerance=math.nan,
        )
    if chain is not None:
        from pepcert.pep.chain_bound import chained

        answer = chained(answer, chain)
    rate = answer.value ** (1.0 / iterations) if answer.value > 0 and same else math.nan
    return WorstCaseResult(
        **common, value=answer.value, rate_per_step=float(rate), multipliers=answer.multipliers, gram=answer.gram,
        solver=answer.solver, status="solved", seconds=time.perf_counter() - clock, tolerance=answer.tolerance,
        tolerance_source=answer.tolerance_source,
    )
