"""Constants of the quantizers (dithering in l2 and l-infinity, natural compression, natural
dithering, block dithering): exact expectations over every rounding outcome on rational
vectors (``tests/library_reference.py``, independent of the library), equality at the
adversarial vectors where the constant is attained, and Monte Carlo checks of the numpy
implementations (N = 20000 seeded samples, intervals of 4 standard errors): unbiasedness,
the second moment at the adversarial vector, and outputs on the level grid."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import sympy

from library_reference import (
    dithering_marginals,
    moments,
    natural_dithering_marginals,
    natural_marginals,
    norm2,
    rational_unit_vector,
    within,
)
from pepcert.pep.compressors import Unbiased
from pepcert.pep.library import (
    BlockDithering,
    NaturalCompression,
    NaturalDithering,
    RandomDithering,
    dithering_omega,
    natural_dithering_omega,
)

N = 20000


def omega_of(marginals, v):
    """Exact ``E||C(v)||^2 / ||v||^2 - 1``, after checking ``E C(v) = v`` exactly."""
    mean, second = moments(marginals)
    assert mean == list(v)
    return second / norm2(v) - 1


def l2_dithering_omega(v, s):
    """``v`` with rational l2 norm (rational_unit_vector scaled)."""
    return omega_of(dithering_marginals(v, s, exact_norm(v)), v)


def exact_norm(v):
    n = sympy.sqrt(sympy.Rational(norm2(v).numerator, norm2(v).denominator))
    assert n.is_Rational
    return Fraction(int(n.p), int(n.q))


def linf_dithering_omega(v, s):
    return omega_of(dithering_marginals(v, s, max(abs(x) for x in v)), v)


def check_numpy(compressor, v, omega, support):
    """MC: unbiased, second moment ``(1 + omega)||v||^2`` (the adversarial value), outputs in the
    exact support of each coordinate."""
    rng = np.random.default_rng(11)
    x = np.array([float(t) for t in v])
    out = compressor(np.tile(x, (N, 1)), rng)
    assert within(out, x)
    assert within(np.sum(out**2, axis=1) / (x @ x), float(1 + omega))
    width = max(len(dist) for dist in support)
    values = np.array([[float(y) for _, y in dist] + [float(dist[-1][1])] * (width - len(dist)) for dist in support])
    assert np.all(np.min(np.abs(out[:, :, None] - values), axis=2) <= 1e-12 * max(1.0, np.abs(x).max()))


# -- random dithering, l2 (QSGD) --------------------------------------------------------------

L2_ATTAINED = [  # (d, s, v): the proven omega is attained exactly
    (4, 1, [1] * 4), (9, 1, [1] * 9), (16, 2, [1] * 16), (25, 2, [1] * 25), (100, 4, [1] * 100),
    (8, 2, [3] + [1] * 7),  # d < 4 s^2: 4 s^2 = 16 = 9 + 7 * 1 (sum of d odd squares)
]


@pytest.mark.parametrize("d,s,v", L2_ATTAINED)
def test_l2_dithering_omega_attained_exactly(d, s, v):
    v = [Fraction(x) for x in v]
    omega = RandomDithering(s, d).compressor_class().omega
    assert l2_dithering_omega(v, s) == omega
    check_numpy(RandomDithering(s, d), v, omega, dithering_marginals(v, s, exact_norm(v)))


@pytest.mark.parametrize("d,s", [(1, 1), (2, 1), (3, 2), (5, 1), (7, 3), (12, 2), (30, 1), (30, 5)])
def test_l2_dithering_omega_bounds_random_rational_vectors(d, s):
    omega = RandomDithering(s, d).compressor_class().omega
    rng = np.random.default_rng(d * 7 + s)
    for _ in range(60):
        v = [3 * x for x in rational_unit_vector(rng, d)]
        assert l2_dithering_omega(v, s) <= omega


def test_dithering_constants_closed_forms_and_the_published_bound():
    """The sharp constants are at most Alistarh et al.'s min(d/s^2, sqrt(d)/s) (exactly,
    sympy), and the l2 formula is continuous at d = 4 s^2."""
    for d in range(1, 70):
        for s in range(1, 6):
            published = sympy.Min(sympy.Rational(d, s * s), sympy.sqrt(d) / s)
            assert sympy.sympify(dithering_omega(d, s)) <= published
    assert dithering_omega(36, 3) == 1 and dithering_omega(100, 4) == Fraction(3, 2)
    assert dithering_omega(10, 1) == sympy.sqrt(10) - 1 and dithering_omega(10, 2) == Fraction(5, 8)


def test_l2_dithering_numpy_on_random_vectors():
    rng = np.random.default_rng(12)
    v = rng.standard_normal(50)
    compressor = RandomDithering(3, 50)
    out = compressor(np.tile(v, (N, 1)), rng)
    assert within(out, v)
    # E||C(v)||^2 from the closed-form rounding variance (float), vs MC; and <= 1 + omega
    x = 3 * np.abs(v) / np.linalg.norm(v)
    p = x - np.floor(x)
    expected = 1 + np.sum(p * (1 - p)) / 9
    assert within(np.sum(out**2, axis=1) / (v @ v), expected) and expected <= 1 + float(compressor.compressor_class().omega)
    assert not compressor(np.zeros(50), rng).any()


# -- random dithering, l-infinity -------------------------------------------------------------


@pytest.mark.parametrize("d,s", [(2, 1), (4, 1), (6, 2), (10, 3), (100, 4)])
def test_linf_dithering_omega_attained(d, s):
    """At ``v = (1, t, ..., t)``, ``t = 1/(s + sqrt(s^2 + d - 1))``, the exact omega(v) (sympy,
    any d) equals the constant; for rational t also by enumerating outcomes."""
    omega = RandomDithering(s, d, "linf").compressor_class().omega
    root = sympy.sqrt(s * s + d - 1)
    t = 1 / (s + root)
    x = s * t  # < 1: rounded between 0 and 1/s
    value = (d - 1) * x * (1 - x) / (s * s + (d - 1) * x * x)
    assert sympy.expand(sympy.radsimp(value - sympy.sympify(omega))) == 0
    if root.is_Rational:
        v = [Fraction(1)] + [Fraction(int(t.p), int(t.q))] * (d - 1)
        assert linf_dithering_omega(v, s) == omega
        check_numpy(RandomDithering(s, d, "linf"), v, omega, dithering_marginals(v, s, Fraction(1)))


@pytest.mark.parametrize("d,s", [(2, 1), (3, 2), (5, 1), (8, 3), (20, 2)])
def test_linf_dithering_omega_bounds_random_rational_vectors(d, s):
    omega = RandomDithering(s, d, "linf").compressor_class().omega  # irrational: sympy, exact comparisons
    rng = np.random.default_rng(d * 13 + s)
    for _ in range(80):
        v = [Fraction(int(rng.integers(-30, 31)), int(rng.integers(1, 6))) for _ in range(d)]
        if any(v):
            assert sympy.sympify(linf_dithering_omega(v, s)) <= omega
    assert RandomDithering(1, 5, "linf").compressor_class().omega == (sympy.sqrt(5) - 1) / 2  # TernGrad


# -- natural compression and natural dithering ------------------------------------------------


def test_natural_compression_omega_exact_and_attained():
    compressor = NaturalCompression()
    omega = compressor.compressor_class().omega
    assert isinstance(compressor.compressor_class(), Unbiased) and omega == Fraction(1, 8)
    worst = [Fraction(4, 3), Fraction(-8, 3), Fraction(1, 3)]  # each |t| = (4/3) 2^a
    assert omega_of(natural_marginals(worst), worst) == omega
    rng = np.random.default_rng(13)
    for _ in range(300):
        v = [Fraction(int(rng.integers(-50, 51)), int(rng.integers(1, 20))) for _ in range(4)]
        if any(v):
            assert omega_of(natural_marginals(v), v) <= omega
    check_numpy(compressor, worst, omega, natural_marginals(worst))


@pytest.mark.parametrize("d,s", [(9, 1), (25, 2), (100, 3), (81, 3)])
def test_natural_dithering_omega_attained_at_ones(d, s):
    v = [Fraction(1)] * d
    omega = NaturalDithering(s, d).compressor_class().omega
    assert omega == Fraction(1, 2 ** (s - 1)) * exact_norm(v) - 1
    assert omega_of(natural_dithering_marginals(v, s, exact_norm(v)), v) == omega
    check_numpy(NaturalDithering(s, d), v, omega, natural_dithering_marginals(v, s, exact_norm(v)))


@pytest.mark.parametrize("d,s", [(3, 1), (6, 2), (9, 3), (20, 4), (40, 3)])
def test_natural_dithering_omega_bounds_random_rational_vectors(d, s):
    omega = natural_dithering_omega(d, s)
    rng = np.random.default_rng(d * 17 + s)
    for _ in range(60):
        v = [2 * x for x in rational_unit_vector(rng, d)]
        assert omega_of(natural_dithering_marginals(v, s, Fraction(2)), v) <= omega
    assert natural_dithering_omega(4, 10) == 2 * 4 * Fraction(1, 2**9) ** 2 / 9 + Fraction(1, 8)


def test_natural_dithering_numpy_levels_are_powers_of_two():
    rng = np.random.default_rng(14)
    v = rng.standard_normal(30)
    out = NaturalDithering(4, 30)(np.tile(v, (N, 1)), rng)
    assert within(out, v)
    levels = np.abs(out) / np.linalg.norm(v)
    allowed = np.array([0.0] + [2.0**-j for j in range(4)])
    assert np.all(np.min(np.abs(levels[..., None] - allowed), axis=-1) <= 1e-12)


# -- block dithering --------------------------------------------------------------------------


def test_block_dithering_omega_is_the_worst_block_and_attained():
    compressor = BlockDithering(2, (1, 2), 8)  # blocks of 4: omega(4, 1) = 1, omega(4, 2) = 1/4
    omega = compressor.compressor_class().omega
    assert omega == max(dithering_omega(4, 1), dithering_omega(4, 2)) == 1
    worst = [Fraction(1)] * 4 + [Fraction(0)] * 4
    marginals = dithering_marginals(worst[:4], 1, Fraction(2)) + [[(Fraction(1), Fraction(0))]] * 4
    assert omega_of(marginals, worst) == omega
    rng = np.random.default_rng(15)
    for _ in range(40):  # each block a rational multiple of a rational unit vector
        a, b = Fraction(int(rng.integers(1, 9))), Fraction(int(rng.integers(0, 9)))
        u1, u2 = rational_unit_vector(rng, 4), rational_unit_vector(rng, 4)
        v = [a * x for x in u1] + [b * x for x in u2]
        marg = dithering_marginals(v[:4], 1, a) + (dithering_marginals(v[4:], 2, b) if b else [[(Fraction(1), Fraction(0))]] * 4)
        assert omega_of(marg, v) <= omega
    check_numpy(compressor, worst, omega, marginals)
    assert BlockDithering(4, (2,) * 4, 100).compressor_class().omega == dithering_omega(25, 2) == Fraction(3, 2)
    assert BlockDithering(3, (1, 1, 1), 10).compressor_class().omega == dithering_omega(4, 1)  # sizes 4, 3, 3
