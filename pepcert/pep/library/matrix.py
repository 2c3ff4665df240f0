r"""The EF-Muon compressor on matrices (Parshakova, Khaled, Crawshaw, Garrigos & Gower 2026).

``C(P) = (||P||_nuc / rank P) polar(P)`` (0 at 0), ``polar(P) = U V^T`` from the thin SVD
``P = U diag(sigma) V^T`` restricted to the nonzero singular values. Since
``<P, polar P> = ||P||_nuc`` and ``||polar P||_F^2 = rank P = r``, ``C(P)`` is the Frobenius
projection of ``P`` on the line through ``polar P``, and

    ``||C(P) - P||_F^2 = ||P||_F^2 - ||P||_nuc^2 / r``.

With ``||P||_nuc^2 = (sum sigma_i)^2 >= sum sigma_i^2 = ||P||_F^2`` and ``r <= min(m, n)``,
``||C(P) - P||_F^2 <= (1 - 1/min(m, n)) ||P||_F^2``: deterministic contractive with
``delta = 1/min(m, n)``. The constant is the infimum, approached and not attained: for
``sigma = (1, eps, ..., eps)`` with ``r = min(m, n)`` the ratio tends to ``1 - 1/r`` as
``eps -> 0`` (at ``eps = 0`` the rank drops to 1 and ``C(P) = P``).

A standalone numpy implementation (batched over leading axes); the 2x2 exact-arithmetic
version used by the Muon certificates lives in ``pepcert.pep.algorithms.muon``.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from pepcert.pep.compressors import Contractive
from pepcert.pep.errors import BadInput
from pepcert.pep.library.base import positive_int

#: Singular values below ``RANK_TOLERANCE * sigma_max`` count as zero (numerical rank).
RANK_TOLERANCE = 1e-12


@dataclass(frozen=True)
class EFMuon:
    """``C(P) = (||P||_nuc / rank P) polar(P)`` on ``m x n`` matrices; ``delta = 1/min(m, n)``."""

    m: int
    n: int
    source = "Parshakova, Khaled, Crawshaw, Garrigos & Gower 2026 (EF-Muon): delta = 1/min(m, n)"

    def __post_init__(self):
        positive_int(self.m, "m", 1, 10**6)
        positive_int(self.n, "n", 1, 10**6)

    def __call__(self, P, rng=None):
        P = np.asarray(P, dtype=float)
        if P.ndim < 2 or P.shape[-2:] != (self.m, self.n):
            raise BadInput(f"ef-muon acts on {self.m}x{self.n} matrices, got shape {P.shape}")
        U, sigma, Vt = np.linalg.svd(P, full_matrices=False)
        top = sigma[..., :1]
        keep = (sigma > RANK_TOLERANCE * top) & (top > 0)
        rank = keep.sum(axis=-1)
        polar = (U * keep[..., None, :]) @ Vt
        scale = np.where(keep, sigma, 0.0).sum(axis=-1) / np.maximum(rank, 1)
        return scale[..., None, None] * polar

    def compressor_class(self) -> Contractive:
        return Contractive(Fraction(1, min(self.m, self.n)))

    def describe(self) -> str:
        return f"EF-Muon (||P||_nuc / rank P) polar(P) on {self.m}x{self.n} matrices"
