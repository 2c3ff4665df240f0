r"""An iterate basis for the N-step problem, and the chordal structure it gives.

The trace's basis (``docs/worst-case.md``) is the initial state, the gradients and the
compressor outputs; an iterate is then a sum over every earlier step (for a method that moves
by its compressor outputs, ``x_k = x_0 - sum_{j<k} c_j``), so every interpolation inequality
involves ``O(N)`` basis vectors and the Gram matrix of the PEP is dense. Any other basis of the
same space gives the same problem (``G_u = T G_b T^T`` for ``u = T b``). Here the basis is made
of the iterates themselves where they are independent: the method's state after every step
(component by component, ``x_0 .. x_N`` first), then the gradients at the oracle points, then
the trace's own vectors for whatever is left, each kept when it is linearly independent of those
already kept (:func:`iterate_basis`). For the papers' compressed methods this is their states
(and the gradients where the state does not determine them), and every inequality between
neighbouring points involves the basis vectors of three consecutive steps only.

Ordered by step, the inequalities' supports then form a *banded* graph: :func:`chordal_cliques`
returns the maximal cliques of its chordal extension (symbolic elimination in that order). By
Grone, Johnson, Sá & Wolkowicz (1984) a partial symmetric matrix on a chordal pattern has a
positive semidefinite completion if and only if every clique's block is positive
semidefinite, so the PSD constraint on ``G`` becomes one small block per clique
(:mod:`pepcert.pep.chordal_nstep`). :func:`max_det_completion` completes such a partial matrix
(the completion of largest determinant, whose inverse has the pattern's sparsity; Vandenberghe &
Andersen, *Chordal graphs and semidefinite optimization*, 2015, Section 10.2), so that every
omitted pair can be checked at a full Gram matrix.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from pepcert.pep.expressions import coefficient_matrix

INDEPENDENT = 1e-9  # a candidate is kept when this fraction of its norm is new
SUPPORT = 1e-8  # coefficients below this fraction of a row's largest are rounding (convert)


@dataclass(frozen=True)
class IterateBasis:
    """``u = T b``: row ``t`` of ``T`` is new basis vector ``t`` over the trace's basis; ``blocks``
    is the step each new vector belongs to (its latest trace vector's step, as
    :func:`pepcert.pep.cutting.step_scales` counts), in nondecreasing order."""

    T: np.ndarray
    blocks: np.ndarray
    lu: tuple

    @property
    def size(self) -> int:
        return len(self.T)

    def convert(self, rows: np.ndarray) -> np.ndarray:
        """The coefficients over ``u`` of the vectors whose rows over ``b`` are ``rows``
        (``T^{-T} a``), sparse: the LU solution's entries below :data:`SUPPORT` of a row's
        largest are rounding (``T`` has condition numbers near 3e5 at N = 500, so the solve
        leaves entries near 1e-11 everywhere), and the coefficients on the remaining support
        are fitted again by least squares. Raises ``ValueError`` when they do not give the
        vectors back (to 1e-9 of their size)."""
        import scipy.linalg as sl

        rows = np.atleast_2d(np.asarray(rows, dtype=float))
        if rows.shape[0] == 0:
            return rows.copy()
        solved = sl.lu_solve(self.lu, rows.T, trans=1).T
        new = np.zeros_like(solved)
        largest = np.abs(solved).max(axis=1)
        for k, row in enumerate(rows):
            support = np.flatnonzero(np.abs(solved[k]) > SUPPORT * largest[k])
            if len(support):
                new[k, support] = np.linalg.lstsq(self.T[support].T, row, rcond=None)[0]
        back = new @ self.T
        if np.abs(back - rows).max() > 1e-9 * max(1.0, float(np.abs(rows).max())):
            raise ValueError("the iterate basis does not represent the trace's vectors accurately")
        return new

    def gram_back(self, G_new: np.ndarray) -> np.ndarray:
        """``G_b = T^{-1} G_u T^{-T}``: the Gram matrix over the trace's basis."""
        import scipy.linalg as sl

        left = sl.lu_solve(self.lu, G_new)  # T^{-1} G_u
        return sl.lu_solve(self.lu, left.T).T  # (T^{-1} (T^{-1} G_u)^T)^T


def _candidates(trace) -> np.ndarray:
    """The candidate rows in order of preference (module docstring)."""
    n = trace.basis.n_vectors
    groups = []
    if trace.states:
        for component in range(len(trace.states[0])):
            groups.append(coefficient_matrix([state[component] for state in trace.states], n))
    groups.append(coefficient_matrix([point.g for point in trace.points[1:]], n))
    groups.append(np.eye(n))
    return np.concatenate(groups)


