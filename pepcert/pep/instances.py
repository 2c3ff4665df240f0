r"""Explicit instances on which a method is a linear map.

The papers' lower bounds (Thomsen, Taylor & Dieuleveut 2025, Section 4) use the quadratic
``f(x) = h ||x||^2 / 2`` with ``mu <= h <= L`` and the compressor ``C(v) = alpha v`` with
``|alpha - 1| <= sqrt(1 - delta)``. On such an instance every method built from gradients,
compressions and linear combinations is linear in its state, so ``state_{k+1} = M state_k``
and the worst-case rate is at least the squared spectral radius of ``M``.

:func:`linear_map` obtains ``M`` by running the method's own step on symbolic state vectors,
so it is exact when ``h`` and ``alpha`` are rationals and needs no knowledge of the method.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pepcert.pep.expressions import Basis, Vector
from pepcert.pep.methods import Method


@dataclass(frozen=True)
class ScalingInstance:
    """``f(x) = h ||x||^2 / 2`` and ``C(v) = alpha v`` (exact for rational ``h``, ``alpha``)."""

    h: object
    alpha: object

    # The oracle interface of a method's step (also used by Trace.evaluate).
    def gradient(self, x):
        return self.h * x

    def value(self, x):
        if isinstance(x, Vector):
            raise TypeError("function values of symbolic vectors are not linear")
        return self.h * np.sum(np.multiply(x, x)) / 2

    def compress(self, v):
        return self.alpha * v

    def belongs_to(self, classes) -> bool:
        """Exact membership when parameters are rationals: ``mu <= h <= L`` and
        ``(alpha - 1)^2 <= 1 - delta``."""
        function, compressor = classes.function, classes.compressor
        ok = function.mu <= self.h <= function.L
        if compressor is not None:
            ok = ok and (self.alpha - 1) ** 2 <= 1 - compressor.delta
        return bool(ok)


class _LinearOracle:
    def __init__(self, instance: ScalingInstance):
        self.instance = instance

    def gradient(self, x):
        return self.instance.gradient(x)

    def compress(self, v):
        return self.instance.compress(v)

    def value(self, x):
        raise ValueError("this method uses function values: it is not linear on the instance")


def linear_map(method: Method, instance: ScalingInstance, number=float) -> list[list]:
    """The matrix ``M`` with ``(state - state*)_{k+1} = M (state - state*)_k`` on ``instance``.

    Entries are in the number type of ``h``, ``alpha`` and the method's parameters
    (exact rationals stay exact). The optimum is ``x* = 0``.
    """
    basis = Basis()
    oracle = _LinearOracle(instance)
    xstar = basis.zero_vector()
    optimum = method.state_at_optimum(xstar, oracle)
    shifts = [basis.new_vector(name) for name in method.state]
    state = tuple(star + shift for star, shift in zip(optimum, shifts))
    new_state = method.advance(state, oracle, 0)
    size = len(method.state)
    matrix = []
    for component, star in zip(new_state, optimum):
        shifted = component - star
        if not isinstance(shifted, Vector):
            raise ValueError("a step must return vectors built from the state and oracle outputs")
        row = [number(0)] * size
        for index, coefficient in shifted.coefficients.items():
            row[index] = coefficient
        matrix.append(row)
    return matrix
