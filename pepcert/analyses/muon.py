"""Muon does not converge on convex Lipschitz functions; EF-Muon does.

Public entry point of the Muon analyses (Parshakova, Khaled, Crawshaw, Garrigos, Gower 2026,
"Muon does not converge on convex Lipschitz functions"); the pieces live in

* :mod:`pepcert.pep.numerics.schedule` — safe parsing of step schedules ``gamma_t = expr(t)``;
* :mod:`pepcert.pep.numerics.intervals` — exact rationals and rigorous Arb balls (outward rounding);
* :mod:`pepcert.pep.numerics.matrix2` — 2x2 matrices with the closed-form polar factor;
  Newton-Schulz;
* :mod:`pepcert.pep.lmo` — the oracle's linear minimisation primitive ``lmo(v, norm)``;
* :mod:`pepcert.pep.algorithms.muon` — Muon, signed momentum, the general momentum+LMO method
  and EF-Muon (with momentum), each once as a :class:`~pepcert.pep.methods.Method`;
* :mod:`pepcert.lowerbounds.muon.instance` — the instances ``c |tr W| + |W_11 - W_22|``;
* :mod:`pepcert.lowerbounds.muon.certificate` — exact replay certificates;
* :mod:`pepcert.lowerbounds.muon.proof` — the sympy-checked induction behind the trace invariant;
* :mod:`pepcert.lowerbounds.muon.lp` — the sign-pattern LP lower bound (performance estimation);
* :mod:`pepcert.analyses.ef_muon` — EF-Muon bounds, random convex Lipschitz instances, runs;
* :mod:`pepcert.analyses.ef_muon_sdp` — EF-Muon's worst case (with momentum) by an SDP.

:func:`analyse_muon` runs the certificate and the EF-Muon simulation on one instance and
returns a :class:`MuonReport`; :func:`plot_gaps` draws both gap curves.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from pepcert.analyses.ef_muon import EFRun, ef_bound, simulate
from pepcert.lowerbounds.muon.certificate import MuonCertificate, certify_muon, replay_muon
from pepcert.lowerbounds.muon.instance import MuonInstance, gap_bound, momentum_constant, muon_instance, parse_beta
from pepcert.lowerbounds.muon.lp import MuonLPBound, muon_lp_lower_bound
from pepcert.lowerbounds.muon.proof import SymbolicProof, prove_trace_invariant
from pepcert.pep.algorithms.muon import (
    ScaledPolarCompressor,
    ef_muon,
    momentum_lmo,
    muon,
    normalized_momentum,
    signed_momentum,
)
from pepcert.pep.errors import BadInput
from pepcert.pep.lmo import FrobeniusLMO, NewtonSchulzLMO, SignLMO, SpectralLMO
from pepcert.pep.numerics.matrix2 import Mat2, newton_schulz, polar, polar_svd
from pepcert.pep.numerics.schedule import StepSchedule, parse_schedule

__all__ = [
    "MuonReport",
    "analyse_muon",
    "plot_gaps",
    "MAX_ITERATIONS",
    "LMOS",
    # re-exports
    "MuonCertificate",
    "certify_muon",
    "replay_muon",
    "MuonInstance",
    "muon_instance",
    "momentum_constant",
    "gap_bound",
    "parse_beta",
    "MuonLPBound",
    "muon_lp_lower_bound",
    "SymbolicProof",
    "prove_trace_invariant",
    "StepSchedule",
    "parse_schedule",
    "Mat2",
    "polar",
    "polar_svd",
    "newton_schulz",
    "SpectralLMO",
    "NewtonSchulzLMO",
    "SignLMO",
    "FrobeniusLMO",
    "ScaledPolarCompressor",
    "momentum_lmo",
    "muon",
    "signed_momentum",
    "normalized_momentum",
    "ef_muon",
    "EFRun",
    "ef_bound",
    "simulate",
]

#: Largest horizon accepted by :func:`analyse_muon` (the replay is linear in T: ~0.1 ms a step).
MAX_ITERATIONS = 100_000


@dataclass(frozen=True)
class MuonReport:
    """Certificate for Muon and a simulation of EF-Muon on the same instance.

    ``ef_gaps`` are floats (measurement only); ``ef_bound`` is the EF-Muon bound of
    :mod:`pepcert.analyses.ef_muon` at ``T`` with ``L = sqrt(2 + 2 c^2)`` and ``R = ||W_0||_F`` (the minimiser
    ``0``).
    """

    instance: MuonInstance
    certificate: MuonCertificate
    ef_steps: str
    ef_gaps: tuple
    ef_bound: float

    @property
    def ef_min_gap(self) -> float:
        return float(min(self.ef_gaps))

    def W0(self) -> list[list]:
        """``W_0`` as a nested list: exact Fractions when ``R_0`` is rational, else floats."""
        if self.instance.offset is not None:
            R0 = self.instance.offset
            return [[1 + R0, Fraction(0)], [Fraction(0), 1 - R0]]
        return self.instance.W0_float().tolist()

    def to_dict(self) -> dict:
        instance = self.instance
        certificate = self.certificate
        return {
            "beta": instance.beta,
            "steps": instance.schedule.text,
            "iterations": certificate.iterations,
            "instance": {
                "function": "c*|tr W| + |W11 - W22|",
                "c": instance.c,
                "W0": self.W0(),
                "W0_exact": instance.W0_text(),
                "start": instance.start,
                "f_star": instance.f_star,
                "gap_bound": instance.gap_bound,
            },
            "muon": {
                "min_gap": certificate.min_gap,
                "certified_lower_bound": certificate.certified_lower_bound,
                "certified": certificate.certified,
                "trace_invariant": certificate.trace_invariant,
                "method": certificate.method,
                "failures": list(certificate.failures),
                "seconds": certificate.seconds,
            },
            "ef_muon": {
                "min_gap": self.ef_min_gap,
                "final_gap": float(self.ef_gaps[-1]),
                "steps": self.ef_steps,
                "bound": self.ef_bound,
            },
        }


#: LMOs selectable by name: the exact polar factor (Muon), the l-infinity LMO (signed
#: momentum) and Newton-Schulz (5 cubic iterations; never certifiable).
LMOS = {"polar": SpectralLMO, "sign": SignLMO, "newton-schulz": NewtonSchulzLMO}


def analyse_muon(
    beta, steps, iterations: int, ef_steps=None, start: str = "auto", lmo: str = "polar", progress=None
) -> MuonReport:
    """Certify Muon's non-convergence on the instance for ``(beta, steps)`` over
    ``iterations`` steps and simulate EF-Muon (steps ``ef_steps``, default ``steps``) on it.

    ``lmo`` picks the direction of the Muon step (:data:`LMOS`); with ``"newton-schulz"`` the
    certificate fails by design (its output is not exactly orthogonal)."""
    if lmo not in LMOS:
        raise BadInput(f"unknown LMO {lmo!r} (choose from {', '.join(LMOS)})")
    beta = parse_beta(beta)
    if isinstance(iterations, bool) or not isinstance(iterations, int) or iterations <= 0:
        raise BadInput(f"iterations must be a positive integer, got {iterations!r}")
    if iterations > MAX_ITERATIONS:
        raise BadInput(f"iterations must be at most {MAX_ITERATIONS}, got {iterations}")
    schedule = steps if isinstance(steps, StepSchedule) else parse_schedule(steps)
    schedule.enclosures(iterations + 1)  # positive and nonincreasing (BadInput otherwise)
    ef_schedule = schedule if ef_steps is None else (
        ef_steps if isinstance(ef_steps, StepSchedule) else parse_schedule(ef_steps)
    )
    if ef_schedule is not schedule:
        ef_schedule.enclosures(min(iterations, 10_000))
    gammas = ef_schedule.floats(np.arange(iterations))
    if not np.all(np.isfinite(gammas)) or np.any(gammas <= 0):
        raise BadInput(f"step schedule {ef_schedule.text!r} is not a finite positive float for every t < {iterations}")
    instance = muon_instance(beta, schedule, start=start, horizon=iterations)
    certificate = certify_muon(beta, schedule, iterations, lmo=LMOS[lmo](), instance=instance, progress=progress)
    W0 = Mat2.from_array(instance.W0_float())
    if progress is not None:
        progress(iterations, iterations, "EF-Muon (floating point)")
    ef_run = simulate(ef_muon([float(g) for g in gammas]), instance.oracle(), W0, iterations)
    c = float(instance.c)
    L = math.sqrt(2 + 2 * c * c)
    R = float(np.linalg.norm(instance.W0_float()))
    bound = float(ef_bound(R, L, gammas, 2)[-1])
    return MuonReport(instance, certificate, ef_schedule.text, tuple(float(g) for g in ef_run.gaps), bound)


def plot_gaps(report: MuonReport, path: str) -> None:
    """Write a PNG with ``f(W_t) - f*`` of Muon (exact replay) and EF-Muon against ``t``
    (log-log axes, ``t + 1`` on the x axis) and the level ``(1 - beta)/(1 + beta)``.

    Uses matplotlib's object-oriented Agg canvas (no pyplot, no global backend switch).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7, 4.5))
    FigureCanvasAgg(figure)
    axes = figure.add_subplot(1, 1, 1)
    muon_gaps = np.asarray(report.certificate.gaps, dtype=float)
    ef_gaps = np.asarray(report.ef_gaps, dtype=float)
    t_muon = np.arange(len(muon_gaps)) + 1
    t_ef = np.arange(len(ef_gaps)) + 1
    positive = ef_gaps > 0
    axes.loglog(t_muon, muon_gaps, label="Muon (exact polar factor)", color="tab:red")
    axes.loglog(t_ef[positive], ef_gaps[positive], label="EF-Muon", color="tab:blue")
    level = float(report.instance.gap_bound)
    axes.axhline(level, color="black", linestyle="--", linewidth=1, label="(1 - beta)/(1 + beta)")
    beta = report.instance.beta
    axes.set_title(f"f(W) = c|tr W| + |W11 - W22|, beta = {beta}, steps {report.instance.schedule.text}")
    axes.set_xlabel("t + 1")
    axes.set_ylabel("f(W_t) - f*")
    axes.legend(loc="lower left")
    axes.grid(True, which="both", alpha=0.3)
    figure.tight_layout()
    try:
        figure.savefig(path, format="png", dpi=110)
    except OSError as error:
        raise BadInput(f"cannot write the plot to {path!r}: {error.strerror or error}") from None
