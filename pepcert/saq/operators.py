r"""A symmetric matrix that is a multiple of the identity plus a low-rank term, applied without
forming it.

The logistic smoothness matrix of worker ``i`` is ``L_i = A_i^T A_i / (4 m_i) + lam I``
(:mod:`pepcert.saq.problem`): the data term has rank at most ``m_i``. With the eigenpairs of
its ``r <= m_i`` largest eigenvalues ``e_1..e_r`` (columns of ``V``), every function of ``L_i``
is ``phi(lam) I + V diag(phi(e) - phi(lam)) V^T``; the smoothness-aware compressor (Wang,
Safaryan & Richtarik 2022, Sec. 3) applies ``phi = sqrt`` and ``phi = 1/sqrt`` at every step and
every worker. On pd-speech (``d = 751``, four workers of 63 rows) that is two products with
``V`` (``d x 63``) instead of one with a dense ``d x d`` matrix, whose four copies per function
do not stay in cache.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class ShiftedLowRank:
    """``M = shift I + V diag(weights) V^T`` (``V``: ``d x r``, orthonormal columns), used as
    ``v @ M`` on a vector or on a batch of vectors along leading axes (``M`` is symmetric, so
    this is ``M v`` row by row): ``shift v + ((v V) * weights) V^T``."""

    shift: float
    vectors: np.ndarray
    weights: np.ndarray

    __array_ufunc__ = None  # ``ndarray @ M`` defers to :meth:`__rmatmul__`

    @property
    def shape(self) -> tuple[int, int]:
        d = self.vectors.shape[0]
        return d, d

    def __rmatmul__(self, v):
        v = np.asarray(v, dtype=float)
        return self.shift * v + ((v @ self.vectors) * self.weights) @ self.vectors.T

    def dense(self) -> np.ndarray:
        """The matrix itself (tests and small problems)."""
        return self.shift * np.eye(self.shape[0]) + (self.vectors * self.weights) @ self.vectors.T


def shifted_roots(eigenvalues: np.ndarray, vectors: np.ndarray, shift: float, rank: int
                  ) -> tuple[ShiftedLowRank, ShiftedLowRank]:
    """``(L^{1/2}, L^{-1/2})`` of ``L = U diag(eigenvalues) U^T`` (ascending, as ``eigh``) whose
    ``d - rank`` smallest eigenvalues are ``shift > 0`` in exact arithmetic (here: within rounding
    of it), from its ``rank`` largest eigenpairs. The weights are written without cancellation:
    ``sqrt(e) - sqrt(s) = (e - s)/(sqrt(e) + sqrt(s))`` and
    ``1/sqrt(e) - 1/sqrt(s) = -(e - s)/(sqrt(e) sqrt(s) (sqrt(e) + sqrt(s)))``."""
    top = np.maximum(eigenvalues[len(eigenvalues) - rank:], shift)
    V = np.ascontiguousarray(vectors[:, len(eigenvalues) - rank:])
    V.setflags(write=False)
    excess, root_e, root_s = top - shift, np.sqrt(top), float(np.sqrt(shift))
    up = excess / (root_e + root_s)
    down = -excess / (root_e * root_s * (root_e + root_s))
    for array in (up, down):
        array.setflags(write=False)
    return ShiftedLowRank(root_s, V, up), ShiftedLowRank(1.0 / root_s, V, down)
