"""Non-Euclidean subgradient methods with momentum (Muon and relatives) and EF-Muon.

Every method here is data: a frozen dataclass naming its parameters and its linear
minimisation oracle (LMO), with ``initial_state(W0)`` and ``step(state, G, gamma)``. The step
uses only ``+``, ``-``, scalar ``*`` and the LMO/compressor, so one definition runs on

* float :class:`~pepcert.pep.numerics.matrix2.Mat2` (fast scalar 2x2 simulation),
* exact :class:`Mat2` over Fractions / rational intervals (the certificates),
* numpy arrays of any shape (random instances).

Methods (Parshakova, Khaled, Crawshaw, Garrigos, Gower 2026, "Muon does not converge on
convex Lipschitz functions"; ``G_t`` is a subgradient of ``f`` at ``W_t``):

* momentum + LMO (``MomentumLMOMethod``): ``M_t = beta M_{t-1} + (1 - beta) G_t`` with
  ``M_{-1} = 0``, ``W_{t+1} = W_t + gamma_t lmo(M_t)``, ``lmo(M) = argmin_{||D|| <= 1} <M, D>``.
  Spectral norm: ``lmo(M) = -polar(M)`` (Muon); l-infinity: ``-sign(M)`` (signed momentum);
  Frobenius: ``-M / ||M||_F`` (normalised SGD with momentum).
* EF-Muon (``ErrorFeedbackMuon``): ``P = gamma_t G_t + E_t`` (or ``gamma_t M_t + E_t`` with
  momentum), ``Delta = C(P) = (||P||_nuc / rank P) polar(P)``, ``W_{t+1} = W_t - Delta``,
  ``E_{t+1} = P - Delta``, ``E_0 = 0``. ``C`` is the Frobenius projection of ``P`` onto the
  line through ``polar(P)``, hence ``||C(P) - P||_F^2 = ||P||_F^2 - ||P||_nuc^2 / rank P
  <= (1 - 1/rank P) ||P||_F^2``: a ``1/rank``-contractive compressor.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Callable, Sequence

import numpy as np

from pepcert.pep.numerics.numbers import exact_number, is_symbolic, require, show

from pepcert.pep.numerics.matrix2 import (
    NEWTON_SCHULZ_CUBIC,
    Mat2,
    is_polar_factor,
    newton_schulz,
    nuclear_norm,
    polar,
    rank,
    zeros_like,
)
from pepcert.pep.numerics.intervals import Interval, sign_of, sqrt_exact

__all__ = [
    "SpectralLMO",
    "NewtonSchulzLMO",
    "SignLMO",
    "FrobeniusLMO",
    "ScaledPolarCompressor",
    "MomentumLMOMethod",
    "ErrorFeedbackMuon",
    "muon",
    "signed_momentum",
    "normalized_momentum",
    "ef_muon",
    "Trajectory",
    "run",
]


# ---------------------------------------------------------------------------------------
# Linear minimisation oracles over unit balls


@dataclass(frozen=True)
class SpectralLMO:
    """``argmin_{||D||_op <= 1} <M, D> = -polar(M)`` (exact polar factor, SVD / closed form)."""

    name: str = "spectral"
    certifiable: bool = True

    def __call__(self, M):
        return -polar(M)

    def verify(self, M, D) -> bool:
        """Exact check that ``D = -polar(M)`` (see :func:`is_polar_factor`)."""
        return isinstance(M, Mat2) and is_polar_factor(M, -D)


@dataclass(frozen=True)
class NewtonSchulzLMO:
    """``-NS_k(M)``: the polar factor approximated by ``steps`` Newton-Schulz iterations.

    Only for simulations: it is not exactly orthogonal, so it can never be certified.
    """

    steps: int = 5
    coefficients: tuple = NEWTON_SCHULZ_CUBIC
    name: str = "newton-schulz"
    certifiable: bool = False

    def __call__(self, M):
        return -newton_schulz(M, self.steps, self.coefficients)

    def verify(self, M, D) -> bool:
        return isinstance(M, Mat2) and is_polar_factor(M, -D)


def _sign_entry(x):
    s = sign_of(x)
    return Fraction(s) if not isinstance(x, float) else float(s)


@dataclass(frozen=True)
class SignLMO:
    """``argmin_{||D||_max <= 1} <M, D> = -sign(M)`` entrywise (l-infinity ball; the choice
    ``sign(0) = 0`` is one minimiser)."""

    name: str = "sign"
    certifiable: bool = True

    def __call__(self, M):
        if isinstance(M, Mat2):
            return -Mat2(*(_sign_entry(x) for x in M.entries()))
        return -np.sign(np.asarray(M, dtype=float))

    def verify(self, M, D) -> bool:
        if not isinstance(M, Mat2):
            return False
        try:
            return all(
                not isinstance(d, (float, Interval)) and d == -sign_of(m)
                for m, d in zip(M.entries(), D.entries())
            )
        except ArithmeticError:
            return False


@dataclass(frozen=True)
class FrobeniusLMO:
    """``argmin_{||D||_F <= 1} <M, D> = -M / ||M||_F`` (0 at 0)."""

    name: str = "frobenius"
    certifiable: bool = True

    def __call__(self, M):
        if isinstance(M, Mat2):
            norm_sq = M.frobenius_squared()
            if M.is_zero():
                return M
            norm = norm_sq**0.5 if isinstance(norm_sq, float) else sqrt_exact(norm_sq)
            return -(M / norm)
        M = np.asarray(M, dtype=float)
        norm = np.linalg.norm(M)
        return -M / norm if norm > 0 else np.zeros_like(M)

    def verify(self, M, D) -> bool:
        if not isinstance(M, Mat2):
            return False
        norm = sqrt_exact(M.frobenius_squared())
        return not isinstance(norm, Interval) and norm != 0 and D == -(M / norm)


@dataclass(frozen=True)
class ScaledPolarCompressor:
    """``C(P) = (||P||_nuc / rank P) polar(P)`` (0 at 0): the Frobenius projection of ``P``
    onto ``span{polar(P)}``, since ``<P, polar P> = ||P||_nuc`` and ``||polar P||_F^2 = rank P``.

    Contraction (Frobenius): ``||C(P) - P||^2 = ||P||^2 - ||P||_nuc^2 / rank P
    <= (1 - 1/rank P) ||P||^2`` because ``||P||_nuc^2 >= ||P||_F^2``.
    """

    name: str = "scaled-polar"

    def __call__(self, P):
        r = rank(P)
        if r == 0:
            return P * 0 if isinstance(P, Mat2) else np.zeros_like(np.asarray(P, dtype=float))
        return (nuclear_norm(P) / r) * polar(P)

    @staticmethod
    def contraction(max_rank: int) -> Fraction:
        """``delta = 1 / max_rank``: ``||C(P) - P||_F^2 <= (1 - delta) ||P||_F^2``."""
        return Fraction(1, max_rank)


# ---------------------------------------------------------------------------------------
# Methods


def check_momentum(beta) -> None:
    """``0 <= beta < 1``, compared exactly (never through ``float()``)."""
    value = exact_number(beta, "beta")
    if not is_symbolic(value):
        require(0 <= value < 1, f"beta must be in [0, 1), got {show(beta)}")


@dataclass(frozen=True)
class MomentumLMOMethod:
    """Subgradient method with momentum and an LMO step (Muon when ``lmo`` is spectral).

    ``M_t = beta M_{t-1} + (1 - beta) G_t`` (``M_{-1} = 0``),
    ``W_{t+1} = W_t + gamma_t lmo(M_t)``. State ``(W, M)``; the step record is the LMO
    output ``D_t`` and the new momentum ``M_t``.
    """

    beta: Any
    lmo: Any = SpectralLMO()
    name: str = "muon"
    state_names: tuple = ("W", "M")

    def __post_init__(self):
        check_momentum(self.beta)

    def initial_state(self, W0):
        return (W0, zeros_like(W0))

    def step(self, state, G, gamma):
        W, M = state
        M = self.beta * M + (1 - self.beta) * G
        D = self.lmo(M)
        return (W + gamma * D, M), {"M": M, "D": D}


@dataclass(frozen=True)
class ErrorFeedbackMuon:
    """EF-Muon: error feedback around the scaled polar compressor.

    ``beta = 0``: ``P = gamma_t G_t + E_t``; ``beta > 0``: ``M_t = beta M_{t-1} + (1-beta) G_t``
    and ``P = gamma_t M_t + E_t``. Then ``Delta = C(P)``, ``W_{t+1} = W_t - Delta``,
    ``E_{t+1} = P - Delta``. State ``(W, E, M)``; the virtual iterate ``W_t - E_t`` follows
    plain (momentum) subgradient descent.
    """

    beta: Any = 0
    compressor: Any = ScaledPolarCompressor()
    name: str = "ef-muon"
    state_names: tuple = ("W", "E", "M")

    def __post_init__(self):
        check_momentum(self.beta)

    def initial_state(self, W0):
        return (W0, zeros_like(W0), zeros_like(W0))

    def step(self, state, G, gamma):
        W, E, M = state
        if self.beta:
            M = self.beta * M + (1 - self.beta) * G
            P = gamma * M + E
        else:
            P = gamma * G + E
        Delta = self.compressor(P)
        return (W - Delta, P - Delta, M), {"P": P, "Delta": Delta}


def muon(beta, lmo=None) -> MomentumLMOMethod:
    """Muon with the exact polar factor (or another spectral LMO such as Newton-Schulz)."""
    return MomentumLMOMethod(beta=beta, lmo=lmo if lmo is not None else SpectralLMO(), name="muon")


def signed_momentum(beta) -> MomentumLMOMethod:
    """Signed momentum (the l-infinity LMO)."""
    return MomentumLMOMethod(beta=beta, lmo=SignLMO(), name="signed-momentum")


def normalized_momentum(beta) -> MomentumLMOMethod:
    """Normalised SGD with momentum (the Frobenius-ball LMO)."""
    return MomentumLMOMethod(beta=beta, lmo=FrobeniusLMO(), name="normalized-momentum")


def ef_muon(beta=0) -> ErrorFeedbackMuon:
    return ErrorFeedbackMuon(beta=beta)


# ---------------------------------------------------------------------------------------
# Runner


@dataclass(frozen=True)
class Trajectory:
    """``iterates[t] = W_t`` for ``t = 0..T``, ``subgradients[t] = G_t`` and the per-step
    records of the method for ``t = 0..T-1``."""

    method: str
    iterates: tuple
    subgradients: tuple
    records: tuple

    @property
    def iterations(self) -> int:
        return len(self.iterates) - 1


def run(method, subgradient: Callable, W0, gammas: Sequence, iterations: int, keep_records: bool = True) -> Trajectory:
    """Run ``iterations`` steps of ``method`` from ``W0`` with ``G_t = subgradient(W_t, t)``
    and steps ``gammas[t]`` (any arithmetic; pure function of its inputs)."""
    state = method.initial_state(W0)
    iterates = [state[0]]
    subgradients = []
    records = []
    for t in range(iterations):
        G = subgradient(state[0], t)
        state, record = method.step(state, G, gammas[t])
        iterates.append(state[0])
        subgradients.append(G)
        if keep_records:
            records.append(record)
    return Trajectory(method.name, tuple(iterates), tuple(subgradients), tuple(records))
