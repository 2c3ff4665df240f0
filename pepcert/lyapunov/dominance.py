r"""Does a Lyapunov function control the method's whole state?

A certificate ``E V_1 <= rho V_0`` is a rate *of the method* only when ``V`` bounds the distance
of the whole state to its optimum,

.. math:: V(\xi) \ge c \sum_i \lVert \xi_i - \xi_{i,\star}\rVert^2 \qquad (c > 0)

for every state the classes allow; otherwise it is the rate of that ``V`` alone (gradient descent
that also carries ``z_{k+1} = 2 z_k`` has ``V = \lVert x - x_\star\rVert^2`` contracting while the
state grows). The inequality is proven like the one-step inequality (S-procedure): multipliers
``lambda_k >= 0`` of the class inequalities ``c_k <= 0`` and free multipliers ``nu_l`` of the
class equalities ``e_l = 0`` (quadratic classes) that involve only the point before the step
and the optimum, with

.. math:: V - c D + \sum_k \lambda_k c_k + \sum_l \nu_l e_l = \langle S, G\rangle + \ell^\top F,
          \qquad S \succeq 0,\ \ell \ge 0 .

``D`` is the squared distance of the state. For ``V = f - f_*`` on ``mu``-strongly convex
functions the interpolation inequality between ``x`` and ``x_*`` gives ``c = mu / 2``; for
``mu = 0`` no ``c > 0`` exists. :func:`find_dominance` solves for the largest ``c`` in floating
point and rounds it to a rational certificate; :func:`check_dominance` verifies one exactly
(``LDL^T`` of ``S``, every sign).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from pepcert.lyapunov.onestep import OneStep
from pepcert.pep.conic import ConicBuilder, svec
from pepcert.pep.expressions import Scalar, norm2
from pepcert.pep.numerics.psd import psd_certificate


@dataclass(frozen=True)
class Dominance:
    """``V >= c D`` with multipliers, one per inequality in :func:`local_constraints` (``>= 0``)
    and one per equality in :func:`local_equalities` (free)."""

    c: Fraction
    multipliers: tuple[Fraction, ...]
    equality_multipliers: tuple[Fraction, ...] = ()


def distance(step: OneStep) -> Scalar:
    """``D = sum_i ||state_i - state_i*||^2`` before the step."""
    shifts = step.before.vectors[: len(step.method.state)]
    return sum((norm2(v) for v in shifts[1:]), norm2(shifts[0]))


def _support(step: OneStep) -> tuple[set, set]:
    vectors: set[int] = set()
    values: set[int] = set()
    for v in step.before.vectors:
        vectors.update(v.coefficients)
    values.update(step.before.gap.linear)
    for term in step.before.terms:
        values.update(term.linear)
        for i, j in term.quadratic:
            vectors.update((i, j))
    return vectors, values


def _local(step: OneStep, scalars) -> list[int]:
    vectors, values = _support(step)
    keep = []
    for index, (_, scalar) in enumerate(scalars):
        used = {i for pair in scalar.quadratic for i in pair}
        if used <= vectors and set(scalar.linear) <= values:
            keep.append(index)
    return keep


def local_constraints(step: OneStep) -> list[int]:
    """Indices of the inequalities that involve only the point before the step and the
    optimum (those the dominance proof may use)."""
    return _local(step, step.constraints)


def local_equalities(step: OneStep) -> list[int]:
    """Indices (in ``step.equalities``) of the local equalities, as :func:`local_constraints`."""
    return _local(step, step.equalities)


def residual(step: OneStep, V: Scalar, dominance: Dominance) -> Scalar:
    """``V - c D + sum_k lambda_k c_k + sum_l nu_l e_l`` (exact for exact inputs)."""
    total = V - dominance.c * distance(step)
    for index, weight in zip(local_constraints(step), dominance.multipliers):
        if weight != 0:
            total = total + weight * step.constraints[index][1]
    for index, weight in zip(local_equalities(step), dominance.equality_multipliers):
        if weight != 0:
            total = total + weight * step.equalities[index][1]
    return total


def check_dominance(step: OneStep, V: Scalar, dominance: Dominance) -> tuple[bool, str]:
    """Verify ``V >= c D`` exactly (module docstring); ``(valid, reason)``."""
    if not dominance.c > 0:
        return False, "the dominance constant c must be positive"
    if len(dominance.multipliers) != len(local_constraints(step)):
        return False, "one dominance multiplier per local inequality is required"
    if len(dominance.equality_multipliers) != len(local_equalities(step)):
        return False, "one dominance multiplier per local equality is required"
    if any(weight < 0 for weight in dominance.multipliers):  # an inequality's; an equality's is free
        return False, "a dominance multiplier is negative"
    total = residual(step, V, dominance)
    if total.constant != 0:
        return False, "the dominance residual has a constant term"
    ell = total.value_row(step.basis.n_values, dtype=object)
    if any(v < 0 for v in ell):
        return False, "a coefficient of a function value in the dominance residual is negative"
    check = psd_certificate(total.gram_matrix(step.basis.n_vectors, dtype=object).tolist())
    if not check.psd:
        return False, f"the dominance residual is not positive semidefinite ({check.reason})"
    return True, ""


def _solve(step: OneStep, V: Scalar, solver) -> tuple[float, np.ndarray, np.ndarray] | None:
    """The largest ``c`` (at most 1) and its multipliers (inequalities', equalities'), in
    floating point."""
    n, nf = step.basis.n_vectors, step.basis.n_values

    def arrays(scalars, indices):
        chosen = [scalars[index][1] for index in indices]
        return (np.array([s.gram_matrix(n) for s in chosen], dtype=float).reshape(len(chosen), n, n),
                np.array([s.value_row(nf) for s in chosen], dtype=float).reshape(len(chosen), nf))

    D = distance(step)
    return _largest_c(D.gram_matrix(n), D.value_row(nf), arrays(step.constraints, local_constraints(step)),
                      arrays(step.equalities, local_equalities(step)), V.gram_matrix(n).astype(float),
                      V.value_row(nf).astype(float), solver)


def _largest_c(distance_mat, distance_row, inequalities, equalities, V_mat, V_row, solver):
    """The S-procedure behind :func:`_solve` and :func:`_solve_arrays`: the largest ``c <= 1``
    with ``V - c D + sum_k lambda_k Q_k + sum_l nu_l E_l = <S, G> + ell^T F``, ``S >= 0``,
    ``ell >= 0``, ``lambda >= 0`` (``inequalities``/``equalities``: ``(mats, rows)`` of the local
    ones), and ``(c, lambda clipped at 0, nu)``, or None when the solve is not solved."""
    from pepcert.pep.solvers import get_solver, solve_accurately

    builder = ConicBuilder()
    c = builder.variables("c", 1)[0]
    lam = builder.variables("lambda", len(inequalities[0]))
    nu = builder.variables("nu", len(equalities[0]))
    total, n = builder.n_variables, V_mat.shape[0]
    mats = np.zeros((total, n, n))
    rows = np.zeros((total, len(V_row)))
    mats[c], rows[c] = -distance_mat, -distance_row
    mats[lam], rows[lam] = inequalities
    mats[nu], rows[nu] = equalities
    eye = np.eye(total)
    builder.nonnegative(eye[lam], np.zeros(len(lam)))
    builder.nonnegative(-eye[[c]], [1.0])  # c <= 1
    builder.nonnegative(rows.T, V_row)
    builder.psd(svec(mats).T, svec(V_mat), n)
    objective = np.zeros(total)
    objective[c] = -1.0
    problem, _ = builder.build(objective)
    solution = solve_accurately(get_solver(solver), problem)
    if not solution.solved:
        return None
    return (float(solution.x[c]), np.maximum(np.asarray(solution.x[lam], dtype=float), 0.0),
            np.asarray(solution.x[nu], dtype=float))


def float_dominance(step: OneStep, coefficients: np.ndarray, solver=None) -> float:
    """The largest ``c`` with ``V >= c D`` for a floating-point solution (``svec(P)`` then
    ``p``, or the family weights, normalised as solved); 0 when the solve finds none (or
    fails: an unsolved problem proves nothing)."""
    from pepcert.pep.conic import smat, svec_length

    coefficients = np.asarray(coefficients, dtype=float)
    if step.is_full:
        k = len(step.feature_names)
        V = lyapunov_scalar(step, smat(coefficients[: svec_length(k)]).tolist(), float(coefficients[-1]), None)
    else:
        V = lyapunov_scalar(step, None, 0.0, [float(w) for w in coefficients])
    found = _solve(step, V, solver)
    return 0.0 if found is None else max(found[0], 0.0)


#: The ``c`` tried first with no multipliers: ``V - c D`` positive semidefinite on its own.
QUICK_DOMINANCE = 1e-6


def data_dominance(data, coefficients: np.ndarray, solver=None) -> float:
    """:func:`float_dominance` from a problem's arrays (``data.step`` a
    :class:`~pepcert.lyapunov.parametric.StepView`). First without multipliers, where that is
    sound: ``f`` strongly convex (so ``f - f* >= 0``), ``V``'s function-value part a nonnegative
    multiple of ``f - f*``, and ``V - c D`` positive semidefinite in floating point at ``c =``
    :data:`QUICK_DOMINANCE`; that ``c`` is then returned (a ``c`` found, not the largest: every
    caller compares it with a floor far below). Then with the multipliers the last solve for a
    problem of this shape found and a quarter of its ``c``, both scaled down as far as the value
    row needs (:func:`_certified`), checked here in floating point exactly as the solver's answer
    would be (a certificate, not a guess: it is used only when ``V - c D + sum lambda_i Q_i`` is
    positive semidefinite and its value row nonnegative).
    Otherwise the S-procedure is solved, and solved again with ``V`` scaled to unit size when the
    solver stops short (``c`` and the multipliers scale back)."""
    view = data.step
    coefficients = np.asarray(coefficients, dtype=float)
    V_mat = np.tensordot(coefficients, data.before_mats, axes=1)
    V_row = coefficients @ data.before_rows
    if view.classes.function.strongly_convex and _multiple_of_gap(V_row, view.gap_row):
        support = np.flatnonzero(np.abs(V_mat).sum(0) + np.abs(view.distance_mat).sum(0))
        block = (V_mat - QUICK_DOMINANCE * view.distance_mat)[np.ix_(support, support)]
        if support.size and np.linalg.eigvalsh(block)[0] >= 0:
            return QUICK_DOMINANCE
    key = (data.n, view.local, view.local_equalities, view.feature_names, view.multiplier_names)
    last = _LAST.get(key)
    if last is not None:
        c = _certified(data, V_mat, V_row, *last)
        if c > QUICK_DOMINANCE:
            return c
    found = _solve_arrays(data, V_mat, V_row, solver)
    scale = max(float(np.abs(V_mat).max(initial=0.0)), float(np.abs(V_row).max(initial=0.0)))
    if found is None and scale > 0:  # near-degenerate problems: Clarabel may stall on one scaling, not the other
        again = _solve_arrays(data, V_mat / scale, V_row / scale, solver)
        found = None if again is None else (again[0] * scale, again[1] * scale)
    if found is None:
        return 0.0
    c, multipliers = found
    if c > QUICK_DOMINANCE:  # a quarter of it still far above every caller's floor
        _LAST[key] = (c / 4, multipliers)
    return max(c, 0.0)


#: The last S-procedure solution per problem shape (``data_dominance`` tries it first).
_LAST: dict[tuple, tuple[float, np.ndarray]] = {}


def _certified(data, V_mat: np.ndarray, V_row: np.ndarray, c: float, multipliers: np.ndarray) -> float:
    """The ``t c`` for the largest ``t`` in ``[0, 1]`` whose scaled multipliers ``t m`` certify it
    (floats): ``V - t c D + sum_k t m_k Q_k`` positive semidefinite and its value row nonnegative,
    ``m`` nonnegative on the inequalities (the local ones, then the local equalities); 0.0 when
    none does. The row is affine in ``t``: ``t`` is the largest value at most 1 where no entry
    that decreases with ``t`` is negative (shrunk by 1e-9 against rounding), then every entry and
    the matrix are checked there. A sweep over the step meets V whose function-value weight falls a
    little from one step to the next, where the last multipliers at ``t = 1`` overshoot it
    (measured on 6000 rates of TTD25's Fig. 1: re-solved at 1145 of them; scaled, at 43)."""
    view = data.step
    local = list(view.local) + [data.n_inequalities + k for k in view.local_equalities]
    K = np.tensordot(multipliers, data.constraint_mats[local], axes=1) - c * view.distance_mat
    k = multipliers @ data.constraint_rows[local] - c * view.distance_row
    falling = k < 0
    t = min(1.0, float(np.min(V_row[falling] / -k[falling])) * (1 - 1e-9)) if falling.any() else 1.0
    if not t > 0:
        return 0.0
    mat, row = V_mat + t * K, V_row + t * k
    return t * c if bool(np.all(row >= 0) and np.linalg.eigvalsh((mat + mat.T) / 2)[0] >= 0) else 0.0


def _multiple_of_gap(row: np.ndarray, gap: np.ndarray) -> bool:
    """``row = t gap`` with ``t >= 0`` (exactly zero off the gap's support, in floating point)."""
    scale = float(gap @ gap)
    if scale == 0.0:
        return not np.any(row)
    t = float(row @ gap) / scale
    return t >= 0 and bool(np.all(np.abs(row - t * gap) <= 1e-14 * (np.abs(row).max() + 1e-300)))


def _solve_arrays(data, V_mat: np.ndarray, V_row: np.ndarray, solver) -> tuple[float, np.ndarray] | None:
    """The largest ``c`` of :func:`_solve`, on arrays, and its multipliers (inequalities' clipped at 0)."""
    view = data.step
    local, equal = list(view.local), [data.n_inequalities + k for k in view.local_equalities]
    found = _largest_c(view.distance_mat, view.distance_row,
                       (data.constraint_mats[local], data.constraint_rows[local]),
                       (data.constraint_mats[equal], data.constraint_rows[equal]), V_mat, V_row, solver)
    return None if found is None else (found[0], np.concatenate([found[1], found[2]]))


def find_dominance(step: OneStep, V: Scalar, float_step: OneStep | None = None, solver=None) -> Dominance | None:
    """A rational certificate that ``V`` dominates the state, or None (exact ``step`` and ``V``;
    the solve runs on ``float_step``, the same problem in floats, when given)."""
    solve_on = float_step if float_step is not None else step
    V_float = V if float_step is None else _float_scalar(V, solve_on)
    found = _solve(solve_on, V_float, solver)
    if found is None or not found[0] > 1e-12:
        return None
    c, multipliers, free = found
    for shrink in (Fraction(1, 2), Fraction(1, 16), Fraction(1, 1024)):
        candidate = Dominance(Fraction(c).limit_denominator(10**12) * shrink,
                              tuple(Fraction(float(m)) for m in multipliers), tuple(Fraction(float(m)) for m in free))
        candidate = _repair(step, V, candidate)
        if check_dominance(step, V, candidate)[0]:
            return candidate
    return None


def _repair(step: OneStep, V: Scalar, dominance: Dominance) -> Dominance:
    """Raise the multiplier of an inequality (or equality) whose linear part is one function
    value where the residual's coefficient of that value is negative (as the upper certificate
    does)."""
    ell = residual(step, V, dominance).value_row(step.basis.n_values, dtype=object)
    lists = [list(dominance.multipliers), list(dominance.equality_multipliers)]
    sources = ((0, step.constraints, local_constraints(step)), (1, step.equalities, local_equalities(step)))
    for j, value in enumerate(ell):
        if value < 0:
            found = next(((which, k) for which, scalars, indices in sources for k, index in enumerate(indices)
                          if scalars[index][1].linear == {j: 1}), None)
            if found is not None:
                lists[found[0]][found[1]] += -Fraction(value)
    return Dominance(dominance.c, tuple(lists[0]), tuple(lists[1]))


def _float_scalar(V: Scalar, step: OneStep) -> Scalar:
    """``V`` (built on an exact basis) with float coefficients on ``step``'s basis (the same
    layout: the float twin of one exact problem)."""
    return Scalar(step.basis, {k: float(v) for k, v in V.quadratic.items()},
                  {k: float(v) for k, v in V.linear.items()}, float(V.constant))


def lyapunov_scalar(step: OneStep, P: Sequence | None, p, weights: Sequence | None) -> Scalar:
    """``V`` before the step as a Scalar: ``phi^T P phi + p gap`` or ``sum a_i term_i``."""
    if step.is_full:
        return step.value(step.before, matrix=P, gap_weight=p)
    assert weights is not None  # a structured family has weights
    return step.value(step.before, weights=weights)


__all__ = ["Dominance", "check_dominance", "distance", "find_dominance", "local_constraints", "local_equalities",
           "lyapunov_scalar", "residual", "float_dominance",
           "data_dominance"]
