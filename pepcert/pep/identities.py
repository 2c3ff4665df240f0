r"""Equality constraints of a problem: scalar identities ``e = 0`` and vector identities ``u = 0``.

A function class may state equalities besides its inequalities (the quadratic class
``mu = L``: ``g_i - g_1 = L (x_i - x_1)`` and exact values; :mod:`pepcert.pep.functions`). A
vector identity is a statement about the Gram matrix ``G`` (PSD): with ``a`` the coefficients of
``u`` over the basis, ``u = 0`` in every realisation iff ``a^T G a = 0`` iff ``G a = 0``, i.e.
``<u, b_j> = 0`` for every basis vector ``b_j``. Two ways to hand this to a solver:

* as scalar equalities (:func:`gram_equalities`), one free multiplier each -- what the one-step
  Lyapunov inequality and the exact certificates use (the dual side: its multipliers span every
  form ``sym(a w^T)`` that vanishes on the face, so the S-procedure stays exact);
* as a face (:func:`face_basis`): ``G = T H T^T`` with the columns of ``T`` an orthonormal basis
  of ``{a_i}^perp`` -- what the N-step worst case uses (the primal side: stated as equalities,
  ``G`` would have no positive definite feasible point and interior-point methods lose digits
  there; measured 1.1e-7 relative on a 2-step worst case at a 1e-8 stopping tolerance).

**An independent set of Gram equalities.** Each identity ``u_i`` has a *pivot*, the last
basis vector it involves. For the quadratic class that is the gradient at ``x_i``, created
after everything ``x_i`` is made of, so distinct identities have distinct pivots and
``{a_i} + {e_j : j not a pivot}`` is a basis (triangular, nonzero diagonal). Then
``<u_i, u_k> = 0`` (``i <= k``) and ``<u_i, b_j> = 0`` (``j`` not a pivot) are linearly
independent and span every ``<u_i, w> = 0``: no redundant row reaches a solver. Without
distinct pivots every ``<u_i, b_j> = 0`` is stated (complete, with redundant rows).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from pepcert.pep.expressions import Scalar, Vector, coefficient_matrix, inner


def split(entries: Sequence[tuple[str, object]]) -> tuple[list[tuple[str, Scalar]], list[tuple[str, Vector]]]:
    """``(scalar identities, vector identities)`` of a class's :meth:`equalities`."""
    scalars = [(name, e) for name, e in entries if isinstance(e, Scalar)]
    vectors = [(name, e) for name, e in entries if isinstance(e, Vector) and not e.is_zero()]
    if len(scalars) + sum(isinstance(e, Vector) for _, e in entries) != len(entries):
        raise TypeError("a class's equalities must be scalars or vectors of the problem")
    return scalars, vectors


def _pivot(u: Vector) -> int:
    return max(u.coefficients)


def gram_equalities(vectors: Sequence[tuple[str, Vector]], basis) -> list[tuple[str, Scalar]]:
    """The vector identities as scalar Gram equalities ``== 0`` (module docstring)."""
    if not vectors:
        return []
    pivots = [_pivot(u) for _, u in vectors]
    distinct = len(set(pivots)) == len(pivots)
    excluded = set(pivots) if distinct else set()
    names = basis.vector_names
    rows = []
    for a, (name, u) in enumerate(vectors):
        for j in range(basis.n_vectors):
            if j not in excluded:
                rows.append((f"{name}*{names[j]}", inner(u, Vector(basis, {j: 1}))))
        if distinct:
            rows.extend((f"{name}*{other}", inner(u, w)) for other, w in vectors[a:])
    return [(name, scalar) for name, scalar in rows if scalar.quadratic]


def face_basis(vectors: Sequence[tuple[str, Vector]], n: int) -> np.ndarray | None:
    """``T`` (``n x r``, orthonormal columns) spanning the complement of the identities'
    coefficients, or ``None`` when there are none (``G = T H T^T`` on the face ``G a_i = 0``)."""
    if not vectors:
        return None
    A = coefficient_matrix([u for _, u in vectors], n)
    _, singular, Vt = np.linalg.svd(A, full_matrices=True)
    rank = int(np.sum(singular > 1e-12 * max(1.0, float(singular[0]))))
    return Vt[rank:].T
