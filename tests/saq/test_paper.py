"""``--protocol paper``: the authors' block rule, levels, steps and step sizes against their
formulas (worked by hand here), their l-infinity dithering against exact enumeration of every
rounding, the data preparation (max-abs rows, equal split), and the one-time bits."""

from __future__ import annotations

import itertools
import math
from decimal import Decimal, getcontext

import numpy as np
import pytest

from pepcert.pep.errors import BadInput
from pepcert.saq.data import Dataset
from pepcert.saq.encoding import paper_bits
from pepcert.saq.paper import (
    LinfDithering,
    baseline_levels,
    baseline_omega,
    dcgd_plus_steps,
    diana_plus_steps,
    paper_blocks,
)
from pepcert.saq.paper_setup import paper_problem, paper_setup, paper_theory


def test_blocks_are_contiguous_with_the_remainder_last():
    assert paper_blocks(10, 3) == (3, 3, 4)
    assert paper_blocks(784, 8) == (98,) * 8 and paper_blocks(751, 4) == (187, 187, 187, 190)
    assert paper_blocks(5, 1) == (5,) and paper_blocks(5, 5) == (1,) * 5
    for bad in (0, 6, 2.0):
        with pytest.raises(BadInput):
            paper_blocks(5, bad)


def test_levels_are_floor_of_sqrt_d_over_n():
    getcontext().prec = 50
    for d in range(1, 3000, 7):
        for n in range(1, 17):
            exact = int((Decimal(d).sqrt() / n).to_integral_value(rounding="ROUND_FLOOR"))
            if exact == 0:
                with pytest.raises(BadInput, match="floor"):
                    baseline_levels(d, n)
            else:
                assert baseline_levels(d, n) == exact
    assert (baseline_levels(784, 2), baseline_levels(784, 8), baseline_levels(1497, 6)) == (14, 3, 6)


def test_baseline_omega_by_hand():
    # (sqrt(d_b)/s) min(1, sqrt(d_b)/s), d_b = floor(d/B)
    assert baseline_omega(784, 1, 14) == 2.0  # 28/14 = 2, min(1, 2) = 1
    assert baseline_omega(784, 1, 28) == 1.0
    assert baseline_omega(784, 8, 3) == pytest.approx(math.sqrt(98) / 3, rel=1e-15)  # 3.30 * 1
    assert baseline_omega(400, 4, 20) == pytest.approx(0.25, rel=1e-15)  # d_b = 100: (10/20)^2
    assert baseline_omega(10, 3, 1) == pytest.approx(math.sqrt(3), rel=1e-15)  # d_b = 3 (the last block has 4)


def test_diana_plus_steps_by_hand():
    """diag (1, 1, 1, 1), B = 2, lambda n = 1: A_l = sqrt2 + sqrt2 = 2 sqrt2, T_1 = 1 + 2/2 = 2,
    T_B = 2 sqrt2 * 2 sqrt2 / 4 = 2, beta - B = 2, delta = 8/4 + sqrt(64/16 + 16/2) = 2 + 2 sqrt3,
    h_l = delta / A_l = (1 + sqrt3)/sqrt2."""
    steps = diana_plus_steps(np.ones(4), (2, 2), lam=0.5, workers=2)
    np.testing.assert_allclose(steps, [(1 + math.sqrt(3)) / math.sqrt(2)] * 2, rtol=1e-14)
    # one block: T_B = T_1 and h = (1 + sqrt5)/(2 sqrt d) whatever the diagonal
    rng = np.random.default_rng(1)
    for d in (7, 30, 784):
        diag = rng.uniform(0.01, 5, d)
        np.testing.assert_allclose(diana_plus_steps(diag, (d,), 1e-3, 4), [(1 + math.sqrt(5)) / (2 * math.sqrt(d))],
                                   rtol=1e-13)
    # blocks with a heavier diagonal get a smaller step (A_l grows with ||diag_l||)
    steps = diana_plus_steps(np.array([1.0, 1.0, 9.0, 9.0]), (2, 2), 0.5, 2)
    assert steps[1] < steps[0]


def test_dcgd_plus_steps_by_hand():
    """diag (1, 1, 1, 1), B = 2: ||diag_l|| = sqrt2, T_1 = 2/2 = 1, T_B = 2 * sqrt2 * sqrt2 / 4 = 1,
    delta = 4/2 + sqrt(4/2) = 2 + sqrt2, h_l = delta/sqrt2 = sqrt2 + 1; one block: 2/sqrt(d)."""
    np.testing.assert_allclose(dcgd_plus_steps(np.ones(4), (2, 2)), [1 + math.sqrt(2)] * 2, rtol=1e-14)
    np.testing.assert_allclose(dcgd_plus_steps(np.arange(1.0, 10.0), (9,)), [2 / 3], rtol=1e-14)


def _outcomes(quantizer: LinfDithering, w: np.ndarray):
    """Every rounding of ``w`` with its probability, exactly as the law says."""
    starts = np.cumsum((0,) + quantizer.sizes)
    r = np.concatenate([[np.max(np.abs(w[a:b]))] * (b - a) for a, b in zip(starts, starts[1:])])
    h = np.repeat(quantizer.steps, quantizer.sizes)
    y = np.abs(w) / (r * h)
    low, theta = np.floor(y), y - np.floor(y)
    for ups in itertools.product((0, 1), repeat=len(w)):
        ups = np.array(ups)
        p = float(np.prod(np.where(ups == 1, theta, 1 - theta)))
        levels = (low + ups).astype(np.int64)
        yield p, r * h * np.sign(w) * levels, levels


