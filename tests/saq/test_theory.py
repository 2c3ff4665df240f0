"""The re-derived bounds of pepcert/saq/theory.py: the one-step Lyapunov inequality checked
exactly (expectations from the compressors' exact variances), the rate against the mean of
many seeded runs, and the closed forms in the cases where they are known."""

from __future__ import annotations

import dataclasses
import itertools
import math

import numpy as np
import pytest

from pepcert.pep.errors import BadInput
from pepcert.saq.compressors import Dithering, RandK
from pepcert.saq.methods import method_compressor, smoothness_aware, trajectory
from pepcert.saq.quadratic import Identity, quadratic_problem, random_quadratics
from pepcert.saq.theory import bits_per_round, lyapunov, parameters, shift_norms, theory

COMPRESSORS = [Dithering(1), Dithering(2, blocks=2), RandK(2)]


@pytest.fixture(scope="module")
def quadratics():
    return random_quadratics(n=4, d=5, seed=3, spread=20.0)


def _variances(problem, method, compressor, V):
    """``E||C_i(v_i) - v_i||^2`` and ``E||C_i(v_i) - v_i||^2_{N_i}`` per worker, exactly."""
    used = method_compressor(method, compressor)
    if smoothness_aware(method):
        w = np.einsum("nij,...nj->...ni", problem.inv_sqrt_smoothness, V)
        return used.variance(V, problem), used.base.variance(w, np.eye(problem.d))
    euclidean = used.variance(V, np.eye(problem.d))
    return euclidean, euclidean / problem.L_max


def _expected_next(problem, bound, compressor, x, h):
    """``E[Psi(x+, h+) | x, h]`` of DIANA: mean part plus the exact variances."""
    gamma, alpha = bound.gamma, bound.alpha
    delta = problem.gradients(x) - h
    var, var_norm = _variances(problem, bound.method, compressor, delta)
    mean_x = x - gamma * (h + delta).mean(axis=-2) - problem.x_star
    ex = np.sum(mean_x**2, axis=-1) + gamma**2 * var.sum(axis=-1) / problem.n**2
    optimum = problem.gradients(problem.x_star)
    eh = shift_norms(problem, bound.method, h + alpha * delta - optimum) + alpha**2 * var_norm
    return ex + bound.lyapunov_weight * eh.mean(axis=-1)


def _states(problem, rng, count=600):
    """Random states at many scales, half of them with shifts near the current gradients."""
    for scale in (1e-3, 1e-1, 1.0, 10.0):
        x = problem.x_star + scale * rng.standard_normal((count, problem.d))
        h = problem.gradients(problem.x_star) + scale * rng.standard_normal((count, problem.n, problem.d))
        yield x, h
        yield x, problem.gradients(x) + 1e-3 * scale * rng.standard_normal(h.shape)


def _worst_ratio(problem, bound, compressor):
    rng = np.random.default_rng(0)
    return max(float(np.max(_expected_next(problem, bound, compressor, x, h) / lyapunov(problem, bound, x, h)))
               for x, h in _states(problem, rng))


@pytest.mark.parametrize("compressor, method", list(itertools.product(COMPRESSORS, ("diana", "diana+"))),
                         ids=lambda v: getattr(v, "name", v))
def test_one_step_lyapunov_decrease_exactly_in_expectation(quadratics, compressor, method):
    bound = theory(quadratics, method, compressor)
    assert _worst_ratio(quadratics, bound, compressor) <= bound.rate
    # the check has teeth: at four times the step the same states break the inequality
    assert _worst_ratio(quadratics, dataclasses.replace(bound, gamma=4 * bound.gamma), compressor) > bound.rate


@pytest.mark.parametrize("method", ["dcgd", "dcgd+"])
def test_dcgd_one_step_bound_with_its_neighbourhood_term(quadratics, method):
    compressor = Dithering(1)
    bound = theory(quadratics, method, compressor)
    rng = np.random.default_rng(1)
    r0 = float(quadratics.x_star @ quadratics.x_star)
    sigma = bound.neighbourhood * quadratics.mu * r0 / bound.gamma
    for x, _ in _states(quadratics, rng):
        G = quadratics.gradients(x)
        var, _ = _variances(quadratics, method, compressor, G)
        mean = x - bound.gamma * G.mean(axis=-2) - quadratics.x_star
        expected = np.sum(mean**2, axis=-1) + bound.gamma**2 * var.sum(axis=-1) / quadratics.n**2
        current = np.sum((x - quadratics.x_star) ** 2, axis=-1)
        assert np.all(expected <= bound.rate * current + bound.gamma**2 * sigma * (1 + 1e-12))


@pytest.mark.parametrize("method", ["diana", "diana+"])
def test_rate_bound_holds_for_the_mean_of_many_seeded_runs(quadratics, method):
    compressor, replicas, steps = Dithering(1), 4000, 25
    bound = theory(quadratics, method, compressor)
    runs = trajectory(quadratics, method, compressor, bound.gamma, bound.alpha, 5, replicas=replicas)
    start = float(lyapunov(quadratics, bound, np.zeros(quadratics.d), np.zeros((quadratics.n, quadratics.d))))
    r0 = float(quadratics.x_star @ quadratics.x_star)
    assert math.isclose(start / r0, bound.start, rel_tol=1e-12)
    for k, state in enumerate(itertools.islice(runs, steps), start=1):
        values = lyapunov(quadratics, bound, state.x, state.h)
        mean, error = values.mean(), values.std(ddof=1) / math.sqrt(replicas)
        assert mean - 4 * error <= bound.rate**k * start, k
        errors = np.sum((state.x - quadratics.x_star) ** 2, axis=-1) / r0
        assert errors.mean() - 4 * errors.std(ddof=1) / math.sqrt(replicas) <= bound.error_bound(k)


