"""Exact replay certificates: Muon stays ``(1 - beta)/(1 + beta)`` away from ``f*`` for T steps.

The replay runs the *same* method definition as the simulations
(:class:`~pepcert.pep.algorithms.muon.MomentumLMOMethod`) on exact 2x2 matrices: the
steps ``gamma_t`` and the start ``R_0`` are Fractions when rational and rigorous rational
intervals otherwise; ``beta``, ``c``, the subgradients ``G_t``, the momenta ``M_t`` and the
polar factors are exact rationals. An independent checker then re-verifies every transition:

1. ``G_t`` is a subgradient of ``f`` at ``W_t``: ``tr W_t = 2 > 0`` (invariant below) and the
   sign of ``x_t = (W_t)_11 - (W_t)_22`` is decided from its enclosure (``G_t`` uses it; at an
   exact kink any sign is a valid subgradient);
2. ``M_t = beta M_{t-1} + (1 - beta) G_t`` exactly;
3. ``D_t = -polar(M_t)`` exactly (``U^T U = I`` and ``U^T M_t`` symmetric positive definite,
   which characterises the polar factor of a nonsingular matrix);
4. ``tr D_t = 0`` exactly, and ``W_{t+1} = W_t + gamma_t D_t`` (interval inclusion).

Trace invariant: ``tr W_0 = tr I + R_0 tr diag(1, -1) = 2`` exactly whatever ``R_0`` is, and
``tr W_{t+1} = tr W_t + gamma_t tr D_t = tr W_t`` by linearity of the trace and check 4, so
``tr W_t = 2`` exactly for every ``t <= T`` (no enclosure of ``gamma_t`` is involved).
Hence ``f(W_t) - f* = c |tr W_t| + |x_t| = 2c + |x_t| >= 2c = (1 - beta)/(1 + beta)`` with
``f* = 0`` (``f >= 0 = f(0)``). Floating point plays no part in the verdict.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from pepcert.pep.errors import BadInput
from pepcert.lowerbounds.muon.instance import MuonInstance, muon_instance
from pepcert.pep.numerics.matrix2 import Mat2
from pepcert.pep.algorithms.muon import MomentumLMOMethod, SpectralLMO, run
from pepcert.pep.numerics.intervals import PRECISION_BITS, Interval, Undecided, lower, midpoint_float, round_outward, sign_of, upper

__all__ = ["MuonCertificate", "ReplayEnclosure", "certify_muon", "replay_muon", "decimal_floor"]


def decimal_floor(value: Fraction, digits: int = 15) -> Fraction:
    """The largest multiple of ``10**-digits`` that is ``<= value`` (a readable lower bound)."""
    scale = 10**digits
    return Fraction(math.floor(value * scale), scale)


@dataclass(frozen=True)
class ReplayEnclosure:
    """Rigorous enclosures of ``f(W_t) - f*`` along an exact replay (any LMO).

    ``gap_lower[t] <= f(W_t) - f* <= gap_upper[t]`` for ``t`` up to ``completed``; the replay
    stops early (``stopped`` says why) if a sign cannot be decided.
    """

    method: str
    completed: int
    gap_lower: tuple
    gap_upper: tuple
    trace_lower: tuple
    trace_upper: tuple
    stopped: str | None


def replay_muon(instance: MuonInstance, iterations: int, lmo=None) -> tuple:
    """Replay Muon (with ``lmo``, default exact polar) on exact 2x2 matrices.

    Returns ``(trajectory or None, gammas, ReplayEnclosure)``. Intended also for LMOs that
    are not exact (Newton-Schulz): the enclosures of ``f(W_t)`` stay rigorous.
    """
    lmo = lmo if lmo is not None else SpectralLMO()
    gammas = instance.schedule.check_positive_nonincreasing(iterations + 1)
    W0 = instance.W0_exact(iterations + 1)
    if any(isinstance(x, Interval) for x in W0.entries()):
        # The start is already an enclosure (an irrational R_0): enclosing the steps in
        # dyadic intervals too (width 2^-256, outward) keeps the numbers small at no cost
        # in rigour. Exact starts keep exact rational steps.
        gammas = [round_outward(g, 2 * PRECISION_BITS) for g in gammas]
    method = MomentumLMOMethod(beta=instance.beta, lmo=lmo, name=f"muon[{lmo.name}]")
    stopped = None
    try:
        trajectory = run(method, instance.subgradient, W0, gammas, iterations)
        iterates = trajectory.iterates
    except Undecided as error:
        trajectory = None
        stopped = f"undecidable sign: {error}"
        # Replay again step by step to keep the iterates reached so far.
        iterates = [W0]
        state = method.initial_state(W0)
        for t in range(iterations):
            try:
                G = instance.subgradient(state[0], t)
                state, _ = method.step(state, G, gammas[t])
            except Undecided:
                break
            iterates.append(state[0])
    gap_lower, gap_upper, trace_lower, trace_upper = [], [], [], []
    for W in iterates:
        value = instance.value(W)
        gap_lower.append(lower(value))
        gap_upper.append(upper(value))
        trace = W.trace()
        trace_lower.append(lower(trace))
        trace_upper.append(upper(trace))
    enclosure = ReplayEnclosure(
        method.name,
        len(iterates) - 1,
        tuple(gap_lower),
        tuple(gap_upper),
        tuple(trace_lower),
        tuple(trace_upper),
        stopped,
    )
    return trajectory, gammas, enclosure


@dataclass(frozen=True)
class MuonCertificate:
    """Result of :func:`certify_muon` (immutable; :meth:`to_dict` for JSON).

    ``certified`` is True only if every check of the module docstring passed exactly and
    ``certified_lower_bound >= claimed_bound``. ``certified_lower_bound`` is a proven lower
    bound on ``min_{t <= T} f(W_t) - f*``; ``min_gap`` is that minimum to double precision
    (reporting only); ``gaps`` are the per-iteration values (floats, for plots).
    """

    beta: Fraction
    schedule: str
    iterations: int
    method: str
    start: str
    c: Fraction
    claimed_bound: Fraction
    certified: bool
    certified_lower_bound: Fraction | None
    min_gap: float
    trace_invariant: bool
    failures: tuple
    seconds: float
    gaps: tuple = field(default=(), repr=False)

    def to_dict(self) -> dict:
        return {
            "beta": self.beta,
            "schedule": self.schedule,
            "iterations": self.iterations,
            "method": self.method,
            "start": self.start,
            "c": self.c,
            "claimed_bound": self.claimed_bound,
            "certified": self.certified,
            "certified_lower_bound": self.certified_lower_bound,
            "min_gap": self.min_gap,
            "trace_invariant": self.trace_invariant,
            "failures": list(self.failures),
            "seconds": self.seconds,
        }


def _float_gaps(instance: MuonInstance, lmo, iterations: int) -> tuple:
    """``f(W_t) - f*`` from a double-precision run of the same method from the
    high-precision start (reporting and plots only; never part of the verdict)."""
    gammas = [float(g) for g in instance.schedule.floats(np.arange(iterations))]
    method = MomentumLMOMethod(beta=float(instance.beta), lmo=lmo, name="muon")
    W0 = Mat2.from_array(instance.W0_float())
    trajectory = run(method, instance.subgradient, W0, gammas, iterations, keep_records=False)
    return tuple(float(instance.value(W)) for W in trajectory.iterates)


def _check_subgradient(instance: MuonInstance, W: Mat2, G: Mat2, t: int) -> str | None:
    """``G in partial f(W)`` given ``tr W = 2``: ``G = c I + s diag(1, -1)`` with
    ``s = sign(x)`` (``s in [-1, 1]`` if ``x = 0`` exactly)."""
    c = instance.c
    x = W.a - W.d
    try:
        s_x = sign_of(x)
    except Undecided:
        return f"t={t}: sign of W11 - W22 undecided"
    if not all(isinstance(v, Fraction) for v in G.entries()):
        return f"t={t}: subgradient is not exact"
    if G.b != 0 or G.c != 0:
        return f"t={t}: subgradient has off-diagonal entries"
    s = (G.a - G.d) / 2
    if G.a + G.d != 2 * c:
        return f"t={t}: subgradient trace part is not c I (tr W = 2 > 0)"
    if s_x != 0 and s != s_x:
        return f"t={t}: subgradient sign {s} differs from sign(W11 - W22) = {s_x}"
    if s_x == 0 and not (-1 <= s <= 1):
        return f"t={t}: kink subgradient outside [-1, 1]"
    return None


def certify_muon(
    beta,
    schedule,
    iterations: int,
    lmo=None,
    start: str = "auto",
    instance: MuonInstance | None = None,
) -> MuonCertificate:
    """Certify ``f(W_t) - f* >= (1 - beta)/(1 + beta)`` for ``t = 0..iterations`` by an exact
    replay of Muon on the instance (see the module docstring for the checks)."""
    started = time.perf_counter()
    if isinstance(iterations, bool) or not isinstance(iterations, int) or iterations <= 0:
        raise BadInput(f"iterations must be a positive integer, got {iterations!r}")
    lmo = lmo if lmo is not None else SpectralLMO()
    if instance is None:
        instance = muon_instance(beta, schedule, start=start, horizon=iterations)
    T = iterations
    failures: list[str] = []
    if not lmo.certifiable:
        failures.append(f"the LMO {lmo.name!r} is not exact; a certificate needs the exact polar factor")

    trajectory, gammas, enclosure = replay_muon(instance, T, lmo)
    if enclosure.stopped:
        failures.append(f"replay stopped after {enclosure.completed} steps: {enclosure.stopped}")

    trace_invariant = False
    lower_gap = None
    if trajectory is not None:
        W0 = trajectory.iterates[0]
        # W0 = I + R0 diag(1, -1): both diagonal entries minus 1 are opposite (same R0).
        if not (W0.b == 0 and W0.c == 0 and (W0.a - 1) == -(W0.d - 1)):
            failures.append("W0 is not I + R0 diag(1, -1)")
        trace_invariant = True
        M_prev = Mat2(Fraction(0), Fraction(0), Fraction(0), Fraction(0))
        beta_q = instance.beta
        for t in range(T):
            W, G = trajectory.iterates[t], trajectory.subgradients[t]
            record = trajectory.records[t]
            M, D = record["M"], record["D"]
            problem = _check_subgradient(instance, W, G, t)
            if problem:
                failures.append(problem)
            if not all(isinstance(v, Fraction) for v in M.entries()) or M != beta_q * M_prev + (1 - beta_q) * G:
                failures.append(f"t={t}: momentum is not beta M + (1 - beta) G exactly")
            if not lmo.verify(M, D):
                failures.append(f"t={t}: step direction is not exactly -polar(M_t)")
            trace = D.trace()
            if isinstance(trace, (Interval, float)) or trace != 0:
                trace_invariant = False
                failures.append(f"t={t}: tr D_t = {midpoint_float(trace):.3g} is not exactly 0")
            expected = W + gammas[t] * D
            if expected != trajectory.iterates[t + 1]:
                failures.append(f"t={t}: W_(t+1) differs from W_t + gamma_t D_t")
            M_prev = M
            if len(failures) > 20:
                failures.append("... (stopped listing)")
                break
        if trace_invariant:
            c2 = 2 * instance.c
            lower_gap = min(c2 + lower(abs(W.a - W.d)) for W in trajectory.iterates)
    # f* = 0: f >= 0 everywhere and f(0) = 0.
    zero = Mat2(Fraction(0), Fraction(0), Fraction(0), Fraction(0))
    if instance.value(zero) != 0:
        failures.append("f(0) != 0")

    claimed = instance.gap_bound
    certified_lower = None
    if lower_gap is not None:
        certified_lower = max(claimed, decimal_floor(lower_gap))
    certified = not failures and certified_lower is not None and certified_lower >= claimed
    gaps = _float_gaps(instance, lmo, T)
    return MuonCertificate(
        beta=instance.beta,
        schedule=instance.schedule.text,
        iterations=T,
        method=f"muon[{lmo.name}]",
        start=instance.start,
        c=instance.c,
        claimed_bound=claimed,
        certified=certified,
        certified_lower_bound=certified_lower if certified else None,
        min_gap=min(gaps) if gaps else float("nan"),
        trace_invariant=trace_invariant,
        failures=tuple(failures),
        seconds=time.perf_counter() - started,
        gaps=gaps,
    )