def _select(candidates: np.ndarray, n: int) -> list[int]:
    """Indices of a maximal linearly independent subset, greedily in order (Gram-Schmidt with
    reorthogonalisation, a block of candidates projected at once)."""
    Q = np.zeros((n, n))
    kept: list[int] = []
    block = max(64, n // 4)
    for start in range(0, len(candidates), block):
        C = candidates[start:start + block]
        norms = np.linalg.norm(C, axis=1)
        basis = Q[: len(kept)]
        R = C - (C @ basis.T) @ basis
        R -= (R @ basis.T) @ basis
        for k in np.flatnonzero(np.linalg.norm(R, axis=1) > INDEPENDENT * norms):
            local = Q[len(kept) - _local_count(kept, start): len(kept)]
            r = R[k] - (local @ R[k]) @ local
            r -= (local @ r) @ local
            norm = float(np.linalg.norm(r))
            if norm > INDEPENDENT * norms[k]:
                Q[len(kept)] = r / norm
                kept.append(start + int(k))
                if len(kept) == n:
                    return kept
    return kept


def _local_count(kept: list[int], start: int) -> int:
    """How many kept indices are from the current block (at or after ``start``)."""
    count = 0
    for index in reversed(kept):
        if index < start:
            break
        count += 1
    return count


def iterate_basis(trace, marks) -> IterateBasis:
    """The iterate basis of a traced run (module docstring); ``marks`` as recorded by the
    symbolic run (the basis size after each step)."""
    import scipy.linalg as sl

    n = trace.basis.n_vectors
    candidates = _candidates(trace)
    kept = _select(candidates, n)
    if len(kept) != n:
        raise ValueError("the candidates do not span the trace's basis")
    last = np.array([np.flatnonzero(candidates[k])[-1] for k in kept])
    blocks = np.searchsorted([mark[0] for mark in marks], last, side="right")
    order = np.lexsort((np.array(kept), blocks))
    T = candidates[np.array(kept)[order]]
    return IterateBasis(T, blocks[order], sl.lu_factor(T))


def chordal_cliques(n: int, supports) -> list[np.ndarray]:
    """The maximal cliques of the chordal extension, by symbolic elimination in the order
    ``0 .. n-1``, of the graph in which every support (a set of vertices) is a clique."""
    higher: list[set] = [set() for _ in range(n)]
    for support in supports:
        ordered = sorted(set(int(v) for v in support))
        for position, v in enumerate(ordered):
            higher[v].update(ordered[position + 1:])
    cliques, parent = [], np.full(n, -1)
    for v in range(n):
        above = sorted(higher[v])
        if above:
            parent[v] = above[0]
            higher[above[0]].update(above[1:])
        cliques.append([v] + above)
    maximal = np.ones(n, dtype=bool)
    for v in range(n):
        if parent[v] >= 0 and len(cliques[v]) == len(cliques[parent[v]]) + 1:
            maximal[parent[v]] = False  # its clique lies inside v's
    return [np.array(cliques[v]) for v in range(n) if maximal[v]]


def pattern_parents(n: int, cliques) -> list[np.ndarray]:
    """For every vertex ``v``, its higher neighbours in the chordal pattern of ``cliques``."""
    higher: list[set] = [set() for _ in range(n)]
    for clique in cliques:
        for position, v in enumerate(clique):
            higher[int(v)].update(int(w) for w in clique[position + 1:])
    return [np.array(sorted(h), dtype=np.int64) for h in higher]


def max_det_completion(partial: np.ndarray, higher: list[np.ndarray]) -> np.ndarray:
    """A positive semidefinite completion of ``partial`` (read on its chordal pattern only;
    ``higher`` from :func:`pattern_parents`): ``Y = L^{-T} diag(s) L^{-1}`` with ``L`` unit lower
    triangular, ``L[a_j, j] = -X[a_j, a_j]^+ X[a_j, j]`` and ``s_j`` the Schur complement of
    ``X[a_j, a_j]`` (clipped at 0), ``a_j`` the higher neighbours of ``j``. On a positive
    definite partial matrix this is the completion of largest determinant."""
    import scipy.linalg as sl

    n = len(partial)
    L = np.eye(n)
    schur = np.zeros(n)
    for j in range(n):
        a = higher[j]
        if len(a) == 0:
            schur[j] = max(float(partial[j, j]), 0.0)
            continue
        block, column = partial[np.ix_(a, a)], partial[a, j]
        solution = np.linalg.lstsq(block, column, rcond=1e-13)[0]
        L[a, j] = -solution
        schur[j] = max(float(partial[j, j] - column @ solution), 0.0)
    inverse = sl.solve_triangular(L, np.eye(n), lower=True, unit_diagonal=True)
    K = np.sqrt(schur)[:, None] * inverse
    return K.T @ K


def factor_completion(partial: np.ndarray, higher: list[np.ndarray]) -> np.ndarray:
    """A positive semidefinite completion ``Y Y^T`` of ``partial`` (read on its chordal pattern
    only; ``higher`` from :func:`pattern_parents`), built from the last vertex down: row ``j``
    of ``Y`` is the least-squares combination of its higher neighbours' rows ``Y[a_j]`` that
    matches ``partial[a_j, j]`` (``Y[a_j]^+ partial[a_j, j]``), plus its own new coordinate, the
    square root of the Schur complement ``partial[j, j] - ||y_j||^2`` (clipped at 0). On a
    positive definite partial matrix ``Y[a_j] Y[a_j]^T = X[a_j, a_j]``, so ``y_j . y_h = X[h, a_j]
    X[a_j, a_j]^{-1} X[a_j, j]`` off the pattern: the completion of largest determinant
    (Vandenberghe & Andersen 2015, Section 10.2), as :func:`max_det_completion` builds it.
    Working on the rows themselves keeps the pattern's entries where the blocks are nearly
    singular, where the unit-triangular inverse of :func:`max_det_completion` grew and lost them
    (measured: the working set's own rows violated by 2e5 on gradient descent's ``function``
    worst case, N = 20). Where both keep the pattern they may still differ off it (nearly
    singular blocks leave many completions) and either may be the one that meets the omitted
    pairs: measured, only the triangular form closes compressed gradient's ``distance`` at N = 200."""
    n = len(partial)
    Y = np.zeros((n, n))
    for j in range(n - 1, -1, -1):
        a = higher[j]
        if len(a):  # rows of higher vertices live in columns > j
            Y[j] = np.linalg.lstsq(Y[a], partial[a, j], rcond=1e-10)[0]
        Y[j, j] = math.sqrt(max(float(partial[j, j]) - float(Y[j] @ Y[j]), 0.0))
    return Y @ Y.T
