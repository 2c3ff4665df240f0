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

from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from pepcert.pep.instances import AgentScalingInstance, NotLinear, ScalingInstance, linear_map, linear_maps, symmetric_lift
from pepcert.pep.methods import Method
from pepcert.pep.problem import ProblemClass


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
        return {
            "rho": self.rho,
            **self.instance.to_dict(),
            "eigenvalue": [self.eigenvalue.real, self.eigenvalue.imag],
        }


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
    """``|z|^2`` of the dominant eigenvalue of each map in ``stack`` (one batched eigenproblem)."""
    eigenvalues, eigenvectors = np.linalg.eig(stack)
    cases = []
    for k, instance in enumerate(instances):
        index = int(np.argmax(np.abs(eigenvalues[k])))
        vector = eigenvectors[k, :, index] / np.linalg.norm(eigenvectors[k, :, index])
        factor = np.stack([vector.real, vector.imag], axis=1)
        z = complex(eigenvalues[k, index])
        cases.append(LinearWorstCase(float(abs(z) ** 2), instance, z, _readonly(factor), (_readonly(stack[k].copy()),)))
    return cases


class _Batch:
    """A float vector that a method's step treats as one number (elementwise arithmetic).

    Running the step once on ``h = _Batch(hs)``, ``alpha = _Batch(alphas)`` gives the linear
    maps of every instance at once, with the same floating-point operations as one run per
    instance (so identical entries), and no repeated symbolic work.
    """

    __slots__ = ("values",)
    __array_ufunc__ = None
    __hash__ = None

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


def _batch_instance(h: _Batch, alpha: _Batch) -> ScalingInstance:
    """A :class:`ScalingInstance` whose ``h`` and ``alpha`` are batches. Its validation (finite
    real numbers) was done on each instance the batch was built from, and would refuse the
    batch itself (a vector is not a number), so it is skipped here."""
    instance = object.__new__(ScalingInstance)
    object.__setattr__(instance, "h", h)
    object.__setattr__(instance, "alpha", alpha)
    return instance


def batched_maps(method: Method, hs, alphas) -> np.ndarray | None:
    """The maps ``M(h_i, alpha_i)`` (deterministic instances) as a ``(B, k, k)`` array from one
    run of the step, or ``None`` when the step does something a vector of numbers cannot
    follow (the caller then runs it per instance). :class:`NotLinear` propagates."""
    size = len(method.state)
    try:
        rows = linear_map(method, _batch_instance(_Batch(hs), _Batch(alphas)))
        stack = np.zeros((len(hs), size, size))
        for a, row in enumerate(rows):
            for b, entry in enumerate(row):
                stack[:, a, b] = entry.values if isinstance(entry, _Batch) else float(entry)
    except (TypeError, ValueError, AttributeError, ArithmeticError, IndexError):
        return None
    return stack


def spectral_rates(method: Method, instances) -> list[LinearWorstCase]:
    """:func:`spectral_rate` of many instances; deterministic ones share one batched step run
    and one batched eigenproblem."""
    instances = list(instances)
    if instances and not any(i.random for i in instances):
        stack = batched_maps(method, [float(i.h) for i in instances], [float(i.alpha) for i in instances])
        if stack is not None:
            return _deterministic_cases(stack, instances)
    return [spectral_rate(method, i) for i in instances]


def _second_moment_rate(matrices: list[np.ndarray]) -> tuple[float, np.ndarray]:
    """Spectral radius of ``Sigma -> mean M_k Sigma M_k^T`` and a factor of its PSD eigen-matrix."""
    n = matrices[0].shape[0]
    lifted = np.array(symmetric_lift([m.tolist() for m in matrices]), dtype=float)
    eigenvalues, eigenvectors = np.linalg.eig(lifted)
    index = int(np.argmax(eigenvalues.real))
    coordinates = eigenvectors[:, index].real
    sigma = np.zeros((n, n))
    for value, (i, j) in zip(coordinates, [(i, j) for i in range(n) for j in range(i, n)]):
        sigma[i, j] = sigma[j, i] = value
    if np.trace(sigma) < 0:
        sigma = -sigma
    values, vectors = np.linalg.eigh(sigma)
    factor = vectors * np.sqrt(np.maximum(values, 0.0))
    scale = np.linalg.norm(factor)
    return float(max(eigenvalues[index].real, 0.0)), factor / (scale if scale > 0 else 1.0)


