"""EF-Muon: error feedback restores convergence on convex Lipschitz functions.

Parshakova, Khaled, Crawshaw, Garrigos, Gower (2026) show that error feedback fixes Muon; the
argument is the virtual-iterate analysis of error feedback with a contractive compressor
(Karimireddy, Rebjock, Stich, Jaggi 2019; Stich & Karimireddy 2020; the error-feedback analyses of
Thomsen, Taylor, Dieuleveut 2025). The constant below is ours (proof in ``docs/muon.md``).

EF-Muon with ``P_t = gamma_t G_t + E_t``, ``Delta_t = C(P_t)``, ``W_{t+1} = W_t - Delta_t``,
``E_{t+1} = P_t - Delta_t``, ``E_0 = 0`` and ``C(P) = (||P||_nuc / rank P) polar(P)``:

* ``||C(P) - P||_F <= q ||P||_F`` with ``q = sqrt(1 - 1/r)``, ``r = min(m, n)`` (rank bound);
* the virtual iterate ``X_t = W_t - E_t`` satisfies ``X_{t+1} = X_t - gamma_t G_t``;
* ``||E_{t+1}||_F <= e_{t+1} := q (gamma_t L + e_t)``, ``e_0 = 0`` (``L`` bounds ``||G_t||_F``);
* for any minimiser ``W*`` and ``R = ||W_0 - W*||_F``:

      min_{t < T} f(W_t) - f*  <=  (R^2 + L^2 sum_t gamma_t^2 + 2 L sum_t gamma_t e_t)
                                   / (2 sum_t gamma_t)                        (EF-Muon bound)

* constant steps ``gamma``: ``e_t <= q gamma L / (1 - q)`` and the bound becomes
  ``R^2 / (2 gamma T) + gamma L^2 (1 + q) / (2 (1 - q))``; with
  ``gamma* = R / (L sqrt T) sqrt((1 - q)/(1 + q))`` it is
  ``R L sqrt((1 + q)/(1 - q)) / sqrt(T)`` — for 2x2 (and any ``r = 2``) problems
  ``q = 1/sqrt 2`` and the constant is ``1 + sqrt 2``.
* ``gamma_t = gamma_0 / sqrt(t + 1)``: ``e_t <= gamma_t L K_q`` with
  ``K_q = sum_{j >= 1} q^j sqrt(j + 1)``, giving the anytime bound
  ``(R^2/gamma_0 + gamma_0 L^2 (1 + 2 K_q) H_T) / (2 sum_{t<T} (t+1)^{-1/2})``, ``H_T`` the
  harmonic number: ``O(log T / sqrt T)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog

from pepcert.pep.errors import BadInput, SolverFailure
from pepcert.pep.simulate import iterate

__all__ = [
    "contraction_factor",
    "ef_bound",
    "ef_bound_constant",
    "ef_optimal_constant_step",
    "ef_bound_inverse_sqrt",
    "inverse_sqrt_error_constant",
    "MaxAffine",
    "random_max_affine",
    "EFRun",
    "simulate",
]


def contraction_factor(max_rank: int) -> float:
    """``q = sqrt(1 - 1/r)``: ``||C(P) - P||_F <= q ||P||_F`` for ``rank P <= r``."""
    if max_rank < 1:
        raise BadInput("the rank bound must be at least 1")
    return math.sqrt(1 - 1 / max_rank)


def ef_bound(R: float, L: float, gammas, max_rank: int) -> np.ndarray:
    """The (EF-Muon bound) of the module docstring for every horizon ``T = 1..len(gammas)``.

    Returns ``bound[T-1] >= min_{t < T} f(W_t) - f*``.
    """
    q = contraction_factor(max_rank)
    gammas = np.asarray(gammas, dtype=float)
    e = np.empty_like(gammas)
    current = 0.0
    for t, gamma in enumerate(gammas):
        e[t] = current
        current = q * (gamma * L + current)
    numerator = R * R + np.cumsum(L * L * gammas**2 + 2 * L * gammas * e)
    return numerator / (2 * np.cumsum(gammas))


def ef_bound_constant(R: float, L: float, gamma: float, T: int, max_rank: int) -> float:
    """``R^2/(2 gamma T) + gamma L^2 (1 + q)/(2 (1 - q))``."""
    q = contraction_factor(max_rank)
    return R * R / (2 * gamma * T) + gamma * L * L * (1 + q) / (2 * (1 - q))


def ef_optimal_constant_step(R: float, L: float, T: int, max_rank: int) -> tuple[float, float]:
    """``(gamma*, bound)`` with ``gamma* = R/(L sqrt T) sqrt((1-q)/(1+q))`` and
    ``bound = R L sqrt((1+q)/(1-q)) / sqrt T``."""
    q = contraction_factor(max_rank)
    gamma = R / (L * math.sqrt(T)) * math.sqrt((1 - q) / (1 + q))
    return gamma, R * L * math.sqrt((1 + q) / (1 - q)) / math.sqrt(T)


def inverse_sqrt_error_constant(max_rank: int, terms: int = 2000) -> float:
    """An upper bound on ``K_q = sum_{j>=1} q^j sqrt(j+1)``: the first ``terms`` terms plus
    the tail bound ``sum_{j > J} q^j (j + 1) = q^(J+1) ((J+2)(1-q) + q) / (1-q)^2``."""
    q = contraction_factor(max_rank)
    if q == 0:
        return 0.0
    head = sum(q**j * math.sqrt(j + 1) for j in range(1, terms + 1))
    J = terms
    tail = q ** (J + 1) * ((J + 2) * (1 - q) + q) / (1 - q) ** 2
    return head + tail


def ef_bound_inverse_sqrt(R: float, L: float, gamma0: float, T: int, max_rank: int) -> float:
    """Anytime bound for ``gamma_t = gamma0 / sqrt(t+1)`` (see module docstring)."""
    K = inverse_sqrt_error_constant(max_rank)
    harmonic = sum(1.0 / (t + 1) for t in range(T))
    weights = sum(1.0 / math.sqrt(t + 1) for t in range(T))
    return (R * R / gamma0 + gamma0 * L * L * (1 + 2 * K) * harmonic) / (2 * weights)


# ---------------------------------------------------------------------------------------
# Random convex Lipschitz instances


@dataclass(frozen=True)
class MaxAffine:
    """``f(W) = max_i <A_i, W> + b_i`` over ``m x n`` matrices (convex, Lipschitz with
    ``L_F = max_i ||A_i||_F``); ``f_star`` and a minimiser from an LP (HiGHS)."""

    slopes: np.ndarray  # (k, m, n)
    offsets: np.ndarray  # (k,)
    f_star: float
    minimizer: np.ndarray

    @property
    def lipschitz(self) -> float:
        return float(np.max(np.linalg.norm(self.slopes.reshape(len(self.slopes), -1), axis=1)))

    @property
    def max_rank(self) -> int:
        return int(min(self.slopes.shape[1:]))

    def value(self, W) -> float:
        W = np.asarray(W, dtype=float)
        return float(np.max(np.tensordot(self.slopes, W, axes=([1, 2], [0, 1])) + self.offsets))

    def gradient(self, W) -> np.ndarray:
        """A subgradient: the slope of a piece attaining the max (the first one at ties)."""
        W = np.asarray(W, dtype=float)
        scores = np.tensordot(self.slopes, W, axes=([1, 2], [0, 1])) + self.offsets
        return self.slopes[int(np.argmax(scores))]


def random_max_affine(rng: np.random.Generator, pieces: int = 12, shape=(3, 4)) -> MaxAffine:
    """A random max-affine function bounded below: the slopes are Gaussian, then shifted so
    that a random convex combination of them is 0 (so ``0 in conv{A_i}`` and ``f* > -oo``)."""
    if pieces < 2:
        raise BadInput("need at least two pieces")
    m, n = shape
    slopes = rng.standard_normal((pieces, m, n))
    weights = rng.dirichlet(np.ones(pieces))
    slopes -= np.tensordot(weights, slopes, axes=1)[None, :, :]
    offsets = rng.standard_normal(pieces)
    # f* = min_{W, z} z  s.t.  <A_i, W> + b_i <= z.
    flat = slopes.reshape(pieces, -1)
    A_ub = np.hstack([flat, -np.ones((pieces, 1))])
    cost = np.zeros(m * n + 1)
    cost[-1] = 1.0
    result = linprog(cost, A_ub=A_ub, b_ub=-offsets, bounds=[(None, None)] * (m * n + 1), method="highs")
    if result.status != 0:
        raise SolverFailure(f"HiGHS did not solve the max-affine minimisation ({result.message})")
    minimizer = result.x[:-1].reshape(m, n)
    return MaxAffine(slopes, offsets, float(result.fun), minimizer)


@dataclass(frozen=True)
class EFRun:
    """Gaps ``f(W_t) - f*`` (``t = 0..T``) of one simulation (floats, measurement only)."""

    method: str
    gaps: np.ndarray

    @property
    def min_gap(self) -> float:
        return float(np.min(self.gaps))

    def best_so_far(self) -> np.ndarray:
        return np.minimum.accumulate(self.gaps)

    def first_below(self, level: float) -> int | None:
        hits = np.nonzero(self.gaps < level)[0]
        return int(hits[0]) if hits.size else None


def simulate(method, oracle, W0, iterations: int, f_star: float = 0.0) -> EFRun:
    """Run ``method`` (a :class:`~pepcert.pep.methods.Method` with a declared start, e.g.
    :func:`~pepcert.pep.algorithms.muon.ef_muon`) from ``W0`` in floats with ``oracle`` and
    return the gaps ``f(W_t) - f_star``, ``t = 0..iterations``."""
    state = method.initial(W0, oracle)
    values = [oracle.value(W0)] + [oracle.value(s[0]) for s in iterate(method, oracle, state, iterations)]
    return EFRun(method.name, np.array([float(v) for v in values]) - f_star)
