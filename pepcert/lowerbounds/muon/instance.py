"""The Muon non-convergence instances ``f(W) = c |tr W| + |W_11 - W_22|``.

Parshakova, Khaled, Crawshaw, Garrigos, Gower (2026), "Muon does not converge on convex
Lipschitz functions": for every momentum ``beta in [0, 1)`` and every positive nonincreasing
step schedule ``gamma_t``, Muon started at a point built from the alternating sum of the steps
stays on ``tr W = 2`` and never gets closer than ``(1 - beta)/(1 + beta)`` to ``f* = 0``.
The construction below is worked out in ``docs/muon.md``; in short:

* ``c = (1 - beta) / (2 (1 + beta))``; ``f >= 0 = f(0)``, so ``f* = 0``; ``f`` is convex and
  2-Lipschitz for the spectral norm (every subgradient has nuclear norm 2).
* Write ``x_t = (W_t)_11 - (W_t)_22`` and ``W_0 = I + R_0 diag(1, -1)`` (so ``x_0 = 2 R_0``).
  With the sign pattern ``sign x_t = (-1)^t`` the subgradients are ``G_t = c I + (-1)^t
  diag(1, -1)``, the momentum is diagonal with ``tr M_t = 2c (1 - beta^{t+1})`` and
  ``(M_t)_11 - (M_t)_22 = 2 (1-beta)/(1+beta) (-1)^t (1 - (-beta)^{t+1})``; its entries have
  opposite signs, so ``polar(M_t) = (-1)^t diag(1, -1)`` has trace 0 and
  ``x_{t+1} = x_t - 2 (-1)^t gamma_t``.
* The pattern holds for all t iff ``R_t := (-1)^t x_t / 2 >= 0`` for all t, where
  ``R_{t+1} = gamma_t - R_t``. The solution is the tail of the alternating series
  ``R_t = gamma_inf / 2 + sum_{k >= t} (-1)^(k-t) (gamma_k - gamma_inf)`` (``gamma_inf =
  lim gamma_t``), which lies in ``[gamma_inf/2, gamma_t - gamma_inf/2]`` by Leibniz' rule. So
  ``R_0 = gamma_inf / 2 + sum_k (-1)^k (gamma_k - gamma_inf)`` — the (Cesaro) alternating sum of
  the steps: ``log 2`` for ``1/(t+1)``, ``pi^2/12`` for ``1/(t+1)^2``, ``gamma/2`` for a
  constant step.
* Then ``f(W_t) = 2c + |x_t| >= 2c = (1 - beta)/(1 + beta)`` for every t.

Kink rule: at ``W_11 = W_22`` the oracle returns the element of ``partial |W_11 - W_22|`` with
sign ``(-1)^t`` (the one-sided derivative in the direction the iterate is travelling); at
``tr W = 0`` it uses sign ``+1``. Both are valid subgradients, so the oracle is a legitimate
first-order oracle for ``f``. Kinks are met only by schedules with equal consecutive steps.

Two starts are offered: ``"series"`` (the infinite alternating sum above; needs a symbolic
proof that the schedule is nonincreasing on ``[0, oo)``) and ``"horizon"`` for a finite
horizon ``H``: ``R_0 = (A_{H+1} + A_{H+2}) / 2`` with the partial sums
``A_n = sum_{k<n} (-1)^k gamma_k`` — rational for rational steps, valid for ``t <= H``
because ``R_t`` is then the mean of two finite alternating sums of nonincreasing terms.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from fractions import Fraction
from functools import cached_property

import numpy as np
import sympy

from pepcert.pep.algorithms.muon import ScaledPolarCompressor
from pepcert.pep.errors import BadInput
from pepcert.pep.numerics.intervals import (
    as_exact,
    ball,
    enclose,
    is_enclosure,
    lift,
    lower,
    sign_of,
    upper,
    working_precision,
)
from pepcert.pep.numerics.matrix2 import Mat2
from pepcert.pep.numerics.numbers import parse_rational
from pepcert.pep.numerics.schedule import T_SYMBOL, StepSchedule, parse_schedule
from pepcert.pep.simulate import NumericOracle

__all__ = ["MuonInstance", "InstanceOracle", "muon_instance", "parse_beta", "momentum_constant", "gap_bound"]


def parse_beta(beta) -> Fraction:
    """Momentum ``beta`` as an exact rational in ``[0, 1)`` (BadInput otherwise)."""
    value = parse_rational(beta, "beta")
    if not (0 <= value < 1):
        raise BadInput(f"beta must be in [0, 1), got {beta}")
    return value


def momentum_constant(beta: Fraction) -> Fraction:
    """``c = (1 - beta) / (2 (1 + beta))``."""
    return (1 - beta) / (2 * (1 + beta))


def gap_bound(beta: Fraction) -> Fraction:
    """The non-convergence level ``(1 - beta)/(1 + beta) = 2c``."""
    return (1 - beta) / (1 + beta)


@dataclass(frozen=True)
class MuonInstance:
    """``f(W) = c |tr W| + |W_11 - W_22|`` with ``W_0 = I + R_0 diag(1, -1)``.

    ``offset`` is ``R_0`` when it is an exact rational (constant steps, horizon starts),
    ``offset_symbolic`` is its exact definition as text, ``offset_float`` its value to double
    precision (high-precision summation, for simulations only).
    """

    beta: Fraction
    schedule: StepSchedule
    start: str
    horizon: int | None
    offset: Fraction | None
    offset_symbolic: str
    offset_float: float
    limit: object = field(default=None, compare=False, repr=False)

    @cached_property
    def c(self) -> Fraction:
        return momentum_constant(self.beta)

    @cached_property
    def c_float(self) -> float:
        return float(self.c)

    @property
    def gap_bound(self) -> Fraction:
        return gap_bound(self.beta)

    @property
    def f_star(self) -> Fraction:
        return Fraction(0)

    # -- the function and its oracle (generic arithmetic) -------------------------------------
    def value(self, W):
        """``f(W) = c |tr W| + |W_11 - W_22|`` (Mat2 of any arithmetic, or a numpy 2x2)."""
        a, d = (W.a, W.d) if isinstance(W, Mat2) else (W[0][0], W[1][1])
        c = self.c_float if isinstance(a, float) else self.c_lifted if is_enclosure(a) else self.c
        return c * abs(a + d) + abs(a - d)

    def subgradient(self, W, t: int):
        """``G = c s_tr I + s_x diag(1, -1)`` with ``s_tr = sign tr W``, ``s_x = sign(W_11 -
        W_22)`` and the kink rule of the module docstring (``s_x = (-1)^t`` at
        ``W_11 = W_22``; ``s_tr = 1`` at ``tr W = 0``). Exact input gives an exact G; an
        undecidable sign raises :class:`~pepcert.pep.numerics.intervals.Undecided`."""
        is_mat = isinstance(W, Mat2)
        a, d = (W.a, W.d) if is_mat else (float(W[0][0]), float(W[1][1]))
        s_trace = sign_of(a + d) or 1
        s_diff = sign_of(a - d) or (1 if t % 2 == 0 else -1)
        if isinstance(a, float):
            c = self.c_float
            G = Mat2(c * s_trace + s_diff, 0.0, 0.0, c * s_trace - s_diff)
        elif is_enclosure(a):
            G = self._lifted_subgradients[s_trace, s_diff]
        else:
            G = self._exact_subgradients[s_trace, s_diff]
        return G if is_mat else G.to_float_array()

    @cached_property
    def _exact_subgradients(self) -> dict:
        """The four exact subgradients ``c s_tr I + s_x diag(1, -1)``, built once."""
        c, zero = self.c, Fraction(0)
        return {
            (s_trace, s_diff): Mat2(c * s_trace + s_diff, zero, zero, c * s_trace - s_diff)
            for s_trace in (1, -1) for s_diff in (1, -1)
        }

    @cached_property
    def _lifted_subgradients(self) -> dict:
        """The same subgradients, exact, in the arithmetic of enclosures (``fmpq`` entries)."""
        return {key: Mat2(*(lift(x) for x in G.entries())) for key, G in self._exact_subgradients.items()}

    @cached_property
    def c_lifted(self):
        """``c`` as an ``fmpq`` (exact, in the arithmetic of enclosures)."""
        return lift(self.c)

    def oracle(self, compressor=ScaledPolarCompressor()) -> InstanceOracle:
        """A fresh first-order oracle of ``f`` for one run (see :class:`InstanceOracle`), with
        EF-Muon's compressor ``(||P||_nuc / rank P) polar(P)`` unless told otherwise."""
        return InstanceOracle(self, compressor)

    # -- the start -------------------------------------------------------------------------
    def offset_enclosure(self, n: int, steps=None):
        """A rigorous enclosure of ``R_0`` (exact when rational).

        Series start: with ``delta_k = gamma_k - gamma_inf >= 0`` nonincreasing (proved
        symbolically) and ``D_n = sum_{k<n} (-1)^k delta_k``, Leibniz' rule gives
        ``R_0 in gamma_inf/2 + D_n + (-1)^n r_n`` with the tail ``r_n in [0, delta_n]``.
        If the schedule is also proved convex, the differences ``delta_k - delta_{k+1}`` are
        nonincreasing, so ``r_n - r_{n+1} >= 0`` (an alternating series of them) and
        ``r_n = delta_n - r_{n+1}`` give ``r_n in [delta_n/2, delta_n - delta_{n+1}/2]``.
        ``n`` must exceed the horizon of the certificate so that every sign
        ``(-1)^t (R_0 - A_t)``, ``t < n``, is decided. The sum is taken in Arb balls
        (outward rounding); ``steps`` may give balls containing ``gamma_0..gamma_{n+1}``,
        already computed.
        """
        if self.offset is not None:
            return self.offset
        if self.start != "series":
            raise ValueError("an instance with a horizon start has a rational offset")
        gamma = steps.__getitem__ if steps is not None else self.schedule.enclosure
        with working_precision():
            limit = enclose(self.limit)
            partial = enclose(0)
            for k in range(n):
                term = gamma(k) - limit
                partial = partial + term if k % 2 == 0 else partial - term
            last = gamma(n) - limit
            if self.schedule.prove_convex():
                tail = ball(lower(last) / 2, upper(last) - lower(gamma(n + 1) - limit) / 2)
            else:
                tail = ball(0, upper(last))
            return limit / 2 + partial + (tail if n % 2 == 0 else -tail)

    def W0_exact(self, n: int, steps=None) -> Mat2:
        """``W_0 = I + R_0 diag(1, -1)`` with the enclosure of ``R_0`` of :meth:`offset_enclosure`."""
        return self.start_matrix(self.offset_enclosure(n, steps))

    @staticmethod
    def start_matrix(R0) -> Mat2:
        """``I + R_0 diag(1, -1)``: exact for a rational ``R_0``, else balls of ``1 +- R_0``."""
        zero = Fraction(0)
        with working_precision():
            R0 = lift(R0)
            return Mat2(as_exact(1 + R0), zero, zero, as_exact(1 - R0))

    def W0_float(self) -> np.ndarray:
        R0 = float(self.offset) if self.offset is not None else self.offset_float
        return np.array([[1.0 + R0, 0.0], [0.0, 1.0 - R0]])

    def W0_text(self) -> list[list[str | int]]:
        """``W_0`` with its diagonal as formulas in ``R_0`` (the zeros as numbers)."""
        return [[f"1 + {self.offset_symbolic}", 0], [0, f"1 - {self.offset_symbolic}"]]


