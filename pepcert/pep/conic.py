"""A small standard conic form shared by every solver back-end.

    minimise    c^T x
    subject to  A x + s = b,   s in K = {0}^z  x  R_+^l  x  S_+^{n_1}  x ... x  S_+^{n_k}

PSD blocks are vectorised with :func:`svec`: the upper triangle column by column
(``(0,0), (0,1), (1,1), (0,2), ...``) with off-diagonal entries scaled by ``sqrt(2)`` so that
``svec(X) . svec(Y) = <X, Y>``. This is Clarabel's convention; other back-ends permute rows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

SQRT2 = math.sqrt(2.0)


def svec_length(n: int) -> int:
    return n * (n + 1) // 2


@lru_cache(maxsize=64)
def _svec_indices(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    cols, rows = np.tril_indices(n)  # (col, row) of the lower triangle, row by row
    scale = np.where(rows == cols, 1.0, SQRT2)
    for array in (rows, cols, scale):
        array.setflags(write=False)  # shared between callers: read-only
    return rows, cols, scale


def svec_indices(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Row and column of each svec coordinate (upper triangle, column-major)."""
    rows, cols, _ = _svec_indices(n)
    return rows, cols


def svec(matrix: np.ndarray) -> np.ndarray:
    """Scaled upper-triangular vectorisation of a symmetric matrix (float); also accepts a
    stack of matrices ``(..., n, n)`` and vectorises each."""
    matrix = np.asarray(matrix, dtype=float)
    rows, cols, scale = _svec_indices(matrix.shape[-1])
    return matrix[..., rows, cols] * scale


def smat(vector: np.ndarray) -> np.ndarray:
    """Inverse of :func:`svec`."""
    length = len(vector)
    n = int(round((math.sqrt(8 * length + 1) - 1) / 2))
    rows, cols, scale = _svec_indices(n)
    values = np.asarray(vector, dtype=float) / scale
    matrix = np.zeros((n, n))
    matrix[rows, cols] = values
    matrix[cols, rows] = values
    return matrix


@dataclass(frozen=True)
class CSCMatrix:
    """A compressed-sparse-column matrix in plain numpy arrays.

    Clarabel reads exactly these attributes, so the problems reach it without importing
    ``scipy.sparse`` (~0.2 s of a cold command); :meth:`to_scipy` converts for other back-ends.
    """

    shape: tuple[int, int]
    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray
    has_canonical_format = True  # sorted row indices, no duplicates

    @classmethod
    def from_dense(cls, dense: np.ndarray) -> CSCMatrix:
        dense = np.asarray(dense, dtype=float)
        cols, rows = np.nonzero(dense.T)  # column-major order: by column, then row
        counts = np.bincount(cols, minlength=dense.shape[1])
        indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        return cls(dense.shape, indptr, rows.astype(np.int64), dense[rows, cols])

    @classmethod
    def zeros(cls, shape) -> CSCMatrix:
        return cls(tuple(shape), np.zeros(shape[1] + 1, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0))

    def toarray(self) -> np.ndarray:
        dense = np.zeros(self.shape)
        cols = np.repeat(np.arange(self.shape[1]), np.diff(self.indptr))
        dense[self.indices, cols] = self.data
        return dense

    def to_scipy(self):
        import scipy.sparse as sp

        return sp.csc_matrix((self.data, self.indices, self.indptr), shape=self.shape)

    def rmatvec(self, y: np.ndarray) -> np.ndarray:
        """``A^T y``."""
        products = self.data * np.asarray(y, float)[self.indices]
        sums = np.concatenate([[0.0], np.cumsum(products)])
        return sums[self.indptr[1:]] - sums[self.indptr[:-1]]

    def __matmul__(self, x: np.ndarray) -> np.ndarray:
        cols = np.repeat(np.arange(self.shape[1]), np.diff(self.indptr))
        return np.bincount(self.indices, weights=self.data * np.asarray(x, float)[cols], minlength=self.shape[0])


