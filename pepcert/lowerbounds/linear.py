r"""Worst-case instances on which the method is linear: numerical search.

On ``f(x) = h ||x||^2 / 2`` with the compressor ``C(v) = alpha v`` (``mu <= h <= L``,
``|alpha - 1| <= s = sqrt(1 - delta)``) a method is a linear map ``M(h, alpha)`` of its state
(:func:`pepcert.pep.instances.linear_map`). Starting from an eigenvector of ``M`` for an
eigenvalue ``z``, every quadratic measure of the state is multiplied by ``|z|^2`` at every step,
so no analysis can prove a rate below the squared spectral radius ``rho(h, alpha)`` (Thomsen,
Taylor & Dieuleveut 2025, Section 4: for CGD, EF and EF21 the maximum over ``h in {mu, L}``
and ``alpha in {1 - s, 1 + s}`` is the tight rate).

This module maximises ``rho(h, alpha)`` numerically; :mod:`pepcert.lowerbounds.certified` proves
the value in rational arithmetic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize_scalar

from pepcert.pep.instances import ScalingInstance, linear_map
from pepcert.pep.methods import Method
from pepcert.pep.problem import ProblemClass


@dataclass(frozen=True)
class LinearWorstCase:
    """An instance, its squared spectral radius and the eigenvector that attains it."""

    rho: float
    instance: ScalingInstance
    eigenvalue: complex
    eigenvector: np.ndarray  # in state coordinates (state - state*), complex, unit norm
    matrix: np.ndarray

    def to_dict(self) -> dict:
        return {
            "rho": self.rho,
            "h": float(self.instance.h),
            "alpha": float(self.instance.alpha),
            "eigenvalue": [self.eigenvalue.real, self.eigenvalue.imag],
        }


def spectral_rate(method: Method, instance: ScalingInstance) -> LinearWorstCase:
    """``|z|^2`` for the eigenvalue ``z`` of largest modulus of the method's map on ``instance``."""
    matrix = np.array(linear_map(method, instance), dtype=float)
    eigenvalues, eigenvectors = np.linalg.eig(matrix)
    index = int(np.argmax(np.abs(eigenvalues)))
    vector = eigenvectors[:, index]
    return LinearWorstCase(
        rho=float(abs(eigenvalues[index]) ** 2),
        instance=instance,
        eigenvalue=complex(eigenvalues[index]),
        eigenvector=vector / np.linalg.norm(vector),
        matrix=matrix,
    )


def _compressor_radius(classes: ProblemClass) -> float:
    compressor = classes.compressor
    return 0.0 if compressor is None else math.sqrt(float(1 - compressor.delta))


def worst_linear_instances(
    method: Method, classes: ProblemClass, thorough: bool = False, relative_tie: float = 1e-9
) -> list[LinearWorstCase]:
    """The instances of largest squared spectral radius, best first (ties within
    ``relative_tie`` are all returned: at an optimal step size several are tight at once).

    The default search covers ``h in {mu, L}`` and, for each, the best ``alpha`` in
    ``[1 - s, 1 + s]`` (a 7-point grid refined by a bounded scalar search when the best point
    is interior). ``thorough=True`` also scans interior curvatures ``h``.
    """
    mu, L = float(classes.function.mu), float(classes.function.L)
    s = _compressor_radius(classes)
    curvatures = [mu, L]
    if thorough:
        curvatures = list(np.linspace(mu, L, 17))
    found: list[LinearWorstCase] = []
    for h in curvatures:
        alphas = np.linspace(1 - s, 1 + s, 7) if s > 0 else np.array([1.0])
        rates = [spectral_rate(method, ScalingInstance(h, float(a))) for a in alphas]
        best = int(np.argmax([r.rho for r in rates]))
        candidates = [rates[0], rates[-1], rates[best]]
        if 0 < best < len(alphas) - 1:
            result = minimize_scalar(
                lambda a: -spectral_rate(method, ScalingInstance(h, a)).rho,
                bounds=(alphas[best - 1], alphas[best + 1]),
                method="bounded",
                options={"xatol": 1e-12},
            )
            candidates.append(spectral_rate(method, ScalingInstance(h, float(result.x))))
        found.extend(candidates)
    top = max(r.rho for r in found)
    unique: dict[tuple[float, float], LinearWorstCase] = {}
    for case in sorted(found, key=lambda r: -r.rho):
        if case.rho >= top * (1 - relative_tie):
            unique.setdefault((float(case.instance.h), float(case.instance.alpha)), case)
    return list(unique.values())
