r"""The compressors of Wang, Safaryan & Richtarik 2022 for n workers, their bit counts and
their data-dependent constants.

Base quantizers (unbiased, ``E Q(w) = w``), vectorised over leading axes (a worker axis, and
any batch axes before it):

* :class:`Dithering` ``(s, blocks)``: l2 random dithering with ``s`` levels on ``blocks``
  consecutive near-equal blocks (block quantization; ``blocks = 1`` is QSGD). Its levels come
  from :func:`pepcert.pep.library.quantizers.dither_levels`, the code of the library's
  ``RandomDithering``.
* :class:`RandK` ``(k)``: ``k`` uniformly random coordinates scaled by ``d/k`` (the library's
  ``RandK(k, d, unbiased=True)``).

``omega(d)`` is the library's exact constant: ``E||Q(w) - w||^2 <= omega ||w||^2``.

**Smoothness-aware versions** (:class:`SmoothnessAware`): worker ``i`` sends the bits of
``Q(L_i^{+1/2} v)`` and the server uses ``C_i(v) = L_i^{1/2} Q(L_i^{+1/2} v)``. With
``w = L_i^{+1/2} v``, ``E C_i(v) = v`` (``L_i`` invertible) and

    ``E||C_i(v) - v||^2 = E||L_i^{1/2}(Q(w) - w)||^2 = tr(L_i Cov Q(w))``  (``variance(w, L_i)``),
    ``E||C_i(v) - v||^2_{L_i^+} = E||Q(w) - w||^2 <= omega ||w||^2 = omega ||v||^2_{L_i^+}``.

The Euclidean constant used with ``||v||^2_{L_i^+}`` is
``omega_i^+ = sup_w tr(L_i Cov Q(w)) / ||w||^2`` (:meth:`SmoothnessAware.constants`); always
``omega_i^+ <= omega lambda_max(L_i)`` since ``tr(L Cov) <= lambda_max(L) tr Cov``.

**Call shape** (the library's, :mod:`pepcert.pep.library.base`): ``compressor(v, rng) -> C(v)``.
What a worker sends is separate: ``encode(v, rng) -> Message`` (the payload and its ``bits``)
and ``decode(message) -> C(v)``; ``compressor(v, rng) = decode(encode(v, rng))``. The oracle
of :mod:`pepcert.saq.oracle` calls ``encode`` and ``decode`` and records the bits.

**Bits** (``--protocol pepcert``, :func:`pepcert.saq.encoding.pepcert_bits`): 32 bits per
float (a block norm, a rand-k value); a dithering level ``xi`` costs the Elias omega code of
``xi + 1`` plus 1 sign bit when ``xi != 0``; a rand-k index costs ``ceil(log2 d)`` bits (none
when ``k = d``).

The constants' derivations (re-derived here from the definitions, not quoted from the paper)
are in the docstrings of :class:`Dithering` and :class:`RandK` and in ``docs/saq.md``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np

from pepcert.pep.errors import BadInput
from pepcert.pep.library.base import positive_int
from pepcert.pep.library.quantizers import BlockDithering, RandomDithering, block_sizes, dither_levels, level_spread
from pepcert.pep.library.sparsifiers import RandK as LibraryRandK
from pepcert.saq.encoding import FLOAT_BITS, Message, elias_omega_bits, pepcert_bits
from pepcert.saq.levels import dithering_block_constants
from pepcert.saq.operators import ShiftedLowRank

__all__ = ["FLOAT_BITS", "AgentCompressor", "Dithering", "OmegaPlus", "RandK", "SmoothnessAware", "elias_omega_bits"]

def _apply(M: np.ndarray, V: np.ndarray) -> np.ndarray:
    """``M_i V_i`` for ``M`` (n, d, d) and ``V`` (..., n, d)."""
    return np.einsum("nij,...nj->...ni", M, V)


@functools.lru_cache(maxsize=256)
def _layout(levels: tuple, blocks: int, d: int) -> tuple[tuple[int, ...], np.ndarray | np.float64]:
    """Block sizes and the number of levels of every coordinate (cached: every message of a
    run asks for the same layout)."""
    if blocks > d:
        raise BadInput(f"{blocks} blocks need dimension >= {blocks}, got d = {d}")
    sizes = block_sizes(d, blocks)
    spread = np.asarray(level_spread(levels, sizes), dtype=float) if len(set(levels)) > 1 else np.float64(levels[0])
    return sizes, spread


@dataclass(frozen=True)
class Dithering:
    r"""l2 random dithering with ``s`` levels per block (``blocks`` consecutive blocks, sizes
    within one of each other); ``blocks > 1`` is block quantization.

    **Variance at a point.** In block ``B`` with ``r = ||w_B||`` and ``x_j = s |w_j| / r``,
    the level is ``floor(x_j) + Bernoulli(theta_j)``, ``theta_j = x_j - floor(x_j)``,
    independently over ``j``: ``Cov Q(w) = Diag(r_B^2 theta_j (1 - theta_j) / s^2)`` and
    ``E||L^{1/2}(Q(w) - w)||^2 = sum_j L_jj r_B^2 theta_j (1 - theta_j) / s^2``.

    **The constant** ``sup_w tr(L Cov Q(w)) / ||w||^2``: a ratio of sums over blocks, so it is
    the largest block's ``c_B = sup_{||u|| = 1} sum_{j in B} L_jj g(s u_j) / s^2`` with
    ``g(x) = theta(1 - theta)`` (:mod:`pepcert.saq.levels` bounds and attains it).
    """

    s: int | tuple[int, ...]  # levels: one int for every block, or a tuple of one int per block
    blocks: int = 1

    def __post_init__(self):
        positive_int(self.blocks, "blocks")
        if isinstance(self.s, (tuple, list)):
            object.__setattr__(self, "s", tuple(self.s))
            if len(self.s) != self.blocks:
                raise BadInput(f"per-block levels need one s per block ({self.blocks}), got {len(self.s)}")
            for s in self.s:
                positive_int(s, "s", 1, 2**20)
        else:
            positive_int(self.s, "s", 1, 2**20)

    @property
    def levels(self) -> tuple[int, ...]:
        """The number of levels of each block."""
        return self.s if isinstance(self.s, tuple) else (self.s,) * self.blocks

    @property
    def name(self) -> str:
        return "dithering" if self.blocks == 1 else "block-dithering"

    def sizes(self, d: int) -> tuple[int, ...]:
        return _layout(self.levels, self.blocks, d)[0]

    def library(self, d: int):
        """The library compressor with the same law (it names the class and proof)."""
        if self.blocks == 1:
            return RandomDithering(self.levels[0], d)
        return BlockDithering(self.blocks, self.levels, d)

    def omega(self, d: int):
        """Exact ``omega`` (Fraction or sympy) of the library: max over blocks of QSGD's."""
        self.sizes(d)
        return self.library(d).compressor_class().omega

    def encode(self, W, rng) -> Message:
        """``W`` (..., d) -> the message: block norms (..., B), signed levels (..., d), bits (...)."""
        W = np.asarray(W, dtype=float)
        per_block = self.levels
        sizes, _spread = _layout(per_block, self.blocks, W.shape[-1])
        scales, levels = dither_levels(W, per_block if len(sizes) > 1 else per_block[0], sizes, rng)
        signed = np.copysign(levels, W).astype(np.int64)  # level 0 stays 0 whatever the sign
        return Message((scales, signed), pepcert_bits(levels.astype(np.int64), len(sizes)))

    def decode(self, message: Message) -> np.ndarray:
        scales, signed = message.payload
        sizes, spread = _layout(self.levels, self.blocks, signed.shape[-1])
        return (scales if len(sizes) == 1 else np.repeat(scales, sizes, axis=-1)) * signed / spread

    def __call__(self, W, rng) -> np.ndarray:
        """``Q(W)`` for ``W`` (..., d): the library's call shape."""
        return self.decode(self.encode(W, rng))

    def variance(self, w, L) -> np.ndarray:
        """Exact ``E||L^{1/2}(Q(w) - w)||^2`` for ``w`` (..., d), ``L`` (..., d, d)."""
        w = np.asarray(w, dtype=float)
        sizes = self.sizes(w.shape[-1])
        bounds = np.cumsum((0,) + sizes)
        spread = np.repeat(np.sqrt(np.add.reduceat(w * w, bounds[:-1], axis=-1)), sizes, axis=-1)
        s = level_spread(self.levels, sizes)
        x = s * np.abs(w) / np.where(spread > 0, spread, 1.0)
        theta = x - np.floor(x)
        var = spread**2 * theta * (1 - theta) / s**2
        return np.sum(np.diagonal(np.asarray(L, dtype=float), axis1=-2, axis2=-1) * var, axis=-1)

    def constants(self, L: np.ndarray):
        """``(bound, attained, witness, simple_bound)`` of ``sup_w tr(L Cov Q(w))/||w||^2``
        for one matrix ``L`` (d, d): the proven bound, the value at the explicit ``witness``
        (unit norm), and ``max_B min(tr L_B/(4 s^2), ||diag L_B||_2 / s)``."""
        diag = np.diagonal(np.asarray(L, dtype=float)).copy()
        sizes = self.sizes(len(diag))
        bounds = np.cumsum((0,) + sizes)
        best, witness, bound, simple = -1.0, None, 0.0, 0.0
        for a, b, s in zip(bounds, bounds[1:], self.levels):
            block = dithering_block_constants(diag[a:b], s)
            bound, simple = max(bound, block.bound), max(simple, block.simple_bound)
            if block.attained > best:
                best, witness = block.attained, np.zeros(len(diag))
                witness[a:b] = block.witness
        return bound, float(self.variance(witness, L)), witness, simple

    def describe(self) -> str:
        blocks = "one block" if self.blocks == 1 else f"{self.blocks} blocks"
        levels = self.s if not isinstance(self.s, tuple) else ":".join(map(str, self.s))
        return f"l2 random dithering, s = {levels} levels, {blocks}"


