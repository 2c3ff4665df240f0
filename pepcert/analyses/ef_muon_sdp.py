"""Worst-case SDP upper bound for EF-Muon over convex Lipschitz functions (pepcert core).

EF-Muon is error feedback with the compressor ``C(P) = (||P||_nuc / rank P) polar(P)``, which
is ``delta = 1/r``-contractive in the Frobenius norm on matrices of rank at most ``r``
(:class:`~pepcert.pep.algorithms.muon.ScaledPolarCompressor`). Replacing it by *every*
deterministic ``delta``-contractive compressor and ``f`` by every convex function with
``||G||_F <= M`` gives a performance-estimation problem (Drori & Teboulle 2014; Taylor,
Hendrickx & Glineur 2017; the error-feedback PEPs of Thomsen, Taylor & Dieuleveut 2025) whose value is
an upper bound on EF-Muon's worst case, in every matrix shape with rank bound ``r``:

    maximise    min_{0 <= t < N} f(W_t) - f*
    subject to  ||W_0 - W*||_F <= R,  E_0 = 0,
                f_i >= f_j + <G_j, W_i - W_j>,  ||G_i||_F <= M      (convex M-Lipschitz),
                ||C_t - P_t||_F^2 <= (1 - delta) ||P_t||_F^2          (compressor class),
                P_t = gamma_t G_t + E_t,  W_{t+1} = W_t - C_t,  E_{t+1} = P_t - C_t.

With momentum ``beta`` (``M_t = beta M_{t-1} + (1 - beta) G_t``, ``M_{-1} = 0``,
``P_t = gamma_t M_t + E_t``) the same problem bounds EF-Muon with momentum; ``beta = 0`` is the
problem above. No closed-form bound is known to us with momentum: the SDP value is the bound.

It is built with the core's :func:`pepcert.pep.worst_case` from EF-Muon's one definition,
:func:`pepcert.pep.algorithms.muon.ef_muon`, with its declared start ``E_0 = 0``,
``M_{-1} = 0`` (only ``W_0`` is free) and the class its compressor names,
``ScaledPolarCompressor.compressor_class(r) = Contractive(1/r)``. ``W_{N-1}`` is reached after
``N - 1`` steps, so the core's ``aggregate="min"`` over ``W_0, ..., W_{N-1}`` after ``N - 1``
steps is the problem above (``gamma_{N-1}`` does not enter it; ``N = 1`` is ``f(W_0) - f*
<= M R``). The gaps are divided by ``M R`` (``f(W_0) - f* <= M R``) to keep the problem well
scaled. The value is a floating-point SDP optimum (reported only when the solver says solved),
not an exact certificate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from pepcert.analyses.ef_muon import ef_bound
from pepcert.pep import ConvexLipschitz, ProblemClass, norm2, worst_case
from pepcert.pep.algorithms.muon import ScaledPolarCompressor, ef_muon
from pepcert.pep.errors import BadInput

__all__ = ["EFMuonSDPBound", "ef_muon_worst_case"]


@dataclass(frozen=True)
class EFMuonSDPBound:
    """``value >= min_{t < N} f(W_t) - f*`` for EF-Muon (momentum ``beta``) over the classes.

    ``analytic_bound`` is the (EF-Muon bound) of :mod:`pepcert.analyses.ef_muon` for ``beta = 0``
    (None with momentum).
    """

    iterations: int
    gammas: tuple
    beta: float
    lipschitz: float
    radius: float
    delta: Fraction
    value: float
    analytic_bound: float | None
    solver: str
    status: str
    seconds: float

    def to_dict(self) -> dict:
        return {
            "iterations": self.iterations,
            "gammas": list(self.gammas),
            "beta": self.beta,
            "lipschitz": self.lipschitz,
            "radius": self.radius,
            "delta": self.delta,
            "value": self.value,
            "analytic_bound": self.analytic_bound,
            "solver": self.solver,
            "status": self.status,
            "seconds": self.seconds,
        }


def _check(gammas: tuple, beta: float, lipschitz: float, radius: float, max_rank: int) -> None:
    if not gammas or any(not math.isfinite(g) or g <= 0 for g in gammas):
        raise BadInput("EF-Muon steps must be positive finite numbers")
    if not (math.isfinite(beta) and 0 <= beta < 1):
        raise BadInput(f"the momentum beta must be in [0, 1), got {beta}")
    if not (lipschitz > 0 and radius > 0 and math.isfinite(lipschitz) and math.isfinite(radius)):
        raise BadInput("the Lipschitz constant and the radius must be positive")
    if isinstance(max_rank, bool) or not isinstance(max_rank, int) or max_rank < 1:
        raise BadInput("the rank bound must be a positive integer")


def ef_muon_worst_case(
    gammas, lipschitz: float = 1.0, radius: float = 1.0, max_rank: int = 2, beta: float = 0.0,
    solver: str | None = None,
) -> EFMuonSDPBound:
    """Solve the EF-Muon PEP of the module docstring for ``N = len(gammas)`` steps and
    momentum ``beta``: ``value >= min_{t < N} f(W_t) - f*``."""
    gammas = tuple(float(g) for g in gammas)
    beta = float(beta)
    _check(gammas, beta, lipschitz, radius, max_rank)
    compressor_class = ScaledPolarCompressor.compressor_class(max_rank)
    classes = ProblemClass(ConvexLipschitz(lipschitz), compressor_class)
    N = len(gammas)
    scale = lipschitz * radius  # f(W_0) - f* <= M R: the scaled gaps are at most 1

    def scaled_gap(z, _):
        return z.gap * (1.0 / scale)

    result = worst_case(
        ef_muon(gammas, beta),
        classes,
        N - 1,
        measure=scaled_gap,
        initial=lambda z, _: norm2(z.W) * (1.0 / (radius * radius)),
        aggregate="min",
        solver=solver,
        start="declared",
    )
    analytic = float(ef_bound(radius, lipschitz, gammas, max_rank)[-1]) if beta == 0 else None
    return EFMuonSDPBound(
        iterations=N,
        gammas=gammas,
        beta=beta,
        lipschitz=float(lipschitz),
        radius=float(radius),
        delta=compressor_class.delta,
        value=result.value * scale,
        analytic_bound=analytic,
        solver=result.solver,
        status=result.status,
        seconds=result.seconds,
    )
