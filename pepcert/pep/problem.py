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
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from pepcert.pep.conic import ConicBuilder, smat, svec, svec_length
from pepcert.pep.errors import BadInput, SolverFailure
from pepcert.pep.expressions import Basis, Scalar, Vector
from pepcert.pep.functions import Point
from pepcert.pep.methods import MEASURES, Features, Method
from pepcert.pep.solvers import LARGE_PROBLEM, get_solver, solve_accurately


@dataclass(frozen=True)
class ProblemClass:
    """The assumptions of an analysis: a function class and a compressor class (or None).

    Both follow the class protocol of ``docs/architecture.md``: their inequalities, their
    numbers (``converted``), and, where the class has them, the scaling instances that give
    lower bounds. Analyses talk to the classes only through it.
    """

    function: Any
    compressor: Any = None

    def describe(self) -> str:
        parts = [self.function.describe()]
        if self.compressor is not None:
            parts.append(self.compressor.describe())
        return "; ".join(parts)

    def converted(self, number) -> "ProblemClass":
        """Both classes with their numbers converted by ``number``."""
        compressor = None if self.compressor is None else self.compressor.converted(number)
        return ProblemClass(self.function.converted(number), compressor)

    def scaling_family(self):
        """The compressor's lower-bound scalings (the identity when there is no compressor)."""
        if self.compressor is None:
            from pepcert.pep.compressors import ScalingFamily

            return ScalingFamily(1.0, 1.0, lambda _: (1.0,), lambda _: (1,))
        family = getattr(self.compressor, "scaling_family", None)
        return None if family is None else family()

    @property
    def agents(self) -> int:
        """The number of agents (1 unless the function class is :class:`Distributed`)."""
        return getattr(self.function, "agents", 1)

    def branches(self, outcomes: int) -> int:
        """Joint outcomes of one step: every agent draws its own outcome independently, so a
        step with ``outcomes`` per call and ``n`` agents has ``outcomes^n`` equally likely
        branches (1 for a deterministic compressor)."""
        return 1 if outcomes == 1 else outcomes ** self.agents

    @property
    def default_outcomes(self) -> int:
        """One outcome for a deterministic compressor (or none), two for a random one."""
        return 1 if self.compressor is None or self.compressor.deterministic else 2

    def to_dict(self) -> dict:
        """The classes as data: type names and their numbers (as given)."""
        def entry(item):
            if item is None:
                return None
            if hasattr(item, "to_entry"):
                return item.to_entry()
            fields = {"type": type(item).__name__, **item.numbers()}
            if getattr(item, "in_expectation", False) and type(item).__name__ == "Contractive":
                fields["in_expectation"] = True
            return fields

        return {"function": entry(self.function), "compressor": entry(self.compressor)}


