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
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

from pepcert.pep.conic import ConicBuilder, smat, svec, svec_length
from pepcert.pep.errors import BadInput, SolverFailure
from pepcert.pep.expressions import Basis, Scalar, Vector
from pepcert.pep.methods import MEASURES, Features, Method
from pepcert.pep.solvers import LARGE_PROBLEM, get_solver, solve_accurately
from pepcert.pep.trace import (  # noqa: F401 (re-exported: the public home of these names)
    ProblemClass,
    SymbolicOracle,
    Trace,
    declared_state,
    features,
    initial_state,
)


def _starts_declared(method: Method, start: str, measure) -> bool:
    if start not in ("auto", "declared", "free"):
        raise BadInput(f"start must be 'auto', 'declared' or 'free', got {start!r}")
    if start == "declared" and method.start is None:
        raise BadInput(f"method {method.name} declares no start; use start='free'")
    return start == "declared" or (start == "auto" and measure == "function" and method.start is not None)


def _scalar(value, basis: Basis) -> Scalar:
    if isinstance(value, Scalar):
        return value
    if isinstance(value, Vector):
        raise BadInput("a measure must be a scalar (e.g. a squared norm), not a vector")
    return Scalar(basis, {}, {}, value)


def scalar_row(scalar: Scalar, n_vectors: int, n_values: int) -> tuple[np.ndarray, float]:
    """``(row, constant)`` with ``scalar = row . [svec(G), F] + constant`` (floats)."""
    row = np.concatenate([svec(scalar.gram_matrix(n_vectors)), scalar.value_row(n_values)])
    return row, float(scalar.constant)


@dataclass(frozen=True)
class WorstCaseResult:
    """The exact N-step worst case of a measure (numerical optimum of the PEP), with its inputs."""

    method: str
    parameters: Mapping[str, Any]
    classes: Mapping[str, Any]
    start: str  # "free" or "declared"
    iterations: int
    measure: str
    value: float
    rate_per_step: float
    multipliers: Mapping[str, float]
    gram: np.ndarray = field(repr=False)
    solver: str
    status: str  # "solved", or "unbounded" (value = inf: the initial bound does not control it)
    seconds: float
    tolerance: float  # the solver tolerance met

    def to_dict(self) -> dict:
        return {
            "method": self.method,
            "parameters": dict(self.parameters),
            "classes": dict(self.classes),
            "start": self.start,
            "iterations": self.iterations,
            "measure": self.measure,
            "value": self.value,
            "rate_per_step": self.rate_per_step,
            "multipliers": dict(self.multipliers),
            "solver": self.solver,
            "status": self.status,
            "tolerance": self.tolerance,
            "seconds": self.seconds,
        }


MeasureSpec = str | Callable[[Features, ProblemClass], Any]
WORST_CASE_LADDER = (1e-10, 1e-9, 1e-8, 1e-7, 1e-6, 1e-5, 1e-4)  # solver tolerances, tightest first


def _measure(method: Method, spec: MeasureSpec, z: Features, classes: ProblemClass):
    if callable(spec):
        return spec(z, classes)
    return method.measure(spec, z, classes)


def _symbolic_run(method, classes, iterations, measure, initial, aggregate, start, marks=None):
    """Run the method on symbolic vectors: ``(trace, initial scalar, tracked scalars, declared)``.

    ``marks`` (a list, optional) receives ``(basis vectors, basis values)`` after each step:
    which step created each basis element (the N-step solver's scaling uses it).

    A random compressor (``K`` outcomes per call) is modelled by its tree of outcomes: at
    step ``k`` every one of the ``K^k`` nodes calls the compressor with its own input and gets
    ``K`` equally likely outputs; a tracked measure is the mean over the nodes of its depth.
    """
    outcomes = classes.default_outcomes
    branches = classes.branches(outcomes)
    if branches > 1 and branches**iterations > 64:
        raise BadInput(
            f"a random compressor over {iterations} steps is a tree of {branches}^{iterations} outcomes; "
            "at most 64 leaves are modelled (use fewer iterations, or pepcert rate for the per-step rate)"
        )
    trace = Trace(classes, outcomes=outcomes)
    oracle = SymbolicOracle(trace)
    declared = _starts_declared(method, start, measure)
    state, optimum = (declared_state if declared else initial_state)(method, trace, oracle)
    z0 = features(method, state, optimum, oracle)
    first = _scalar(_measure(method, initial if initial is not None else measure, z0, classes), trace.basis)
    trace.label(state[0], "x0")
    tracked = [_scalar(_measure(method, measure, z0, classes), trace.basis)] if aggregate == "min" else []
    nodes = [((), state)]
    for k in range(iterations):
        nodes = [
            (path + (b,), method.advance(node_state, SymbolicOracle(trace, b, path), k))
            for path, node_state in nodes for b in range(branches)
        ]
        if marks is not None:
            marks.append((trace.basis.n_vectors, trace.basis.n_values))
        if aggregate == "min" or k == iterations - 1:
            values = [_scalar(_measure(method, measure, features(method, s, optimum, oracle), classes), trace.basis) for _, s in nodes]
            tracked.append(sum(values[1:], values[0]) / len(values))
        for path, node_state in nodes:
            trace.label(node_state[0], f"x{k + 1}" if branches == 1 else f"x{k + 1}^{''.join(map(str, path))}")
    return trace, first, tracked, declared