@dataclass(frozen=True)
class RandK:
    r"""Rand-k: ``k`` coordinates of a uniformly random ``k``-subset ``S``, scaled by ``d/k``.

    **Covariance** (from ``P(i in S) = k/d``, ``P(i, j in S) = k(k-1)/(d(d-1))``):
    ``Cov Q(w) = (d - k)/(k (d - 1)) (d Diag(w)^2 - w w^T)``, so
    ``tr(L Cov Q(w)) = w^T M w`` with ``M = (d - k)/k [d/(d-1) Diag(L) - L/(d-1)]``
    (``M = 0`` when ``d = 1``). The constant ``sup_w w^T M w / ||w||^2 = lambda_max(M)`` is
    exact and attained by M's top eigenvector; with ``L = I`` it is ``d/k - 1``.
    """

    k: int

    def __post_init__(self):
        positive_int(self.k, "k")

    name = "rand-k"

    def library(self, d: int) -> LibraryRandK:
        if self.k > d:
            raise BadInput(f"rand-k: k = {self.k} exceeds the dimension d = {d}")
        return LibraryRandK(self.k, d, unbiased=True)

    def omega(self, d: int):
        return self.library(d).compressor_class().omega

    def index_bits(self, d: int) -> int:
        """``ceil(log2 d)`` bits per index (0 when every coordinate is sent)."""
        return 0 if self.k == d else (d - 1).bit_length()

    def encode(self, W, rng) -> Message:
        """The message is the ``k`` scaled values with their indices (payload: ``Q`` itself)."""
        W = np.asarray(W, dtype=float)
        d = W.shape[-1]
        Q = self.library(d)(W, rng)
        return Message((Q,), np.full(W.shape[:-1], self.k * (FLOAT_BITS + self.index_bits(d)), dtype=np.int64))

    def decode(self, message: Message) -> np.ndarray:
        return message.payload[0]

    def __call__(self, W, rng) -> np.ndarray:
        return self.decode(self.encode(W, rng))

    def variance_matrix(self, L) -> np.ndarray:
        L = np.asarray(L, dtype=float)
        d = L.shape[-1]
        self.library(d)
        if d == 1:
            return np.zeros_like(L)
        diag = np.diagonal(L, axis1=-2, axis2=-1)
        return (d - self.k) / (self.k * (d - 1)) * (d * diag[..., :, None] * np.eye(d) - L)

    def variance(self, w, L) -> np.ndarray:
        """Exact ``E||L^{1/2}(Q(w) - w)||^2 = w^T M w``."""
        w = np.asarray(w, dtype=float)
        return np.einsum("...i,...ij,...j->...", w, self.variance_matrix(L), w)

    def constants(self, L: np.ndarray):
        e, U = np.linalg.eigh(self.variance_matrix(L))
        witness = U[:, -1]
        return float(e[-1]), float(self.variance(witness, L)), witness, float(e[-1])

    def describe(self) -> str:
        return f"rand-k, k = {self.k} coordinates scaled by d/k"


