"""The compressor library's constants (sparsifiers, scaled sign, EF-Muon, composition),
each checked exactly against an independent enumeration where a formula can be evaluated, and
the numpy implementations checked against it (Monte Carlo: N = 20000 seeded samples, intervals
of 4 standard errors, on random and adversarial vectors, including attainment)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from library_reference import (
    expect,
    joint,
    natural_marginals,
    norm2,
    rand_k_outcomes,
    within,
)
from pepcert.pep.compressors import Contractive, Unbiased
from pepcert.pep.errors import BadInput
from pepcert.pep.library import Compose, EFMuon, NaturalCompression, RandK, ScaledSign, Scaling, TopK

N = 20000


def random_rationals(rng, d):
    return [Fraction(int(rng.integers(-20, 21)), int(rng.integers(1, 8))) for _ in range(d)]


# -- top-k ------------------------------------------------------------------------------------


def top_k_error(v, k):
    """``||C(v) - v||^2`` for top-k: the ``d - k`` smallest squares (exact)."""
    return sum(sorted(x * x for x in v)[: len(v) - k])


@pytest.mark.parametrize("k,d", [(1, 2), (1, 10), (3, 10), (5, 7), (7, 7)])
def test_top_k_delta_exact_and_attained(k, d):
    klass = TopK(k, d).compressor_class()
    assert isinstance(klass, Contractive) and klass.deterministic and klass.delta == Fraction(k, d)
    equal = [Fraction((-1) ** i * 3) for i in range(d)]  # equal magnitudes: the worst vector
    assert top_k_error(equal, k) == (1 - klass.delta) * norm2(equal)
    rng = np.random.default_rng(k * 100 + d)
    for _ in range(200):
        v = random_rationals(rng, d)
        assert top_k_error(v, k) <= (1 - klass.delta) * norm2(v)


def test_top_k_numpy_matches_definition_on_batches():
    rng = np.random.default_rng(1)
    compressor = TopK(3, 10)
    batch = rng.standard_normal((500, 10))
    out = compressor(batch)
    assert out.shape == batch.shape and np.array_equal(out[7], compressor(batch[7]))
    assert np.all(np.count_nonzero(out, axis=1) == 3)
    kept_min = np.min(np.where(out != 0, np.abs(batch), np.inf), axis=1)
    dropped_max = np.max(np.where(out == 0, np.abs(batch), 0), axis=1)
    assert np.all(kept_min >= dropped_max) and np.all((out == 0) | (out == batch))
    ratio = np.sum((out - batch) ** 2, axis=1) / np.sum(batch**2, axis=1)
    assert ratio.max() <= 0.7 + 1e-12


# -- rand-k -----------------------------------------------------------------------------------


@pytest.mark.parametrize("k,d", [(1, 2), (1, 4), (2, 5), (3, 6), (6, 6)])
def test_rand_k_constants_exact_by_enumerating_subsets(k, d):
    biased, unbiased = RandK(k, d).compressor_class(), RandK(k, d, unbiased=True).compressor_class()
    assert isinstance(biased, Contractive) and biased.in_expectation and biased.delta == Fraction(k, d)
    assert isinstance(unbiased, Unbiased) and unbiased.omega == Fraction(d, k) - 1
    rng = np.random.default_rng(d)
    for _ in range(20):  # attained with equality at every v
        v = random_rationals(rng, d)
        error = expect(rand_k_outcomes(v, k, False), lambda y: norm2([a - b for a, b in zip(y, v)]))  # noqa: B023
        assert error == (1 - biased.delta) * norm2(v)
        outcomes = rand_k_outcomes(v, k, True)
        assert [expect(outcomes, lambda y, i=i: y[i]) for i in range(d)] == v
        assert expect(outcomes, norm2) == (1 + unbiased.omega) * norm2(v)


def test_rand_k_numpy_distribution_monte_carlo():
    rng = np.random.default_rng(2)
    v = rng.standard_normal(10)
    batch = np.tile(v, (N, 1))
    out = RandK(2, 10)(batch, rng)
    assert np.all(np.count_nonzero(out, axis=1) == 2) and np.all((out == 0) | (out == batch))
    assert within(out != 0, np.full(10, 0.2))  # each entry kept with probability k/d
    assert within(np.sum((out - v) ** 2, axis=1) / (v @ v), 0.8)
    scaled = RandK(2, 10, unbiased=True)(batch, rng)
    assert within(scaled, v)  # E C(v) = v
    assert within(np.sum(scaled**2, axis=1) / (v @ v), 5.0)  # 1 + omega, attained


# -- scaled sign ------------------------------------------------------------------------------


def scaled_sign(v):
    d, l1 = len(v), sum(abs(x) for x in v)
    return [l1 / d * ((x > 0) - (x < 0)) for x in v]


@pytest.mark.parametrize("d", [1, 2, 5, 10])
def test_scaled_sign_delta_exact_and_approached(d):
    """``delta = 1/d`` holds exactly on random rational vectors (with zero entries too) and is
    the infimum: ``v = (1, eps, ..., eps)`` comes within ``2 eps`` of it (not attained)."""
    klass = ScaledSign(d).compressor_class()
    assert klass.deterministic and klass.delta == Fraction(1, d)
    error = lambda v: norm2([a - b for a, b in zip(scaled_sign(v), v)])
    eps = Fraction(1, 10**6)
    near = [Fraction(1)] + [eps] * (d - 1)
    assert error(near) <= (1 - klass.delta) * norm2(near)
    assert (1 - klass.delta) - error(near) / norm2(near) <= 2 * eps
    rng = np.random.default_rng(d)
    for _ in range(300):
        v = random_rationals(rng, d)
        v[int(rng.integers(d))] *= int(rng.integers(0, 2))  # some zero entries too
        assert error(v) <= (1 - klass.delta) * norm2(v)
        # Karimireddy et al.'s identity when no entry is zero: delta(v) = ||v||_1^2/(d ||v||^2)
        if all(v):
            assert norm2(v) - error(v) == sum(abs(x) for x in v) ** 2 / d
    batch = rng.standard_normal((100, d))
    expected = np.array([[float(x) for x in scaled_sign([Fraction(y) for y in row])] for row in batch])
    assert np.allclose(ScaledSign(d)(batch), expected, rtol=1e-13, atol=0)


# -- EF-Muon ----------------------------------------------------------------------------------


def cayley(rng, n):
    """A random rational orthogonal matrix ``(I - A)(I + A)^{-1}``, ``A`` skew (exact)."""
    import sympy

    upper = sympy.Matrix(n, n, lambda i, j: sympy.Rational(int(rng.integers(-3, 4)), int(rng.integers(1, 4))) if i < j else 0)
    skew = upper - upper.T
    eye = sympy.eye(n)
    return (eye - skew) * (eye + skew).inv()


@pytest.mark.parametrize("m,n", [(2, 2), (3, 5), (4, 3)])
def test_ef_muon_exact_on_rational_svds(m, n):
    """``P = Q1 diag(sigma) Q2`` with rational orthogonal ``Q``: the SVD, the polar factor and
    ``C(P)`` are exact; ``||C(P) - P||^2 = ||P||^2 - ||P||_nuc^2/r <= (1 - 1/min(m,n))||P||^2``,
    and the numpy implementation agrees to 1e-12."""
    import sympy

    compressor, r_max = EFMuon(m, n), min(m, n)
    klass = compressor.compressor_class()
    assert klass.deterministic and klass.delta == Fraction(1, r_max)
    rng = np.random.default_rng(m * 10 + n)
    for sigma in ([3, 1, 1, 1][:r_max], [1, 0, 0, 0][:r_max], [2, 2, 0, 0][:r_max],
                  [1] + [sympy.Rational(1, 10**6)] * (r_max - 1)):
        sigma = [sympy.Rational(x) for x in sigma]
        Q1, Q2 = cayley(rng, m), cayley(rng, n)
        S = sympy.zeros(m, n)
        for i, x in enumerate(sigma):
            S[i, i] = x
        P = Q1 * S * Q2
        r = sum(1 for x in sigma if x != 0)
        sign = sympy.zeros(m, n)
        for i, x in enumerate(sigma):
            sign[i, i] = 1 if x != 0 else 0
        exact = (sum(sigma) / r) * Q1 * sign * Q2
        fro = lambda M: sum(x * x for x in M)
        error = fro(exact - P)
        assert error == fro(P) - sum(sigma) ** 2 / r
        assert error <= (1 - sympy.Rational(1, r_max)) * fro(P)
        numeric = compressor(np.array(P.tolist(), dtype=float))
        assert np.allclose(numeric, np.array(exact.tolist(), dtype=float), atol=1e-12)
        if sigma[1:] and sigma[1] == sympy.Rational(1, 10**6) and r_max > 1:
            # near-attainment of the infimum 1 - 1/min(m, n)
            assert float(error / fro(P)) == pytest.approx(1 - 1 / r_max, abs=1e-5)


def test_ef_muon_numpy_batches_and_random_matrices():
    rng = np.random.default_rng(3)
    compressor = EFMuon(4, 6)
    batch = rng.standard_normal((200, 4, 6))
    out = compressor(batch)
    assert np.allclose(out[5], compressor(batch[5]))
    ratio = np.sum((out - batch) ** 2, axis=(1, 2)) / np.sum(batch**2, axis=(1, 2))
    assert ratio.max() <= 1 - 1 / 4 + 1e-12
    rank_one = np.outer(rng.standard_normal(4), rng.standard_normal(6))
    assert np.allclose(compressor(rank_one), rank_one) and not compressor(np.zeros((4, 6))).any()


# -- composition and scaling ------------------------------------------------------------------


def compose_rand_k_natural(v, k):
    """Exact distribution of scaled rand-k then natural compression (independent)."""
    out = []
    for p, w in rand_k_outcomes(v, k, True):
        out += [(p * q, y) for q, y in joint(natural_marginals(w))]
    return out


def test_compose_unbiased_unbiased_exact_and_attained():
    d, k = 3, 1
    compressor = Compose((RandK(k, d, unbiased=True), NaturalCompression()))
    klass = compressor.compressor_class()
    assert isinstance(klass, Unbiased) and klass.omega == (1 + Fraction(d, k) - 1) * Fraction(9, 8) - 1
    worst = [Fraction(k, d) * Fraction(4, 3)] * d  # every kept entry (d/k) v_i = 4/3
    assert expect(compose_rand_k_natural(worst, k), norm2) == (1 + klass.omega) * norm2(worst)
    rng = np.random.default_rng(4)
    for _ in range(20):
        v = random_rationals(rng, d)
        outcomes = compose_rand_k_natural(v, k)
        assert [expect(outcomes, lambda y, i=i: y[i]) for i in range(d)] == v
        assert expect(outcomes, norm2) <= (1 + klass.omega) * norm2(v)
    batch = np.tile(np.array([float(x) for x in worst]), (N, 1))
    out = compressor(batch, rng)
    assert within(out, batch[0]) and within(np.sum(out**2, axis=1) / (batch[0] @ batch[0]), float(1 + klass.omega))


def test_compose_contractive_then_unbiased_exact_and_attained():
    """top-1 then scaled rand-1, rescaled by 1/(1 + omega) = 1/2: delta = (1/2)/2, attained
    at v = (1, 1) (exact enumeration), a bound for random rational v."""
    compressor = Compose((TopK(1, 2), RandK(1, 2, unbiased=True)))
    klass = compressor.compressor_class()
    assert isinstance(klass, Contractive) and klass.in_expectation and klass.delta == Fraction(1, 4)

    def error(v):
        kept = [x if i == max(range(2), key=lambda j: (abs(v[j]), -j)) else Fraction(0) for i, x in enumerate(v)]
        outcomes = [(p, [y / 2 for y in w]) for p, w in rand_k_outcomes(kept, 1, True)]
        return expect(outcomes, lambda y: norm2([a - b for a, b in zip(y, v)]))

    assert error([Fraction(1), Fraction(1)]) == Fraction(3, 4) * 2
    rng = np.random.default_rng(5)
    for _ in range(200):
        v = random_rationals(rng, 2)
        assert error(v) <= (1 - klass.delta) * norm2(v)
    batch = np.ones((N, 2))
    assert within(np.sum((compressor(batch, rng) - 1) ** 2, axis=1) / 2, 0.75)


def test_compose_refuses_unproven_orders():
    with pytest.raises(BadInput, match="no proven constant"):
        Compose((RandK(2, 10, unbiased=True), TopK(1, 10)))
    with pytest.raises(BadInput, match="no proven constant"):
        Compose((TopK(2, 10), TopK(1, 10)))
    with pytest.raises(BadInput, match="different dimensions"):
        Compose((RandK(2, 10, unbiased=True), RandK(2, 11, unbiased=True)))


def test_scaling_attains_its_delta_everywhere():
    alpha = Fraction(3, 2)
    klass = Scaling(alpha).compressor_class()
    v = [Fraction(2), Fraction(-7)]
    assert norm2([alpha * x - x for x in v]) == (1 - klass.delta) * norm2(v) and klass.delta == Fraction(3, 4)


def test_ef_muon_is_one_implementation_for_numpy_and_exact_2x2():
    """The library's ``ef-muon`` and Muon's ``ScaledPolarCompressor`` are one class: the same
    compressor on numpy batches and on exact 2x2 matrices (closed-form polar factor)."""
    from pepcert.pep.algorithms.muon import ScaledPolarCompressor
    from pepcert.pep.numerics.matrix2 import Mat2

    assert ScaledPolarCompressor is EFMuon
    # P = diag(3, -1) rotated by the 3-4-5 rotation: singular values 3, 1, so C(P) = 2 polar(P).
    q = Fraction
    R = Mat2(q(3, 5), q(-4, 5), q(4, 5), q(3, 5))
    P = R @ Mat2(q(3), q(0), q(0), q(-1))
    exact = EFMuon(2, 2)(P)
    assert exact == (R @ Mat2(q(1), q(0), q(0), q(-1))) * 2 and all(isinstance(x, Fraction) for x in exact.entries())
    assert np.allclose(EFMuon(2, 2)(P.to_float_array()), exact.to_float_array(), atol=1e-14)
    assert EFMuon()(P) == exact and EFMuon().compressor_class(2) == EFMuon(2, 2).compressor_class()
    with pytest.raises(BadInput):
        EFMuon(3, 5)(P)
    with pytest.raises(BadInput):
        EFMuon().compressor_class()  # no shape and no rank bound
