"""A primal-dual interior-point method for SDPs whose constraint matrices have low rank.

The N-step worst cases (``docs/worst-case.md``) have one PSD block ``G`` of size
``n = 2N + 2`` and inequalities whose matrices have rank at most 3 or 4 (an interpolation
inequality involves ``x_i, x_j, g_i, g_j`` only). Clarabel works on the primal ``svec`` of
``G`` and builds a dense KKT block of size ``n(n+1)/2`` (20,503 at N = 100: 3.4 GB). The
method here works on the Schur complement instead, an ``m x m`` matrix over the ``m``
inequalities (Helmberg, Rendl, Vanderbei & Wolkowicz 1996; Kojima, Shindoh & Hara 1997;
Monteiro 1997: the HKM direction), and uses the low rank of each matrix to form it.

Problem (primal, the PEP itself, as a minimisation)::

    min  <C, X> + c_f . x_f
    s.t. <A_k, X> + (E x_f)_k + x_l,k = b_k     (k = 1..m)
         X PSD (n x n),  x_l >= 0 (slacks),  x_f free,

with ``A_k = W_k diag(d_k) W_k^T`` (``W_k`` is ``n x r``). Dual::

    max  b . y   s.t.  Z = C - sum_k y_k A_k PSD,  z_l = -y >= 0,  E^T y = c_f.

Newton step (HKM): with ``M_ij = <A_i, X A_j Z^{-1}>`` and ``Mt = M + diag(x_l / z_l)``,
``[[Mt, E], [E^T, 0]] [dy, dx_f] = [h, r_f]``; then ``dZ = R_d - A*(dy)``,
``dX = R_c - sym(X dZ Z^{-1})``. Mehrotra's predictor-corrector sets the centring.
With ``A_k = sum_a d_ka w_ka w_ka^T``: ``M_ij = sum_{a,b} d_ia d_jb P_{ia,jb} R_{ia,jb}`` with
``P = W^T Z^{-1} W`` and ``R = W^T X W`` over all columns ``W = [W_1 ... W_m]``: two
products with an ``n x (r m)`` matrix and one elementwise product, instead of ``m``
products of ``n x n`` matrices.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

FAR = 1e-3  # above this merit a falling mu is progress (see _solve)


@dataclass(frozen=True)
class LowRankSDP:
    """The data of the problem above with ``A_k = W_k diag(d_k) W_k^T``: ``W`` is
    ``(m, n, r)``, ``d`` is ``(m, r)``, ``E`` is ``(m, p)`` (``p`` free variables), ``b`` is
    ``(m,)``, ``C`` is ``(n, n)``, ``c_f`` is ``(p,)``."""

    W: np.ndarray
    d: np.ndarray
    E: np.ndarray
    b: np.ndarray
    C: np.ndarray
    c_f: np.ndarray

    @property
    def size(self) -> int:
        return self.C.shape[0]

    @property
    def rows(self) -> int:
        return len(self.b)

    @property
    def flat(self) -> np.ndarray:
        """``[W_1 ... W_m]`` as one ``n x (m r)`` matrix (column ``k r + a`` is ``W_k[:, a]``)."""
        m, n, r = self.W.shape
        return self.W.transpose(1, 0, 2).reshape(n, m * r)

    def apply(self, X: np.ndarray, flat: np.ndarray | None = None) -> np.ndarray:
        """``A(X) = (<A_k, X>)_k = (sum_a d_ka w_ka^T X w_ka)_k``."""
        flat = self.flat if flat is None else flat
        quadratic = np.sum(flat * (X @ flat), axis=0) * self.d.reshape(-1)
        return quadratic.reshape(self.d.shape).sum(axis=1)

    def adjoint(self, y: np.ndarray, flat: np.ndarray | None = None) -> np.ndarray:
        """``A*(y) = sum_k y_k W_k diag(d_k) W_k^T``."""
        flat = self.flat if flat is None else flat
        weights = (self.d * np.asarray(y)[:, None]).reshape(-1)
        matrix = (flat * weights) @ flat.T
        return (matrix + matrix.T) / 2


@dataclass(frozen=True)
class LowRankSolution:
    """An interior-point answer. ``status`` is "solved" only when all three relative
    residuals are at most ``tolerance``; otherwise "inaccurate" (or "failed")."""

    status: str
    X: np.ndarray
    x_f: np.ndarray
    y: np.ndarray  # <= 0: the PEP's multipliers are -y
    Z: np.ndarray
    primal_objective: float
    dual_objective: float
    residuals: tuple[float, ...]  # (primal, dual, gap), relative
    iterations: int
    seconds: float
    tolerance: float
    merit: float = math.nan  # the residual that decided convergence (see solve_lowrank)
    bracket: float = math.nan  # with a dual target: how far the dual objective is below it

    @property
    def solved(self) -> bool:
        return self.status == "solved"


def _schur(problem: LowRankSDP, X: np.ndarray, Zinv: np.ndarray, flat: np.ndarray) -> np.ndarray:
    """``M_ij = sum_{a,b} d_ia d_jb (w_ia^T Z^{-1} w_jb)(w_jb^T X w_ia)`` (module docstring)."""
    m, r = problem.d.shape
    weights = problem.d.reshape(-1)
    H = (flat.T @ (Zinv @ flat)) * (flat.T @ (X @ flat))
    H *= weights[:, None]
    H *= weights[None, :]
    M = H.reshape(m, r, m, r).sum(axis=(1, 3))
    return (M + M.T) / 2


def _max_step(X: np.ndarray, dX: np.ndarray) -> float:
    """Largest ``a`` with ``X + a dX`` PSD (``X`` positive definite)."""
    L = np.linalg.cholesky(X)
    inv = np.linalg.solve(L, np.eye(len(X)))
    smallest = np.linalg.eigvalsh(inv @ dX @ inv.T)[0]
    return math.inf if smallest >= 0 else -1.0 / smallest


def _max_step_vector(x: np.ndarray, dx: np.ndarray) -> float:
    negative = dx < 0
    return float(np.min(-x[negative] / dx[negative])) if np.any(negative) else math.inf


class _Newton:
    """One factorised Newton system at the current iterate (predictor and corrector share it)."""

    def __init__(self, problem: LowRankSDP, X, Z, xl, zl):
        self.problem, self.X = problem, X
        self.flat = problem.flat
        self.Zinv = np.linalg.inv(Z)
        self.Zinv = (self.Zinv + self.Zinv.T) / 2
        self.ratio = xl / zl
        Mt = _schur(problem, X, self.Zinv, self.flat) + np.diag(self.ratio)
        self.factor = _factor(Mt)
        E = problem.E
        self.MinvE = self.factor(E) if E.size else E
        self.reduced = _factor(E.T @ self.MinvE) if E.size else None

    def direction(self, residuals, Rc: np.ndarray, rcl: np.ndarray):
        rp, Rd, rdl, rdf = residuals
        p, X, Zinv = self.problem, self.X, self.Zinv
        h = rp - p.apply(Rc - X @ Rd @ Zinv, self.flat) - rcl + self.ratio * rdl
        Minv_h = self.factor(h)
        if self.reduced is not None:
            dxf = self.reduced(p.E.T @ Minv_h - rdf)
            dy = Minv_h - self.MinvE @ dxf
        else:
            dxf, dy = np.zeros(0), Minv_h
        dZ = Rd - p.adjoint(dy, self.flat)
        dX = Rc - X @ dZ @ Zinv
        dX = (dX + dX.T) / 2
        dzl = rdl - dy
        dxl = rcl - self.ratio * dzl
        return dX, dxl, dxf, dy, dZ, dzl


#: Shifts (times the mean diagonal) tried in turn when the Schur complement's Cholesky fails: near
#: the optimum it is numerically singular (the worst case's Gram matrix has low rank). A shifted
#: factor gives a slightly inexact Newton direction, which the next iteration's residuals
#: correct; the pseudo-inverse it replaces gave directions that drove the residuals up. Measured
#: on 15 worst cases without a closing instance (distance, function and min-function measures of
#: the three methods of Thomsen, Taylor & Dieuleveut 2025, N = 20 to 100, the low-rank method;
#: docs/worst-case.md): 9 state a tighter tolerance (1e-6 -> 1e-8 on four), one is answered
#: (1e-4, error feedback with a gradient estimate, distance, N = 100) instead of failing, 4 are
#: unchanged and one states 1e-4 instead of 1e-5 (the same method's min-function at N = 100).
SCHUR_SHIFTS = (1e-14, 1e-12, 1e-10)


def _factor(matrix: np.ndarray):
    """A solver for ``matrix`` (symmetric positive semidefinite): Cholesky, of the matrix plus
    :data:`SCHUR_SHIFTS` times its mean diagonal when that fails, or a least-squares fallback
    when every shift fails (the iterate then stalls and is reported inaccurate)."""
    scale = float(np.trace(matrix)) / max(len(matrix), 1)
    for shift in (0.0, *SCHUR_SHIFTS):
        try:
            L = np.linalg.cholesky(matrix + shift * scale * np.eye(len(matrix)) if shift else matrix)
            break
        except np.linalg.LinAlgError:
            continue
    else:
        pinv = np.linalg.pinv(matrix, hermitian=True)
        return lambda rhs: pinv @ rhs
    import scipy.linalg as sl

    return lambda rhs: sl.cho_solve((L, True), rhs)


def _residuals(problem: LowRankSDP, X, xl, xf, y, Z, zl):
    rp = problem.b - problem.apply(X) - xl - problem.E @ xf
    Rd = problem.C - problem.adjoint(y) - Z
    rdl = -y - zl
    rdf = problem.c_f - problem.E.T @ y
    return rp, Rd, rdl, rdf


def _measures(problem: LowRankSDP, residuals, X, xf, y):
    """Relative primal infeasibility, dual infeasibility and gap (as SDPT3 defines them)."""
    rp, Rd, rdl, rdf = residuals
    pobj = float(np.sum(problem.C * X) + problem.c_f @ xf)
    dobj = float(problem.b @ y)
    primal = float(np.linalg.norm(rp)) / (1 + float(np.linalg.norm(problem.b)))
    dual = math.sqrt(float(np.sum(Rd * Rd) + rdl @ rdl + rdf @ rdf)) / (
        1 + math.sqrt(float(np.sum(problem.C**2) + problem.c_f @ problem.c_f))
    )
    gap = abs(pobj - dobj) / (1 + abs(pobj) + abs(dobj))
    return pobj, dobj, (primal, dual, gap)


def _start(problem: LowRankSDP):
    """SDPT3's infeasible starting point, scaled to the data (Toh, Todd & Tutuncu 1999)."""
    n, m = problem.size, problem.rows
    K = np.matmul(problem.W.transpose(0, 2, 1), problem.W)  # ||A_k||_F^2 = sum_ab d_a d_b K_ab^2
    norms = np.sqrt(np.abs(np.einsum("ka,kb,kab->k", problem.d, problem.d, K * K)))
    xi = max(10.0, math.sqrt(n), float(np.max(n * (1 + np.abs(problem.b)) / (1 + norms))))
    eta = max(10.0, math.sqrt(n), float(np.max(norms)), float(np.linalg.norm(problem.C)))
    return xi * np.eye(n), np.full(m, xi), np.zeros(problem.E.shape[1]), np.zeros(m), eta * np.eye(n), np.full(m, eta)