def test_identity_gives_gradient_descent_constants(quadratics):
    for method in ("dcgd", "diana"):
        gamma, alpha = parameters(quadratics, method, Identity())
        assert gamma == pytest.approx(1 / quadratics.L, rel=1e-15)
        assert alpha == (1.0 if method == "diana" else None)
    bound = theory(quadratics, "diana", Identity())
    assert bound.rate == max(1 - quadratics.mu / quadratics.L, 0.5)
    assert bound.start == 1.0  # omega = 0: no shift term in Psi
    assert theory(quadratics, "dcgd", Identity()).neighbourhood == 0.0


def test_scalar_smoothness_makes_the_two_versions_coincide():
    # L_i = c I for all i: omega_i^+ = omega c = omega L_max, so DIANA+ takes DIANA's step
    c, d = 2.5, 8
    problem = quadratic_problem(np.array([c * np.eye(d)] * 3), np.random.default_rng(0).standard_normal((3, d)))
    for compressor in (Dithering(1), RandK(3)):
        for method in ("dcgd", "diana"):
            plain, plus = theory(problem, method, compressor), theory(problem, method + "+", compressor)
            assert plus.gamma == pytest.approx(plain.gamma, rel=1e-9)
            assert plus.rate == pytest.approx(plain.rate, rel=1e-12)
            assert plus.start == pytest.approx(plain.start, rel=1e-9)
            assert plus.neighbourhood == pytest.approx(plain.neighbourhood, rel=1e-9)
    omega = float(Dithering(1).omega(d))
    assert theory(problem, "diana", Dithering(1)).gamma == pytest.approx(1 / (c + 6 * omega * c / 3), rel=1e-15)


def test_iteration_bound_is_the_first_k_under_eps(quadratics):
    for method in ("diana", "diana+", "dcgd"):
        bound = theory(quadratics, method, Dithering(1))
        for eps in (0.9, 1e-3, 1e-9):
            k = bound.iterations(eps)
            if k is None:
                assert method == "dcgd" and bound.neighbourhood >= eps
                continue
            assert bound.error_bound(k) <= eps * (1 + 1e-12)
            assert k == 0 or bound.error_bound(k - 1) > eps
            assert bound.communication(eps) == k * bound.bits_per_round


def _expected_dithering_bits(compressor, w):
    """``E bits`` of l2 dithering at ``w``, exactly: each level is floor(x) or floor(x) + 1."""
    from pepcert.saq.compressors import elias_omega_bits

    def cost(level):
        return elias_omega_bits(level + 1) + (level > 0)

    total = 0.0
    for block in np.split(w, np.cumsum(compressor.sizes(len(w)))[:-1]):
        x = compressor.s * np.abs(block) / np.linalg.norm(block)
        low = np.floor(x).astype(np.int64)
        theta = x - low
        total += 32 + float(np.sum((1 - theta) * cost(low) + theta * cost(low + 1)))
    return total


def test_bits_per_round_bounds_the_expected_bits():
    rng = np.random.default_rng(2)
    d = 30
    for compressor in (Dithering(1), Dithering(2, blocks=3), Dithering(5, blocks=6)):
        bound = bits_per_round(compressor, d)
        points = [np.ones(d), *rng.standard_normal((100, d)), *(rng.standard_normal((100, d)) ** 5)]
        assert max(_expected_dithering_bits(compressor, w) for w in points) <= bound * (1 + 1e-12)
        # and the exact expectation is what the compressor counts (Monte Carlo, 1000 draws)
        W = rng.standard_normal((1000, d))
        bits = compressor.encode(W, rng).bits
        exact = np.array([_expected_dithering_bits(compressor, w) for w in W])
        assert abs(bits.mean() - exact.mean()) <= 4 * bits.std() / math.sqrt(len(W))
    # one block, s = 1: 32 + d + 3 sqrt(d) (a level costs at most 1 + 3 xi bits), attained at v = (1, ..., 1)
    assert bits_per_round(Dithering(1), d) == pytest.approx(_expected_dithering_bits(Dithering(1), np.ones(d)), rel=1e-12)
    assert bits_per_round(Dithering(1), d) == 32 + d + 3 * math.sqrt(d)
    assert bits_per_round(RandK(4), d) == 4 * (32 + 5)
    assert bits_per_round(Identity(), d) == 32 * d


def test_bad_steps_are_refused(quadratics):
    gamma, _alpha = parameters(quadratics, "diana", Dithering(1))
    with pytest.raises(BadInput):
        theory(quadratics, "diana", Dithering(1), gamma=2 * gamma)
    with pytest.raises(BadInput):
        theory(quadratics, "diana", Dithering(1), alpha=1.0)
    assert theory(quadratics, "diana", Dithering(1), gamma=gamma / 2).gamma == gamma / 2