def _best_scaling(method: Method, h: float, family) -> list[LinearWorstCase]:
    """The family's end points and its best member for curvature ``h`` (7-point grid, one
    batched step run and eigenproblem, then a bounded scalar search (scipy) around an interior maximum)."""
    low, high = family.parameter_range()
    if low == high:
        return [spectral_rate(method, ScalingInstance(h, family.scalings(low)))]
    grid = np.linspace(low, high, 7)
    rates = spectral_rates(method, [ScalingInstance(h, family.scalings(float(t))) for t in grid])
    best = int(np.argmax([r.rho for r in rates]))
    candidates = [rates[0], rates[-1], rates[best]]
    if 0 < best < len(grid) - 1:
        from scipy.optimize import minimize_scalar

        found = minimize_scalar(lambda t: -spectral_rate(method, ScalingInstance(h, family.scalings(t))).rho,
                                bounds=(float(grid[best - 1]), float(grid[best + 1])), method="bounded",
                                options={"xatol": 1e-12})
        t = float(found.x)
        candidates.append(spectral_rate(method, ScalingInstance(h, family.scalings(float(t)))))
    return candidates


def _agent_candidates(method: Method, function, family, thorough: bool) -> list[LinearWorstCase]:
    """n agents: every agent at one of its curvatures and at an end of the scaling family,
    independently (identical agents: one representative per multiset of per-agent choices),
    plus a common interior scaling searched per curvature tuple."""
    import itertools

    low, high = family.parameter_range()
    ends = (low,) if low == high else (low, high)
    n = function.agents
    per_agent = [fn.scaling_curvatures(thorough and n <= 2) for fn in function.functions]

    def case(hs, thetas):
        return spectral_rate(method, AgentScalingInstance(tuple(float(h) for h in hs),
                                                          tuple(family.scalings(float(t)) for t in thetas)))

    found = []
    if len(set(function.functions)) == 1:
        choices = [(float(h), t) for h in per_agent[0] for t in ends]
        for combo in itertools.combinations_with_replacement(choices, n):
            found.append(case([c[0] for c in combo], [c[1] for c in combo]))
        tuples = [tuple(float(h) for h in hs) for hs in itertools.combinations_with_replacement(per_agent[0], n)]
    else:
        tuples = list(itertools.product(*per_agent))
        for hs in tuples:
            for thetas in itertools.product(ends, repeat=n):
                found.append(case(hs, thetas))
    if low != high:
        for hs in tuples:
            grid = np.linspace(low, high, 7)
            rates = [case(hs, [t] * n) for t in grid]
            best = int(np.argmax([r.rho for r in rates]))
            found.append(rates[best])
            if 0 < best < len(grid) - 1:
                from scipy.optimize import minimize_scalar

                result = minimize_scalar(lambda t: -case(hs, [t] * n).rho, bounds=(grid[best - 1], grid[best + 1]),
                                         method="bounded", options={"xatol": 1e-12})
                found.append(case(hs, [float(result.x)] * n))
    return found


def _instance_key(instance) -> tuple:
    if isinstance(instance, AgentScalingInstance):
        return (instance.hs, instance.alphas)
    return (float(instance.h), tuple(float(a) for a in instance.alphas))


def worst_linear_instances(
    method: Method, classes: ProblemClass, thorough: bool = False, relative_tie: float = 1e-9
) -> list[LinearWorstCase]:
    """The instances of largest rate, best first (ties within ``relative_tie`` are all
    returned: at an optimal step size several are tight at once).

    Empty when the classes have no scaling instances or the method is not linear on them
    (it reads function values, an LMO or the iteration counter): no lower bound is known.
    ``thorough=True`` also scans interior curvatures.
    """
    curvatures = classes.function.scaling_curvatures(thorough)
    family = classes.scaling_family()
    if not curvatures or family is None:
        return []
    found: list[LinearWorstCase] = []
    try:
        if hasattr(classes.function, "agents"):
            found = _agent_candidates(method, classes.function, family, thorough)
        else:
            for h in curvatures:
                found.extend(_best_scaling(method, float(h), family))
    except NotLinear:
        return []
    top = max(r.rho for r in found)
    unique: dict[tuple, LinearWorstCase] = {}
    for case in sorted(found, key=lambda r: -r.rho):
        if case.rho >= top * (1 - relative_tie):
            unique.setdefault(_instance_key(case.instance), case)
    return list(unique.values())
