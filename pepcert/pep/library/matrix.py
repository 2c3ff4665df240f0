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

The one implementation of this compressor: numpy batches (any leading axes, a batched SVD) and
2x2 :class:`~pepcert.pep.numerics.matrix2.Mat2` over floats, Fractions or enclosures (the
closed-form polar factor, exact where the matrix allows; the Muon replays). It is also
``pepcert.pep.algorithms.muon.ScaledPolarCompressor``, the oracle's compressor of EF-Muon.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import partial
from typing import ClassVar

import numpy as np

from pepcert.pep.compressors import Contractive
from pepcert.pep.errors import BadInput
from pepcert.pep.library.base import positive_int

#: Singular values below ``RANK_TOLERANCE * sigma_max`` count as zero (numerical rank).
RANK_TOLERANCE = 1e-12


class _on_class_or_instance:
    """A method that, read from the class, acts on a default instance: keeps the historic
    ``ScaledPolarCompressor.compressor_class(r)`` working beside ``EFMuon(m, n).compressor_class()``."""

    def __init__(self, function):
        self.function = function
        self.__doc__ = function.__doc__

    def __get__(self, instance, owner):
        return partial(self.function, owner() if instance is None else instance)


@dataclass(frozen=True)
class EFMuon:
    """``C(P) = (||P||_nuc / rank P) polar(P)``; ``delta = 1/min(m, n)`` on ``m x n`` matrices.

    ``m, n`` fix the shape (the library specification ``ef-muon:m=..,n=..``; inputs of another
    shape are refused); without them any matrix is accepted and the class needs a rank bound.
    """

    m: int | None = None
    n: int | None = None
    name: ClassVar[str] = "scaled-polar"
    source: ClassVar[str] = "Parshakova, Khaled, Crawshaw, Garrigos & Gower 2026 (EF-Muon): delta = 1/min(m, n)"

    def __post_init__(self):
        if (self.m is None) != (self.n is None):
            raise BadInput("ef-muon needs both m and n, or neither")
        if self.m is not None:
            positive_int(self.m, "m", 1, 10**6)
            positive_int(self.n, "n", 1, 10**6)

    def __call__(self, P, rng=None):
        """``C(P)``; ``rng`` is unused (deterministic), for the oracle's ``C(v, rng)`` call."""
        from pepcert.pep.numerics.matrix2 import Mat2, nuclear_norm, polar, rank  # not on the `rate` import path

        if isinstance(P, Mat2):
            if self.m is not None and (self.m, self.n) != (2, 2):
                raise BadInput(f"ef-muon acts on {self.m}x{self.n} matrices, got a 2x2 matrix")
            r = rank(P)
            return P * 0 if r == 0 else (nuclear_norm(P) / r) * polar(P)
        P = np.asarray(P, dtype=float)
        if P.ndim < 2 or (self.m is not None and P.shape[-2:] != (self.m, self.n)):
            shape = "matrices" if self.m is None else f"{self.m}x{self.n} matrices"
            raise BadInput(f"ef-muon acts on {shape}, got shape {P.shape}")
        U, sigma, Vt = np.linalg.svd(P, full_matrices=False)
        top = sigma[..., :1]
        keep = (sigma > RANK_TOLERANCE * top) & (top > 0)
        kept = keep.sum(axis=-1)
        polar_factor = (U * keep[..., None, :]) @ Vt
        scale = np.where(keep, sigma, 0.0).sum(axis=-1) / np.maximum(kept, 1)
        return scale[..., None, None] * polar_factor

    @_on_class_or_instance
    def compressor_class(self, max_rank: int | None = None) -> Contractive:
        """``Contractive(1/r)`` for matrices of rank at most ``r``: ``max_rank`` when given,
        otherwise ``min(m, n)``."""
        if max_rank is None:
            if self.m is None or self.n is None:
                raise BadInput("the class of ef-muon needs a rank bound (or the shape m, n)")
            max_rank = min(self.m, self.n)
        if isinstance(max_rank, bool) or not isinstance(max_rank, int) or max_rank < 1:
            raise BadInput(f"the rank bound must be a positive integer, got {max_rank!r}")
        return Contractive(Fraction(1, max_rank))

    def describe(self) -> str:
        shape = "matrices" if self.m is None else f"{self.m}x{self.n} matrices"
        return f"EF-Muon (||P||_nuc / rank P) polar(P) on {shape}"