@dataclass(frozen=True, eq=False)
class OmegaPlus:
    """The per-worker constants of one smoothness-aware compressor on one problem:
    ``bound`` (proven, what the theory uses), ``attained`` (the value at ``witness[i]``, a unit
    vector ``w``; a lower bound on the sup), ``simple_bound`` (closed form), ``omega`` (exact,
    of the base quantizer), ``lambda_max`` of each ``L_i``."""

    compressor: str
    bound: np.ndarray
    attained: np.ndarray
    witness: np.ndarray
    simple_bound: np.ndarray
    omega: Any  # exact
    lambda_max: np.ndarray

    @property
    def exact(self) -> np.ndarray:
        """Per worker: is the bound attained (to 1e-9 relative)?"""
        return self.attained >= self.bound * (1 - 1e-9)

    @property
    def ratio(self) -> np.ndarray:
        """``omega_i^+ / (omega lambda_max(L_i))`` (<= 1): the gain over the scalar bound."""
        return self.bound / (float(self.omega) * self.lambda_max)

    def to_dict(self) -> dict:
        return {"compressor": self.compressor, "omega": str(self.omega), "omega_float": float(self.omega),
                "omega_plus": self.bound.tolist(), "omega_plus_attained": self.attained.tolist(),
                "omega_plus_simple_bound": self.simple_bound.tolist(), "exact": self.exact.tolist(),
                "lambda_max": self.lambda_max.tolist(), "ratio": self.ratio.tolist()}


