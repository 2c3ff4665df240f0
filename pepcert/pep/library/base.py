"""Shared pieces of the compressor library: exact parameter checks, the shape check of a (batch of) vectors, and the scaling compressor of the lower bounds.

Every concrete compressor is a frozen dataclass with

* ``__call__(v, rng)``: numpy, vectorised over leading axes (a batch of vectors along the
  first axis), randomness only from the seeded ``numpy.random.Generator`` ``rng``
  (deterministic compressors ignore it);
* ``compressor_class()``: :class:`~pepcert.pep.compressors.Contractive` or
  :class:`~pepcert.pep.compressors.Unbiased` with the proven constant as an exact
  ``Fraction`` (or a sympy expression when it is irrational);
* ``source`` (paper, lemma; or "proved in docs/compressors.md") and ``describe()``.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from pepcert.pep.compressors import Contractive
from pepcert.pep.errors import BadInput

#: Largest dimension a compressor accepts (bounded work for a parsed specification).
MAX_DIMENSION = 10**9


def positive_int(value, name: str, low: int = 1, high: int = MAX_DIMENSION) -> int:
    """``value`` as an int in ``[low, high]``, checked exactly (no ``float()``)."""
    if isinstance(value, bool) or not isinstance(value, (numbers.Integral, Fraction)):
        raise BadInput(f"{name} must be an integer, got {value!r}")
    if isinstance(value, Fraction):
        if value.denominator != 1:
            raise BadInput(f"{name} must be an integer, got {value}")
        value = value.numerator
    if value < low:
        raise BadInput(f"{name} must be at least {low}, got {value}")
    if value > high:
        raise BadInput(f"{name} must be at most {high}, got {value}")
    return int(value)


def as_batch(v, dimension: int | None, name: str) -> np.ndarray:
    """``v`` as a float array whose last axis has length ``dimension`` (when given)."""
    array = np.asarray(v, dtype=float)
    if array.ndim == 0:
        raise BadInput(f"{name} acts on vectors, got a scalar")
    if dimension is not None and array.shape[-1] != dimension:
        raise BadInput(f"{name} acts on vectors of dimension {dimension}, got shape {array.shape}")
    return array


@dataclass(frozen=True)
class Scaling:
    """``C(v) = alpha v``: deterministic, contractive with ``delta = 1 - (alpha - 1)^2``.

    ``||alpha v - v||^2 = (alpha - 1)^2 ||v||^2`` with equality for every ``v``, so the
    constant is attained everywhere. With ``alpha = 1 + s`` (or ``1 - s``), ``s =
    sqrt(1 - delta)``, it is the compressor of the papers' lower-bound instances (Thomsen,
    Taylor & Dieuleveut 2025). Needs ``0 < alpha < 2``.
    """

    alpha: Any
    source = "Thomsen, Taylor & Dieuleveut 2025 (lower-bound instances)"

    def __call__(self, v, rng=None):
        return self.alpha * v

    def compressor_class(self, dimension: int | None = None) -> Contractive:
        return Contractive(1 - (self.alpha - 1) ** 2)

    def describe(self) -> str:
        return f"scaling C(v) = {self.alpha} v"
