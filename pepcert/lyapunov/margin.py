r"""The margin problem of the one-step Lyapunov inequality and its floating-point re-check
(split from :mod:`pepcert.lyapunov.search`, which re-exports these names; the formulation is
explained there and in ``docs/lyapunov.md``)."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from pepcert.pep.conic import ConicBuilder, smat, svec, svec_length
from pepcert.pep.errors import SolverFailure
from pepcert.pep.solvers import solve_accurately

if TYPE_CHECKING:  # annotations only: search imports this module
    from pepcert.lyapunov.facial import Reduction
    from pepcert.lyapunov.search import LMIData

RHO_CEILING = 1e6  # rates above this are reported as unbounded growth

@dataclass(frozen=True)
class MarginSolution:
    """The margin problem at one ``rho``: the margin and the certificate that attains it."""

    rho: float
    margin: float
    coefficients: np.ndarray
    multipliers: np.ndarray
    tolerance: float


def normaliser(
    data: LMIData, coefficients: np.ndarray | None, floor: float = 1e-6
) -> tuple[np.ndarray, np.ndarray]:
    """``(N, n_lin)`` with unit largest entry: the identity, or ``V_0`` of a previous solution
    plus ``floor`` times the identity (so the margin is close to ``rho - rho*`` while every
    direction keeps some margin)."""
    k = len(data.active_values)
    if coefficients is None:
        return np.eye(data.n), np.ones(k)
    quad = np.tensordot(coefficients, data.before_mats, axes=1)
    lin = (coefficients @ data.before_rows)[data.active_values]
    scale = max(float(np.linalg.eigvalsh(quad)[-1]), float(np.abs(lin).max(initial=0.0)), 1e-300)
    return quad / scale + floor * np.eye(data.n), lin / scale + floor


@dataclass(frozen=True)
class DominanceRows:
    """``V - c D + sum_k mu_k c_k = <S', G> + ell'^T F`` with ``S' >= 0``, ``ell' >= 0``,
    ``mu >= 0`` over the inequalities ``local`` and free multipliers over the equalities
    ``local_equalities`` (indices in ``step.equalities``; :mod:`pepcert.lyapunov.dominance`): asks
    the margin problem for a V that controls the whole state, ``V >= c ||state - state*||^2``."""

    c: float
    distance_mat: np.ndarray
    distance_row: np.ndarray
    local: tuple[int, ...]
    local_equalities: tuple[int, ...] = ()


def _add_dominance(builder: ConicBuilder, data: LMIData, y: np.ndarray, dominance: DominanceRows) -> None:
    mu = builder.variables("mu", len(dominance.local))
    nu = builder.variables("nu", len(dominance.local_equalities))
    total = builder.n_variables
    mats = np.zeros((total, data.n, data.n))
    rows = np.zeros((total, data.before_rows.shape[1]))
    mats[y], rows[y] = data.before_mats, data.before_rows
    mats[mu], rows[mu] = data.constraint_mats[list(dominance.local)], data.constraint_rows[list(dominance.local)]
    free = [data.n_inequalities + k for k in dominance.local_equalities]
    mats[nu], rows[nu] = data.constraint_mats[free], data.constraint_rows[free]
    builder.nonnegative(np.eye(total)[mu], np.zeros(len(mu)))  # nu stays free
    keep = data.active_values
    builder.nonnegative(rows[:, keep].T, -dominance.c * dominance.distance_row[keep])
    builder.psd(svec(mats).T, svec(-dominance.c * dominance.distance_mat), data.n)


def _family_cone(builder: ConicBuilder, data: LMIData, y, total: int) -> None:
    """``P >= 0`` for the full family: ``smat`` of the first coefficients, or, reduced by the
    agents' symmetry (:mod:`pepcert.lyapunov.symmetric`), P's two blocks as a map of them."""
    if data.psd_size is None:
        return
    if data.psd_map is not None:
        cols = np.zeros((data.psd_map.shape[0], total))
        cols[:, y] = data.psd_map
        builder.psd(cols, np.zeros(cols.shape[0]), data.psd_size)
        return
    k = data.psd_size
    builder.psd(np.eye(total)[y[: svec_length(k)]], np.zeros(svec_length(k)), k)


@functools.lru_cache(maxsize=64)
def _upper(size: int) -> tuple[np.ndarray, np.ndarray]:
    """``np.triu_indices(size)``, made once per size (it was 2 % of a tight rate's time)."""
    rows, cols = np.triu_indices(size)
    rows.setflags(write=False)
    cols.setflags(write=False)
    return rows, cols


# With equalities the margin is capped, t <= 1 (N has unit largest entry; margins are far smaller):
# on the directions an equality removes (u = 0) the free multipliers raise S at will, so where the
# instances span the rest of the face (a quadratic class at eta*) the margin would be unbounded.
def solve_margin(
    data: LMIData, backend, rho: float, norm: tuple[np.ndarray, np.ndarray], reduction: Reduction | None = None,
    dominance: DominanceRows | None = None, gaps: tuple[float, ...] | None = None,
) -> MarginSolution:
    """Maximise ``t`` with ``S - t N >= 0`` and ``ell - t n_lin >= 0`` at ``rho`` (and, given
    ``dominance``, only over V that control the whole state; ``t <= 1`` with equalities, above).
    ``gaps``: the tolerances the solve may stop at (default :func:`solve_accurately`'s)."""
    T, m, n = data.n_terms, data.n_constraints, data.n
    builder = ConicBuilder()
    y = builder.variables("V", T)
    lam = builder.variables("lambda", m)
    t = builder.variables("margin", 1)[0]
    if dominance is not None:
        _add_dominance(builder, data, y, dominance)
    total = builder.n_variables
    eye = np.eye(total)

    # S and ell as linear maps of the variables: S = sum_j S_cols[j] x_j.
    S_cols = np.zeros((total, n, n))
    S_cols[y] = rho * data.before_mats - data.after_mats
    S_cols[lam] = data.constraint_mats
    S_cols[t] = -norm[0]
    lin_cols = np.zeros((total, len(data.active_values)))
    lin_cols[y] = (rho * data.before_rows - data.after_rows)[:, data.active_values]
    lin_cols[lam] = data.constraint_rows[:, data.active_values]
    lin_cols[t] = -norm[1]

    builder.equal_zero(np.concatenate([data.normalisation, np.zeros(total - T)])[None, :], [-1.0])
    if reduction is not None:
        U, W = reduction.directions, reduction.complement
        SU = np.einsum("jab,br->jar", S_cols, U)  # total x n x r
        rows = [np.einsum("an,jar->nrj", W, SU).reshape(-1, total)]
        upper = _upper(U.shape[1])
        rows.append(np.einsum("ar,jas->rsj", U, SU)[upper[0], upper[1]].reshape(-1, total))
        block = np.concatenate(rows, axis=0)
        block[:, t] = 0.0  # N is not required to vanish on U
        builder.equal_zero(block, np.zeros(block.shape[0]))
        if reduction.inactive:
            builder.equal_zero(eye[[lam[k] for k in reduction.inactive]], np.zeros(len(reduction.inactive)))
        if reduction.zero_values:
            zero = lin_cols[:, list(reduction.zero_values)].T.copy()
            zero[:, t] = 0.0
            builder.equal_zero(zero, np.zeros(zero.shape[0]))
    builder.nonnegative(eye[lam[: data.n_inequalities]], np.zeros(data.n_inequalities))  # equalities' stay free
    if data.n_equalities:  # t <= 1 (the note above)
        builder.nonnegative(-eye[[t]], [1.0])
    builder.nonnegative(eye[[y[i] for i in data.nonneg_terms]], np.zeros(len(data.nonneg_terms)))
    keep = [i for i in range(len(data.active_values)) if reduction is None or i not in reduction.zero_values]
    if keep:
        builder.nonnegative(lin_cols[:, keep].T, np.zeros(len(keep)))
    if reduction is None:
        size = n
        psd_cols = svec(S_cols).T
    else:
        W = reduction.complement
        size = W.shape[1]
        psd_cols = svec(W.T @ S_cols @ W).T  # one batched product over the variables
    if size:
        builder.psd(psd_cols, np.zeros(svec_length(size)), size)
    _family_cone(builder, data, y, total)
    objective = np.zeros(total)
    objective[t] = -1.0
    problem, _ = builder.build(objective)
    solution = solve_accurately(backend, problem) if gaps is None else \
        solve_accurately(backend, problem, gaps=gaps, max_solves=len(gaps))
    if not solution.solved:
        raise SolverFailure(
            f"{backend.name} returned {solution.raw_status!r} for the Lyapunov margin problem at rho={rho:.12g}"
        )
    return MarginSolution(
        rho=rho,
        margin=float(solution.x[t]),
        coefficients=np.array(solution.x[y]),
        multipliers=np.array(solution.x[lam]),
        tolerance=solution.tolerance,
    )


def float_threshold_rho(
    data: LMIData,
    coefficients: np.ndarray,
    multipliers: np.ndarray,
    eig_slack: float = 1e-12,
    lin_slack: float = 1e-9,
    hint: float | None = None,
) -> float:
    """The smallest ``rho`` at which this Lyapunov function and multipliers satisfy the
    one-step inequality, evaluated in floating point (after clipping to their cones).

    ``S(rho) = rho B - A`` with ``B >= 0``, so its smallest eigenvalue is nondecreasing in
    ``rho`` and the threshold is a root found by Brent's method. A ``hint`` (the expected
    threshold, e.g. a proven lower bound) first tries the bracket ``hint (1 +- 1e-7)``, which
    saves most of the eigenvalue evaluations when it holds. Not a proof (floating
    point); the exact check is :mod:`pepcert.lyapunov.upper`.
    """
    coefficients, multipliers = clip_to_cones(data, coefficients, multipliers)
    B = np.tensordot(coefficients, data.before_mats, axes=1)
    R = np.tensordot(multipliers, data.constraint_mats, axes=1) - np.tensordot(coefficients, data.after_mats, axes=1)
    b = (coefficients @ data.before_rows)[data.active_values]
    r = (multipliers @ data.constraint_rows - coefficients @ data.after_rows)[data.active_values]
    scale = max(float(np.abs(B).max()), float(np.abs(R).max()), 1e-300)
    # Floating-point tolerances, not a proof (exact checks are in lyapunov.exact): rounding
    # of a small symmetric eigenproblem for S, the solver's equality accuracy for ell.
    eig_slack = eig_slack * scale
    lin_scale = max(float(np.abs(r).max(initial=0.0)), float(np.abs(multipliers).max(initial=0.0)), 1e-300)
    lin_slack = lin_slack * lin_scale
    smallest = lambda rho: np.linalg.eigvalsh(rho * B + R)[0] + eig_slack
    if hint is not None and np.all(hint * b + r >= -lin_slack) and smallest(hint) >= 0:
        # Valid at the hint already. (Testing the linear part as ``rho >= -r_i / b_i`` instead
        # turns a gap weight p ~ 1e-10 -- numerical zero -- into a ratio of two noises:
        # measured 1.4e-5 above the instance's rate: docs/lyapunov.md.)
        return float(hint)
    low = 0.0
    for bi, ri in zip(b, r):
        if bi > lin_slack:
            low = max(low, -ri / bi)
        elif ri < -lin_slack:
            return math.inf
    if smallest(low) >= 0:
        return low
    if hint is not None and hint > low:
        below, above = max(low, hint * (1 - 1e-7)), hint * (1 + 1e-7)
        if smallest(below) < 0 <= smallest(above):
            return _brent_root(smallest, below, above)
    high = max(2 * low, 1.0)
    while smallest(high) < 0:
        high *= 2
        if high > RHO_CEILING:
            return math.inf
    return _brent_root(smallest, low, high)


def _brent_root(function, low: float, high: float) -> float:
    """The sign change of ``function`` in ``[low, high]`` to ``1e-15 + 4 eps |rho|`` (Brent's method,
    :func:`scipy.optimize.brentq`, imported here: most rate computations never reach it)."""
    from scipy.optimize import brentq

    return float(brentq(function, low, high, xtol=1e-15, rtol=4 * np.finfo(float).eps, maxiter=200, disp=False))


def clip_to_cones(data: LMIData, coefficients: np.ndarray, multipliers: np.ndarray):
    """Project a numerical solution onto ``lambda >= 0`` (the inequalities' multipliers; the
    equalities' stay free), ``p, a_i >= 0`` and ``P >= 0`` (for a reduced full family: each of
    P's blocks, the coefficients then solved from them -- the map is one to one)."""
    coefficients = np.array(coefficients, dtype=float)
    multipliers = np.array(multipliers, dtype=float)
    multipliers[: data.n_inequalities] = np.maximum(multipliers[: data.n_inequalities], 0.0)
    for i in data.nonneg_terms:
        coefficients[i] = max(coefficients[i], 0.0)
    if data.psd_map is not None:  # clip P's blocks, then the coefficients that give them
        values, vectors = np.linalg.eigh(smat(data.psd_map @ coefficients))
        clipped = svec((vectors * np.maximum(values, 0.0)) @ vectors.T)
        used = np.flatnonzero(np.abs(data.psd_map).sum(axis=0))
        coefficients[used] = np.linalg.lstsq(data.psd_map[:, used], clipped, rcond=None)[0]
    elif data.psd_size:
        k = data.psd_size
        values, vectors = np.linalg.eigh(smat(coefficients[: svec_length(k)]))
        coefficients[: svec_length(k)] = svec((vectors * np.maximum(values, 0.0)) @ vectors.T)
    return coefficients, multipliers


