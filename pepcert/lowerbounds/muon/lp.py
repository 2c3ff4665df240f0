"""A performance-estimation lower bound for Muon: a linear program with the sign pattern fixed.

Performance estimation (Drori-Teboulle; Taylor-Hendrickx-Glineur) searches over all functions
of a class for the worst run of a method. For Muon the polar factor makes the problem
nonconvex, but once the *sign pattern* is fixed it becomes a linear program. We fix
(Parshakova, Khaled, Crawshaw, Garrigos, Gower 2026, the diagonal reduction of Muon):

* diagonal subgradients ``G_t = diag(g_t1, g_t2)``, so the momenta are diagonal;
* the signs ``(-1)^t (M_t)_11 >= eps`` and ``-(-1)^t (M_t)_22 >= eps``, so that
  ``polar(M_t) = (-1)^t diag(1, -1)`` and the iterates ``W_{t+1} = W_t - gamma_t (-1)^t
  diag(1, -1)`` are *fixed* points (``W_0 = I + R_0 diag(1, -1)``, ``W_* = 0``).

The unknowns are the subgradients ``g_t`` and values ``f_t`` (``t = 0..T``); ``f_* = 0``,
``g_* = 0``. The convex ``L``-Lipschitz (spectral norm, so ``||g||_nuc = |g_1| + |g_2| <= L``)
interpolation conditions are linear:

    f_i >= f_j + <g_j, W_i - W_j>   for all i != j in {0..T, *},      |g_t1| + |g_t2| <= L,

and they are also sufficient: ``F(W) = max_j f_j + <g_j, W - W_j>`` is convex, ``L``-Lipschitz,
``F(W_t) = f_t``, ``g_t in dF(W_t)``, ``min F = F(0) = 0``. The LP maximises
``z <= f_t - f_*`` for all ``t`` (the smallest gap over the run). Its optimum lower-bounds the
worst case of ``min_{t <= T} f(W_t) - f*`` for Muon over convex ``L``-Lipschitz functions from
``W_0``. Our instance ``c |tr W| + |W_11 - W_22|`` (``L = 2``) is feasible, so the optimum is
``>= (1 - beta)/(1 + beta)`` up to the margins, for every ``T``.

Certification: the LP is solved by HiGHS with every inequality tightened by a margin; the
solution is rounded to dyadic rationals and *all* constraints (interpolation with rigorous
enclosures of the iterates, Lipschitz, the momentum signs computed exactly) are re-checked in
exact integer arithmetic. Only then is ``min_t f_t`` reported as a certified lower bound.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from scipy import sparse
from scipy.optimize import linprog

from pepcert.lowerbounds.muon.instance import gap_bound, muon_instance, parse_beta
from pepcert.pep.errors import BadInput, SolverFailure
from pepcert.pep.numerics.intervals import is_exact, lift, lower, upper, working_precision
from pepcert.pep.numerics.schedule import StepSchedule, parse_schedule

__all__ = ["MuonLPBound", "muon_lp_lower_bound", "verify_lp_witness"]

_SCALE_BITS = 200  # enclosures of the iterates: integers times 2**-200
_VALUE_BITS = 60  # rounding of the LP solution: integers times 2**-60


@dataclass(frozen=True)
class MuonLPBound:
    """Result of :func:`muon_lp_lower_bound` (immutable)."""

    beta: Fraction
    schedule: str
    iterations: int
    lipschitz: Fraction
    start_offset: Fraction
    lp_value: float
    certified_lower_bound: Fraction | None
    certified: bool
    claimed_bound: Fraction
    solver_status: str
    failures: tuple
    seconds: float
    subgradients: tuple = ()  # rounded witness: ((g_t1, g_t2) for t = 0..T), Fractions
    values: tuple = ()  # f at the distinct points, Fractions

    def to_dict(self) -> dict:
        return {
            "beta": self.beta,
            "schedule": self.schedule,
            "iterations": self.iterations,
            "lipschitz": self.lipschitz,
            "start_offset": self.start_offset,
            "lp_value": self.lp_value,
            "certified_lower_bound": self.certified_lower_bound,
            "certified": self.certified,
            "claimed_bound": self.claimed_bound,
            "solver_status": self.solver_status,
            "failures": list(self.failures),
            "seconds": self.seconds,
        }


def _scaled_bounds(value, bits: int) -> tuple[int, int]:
    """Integers ``lo, hi`` with ``lo 2^-bits <= value <= hi 2^-bits``."""
    scale = 1 << bits
    return math.floor(lower(value) * scale), math.ceil(upper(value) * scale)


@dataclass(frozen=True)
class _Columns:
    """Column layout of the LP: ``g_t1, g_t2`` (``t = 0..T``), ``f_p`` per distinct point, ``z``.

    ``n = T + 1`` iterates (the optimum ``*`` is handled explicitly, ``f_* = 0``, ``g_* = 0``)
    and ``m`` distinct points.
    """

    n: int
    m: int

    def g1(self, t: int) -> int:
        return 2 * t

    def g2(self, t: int) -> int:
        return 2 * t + 1

    def fv(self, p: int) -> int:
        return 2 * self.n + p

    @property
    def z(self) -> int:
        return 2 * self.n + self.m

    @property
    def nvar(self) -> int:
        return 2 * self.n + self.m + 1


@dataclass(frozen=True)
class _MuonLP:
    """The margin-tightened LP ``min c^T x  s.t.  A x <= b``, with its column layout."""

    columns: _Columns
    start_offset: Fraction
    objective: np.ndarray
    A: sparse.csr_matrix
    b: np.ndarray
    bounds: list


def _parse_lp_inputs(beta, schedule, iterations, lipschitz):
    """Validated ``(beta, schedule, T, L)``; ``BadInput`` on a bad value."""
    beta = parse_beta(beta)
    schedule = schedule if isinstance(schedule, StepSchedule) else parse_schedule(schedule)
    if isinstance(iterations, bool) or not isinstance(iterations, int) or iterations <= 0:
        raise BadInput(f"iterations must be a positive integer, got {iterations!r}")
    L = Fraction(lipschitz)
    if L <= 0:
        raise BadInput("the Lipschitz constant must be positive")
    return beta, schedule, iterations, L


def _interpolation_rows(cols: _Columns, j: int, points, point_of, w1f, w2f, margin: float) -> list:
    """Rows ``(entries, bound)`` of the interpolation conditions for the subgradient ``g_j``.

    For every other point ``i``: ``f_{p_j} - f_i + <g_j, W_i - W_j> <= -margin``; and for
    ``i = *`` (``W_* = 0``, ``f_* = 0``): ``0 >= f_j + <g_j, 0 - W_j> + margin``.
    """
    pj = point_of[j]
    rows = []
    for pi, i in enumerate(points):
        if pi != pj:
            rows.append(
                (
                    [
                        (cols.fv(pj), 1.0),
                        (cols.fv(pi), -1.0),
                        (cols.g1(j), w1f[i] - w1f[j]),
                        (cols.g2(j), w2f[i] - w2f[j]),
                    ],
                    -margin,
                )
            )
    rows.append(([(cols.fv(pj), 1.0), (cols.g1(j), -w1f[j]), (cols.g2(j), -w2f[j])], -margin))
    return rows


def _lipschitz_rows(cols: _Columns, j: int, L: Fraction, margin: float) -> list:
    """``|g_j1| + |g_j2| <= L (1 - margin)`` (nuclear norm of ``G_j``) as four linear rows."""
    return [
        ([(cols.g1(j), a), (cols.g2(j), b)], float(L) * (1 - margin))
        for a in (1.0, -1.0)
        for b in (1.0, -1.0)
    ]


def _value_rows(cols: _Columns, margin: float) -> list:
    """For every point ``p``: ``f_p >= 0 + margin`` (interpolation with ``j = *``) and ``z <= f_p``."""
    rows = []
    for p in range(cols.m):
        rows.append(([(cols.fv(p), -1.0)], -margin))
        rows.append(([(cols.z, 1.0), (cols.fv(p), -1.0)], 0.0))
    return rows


def _momentum_sign_rows(cols: _Columns, beta: Fraction, T: int, margin: float) -> list:
    """The sign pattern: ``m_t = sum_k beta^(t-k) (1-beta) g_k``, ``s m_t1 >= eps``, ``-s m_t2 >= eps``.

    ``s = (-1)^t``, ``eps = margin``, for ``t = 0..T-1``.
    """
    bf = float(beta)
    rows = []
    for t in range(T):
        s = 1.0 if t % 2 == 0 else -1.0
        weights = [(k, (1 - bf) * bf ** (t - k)) for k in range(t + 1)]
        rows.append(([(cols.g1(k), -s * w) for k, w in weights if w != 0.0], -margin))
        rows.append(([(cols.g2(k), s * w) for k, w in weights if w != 0.0], -margin))
    return rows


def _build_lp(beta: Fraction, schedule: StepSchedule, T: int, L: Fraction, margin: float) -> _MuonLP:
    """The LP of the module docstring, every inequality tightened by ``margin``: maximise ``z``."""
    R0, w1, w2, points, point_of = _fixed_iterates(beta, schedule, T)
    w1f = np.array([float((lower(x) + upper(x)) / 2) for x in w1])
    w2f = np.array([float((lower(x) + upper(x)) / 2) for x in w2])
    cols = _Columns(n=T + 1, m=len(points))
    rows = []
    for j in range(cols.n):
        rows.extend(_interpolation_rows(cols, j, points, point_of, w1f, w2f, margin))
        rows.extend(_lipschitz_rows(cols, j, L, margin))
    rows.extend(_value_rows(cols, margin))
    rows.extend(_momentum_sign_rows(cols, beta, T, margin))
    row_index, col_index, vals = [], [], []
    for r, (entries, _) in enumerate(rows):
        for col, val in entries:
            row_index.append(r)
            col_index.append(col)
            vals.append(val)
    A = sparse.csr_matrix((vals, (row_index, col_index)), shape=(len(rows), cols.nvar))
    objective = np.zeros(cols.nvar)
    objective[cols.z] = -1.0
    bounds = [(-float(L), float(L))] * (2 * cols.n) + [(None, None)] * (cols.m + 1)
    return _MuonLP(cols, R0, objective, A, np.array([bound for _, bound in rows]), bounds)


def _solve_lp(lp: _MuonLP):
    """Solve with HiGHS; ``(x, lp_value, status)``, or ``SolverFailure`` unless optimal."""
    result = linprog(
        lp.objective,
        A_ub=lp.A,
        b_ub=lp.b,
        bounds=lp.bounds,
        method="highs",
        options={"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10},
    )
    status = f"{result.status}: {result.message}"
    if result.status != 0 or result.x is None:
        raise SolverFailure(f"HiGHS did not solve the Muon LP ({status})")
    return result.x, float(-result.fun), status


def _round_witness(x, cols: _Columns) -> tuple[tuple, tuple]:
    """Round the LP solution to dyadic rationals ``k 2^-60``: ``(subgradients, values)``."""
    V = 1 << _VALUE_BITS
    subgradients = tuple(
        (Fraction(round(x[cols.g1(t)] * V), V), Fraction(round(x[cols.g2(t)] * V), V)) for t in range(cols.n)
    )
    f_values = tuple(Fraction(round(x[cols.fv(p)] * V), V) for p in range(cols.m))
    return subgradients, f_values


def muon_lp_lower_bound(
    beta,
    schedule="1/sqrt(t+1)",
    iterations: int = 10,
    lipschitz=2,
    margin: float = 1e-7,
) -> MuonLPBound:
    """Solve and certify the sign-pattern LP for ``iterations`` Muon steps (see module doc).

    The rounded witness is re-checked exactly by :func:`verify_lp_witness`; only then is
    ``min_t f_t`` the certified lower bound.
    """
    started = time.perf_counter()
    beta, schedule, T, L = _parse_lp_inputs(beta, schedule, iterations, lipschitz)
    lp = _build_lp(beta, schedule, T, L, margin)
    x, lp_value, status = _solve_lp(lp)
    subgradients, f_values = _round_witness(x, lp.columns)
    failures = verify_lp_witness(beta, schedule, T, L, subgradients, f_values)
    certified = not failures
    return MuonLPBound(
        beta=beta,
        schedule=schedule.text,
        iterations=T,
        lipschitz=L,
        start_offset=lp.start_offset,
        lp_value=lp_value,
        certified_lower_bound=min(f_values) if certified else None,
        certified=certified,
        claimed_bound=gap_bound(beta),
        solver_status=status,
        failures=tuple(failures),
        seconds=time.perf_counter() - started,
        subgradients=subgradients,
        values=f_values,
    )


def _fixed_iterates(beta: Fraction, schedule: StepSchedule, T: int):
    """The iterates fixed by the sign pattern, exactly (``fmpq``, or balls for irrational steps).

    ``W_0 = I + R_0 diag(1, -1)`` (the horizon-``T`` start of :mod:`.muon_instance`),
    ``W_t = diag(w1_t, w2_t)``, ``w1_{t+1} = w1_t - (-1)^t gamma_t``, ``w2_t = 2 - w1_t``.
    Iterates at the same exact position (constant steps revisit points) share one point:
    ``points`` lists the first iterate of each position, ``point_of[t]`` its index.
    """
    instance = muon_instance(beta, schedule, start="horizon", horizon=T)
    gammas = schedule.check_positive_nonincreasing(T + 1)
    R0 = instance.offset
    assert R0 is not None  # a horizon start has a rational offset
    with working_precision():  # exact rationals as fmpq, irrational steps as balls
        w1 = [lift(1 + R0)]
        for t in range(T):
            w1.append(w1[-1] - lift(gammas[t]) if t % 2 == 0 else w1[-1] + lift(gammas[t]))
        w2 = [2 - x for x in w1]
    points: list = []
    point_of: list[int] = []
    for t in range(T + 1):
        exact = is_exact(w1[t])
        match = next((p for p, q in enumerate(points) if exact and is_exact(w1[q]) and w1[q] == w1[t]), None)
        if match is None:
            points.append(t)
            match = len(points) - 1
        point_of.append(match)
    return R0, w1, w2, points, point_of


def verify_lp_witness(beta, schedule, iterations: int, lipschitz, subgradients, values) -> list[str]:
    """Exact check of a witness of the Muon LP; returns the violated constraints ([] if valid).

    ``subgradients[t] = (g_t1, g_t2)`` and ``values[p]`` (one per distinct point) must be
    dyadic rationals with denominator dividing ``2**60``. Checked exactly (integer arithmetic,
    rigorous enclosures of the iterates): interpolation between all points and ``W_* = 0``
    with ``f_* = 0``, ``g_* = 0``; ``|g_t1| + |g_t2| <= L``; and the momentum signs
    ``(-1)^t (M_t)_11 > 0 > (-1)^t (M_t)_22`` with ``M_t`` computed exactly.
    """
    beta = parse_beta(beta)
    schedule = schedule if isinstance(schedule, StepSchedule) else parse_schedule(schedule)
    L = Fraction(lipschitz)
    T = iterations
    _, w1, w2, points, point_of = _fixed_iterates(beta, schedule, T)
    n, m = T + 1, len(points)
    V = 1 << _VALUE_BITS
    if len(subgradients) != n or len(values) != m:
        return [f"witness has {len(subgradients)} subgradients and {len(values)} values, expected {n} and {m}"]

    def scaled(q) -> int:
        q = Fraction(q)
        if (q * V).denominator != 1:
            raise BadInput("witness entries must be multiples of 2**-60")
        return int(q * V)

    g = [(scaled(a), scaled(b)) for a, b in subgradients]
    f = [scaled(v) for v in values]
    W = [(_scaled_bounds(a, _SCALE_BITS), _scaled_bounds(b, _SCALE_BITS)) for a, b in zip(w1, w2)]
    shift = _SCALE_BITS  # f * 2^-60 = (f << 200) * 2^-260; g w: 2^-60 * 2^-200
    failures = []

    def max_product(gj: int, lo: int, hi: int) -> int:
        return gj * hi if gj >= 0 else gj * lo

    for j in range(n):
        pj = point_of[j]
        (c_lo, c_hi), (d_lo, d_hi) = W[j]
        for pi, i in enumerate(points):
            if pi == pj:
                continue
            (a_lo, a_hi), (b_lo, b_hi) = W[i]
            inner_max = max_product(g[j][0], a_lo - c_hi, a_hi - c_lo) + max_product(g[j][1], b_lo - d_hi, b_hi - d_lo)
            if ((f[pi] - f[pj]) << shift) - inner_max < 0:
                failures.append(f"interpolation (point {pi}, subgradient {j})")
        # i = * (W_* = 0): 0 >= f_j - <g_j, W_j>.
        inner_min = -max_product(-g[j][0], c_lo, c_hi) - max_product(-g[j][1], d_lo, d_hi)  # min <g_j, W_j>
        if (f[pj] << shift) - inner_min > 0:
            failures.append(f"interpolation (*, subgradient {j})")
        if abs(g[j][0]) + abs(g[j][1]) > L * V:
            failures.append(f"Lipschitz at {j}")
        if len(failures) > 20:
            return failures
    failures.extend(f"interpolation (point {p}, *)" for p in range(m) if f[p] < 0)
    momentum = (Fraction(0), Fraction(0))
    for t in range(T):
        s = 1 if t % 2 == 0 else -1
        momentum = tuple(beta * mt + (1 - beta) * Fraction(gi, V) for mt, gi in zip(momentum, g[t]))
        if not (s * momentum[0] > 0 and -s * momentum[1] > 0):
            failures.append(f"momentum sign pattern at t={t}")
    return failures
