"""EF-Muon converges where Muon does not; its gaps respect the stated bounds."""

from __future__ import annotations

import math

import numpy as np
import pytest

from pepcert.analyses.ef_muon import (
    contraction_factor,
    ef_bound,
    ef_bound_inverse_sqrt,
    ef_optimal_constant_step,
    inverse_sqrt_error_constant,
    random_max_affine,
)
from pepcert.analyses.muon import Mat2, ScaledPolarCompressor, ef_muon, muon, muon_instance, simulate
from pepcert.pep.simulate import NumericOracle


def instance_run(beta: str, T: int, method=None, schedule="1/sqrt(t+1)"):
    instance = muon_instance(beta, schedule)
    gammas = instance.schedule.floats(np.arange(T))
    W0 = Mat2.from_array(instance.W0_float())
    run = simulate((method or ef_muon)(gammas), instance.oracle(), W0, T)
    c = float(instance.c)
    L = math.sqrt(2 + 2 * c * c)  # ||G||_F for every subgradient of the instance
    R = float(np.linalg.norm(instance.W0_float()))  # distance to the minimiser 0
    return instance, run, gammas, L, R


def test_ef_muon_reaches_1e_minus_3_on_the_beta_09_instance_within_2500_steps():
    instance, run, _gammas, _L, _R = instance_run("0.9", 2500)
    first = run.first_below(1e-3)
    assert first is not None and first <= 2500
    # Muon itself never goes below (1 - beta)/(1 + beta) = 1/19 on this instance.
    assert float(instance.gap_bound) > 50 * 1e-3


@pytest.mark.parametrize("beta", ["0", "0.5", "0.9"])
def test_ef_muon_gaps_respect_the_ef_bound_and_vanish(beta):
    _instance, run, gammas, L, R = instance_run(beta, 5000)
    bound = ef_bound(R, L, gammas, max_rank=2)
    best = run.best_so_far()[:-1]  # min_{t < T} gap for T = 1..5000
    assert np.all(best <= bound)
    assert run.min_gap < 1e-3
    # The closed-form anytime bound for gamma_t = 1/sqrt(t+1) dominates the recursive one.
    for T in (10, 100, 1000, 5000):
        assert bound[T - 1] <= ef_bound_inverse_sqrt(R, L, 1.0, T, 2) + 1e-12


def test_ef_muon_crosses_the_muon_level_for_beta_099():
    instance, run, gammas, L, R = instance_run("0.99", 40000)
    level = float(instance.gap_bound)
    assert run.first_below(level) is not None  # Muon never does: the certificate
    assert np.all(run.best_so_far()[:-1] <= ef_bound(R, L, gammas, 2))


def test_ef_muon_with_momentum_also_converges_on_the_instance():
    _instance, run, *_ = instance_run("0.9", 3000, method=lambda gammas: ef_muon(gammas, 0.9))
    assert run.min_gap < 1e-3


def test_constant_step_bound_one_plus_sqrt_two():
    q = contraction_factor(2)
    assert math.sqrt((1 + q) / (1 - q)) == pytest.approx(1 + math.sqrt(2), rel=1e-15)
    instance = muon_instance("0.9", "0.1")
    c = float(instance.c)
    L, R = math.sqrt(2 + 2 * c * c), float(np.linalg.norm(instance.W0_float()))
    for T in (100, 1000, 4000):
        gamma, bound = ef_optimal_constant_step(R, L, T, 2)
        assert bound == pytest.approx((1 + math.sqrt(2)) * R * L / math.sqrt(T), rel=1e-12)
        run = simulate(ef_muon([gamma] * T), instance.oracle(), Mat2.from_array(instance.W0_float()), T)
        assert run.best_so_far()[T - 1] <= bound
        assert ef_bound(R, L, [gamma] * T, 2)[-1] <= bound * (1 + 1e-12)


def test_error_constant_of_the_inverse_sqrt_schedule():
    K = inverse_sqrt_error_constant(2)
    q = contraction_factor(2)
    partial = sum(q**j * math.sqrt(j + 1) for j in range(1, 400))
    assert partial <= K <= partial + 1e-12
    assert 4.0 < K < 5.0


def test_random_max_affine_instances_ef_muon_converges_within_its_bound():
    rng = np.random.default_rng(7)
    for _ in range(3):
        f = random_max_affine(rng, pieces=12, shape=(3, 4))
        assert f.value(f.minimizer) == pytest.approx(f.f_star, abs=1e-9)
        T = 3000
        gammas = 1.0 / np.sqrt(np.arange(T) + 1)
        W0 = np.zeros((3, 4))
        run = simulate(ef_muon(gammas), NumericOracle(f, ScaledPolarCompressor()), W0, T, f.f_star)
        R = float(np.linalg.norm(W0 - f.minimizer))
        bound = ef_bound(R, f.lipschitz, gammas, f.max_rank)
        assert np.all(run.best_so_far()[:-1] <= bound)
        assert run.best_so_far()[-1] < 0.05 * run.gaps[0]
        assert run.gaps.min() >= -1e-9  # f* is the minimum


def test_muon_does_not_reach_the_level_where_ef_muon_goes():
    instance, ef_run, gammas, *_ = instance_run("0.5", 2000)
    muon_run = simulate(muon(0.5, gammas), instance.oracle(), Mat2.from_array(instance.W0_float()), len(gammas))
    assert muon_run.min_gap >= float(instance.gap_bound)
    assert ef_run.min_gap < float(instance.gap_bound) / 100
