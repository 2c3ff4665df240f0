r"""The class protocols and the classes of a problem (one agent is the n = 1 case of n).

Analyses talk to function and compressor classes only through the protocols here; no analysis
reads ``.mu`` or ``.delta`` or asks a class's type name:

* :class:`FunctionClass` -- one agent's function class: its interpolation inequalities
  (Taylor, Hendrickx & Glineur, Math. Program. 2017) and equalities (``mu = L``), its numbers, its curvature bounds and
  the curvatures ``h`` of its lower-bound instances ``f = h ||x||^2 / 2``.
* :class:`CompressorClass` -- its outputs and inequalities for one call, its numbers, and the
  scalings ``C(v) = alpha v`` of its lower-bound instances (a :class:`ScalingFamily`).

:class:`Distributed` is the function class of ``f = (1/n) sum_i f_i`` with each ``f_i`` in
its own :class:`FunctionClass`; :class:`ProblemClass` always holds one, so a single agent is
``Distributed((fn,))`` and runs through exactly the code n agents run through. For one agent
its description and its data are the agent class's own (a certificate of one agent reads as
before).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Protocol, runtime_checkable

from pepcert.pep.errors import BadInput

#: Agents a rate accepts: beyond MAX_WHOLE_AGENTS only agents in at most MAX_GROUPS groups of identical
#: classes, reduced by their symmetry (a structured Lyapunov family: :mod:`pepcert.lyapunov.symmetric`).
MAX_AGENTS = 64
#: Groups of identical agents a rate reduces by symmetry: the reduced problem has a block of side
#: ``s + a(m + m_2)`` (``m`` groups, ``m_2`` of them of two or more agents, ``a`` vectors per agent),
#: at most 33 for a method with four vectors per agent and 4 groups (measured with 16 groups, side
#: 129: a rate at a diverging step took 197 s).
MAX_GROUPS = 4
#: Agents of any analysis that builds the whole problem (N steps, the full family, certificates).
MAX_WHOLE_AGENTS = 16
MAX_BRANCHES = 16  # joint compressor outcomes of one step (agents x outcomes), bounded work


_CONFORMING: set = set()  # (type, protocol) pairs an instance was checked against and passed


def conforms(value: Any, protocol: type) -> bool:
    """``isinstance(value, protocol)`` for a runtime-checkable protocol, remembered per type
    once it holds (the protocol check reads every member: ~15 us, three of them for each of a
    sweep's 120,000 problems). A type whose instances all have the members passes alike; one
    that failed is checked again each time."""
    key = (type(value), protocol)
    if key in _CONFORMING:
        return True
    if not isinstance(value, protocol):
        return False
    _CONFORMING.add(key)
    return True


@runtime_checkable
class FunctionClass(Protocol):
    """One agent's function class (``SmoothStronglyConvex``, ``ConvexLipschitz``, ...)."""

    def interpolation(self, points: Sequence[Any]) -> list[tuple[str, Any]]:
        """Inequalities ``<= 0`` on the points' triples ``(x, g, f)``, named."""

    def optimality(self, points: Sequence[Any]) -> list[tuple[str, Any]]:
        """Inequalities ``<= 0`` saying ``points[0]`` (``g = 0``) is a global minimiser, where
        interpolation does not imply it (nonconvex classes); empty otherwise."""

    def equalities(self, points: Sequence[Any]) -> list[tuple[str, Any]]:
        """Equalities ``== 0`` on the points' triples, named: scalars, or vectors (the identity
        ``u = 0``, stated by the problem through the Gram matrix). Empty for most classes; the
        quadratic class ``mu = L`` has only these. Their S-procedure multipliers are free,
        every inequality's is ``>= 0``."""

    def describe(self) -> str: ...

    def converted(self, number: Callable) -> FunctionClass:
        """The same class with its numbers converted by ``number`` (float, exact, sympy)."""

    def numbers(self) -> dict:
        """Its constants by name, as given (``{"mu": ..., "L": ...}``)."""

    def to_entry(self) -> dict:
        """The class as data: ``{"type": name, **numbers}``."""

    def curvature_bounds(self) -> tuple[Any, Any]:
        """``(lower, upper)`` bounds on the curvature (``upper`` None when not smooth)."""

    def step_scale(self) -> float | None:
        """The natural scale of a step (``1/L``), or None."""

    def scaling_curvatures(self, thorough: bool = False) -> list:
        """Curvatures (floats) of the lower-bound instances; empty when it has none."""

    def admits_curvature(self, h: Any) -> bool:
        """Exact: ``h ||x||^2/2`` is in the class."""

    def rational_curvature(self, h: float) -> Fraction:
        """A rational curvature the class provably admits next to ``h``."""


@runtime_checkable
class NoiseClass(Protocol):
    """A gradient-noise class (``BoundedVariance``, ``StateDependentVariance``): what the noise
    ``xi`` of one stochastic gradient may be (:mod:`pepcert.pep.noise`)."""

    two_point: bool  # modelled by two symmetric outcomes per sample, else by its second moments

    def constraints(self, name: str, xi: Any, gradient: Any) -> list[tuple[str, Any]]:
        """Inequalities ``<= 0`` on one sample ``xi`` drawn at a point with gradient ``gradient``."""

    def describe(self) -> str: ...

    def converted(self, number: Callable) -> NoiseClass: ...

    def numbers(self) -> dict: ...

    def to_entry(self) -> dict: ...


@runtime_checkable
class CompressorClass(Protocol):
    """A compressor class (``Contractive``, ``Unbiased``): what an adversary may return."""

    deterministic: bool

    def outputs(self, basis: Any, name: str, v: Any, outcomes: int) -> list:
        """The output vectors of one call at ``v``, one per outcome."""

    def constraints(self, name: str, v: Any, outputs: Sequence[Any]) -> list[tuple[str, Any]]:
        """The class's inequalities ``<= 0`` on one call's outputs."""

    def describe(self) -> str: ...

    def converted(self, number: Callable) -> CompressorClass: ...

    def numbers(self) -> dict: ...

    def to_entry(self) -> dict: ...

    def scaling_family(self) -> ScalingFamily:
        """The scalings ``C(v) = alpha_k v`` the class contains (lower-bound instances)."""

    def admits_scaling(self, alphas: Sequence[Any]) -> bool:
        """Exact: the equally likely outcomes ``alpha_k`` are in the class."""


@dataclass(frozen=True)
class ScalingFamily:
    """A compressor class's lower-bound scalings ``C(v) = alpha_k v`` as a one-parameter
    family: ``scalings(theta)`` for ``theta`` in ``parameter_range()`` (floats), and
    ``rational_scalings(theta)``, exact outcomes that the class provably admits."""

    low: float
    high: float
    scalings_of: Callable
    rational_of: Callable

    def parameter_range(self) -> tuple[float, float]:
        return self.low, self.high

    def scalings(self, theta: float) -> tuple:
        return self.scalings_of(theta)

    def rational_scalings(self, theta: float) -> tuple:
        return self.rational_of(theta)

    def ends(self) -> tuple[float, ...]:
        return (self.low,) if self.low == self.high else (self.low, self.high)


#: No compressor: the identity, ``C(v) = v``.
IDENTITY_SCALINGS = ScalingFamily(1.0, 1.0, lambda _: (1.0,), lambda _: (1,))


def _agent_names(group: Sequence[int]) -> str:
    """``f_1``, ``f_2, f_5`` or ``f_1..f_16`` (runs of three or more as ranges) for agents
    ``group`` (0-based, increasing), with ``each`` before several."""
    runs: list[list[int]] = []
    for agent in group:
        if runs and agent == runs[-1][-1] + 1:
            runs[-1].append(agent)
        else:
            runs.append([agent])
    parts = [f"f_{run[0] + 1}..f_{run[-1] + 1}" if len(run) > 2 else ", ".join(f"f_{a + 1}" for a in run) for run in runs]
    return ", ".join(parts) + (" each" if len(group) > 1 else "")


@dataclass(frozen=True)
class Distributed:
    r"""The function class of ``f = (1/n) sum_i f_i`` with ``f_i`` in ``functions[i]``.

    Setting of Thomsen, Taylor & Dieuleveut (2026, *A tight theory of error feedback
    algorithms in distributed optimization*): agent ``i`` holds ``f_i``, computes
    ``grad f_i`` and compresses through its own, independent compressor. ``x*`` minimises
    ``f``, so ``sum_i grad f_i(x*) = 0``; with ``common_minimizer`` every ``grad f_i(x*) = 0``.
    Interpolation is per agent (the ``f_i`` are independent functions, so per-agent triples
    are interpolable by ``(f_1, ..., f_n)`` iff each agent's are); ``f_i(x*) = 0`` without
    loss of generality. Lower-bound instances: ``f_i = h_i ||x||^2/2``, ``h_i`` one of agent
    ``i``'s curvatures, ``C_i(v) = alpha_i v`` drawn independently per agent.
    """

    functions: tuple
    common_minimizer: bool = True

    def __post_init__(self):
        functions = tuple(self.functions)
        object.__setattr__(self, "functions", functions)
        if not 1 <= len(functions) <= MAX_AGENTS:
            raise BadInput(f"the number of agents must be in [1, {MAX_AGENTS}], got {len(functions)}")
        if not isinstance(self.common_minimizer, bool):
            raise BadInput("common_minimizer must be true or false")
        for function in functions:
            if isinstance(function, Distributed) or not conforms(function, FunctionClass):
                raise BadInput(f"an agent's class must be a function class, got {type(function).__name__}")
        if len(functions) == 1 and not self.common_minimizer:
            object.__setattr__(self, "common_minimizer", True)  # one agent: grad f(x*) = 0

    @property
    def agents(self) -> int:
        return len(self.functions)

    @property
    def identical(self) -> bool:
        """Every agent has the same class (instances are then symmetric in the agents)."""
        return len(set(self.functions)) == 1

    @property
    def groups(self) -> tuple[tuple[int, ...], ...]:
        """The agents grouped by their class: agents with equal classes together, the groups in
        the order of their first agent (one group when :attr:`identical`)."""
        members: dict = {}
        for i, function in enumerate(self.functions):
            members.setdefault(function, []).append(i)
        return tuple(tuple(group) for group in members.values())

    def interpolation(self, points: Sequence[Any]) -> list[tuple[str, Any]]:
        """Each agent's inequalities on its own triples (``...@i`` with several agents)."""
        if self.agents == 1:
            return self.functions[0].interpolation([point.agents[0] for point in points])
        constraints: list[tuple[str, Any]] = []
        for i, function in enumerate(self.functions):
            own = [point.agents[i] for point in points]
            constraints.extend((f"{name}@{i + 1}", c) for name, c in function.interpolation(own))
        return constraints

    def optimality(self, points: Sequence[Any]) -> list[tuple[str, Any]]:
        """``points[0]`` minimises ``f`` globally. A common minimiser minimises every ``f_i``:
        each agent's conditions on its own triples (they imply ``f``'s, by Cauchy-Schwarz);
        otherwise, when some agent's class needs them, ``f``'s own with ``L = mean L_i``
        (``f`` is that smooth)."""
        conditions: list[tuple[str, Any]] = []
        for i, function in enumerate(self.functions):
            own = function.optimality([point.agents[i] for point in points])
            conditions.extend((name if self.agents == 1 else f"{name}@{i + 1}", c) for name, c in own)
        if self.agents == 1 or self.common_minimizer or not conditions:
            return conditions
        from pepcert.pep.functions import minimum_conditions

        return minimum_conditions(points, self.curvature_bounds()[1])

    def equalities(self, points: Sequence[Any]) -> list[tuple[str, Any]]:
        """Each agent's equalities on its own triples (``...@i`` with several agents)."""
        if self.agents == 1:
            return self.functions[0].equalities([point.agents[0] for point in points])
        equalities: list[tuple[str, Any]] = []
        for i, function in enumerate(self.functions):
            own = [point.agents[i] for point in points]
            equalities.extend((f"{name}@{i + 1}", c) for name, c in function.equalities(own))
        return equalities

    def describe(self) -> str:
        if self.agents == 1:
            return self.functions[0].describe()
        minimiser = "a common minimiser" if self.common_minimizer else "minimisers may differ"
        if self.identical:
            return f"{self.agents} agents, each {self.functions[0].describe()} ({minimiser})"
        return f"{self.agents} agents: " + "; ".join(
            f"{_agent_names(group)} {self.functions[group[0]].describe()}" for group in self.groups) + f" ({minimiser})"

    def converted(self, number: Callable) -> Distributed:
        return Distributed(tuple(fn.converted(number) for fn in self.functions), self.common_minimizer)

    def numbers(self) -> dict:
        """One agent: its numbers; n agents: per-agent lists (``{"mu": [...], "L": [...]}``)."""
        if self.agents == 1:
            return self.functions[0].numbers()
        keys = list(self.functions[0].numbers())
        return {key: [fn.numbers().get(key) for fn in self.functions] for key in keys}

    def to_entry(self) -> dict:
        if self.agents == 1:
            return self.functions[0].to_entry()
        return {"type": "Distributed", "agents": [fn.to_entry() for fn in self.functions],
                "common_minimizer": self.common_minimizer}

    def curvature_bounds(self) -> tuple[Any, Any]:
        """Bounds on the curvature of ``f = mean f_i``: the means of the agents' bounds."""
        bounds = [fn.curvature_bounds() for fn in self.functions]
        lower = sum(b[0] for b in bounds) / self.agents
        upper = None if any(b[1] is None for b in bounds) else sum(b[1] for b in bounds) / self.agents
        return lower, upper

    @property
    def strongly_convex(self) -> bool:
        """``f`` is strongly convex (a linear rate is possible), decided exactly."""
        return bool(self.curvature_bounds()[0] > 0)

    def step_scale(self) -> float | None:
        """``1/mean L_i`` (the scale of a step on ``f``), or None."""
        scales = [fn.step_scale() for fn in self.functions]
        if any(s is None for s in scales):
            return None
        return len(scales) / sum(1.0 / s for s in scales)

    # -- lower-bound instances (lazy: nothing of size (curvatures)^n is materialised) ------
    def curvature_choices(self, thorough: bool = False) -> tuple[list, ...]:
        """Each agent's instance curvatures (floats); an empty list where an agent has none."""
        return tuple(fn.scaling_curvatures(thorough) for fn in self.functions)

    def has_instances(self) -> bool:
        return all(self.curvature_choices())

    def admits_curvatures(self, hs: Sequence[Any]) -> bool:
        """Exact: agent ``i``'s ``h_i ||x||^2/2`` is in agent ``i``'s class, for every agent."""
        return len(hs) == self.agents and all(fn.admits_curvature(h) for fn, h in zip(self.functions, hs))

    def rational_curvatures(self, hs: Sequence[float]) -> tuple:
        return tuple(fn.rational_curvature(float(h)) for fn, h in zip(self.functions, hs))


@dataclass(frozen=True)
class ProblemClass:
    """The assumptions of an analysis: a function class and a compressor class (or None).

    ``function`` may be one agent's :class:`FunctionClass` or a :class:`Distributed` class; it
    is stored as a :class:`Distributed` either way (one agent is ``n = 1``).
    """

    function: Any
    compressor: Any = None
    noise: Any = None  # a gradient-noise class (pepcert.pep.noise), or None: exact gradients

    def __post_init__(self):
        function = self.function
        if not isinstance(function, Distributed):
            if not conforms(function, FunctionClass):
                raise BadInput(f"not a function class: {type(function).__name__}")
            object.__setattr__(self, "function", Distributed((function,)))
        if self.compressor is not None and not conforms(self.compressor, CompressorClass):
            raise BadInput(f"not a compressor class: {type(self.compressor).__name__}")
        if self.noise is not None and not conforms(self.noise, NoiseClass):
            raise BadInput(f"not a gradient-noise class: {type(self.noise).__name__}")

    def describe(self) -> str:
        parts = [self.function.describe()]
        if self.compressor is not None:
            parts.append(self.compressor.describe())
        if self.noise is not None:
            parts.append(self.noise.describe())
        return "; ".join(parts)

    def converted(self, number: Callable) -> ProblemClass:
        """Every class with its numbers converted by ``number``."""
        compressor = None if self.compressor is None else self.compressor.converted(number)
        noise = None if self.noise is None else self.noise.converted(number)
        return ProblemClass(self.function.converted(number), compressor, noise)

    def scaling_family(self) -> ScalingFamily:
        """The compressor's lower-bound scalings (the identity when there is no compressor)."""
        return IDENTITY_SCALINGS if self.compressor is None else self.compressor.scaling_family()

    def admits_scaling(self, alphas: Sequence[Any]) -> bool:
        """Exact: one agent's outcomes ``alpha_k`` are in the compressor class (all 1 without)."""
        if self.compressor is None:
            return all(a == 1 for a in alphas)
        return self.compressor.admits_scaling(alphas)

    @property
    def agents(self) -> int:
        return self.function.agents

    def branches(self, outcomes: int) -> int:
        """Joint outcomes of one step: every agent draws its own outcome independently, so a
        step with ``outcomes`` per call and ``n`` agents has ``outcomes^n`` equally likely
        branches (1 for a deterministic compressor). At most :data:`MAX_BRANCHES` are modelled;
        more is refused, never attempted."""
        total = 1
        factors = [outcomes] * self.agents + [self.noise_outcomes] * self.agents
        for factor in factors:  # at most 32 factors: cheap, and stops at the bound
            total *= factor
            if total > MAX_BRANCHES:
                raise BadInput(
                    f"{self.agents} agent(s) with {outcomes} compressor outcomes each make {outcomes}^{self.agents} "
                    f"joint outcomes per step; at most {MAX_BRANCHES} are modelled (fewer agents or outcomes)"
                )
        return total

    def compressor_branches(self, outcomes: int) -> int:
        """The compressor's part of :meth:`branches` (``outcomes^n``)."""
        return outcomes**self.agents

    @property
    def noise_outcomes(self) -> int:
        """2 when each noise sample is modelled as a symmetric two-point law (``+xi``, ``-xi``),
        else 1 (no noise, or its second moments)."""
        return 2 if self.noise is not None and getattr(self.noise, "two_point", False) else 1

    @property
    def default_outcomes(self) -> int:
        """One outcome for a deterministic compressor (or none), two for a random one."""
        return 1 if self.compressor is None or self.compressor.deterministic else 2

    def to_dict(self) -> dict:
        """The classes as data: type names and their numbers (as given)."""
        compressor = None if self.compressor is None else self.compressor.to_entry()
        entry = {"function": self.function.to_entry(), "compressor": compressor}
        if self.noise is not None:  # only with noise: certificates without it read as before
            entry["noise"] = self.noise.to_entry()
        return entry
