"""The saq compressors: Elias omega lengths against the code itself, bits against an
independent count, exact variances against enumeration of every outcome, every constant
against the library and against seeded Monte Carlo (unbiasedness and E||C(v) - v||^2 within
the confidence interval), at random vectors and at the attained (worst) ones."""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pytest

from pepcert.pep.errors import BadInput
from pepcert.pep.library.quantizers import block_sizes, dithering_omega
from pepcert.saq.compressors import Dithering, RandK, SmoothnessAware
from pepcert.saq.data import load_dataset
from pepcert.saq.encoding import elias_omega_bits
from pepcert.saq.problem import logistic_problem

Z = 4.5  # confidence-interval half-width in standard errors (seeded, so deterministic)


@pytest.fixture(scope="module")
def problem():
    return logistic_problem(load_dataset("builtin:breast-cancer"), 6)


def _compress(base, W, rng):
    """``(Q, bits)`` through the library's call shape split in two: ``encode``, ``decode``."""
    message = base.encode(W, rng)
    return base.decode(message), message.bits


def _compress_workers(aware, problem, V, rng):
    """Every worker's ``C_i(v_i) = L_i^{1/2} Q(L_i^{+1/2} v_i)`` for ``V`` (..., n, d)."""
    parts = [_compress(aware.agent(problem, i), V[..., i, :], rng) for i in range(problem.n)]
    return np.stack([c for c, _ in parts], axis=-2), np.stack([b for _, b in parts], axis=-1)


def omega_code(n: int) -> str:
    """The Elias omega code word of n >= 1, written out (Elias 1975)."""
    code = "0"
    while n > 1:
        binary = bin(n)[2:]
        code = binary + code
        n = len(binary) - 1
    return code


def test_elias_omega_lengths_match_the_code_on_1_to_1000():
    assert [omega_code(n) for n in (1, 2, 3, 4, 7, 16)] == ["0", "100", "110", "101000", "101110", "10100100000"]
    numbers = np.arange(1, 1001)
    np.testing.assert_array_equal(elias_omega_bits(numbers), [len(omega_code(int(n))) for n in numbers])
    big = np.array([2**40 - 1, 2**40, 2**60 + 3])
    np.testing.assert_array_equal(elias_omega_bits(big), [len(omega_code(int(n))) for n in big])
    for bad in ([0], [-3], [1.5], [np.nan]):
        with pytest.raises(BadInput):
            elias_omega_bits(np.array(bad))


def _levels_bits(levels: np.ndarray, blocks: int) -> int:
    return 32 * blocks + sum(len(omega_code(int(x) + 1)) + (x != 0) for x in levels)


def test_bits_are_the_papers_count(problem):
    rng = np.random.default_rng(5)
    W = rng.normal(size=(7, 30)) * np.linspace(0.1, 3, 30)
    W[2] = 0.0
    for base in (Dithering(2), Dithering(5, blocks=4)):
        Q, bits = _compress(base, W, rng)
        sizes = block_sizes(30, base.blocks)
        bounds = np.cumsum((0,) + sizes)
        for q, w, b in zip(Q, W, bits):
            norms = np.concatenate([[np.linalg.norm(w[a:c])] * (c - a) for a, c in zip(bounds, bounds[1:])])
            levels = np.rint(np.abs(q) * base.s / np.where(norms > 0, norms, 1.0))
            assert b == _levels_bits(levels, base.blocks)
        assert bits.dtype == np.int64 and bits[2] == 32 * base.blocks + 30
    Q, bits = _compress(RandK(3), W, rng)
    np.testing.assert_array_equal(bits, 3 * (32 + 5))
    assert np.all(np.count_nonzero(Q[[0, 1, 3]], axis=1) == 3)
    assert RandK(30).encode(W, rng).bits[0] == 30 * 32
    for d, index_bits in ((2, 1), (31, 5), (32, 5), (33, 6), (1024, 10)):  # ceil(log2 d)
        assert RandK(1).encode(np.ones((1, d)), rng).bits[0] == 32 + index_bits
    V = rng.normal(size=(6, 30))
    aware = SmoothnessAware(Dithering(2))
    W_plus = np.einsum("nij,nj->ni", problem.inv_sqrt_smoothness, V)
    for i in range(problem.n):  # worker i sends the bits of Q(L_i^{-1/2} v_i)
        sent = aware.agent(problem, i).encode(V[i], np.random.default_rng(9)).bits
        assert sent == Dithering(2).encode(W_plus[i], np.random.default_rng(9)).bits


