r"""A numerical certificate moved exactly onto its face (Gauss-Newton), for the float re-check.

At the tight rate ``rho_L`` a certificate ``x = (coefficients, multipliers)`` lies on a face of
its cone: ``S(x) = rho_L B - A + sum_k lambda_k C_k`` has a kernel, ``P`` may too, some
multipliers, weights and linear values are zero. A solver meets those equalities only to its
tolerance (about ``1e-9``), and a kernel eigenvalue of ``-1.7e-9`` then costs the float
threshold (:func:`pepcert.lyapunov.margin.float_threshold_rho`) ``2.7e-8`` above ``rho_L``
(measured: a gradient-estimate method, 8 identical agents, the full family at ``eta*``).
Projecting onto the face read off the solution does not help: its kernel ``Q0`` is known only
to about ``1e-9 / gap`` (the equations ``S(x) Q0 = 0`` are then inconsistent, measured residual
``1.4e-9``). So the kernel moves with ``x``: Gauss-Newton on

.. math:: F(x, Z, Y) = \bigl(S(x)(Q_0 + W_0 Z),\; P(x)(K_0 + V_0 Y),\; A x - b\bigr) = 0,

``W_0`` (``V_0``) the eigenvectors of ``S`` (``P``) off its kernel, ``A x = b`` the
normalisation and the zeros; a least-norm step each iteration, halved until ``|F|`` decreases
(``|F|`` ``5.8e-9 -> 1e-11`` in one step in the case above, then linearly: ``P``'s kernel makes
the root singular). The other eigenvalues, multipliers and values are far from zero, so the
small step keeps them in their cones. The answer is only a candidate: it is accepted through the
same float re-check as any solve's (docs/lyapunov.md, path 1, step 5).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from pepcert.pep.conic import smat, svec_length

if TYPE_CHECKING:  # annotations only: search imports facial, which imports this module
    from pepcert.lyapunov.search import LMIData

KERNEL = 1e-6  # eigenvalues below this fraction of the largest (multipliers, values: of the largest variable) are zeros
# Linear convergence at the singular root (|F| / 4 a step): from a solve's 1e-8 to CONVERGED takes
# 11-12 steps when the first step leaves 5e-10 (OpenBLAS's Haswell kernels, 8 agents), 6 from 3e-12.
ITERATIONS = 20
CONVERGED = 1e-14  # |F| relative to the data's scale
DAMPING = (1.0, 0.5, 0.25, 0.125, 0.0625)  # the fractions of a Gauss-Newton step tried, in order


def onto_face(data: LMIData, rho: float, coefficients: np.ndarray, multipliers: np.ndarray):
    """``(coefficients, multipliers)`` on the face the solution lies on at ``rho`` (the module
    docstring): the Gauss-Newton iterate with the smallest ``|F|`` (at most :data:`ITERATIONS`,
    fewer once ``|F|`` is below :data:`CONVERGED` or stops decreasing)."""
    T = data.n_terms
    x = np.concatenate([coefficients, multipliers]).astype(float)
    S_cols = np.concatenate([rho * data.before_mats - data.after_mats, data.constraint_mats])
    blocks = [_kernel_block(S_cols, x)]
    if data.psd_size is not None:
        M = data.psd_map if data.psd_map is not None else np.eye(T)[: svec_length(data.psd_size)]
        P_cols = np.zeros((len(x), data.psd_size, data.psd_size))
        P_cols[:T] = np.stack([smat(column) for column in M.T])
        blocks.append(_kernel_block(P_cols, x))
    blocks = [block for block in blocks if block is not None]
    A, b = _zeros(data, rho, x)
    scale = max(float(np.abs(S_cols).max()), 1e-300)
    best = (np.inf, x)
    for _ in range(ITERATIONS):
        residual, jacobian = _system(blocks, A, b, x)
        size = float(np.abs(residual).max())
        if not size < best[0]:
            break
        best = (size, x)
        if size <= CONVERGED * scale:
            break
        x = _damped_step(blocks, A, b, x, np.linalg.lstsq(jacobian, -residual, rcond=None)[0], size)
    return best[1][:T], best[1][T:]


def _damped_step(blocks, A: np.ndarray, b: np.ndarray, x: np.ndarray, step: np.ndarray, size: float) -> np.ndarray:
    """``x`` (and each block's ``Z``, in place) moved by the Gauss-Newton ``step``, halved up to
    four times until ``|F|`` falls below ``size`` (a full step was measured to raise it from
    5.7e-8 to 7.2e-8 on a solution far from the face: tests/lyapunov/test_face.py, 8 agents, mu = 0.01)."""
    starts = [block[3].copy() for block in blocks]
    for fraction in DAMPING:
        moved = x + fraction * step[: len(x)]
        offset = len(x)
        for block, start in zip(blocks, starts):
            block[3] = start + fraction * step[offset: offset + start.size].reshape(start.shape)
            offset += start.size
        if float(np.abs(_system(blocks, A, b, moved)[0]).max()) < size:
            break
    return moved


def _kernel_block(cols: np.ndarray, x: np.ndarray):
    """``[cols, Q0, W0, Z]`` for the matrix ``sum_j x_j cols[j]``: its kernel (eigenvalues below
    :data:`KERNEL` of the largest), the other eigenvectors and the kernel's correction; ``None``
    without a kernel."""
    values, vectors = np.linalg.eigh(np.tensordot(x, cols, axes=1))
    q = int(np.sum(values < KERNEL * max(abs(values[-1]), 1e-300)))
    if q == 0 or q == len(values):
        return None
    return [cols, vectors[:, :q], vectors[:, q:], np.zeros((len(values) - q, q))]


def _zeros(data: LMIData, rho: float, x: np.ndarray):
    """``(A, b)``: the normalisation, and the linear values, inequality multipliers and
    nonnegative weights that are zero on the face (below :data:`KERNEL` of the largest variable:
    the normalisation puts the weights at about 1)."""
    T, N = data.n_terms, len(x)
    zero = KERNEL * max(float(np.abs(x).max()), 1e-300)
    lin_cols = np.concatenate([rho * data.before_rows - data.after_rows, data.constraint_rows])[:, data.active_values]
    rows = [np.concatenate([data.normalisation, np.zeros(N - T)])[None, :]]
    rows.append(lin_cols[:, np.abs(x @ lin_cols) <= zero].T)
    fixed = [T + int(k) for k in np.flatnonzero(x[T: T + data.n_inequalities] <= zero)]
    fixed += [i for i in data.nonneg_terms if x[i] <= zero]
    rows.append(np.eye(N)[fixed])
    A = np.concatenate(rows)
    b = np.zeros(len(A))
    b[0] = 1.0
    return A, b


def _system(blocks, A: np.ndarray, b: np.ndarray, x: np.ndarray):
    """``F`` and its Jacobian in ``(x, Z_1, Z_2, ...)``: ``d(M Q) = M(dx) Q + M W0 dZ``."""
    residuals, rows = [], []
    widths = [block[3].size for block in blocks]
    for index, (cols, Q0, W0, Z) in enumerate(blocks):
        Q = Q0 + W0 @ Z
        M = np.tensordot(x, cols, axes=1)
        n, q = Q.shape
        residuals.append((M @ Q).ravel())
        dZ = np.einsum("ak,cd->ackd", M @ W0, np.eye(q)).reshape(n * q, -1)  # column c of Z moves column c of MQ
        row = [np.einsum("jab,bc->acj", cols, Q).reshape(n * q, len(x))]
        row += [dZ if other == index else np.zeros((n * q, width)) for other, width in enumerate(widths)]
        rows.append(np.concatenate(row, axis=1))
    residuals.append(A @ x - b)
    rows.append(np.concatenate([A] + [np.zeros((len(A), width)) for width in widths], axis=1))
    return np.concatenate(residuals), np.concatenate(rows)


__all__ = ["CONVERGED", "DAMPING", "ITERATIONS", "KERNEL", "onto_face"]
