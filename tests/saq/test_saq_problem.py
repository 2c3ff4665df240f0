"""The distributed logistic problem: matrix smoothness on random pairs, gradients against an
independent per-row formula and finite differences, the smoothness matrices and their roots,
x* to machine precision, and workers that differ after sorting rows by norm."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import DATA
from pepcert.pep.errors import BadInput
from pepcert.saq.data import load_dataset
from pepcert.saq.problem import logistic_problem


@pytest.fixture(scope="module")
def dataset():
    return load_dataset("builtin:breast-cancer")


@pytest.fixture(scope="module")
def problem(dataset):
    return logistic_problem(dataset, 6)


def _independent_workers(dataset, n):
    """Rows sorted by norm and split by an explicit loop (not the package's code)."""
    norms = [float(np.sqrt(sum(a * a for a in row))) for row in dataset.A]
    order = sorted(range(dataset.m), key=lambda j: norms[j])
    m, cuts = dataset.m, []
    base, extra = divmod(m, n)
    start = 0
    for i in range(n):
        size = base + (1 if i < extra else 0)
        cuts.append(order[start:start + size])
        start += size
    return [(dataset.A[c], dataset.b[c]) for c in cuts]


def _row_gradient(A, b, x, lam):
    total = np.zeros(A.shape[1])
    for a, label in zip(A, b):
        total += -label * a / (1.0 + np.exp(label * (a @ x)))
    return total / len(A) + lam * x


def test_gradients_values_and_smoothness_match_independent_formulas(dataset, problem):
    rng = np.random.default_rng(1)
    workers = _independent_workers(dataset, 6)
    x = rng.normal(size=30)
    expected = np.array([_row_gradient(A, b, x, 1e-3) for A, b in workers])
    np.testing.assert_allclose(problem.gradients(x), expected, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(problem.gradient(x), expected.mean(axis=0), rtol=1e-12, atol=1e-15)
    values = [np.mean(np.log1p(np.exp(-b * (A @ x)))) + 0.5e-3 * x @ x for A, b in workers]
    np.testing.assert_allclose(problem.values(x), values, rtol=1e-13)
    for L_i, (A, _) in zip(problem.smoothness, workers):
        np.testing.assert_allclose(L_i, A.T @ A / (4 * len(A)) + 1e-3 * np.eye(30), rtol=1e-13, atol=1e-16)
    assert problem.sizes == tuple(len(A) for A, _ in workers) == (95, 95, 95, 95, 95, 94)


def test_gradient_and_hessian_against_finite_differences(problem):
    rng = np.random.default_rng(2)
    x, h = rng.normal(size=30) * 0.3, 1e-6
    basis = np.eye(30)
    fd = np.array([(problem.values(x + h * e) - problem.values(x - h * e)) / (2 * h) for e in basis]).T
    np.testing.assert_allclose(problem.gradients(x), fd, rtol=1e-6, atol=1e-9)
    jac = np.array([(problem.gradient(x + h * e) - problem.gradient(x - h * e)) / (2 * h) for e in basis])
    np.testing.assert_allclose(problem.hessian(x), jac, rtol=1e-6, atol=1e-9)
    # At x = 0 every margin is 0 and phi'' = 1/4: the Hessian of f_i is exactly L_i (the bound is tight).
    jac0 = np.array([(problem.gradients(h * e) - problem.gradients(-h * e)) / (2 * h) for e in basis])
    np.testing.assert_allclose(np.transpose(jac0, (1, 2, 0)), problem.smoothness, rtol=1e-7, atol=1e-10)


def test_matrix_smoothness_on_random_pairs(problem):
    """f_i(x) <= f_i(y) + <grad f_i(y), x - y> + ||x - y||^2_{L_i}/2 for pairs at several scales
    (small ones near 0, where the curvature equals L_i, make the constant 1/4 necessary)."""
    rng = np.random.default_rng(3)
    worst = -np.inf
    for scale in (1e-3, 1e-1, 1.0, 10.0):
        for _ in range(60):
            y = rng.normal(size=30) * scale
            x = y + rng.normal(size=30) * scale
            delta = x - y
            bound = problem.values(y) + problem.gradients(y) @ delta + 0.5 * np.einsum(
                "i,nij,j->n", delta, problem.smoothness, delta)
            gap = problem.values(x) - bound
            worst = max(worst, float(np.max(gap / (1e-300 + np.einsum("i,nij,j->n", delta, problem.smoothness, delta)))))
    assert worst <= 1e-9
    assert worst > -0.02  # the small pairs near 0 nearly attain it


def test_roots_eigenvalues_and_scalar_constants(problem):
    L = problem.smoothness
    np.testing.assert_allclose(problem.sqrt_smoothness @ problem.sqrt_smoothness, L, rtol=0, atol=1e-13)
    identity = problem.inv_sqrt_smoothness @ L @ problem.inv_sqrt_smoothness
    np.testing.assert_allclose(identity, np.broadcast_to(np.eye(30), identity.shape), rtol=0, atol=1e-9)
    np.testing.assert_allclose(problem.sqrt_smoothness, np.transpose(problem.sqrt_smoothness, (0, 2, 1)), atol=1e-15)
    tops = [np.linalg.eigvalsh(L_i)[-1] for L_i in L]
    assert problem.L_max == pytest.approx(max(tops), rel=1e-13)
    assert problem.L == pytest.approx(np.linalg.eigvalsh(L.mean(axis=0))[-1], rel=1e-13)
    assert problem.mu == 1e-3 and problem.n == 6 and problem.d == 30
    assert problem.L <= problem.L_max and min(tops) < problem.L


def test_x_star_is_stationary_to_machine_precision(problem):
    scale = np.linalg.norm(problem.gradient(np.zeros(30)))
    assert np.linalg.norm(problem.gradient(problem.x_star)) == pytest.approx(problem.grad_norm_at_star, rel=0, abs=1e-30)
    assert problem.grad_norm_at_star < 1e-14 * scale
    # strong convexity: ||x - x*|| <= ||grad f(x)|| / mu at a random point
    x = np.random.default_rng(4).normal(size=30)
    assert np.linalg.norm(x - problem.x_star) <= np.linalg.norm(problem.gradient(x)) / problem.mu


def test_workers_differ_after_sorting(dataset, problem):
    traces = np.trace(problem.smoothness, axis1=1, axis2=2)
    assert np.all(np.diff(traces) > 0.1)
    row_norms = [np.linalg.norm(problem.rows[i, :size], axis=1) for i, size in enumerate(problem.sizes)]
    assert all(a.max() <= b.min() for a, b in zip(row_norms, row_norms[1:]))
    assert not np.allclose(problem.gradients(problem.x_star)[0], 0, atol=1e-3)


def test_bad_problem_input(dataset):
    sample = load_dataset(str(DATA / "sample.libsvm"))
    assert logistic_problem(sample, 6).sizes == (1,) * 6
    for workers, lam in ((0, 1e-3), (7, 1e-3), (2.5, 1e-3), (2, 0), (2, -1), (2, float("nan")), (2, "x")):
        with pytest.raises(BadInput):
            logistic_problem(sample, workers, lam)
    with pytest.raises(BadInput):
        logistic_problem("builtin:breast-cancer", 2)