@dataclass(frozen=True)
class SmoothnessAware:
    """``C_i(v) = L_i^{1/2} Q(L_i^{+1/2} v)`` for worker ``i`` (module docstring)."""

    base: Dithering | RandK

    def __post_init__(self):
        if not isinstance(self.base, (Dithering, RandK)):
            raise BadInput(f"smoothness-aware compression needs a Dithering or RandK base, got {self.base!r}")

    @property
    def name(self) -> str:
        return f"smoothness-aware {self.base.name}"

    def omega(self, d: int):
        """``E||C_i(v) - v||^2_{L_i^+} <= omega ||v||^2_{L_i^+}`` with the base's ``omega``."""
        return self.base.omega(d)

    def agent(self, problem, i: int) -> AgentCompressor:
        """Worker ``i``'s compressor ``C_i(v) = L_i^{1/2} Q(L_i^{+1/2} v)``."""
        if not 0 <= i < problem.n:
            raise BadInput(f"worker {i} does not exist (n = {problem.n})")
        return AgentCompressor(self.base, *problem.agent_roots(i))

    def variance(self, V, problem) -> np.ndarray:
        """Exact ``E||C_i(v_i) - v_i||^2`` per worker, ``V`` (..., n, d) -> (..., n)."""
        return self.base.variance(_apply(problem.inv_sqrt_smoothness, np.asarray(V, dtype=float)), problem.smoothness)

    def constants(self, problem) -> OmegaPlus:
        rows = [self.base.constants(L_i) for L_i in problem.smoothness]
        bound, attained, witness, simple = (np.array(column) for column in zip(*rows))
        return OmegaPlus(self.name, bound, attained, witness, simple, self.omega(problem.d),
                         problem.smoothness_eigenvalues[:, -1].copy())

    def omega_plus(self, problem) -> np.ndarray:
        """The proven per-worker constants ``omega_i^+`` (n,)."""
        return self.constants(problem).bound

    def describe(self) -> str:
        return f"smoothness-aware L_i^(1/2) Q(L_i^(+1/2) v), Q = {self.base.describe()}"


@dataclass(frozen=True, eq=False)
class AgentCompressor:
    """One worker's smoothness-aware compressor: it sends the message of ``Q(L_i^{+1/2} v)``
    (``encode``) and the server applies ``L_i^{1/2}`` to the decoded ``Q`` (``decode``);
    ``compressor(v, rng) = L_i^{1/2} Q(L_i^{+1/2} v)``. ``base`` is any compressor with
    ``encode``/``decode`` (pepcert's dithering or rand-k, the paper's l-infinity dithering);
    ``root`` and ``inverse_root`` are the symmetric ``L_i^{1/2}`` and ``L_i^{+1/2}``, so
    ``v @ M = M v`` row by row (batches of vectors along leading axes): dense arrays, or
    :class:`~pepcert.saq.operators.ShiftedLowRank` where the worker holds few rows."""

    base: Any  # a compressor with encode/decode
    root: np.ndarray | ShiftedLowRank
    inverse_root: np.ndarray | ShiftedLowRank

    @property
    def name(self) -> str:
        return f"smoothness-aware {self.base.name}"

    def encode(self, v, rng) -> Message:
        return self.base.encode(np.asarray(v, dtype=float) @ self.inverse_root, rng)

    def decode(self, message: Message) -> np.ndarray:
        return self.base.decode(message) @ self.root

    def __call__(self, v, rng) -> np.ndarray:
        return self.decode(self.encode(v, rng))
