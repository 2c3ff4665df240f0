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

import numpy as np

from pepcert.pep.instances import NotLinear, ScalingInstance, linear_maps, symmetric_lift
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
        eigenvalues, eigenvectors = np.linalg.eig(matrices[0])
        index = int(np.argmax(np.abs(eigenvalues)))
        vector = eigenvectors[:, index] / np.linalg.norm(eigenvectors[:, index])
        factor = np.stack([vector.real, vector.imag], axis=1)
        rho, eigenvalue = float(abs(eigenvalues[index]) ** 2), complex(eigenvalues[index])
    else:
        rho, factor = _second_moment_rate(matrices)
        eigenvalue = complex(rho)
    return LinearWorstCase(rho, instance, eigenvalue, _readonly(factor), tuple(_readonly(m) for m in matrices))


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
    """The family's end points and its best member for curvature ``h`` (7-point grid, then a
    bounded scalar search around an interior maximum)."""
    low, high = family.parameter_range()
    if low == high:
        return [spectral_rate(method, ScalingInstance(h, family.scalings(low)))]
    grid = np.linspace(low, high, 7)
    rates = [spectral_rate(method, ScalingInstance(h, family.scalings(float(t)))) for t in grid]
    best = int(np.argmax([r.rho for r in rates]))
    candidates = [rates[0], rates[-1], rates[best]]
    if 0 < best < len(grid) - 1:
        from scipy.optimize import minimize_scalar

        result = minimize_scalar(
            lambda t: -spectral_rate(method, ScalingInstance(h, family.scalings(t))).rho,
            bounds=(grid[best - 1], grid[best + 1]), method="bounded", options={"xatol": 1e-12},
        )
        candidates.append(spectral_rate(method, ScalingInstance(h, family.scalings(float(result.x)))))
    return candidates


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
        for h in curvatures:
            found.extend(_best_scaling(method, float(h), family))
    except NotLinear:
        return []
    top = max(r.rho for r in found)
    unique: dict[tuple, LinearWorstCase] = {}
    for case in sorted(found, key=lambda r: -r.rho):
        if case.rho >= top * (1 - relative_tie):
            unique.setdefault((float(case.instance.h), tuple(float(a) for a in case.instance.alphas)), case)
    return list(unique.values())