class InstanceOracle(NumericOracle):
    """The oracle of a :class:`MuonInstance` along one run: ``gradient`` is
    :meth:`MuonInstance.subgradient` with the kink rule of the ``t``-th call (a method asks
    for one subgradient per step, so ``t`` is the iteration), ``value`` is ``f``, ``lmo`` and
    ``compress`` are those of :class:`~pepcert.pep.simulate.NumericOracle` (exact on exact
    :class:`Mat2`). Not shared between runs: it counts its gradient calls."""

    def __init__(self, instance: MuonInstance, compressor=ScaledPolarCompressor()):
        super().__init__(instance, compressor)
        self.calls = 0

    def gradient(self, W, agent: int | None = None):  # one function: agent is ignored
        G = self.function.subgradient(W, self.calls)
        self.calls += 1
        return G


def _series_offset(schedule: StepSchedule):
    limit_expr = schedule.limit()
    limit_exact = schedule.limit_exact()
    k = sympy.Symbol("k", integer=True, nonnegative=True)
    delta = schedule.expr.subs(T_SYMBOL, k) - limit_expr
    if schedule.is_constant:
        text = sympy.sstr(limit_expr / 2)
        value = float(schedule.mp(0) / 2)
    else:
        text = f"{sympy.sstr(limit_expr / 2)} + Sum((-1)**k*({sympy.sstr(delta)}), (k, 0, oo))"
        if limit_expr == 0:
            text = f"Sum((-1)**k*({sympy.sstr(delta)}), (k, 0, oo))"
        ctx = schedule.mp_context()
        limit_mp = ctx.mpf(sympy.N(limit_expr, 40)) if limit_expr != 0 else ctx.mpf(0)
        total = ctx.nsum(lambda j: (-1) ** int(j) * (schedule.mp(int(j)) - limit_mp), [0, ctx.inf])
        value = float(limit_mp / 2 + total)
    return limit_exact, text, value


