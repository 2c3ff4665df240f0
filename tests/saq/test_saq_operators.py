"""The smoothness roots applied as identity plus low rank (pepcert.saq.operators): the same
operators as the dense roots, and the same compressor outputs."""

from __future__ import annotations

import numpy as np

from pepcert.saq.compressors import AgentCompressor, Dithering, SmoothnessAware
from pepcert.saq.data import Dataset
from pepcert.saq.operators import ShiftedLowRank
from pepcert.saq.problem import logistic_problem


def _close(ours, theirs, relative: float):
    """Normwise: both products are backward stable, so they agree to rounding relative to the
    operands' scale, not entry by entry (an entry may be a cancellation of larger terms)."""
    assert np.linalg.norm(ours - theirs) <= relative * np.linalg.norm(theirs), np.linalg.norm(ours - theirs)


def _problem(rows: int, d: int = 80, workers: int = 4, seed: int = 3):
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(rows, d)) * rng.uniform(0.1, 3.0, size=d)  # columns of different scales
    b = np.where(rng.random(rows) < 0.5, -1.0, 1.0)
    return logistic_problem(Dataset("random", A, b), workers, lam=1e-3)


def test_few_rows_a_worker_give_the_dense_roots_and_the_smoothness_matrix():
    problem = _problem(rows=40)  # 10 rows a worker, d = 80: rank 10 plus the identity
    vectors = np.random.default_rng(0).normal(size=(5, problem.d))
    for i in range(problem.n):
        root, inverse = problem.agent_roots(i)
        assert isinstance(root, ShiftedLowRank) and root.vectors.shape == (problem.d, problem.sizes[i])
        # against the dense eigendecomposition of the whole d x d matrix
        _close(vectors @ root, vectors @ problem.sqrt_smoothness[i], 1e-13)
        # the inverse root has condition number sqrt(L_max / lam) ~ 100: the dense one is the less
        # accurate of the two (below: its R L R - I is 8e-13..5e-12, the factored one's 4e-13..6e-13)
        _close(vectors @ inverse, vectors @ problem.inv_sqrt_smoothness[i], 1e-11)
        # against L_i itself (A_i^T A_i / (4 m_i) + lam I): root^2 = L_i, root^-1 root = I
        np.testing.assert_allclose(root.dense() @ root.dense(), problem.smoothness[i], rtol=0, atol=1e-13)
        np.testing.assert_allclose(inverse.dense() @ root.dense(), np.eye(problem.d), rtol=0, atol=1e-13)
        np.testing.assert_allclose(inverse.dense() @ problem.smoothness[i] @ inverse.dense(), np.eye(problem.d),
                                   rtol=0, atol=1e-12)
        _close(vectors[0] @ root, root.dense() @ vectors[0], 1e-14)


def test_many_rows_a_worker_keep_the_dense_roots():
    problem = _problem(rows=200, d=40)  # 50 rows a worker > d / 4
    assert problem.factored_roots is None
    root, inverse = problem.agent_roots(2)
    assert isinstance(root, np.ndarray) and isinstance(inverse, np.ndarray)
    assert np.array_equal(root, problem.sqrt_smoothness[2]) and np.array_equal(inverse, problem.inv_sqrt_smoothness[2])


def test_the_compressor_sends_and_applies_the_same_with_either_form():
    problem = _problem(rows=40)
    v = np.random.default_rng(1).normal(size=(3, problem.d))
    for i in range(problem.n):
        factored = SmoothnessAware(Dithering(2)).agent(problem, i)
        dense = AgentCompressor(factored.base, problem.sqrt_smoothness[i], problem.inv_sqrt_smoothness[i])
        assert isinstance(factored.root, ShiftedLowRank)
        ours = factored(v, np.random.default_rng(7))
        theirs = dense(v, np.random.default_rng(7))
        _close(ours, theirs, 1e-12)  # the same dithering decisions (measured: 1e-13 apart)