def _assemble(trace: Trace, first: Scalar, tracked: list, aggregate: str):
    """The PEP as a conic problem: ``(problem, multiplier names, svec(G) columns, offset)``.

    Variables ``(svec(G), F[, tau])``; every class inequality ``c <= 0`` and ``initial <= 1``
    as a nonnegative slack; ``G`` PSD. ``aggregate="last"`` maximises the tracked measure,
    ``"min"`` maximises ``tau <= measure_k`` for every ``k``.
    """
    constraints = trace.constraints()
    n, m = trace.basis.n_vectors, trace.basis.n_values
    builder = ConicBuilder()
    gram = builder.variables("G", svec_length(n))
    builder.variables("F", m)
    tau = builder.variables("tau", 1)[0] if aggregate == "min" else None
    total = builder.n_variables
    names = [name for name, _ in constraints] + ["initial"]
    scalars = [scalar for _, scalar in constraints] + [first]
    rows = np.zeros((len(scalars), total))
    rows[:, : len(gram)] = svec(np.array([s.gram_matrix(n) for s in scalars]))
    rows[:, len(gram) : len(gram) + m] = np.array([s.value_row(m) for s in scalars]).reshape(len(scalars), m)
    bounds = -np.array([float(s.constant) for s in scalars])
    bounds[-1] += 1.0  # initial <= 1
    builder.nonnegative(-rows, bounds)  # scalar <= 0
    objective = np.zeros(total)
    if aggregate == "last":
        row, offset = scalar_row(tracked[-1], n, m)
        objective[: len(row)] = -row
    else:  # maximise tau with tau <= measure_k for every k
        block, limits = [], []
        for k, scalar in enumerate(tracked):
            row, constant = scalar_row(scalar, n, m)
            coefficients = np.concatenate([row, np.zeros(total - len(row))])
            coefficients[tau] = -1.0
            block.append(coefficients)
            limits.append(constant)
            names.append(f"min_measure(x{k})")
        builder.nonnegative(np.array(block), limits)
        objective[tau], offset = -1.0, 0.0
    selector = np.zeros((len(gram), total))
    selector[np.arange(len(gram)), gram] = 1.0
    builder.psd(selector, np.zeros(len(gram)), n)
    problem, _ = builder.build(objective)
    return problem, names, gram, offset


LOWRANK_FROM = 8  # iterations from which the default is the low-rank method (measured, docs/worst-case.md)
CLARABEL_FALLBACK_MAX = 30  # a default low-rank failure falls back to Clarabel up to here (~tens of s)


def _use_lowrank(solver: str | None, trace: Trace, aggregate: str, iterations: int) -> bool:
    """``solver="lowrank"`` (refused when the problem does not qualify), or the default for a
    qualifying problem of at least :data:`LOWRANK_FROM` steps when MOSEK is not licensed."""
    from pepcert.pep.cutting import eligible
    from pepcert.pep.solvers import mosek_licensed

    if solver is not None and solver.lower() == "lowrank":
        if aggregate != "last" or not eligible(trace):
            raise BadInput(
                "the low-rank method needs one agent, a deterministic compressor, a pairwise function class "
                "and the measure at the last step; use --solver clarabel"
            )
        return True
    if solver is not None or aggregate != "last" or iterations < LOWRANK_FROM or mosek_licensed():
        return False
    return eligible(trace)


def _lowrank_result(trace: Trace, first: Scalar, final: Scalar, marks, common: dict, clock: float) -> WorstCaseResult:
    """The worst case through :mod:`pepcert.pep.nstep` (raises ``SolverFailure`` when no rung
    of the ladder is met)."""
    from pepcert.pep.nstep import SOLVER_NAME, worst_case_lowrank

    iterations = common["iterations"]
    answer = worst_case_lowrank(trace, first, final, marks, iterations, WORST_CASE_LADDER)
    gram_matrix = answer.gram.copy()
    gram_matrix.setflags(write=False)
    rate = answer.value ** (1.0 / iterations) if answer.value > 0 else math.nan
    return WorstCaseResult(
        **common, value=answer.value, rate_per_step=float(rate), multipliers=answer.multipliers, gram=gram_matrix,
        solver=SOLVER_NAME, status="solved", seconds=time.perf_counter() - clock, tolerance=answer.tolerance,
    )


