"""Closed-form polar factor, LMOs, the scaled polar compressor, and balls of 2x2 matrices."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from pepcert.pep.algorithms.muon import ScaledPolarCompressor
from pepcert.pep.lmo import FrobeniusLMO, SignLMO, SpectralLMO
from pepcert.pep.numerics.intervals import Undecided, ball, enclose, is_enclosure, lower, sign_of, upper
from pepcert.pep.numerics.matrix2 import Mat2, is_polar_factor, nuclear_norm, polar, polar_svd, rank, singular_values


@pytest.fixture
def rng():
    return np.random.default_rng(20260509)


def test_closed_form_polar_matches_svd(rng):
    for _ in range(200):
        A = rng.standard_normal((2, 2))
        U = polar(Mat2.from_array(A)).to_float_array()
        assert np.allclose(U, polar_svd(A), atol=1e-12)
        s = singular_values(Mat2.from_array(A))
        assert np.allclose(sorted(s, reverse=True), np.linalg.svd(A, compute_uv=False), atol=1e-12)
        assert nuclear_norm(Mat2.from_array(A)) == pytest.approx(np.linalg.svd(A, compute_uv=False).sum(), abs=1e-12)


def test_rank_one_polar_is_u_v_transpose():
    M = Mat2.from_array(np.outer([1.0, 2.0], [3.0, -1.0]))
    U = polar(M).to_float_array()
    assert np.allclose(U, polar_svd(M.to_float_array()), atol=1e-12)
    assert rank(M) == 1
    exact = Mat2(Fraction(3), Fraction(-1), Fraction(6), Fraction(-2))
    assert rank(exact) == 1


def test_exact_polar_of_diagonal_and_rotation_scaled_matrices():
    q = Fraction
    M = Mat2(q(3, 7), q(0), q(0), q(-5, 11))
    U = polar(M)
    assert U == Mat2(q(1), q(0), q(0), q(-1))
    assert is_polar_factor(M, U)
    assert not is_polar_factor(M, Mat2(q(1), q(0), q(0), q(1)))
    # 3-4-5 triangle: exact rotation.
    R = Mat2(q(3), q(-4), q(4), q(3)) * q(2)
    assert polar(R) == Mat2(q(3, 5), q(-4, 5), q(4, 5), q(3, 5))
    assert is_polar_factor(R, polar(R))


def test_irrational_polar_is_an_enclosure_and_not_exact():
    M = Mat2(Fraction(1), Fraction(1), Fraction(0), Fraction(2))
    U = polar(M)
    true = polar_svd(np.array([[1.0, 1.0], [0.0, 2.0]]))
    for entry, value in zip(U.entries(), true.ravel()):
        assert is_enclosure(entry)
        assert lower(entry) <= Fraction(value) + Fraction(1, 10**12) and Fraction(value) - Fraction(1, 10**12) <= upper(entry)
    assert not is_polar_factor(M, U)


def test_lmos_are_minimisers_over_their_unit_balls(rng):
    for _ in range(50):
        M = rng.standard_normal((3, 4))
        spectral, sign, frobenius = SpectralLMO()(M), SignLMO()(M), FrobeniusLMO()(M)
        assert np.sum(M * spectral) == pytest.approx(-np.linalg.svd(M, compute_uv=False).sum(), abs=1e-10)
        assert np.linalg.norm(spectral, 2) == pytest.approx(1.0, abs=1e-12)
        assert np.sum(M * sign) == pytest.approx(-np.abs(M).sum(), abs=1e-12)
        assert np.sum(M * frobenius) == pytest.approx(-np.linalg.norm(M), abs=1e-12)
        for _ in range(5):  # any feasible D does no better
            D = rng.standard_normal((3, 4))
            assert np.sum(M * spectral) <= np.sum(M * D / np.linalg.norm(D, 2)) + 1e-12
            assert np.sum(M * sign) <= np.sum(M * D / np.abs(D).max()) + 1e-12


def test_scaled_polar_compressor_is_one_over_rank_contractive(rng):
    compressor = ScaledPolarCompressor()
    for shape in [(2, 2), (3, 4), (5, 3)]:
        r = min(shape)
        for _ in range(100):
            P = rng.standard_normal(shape)
            C = compressor(P)
            residual = np.linalg.norm(C - P) ** 2
            nuc = np.linalg.svd(P, compute_uv=False).sum()
            # Exact identity ||C(P) - P||^2 = ||P||^2 - ||P||_nuc^2 / rank P ...
            assert residual == pytest.approx(np.linalg.norm(P) ** 2 - nuc**2 / r, rel=1e-10, abs=1e-10)
            # ... hence the contraction with delta = 1/rank.
            assert residual <= (1 - float(compressor.compressor_class(r).delta)) * np.linalg.norm(P) ** 2 + 1e-12
    # Same formulas on float Mat2.
    P = rng.standard_normal((2, 2))
    assert np.allclose(compressor(Mat2.from_array(P)).to_float_array(), compressor(P), atol=1e-12)


def test_ball_arithmetic_contains_the_true_values(rng):
    for _ in range(200):
        a, b, c, d = sorted(rng.uniform(-3, 3, 2)) + sorted(rng.uniform(-3, 3, 2))
        X = ball(Fraction(a), Fraction(b))
        Y = ball(Fraction(c), Fraction(d))
        x, y = Fraction(rng.uniform(a, b)), Fraction(rng.uniform(c, d))
        for result, value in [(X + Y, x + y), (X - Y, x - y), (X * Y, x * y), (abs(X), abs(x)), (X * X, x * x)]:
            assert lower(result) <= value <= upper(result)


def test_polar_of_a_diagonal_enclosure_is_exact_and_verified():
    M = Mat2(enclose(Fraction(1, 3)), enclose(0), enclose(0), -enclose(Fraction(2, 7)))
    U = polar(M)
    assert all(not is_enclosure(x) for x in U.entries()) and is_polar_factor(M, U)
    assert not is_polar_factor(M, -U)
    straddling = Mat2(enclose(Fraction(1, 3)) - enclose(Fraction(1, 3)), enclose(0), enclose(0), enclose(1))
    with pytest.raises(Undecided):
        polar(straddling)  # the sign of m_11 is not decided: no guess


def test_undecidable_signs_raise():
    assert sign_of(ball(Fraction(1, 10**6), Fraction(1))) == 1
    assert sign_of(enclose(Fraction(1, 10**30))) == 1 and sign_of(-enclose(Fraction(1, 10**300))) == -1
    with pytest.raises(Undecided):
        sign_of(ball(Fraction(-1, 10**30), Fraction(1)))
    with pytest.raises(TypeError):
        enclose(0.5)  # floats never enter exact arithmetic