class Trace:
    """Everything a run of a method on symbolic vectors touched (one problem's record).

    Oracle points are cached by the exact coefficients of ``x``: a gradient asked twice at the
    same point is the same vector. A deterministic compressor is a function too, so it is
    cached by its input; with several *outcomes* (a random compressor), the ``k``-th call of
    every outcome's branch must have the same input and returns that outcome's output.
    """

    def __init__(self, classes: ProblemClass, outcomes: int = 1, number=float):
        self.classes = classes
        self.outcomes = outcomes
        self.basis = Basis()
        self.agents = classes.agents
        self.branches = classes.branches(outcomes)
        zero = self.basis.zero_vector()
        # Vector and value origins are recorded from the start (x* may own agent gradients).
        self._vector_origins: list[tuple] = []
        self._value_origins: list[tuple] = []
        self._points: list[list] = [[zero, zero, self.basis.zero_scalar(), "x*", self._optimum_agents(zero)]]
        self._point_index: dict[tuple, int] = {zero.key(): 0}
        self._compressions: list[tuple[str, Vector, list[Vector]]] = []
        self._compress_cache: dict[tuple, Vector] = {}
        self._random_calls: dict[tuple, tuple] = {}  # (node, call) -> (input, outputs)
        # How each basis vector / value came to be, to replay the trace on an instance:
        # ("state", k) | ("gradient", x, agent) | ("compress", v, agent, outcome) |
        # ("optimum gradient", agent); values: ("value", x, agent).
        self._pending_labels: dict[tuple, str] = {}

    def _optimum_agents(self, zero: Vector) -> list:
        """Per-agent ``(grad f_i(x*), f_i(x*) = 0)``: zero with a common minimiser, else free
        vectors with ``sum_i grad f_i(x*) = 0`` (the last is minus the sum of the others)."""
        if self.agents == 1 and not hasattr(self.classes.function, "agents"):
            return []
        if getattr(self.classes.function, "common_minimizer", True) or self.agents == 1:
            gradients = [zero] * self.agents
        else:
            gradients = []
            for i in range(self.agents - 1):
                gradients.append(self.basis.new_vector(f"g_{i + 1}(x*)"))
                self._vector_origins.append(("optimum gradient", i))
            gradients.append(-sum(gradients[1:], gradients[0]))
        return [(g, self.basis.zero_scalar()) for g in gradients]

    def _record(self, origin: tuple, count_before: int) -> None:
        for offset in range(self.basis.n_vectors - count_before):
            self._vector_origins.append(origin + ((offset,) if origin[0] == "compress" else ()))

    def new_state(self, names: Sequence[str], suffix: str = "0") -> list[Vector]:
        """A free basis vector per state variable (the state minus its value at the optimum)."""
        shifts = []
        for k, name in enumerate(names):
            shifts.append(self.basis.new_vector(f"{name}{suffix}-{name}*"))
            self._vector_origins.append(("state", k))
        return shifts

    @property
    def xstar(self) -> Vector:
        return self._points[0][0]

    def point(self, x: Vector) -> Point:
        if not isinstance(x, Vector) or x.basis is not self.basis:
            raise BadInput("oracle called with something that is not a vector of this problem")
        key = x.key()
        index = self._point_index.get(key)
        if index is None:
            index = len(self._points)
            name = self._pending_labels.pop(key, f"p{index}")
            if not self._points[0][4]:  # one agent
                g = self.basis.new_vector(f"g({name})")
                self._vector_origins.append(("gradient", x, None))
                f = self.basis.new_value(f"f({name})")
                self._value_origins.append(("value", x, None))
                agents = []
            else:
                agents = []
                for i in range(self.agents):
                    gi = self.basis.new_vector(f"g_{i + 1}({name})")
                    self._vector_origins.append(("gradient", x, i))
                    fi = self.basis.new_value(f"f_{i + 1}({name})")
                    self._value_origins.append(("value", x, i))
                    agents.append((gi, fi))
                g = sum((a[0] for a in agents[1:]), agents[0][0]) / self.agents
                f = sum((a[1] for a in agents[1:]), agents[0][1]) / self.agents
            self._points.append([x, g, f, name, agents])
            self._point_index[key] = index
        return self._point_record(index)

    def _point_record(self, index: int) -> Point:
        x, g, f, name, agents = self._points[index]
        return Point(name, x, g, f, tuple(Point(f"{name}", x, gi, fi) for gi, fi in agents))

    def label(self, x: Vector, name: str) -> None:
        """Give the oracle point at ``x`` a readable name (used in multiplier and basis names),
        now or when it is first used. The first label a point gets is kept (a point shared by
        several compressor outcomes keeps its first name)."""
        index = self._point_index.get(x.key())
        if index is None:
            self._pending_labels.setdefault(x.key(), name)
        elif index != 0 and self._points[index][3] == f"p{index}":
            x_, g, f, _, agents = self._points[index]
            self._points[index][3] = name
            if not agents:
                self.basis.rename(vector_index=next(iter(g.coefficients)), name=f"g({name})")
                self.basis.rename(value_index=next(iter(f.linear)), name=f"f({name})")
            for i, (gi, fi) in enumerate(agents):
                self.basis.rename(vector_index=next(iter(gi.coefficients)), name=f"g_{i + 1}({name})")
                self.basis.rename(value_index=next(iter(fi.linear)), name=f"f_{i + 1}({name})")

    def agent_index(self, agent) -> int:
        if agent is None:
            return 0
        if not isinstance(agent, int) or isinstance(agent, bool) or not 0 <= agent < self.agents:
            raise BadInput(f"agent must be an integer in [0, {self.agents - 1}], got {agent!r}")
        return agent

    def compress(self, v: Vector, branch: int, call: int, node: tuple = (), agent: int | None = None) -> Vector:
        """Agent ``agent``'s compressor at ``v``. With ``K`` outcomes per call, the joint branch
        ``branch`` gives agent ``i`` its own digit ``(branch // K^i) % K`` (independent
        compressors)."""
        if agent is None and self.agents > 1:
            raise BadInput("with several agents, name the agent whose compressor is called: oracle.compress(v, agent=i)")
        agent = self.agent_index(agent)
        if self.outcomes > 1:
            branch = (branch // self.outcomes**agent) % self.outcomes
        compressor = self.classes.compressor
        if compressor is None:
            raise BadInput("this method calls a compressor but no compressor class was given")
        if not isinstance(v, Vector) or v.basis is not self.basis:
            raise BadInput("compressor called with something that is not a vector of this problem")
        if self.outcomes == 1:
            key = (agent, v.key())
            if key not in self._compress_cache:
                name = f"c{len(self._compressions)}"
                count = self.basis.n_vectors
                outputs = compressor.outputs(self.basis, name, v, 1)
                self._record(("compress", v, agent), count)
                self._compressions.append((name, v, outputs))
                self._compress_cache[key] = outputs[0]
            return self._compress_cache[key]
        key = (node, call)
        if key in self._random_calls:
            first_input, outputs = self._random_calls[key]
            if first_input.key() != v.key():
                raise BadInput(
                    "a random compressor is modelled per call with a common input; this method's "
                    f"call {call} has an input that depends on an earlier random outcome of the same step"
                )
            return outputs[branch]
        name = f"c{len(self._compressions)}"
        count = self.basis.n_vectors
        outputs = compressor.outputs(self.basis, name, v, self.outcomes)
        self._record(("compress", v, agent), count)
        self._compressions.append((name, v, outputs))
        self._random_calls[key] = (v, outputs)
        return outputs[branch]

    def evaluate(self, instance, state: Sequence) -> tuple[np.ndarray, np.ndarray]:
        """Replay the trace on a concrete instance: the value of every basis vector and value.

        ``instance`` provides ``gradient(x)``, ``value(x)`` and ``compress(v)`` on arrays
        (a deterministic compressor: every outcome of a call gets the same output), and
        ``state`` gives the initial state minus its value at the optimum (arrays of one
        shape). Returns ``(vectors, values)``: ``vectors[i]`` is basis vector ``i`` as an
        array, ``values[j]`` is basis value ``j``. Used to turn a worst-case instance into a
        direction of the Gram matrix.
        """
        state = [np.asarray(component) for component in state]
        vectors: list[np.ndarray] = []

        def value_of(vector: Vector) -> np.ndarray:
            total = np.zeros_like(state[0])
            for index, coefficient in vector.coefficients.items():
                total = total + float(coefficient) * vectors[index]
            return total

        for origin in self._vector_origins:
            kind = origin[0]
            if kind == "state":
                vectors.append(state[origin[1]])
            elif kind == "gradient":
                vectors.append(np.asarray(_agent_call(instance.gradient, value_of(origin[1]), origin[2])))
            elif kind == "optimum gradient":  # instances have a common minimiser
                vectors.append(np.zeros_like(state[0]))
            else:  # ("compress", v, agent, outcome)
                agent = origin[2]
                if agent:
                    vectors.append(np.asarray(instance.compress(value_of(origin[1]), origin[3], agent=agent)))
                else:
                    vectors.append(np.asarray(instance.compress(value_of(origin[1]), origin[3])))
        values = np.array([_agent_call(instance.value, value_of(origin[1]), origin[2]) for origin in self._value_origins])
        return np.array(vectors), values

    @property
    def points(self) -> list[Point]:
        return [self._point_record(index) for index in range(len(self._points))]

    def constraints(self) -> list[tuple[str, Scalar]]:
        """Every inequality ``<= 0`` of the problem: interpolation, then compressors."""
        constraints = list(self.classes.function.interpolation(self.points))
        if self._compressions:
            for name, v, outputs in self._compressions:
                constraints.extend(self.classes.compressor.constraints(name, v, outputs))
        return constraints


class SymbolicOracle:
    """The oracle a method's step sees in a worst-case problem (one outcome branch)."""

    def __init__(self, trace: Trace, branch: int = 0, node: tuple = ()):
        self.trace = trace
        self.branch = branch
        self.node = node  # the outcomes drawn before this step (a random compressor's tree)
        self._calls = 0

    @property
    def agents(self) -> int:
        return self.trace.agents

    def gradient(self, x: Vector, agent: int | None = None) -> Vector:
        """``grad f(x)`` (the mean over agents), or agent ``agent``'s ``grad f_i(x)``."""
        point = self.trace.point(x)
        if agent is None:
            return point.g
        agent = self.trace.agent_index(agent)
        return point.agents[agent].g if point.agents else point.g

    def value(self, x: Vector, agent: int | None = None) -> Scalar:
        """``f(x) - f*`` (or ``f_i(x) - f_i(x*)``)."""
        point = self.trace.point(x)
        if agent is None:
            return point.f
        agent = self.trace.agent_index(agent)
        return point.agents[agent].f if point.agents else point.f

    def compress(self, v: Vector, agent: int | None = None) -> Vector:
        call = self._calls
        self._calls += 1
        return self.trace.compress(v, self.branch, call, self.node, agent)


def _agent_call(function, x, agent):
    return function(x) if agent is None else function(x, agent=agent)

    def lmo(self, v: Vector, norm) -> Vector:
        """Refused: no interpolation class describes what a norm's LMO may return."""
        raise BadInput(f"the LMO of a norm is not modelled in a worst-case SDP (lmo(v, {norm!r})); model the step "
                       "by a compressor class that contains it (EF-Muon: Contractive(1/rank)) or run it on instances")


def features(method: Method, state: Sequence, optimum: Sequence, oracle) -> Features:
    """The :class:`Features` of ``state`` (shifted by ``optimum``) with lazy oracle calls;
    ``z.grads`` are the agents' ``grad f_i(x) - grad f_i(x*)``."""
    agents = getattr(oracle, "agents", 1)

    def gradients():
        if agents == 1:
            return (oracle.gradient(state[0]),)
        return tuple(oracle.gradient(state[0], agent=i) - oracle.gradient(optimum[0], agent=i) for i in range(agents))

    return Features(
        {name: value - star for name, value, star in zip(method.state, state, optimum)},
        gradient=lambda: oracle.gradient(state[0]),
        gap=lambda: oracle.value(state[0]),
        gradients=gradients,
    )


def initial_state(method: Method, trace: Trace, oracle, suffix: str = "0") -> tuple[tuple, tuple]:
    """``(state_0, state*)``: a free vector per state variable around the optimum's state."""
    optimum = method.state_at_optimum(trace.xstar, oracle)
    shifts = trace.new_state(method.state, suffix)
    state = tuple(star + shift for star, shift in zip(optimum, shifts))
    return state, optimum


def declared_state(method: Method, trace: Trace, oracle) -> tuple[tuple, tuple]:
    """``(state_0, state*)`` from the method's declared start at a free ``x0``."""
    x0 = trace.xstar + trace.new_state(("x",))[0]
    state = method.initial(x0, oracle)
    return state, method.state_at_optimum(trace.xstar, oracle)


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


def _symbolic_run(method, classes, iterations, measure, initial, aggregate, start):
    """Run the method on symbolic vectors: ``(trace, initial scalar, tracked scalars, declared)``.

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
        if aggregate == "min" or k == iterations - 1:
            values = [_scalar(_measure(method, measure, features(method, s, optimum, oracle), classes), trace.basis) for _, s in nodes]
            tracked.append(sum(values[1:], values[0]) / len(values))
        for path, node_state in nodes:
            trace.label(node_state[0], f"x{k + 1}" if branches == 1 else f"x{k + 1}^{''.join(map(str, path))}")
    return trace, first, tracked, declared


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
        solver: back-end name (default: MOSEK if licensed, else Clarabel).
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
    trace, first, tracked, declared = _symbolic_run(method, classes, iterations, measure, initial, aggregate, start)
    measure_name = measure if isinstance(measure, str) else getattr(measure, "__name__", "custom")
    constraints = trace.constraints()

    n, m = trace.basis.n_vectors, trace.basis.n_values
    builder = ConicBuilder()
    gram = builder.variables("G", svec_length(n))
    builder.variables("F", m)
    tau = builder.variables("tau", 1)[0] if aggregate == "min" else None
    total = builder.n_variables

    def expand(row: np.ndarray) -> np.ndarray:
        return np.concatenate([row, np.zeros(total - len(row))])

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
        row, constant = scalar_row(tracked[-1], n, m)
        objective[: len(row)] = -row
        offset = constant
    else:  # maximise tau with tau <= measure_k for every k
        block, bounds = [], []
        for k, scalar in enumerate(tracked):
            row, constant = scalar_row(scalar, n, m)
            coefficients = expand(row)
            coefficients[tau] = -1.0
            block.append(coefficients)
            bounds.append(constant)
            names.append(f"min_measure(x{k})")
        builder.nonnegative(np.array(block), bounds)
        objective[tau] = -1.0
        offset = 0.0
    selector = np.zeros((len(gram), total))
    selector[np.arange(len(gram)), gram] = 1.0
    builder.psd(selector, np.zeros(len(gram)), n)
    problem, _ = builder.build(objective)
    backend = get_solver(solver)
    # The ladder starts at 1e-10 (a 1-step worst case "solved" at 1e-8 was measured 2.9e-7 below
    # the exact value, at 1e-10 5e-10) and accepts checked residuals up to 1e-4 (some N = 20
    # distance worst cases stall at 1e-7 to 3e-5; docs/worst-case.md): the tolerance met is part
    # of the result, and the command line flags a value that met only a loose one.
    large = problem.n_variables >= LARGE_PROBLEM
    solution = solve_accurately(backend, problem, gaps=WORST_CASE_LADDER, refine_first=not large, max_solves=2 if large else 3)
    if solution.status == "unbounded":
        return WorstCaseResult(
            method=method.name, parameters=dict(method.parameters), classes=classes.to_dict(),
            start="declared" if declared else "free", iterations=iterations, measure=measure_name, value=math.inf,
            rate_per_step=math.inf, multipliers={}, gram=np.zeros((n, n)), solver=backend.name,
            status="unbounded", seconds=time.perf_counter() - clock, tolerance=math.nan,
        )
    if not solution.solved:
        raise SolverFailure(
            f"{backend.name} returned status {solution.raw_status!r} for the {iterations}-step worst "
            f"case of {method.name}; the answer is not used"
        )
    value = -solution.objective + offset
    duals = solution.y[problem.zero : problem.zero + problem.nonneg]
    multipliers = {name: float(duals[k]) for k, name in enumerate(names)}
    gram_matrix = smat(solution.x[gram])
    gram_matrix.setflags(write=False)
    rate = value ** (1.0 / iterations) if value > 0 and aggregate == "last" else math.nan
    return WorstCaseResult(
        method=method.name,
        parameters=dict(method.parameters),
        classes=classes.to_dict(),
        start="declared" if declared else "free",
        iterations=iterations,
        measure=measure_name,
        value=float(value),
        rate_per_step=float(rate),
        multipliers=multipliers,
        gram=gram_matrix,
        solver=backend.name,
        status=solution.status,
        seconds=time.perf_counter() - clock,
        tolerance=solution.tolerance,
    )
