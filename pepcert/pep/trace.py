"""The symbolic run of a method: the classes of a problem, the trace of everything a run
touched, and the oracle a step sees (used by the N-step worst case in
:mod:`pepcert.pep.problem` and by the one-step Lyapunov inequality in
:mod:`pepcert.lyapunov.onestep`).

``ProblemClass`` holds the function class (one agent, or :class:`~pepcert.pep.distributed.Distributed`
for n agents) and the compressor class; ``Trace`` creates a basis vector for each gradient at a
new point (one per agent with n agents) and each compressor output; ``SymbolicOracle`` is the
oracle of one outcome branch.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from pepcert.pep.classes import MAX_BRANCHES, MAX_GROUPS, MAX_WHOLE_AGENTS, ProblemClass  # noqa: F401 (re-exported)
from pepcert.pep.errors import BadInput
from pepcert.pep.expressions import Basis, Scalar, Vector, inner
from pepcert.pep.functions import Point
from pepcert.pep.identities import gram_equalities, split
from pepcert.pep.methods import Features, Method


class Trace:
    """Everything a run of a method on symbolic vectors touched (one problem's record).

    Oracle points are cached by the exact coefficients of ``x``: a gradient asked twice at the
    same point is the same vector. A deterministic compressor is a function too, so it is
    cached by its input; with several *outcomes* (a random compressor), the ``k``-th call of
    every outcome's branch must have the same input and returns that outcome's output.
    """

    def __init__(self, classes: ProblemClass, outcomes: int = 1, exact: bool = True, max_agents: int = MAX_WHOLE_AGENTS):
        if classes.agents > max_agents:
            raise BadInput(f"{classes.agents} agents: an analysis of the whole problem takes at most {max_agents}; "
                           f"beyond that only the rate of agents in at most {MAX_GROUPS} groups of identical classes "
                           "in a structured Lyapunov family (e.g. the paper's) is computed, by symmetry")
        self.classes = classes
        self.outcomes = outcomes
        self.basis = Basis(exact)  # exact=False: integer divisions in floating point (expressions.Basis)
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
        self._noises: list[tuple[str, Vector, Vector]] = []  # (name, xi, grad f_i(x) at the sample's point)
        self._noise_calls: dict[tuple, Vector] = {}  # two-point noise: (node, call, agent) -> xi
        # How each basis vector / value came to be, to replay the trace on an instance:
        # ("state", k) | ("gradient", x, agent) | ("compress", v, agent, outcome) |
        # ("optimum gradient", agent) | ("noise", index); values: ("value", x, agent).
        self._pending_labels: dict[tuple, str] = {}
        # The method's state before the first step and after each step (one outcome branch
        # only), for the N-step solver's iterate basis (:mod:`pepcert.pep.iterate_basis`).
        self.states: list[tuple] = []
        # True when every step is the same map of the state (the method reads no iteration
        # counter): the scaling instance's run is then a power of its first step (scaling_bound).
        self.stationary = False
        self._evaluation_plans: dict[int, tuple] = {}  # Trace.evaluate's coefficient arrays per vector

    def _optimum_agents(self, zero: Vector) -> list:
        """Per-agent ``(grad f_i(x*), f_i(x*) = 0)``: zero with a common minimiser, else free
        vectors with ``sum_i grad f_i(x*) = 0`` (the last is minus the sum of the others)."""
        if self.classes.function.common_minimizer:
            gradients = [zero] * self.agents
        else:
            gradients = []
            for i in range(self.agents - 1):
                gradients.append(self.basis.new_vector(f"g_{i + 1}(x*)"))
                self._vector_origins.append(("optimum gradient", i))
            gradients.append(-sum(gradients[1:], gradients[0]))
        return [(g, self.basis.zero_scalar()) for g in gradients]

    def _agent_label(self, kind: str, agent: int, name: str) -> str:
        """``g(x1)`` for one agent, ``g_2(x1)`` for agent 2 of several."""
        return f"{kind}({name})" if self.agents == 1 else f"{kind}_{agent + 1}({name})"

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
    def vector_origins(self) -> tuple[tuple, ...]:
        """How each basis vector came to be: ``("state", k)``, ``("gradient", x, agent)``,
        ``("compress", v, agent, offset)``, ``("optimum gradient", agent)`` or ``("noise", index)``."""
        return tuple(self._vector_origins)

    @property
    def value_origins(self) -> tuple[tuple, ...]:
        """How each basis value came to be: ``("value", x, agent)``."""
        return tuple(self._value_origins)

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
            agents = []
            for i in range(self.agents):
                gi = self.basis.new_vector(self._agent_label("g", i, name))
                self._vector_origins.append(("gradient", x, i))
                fi = self.basis.new_value(self._agent_label("f", i, name))
                self._value_origins.append(("value", x, i))
                agents.append((gi, fi))
            if self.agents == 1:
                g, f = agents[0]
            else:
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
            agents = self._points[index][4]
            self._points[index][3] = name
            for i, (gi, fi) in enumerate(agents):
                self.basis.rename(vector_index=next(iter(gi.coefficients)), name=self._agent_label("g", i, name))
                self.basis.rename(value_index=next(iter(fi.linear)), name=self._agent_label("f", i, name))

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
            key: tuple = (agent, v.key())
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

    def stochastic_gradient(self, x: Vector, agent: int | None, branch: int, node: tuple, call: int) -> Vector:
        """A stochastic gradient at ``x`` (:mod:`pepcert.pep.noise`): ``grad f_i(x) + xi_i`` for
        agent ``agent`` (the mean over agents for ``None``), each ``xi_i`` a fresh sample -- or,
        in the two-point model, ``+xi`` or ``-xi`` by the branch's noise digit, the same ``xi``
        for every branch of the node. Exact gradients without a noise class."""
        point = self.point(x)
        noise = self.classes.noise
        if noise is None:
            return point.g if agent is None else point.agents[self.agent_index(agent)].g
        agents = range(self.agents) if agent is None else (self.agent_index(agent),)
        samples = []
        for i in agents:
            gradient = point.agents[i].g
            xi = self._noise_sample(i, node, call, gradient)
            if noise.two_point:
                digit = (branch // self.classes.compressor_branches(self.outcomes) // 2**i) % 2
                xi = xi if digit == 0 else -xi
            samples.append(gradient + xi)
        return sum(samples[1:], samples[0]) / len(samples) if len(samples) > 1 else samples[0]

    def _noise_sample(self, agent: int, node: tuple, call: int, gradient: Vector) -> Vector:
        key = (node, call, agent)
        if key in self._noise_calls:  # one sample per call, shared by the compressor's outcome branches
            return self._noise_calls[key]
        name = f"xi{len(self._noises)}" if self.agents == 1 else f"xi{len(self._noises)}_{agent + 1}"
        xi = self.basis.new_vector(name)
        self._vector_origins.append(("noise", len(self._noises)))
        self._noises.append((name, xi, gradient))
        self._noise_calls[key] = xi
        return xi

    def noise_equalities(self) -> list[tuple[str, Scalar]]:
        """``E <xi, b> = 0`` for each sample ``xi`` and each basis vector ``b`` that does not
        depend on it (second-moment model; none in the two-point model, where ``E xi = 0`` holds
        by symmetry). Which samples a vector depends on follows its origin: a gradient or a
        compressor output at a point, the samples of that point's coefficients."""
        if not self._noises or self.classes.noise.two_point:
            return []
        names = self.basis.vector_names
        return [(f"independent({self._noises[j][0]},{names[b]})",
                 inner(self._noises[j][1], Vector(self.basis, {b: 1}))) for j, (_, b) in self._independent_pairs()]

    def _independent_pairs(self) -> list[tuple[int, tuple[int, int]]]:
        """``(sample j, (index of xi_j, index of b))`` for every basis vector ``b`` independent of
        sample ``j`` (each unordered pair of samples once)."""
        depends: list[frozenset] = []
        for origin in self._vector_origins:
            if origin[0] == "noise":
                depends.append(frozenset((origin[1],)))
            elif origin[0] in ("gradient", "compress"):
                depends.append(frozenset().union(*(depends[i] for i in origin[1].coefficients)))
            else:
                depends.append(frozenset())
        index = {next(iter(xi.coefficients)): j for j, (_, xi, _) in enumerate(self._noises)}
        return [(j, (position, b)) for position, j in index.items() for b, sources in enumerate(depends)
                if b != position and j not in sources and (b not in index or b > position)]

    def noise_zero_entries(self) -> list[tuple[int, int]]:
        """The Gram entries ``E <xi, b> = 0`` of :meth:`noise_equalities` as index pairs (the
        N-step problem fixes them at zero instead of stating equalities: fewer rows, and
        measured more accurate -- SGD, N = 10: 3e-8 from the closed form as equalities)."""
        if not self._noises or self.classes.noise.two_point:
            return []
        return [pair for _, pair in self._independent_pairs()]

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
        stacked = np.zeros((len(self._vector_origins),) + state[0].shape)  # vectors, as they are computed

        def value_of(vector: Vector) -> np.ndarray:
            items = vector._coefficients
            if len(items) <= 8 or not fast[0]:
                total = np.zeros_like(state[0])
                for index, coefficient in items.items():
                    total = total + float(coefficient) * vectors[index]
                return total
            plan = plans.get(id(vector))
            if plan is None or plan[0] is not vector:  # each replay of one trace reuses the arrays
                indices = np.fromiter(items.keys(), dtype=np.int64, count=len(items))
                weights = np.fromiter((float(c) for c in items.values()), dtype=float, count=len(items))
                plan = plans[id(vector)] = (vector, indices, weights)
            return np.tensordot(plan[2], stacked[plan[1]], axes=1)

        fast = [state[0].dtype.kind == "f"]  # exact (object) arrays keep the loop
        plans = self._evaluation_plans

        def record(vector) -> None:
            if fast[0] and vector.dtype.kind == "f" and vector.shape == state[0].shape:
                stacked[len(vectors)] = vector
            else:
                fast[0] = False
            vectors.append(vector)

        for origin in self._vector_origins:
            kind = origin[0]
            if kind == "state":
                record(state[origin[1]])
            elif kind == "gradient":
                record(np.asarray(instance.gradient(value_of(origin[1]), agent=origin[2])))
            elif kind in ("optimum gradient", "noise"):  # a common minimiser; noise-free instances
                record(np.zeros_like(state[0]))
            else:  # ("compress", v, agent, outcome)
                record(np.asarray(instance.compress(value_of(origin[1]), origin[3], agent=origin[2])))
        values = np.array([instance.value(value_of(origin[1]), agent=origin[2]) for origin in self._value_origins])
        return np.array(vectors), values

    @property
    def compressions(self) -> list[tuple[str, Vector, list[Vector]]]:
        """Every compressor call as ``(name, input, outputs)``, in order of creation."""
        return list(self._compressions)

    @property
    def points(self) -> list[Point]:
        return [self._point_record(index) for index in range(len(self._points))]

    def constraints(self) -> list[tuple[str, Scalar]]:
        """Every inequality ``<= 0`` of the problem: interpolation, the optimum's (nonconvex
        classes), then compressors."""
        points = self.points
        constraints = list(self.classes.function.interpolation(points)) + self.classes.function.optimality(points)
        if self._compressions:
            for name, v, outputs in self._compressions:
                constraints.extend(self.classes.compressor.constraints(name, v, outputs))
        for name, xi, gradient in self._noises:
            constraints.extend(self.classes.noise.constraints(name, xi, gradient))
        return constraints

    def identities(self) -> tuple[list[tuple[str, Scalar]], list[tuple[str, Vector]]]:
        """The equalities as given: ``(scalars == 0, vectors == 0)``: the function class's, and the
        noise's independence (:meth:`noise_equalities`)."""
        scalars, vectors = split(self.classes.function.equalities(self.points))
        return scalars + self.noise_equalities(), vectors

    def equalities(self) -> list[tuple[str, Scalar]]:
        """Every equality ``== 0`` of the problem as scalars (interpolation of quadratic classes;
        vector identities through the Gram matrix, :mod:`pepcert.pep.identities`); their
        multipliers are free, the inequalities' are ``>= 0``."""
        scalars, vectors = self.identities()
        return scalars + gram_equalities(vectors, self.basis)


class SymbolicOracle:
    """The oracle a method's step sees in a worst-case problem (one outcome branch)."""

    def __init__(self, trace: Trace, branch: int = 0, node: tuple = (), stochastic: bool = False):
        self.trace = trace
        self.branch = branch
        self.node = node  # the outcomes drawn before this step (a random compressor's tree)
        self.stochastic = stochastic  # a method's step: its gradients carry the classes' noise
        self._calls = 0
        self._gradient_calls = 0

    @property
    def agents(self) -> int:
        return self.trace.agents

    def gradient(self, x: Vector, agent: int | None = None) -> Vector:
        """``grad f(x)`` (the mean over agents), or agent ``agent``'s ``grad f_i(x)``; in a
        method's step with a noise class, a stochastic gradient (:meth:`Trace.stochastic_gradient`)."""
        if self.stochastic and self.trace.classes.noise is not None:
            call = self._gradient_calls
            self._gradient_calls += 1
            return self.trace.stochastic_gradient(x, agent, self.branch, self.node, call)
        point = self.trace.point(x)
        return point.g if agent is None else point.agents[self.trace.agent_index(agent)].g

    def value(self, x: Vector, agent: int | None = None) -> Scalar:
        """``f(x) - f*`` (or ``f_i(x) - f_i(x*)``)."""
        point = self.trace.point(x)
        return point.f if agent is None else point.agents[self.trace.agent_index(agent)].f

    def compress(self, v: Vector, agent: int | None = None) -> Vector:
        call = self._calls
        self._calls += 1
        return self.trace.compress(v, self.branch, call, self.node, agent)

    def lmo(self, v: Vector, norm) -> Vector:
        """Refused: no interpolation class describes what a norm's LMO may return."""
        raise BadInput(f"the LMO of a norm is not modelled in a worst-case SDP (lmo(v, {norm!r})); model the step "
                       "by a compressor class that contains it (EF-Muon: Contractive(1/rank)) or run it on instances")




def features(method: Method, state: Sequence, optimum: Sequence, oracle) -> Features:
    """The :class:`Features` of ``state`` (shifted by ``optimum``) with lazy oracle calls;
    ``z.grads`` are the agents' ``grad f_i(x) - grad f_i(x*)``."""
    agents = oracle.agents

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