@dataclass(frozen=True)
class ConicProblem:
    """``min c^T x  s.t.  A x + s = b,  s in K`` with rows ordered zero, nonneg, PSD blocks."""

    c: np.ndarray
    A: CSCMatrix
    b: np.ndarray
    zero: int
    nonneg: int
    psd: tuple[int, ...] = field(default_factory=tuple)

    def __post_init__(self):
        expected = self.zero + self.nonneg + sum(svec_length(n) for n in self.psd)
        if self.A.shape != (expected, len(self.c)) or len(self.b) != expected:
            raise ValueError(
                f"conic problem shapes disagree: A {self.A.shape}, b {len(self.b)}, "
                f"cones need {expected} rows and c has {len(self.c)} entries"
            )

    @property
    def n_variables(self) -> int:
        return len(self.c)


@dataclass(frozen=True)
class ConicSolution:
    """A back-end's answer. Only ``status == "solved"`` may be used as a result."""

    status: str  # "solved", "inaccurate", "infeasible", "unbounded", "failed"
    x: np.ndarray
    y: np.ndarray  # dual multipliers, one per row of A (>= 0 on the nonnegative rows)
    objective: float
    solver: str
    seconds: float
    iterations: int
    raw_status: str
    tolerance: float = float("nan")  # the stopping tolerance the solver met
    residuals: tuple[float, float, float] | None = None  # (primal, dual, gap) when recomputed

    @property
    def solved(self) -> bool:
        return self.status == "solved"


class ConicBuilder:
    """Collects variables and cone rows, then emits a :class:`ConicProblem`.

    Rows are affine in the variables: ``row(x) = sum coeffs * x + constant`` and the builder
    stores the cone constraint ``row(x) in K`` as ``A x + s = b`` with ``A = -coeffs``,
    ``b = constant``.
    """

    def __init__(self) -> None:
        self._names: list[str] = []
        self._blocks: dict[str, list] = {"zero": [], "nonneg": [], "psd": []}

    def variables(self, name: str, count: int) -> np.ndarray:
        start = len(self._names)
        self._names.extend(f"{name}[{k}]" for k in range(count))
        return np.arange(start, start + count)

    @property
    def n_variables(self) -> int:
        return len(self._names)

    def _append(self, kind: str, coefficients, constant: np.ndarray, size=None):
        dense = coefficients.toarray() if hasattr(coefficients, "toarray") else np.asarray(coefficients, dtype=float)
        self._blocks[kind].append((np.atleast_2d(dense), np.asarray(constant, float).reshape(-1), size))

    def equal_zero(self, coefficients, constant) -> None:
        self._append("zero", coefficients, constant)

    def nonnegative(self, coefficients, constant) -> None:
        self._append("nonneg", coefficients, constant)

    def psd(self, coefficients, constant, size: int) -> None:
        """``smat(coefficients @ x + constant) >= 0``; rows in :func:`svec` order."""
        if coefficients.shape[0] != svec_length(size):
            raise ValueError("PSD block rows must be svec coordinates")
        self._append("psd", coefficients, constant, size)

    def build(self, objective: np.ndarray) -> tuple[ConicProblem, dict[str, slice]]:
        """The problem and, per cone kind, the row slice of each block in order.

        Blocks are kept dense while building (the problems here are small) and converted to
        one sparse matrix at the end, which is much cheaper than stacking sparse blocks.
        """
        n = self.n_variables
        blocks, constants, slices, row = [], [], {}, 0
        for kind in ("zero", "nonneg", "psd"):
            for index, (coefficients, constant, _) in enumerate(self._blocks[kind]):
                width = coefficients.shape[1]
                if width < n:
                    coefficients = np.pad(coefficients, ((0, 0), (0, n - width)))
                blocks.append(coefficients)
                constants.append(constant)
                slices[f"{kind}{index}"] = slice(row, row + coefficients.shape[0])
                row += coefficients.shape[0]
        A = CSCMatrix.from_dense(-np.vstack(blocks)) if blocks else CSCMatrix.from_dense(np.zeros((0, n)))
        b = np.concatenate(constants) if constants else np.zeros(0)
        problem = ConicProblem(
            c=np.asarray(objective, float),
            A=A,
            b=b,
            zero=sum(c.shape[0] for c, _, _ in self._blocks["zero"]),
            nonneg=sum(c.shape[0] for c, _, _ in self._blocks["nonneg"]),
            psd=tuple(size for _, _, size in self._blocks["psd"]),
        )
        return problem, slices
