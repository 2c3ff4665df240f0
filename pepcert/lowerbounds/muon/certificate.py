"""Exact replay certificates: Muon stays ``(1 - beta)/(1 + beta)`` away from ``f*`` for T steps.

The replay runs the *same* :class:`~pepcert.pep.methods.Method` as the simulations
(:func:`pepcert.pep.algorithms.muon.muon`, from its declared start ``M_{-1} = 0``) on 2x2
matrices of bounded rigorous enclosures, with the instance's oracle
(:class:`~.instance.InstanceOracle`). ``beta``, ``c`` and the subgradients ``G_t`` are exact
rationals, and so is every polar factor ``D_t``; the start ``W_0`` (exact, or an enclosure of
an irrational ``R_0``), the steps ``gamma_t``, the momenta ``M_t`` and the iterates ``W_t`` are
Arb balls at 256 bits (:mod:`~pepcert.pep.numerics.intervals`), rounded outward at each
operation, so each contains the exact value of the exact run and no number grows with ``t``
(exact rationals would gain ~6.6 bits a step with ``beta = 0.99``). An
independent checker re-verifies every transition as it happens, from the oracle calls the
step made (nothing but the enclosures of ``f(W_t)`` is kept):

1. ``G_t`` is a subgradient of ``f`` at the exact ``W_t``: ``tr W_t = 2 > 0`` (invariant below)
   and the sign of ``x_t = (W_t)_11 - (W_t)_22`` is decided from its enclosure (``G_t`` uses
   it; at an exact kink any sign is a valid subgradient);
2. the enclosure ``M_t`` contains ``beta M_{t-1} + (1 - beta) G_t`` computed from the
   enclosure ``M_{t-1}`` (so, by induction from ``M_{-1} = 0``, it contains the exact momentum);
3. ``D_t = -polar(M)`` exactly for *every* ``M`` in the enclosure ``M_t`` (diagonal, exact
   zeros off the diagonal, decided signs ``u_1 m_1 > 0``, ``u_2 m_2 > 0``: the polar factor
   of a nonsingular matrix is unique), in particular for the exact momentum;
4. ``tr D_t = 0`` exactly, and the enclosure ``W_{t+1}`` contains ``W_t + gamma_t D_t``.

Trace invariant: ``tr W_0 = tr I + R_0 tr diag(1, -1) = 2`` exactly whatever ``R_0`` is, and
``tr W_{t+1} = tr W_t + gamma_t tr D_t = tr W_t`` by linearity of the trace and check 4, so
``tr W_t = 2`` exactly for every ``t <= T`` (no enclosure of ``gamma_t`` is involved).
Hence ``f(W_t) - f* = c |tr W_t| + |x_t| = 2c + |x_t| >= 2c = (1 - beta)/(1 + beta)`` with
``f* = 0`` (``f >= 0 = f(0)``); the certified bound is ``2c + min_t`` of the lower end of
the enclosure of ``|x_t|``. Floating point plays no part in the verdict.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property

import numpy as np

from pepcert.lowerbounds.muon.instance import InstanceOracle, MuonInstance, muon_instance
from pepcert.pep.algorithms.muon import muon
from pepcert.pep.errors import BadInput
from pepcert.pep.lmo import SpectralLMO
from pepcert.pep.numerics.intervals import (
    Undecided,
    contains,
    enclose,
    is_exact,
    lift,
    lower,
    midpoint_float,
    sign_of,
    upper,
    working_precision,
)
from pepcert.pep.numerics.matrix2 import Mat2, zeros_like

__all__ = ["MuonCertificate", "ReplayEnclosure", "certify_muon", "replay_muon", "decimal_floor"]


def decimal_floor(value: Fraction, digits: int = 15) -> Fraction:
    """The largest multiple of ``10**-digits`` that is ``<= value`` (a readable lower bound)."""
    scale = 10**digits
    return Fraction(math.floor(value * scale), scale)


@dataclass(frozen=True)
class ReplayEnclosure:
    """Rigorous enclosures of ``f(W_t) - f*`` along an exact replay (any LMO).

    ``gap_lower[t] <= f(W_t) - f* <= gap_upper[t]`` (exact rationals, the end points of the
    enclosures ``gaps[t]``) for ``t`` up to ``completed``; ``traces[t]`` encloses ``tr W_t``
    (``trace_lower`` its lower ends); the replay stops early (``stopped`` says why) if a sign
    cannot be decided.
    """

    method: str
    completed: int
    gaps: tuple = field(repr=False)
    traces: tuple = field(repr=False)
    stopped: str | None

    @cached_property
    def gap_lower(self) -> tuple:
        return tuple(lower(x) for x in self.gaps)

    @cached_property
    def gap_upper(self) -> tuple:
        return tuple(upper(x) for x in self.gaps)

    @cached_property
    def trace_lower(self) -> tuple:
        return tuple(lower(x) for x in self.traces)


class _RecordingOracle(InstanceOracle):
    """The instance's oracle, keeping the calls of the current step for the checker."""

    def __init__(self, instance: MuonInstance):
        super().__init__(instance)
        self.step_calls: list[tuple] = []

    def gradient(self, W, agent: int | None = None):  # one function: agent is ignored
        G = super().gradient(W)
        self.step_calls.append(("gradient", W, G))
        return G

    def lmo(self, v, norm):
        D = super().lmo(v, norm)
        self.step_calls.append(("lmo", v, D))
        return D