def worst_case(
    method: Method,
    classes: ProblemClass,
    iterations: int,
    measure: MeasureSpec = "lyapunov",
    initial: MeasureSpec | None = None,
    aggregate: str = "last",
    solver: str | None = None,
    start: str = "auto",
) -> WorstCaseResult:
    """Largest ``measure`` after ``iterations`` steps given ``initial <= 1`` at the start.

    Args:
        measure: ``"lyapunov"`` (the method's paper Lyapunov function), ``"distance"``,
            ``"function"`` (``f - f*``), or a callable ``(z, classes) -> scalar``.
        initial: the quantity bounded by 1 at the start (default: ``measure``).
        aggregate: ``"last"`` maximises the measure at ``x_N``; ``"min"`` maximises the
            smallest measure over ``x_0, ..., x_N`` (e.g. the best gap of a subgradient method);
            with ``"min"``, ``iterations = 0`` is allowed (the measure at ``x_0`` alone).
        solver: back-end name: "clarabel", "scs", "mosek" or "lowrank" (:mod:`pepcert.pep.nstep`).
            Default: MOSEK if licensed; else "lowrank" from :data:`LOWRANK_FROM` steps on when
            the problem qualifies, Clarabel otherwise.
        start: ``"free"`` (every state variable free around the optimum's state),
            ``"declared"`` (the method's declared start from a free ``x0``), or ``"auto"``:
            declared for the ``function`` measure when the method declares a start (from a
            free state ``f(x0) - f* <= 1`` bounds nothing else, so the worst case would be
            unbounded), free otherwise.
    """
    if isinstance(iterations, bool) or not isinstance(iterations, int) or iterations < (0 if aggregate == "min" else 1):
        raise BadInput(f"the number of iterations must be a positive integer (or 0 with aggregate='min'), got {iterations!r}")
    if isinstance(measure, str) and measure not in MEASURES:
        raise BadInput(f"unknown measure {measure!r}; choose one of {', '.join(MEASURES)}")
    if aggregate not in ("last", "min"):
        raise BadInput(f"aggregate must be 'last' or 'min', got {aggregate!r}")
    clock = time.perf_counter()
    marks: list = []
    trace, first, tracked, declared = _symbolic_run(method, classes, iterations, measure, initial, aggregate, start, marks)
    measure_name = measure if isinstance(measure, str) else getattr(measure, "__name__", "custom")
    common = dict(
        method=method.name, parameters=dict(method.parameters), classes=classes.to_dict(),
        start="declared" if declared else "free", iterations=iterations, measure=measure_name,
    )
    if _use_lowrank(solver, trace, aggregate, iterations):
        try:
            return _lowrank_result(trace, first, tracked[-1], marks, common, clock)
        except SolverFailure:
            # Asked for by name, or too large for Clarabel's dense block: the failure stands.
            # Chosen by default on a problem Clarabel still solves: Clarabel answers instead.
            if solver is not None or iterations > CLARABEL_FALLBACK_MAX:
                raise
    problem, names, gram, offset = _assemble(trace, first, tracked, aggregate)
    n = trace.basis.n_vectors
    backend = get_solver(solver)
    # The ladder starts at 1e-10 (a 1-step worst case "solved" at 1e-8 was measured 2.9e-7 below
    # the exact value, at 1e-10 5e-10) and accepts checked residuals up to 1e-4 (some N = 20
    # distance worst cases stall at 1e-7 to 3e-5; docs/worst-case.md): the tolerance met is part
    # of the result, and the command line flags a value that met only a loose one.
    large = problem.n_variables >= LARGE_PROBLEM
    solution = solve_accurately(backend, problem, gaps=WORST_CASE_LADDER, refine_first=not large, max_solves=2 if large else 3)
    common["solver"] = backend.name
    if solution.status == "unbounded":
        return WorstCaseResult(
            **common, value=math.inf, rate_per_step=math.inf, multipliers={}, gram=np.zeros((n, n)),
            status="unbounded", seconds=time.perf_counter() - clock, tolerance=math.nan,
        )
    if not solution.solved:
        raise SolverFailure(
            f"{backend.name} returned status {solution.raw_status!r} for the {iterations}-step worst "
            f"case of {method.name}; the answer is not used"
        )
    value = -solution.objective + offset
    duals = solution.y[problem.zero : problem.zero + problem.nonneg]
    gram_matrix = smat(solution.x[gram])
    gram_matrix.setflags(write=False)
    rate = value ** (1.0 / iterations) if value > 0 and aggregate == "last" else math.nan
    return WorstCaseResult(
        **common, value=float(value), rate_per_step=float(rate),
        multipliers={name: float(duals[k]) for k, name in enumerate(names)}, gram=gram_matrix,
        status=solution.status, seconds=time.perf_counter() - clock, tolerance=solution.tolerance,
    )
