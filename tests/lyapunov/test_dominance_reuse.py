"""The dominance check's reuse of an earlier S-procedure certificate (:mod:`pepcert.lyapunov.dominance`).

A tight rate asks whether its Lyapunov function ``V`` controls the state, ``V >= c ||x - x*||^2``
on the class. Over a sweep of the step, ``V`` changes a little from one point to the next; the
multipliers of the last solve, scaled down as far as ``V``'s value row needs, certify the next
``V`` without a solve. The references: the S-procedure solved afresh (the largest ``c``, which a
reused certificate can never exceed) and the certificate's own inequalities, recomputed here.
"""

from __future__ import annotations

import numpy as np
import pytest

from pepcert import Contractive, ProblemClass, SmoothStronglyConvex, tight_rate
from pepcert.analyses.rates import float_classes
from pepcert.lyapunov import dominance
from pepcert.lyapunov.parametric import fresh_data
from pepcert.pep.algorithms import compressed_gradient_descent, ef21, error_feedback

CLASSES = float_classes(ProblemClass(SmoothStronglyConvex(0.1, 1.0), Contractive(0.5)))


def _arrays(method):
    """``(data, V_mat, V_row)`` of ``method``'s tight Lyapunov function."""
    _, data = fresh_data(method, CLASSES)
    y = np.array(tight_rate(method, CLASSES).coefficients)
    return data, np.tensordot(y, data.before_mats, axes=1), y @ data.before_rows


def _certificate_holds(data, V_mat, V_row, c, multipliers) -> bool:
    """``V - c D + sum m_k Q_k`` positive semidefinite, its value row nonnegative, ``m >= 0``."""
    view = data.step
    local = list(view.local) + [data.n_inequalities + k for k in view.local_equalities]
    mat = V_mat - c * view.distance_mat + np.tensordot(multipliers, data.constraint_mats[local], axes=1)
    row = V_row - c * view.distance_row + multipliers @ data.constraint_rows[local]
    return bool(np.all(multipliers[: len(view.local)] >= 0) and np.all(row >= 0)
                and np.linalg.eigvalsh((mat + mat.T) / 2)[0] >= 0)


def test_the_last_multipliers_scaled_down_certify_the_next_step():
    """CGD at eta = 0.30 then 0.35: ``V``'s weight on ``f - f*`` falls (0.99817 -> 0.99688), the
    0.30 multipliers as they are make the value row negative, scaled by ``t < 1`` they certify
    ``t c / 4``, which is at most the largest ``c`` of a fresh solve at 0.35."""
    first, second = _arrays(compressed_gradient_descent(0.30)), _arrays(compressed_gradient_descent(0.35))
    c, multipliers = dominance._solve_arrays(*first, None)
    assert not _certificate_holds(*second, c / 4, multipliers)  # unscaled: the row goes negative
    found = dominance._certified(*second, c / 4, multipliers)
    t = found / (c / 4)
    assert 0.99 < t < 1 and _certificate_holds(*second, found, t * multipliers)
    largest, _ = dominance._solve_arrays(*second, None)
    assert dominance.QUICK_DOMINANCE < found <= largest


def test_a_certificate_is_never_stretched_to_a_v_it_does_not_control():
    """``p (f - f*) + ||x - x* - eta g||^2``: the value row of CGD's tight V, but a quadratic part
    that vanishes on a line through ``x*`` (where ``f - f*`` is only ``O(||x - x*||^2)`` with the
    wrong constant for the last multipliers): no scaling of them certifies it."""
    data, V_mat, V_row = _arrays(compressed_gradient_descent(0.30))
    c, multipliers = dominance._solve_arrays(data, V_mat, V_row, None)
    direction = np.zeros(V_mat.shape[0])
    direction[:2] = [1.0, -0.30]
    degenerate = -np.outer(direction, direction)
    assert dominance._certified(data, degenerate, V_row, c / 4, multipliers) == 0.0
    assert dominance._certified(data, V_mat, V_row, c / 4, multipliers) == pytest.approx(c / 4, rel=1e-8)
    for entry in range(len(V_row)):  # a negative value weight that no scaling of the multipliers repairs
        lowered = V_row.copy()
        lowered[entry] -= 1.0
        assert dominance._certified(data, V_mat, lowered, c / 4, multipliers) == 0.0


@pytest.mark.parametrize("factory", [compressed_gradient_descent, error_feedback, ef21], ids=["cgd", "ef", "ef21"])
def test_a_row_of_steps_solves_the_s_procedure_at_most_twice(monkeypatch, factory):
    """Forty steps in ``[0.01, 2/1.1]`` (a Fig. 1 row): the S-procedure is solved at most twice
    (the first step, and once where the worst instance changes); it was solved at up to 13 of
    them when a certificate was reused only unscaled. Each rate still has a controlling V."""
    monkeypatch.setattr(dominance, "_LAST", {})
    solves = []
    solve = dominance._solve_arrays
    monkeypatch.setattr(dominance, "_solve_arrays", lambda *a: solves.append(1) or solve(*a))
    for eta in np.linspace(0.01, 2 / 1.1, 40):
        result = tight_rate(factory(float(eta)), CLASSES)
        assert result.dominance > 1e-9
    assert len(solves) <= 2