@pytest.mark.parametrize("steps, sizes", [((1 / 3,), (6,)), ((0.4, 0.25), (3, 3)), ((1.7, 0.3, 0.5), (2, 2, 2))])
def test_linf_dithering_exactly(steps, sizes):
    """Over all 2^6 roundings: E Q(w) = w, E||Q(w) - w||^2 <= omega ||w||^2,
    E||L^{1/2}(Q(w) - w)||^2 <= plus_constant(diag L) ||w||^2, every message within max_bits."""
    quantizer = LinfDithering(steps, sizes)
    rng = np.random.default_rng(7)
    for _ in range(20):
        w = rng.normal(size=6) * rng.uniform(0.1, 3, 6)
        L = np.diag(rng.uniform(0.1, 4, 6))
        mean, variance, weighted, worst = np.zeros(6), 0.0, 0.0, 0
        for p, q, levels in _outcomes(quantizer, w):
            mean += p * q
            variance += p * float((q - w) @ (q - w))
            weighted += p * float((q - w) @ L @ (q - w))
            worst = max(worst, int(paper_bits(levels, sizes)))
        np.testing.assert_allclose(mean, w, rtol=0, atol=1e-13)
        assert variance <= quantizer.omega() * float(w @ w) * (1 + 1e-12)
        assert weighted <= quantizer.plus_constant(np.diag(L)) * float(w @ w) * (1 + 1e-12)
        assert worst <= quantizer.max_bits()


def test_baseline_dithering_sends_levels_of_s_over_the_max():
    """h = 1/s: level_j is floor or ceil of s |w_j| / ||w_B||_inf; the largest entry gets s."""
    s, w = 4, np.array([0.5, -2.0, 1.0, 0.0, 0.3, -0.1])
    quantizer = LinfDithering((1 / s, 1 / s), (3, 3))
    message = quantizer.encode(w, np.random.default_rng(0))
    norms, signed = message.payload
    np.testing.assert_array_equal(norms, [2.0, 0.3])
    scaled = s * np.abs(w) / np.repeat(norms, 3)
    assert np.all((np.abs(signed) == np.floor(scaled)) | (np.abs(signed) == np.ceil(scaled)))
    assert abs(signed[1]) == s and abs(signed[4]) == s and signed[3] == 0 and signed[1] < 0
    assert message.bits == paper_bits(signed, (3, 3))
    np.testing.assert_allclose(quantizer.decode(message), np.repeat(norms, 3) * signed / s, rtol=1e-15)


@pytest.fixture(scope="module")
def small():
    rng = np.random.default_rng(3)
    A = rng.normal(size=(41, 16)) * rng.uniform(0.2, 3, (41, 1))
    return Dataset("synthetic", A, np.where(A[:, 0] + 0.5 * rng.normal(size=41) > 0, 1.0, -1.0))


def test_data_are_scaled_by_max_abs_sorted_and_split_equally(small):
    problem = paper_problem(small, 2)
    assert problem.sizes == (20, 20)  # floor(41/2) = 20 rows each; one row dropped
    scaled = small.A / np.max(np.abs(small.A), axis=1, keepdims=True)
    norms = np.sort(np.linalg.norm(scaled, axis=1))
    kept = np.linalg.norm(problem.rows.reshape(-1, 16), axis=1)
    np.testing.assert_allclose(kept, norms[:40], rtol=1e-14)  # ascending; the largest norm dropped
    assert np.max(np.abs(problem.rows)) == 1.0


def test_step_sizes_and_one_time_bits(small):
    problem = paper_problem(small, 2)
    n, d = 2, 16
    for blocks in (1, 2):
        diana = paper_setup(problem, "diana", blocks)
        omega = baseline_omega(d, blocks, 2)  # s = floor(4/2) = 2
        assert diana.gamma == pytest.approx(1 / (problem.L_max * (1 + 2 * omega / n)), rel=1e-15)
        assert diana.alpha == pytest.approx(1 / (omega + 1), rel=1e-15) and diana.once == 0
        plus = paper_setup(problem, "diana+", blocks)
        diag = [np.diagonal(L) for L in problem.smoothness]
        steps = [diana_plus_steps(g, paper_blocks(d, blocks), problem.lam, n) for g in diag]
        roots = np.sqrt(paper_blocks(d, blocks))
        norms = [np.array([np.linalg.norm(g[a:a + b]) for a, b in zip(np.cumsum((0,) + paper_blocks(d, blocks)),
                                                                     paper_blocks(d, blocks))]) for g in diag]
        tilde = max(float(np.max(h * m)) for h, m in zip(steps, norms))
        assert plus.gamma == pytest.approx(1 / (problem.L + 6 * tilde / n), rel=1e-14)
        assert plus.alpha == pytest.approx(1 / (max(float(np.max(h * roots)) for h in steps) + 1), rel=1e-14)
        assert plus.once == (d * d + blocks) * 32
        dcgd = paper_setup(problem, "dcgd", blocks)
        assert dcgd.gamma == pytest.approx(1 / (problem.L + 2 * problem.L_max * omega / n), rel=1e-15)
        bound = paper_theory(problem, plus)
        assert bound.once == plus.once and bound.communication(1e-6) > plus.once


def test_the_paper_protocol_needs_the_equal_split(small):
    from pepcert.saq.problem import logistic_problem

    with pytest.raises(BadInput, match="equal split"):
        paper_setup(logistic_problem(small, 2), "diana", 1)
    with pytest.raises(BadInput, match="floor"):
        paper_setup(paper_problem(small, 5), "diana", 1)  # floor(sqrt(16)/5) = 0 levels
