r"""The residual of a one-step problem under a proof, and its exact ``LDL^T``.

For a one-step problem (:func:`pepcert.lyapunov.onestep.one_step`) with inequalities
``c_k <= 0``, a rate ``rho``, a Lyapunov function ``V`` and multipliers ``lambda_k``, the
residual

.. math:: R = \rho V_0 - \mathbb E V_1 + \sum_k \lambda_k c_k = \langle S, G\rangle + \ell^\top F + c

is a quadratic form in the basis vectors (Gram matrix ``G``) plus a linear form in the basis
function values ``F`` (each ``f(x_i) - f_* >= 0``) and a constant. Its coefficients are
computed from the problem's own ``Scalar`` s and mapped, entry by entry, into a field of
rational functions over the rationals (exact; an element is zero iff it cancels).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from pepcert.pep.errors import BadInput


def lyapunov_arguments(problem, lyapunov) -> dict:
    """Keyword arguments of :meth:`OneStep.decrease` for a :class:`Lyapunov`."""
    if problem.is_full:
        if lyapunov.matrix is None:
            raise BadInput("the one-step problem uses the full family: give the Lyapunov matrix P")
        size = len(problem.feature_names)
        if len(lyapunov.matrix) != size or any(len(row) != size for row in lyapunov.matrix):
            raise BadInput(f"the Lyapunov matrix must be {size}x{size} (features {problem.feature_names})")
        return {"matrix": lyapunov.matrix, "gap_weight": lyapunov.gap}
    if len(lyapunov.weights) != len(problem.term_names):
        raise BadInput(f"the family has {len(problem.term_names)} terms {problem.term_names}; "
                       f"the proof gives {len(lyapunov.weights)} weights")
    return {"weights": lyapunov.weights}


def residual(problem, rate, lyapunov, multipliers: Mapping, element: Callable) -> tuple:
    """``(S, l, c)`` of the residual: ``S`` as rows of field elements, ``l`` the value row,
    ``c`` the constant, each converted by ``element`` (sympy expression -> field element).
    Raises ``KeyError`` naming a multiplier whose constraint the problem does not have."""
    constraints = dict(problem.constraints)
    unknown = sorted(set(multipliers) - set(constraints))
    if unknown:
        raise KeyError(f"no constraint named {unknown} in the one-step problem of {problem.method.name}")
    total = problem.decrease(rate, **lyapunov_arguments(problem, lyapunov))
    for name, value in multipliers.items():
        total = total + value * constraints[name]
    n, m = problem.basis.n_vectors, problem.basis.n_values
    gram = [[element(v) for v in row] for row in total.gram_matrix(n, dtype=object).tolist()]
    values = [element(v) for v in total.value_row(m, dtype=object)]
    return gram, values, element(total.constant)


def basis_index(problem, reference) -> int:
    """A basis vector of ``problem``: its name (``"c0"``), or ``("before"|"after", i)`` for
    the i-th Lyapunov feature (state variables, then ``grad f(x)``) when that feature is a
    single basis vector."""
    if isinstance(reference, int):
        return reference
    if isinstance(reference, str):
        try:
            return problem.basis.vector_names.index(reference)
        except ValueError:
            raise BadInput(f"no basis vector named {reference!r}; the basis is {problem.basis.vector_names}") from None
    side, position = reference
    vector = (problem.before if side == "before" else problem.after[0]).vectors[position]
    if len(vector.coefficients) != 1:
        raise BadInput(f"the feature {reference} is not a single basis vector; name a basis vector instead")
    (index,) = vector.coefficients
    return index


def ldl_squares(gram, order: Sequence[int], zero) -> tuple[list, str]:
    """Exact ``LDL^T`` of the symmetric ``gram`` (rows of field elements) along ``order``:
    ``([(d_i, w_i)], problem)`` with ``gram = sum d_i w_i w_i^T`` when the elimination
    exhausts it. A zero pivot with a nonzero row stops it (``problem`` says where)."""
    size = len(gram)
    remainder = [row[:] for row in gram]
    squares: list = []
    for index in order:
        pivot = remainder[index][index]
        if pivot == 0:
            if all(x == zero for x in remainder[index]):
                continue
            return squares, f"zero pivot with a nonzero row at basis vector {index}: S is not PSD (or reorder the pivots)"
        column = [remainder[i][index] / pivot for i in range(size)]
        squares.append((pivot, column))
        remainder = [[remainder[i][j] - pivot * column[i] * column[j] for j in range(size)] for i in range(size)]
    return squares, ""


def identity_holds(gram, squares, zero) -> bool:
    """``S - sum_i d_i w_i w_i^T == 0`` entrywise (recomputed from the factors; ``S`` is
    symmetric, so the upper triangle and the symmetry are checked)."""
    size = len(gram)
    total = [[zero] * size for _ in range(size)]
    for d, w in squares:
        support = [i for i in range(size) if w[i] != 0]
        scaled = {i: d * w[i] for i in support}
        for position, i in enumerate(support):
            for j in support[position:]:
                total[i][j] = total[i][j] + scaled[i] * w[j]
    return all(gram[i][j] == gram[j][i] and gram[i][j] - total[i][j] == 0 for i in range(size) for j in range(i, size))