def test_standard_constants_are_the_librarys_omega():
    for s in (1, 2, 3, 5):
        assert Dithering(s).omega(30) == dithering_omega(30, s)
        bound, attained, _witness, _ = Dithering(s).constants(np.eye(30))
        assert bound == pytest.approx(float(dithering_omega(30, s)), rel=1e-12)
        if 30 >= 4 * s * s:  # attained at v = (1, ..., 1) (library) and by the optimisation
            assert attained == pytest.approx(bound, rel=1e-12)
            assert Dithering(s).variance(np.ones(30), np.eye(30)) / 30 == pytest.approx(bound, rel=1e-12)
    assert Dithering(2, blocks=4).omega(30) == max(dithering_omega(8, 2), dithering_omega(7, 2)) == Fraction(1, 2)
    assert Dithering(2, blocks=4).constants(np.eye(30))[0] == pytest.approx(0.5, rel=1e-12)
    for k in (1, 3, 30):
        assert RandK(k).omega(30) == Fraction(30, k) - 1
        assert RandK(k).constants(np.eye(30))[0] == pytest.approx(30 / k - 1, rel=1e-12, abs=1e-12)


def _random_spd(rng, d):
    B = rng.normal(size=(d, d))
    return B @ B.T / d + 0.1 * np.eye(d)


def test_variances_equal_exact_enumeration_of_every_outcome():
    """E Q(w) = w and E||L^{1/2}(Q(w) - w)||^2 from all 2^d roundings / all k-subsets."""
    rng = np.random.default_rng(6)
    d, L = 5, _random_spd(rng, 5)
    w = rng.normal(size=d)
    for base in (Dithering(2), Dithering(3, blocks=2), Dithering((1, 3), blocks=2)):
        sizes = block_sizes(d, base.blocks)
        norms = np.repeat([np.linalg.norm(p) for p in np.split(w, np.cumsum(sizes)[:-1])], sizes)
        levels = np.repeat(base.s if isinstance(base.s, tuple) else (base.s,) * base.blocks, sizes)
        x = levels * np.abs(w) / norms
        low, p = np.floor(x), x - np.floor(x)
        mean, second = np.zeros(d), 0.0
        for ups in itertools.product((0, 1), repeat=d):
            ups = np.array(ups)
            weight = np.prod(np.where(ups == 1, p, 1 - p))
            q = norms * np.sign(w) * (low + ups) / levels
            mean += weight * q
            second += weight * (q - w) @ L @ (q - w)
        np.testing.assert_allclose(mean, w, rtol=1e-13, atol=1e-14)
        assert base.variance(w, L) == pytest.approx(second, rel=1e-12)
    k = 2
    subsets = list(itertools.combinations(range(d), k))
    second = 0.0
    for S in subsets:
        q = np.zeros(d)
        q[list(S)] = w[list(S)] * d / k
        second += (q - w) @ L @ (q - w) / len(subsets)
    assert RandK(k).variance(w, L) == pytest.approx(second, rel=1e-12)


def _monte_carlo(aware, problem, V, samples, seed):
    """Seeded, vectorised: ``samples`` draws of C_i(v_i) for every worker at once."""
    C, _ = _compress_workers(aware, problem, np.broadcast_to(V, (samples,) + V.shape), np.random.default_rng(seed))
    error = C - V
    squared = np.sum(error * error, axis=-1)  # (samples, n)
    mean_error, se_error = error.mean(axis=0), error.std(axis=0, ddof=1) / np.sqrt(samples)
    return squared.mean(axis=0), squared.std(axis=0, ddof=1) / np.sqrt(samples), mean_error, se_error


BASES = (Dithering(1), Dithering(3), Dithering(2, blocks=3), Dithering((3, 1, 2), blocks=3), RandK(3))


@pytest.mark.parametrize("base", BASES, ids=lambda b: repr(b))
def test_monte_carlo_agrees_with_exact_variance_and_constants(problem, base):
    """Unbiasedness and E||C_i(v) - v||^2 (20000 samples per worker) within the confidence
    interval of the exact variance, at a random v and at the attained worst v_i = L_i^{1/2} w_i;
    there the variance is omega_i^+ (attained) ||v_i||^2_{L_i^+}."""
    aware = SmoothnessAware(base)
    constants = aware.constants(problem)
    rng = np.random.default_rng(11)
    worst = np.einsum("nij,nj->ni", problem.sqrt_smoothness, constants.witness)
    for V, seed in ((rng.normal(size=(6, 30)), 1), (worst, 2)):
        mean, se, mean_error, se_error = _monte_carlo(aware, problem, V, 20000, seed)
        exact = aware.variance(V, problem)
        assert np.all(np.abs(mean - exact) <= Z * se), (mean, exact, se)
        assert np.all(se <= 0.025 * exact)  # the interval is a few percent wide
        assert np.all(np.abs(mean_error) <= Z * se_error + 1e-15)
    np.testing.assert_allclose(aware.variance(worst, problem), constants.attained, rtol=1e-12)
    norms = np.einsum("ni,nij,nj->n", worst, np.linalg.inv(problem.smoothness), worst)
    np.testing.assert_allclose(norms, 1.0, rtol=1e-9)


@pytest.mark.parametrize("base, w", [(Dithering(1), np.ones(30)), (Dithering(1, blocks=3), np.ones(30)),
                                     (RandK(3), np.linspace(-1, 2, 30))], ids=("dithering", "blocks", "rand-k"))
