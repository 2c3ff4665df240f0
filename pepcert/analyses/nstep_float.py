r"""The floating-point side of N-step certificates: a dual with a margin, rounded to rationals
and repaired exactly (upper bound), and a strictly feasible mixture of the worst case,
factored and rounded (lower bound). Nothing here is trusted: every candidate goes through the
exact checks of :mod:`pepcert.analyses.nstep_exact`.

**The dual with a margin.** The dual of the performance-estimation problem (Drori & Teboulle
2014; Taylor, Hendrickx & Glineur 2017, Section 3.3), solved with a margin ``eps W``:

.. math:: \min_{U, \lambda \ge 0, \theta \ge 0} U \quad\text{s.t.}\quad
          U B + \sum_i \lambda_i C_i - \sum_k \theta_k M_k - \varepsilon W \succeq 0,\quad
          \sum_k \theta_k d_k - U b - \sum_i \lambda_i a_i = 0,\quad \sum_k \theta_k = 1,

(``c_i = <C_i, G> + a_i^T F``, ``init = <B, G> + b^T F``, ``m_k = <M_k, G> + d_k^T F``). Its
optimum is the worst case of ``m + eps <W, G>``, slightly above the worst case; its residual
``-Q`` is ``>= eps W``, so rounding the multipliers to rationals (an error far below ``eps``)
keeps ``-Q`` PSD. The linear equalities are then restored exactly by moving a few large
multipliers (an exact linear solve). ``W`` is diagonal: the identity in the basis rescaled by
the worst case's own sizes ``sqrt(G*_jj)`` (:func:`basis_scale`), except on the rows nothing
bounds (:func:`free_rows`, where ``Q`` must vanish exactly), and ``eps`` is spread so that the
value rises by about ``eps`` relative (:func:`margin`). Where the problem is unbounded in some
direction (``x0`` of a nonconvex class from ``f(x0) - f* <= 1``), the inequalities whose
multipliers vanish at the optimum are dropped (multiplier exactly 0), which leaves such rows
free.

The same solve gives the primal worst case ``(G*, F*)`` as the dual variables of its PSD block
and of its linear equalities.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from pepcert.analyses.nstep_exact import DualProof, ExactNStep, Instance, check_instance, measures_at, residual
from pepcert.pep.conic import ConicBuilder, smat, svec

#: Margins tried, relative to the worst case (smallest first: the first that checks is kept).
MARGINS = (1e-9, 1e-8, 1e-7, 1e-6)
#: Weights of the strictly feasible point in the lower-bound mixture (smallest first).
MIXTURES = tuple(k * 10.0**e for e in range(-9, -2) for k in (1, 2, 5))


@dataclass(frozen=True)
class FloatData:
    """The problem's coefficients in floats (module docstring's notation)."""

    C: np.ndarray  # (p, n, n)
    a: np.ndarray  # (p, m)
    B: np.ndarray
    b: np.ndarray
    M: np.ndarray  # (K, n, n)
    d: np.ndarray  # (K, m)


def float_data(exact: ExactNStep) -> FloatData:
    n, m = exact.basis.n_vectors, exact.basis.n_values

    def grams(scalars) -> np.ndarray:
        return np.array([s.gram_matrix(n, dtype=object).astype(float) for s in scalars]).reshape(len(scalars), n, n)

    def rows(scalars) -> np.ndarray:
        return np.array([s.value_row(m, dtype=object).astype(float) for s in scalars]).reshape(len(scalars), m)

    constraints, problem = [c for _, c in exact.constraints], exact.problem
    return FloatData(grams(constraints), rows(constraints), grams([problem.first])[0], rows([problem.first])[0],
                     grams(problem.tracked), rows(problem.tracked))


@dataclass(frozen=True)
class DualPoint:
    """A floating-point dual (``upper``, multipliers, weights) and the primal ``(G, F)`` it
    comes with."""

    upper: float
    multipliers: np.ndarray
    weights: np.ndarray
    gram: np.ndarray
    values: np.ndarray


def solve_dual(data: FloatData, keep: np.ndarray, backend, scale: np.ndarray | None = None,
               margin: np.ndarray | None = None) -> DualPoint | None:
    """The dual above over the inequalities ``keep`` (the others' multipliers are 0), in the
    basis ``b_j / scale_j`` (``G = D G' D``, ``D = diag(scale)``) with the margin
    ``eps W = diag(margin)`` in that basis; None when the solver does not solve it."""
    from pepcert.pep.solvers import solve_accurately

    kept = np.flatnonzero(keep)
    p, K = len(kept), len(data.M)
    n, m = data.B.shape[0], len(data.b)
    D = np.ones(n) if scale is None else scale
    outer = np.outer(D, D)
    builder = ConicBuilder()
    builder.variables("U", 1)
    builder.variables("lambda", p)
    builder.variables("theta", K)
    columns = np.concatenate([data.B[None], data.C[kept], -data.M]) * outer
    linear = np.concatenate([-data.b[None], -data.a[kept], data.d]).T
    builder.equal_zero(linear, np.zeros(m))
    builder.equal_zero(np.concatenate([np.zeros(1 + p), np.ones(K)])[None], [-1.0])
    builder.nonnegative(np.eye(1 + p + K)[1:], np.zeros(p + K))
    builder.psd(svec(columns).T, -svec(np.diag(np.zeros(n) if margin is None else margin)), n)
    objective = np.zeros(1 + p + K)
    objective[0] = 1.0
    problem, slices = builder.build(objective)
    solution = solve_accurately(backend, problem, gaps=(1e-10, 1e-9, 1e-8))
    if not solution.solved:
        return None
    multipliers = np.zeros(len(keep))
    multipliers[kept] = solution.x[1:1 + p]
    return DualPoint(float(solution.x[0]), multipliers, solution.x[1 + p:], smat(solution.y[slices["psd0"]]) * outer,
                     -solution.y[slices["zero0"]])


def free_rows(data: FloatData, keep: np.ndarray) -> np.ndarray:
    """Basis vectors ``b_j`` with no ``||b_j||^2`` term in the kept inequalities, the initial
    condition or the measures: the residual's ``Q_jj`` is identically 0, so ``Q <= 0`` needs its
    whole row ``j`` exactly 0 (no margin there; :func:`repair` sets the row exactly). ``x0``
    of a convex class from ``f(x0) - f* <= 1`` is one (nothing bounds ``||x0 - x*||``)."""
    diagonal = lambda stack: np.abs(np.diagonal(stack, axis1=1, axis2=2)).sum(axis=0)
    return diagonal(data.C[keep]) + np.abs(np.diag(data.B)) + diagonal(data.M) == 0


def basis_scale(point: DualPoint) -> np.ndarray:
    """``sqrt(G*_jj)`` (floored at 1e-3 of the largest): the worst case's own scale of each
    basis vector, so that the margin ``eps I`` in the rescaled basis is ``eps diag(1/G*_jj)``."""
    diagonal = np.maximum(np.diag(point.gram), 0.0)
    return np.sqrt(np.maximum(diagonal, 1e-6 * max(float(diagonal.max()), 1e-300)))


def margin(data: FloatData, keep: np.ndarray, eps: float, upper: float) -> np.ndarray:
    """``eps`` times the worst case, spread over the basis vectors that are not free rows (in
    the rescaled basis: the value grows by about ``eps`` relative)."""
    mask = ~free_rows(data, keep)
    return np.where(mask, eps * abs(upper) / max(int(mask.sum()), 1), 0.0)


# ---------------------------------------------------------------------------------------
# Rounding to an exact dual
# ---------------------------------------------------------------------------------------


def _dyadic(value: float, bits: int) -> Fraction:
    return Fraction(round(value * 2**bits), 2**bits)


def _above(value: float, digits: int = 13) -> Fraction:
    """A short decimal rational ``>= value`` (relative distance about ``10^-digits``)."""
    exponent = digits - 1 - math.floor(math.log10(abs(value))) if value != 0 else digits
    scale = Fraction(10) ** exponent
    return Fraction(math.ceil(Fraction(value) * scale)) / scale


def round_dual(exact: ExactNStep, point: DualPoint, free: np.ndarray, tiny: float = 1e-12) -> DualProof | None:
    """Rationals near ``point``: weights normalised to sum exactly 1, multipliers on a dyadic
    grid (those below ``tiny`` times the largest exactly 0), ``U`` a short decimal above; then
    the residual's function-value coefficients and its ``free`` rows set exactly to 0
    (:func:`repair`)."""
    largest = max(float(np.max(point.multipliers, initial=0.0)), abs(point.upper), 1e-300)
    bits = 48 - math.frexp(largest)[1]
    weights = [_dyadic(max(float(w), 0.0), 48) for w in point.weights]
    if sum(weights) <= 0:
        return None
    weights = [w / sum(weights) for w in weights]
    multipliers = [_dyadic(v, bits) if v > tiny * largest else Fraction(0) for v in point.multipliers]
    proof = DualProof(_above(point.upper), tuple(multipliers), tuple(weights))
    return repair(exact, proof, point.multipliers, np.flatnonzero(free))


def _equations(exact: ExactNStep, free: np.ndarray) -> tuple[list[list[Fraction]], list[tuple[int, int]]]:
    """Per inequality, its exact coefficients in the equations :func:`repair` restores: its
    function values, then its entries on the free rows (``(j, k)``, ``j`` free, ``k >= j``
    when ``k`` is free too)."""
    n, m = exact.basis.n_vectors, exact.basis.n_values
    free_set = {int(j) for j in free}
    entries = [(j, k) for j in sorted(free_set) for k in range(n) if k not in free_set or k >= j]
    columns = []
    for _, c in exact.constraints:
        Q = c.gram_matrix(n, dtype=object)
        columns.append([Fraction(v) for v in c.value_row(m, dtype=object)] + [Fraction(Q[j, k]) for j, k in entries])
    return columns, entries


def repair(exact: ExactNStep, proof: DualProof, order: np.ndarray, free: np.ndarray) -> DualProof | None:
    """Move the largest multipliers (by ``order``) so that the residual keeps no function value
    and no entry on a free row: an exact solve of ``sum_{i in B} delta_i e_i = r`` over a set
    ``B`` of inequalities with independent equation columns ``e_i`` (chosen in floats by
    Gram-Schmidt). None when the system has no solution there or a multiplier turns negative."""
    quadratic, ell, _ = residual(exact, proof)
    columns, entries = _equations(exact, free)
    m = exact.basis.n_values
    half = lambda j, k: Fraction(quadratic.get((min(j, k), max(j, k)), 0)) / (1 if j == k else 2)
    target = [Fraction(ell.get(j, 0)) for j in range(m)] + [half(j, k) for j, k in entries]
    if not any(target):
        return proof
    chosen: list[int] = []
    basis: list[np.ndarray] = []
    for index in np.argsort(-order):
        if proof.multipliers[index] <= 0 or len(chosen) == len(target):
            break
        vector = np.array([float(v) for v in columns[index]])
        rest = vector - sum(((q @ vector) * q for q in basis), np.zeros_like(vector))
        if np.linalg.norm(rest) > 1e-9 * max(float(np.linalg.norm(vector)), 1e-300):
            basis.append(rest / np.linalg.norm(rest))
            chosen.append(int(index))
    if not chosen:
        return None
    delta = solve_exact([[columns[i][e] for i in chosen] for e in range(len(target))], target)
    if delta is None:
        return None
    multipliers = list(proof.multipliers)
    for i, change in zip(chosen, delta):
        multipliers[i] += change
    if any(v < 0 for v in multipliers):
        return None
    return DualProof(proof.upper, tuple(multipliers), proof.weights)


def solve_exact(matrix: list[list[Fraction]], rhs: list[Fraction]) -> list[Fraction] | None:
    """A solution ``x`` of ``matrix x = rhs`` (rationals, full column rank), or None when the
    system is inconsistent."""
    rows = [list(row) + [value] for row, value in zip(matrix, rhs)]
    width = len(matrix[0]) if matrix else 0
    pivots: list[int] = []
    r = 0
    for col in range(width):
        found = next((i for i in range(r, len(rows)) if rows[i][col] != 0), None)
        if found is None:
            return None
        rows[r], rows[found] = rows[found], rows[r]
        pivot = rows[r][col]
        rows[r] = [v / pivot for v in rows[r]]
        for i in range(len(rows)):
            if i != r and rows[i][col] != 0:
                factor = rows[i][col]
                rows[i] = [a - factor * b for a, b in zip(rows[i], rows[r])]
        pivots.append(col)
        r += 1
    if any(row[-1] != 0 for row in rows[r:]):
        return None
    return [rows[i][-1] for i in range(width)]


# ---------------------------------------------------------------------------------------
# A strictly feasible point and the instance
# ---------------------------------------------------------------------------------------


class _GenericQuadratic:
    """``f = x^T H x / 2`` with curvatures strictly inside the class, ``C(v) = alpha v`` with
    ``alpha`` the middle of the compressor class's scalings: every inequality holds strictly at
    distinct points (THG 2017: the interpolation slack of a quadratic is
    ``d^T (H - mu)(L - H) d / (2 (L - mu))``)."""

    def __init__(self, low: float, high: float, alpha: float, size: int, slowest: float, rng):
        basis, _ = np.linalg.qr(rng.standard_normal((size, size)))
        curvatures = low + (high - low) * np.geomspace(slowest, 0.8, size)
        self.hessian = basis @ np.diag(curvatures) @ basis.T
        self.alpha = alpha

    def gradient(self, x, agent=0):
        return self.hessian @ x

    def value(self, x, agent=0):
        return 0.5 * float(x @ self.hessian @ x)

    def compress(self, v, outcome=0, agent=0):
        return self.alpha * v


def generic_point(exact: ExactNStep, classes, states: int) -> tuple[np.ndarray, np.ndarray]:
    """``(G0, F0)``: the trace replayed on :class:`_GenericQuadratic` from a random state
    (``Trace.evaluate``), minimised at ``x* = 0``. Its curvatures are spread geometrically over
    ``(max(mu, 0), L)`` from ``1/(2N + 2)`` of the range on: the slack of a pair of late
    iterates decays like ``(1 - eta h)^(2k)`` along curvature ``h``, so slow directions keep
    every inequality strictly satisfied at large ``N`` (measured: at ``N = 20`` the smallest
    slack went from 1.6e-8 with curvatures in ``[0.2, 0.8]`` of the range to 3.1e-6)."""
    low, high = (float(v) for v in classes.function.curvature_bounds())
    family = classes.scaling_family()
    alpha = float(family.scalings(sum(family.parameter_range()) / 2)[0])
    n = exact.basis.n_vectors
    rng = np.random.default_rng(20240617)
    slowest = min(0.2, 1.0 / (2 * exact.problem.iterations + 2))
    instance = _GenericQuadratic(max(low, 0.0), high, alpha, n, slowest, rng)
    vectors, values = exact.problem.trace.evaluate(instance, [rng.standard_normal(n) for _ in range(states)])
    return vectors @ vectors.T, np.asarray(values, dtype=float)


def _rounded(gram: np.ndarray, values: np.ndarray, bits: int = 40) -> Instance:
    """An exact ``Y`` with ``Y^T Y ~ gram`` (eigen-factor, entries on a dyadic grid relative to
    the largest) and ``F`` on the same grid."""
    eigenvalues, eigenvectors = np.linalg.eigh((gram + gram.T) / 2)
    factor = (eigenvectors * np.sqrt(np.maximum(eigenvalues, 0.0))).T
    keep = eigenvalues > 1e-14 * max(float(eigenvalues.max()), 1e-300)
    factor = factor[keep] if keep.any() else factor[-1:]
    grid = bits - math.frexp(max(float(np.abs(factor).max()), 1e-300))[1]
    value_grid = bits + 8 - math.frexp(max(float(np.abs(values).max(initial=0.0)), 1e-300))[1]
    return Instance(tuple(tuple(_dyadic(v, grid) for v in row) for row in factor),
                    tuple(_dyadic(v, value_grid) for v in values))


def _normalised(exact: ExactNStep, instance: Instance) -> tuple[Instance, Fraction] | None:
    """The instance scaled by a dyadic ``r`` (``Y -> r Y``, ``F -> r^2 F``) with
    ``init <= 1`` exactly, and its smallest tracked measure rounded down to 13 digits."""
    start, measures = measures_at(exact, instance)
    if start <= 0:
        return None
    r = _dyadic(1.0 / math.sqrt(float(start)) * (1 - 1e-12), 50)
    while r * r * start > 1:
        r -= Fraction(1, 2**50)
    scaled = Instance(tuple(tuple(r * v for v in row) for row in instance.factor), tuple(r * r * v for v in instance.values))
    lowest = r * r * min(measures)
    if lowest <= 0:
        return scaled, Fraction(0)
    digits = 13 - math.floor(math.log10(float(lowest)))
    return scaled, Fraction(math.floor(lowest * 10**digits), 10**digits)


def build_instance(exact: ExactNStep, data: FloatData, classes, worst: DualPoint,
                   states: int) -> tuple[Instance, Fraction] | None:
    """A rational instance from ``(1 - w) (G*, F*) + w (G0, F0)`` for the smallest ``w`` of
    :data:`MIXTURES` whose rounding passes the exact check (None when none does). A ``w`` whose
    mixture violates an inequality in floating point already is not rounded."""
    G0, F0 = generic_point(exact, classes, states)
    start0, start = (float(np.sum(data.B * G) + data.b @ F) for G, F in ((G0, F0), (worst.gram, worst.values)))
    if not (start0 > 0 and start > 0):
        return None
    G0, F0 = G0 * (start / start0), F0 * (start / start0)
    for w in MIXTURES:
        gram, values = (1 - w) * worst.gram + w * G0, (1 - w) * worst.values + w * F0
        if np.any(np.einsum("kij,ij->k", data.C, gram) + data.a @ values >= 0):
            continue
        normalised = _normalised(exact, _rounded(gram, values))
        if normalised is not None and check_instance(exact, *normalised)[0]:
            return normalised
    return None