def relative_bracket(target: float, dobj: float) -> float:
    """How far the dual objective ``dobj`` is from ``target``, relative to the larger of the two."""
    return abs(target - dobj) / max(abs(target), abs(dobj), 1e-300)


def dual_error(problem: LowRankSDP, dual_residual: float, X: np.ndarray, pobj: float, dobj: float) -> float:
    """An a-posteriori bound on how far the dual objective may sit below the optimum, relative
    to it: the dual residual ``R_d`` (``dual_residual`` relative to ``1 + ||C||``, as
    :func:`_measures` gives it) can move the objective by ``<R_d, X> <= ||R_d|| ||X||`` at the
    primal point ``X``. Measured: without it a bracket of 1e-8 was reported where a 200-bit
    solve is 1.9e-8 away."""
    dual = dual_residual * (1 + math.sqrt(float(np.sum(problem.C**2) + problem.c_f @ problem.c_f)))
    return dual * float(np.linalg.norm(X)) / max(abs(dobj), abs(pobj), 1e-300)


def _merit(measures, dobj: float, dual_target: float | None, error: float) -> tuple[float, float]:
    """``(merit, bracket)``: the largest relative residual that decides convergence, with the
    dual objective's a-posteriori ``error`` (:func:`dual_error`; the caller charges it too, so
    an iterate is kept by what its answer will be judged by: measured, error feedback with a
    gradient estimate, Lyapunov measure, N = 50: the iterate of the smallest bracket, 9e-9, had
    a dual error of 2.1e-4 while one eight iterations before had 1e-8 and 1e-13). With a
    ``dual_target`` (a value the primal optimum is known to be at most) only the dual must
    converge: dual feasibility, and ``dobj`` within the tolerance of the target. A dual
    objective *above* the target contradicts it and counts as far as it is above."""
    if dual_target is None:
        return max(*measures, error), math.nan
    bracket = relative_bracket(dual_target, dobj)
    return max(measures[1], bracket, error), bracket


