"""Worst-case SDP upper bound for EF-Muon over convex Lipschitz functions (pepcert core).

EF-Muon is error feedback with the compressor ``C(P) = (||P||_nuc / rank P) polar(P)``, which
is ``delta = 1/r``-contractive in the Frobenius norm on matrices of rank at most ``r``
(:class:`~pepcert.pep.algorithms.muon.ScaledPolarCompressor`). Replacing it by *every*
deterministic ``delta``-contractive compressor and ``f`` by every convex function with
``||G||_F <= M`` gives a performance-estimation problem (Drori & Teboulle 2014; Taylor,
Hendrickx & Glineur 2017; the EF PEPs of Thomsen, Taylor & Dieuleveut 2025) whose value is
an upper bound on EF-Muon's worst case, in every matrix shape with rank bound ``r``:

    maximise    min_{0 <= t < N} f(W_t) - f*
    subject to  ||W_0 - W*||_F <= R,  E_0 = 0,
                f_i >= f_j + <G_j, W_i - W_j>,  ||G_i||_F <= M      (convex M-Lipschitz),
                ||C_t - P_t||_F^2 <= (1 - delta) ||P_t||_F^2          (compressor class),
                P_t = gamma_t G_t + E_t,  W_{t+1} = W_t - C_t,  E_{t+1} = P_t - C_t.

It is built with the core's :func:`pepcert.pep.worst_case` from a :class:`pepcert.pep.Method`
that is EF-Muon's step written once on symbolic vectors. The value is a floating-point SDP
optimum (reported only when the solver says solved), not an exact certificate.

``aggregate="min"`` of the core maximises the smallest measure over ``x_0, ..., x_N``. To
take the minimum over ``W_0, ..., W_{N-1}`` (the gaps the bound speaks of) the previous iterate
``Y`` is carried in the state (``Y_{t+1} = W_t``) and the gap is measured at ``Y``: after steps
``1..N`` the tracked gaps are those of ``W_0..W_{N-1}``. The gap at the free initial ``Y_0`` is
also tracked; the adversary can make it as large as it likes, so it never binds, and the result
is reported as a valid bound only when its multiplier vanishes. The gaps are divided by ``M R``
(``f(W_0) - f* <= M R``) to keep the problem well scaled.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from pepcert.pep import Contractive, ConvexLipschitz, Method, ProblemClass, norm2, worst_case
from pepcert.pep.errors import BadInput
from pepcert.analyses.ef_muon import ef_bound

__all__ = ["EFMuonSDPBound", "ef_muon_pep_method", "ef_muon_worst_case"]

#: Largest multiplier of the spurious initial term accepted as "inactive".
_INACTIVE = 1e-6


def ef_muon_pep_method(gammas) -> Method:
    """EF-Muon on symbolic vectors, state ``(Y, W, E)`` with ``Y`` the previous iterate.

    ``P = gamma_k G(W) + E`` (``E_0 = 0``), ``Delta = C(P)``, ``W+ = W - Delta``,
    ``E+ = P - Delta``, ``Y+ = W``. The gap is measured at ``Y`` (the first state variable).
    """
    gammas = tuple(gammas)

    def step(state, oracle, k):
        _, W, E = state
        if k == 0:
            E = 0 * E  # error feedback starts from E_0 = 0
        P = gammas[k] * oracle.gradient(W) + E
        Delta = oracle.compress(P)
        return W, W - Delta, P - Delta

    return Method(
        "EF-Muon",
        state=("y", "w", "e"),
        step=step,
        optimum=lambda xstar, oracle: (xstar, xstar, 0 * xstar),
        parameters={"gammas": gammas},
    )


@dataclass(frozen=True)
class EFMuonSDPBound:
    """``value >= min_{t < N} f(W_t) - f*`` for EF-Muon over the classes (when ``valid``)."""

    iterations: int
    gammas: tuple
    lipschitz: float
    radius: float
    delta: Fraction
    value: float
    valid: bool
    analytic_bound: float
    spurious_multiplier: float
    solver: str
    status: str
    seconds: float

    def to_dict(self) -> dict:
        return {
            "iterations": self.iterations,
            "gammas": list(self.gammas),
            "lipschitz": self.lipschitz,
            "radius": self.radius,
            "delta": self.delta,
            "value": self.value,
            "valid": self.valid,
            "analytic_bound": self.analytic_bound,
            "spurious_multiplier": self.spurious_multiplier,
            "solver": self.solver,
            "status": self.status,
            "seconds": self.seconds,
        }


def ef_muon_worst_case(
    gammas, lipschitz: float = 1.0, radius: float = 1.0, max_rank: int = 2, solver: str | None = None
) -> EFMuonSDPBound:
    """Solve the EF-Muon PEP of the module docstring for ``N = len(gammas)`` steps.

    ``analytic_bound`` is the (EF bound) of :mod:`.muon_ef` for the same data; the SDP
    value is never larger when both are right.
    """
    gammas = tuple(float(g) for g in gammas)
    if not gammas or any(not math.isfinite(g) or g <= 0 for g in gammas):
        raise BadInput("EF-Muon steps must be positive finite numbers")
    if not (lipschitz > 0 and radius > 0 and math.isfinite(lipschitz) and math.isfinite(radius)):
        raise BadInput("the Lipschitz constant and the radius must be positive")
    if max_rank < 1:
        raise BadInput("the rank bound must be at least 1")
    delta = Fraction(1, max_rank)
    classes = ProblemClass(ConvexLipschitz(lipschitz), Contractive(delta))
    N = len(gammas)
    scale = lipschitz * radius  # f(W_0) - f* <= M R: the scaled gaps are at most 1

    def scaled_gap(z, _):
        return z.gap * (1.0 / scale)

    result = worst_case(
        ef_muon_pep_method(gammas),
        classes,
        N,
        measure=scaled_gap,
        initial=lambda z, _: norm2(z.w) * (1.0 / (radius * radius)),
        aggregate="min",
        solver=solver,
    )
    spurious = abs(float(result.multipliers.get("min_measure(x0)", 0.0)))
    analytic = float(ef_bound(radius, lipschitz, gammas, max_rank)[-1])
    return EFMuonSDPBound(
        iterations=N,
        gammas=gammas,
        lipschitz=float(lipschitz),
        radius=float(radius),
        delta=delta,
        value=result.value * scale,
        valid=spurious <= _INACTIVE,
        analytic_bound=analytic,
        spurious_multiplier=spurious,
        solver=result.solver,
        status=result.status,
        seconds=result.seconds,
    )