def muon_instance(beta, schedule, start: str = "auto", horizon: int | None = None) -> MuonInstance:
    """Build the instance for momentum ``beta`` and the step schedule (text or
    :class:`StepSchedule`).

    ``start="series"`` uses the infinite alternating sum (requires sympy to prove the schedule
    nonincreasing on ``[0, oo)``), ``"horizon"`` the finite-horizon start for ``t <= horizon``,
    ``"auto"`` the series when the proof succeeds and the horizon start otherwise.
    """
    beta = parse_beta(beta)
    schedule = schedule if isinstance(schedule, StepSchedule) else parse_schedule(schedule)
    if start not in ("auto", "series", "horizon"):
        raise BadInput(f"unknown start {start!r} (auto, series, horizon)")
    if start == "auto":
        proof = schedule.prove_nonincreasing()
        start = "series" if proof.proved else "horizon"
    if start == "series":
        proof = schedule.prove_nonincreasing()
        if not proof.proved:
            raise BadInput(
                f"cannot prove that {schedule.text!r} is nonincreasing on [0, oo) "
                f"(derivative {proof.derivative}); use a horizon start"
            )
        limit_exact, text, value = _series_offset(schedule)
        if sign_of(limit_exact) < 0:
            raise BadInput(f"step schedule {schedule.text!r} tends to a negative limit")
        offset = limit_exact / 2 if schedule.is_constant and isinstance(limit_exact, Fraction) else None
        instance = MuonInstance(beta, schedule, "series", None, offset, text, value, limit=limit_exact)
        if offset is None:
            # The float start (mpmath summation) must lie in a rigorous enclosure; if the
            # summation was inaccurate, take the midpoint of a tighter enclosure instead.
            check = instance.offset_enclosure(256)
            if not (float(lower(check)) - 1e-12 <= value <= float(upper(check)) + 1e-12):
                tight = instance.offset_enclosure(4096)
                instance = replace(instance, offset_float=float((lower(tight) + upper(tight)) / 2))
        return instance
    if horizon is None or horizon < 0:
        raise BadInput("a horizon start needs a horizon H >= 0")
    sums = []
    with working_precision():
        partial = lift(Fraction(0))
        for k in range(horizon + 2):
            gamma = lift(schedule.exact(k))
            partial = partial + gamma if k % 2 == 0 else partial - gamma
            sums.append(partial)
        middle = (sums[horizon] + sums[horizon + 1]) / 2  # (A_{H+1} + A_{H+2}) / 2
    # An enclosure (irrational steps): its midpoint, a rational within its radius of the mean.
    middle = as_exact(middle.mid() if is_enclosure(middle) else middle)
    text = f"(A_{horizon + 1} + A_{horizon + 2})/2"
    return MuonInstance(beta, schedule, "horizon", horizon, middle, text, float(middle))