def solve_lowrank(
    problem: LowRankSDP, tolerance: float = 1e-9, max_iter: int = 100, dual_target: float | None = None
) -> LowRankSolution:
    """:func:`_solve` with BLAS on one thread: the matrices are small (n = 2N + 2), and threads
    that spin on a shared machine made a 30-step solve 12x slower (measured: 5.9 s -> 0.45 s)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        return _solve(problem, tolerance, max_iter, dual_target)


def _solve(problem: LowRankSDP, tolerance: float, max_iter: int, dual_target: float | None) -> LowRankSolution:
    """Mehrotra predictor-corrector with the HKM direction (module docstring); stops when the
    relative primal and dual infeasibilities and gap are all ``<= tolerance`` (or, with
    ``dual_target``, the dual infeasibility and the distance of the dual objective below the
    target, :func:`_merit`), or when for 10 iterations neither the merit nor the largest
    residual has improved (halved), nor, in a solve without a target that no iterate has brought
    within ``FAR``, the complementarity ``mu``. Far from the optimum the relative gap can stay
    near 1 while the method converges, both objectives shrinking towards the optimum, the dual's
    faster (measured: error feedback's ``distance``, N = 50, third round: the gap 2422 -> 20 in
    absolute terms, 0.1 -> 0.93 relative, was stopped there as stalled; let run, it reaches
    2.4e-6). Nearer, a halving ``mu`` is no sign of progress: it keeps halving after the
    residuals stop moving (counted throughout, compressed gradient descent's ``gradient`` at
    N = 10 took 408 iterations instead of 152, for the same answer), and a targeted solve whose
    target is out of reach must stall."""
    clock = time.perf_counter()
    X, xl, xf, y, Z, zl = _start(problem)
    n, m = problem.size, problem.rows
    best, progress = None, (math.inf, math.inf, 0)  # the smallest max residual and mu, and when
    for iteration in range(max_iter + 1):
        residuals = _residuals(problem, X, xl, xf, y, Z, zl)
        pobj, dobj, measures = _measures(problem, residuals, X, xf, y)
        merit, bracket = _merit(measures, dobj, dual_target, dual_error(problem, measures[1], X, pobj, dobj))
        if best is None or merit < best[1] or not math.isfinite(best[1]):
            best = ((X, xf, y, Z, pobj, dobj, measures, bracket), merit, iteration)
        mu = (float(np.sum(X * Z)) + float(xl @ zl)) / (n + m)
        if max(measures) < 0.5 * progress[0] or (dual_target is None and best[1] > FAR and mu < 0.5 * progress[1]):
            progress = (min(max(measures), progress[0]), min(mu, progress[1]), iteration)
        stalled = iteration - max(best[2], progress[2]) >= 10
        if merit <= tolerance or stalled or iteration == max_iter or not math.isfinite(merit):
            break
        try:
            newton = _Newton(problem, X, Z, xl, zl)
            affine = newton.direction(residuals, -X, -xl)
            ap = min(1.0, _max_step(X, affine[0]), _max_step_vector(xl, affine[1]))
            ad = min(1.0, _max_step(Z, affine[4]), _max_step_vector(zl, affine[5]))
            mu_affine = (float(np.sum((X + ap * affine[0]) * (Z + ad * affine[4]))) + float((xl + ap * affine[1]) @ (zl + ad * affine[5]))) / (n + m)
            sigma = min(1.0, (mu_affine / mu) ** 3)
            Rc = sigma * mu * newton.Zinv - X - affine[0] @ affine[4] @ newton.Zinv
            rcl = sigma * mu / zl - xl - affine[1] * affine[5] / zl
            dX, dxl, dxf, dy, dZ, dzl = newton.direction(residuals, Rc, rcl)
            gamma = 0.9 + 0.09 * min(ap, ad)
            ap = min(1.0, gamma * _max_step(X, dX), gamma * _max_step_vector(xl, dxl))
            ad = min(1.0, gamma * _max_step(Z, dZ), gamma * _max_step_vector(zl, dzl))
        except np.linalg.LinAlgError:
            break
        X, xl, xf = X + ap * dX, xl + ap * dxl, xf + ap * dxf
        y, Z, zl = y + ad * dy, Z + ad * dZ, zl + ad * dzl
    assert best is not None  # set at the first iteration
    (X, xf, y, Z, pobj, dobj, measures, bracket), merit, _ = best
    finite = math.isfinite(merit)
    status = "solved" if finite and merit <= tolerance else ("inaccurate" if finite else "failed")
    return LowRankSolution(
        status=status, X=X, x_f=xf, y=y, Z=Z, primal_objective=pobj, dual_objective=dobj,
        residuals=tuple(float(v) for v in measures), iterations=iteration,
        seconds=time.perf_counter() - clock, tolerance=tolerance, merit=float(merit), bracket=float(bracket),
    )
