r"""The distributed l2-regularised logistic regression of Wang, Safaryan & Richtarik 2022
(Sec. 6) and its smoothness matrices.

The ``m`` rows are sorted by Euclidean norm (stable, ascending) and cut into ``n`` contiguous
groups of near-equal sizes ``m_i``, so that the workers' data, and their smoothness matrices,
differ. Worker ``i`` holds

    ``f_i(x) = (1/m_i) sum_{j in S_i} log(1 + exp(-b_j a_j^T x)) + (lam/2)||x||^2``,
    ``f = (1/n) sum_i f_i``.

**Matrix smoothness.** ``phi(t) = log(1 + e^{-t})`` has ``phi'' = sigma(t)(1 - sigma(t)) <= 1/4``,
so ``grad^2 f_i(x) = (1/m_i) sum_j phi''(b_j a_j^T x) a_j a_j^T + lam I <= L_i`` with

    ``L_i = A_i^T A_i / (4 m_i) + lam I``,

and Taylor's theorem with the integral remainder gives
``f_i(x) <= f_i(y) + <grad f_i(y), x - y> + ||x - y||_{L_i}^2 / 2``. ``f`` is ``lam``-strongly
convex (``mu = lam``) and ``lambda_max(mean_i L_i)``-smooth (``L``); ``L_max`` is the largest
``lambda_max(L_i)``, the scalar constant the standard methods use.

``L_i`` is positive definite (``lam > 0``), so its pseudo-inverse square root is the inverse
square root; both come from one eigendecomposition ``L_i = U diag(e) U^T``.

``x*`` is computed by damped Newton's method on ``f`` (backtracking on ``f``) until the gradient
stops decreasing; ``grad_norm_at_star`` records ``||grad f(x*)||``.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, replace
from fractions import Fraction

import numpy as np

from pepcert.pep.errors import BadInput
from pepcert.pep.library.base import positive_int
from pepcert.saq.data import Dataset
from pepcert.saq.operators import shifted_roots

#: Largest ``n d^2`` (entries of the smoothness matrices, their roots and inverse roots;
#: 3 x 8 bytes each: 720 MB at the limit), checked before anything is allocated.
MAX_MATRIX_ENTRIES = 30_000_000


@dataclass(frozen=True, eq=False)
class LogisticProblem:
    """The n-worker problem (module docstring). Arrays are read-only; per-worker rows are
    padded to a common length ``M`` with zero weight so that every oracle is one numpy call:
    ``rows`` (n, M, d), ``labels`` (n, M), ``weights`` (n, M) = ``1/m_i`` on real rows, 0 on pads."""

    name: str
    lam: float
    rows: np.ndarray
    labels: np.ndarray
    weights: np.ndarray
    sizes: tuple
    smoothness: np.ndarray
    sqrt_smoothness: np.ndarray
    inv_sqrt_smoothness: np.ndarray
    smoothness_eigenvalues: np.ndarray
    L_max: float
    L: float
    x_star: np.ndarray
    grad_norm_at_star: float
    sparse: tuple | None = None  # per worker (A_i, A_i^T) as CSR when the data are sparse
    split: str = "near-equal"
    factored_roots: tuple | None = None  # per worker (L_i^{1/2}, L_i^{-1/2}) as ShiftedLowRank, or None

    def agent_roots(self, i: int) -> tuple:
        """``(L_i^{1/2}, L_i^{-1/2})`` of worker ``i`` as the compressor applies them (``v @ M``):
        identity plus low rank where the worker holds few rows (:data:`LOW_RANK_BELOW`,
        :mod:`pepcert.saq.operators`), else the dense matrices."""
        if self.factored_roots is not None and self.factored_roots[i] is not None:
            return self.factored_roots[i]
        return self.sqrt_smoothness[i], self.inv_sqrt_smoothness[i]

    @property
    def n(self) -> int:
        return self.rows.shape[0]

    @property
    def d(self) -> int:
        return self.rows.shape[2]

    @property
    def mu(self) -> float:
        return self.lam

    def _margins(self, x):
        return self.labels * np.matmul(self.rows, x)

    def gradients(self, x) -> np.ndarray:
        """``grad f_i(x)`` for every worker, shape (n, d):
        ``-(1/m_i) sum_j b_j sigma(-b_j a_j^T x) a_j + lam x`` (batched BLAS products, or one
        sparse product per worker when the data are sparse)."""
        x = np.asarray(x, dtype=float)
        from scipy.special import expit

        if self.sparse is not None:
            out = np.empty((self.n, self.d))
            for i, (A, At) in enumerate(self.sparse):
                m, b = self.sizes[i], self.labels[i, : self.sizes[i]]
                out[i] = At @ (-b * expit(-b * (A @ x)) / m)
            return out + self.lam * x
        coefficient = -self.weights * self.labels * expit(-self._margins(x))
        return np.matmul(coefficient[:, None, :], self.rows)[:, 0, :] + self.lam * x

    def gradient(self, x) -> np.ndarray:
        """``grad f(x) = (1/n) sum_i grad f_i(x)``, shape (d,)."""
        return self.gradients(x).mean(axis=0)

    def values(self, x) -> np.ndarray:
        """``f_i(x)`` for every worker, shape (n,) (``log(1 + e^{-t})`` as ``logaddexp(0, -t)``)."""
        x = np.asarray(x, dtype=float)
        loss = np.sum(self.weights * np.logaddexp(0.0, -self._margins(x)), axis=1)
        return loss + 0.5 * self.lam * float(x @ x)

    def value(self, x) -> float:
        return float(self.values(x).mean())

    def hessian(self, x) -> np.ndarray:
        """``grad^2 f(x) = (1/n) sum_i (1/m_i) sum_j sigma(t_j)(1 - sigma(t_j)) a_j a_j^T + lam I``."""
        from scipy.special import expit

        p = expit(self._margins(np.asarray(x, dtype=float)))
        curvature = self.weights * p * (1.0 - p)
        if self.sparse is not None:
            H = sum((At.multiply(c[: self.sizes[i]]) @ A).toarray()
                    for i, ((A, At), c) in enumerate(zip(self.sparse, curvature))) / self.n
        else:
            flat = self.rows.reshape(-1, self.d)
            H = flat.T @ (flat * curvature.reshape(-1, 1)) / self.n
        return H + self.lam * np.eye(self.d)

    def describe(self) -> str:
        return (f"logistic regression on {self.name}: n = {self.n} workers (rows {list(self.sizes)}), d = {self.d}, "
                f"lambda = {self.lam:g}, L = {self.L:.6g}, L_max = {self.L_max:.6g}, mu = {self.mu:g}")


def _positive_lam(lam) -> float:
    if isinstance(lam, bool) or not isinstance(lam, (numbers.Real, Fraction, str)):
        raise BadInput(f"lambda must be a positive number, got {lam!r}")
    try:
        exact = Fraction(lam) if not isinstance(lam, float) or math.isfinite(lam) else None  # type: ignore[arg-type]  # known: a numpy.float32 raises TypeError
    except (ValueError, ZeroDivisionError):
        exact = None
    if exact is None or exact <= 0:
        raise BadInput(f"lambda must be a positive finite number, got {lam!r}")
    return float(exact)


def _weighted_gram(rows: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """``A_i^T diag(w_i) A_i`` for every worker, (n, d, d), by batched BLAS products."""
    return np.matmul(np.swapaxes(rows, 1, 2), rows * weights[:, :, None])


def _split(dataset: Dataset, workers: int, split: str = "near-equal"):
    """Rows sorted by norm (stable), cut into ``workers`` contiguous groups, padded:
    ``near-equal`` (sizes differ by at most one, every row kept) or ``equal`` (the first
    ``floor(m/n) n`` rows in ``n`` equal parts, the authors' split)."""
    order = np.argsort(np.linalg.norm(dataset.A, axis=1), kind="stable")
    if split == "equal":
        groups = np.split(order[: (dataset.m // workers) * workers], workers)
    else:
        groups = np.array_split(order, workers)
    M = max(len(g) for g in groups)
    rows = np.zeros((workers, M, dataset.d))
    labels = np.zeros((workers, M))
    weights = np.zeros((workers, M))
    for i, g in enumerate(groups):
        rows[i, : len(g)] = dataset.A[g]
        labels[i, : len(g)] = dataset.b[g]
        weights[i, : len(g)] = 1.0 / len(g)
    return rows, labels, weights, tuple(len(g) for g in groups)


#: A worker's ``L_i^{1/2}`` and ``L_i^{-1/2}`` are applied as identity plus rank ``m_i`` when
#: ``m_i <= d / LOW_RANK_BELOW`` (two ``d x m_i`` products instead of one ``d x d``; measured on
#: pd-speech, d = 751, 63 rows a worker: the block claim measured by the authors' protocol, four
#: workers, 13.3 s -> 7.0 s, the same bits and iterations).
LOW_RANK_BELOW = 4


def _matrix_functions(L: np.ndarray):
    """Eigenvalues, ``L^{1/2}``, ``L^{+1/2}`` (pseudo-inverse: eigenvalues <= 1e-14 max dropped)
    and the eigenvectors."""
    e, U = np.linalg.eigh(L)
    e = np.maximum(e, 0.0)
    root = np.sqrt(e)
    keep = e > 1e-14 * e.max(axis=-1, keepdims=True)
    inv_root = np.where(keep, 1.0 / np.where(keep, root, 1.0), 0.0)
    Ut = np.swapaxes(U, 1, 2)
    return e, np.matmul(U * root[:, None, :], Ut), np.matmul(U * inv_root[:, None, :], Ut), U


def _factored_roots(eigenvalues: np.ndarray, vectors: np.ndarray, lam: float, sizes) -> tuple | None:
    """Per worker, ``L_i^{1/2}`` and ``L_i^{-1/2}`` as ``lam``-shifted rank-``m_i`` operators where
    that is cheaper (``L_i - lam I = A_i^T A_i / (4 m_i)`` has rank at most ``m_i``), else None."""
    d = eigenvalues.shape[1]
    roots = tuple(shifted_roots(eigenvalues[i], vectors[i], lam, m) if m * LOW_RANK_BELOW <= d else None
                  for i, m in enumerate(sizes))
    return None if all(root is None for root in roots) else roots


def _sparse_rows(rows: np.ndarray, sizes) -> tuple | None:
    """Per-worker CSR ``(A_i, A_i^T)`` when under 30 % of the entries are nonzero (a sparse
    product then beats the dense one), else None."""
    if np.count_nonzero(rows) > 0.3 * sum(sizes) * rows.shape[2]:
        return None
    from scipy.sparse import csr_matrix

    return tuple((csr_matrix(rows[i, :m]), csr_matrix(rows[i, :m].T)) for i, m in enumerate(sizes))


def _newton(problem: LogisticProblem, iterations: int = 100) -> tuple[np.ndarray, float]:
    """Damped Newton from 0 (Armijo backtracking on f); stops when ``||grad f||`` stops decreasing."""
    x = np.zeros(problem.d)
    g = problem.gradient(x)
    best, best_norm = x, float(np.linalg.norm(g))
    for _ in range(iterations):
        step = np.linalg.solve(problem.hessian(x), -g)
        t, fx, slope = 1.0, problem.value(x), float(g @ step)
        while t > 1e-10 and problem.value(x + t * step) > fx + 1e-4 * t * slope:
            t /= 2
        x = x + t * step
        g = problem.gradient(x)
        norm = float(np.linalg.norm(g))
        if norm < best_norm:
            best, best_norm = x, norm
        elif norm <= 1e-13 * max(problem.L, 1.0):
            break
    return best, best_norm


def logistic_problem(dataset: Dataset, workers: int, lam=1e-3, split: str = "near-equal") -> LogisticProblem:
    """The problem of the module docstring on ``dataset`` split over ``workers`` workers
    (``split``: ``near-equal`` keeps every row, ``equal`` is the authors' split, :func:`_split`).

    Built with one BLAS thread: on the two shared cores of the reference machine a second
    thread costs more than it gains (the four ``eigh`` of 784 x 784 took 0.58 s with one
    thread and 3.0 s with two while other jobs ran)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        return _logistic_problem(dataset, workers, lam, split)


def _logistic_problem(dataset: Dataset, workers: int, lam, split: str) -> LogisticProblem:
    if not isinstance(dataset, Dataset):
        raise BadInput(f"logistic_problem needs a Dataset, got {type(dataset).__name__}")
    if split not in ("near-equal", "equal"):
        raise BadInput(f"split must be 'near-equal' or 'equal', got {split!r}")
    workers = positive_int(workers, "workers", 1, dataset.m)
    lam = _positive_lam(lam)
    if workers * dataset.d**2 > MAX_MATRIX_ENTRIES:
        raise BadInput(f"{workers} workers x d^2 = {workers * dataset.d**2} smoothness-matrix entries exceed the budget of "
                       f"{MAX_MATRIX_ENTRIES} (three such float64 arrays are kept)")
    rows, labels, weights, sizes = _split(dataset, workers, split)
    L = _weighted_gram(rows, weights) / 4.0 + lam * np.eye(dataset.d)
    eigenvalues, sqrt_L, inv_sqrt_L, vectors = _matrix_functions(L)
    arrays = [rows, labels, weights, L, sqrt_L, inv_sqrt_L, eigenvalues]
    for array in arrays:
        array.setflags(write=False)
    problem = LogisticProblem(dataset.name, lam, rows, labels, weights, sizes, L, sqrt_L, inv_sqrt_L,
                              eigenvalues, float(eigenvalues[:, -1].max()),
                              float(np.linalg.eigvalsh(L.mean(axis=0))[-1]), np.zeros(dataset.d), math.inf,
                              _sparse_rows(rows, sizes), split, _factored_roots(eigenvalues, vectors, lam, sizes))
    x_star, grad_norm = _newton(problem)
    x_star.setflags(write=False)
    return replace(problem, x_star=x_star, grad_norm_at_star=grad_norm)
