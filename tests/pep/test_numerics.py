"""Unit tests of the numerics every certificate and solve stands on: the exact PSD test
(``L D L^T`` with nonnegative pivots), the scaled ``svec``/``smat`` vectorisation, and the
solver status mapping (only "solved" counts as solved)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from pepcert.pep.conic import ConicBuilder, smat, svec, svec_length
from pepcert.pep.numerics.psd import psd_certificate
from pepcert.pep.solvers import get_solver

small_rationals = st.fractions(min_value=-3, max_value=3, max_denominator=7)


def sympy_psd(rows) -> bool:
    """Independent reference: sympy's exact positive-semidefiniteness test."""
    return bool(sympy.Matrix([[sympy.Rational(v.numerator, v.denominator) for v in row] for row in rows]).is_positive_semidefinite)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 4).flatmap(lambda n: st.lists(st.lists(small_rationals, min_size=n, max_size=n), min_size=n, max_size=n)))
def test_psd_certificate_agrees_with_sympy_on_gram_and_random_matrices(factor):
    n = len(factor)
    gram = [[sum((factor[i][k] * factor[j][k] for k in range(n)), Fraction(0)) for j in range(n)] for i in range(n)]
    assert psd_certificate(gram).psd  # R R^T is PSD
    symmetric = [[factor[i][j] + factor[j][i] for j in range(n)] for i in range(n)]
    assert psd_certificate(symmetric).psd == sympy_psd(symmetric)


@pytest.mark.parametrize("matrix, psd", [
    ([[1, 0], [0, 0]], True),
    ([[0, 1], [1, 0]], False),  # zero pivot with a nonzero off-diagonal entry
    ([[1, 1], [1, 1]], True),  # singular PSD
    ([[1, 2], [2, 1]], False),
    ([[Fraction(1, 10**30), 0], [0, -Fraction(1, 10**400)]], False),  # exact: -1e-400 < 0
])
def test_psd_certificate_edge_cases(matrix, psd):
    assert psd_certificate(matrix).psd is psd


def test_psd_certificate_rejects_asymmetric_input():
    result = psd_certificate([[1, 1], [0, 1]])
    assert not result.psd and "symmetric" in result.reason


@pytest.mark.parametrize("n", [1, 2, 5])
def test_svec_is_an_isometry_and_smat_its_inverse(n):
    rng = np.random.default_rng(n)
    A, B = rng.normal(size=(n, n)), rng.normal(size=(n, n))
    A, B = A + A.T, B + B.T
    assert len(svec(A)) == svec_length(n)
    assert np.allclose(smat(svec(A)), A)
    assert svec(A) @ svec(B) == pytest.approx(np.trace(A @ B), rel=1e-12)


def _lp(objective, rows, bounds):
    """min c^T x s.t. rows x <= bounds (as A x + s = b, s >= 0)."""
    builder = ConicBuilder()
    builder.variables("x", len(objective))
    builder.nonnegative(-np.array(rows, dtype=float), np.array(bounds, dtype=float))
    problem, _ = builder.build(np.array(objective, dtype=float))
    return problem


@pytest.mark.parametrize("name", ["clarabel", "scs"])
def test_solver_status_mapping(name):
    backend = get_solver(name)
    solved = backend.solve(_lp([1.0], [[-1.0]], [-2.0]))  # min x s.t. x >= 2
    assert solved.solved and solved.status == "solved" and solved.objective == pytest.approx(2, abs=1e-6)
    infeasible = backend.solve(_lp([1.0], [[1.0], [-1.0]], [1.0, -2.0]))  # x <= 1 and x >= 2
    assert infeasible.status == "infeasible" and not infeasible.solved
    unbounded = backend.solve(_lp([-1.0], [[-1.0]], [0.0]))  # max x s.t. x >= 0
    assert unbounded.status == "unbounded" and not unbounded.solved