def test_standard_monte_carlo_attains_the_librarys_omega(base, w):
    """The standard compressors at their attained vectors: E||Q(w) - w||^2 = omega ||w||^2."""
    Q = base(np.broadcast_to(w, (20000, 30)), np.random.default_rng(21))
    squared = np.sum((Q - w) ** 2, axis=1)
    mean, se = squared.mean(), squared.std(ddof=1) / np.sqrt(len(squared))
    expected = float(base.omega(30)) * float(w @ w)
    assert base.variance(w, np.eye(30)) == pytest.approx(expected, rel=1e-12)
    assert abs(mean - expected) <= Z * se and se <= 0.025 * expected


def test_rand_k_constant_is_the_sup_attained_by_the_top_eigenvector(problem):
    d, k = 30, 3
    aware = SmoothnessAware(RandK(k))
    constants = aware.constants(problem)
    rng = np.random.default_rng(12)
    for L, bound, witness in zip(problem.smoothness, constants.bound, constants.witness):
        M = (d - k) / k * (d / (d - 1) * np.diag(np.diag(L)) - L / (d - 1))
        assert bound == pytest.approx(np.linalg.eigvalsh(M)[-1], rel=1e-12)
        assert RandK(k).variance(witness, L) == pytest.approx(bound, rel=1e-12)
        directions = rng.normal(size=(2000, d))
        ratios = RandK(k).variance(directions, L) / np.sum(directions**2, axis=1)
        assert ratios.max() <= bound * (1 + 1e-12) and ratios.max() > 0.3 * bound
    assert np.all(constants.exact) and np.all(constants.ratio <= 1)


@pytest.mark.parametrize("base", (Dithering(1), Dithering(2), Dithering(3), Dithering(1, blocks=6),
                                  Dithering(2, blocks=6), Dithering(4, blocks=3)), ids=repr)
def test_dithering_optimisation_is_below_the_proven_bound(problem, base):
    constants = SmoothnessAware(base).constants(problem)
    assert np.all(constants.attained <= constants.bound * (1 + 1e-12))
    assert np.all(constants.bound <= constants.simple_bound * (1 + 1e-12))
    assert np.all(constants.attained >= 0.95 * constants.bound)
    assert np.all(constants.ratio <= 1)
    sizes = block_sizes(30, base.blocks)
    exact_case = min(sizes) >= 4 * base.s**2
    if exact_case:  # D >= 4 s^2 in every block: the Lagrangian bound is attained
        assert np.all(constants.exact)
        np.testing.assert_allclose(constants.attained, constants.bound, rtol=1e-10)
    rng = np.random.default_rng(13)
    for L, bound, witness in zip(problem.smoothness, constants.bound, constants.witness):
        assert np.linalg.norm(witness) == pytest.approx(1.0, rel=1e-12)
        nearby = np.abs(witness + 1e-3 * rng.normal(size=(500, 30)))
        random = np.abs(rng.normal(size=(500, 30)))
        for trial in (nearby, random):
            ratios = base.variance(trial, L) / np.sum(trial**2, axis=1)
            assert ratios.max() <= bound * (1 + 1e-12)


def test_per_block_levels():
    """One s per block: omega is the library's block dithering with those levels (max over
    blocks of QSGD's), equal levels give the one-s compressor bit for bit, and each block's
    constant is computed with its own s."""
    from pepcert.pep.library.quantizers import BlockDithering

    mixed = Dithering((3, 1, 2), blocks=3)
    assert mixed.omega(30) == BlockDithering(3, (3, 1, 2), 30).compressor_class().omega
    assert mixed.omega(30) == dithering_omega(10, 1)  # the block with s = 1 is the worst
    W = np.random.default_rng(3).normal(size=(4, 30))
    same, one = Dithering((2, 2, 2), blocks=3), Dithering(2, blocks=3)
    for a, b in zip(_compress(same, W, np.random.default_rng(9)), _compress(one, W, np.random.default_rng(9))):
        np.testing.assert_array_equal(a, b)
    L = np.diag(np.linspace(1, 3, 30))
    assert mixed.constants(L)[0] == pytest.approx(max(Dithering(s).constants(L[a:b, a:b])[0] for s, (a, b)
                                                      in zip((3, 1, 2), ((0, 10), (10, 20), (20, 30)))), rel=1e-12)
    with pytest.raises(BadInput):
        Dithering((1, 2), blocks=3)
    with pytest.raises(BadInput):
        Dithering((1, 0), blocks=2)


def test_bad_compressor_input(problem):
    for make in (lambda: Dithering(0), lambda: Dithering(2, blocks=0), lambda: RandK(0), lambda: Dithering(1.5),
                 lambda: SmoothnessAware("dithering")):
        with pytest.raises(BadInput):
            make()
    rng = np.random.default_rng(0)
    with pytest.raises(BadInput):
        Dithering(1, blocks=31)(np.ones((2, 30)), rng)
    with pytest.raises(BadInput):
        RandK(31)(np.ones((2, 30)), rng)
    with pytest.raises(BadInput):
        SmoothnessAware(Dithering(1)).agent(problem, 6)
