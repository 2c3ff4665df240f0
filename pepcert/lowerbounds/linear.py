r"""Worst-case instances on which the method is linear: numerical search.

On ``f(x) = h ||x||^2 / 2`` with the compressor ``C(v) = alpha v`` a method is a linear map
``M(h, alpha)`` of its state (:func:`pepcert.pep.instances.linear_map`). Starting from an
eigenvector of ``M`` for an eigenvalue ``z``, every quadratic measure of the state is
multiplied by ``|z|^2`` at every step, so no analysis can prove a rate below the squared
spectral radius ``rho(h, alpha)`` (Thomsen, Taylor & Dieuleveut 2025, Section 4: for the
methods of that paper the maximum over ``h in {mu, L}`` and ``alpha in {1 - s, 1 + s}`` is the
tight rate).
For a random instance (outcomes ``alpha_1..alpha_K``) the rate is the spectral radius of the
second-moment map ``Sigma -> mean_k M_k Sigma M_k^T`` (:func:`pepcert.pep.instances.symmetric_lift`).

Which instances exist is the classes' business (their scaling protocol): the function class
names its curvatures (``mu`` and ``L`` for ``F_{mu,L}``; none for convex Lipschitz functions),
the compressor class a one-parameter family of scalings. A class without instances gives no
lower bound, and :func:`worst_linear_instances` says so by returning an empty list.

This module maximises the rate numerically; :mod:`pepcert.lowerbounds.certified` proves the
value in rational arithmetic.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from pepcert.pep.instances import NotLinear, ScalingInstance, linear_map, linear_maps, symmetric_lift
from pepcert.pep.methods import Method
from pepcert.pep.problem import ProblemClass
from pepcert.pep.serialise import jsonable


@dataclass(frozen=True)
class LinearWorstCase:
    """An instance, its rate and the initial states that attain it.

    ``start_factor`` (state dimension x r, real) is a factor ``F`` of the worst initial second
    moment ``F F^T``: ``[Re u, Im u]`` for an eigenvector ``u`` of a deterministic instance,
    ``Sigma^{1/2}`` for the Perron eigen-matrix of a random one.
    """

    rho: float
    instance: ScalingInstance
    eigenvalue: complex
    start_factor: np.ndarray = field(repr=False)
    matrices: tuple = field(repr=False)

    def to_dict(self) -> dict:
        return jsonable({
            "rho": self.rho,
            **self.instance.to_dict(),
            "eigenvalue": [self.eigenvalue.real, self.eigenvalue.imag],
        })


def _readonly(array: np.ndarray) -> np.ndarray:
    array.setflags(write=False)
    return array


def spectral_rate(method: Method, instance: ScalingInstance) -> LinearWorstCase:
    """The rate forced by ``instance``: ``|z|^2`` for the dominant eigenvalue ``z`` of ``M``, or
    the spectral radius of the second-moment map for a random instance."""
    matrices = [np.array(m, dtype=float) for m in linear_maps(method, instance)]
    if len(matrices) == 1:
        return _deterministic_cases(matrices[0][None], [instance])[0]
    rho, factor = _second_moment_rate(matrices)
    return LinearWorstCase(rho, instance, complex(rho), _readonly(factor), tuple(_readonly(m) for m in matrices))


def _deterministic_cases(stack: np.ndarray, instances) -> list[LinearWorstCase]:
    """``|z|^2`` of the dominant eigenvalue of each map in ``stack`` (one batched eigenproblem;
    the per-map arithmetic vectorised, each map's numbers as one map alone would give them)."""
    eigenvalues, eigenvectors = np.linalg.eig(stack)
    rows = np.arange(len(instances))
    index = np.argmax(np.abs(eigenvalues), axis=1)
    vectors = eigenvectors[rows, :, index]
    vectors = vectors / np.sqrt(np.sum(vectors.real**2 + vectors.imag**2, axis=1))[:, None]
    factors = np.stack([vectors.real, vectors.imag], axis=2)
    factors.setflags(write=False)
    maps = stack.copy()
    maps.setflags(write=False)
    zs = eigenvalues[rows, index]
    return [LinearWorstCase(float(abs(complex(z)) ** 2), instance, complex(z), factors[k], (maps[k],))
            for k, (z, instance) in enumerate(zip(zs, instances))]


class _Batch:
    """A float vector that a method's step treats as one number (elementwise arithmetic).

    Running the step once on ``h = _Batch(hs)``, ``alpha = _Batch(alphas)`` gives the linear
    maps of every instance at once, with the same floating-point operations as one run per
    instance (so identical entries), and no repeated symbolic work.
    """

    __slots__ = ("values",)
    __array_ufunc__ = None
    __hash__ = None  # type: ignore[assignment]  # unhashable like an array; mypy does not model the idiom

    def __init__(self, values):
        self.values = np.asarray(values, dtype=float)

    @staticmethod
    def _raw(other):
        if isinstance(other, _Batch):
            return other.values
        if isinstance(other, (int, float, Fraction, np.floating, np.integer)) and not isinstance(other, bool):
            return float(other)
        return None

    def _apply(self, other, operation):
        raw = self._raw(other)
        return NotImplemented if raw is None else _Batch(operation(self.values, raw))

    def __add__(self, other):
        return self._apply(other, lambda a, b: a + b)

    def __radd__(self, other):
        return self._apply(other, lambda a, b: b + a)

    def __sub__(self, other):
        return self._apply(other, lambda a, b: a - b)

    def __rsub__(self, other):
        return self._apply(other, lambda a, b: b - a)

    def __mul__(self, other):
        return self._apply(other, lambda a, b: a * b)

    def __rmul__(self, other):
        return self._apply(other, lambda a, b: b * a)

    def __truediv__(self, other):
        return self._apply(other, lambda a, b: a / b)

    def __rtruediv__(self, other):
        return self._apply(other, lambda a, b: b / a)

    def __neg__(self):
        return _Batch(-self.values)

    def __eq__(self, other):
        raw = self._raw(other)
        return NotImplemented if raw is None else bool(np.all(self.values == raw))


def _batch_instance(hs: list, alphas: list) -> ScalingInstance:
    """A :class:`ScalingInstance` whose per-agent ``h_i`` and ``alpha_i`` are batches. Its
    validation (finite real numbers) was done on each instance the batch was built from, and
    would refuse the batch itself (a vector is not a number), so it is skipped here."""
    instance = object.__new__(ScalingInstance)
    object.__setattr__(instance, "hs", tuple(_Batch(h) for h in hs))
    object.__setattr__(instance, "alphas", tuple((_Batch(a),) for a in alphas))
    return instance


def batched_maps(method: Method, instances) -> np.ndarray | None:
    """The maps of deterministic instances (all with the same number of agents) as a
    ``(B, k, k)`` array from one run of the step, or ``None`` when the step does something a
    vector of numbers cannot follow (the caller then runs it per instance). :class:`NotLinear`
    propagates."""
    from pepcert.lowerbounds.maps import traced_maps

    traced = traced_maps(method, instances)
    if traced is not None:
        return traced
    size, agents = len(method.state), instances[0].agents
    hs = [[float(i.hs[a]) for i in instances] for a in range(agents)]
    alphas = [[float(i.alphas[a][0]) for i in instances] for a in range(agents)]
    try:
        rows = linear_map(method, _batch_instance(hs, alphas))
        stack = np.zeros((len(instances), size, size))
        for a, row in enumerate(rows):
            for b, entry in enumerate(row):
                stack[:, a, b] = entry.values if isinstance(entry, _Batch) else float(entry)
    except (TypeError, ValueError, AttributeError, ArithmeticError, IndexError):
        return None
    return stack


#: Map entries one batched run holds (4M floats, 32 MB; the eigenproblem's workspace is a few times
#: that): many agents in groups give thousands of instances of side 2n + 1 (measured before chunking,
#: 64 agents in two groups: 8,712 instances, 1.6 GB at the peak).
BATCH_ENTRIES = 4 * 1024**2


def _batchable(instances) -> bool:
    """Instances one batched run of the step rates: deterministic, all with one number of agents."""
    return bool(instances) and not any(i.random for i in instances) and len({i.agents for i in instances}) == 1


def spectral_rates(method: Method, instances) -> list[LinearWorstCase]:
    """:func:`spectral_rate` of many instances; deterministic ones with the same number of
    agents share batched step runs and batched eigenproblems of at most :data:`BATCH_ENTRIES`
    map entries each."""
    instances = list(instances)
    if _batchable(instances):
        size = max(1, len(method.state)) ** 2
        chunk = max(1, BATCH_ENTRIES // size)
        found: list[LinearWorstCase] = []
        for start in range(0, len(instances), chunk):
            part = instances[start:start + chunk]
            stack = batched_maps(method, part)
            if stack is None:
                return [spectral_rate(method, i) for i in instances]
            found += _deterministic_cases(stack, part)
        return found
    return [spectral_rate(method, i) for i in instances]


def _second_moment_rate(matrices: list[np.ndarray]) -> tuple[float, np.ndarray]:
    """Spectral radius of ``Sigma -> mean M_k Sigma M_k^T`` and a factor of its PSD eigen-matrix."""
    n = matrices[0].shape[0]
    lifted = np.array(symmetric_lift([m.tolist() for m in matrices]), dtype=float)
    eigenvalues, eigenvectors = np.linalg.eig(lifted)
    index = int(np.argmax(eigenvalues.real))
    coordinates = eigenvectors[:, index].real
    sigma = np.zeros((n, n))
    for value, (i, j) in zip(coordinates, [(r, c) for r in range(n) for c in range(r, n)]):
        sigma[i, j] = sigma[j, i] = value
    if np.trace(sigma) < 0:
        sigma = -sigma
    values, vectors = np.linalg.eigh(sigma)
    factor = vectors * np.sqrt(np.maximum(values, 0.0))
    scale = np.linalg.norm(factor)
    return float(max(eigenvalues[index].real, 0.0)), factor / (scale if scale > 0 else 1.0)


#: Most per-agent end-point combinations enumerated; beyond it a coordinate search is used.
MAX_COMBINATIONS = 4096
GRID = 8  # common scalings tried per curvature tuple before the bounded scalar refinement (even: the
# middle of a symmetric family, alpha = 1, where the step is the identity and a replay of the traced
# maps does not apply, is not a grid point)


def _choice_tuples(function, choices: list[list]) -> Iterator[tuple]:
    """Every assignment of one choice per agent, one representative per multiset within each
    group of identical agents (:attr:`~pepcert.pep.classes.Distributed.groups`): relabelling
    identical agents gives an instance of the same rate."""
    groups = function.groups
    per_group = [itertools.combinations_with_replacement(choices[group[0]], len(group)) for group in groups]
    for picks in itertools.product(*per_group):
        assignment: list = [None] * function.agents
        for group, chosen in zip(groups, picks):
            for agent, choice in zip(group, chosen):
                assignment[agent] = choice
        yield tuple(assignment)


def _count(function, choices: list[list]) -> int:
    """How many tuples :func:`_choice_tuples` yields."""
    return math.prod(math.comb(len(choices[group[0]]) + len(group) - 1, len(group)) for group in function.groups)


def _instance(family, hs, thetas) -> ScalingInstance:
    return _validated(tuple(float(h) for h in hs), tuple(tuple(family.scalings(float(t))) for t in thetas))


@functools.lru_cache(maxsize=4096)
def _validated(hs: tuple, alphas: tuple) -> ScalingInstance:
    """One validated (immutable) instance per curvatures and outcomes: a grid of rates over the
    step meets the same instances at every step (measured 8 % of a rate's time to validate them)."""
    return ScalingInstance(hs, alphas)


@dataclass(frozen=True)
class _Candidates:
    """The instances :func:`worst_linear_instances` rates, which depend on the classes only (a
    sweep over the step meets the same ones at every step): ``ends`` (every agent at one of its
    curvatures and at an end of the scaling family; None when there are more than
    :data:`MAX_COMBINATIONS` and a coordinate search replaces them), and for each curvature
    tuple in ``tuples`` a grid of :data:`GRID` common scalings (``interior``, tuple by tuple)."""

    ends: tuple | None
    tuples: tuple
    grid: tuple
    interior: tuple


def _candidates(classes: ProblemClass, thorough: bool) -> _Candidates:
    """The classes' :class:`_Candidates` (remembered per hashable classes)."""
    try:
        return _remembered_candidates(classes, thorough)
    except TypeError:  # a user's classes that are not hashable: built each time
        return _built_candidates(classes, thorough)


def _built_candidates(classes: ProblemClass, thorough: bool) -> _Candidates:
    """The classes' :class:`_Candidates`, built (validated instances: :func:`_instance`)."""
    function, family = classes.function, classes.scaling_family()
    per_agent = function.curvature_choices(thorough)
    choices = [[(float(h), t) for h in curvatures for t in family.ends()] for curvatures in per_agent]
    ends = None
    if _count(function, choices) <= MAX_COMBINATIONS:
        ends = tuple(_instance(family, [c[0] for c in combo], [c[1] for c in combo])
                     for combo in _choice_tuples(function, choices))
    low, high = family.parameter_range()
    if low == high or _count(function, per_agent) > MAX_COMBINATIONS:
        return _Candidates(ends, (), (), ())
    grid = tuple(float(t) for t in np.linspace(low, high, GRID))
    tuples = tuple(_choice_tuples(function, per_agent))
    interior = tuple(_instance(family, hs, [t] * function.agents) for hs in tuples for t in grid)
    return _Candidates(ends, tuples, grid, interior)


_remembered_candidates = functools.lru_cache(maxsize=64)(_built_candidates)


def _coordinate_search(method, function, family, per_agent) -> list[LinearWorstCase]:
    """Every agent at one of its curvatures and at an end of the scaling family, by coordinate
    search when there are too many combinations (any member gives a valid lower bound): the best
    uniform choice, then improve one agent at a time (at most 3 sweeps)."""
    choices = [[(float(h), t) for h in curvatures for t in family.ends()] for curvatures in per_agent]

    def rate(combo):
        return spectral_rates(method, [_instance(family, [c[0] for c in combo], [c[1] for c in combo])])[0]

    n = function.agents
    uniform = [rate([choices[a][k % len(choices[a])] for a in range(n)]) for k in range(max(map(len, choices)))]
    best = max(uniform, key=lambda c: c.rho)
    combo = [(h, _theta(family, agent)) for h, agent in zip(best.instance.hs, best.instance.alphas)]
    for _ in range(3):
        improved = False
        for a in range(n):
            trials = [combo[:a] + [choice] + combo[a + 1:] for choice in choices[a]]
            cases = spectral_rates(method, [_instance(family, [c[0] for c in t], [c[1] for c in t]) for t in trials])
            top = max(range(len(cases)), key=lambda k: cases[k].rho)
            if cases[top].rho > best.rho * (1 + 1e-12):
                best, combo, improved = cases[top], trials[top], True
        if not improved:
            break
    return uniform + [best]


def _theta(family, outcomes) -> float:
    """The family parameter of one agent's outcomes (the scaling, or the half spread)."""
    outcomes = [float(a) for a in outcomes]
    return outcomes[0] if len(outcomes) == 1 else (outcomes[-1] - outcomes[0]) / 2


def _refined_interior(method, function, family, candidates: _Candidates, every: list) -> list[LinearWorstCase]:
    """For each curvature tuple, the best common scaling of its grid (``every``: the rates of
    ``candidates.interior``), refined by a bounded scalar search (scipy) around an interior maximum."""
    found = []
    grid = candidates.grid
    for k, hs in enumerate(candidates.tuples):
        rates = every[k * GRID:(k + 1) * GRID]
        best = int(np.argmax([r.rho for r in rates]))
        found.append(rates[best])
        if 0 < best < GRID - 1:
            from scipy.optimize import minimize_scalar

            # One instance at a time, through the traced maps where the step was traced (the same
            # maps, bitwise, as a symbolic run).
            rate_at = lambda t: spectral_rates(method, [_instance(family, hs, [t] * function.agents)])[0]  # noqa: B023
            found_t = minimize_scalar(lambda t: -rate_at(t).rho, bounds=(grid[best - 1], grid[best + 1]),  # noqa: B023
                                      method="bounded", options={"xatol": 1e-12})
            found.append(rate_at(float(found_t.x)))
    return found


def _instance_key(instance: ScalingInstance) -> tuple:
    return (tuple(float(h) for h in instance.hs), tuple(tuple(float(a) for a in agent) for agent in instance.alphas))


def worst_linear_instances(
    method: Method, classes: ProblemClass, thorough: bool = False, relative_tie: float = 1e-9
) -> list[LinearWorstCase]:
    """The instances of largest rate, best first (ties within ``relative_tie`` are all
    returned: at an optimal step size several are tight at once).

    Empty when the classes have no scaling instances or the method is not linear on them
    (it reads function values, an LMO or the iteration counter): no lower bound is known.
    ``thorough=True`` also scans interior curvatures.
    """
    if not classes.function.has_instances():
        return []
    thorough = thorough and classes.function.agents <= 2
    candidates = _candidates(classes, thorough)
    try:  # the ends and every grid in one batched run of the step
        every = spectral_rates(method, (candidates.ends or ()) + candidates.interior)
        return _selected(method, classes, candidates, thorough, every, relative_tie)
    except NotLinear:
        return []


def worst_linear_instances_along(methods, classes: ProblemClass) -> list[list[LinearWorstCase]]:
    """:func:`worst_linear_instances` of each of ``methods`` (one structure: a method at many
    steps, the points of a sweep), the same lists: the candidates' maps of every method come
    from one replay of the traced step (:func:`pepcert.lowerbounds.maps.traced_maps_along`), each
    map and eigenpair as the method alone gives them. Where the replay does not apply each
    method is searched alone."""
    from pepcert.lowerbounds.maps import traced_maps_along

    methods = list(methods)
    candidates = _candidates(classes, False) if classes.function.has_instances() else None
    instances = () if candidates is None else (candidates.ends or ()) + candidates.interior
    stacks = None
    if methods and _batchable(instances) and len(methods) * len(instances) * max(1, len(methods[0].state)) ** 2 <= BATCH_ENTRIES:
        stacks = traced_maps_along(methods, instances)
    if stacks is None or candidates is None:
        return [worst_linear_instances(method, classes) for method in methods]
    found = []
    for k, method in enumerate(methods):
        # One eigenproblem per method, as alone: LAPACK's eigenvectors were seen to move by an
        # ulp when the same map sits in a larger batch.
        every = _deterministic_cases(stacks[k], instances)
        try:
            found.append(_selected(method, classes, candidates, False, every, 1e-9))
        except NotLinear:
            found.append([])
    return found


def _selected(method, classes: ProblemClass, candidates: _Candidates, thorough: bool, every: list,
              relative_tie: float) -> list[LinearWorstCase]:
    """:func:`worst_linear_instances` from the rates ``every`` of the candidates: the ends (or a
    coordinate search over them), the refined interior, then the top ones without repeats."""
    function, family = classes.function, classes.scaling_family()
    ends = candidates.ends or ()
    found = every[:len(ends)] if candidates.ends is not None else \
        _coordinate_search(method, function, family, function.curvature_choices(thorough))
    found += _refined_interior(method, function, family, candidates, every[len(ends):])
    top = max(r.rho for r in found)
    unique: dict[tuple, LinearWorstCase] = {}
    for case in sorted(found, key=lambda r: -r.rho):
        if case.rho >= top * (1 - relative_tie):
            unique.setdefault(_instance_key(case.instance), case)
    return list(unique.values())