def _start_and_steps(instance: MuonInstance, iterations: int) -> tuple:
    """``R_0`` and ``W_0`` (exact, or enclosures for an irrational ``R_0``) and balls
    containing ``gamma_0..gamma_{T+2}``, checked positive and nonincreasing."""
    steps = instance.schedule.enclosures(iterations + 2)
    R0 = instance.offset_enclosure(iterations + 1, steps)
    return R0, instance.start_matrix(R0), steps


def _replay(instance: MuonInstance, W0: Mat2, steps: list, iterations: int, lmo, on_step=None) -> ReplayEnclosure:
    """Run :func:`~pepcert.pep.algorithms.muon.muon` from ``W0`` on 2x2 matrices of balls
    (every entry an Arb ball at :data:`~pepcert.pep.numerics.intervals.PRECISION_BITS` bits,
    rounded outward at each operation, so each contains the exact value and none grows with
    ``t``; exact numbers meet them as ``fmpq``).

    ``on_step(t, state_t, state_t+1, calls, gamma_t)`` sees every transition with the oracle
    calls it made (``("gradient", W, G)``, ``("lmo", M, D)``); nothing else is kept.
    """
    method = muon(lift(instance.beta), steps, lmo)  # beta as fmpq: exact, and it mixes with balls
    oracle = _RecordingOracle(instance)
    gaps, traces, stopped = [], [], None
    with working_precision():
        state = method.initial(Mat2(*(enclose(x) for x in W0.entries())), oracle)
        gaps.append(instance.value(state[0]))
        traces.append(state[0].trace())
        for t in range(iterations):
            oracle.step_calls = []
            try:
                new_state = method.advance(state, oracle, t)
            except Undecided as error:
                stopped = f"undecidable sign: {error}"
                break
            if on_step is not None:
                on_step(t, state, new_state, oracle.step_calls, steps[t])
            gaps.append(instance.value(new_state[0]))
            traces.append(new_state[0].trace())
            state = new_state
    return ReplayEnclosure(f"muon[{lmo.name}]", len(gaps) - 1, tuple(gaps), tuple(traces), stopped)


def replay_muon(instance: MuonInstance, iterations: int, lmo=None) -> ReplayEnclosure:
    """Replay Muon (with ``lmo``, default exact polar) on exact 2x2 matrices.

    Intended also for LMOs that are not exact (Newton-Schulz): the enclosures of ``f(W_t)``
    stay rigorous.
    """
    _, W0, steps = _start_and_steps(instance, iterations)
    return _replay(instance, W0, steps, iterations, lmo if lmo is not None else SpectralLMO())


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
    method = muon(float(instance.beta), gammas, lmo)
    oracle = instance.oracle()
    state = method.initial(Mat2.from_array(instance.W0_float()), oracle)
    gaps = [float(instance.value(state[0]))]
    for t in range(iterations):
        state = method.advance(state, oracle, t)
        gaps.append(float(instance.value(state[0])))
    return tuple(gaps)


def _check_subgradient(instance: MuonInstance, W: Mat2, G: Mat2, t: int) -> str | None:
    """``G in partial f(W)`` given ``tr W = 2``: ``G = c I + s diag(1, -1)`` with
    ``s = sign(x)`` (``s in [-1, 1]`` if ``x = 0`` exactly). Compared exactly (as ``fmpq``)."""
    try:
        s_x = sign_of(W.a - W.d)
    except Undecided:
        return f"t={t}: sign of W11 - W22 undecided"
    if not all(is_exact(v) for v in G.entries()):
        return f"t={t}: subgradient is not exact"
    a, b, c, d = lift(G.a), lift(G.b), lift(G.c), lift(G.d)
    if b != 0 or c != 0:
        return f"t={t}: subgradient has off-diagonal entries"
    s = (a - d) / 2
    if a + d != 2 * instance.c_lifted:
        return f"t={t}: subgradient trace part is not c I (tr W = 2 > 0)"
    if s_x != 0 and s != s_x:
        return f"t={t}: subgradient sign {s} differs from sign(W11 - W22) = {s_x}"
    if s_x == 0 and not (-1 <= s <= 1):
        return f"t={t}: kink subgradient outside [-1, 1]"
    return None


def _encloses(outer: Mat2, inner: Mat2) -> bool:
    """Every entry of ``inner`` (exact or an enclosure) lies in that entry of ``outer``."""
    return all(contains(o, i) for o, i in zip(outer.entries(), inner.entries()))


class _TransitionChecker:
    """Re-verifies each transition of the replay exactly (checks 1-4 of the module docstring)
    and keeps the running lower bound ``min_t 2c + |x_t|``; stops listing after 20 failures.

    ``R0`` is the (exact or enclosed) offset the start was built from: the start must contain
    ``I + r diag(1, -1)`` for every ``r`` in it, so ``tr W_0 = 2`` for the exact start.
    """

    def __init__(self, instance: MuonInstance, lmo, W0: Mat2, R0):
        self.instance, self.lmo = instance, lmo
        self.beta, self.keep = lift(instance.beta), 1 - lift(instance.beta)
        self.failures: list[str] = []
        self.trace_invariant = True
        self.M_prev = zeros_like(Mat2(*(enclose(x) for x in W0.entries())))
        with working_precision():
            self.min_distance = abs(enclose(W0.a - W0.d)).lower()  # an exact ball: compared exactly
            R0 = lift(R0)
            start = Mat2(1 + R0, 0, 0, 1 - R0)  # recomputed as the instance does: exact, or the same balls
            if not _encloses(W0, start):
                self.failures.append("W0 is not I + R0 diag(1, -1)")

    def __call__(self, t: int, state: tuple, new_state: tuple, calls: list, gamma) -> None:
        if len(self.failures) > 20:
            if self.failures[-1] != "... (stopped listing)":
                self.failures.append("... (stopped listing)")
            return
        (W, _), (W_next, M) = state, new_state
        kinds = [call[0] for call in calls]
        if kinds != ["gradient", "lmo"] or calls[0][1] is not W or calls[1][1] is not M:
            self.failures.append(f"t={t}: the step did not call gradient(W_t) then lmo(M_t)")
            return
        G, D = calls[0][2], calls[1][2]
        problem = _check_subgradient(self.instance, W, G, t)
        if problem:
            self.failures.append(problem)
        if not _encloses(M, self.beta * self.M_prev + self.keep * G):
            self.failures.append(f"t={t}: the momentum enclosure does not contain beta M + (1 - beta) G")
        if not self.lmo.verify(M, D):
            self.failures.append(f"t={t}: step direction is not exactly -polar(M_t)")
        trace = D.trace()
        if not is_exact(trace) or trace != 0:
            self.trace_invariant = False
            self.failures.append(f"t={t}: tr D_t = {midpoint_float(trace):.3g} is not exactly 0")
        if not _encloses(W_next, W + gamma * D):
            self.failures.append(f"t={t}: the enclosure of W_(t+1) does not contain W_t + gamma_t D_t")
        self.M_prev = M
        distance = abs(enclose(W_next.a - W_next.d)).lower()
        if distance < self.min_distance:
            self.min_distance = distance


def _reporting(checker, iterations: int, progress):
    """``checker`` that also reports every 1,000 transitions to ``progress``."""
    def on_step(t, *transition):
        checker(t, *transition)
        if (t + 1) % 1000 == 0 or t + 1 == iterations:
            progress(t + 1, iterations, "exact replay of Muon")

    return on_step


def certify_muon(
    beta,
    schedule,
    iterations: int,
    lmo=None,
    start: str = "auto",
    instance: MuonInstance | None = None,
    progress=None,
) -> MuonCertificate:
    """Certify ``f(W_t) - f* >= (1 - beta)/(1 + beta)`` for ``t = 0..iterations`` by an exact
    replay of Muon on the instance (see the module docstring for the checks); ``progress(t,
    iterations, what)`` hears of the replay every 1,000 steps."""
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

    R0, W0, steps = _start_and_steps(instance, T)
    checker = _TransitionChecker(instance, lmo, W0, R0)
    enclosure = _replay(instance, W0, steps, T, lmo, on_step=checker if progress is None else
                        _reporting(checker, T, progress))
    failures.extend(checker.failures)
    if enclosure.stopped:
        failures.append(f"replay stopped after {enclosure.completed} steps: {enclosure.stopped}")
    trace_invariant = checker.trace_invariant and enclosure.stopped is None
    # tr W_t = 2 for all t <= T (module docstring), so f(W_t) - f* = 2c + |x_t|.
    lower_gap = 2 * instance.c + lower(checker.min_distance) if trace_invariant else None
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
