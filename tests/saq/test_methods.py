"""DCGD, DIANA, DCGD+ and DIANA+ as saq runs them (the built-in Methods through
pepcert.pep.simulate with the saq oracle) against closed forms on quadratics
``f_i(x) = (1/2)(x - c_i)^T M_i (x - c_i)`` (workers' minimisers differ)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from pepcert.pep.errors import BadInput
from pepcert.saq.compressors import Dithering, RandK, SmoothnessAware
from pepcert.saq.methods import METHODS, method_compressor, run_method, trajectory
from pepcert.saq.quadratic import Identity, quadratic_problem, random_quadratics


@pytest.fixture(scope="module")
def quadratics():
    return random_quadratics(n=4, d=5, seed=3, spread=5.0)


def _gradient_descent(problem, gamma, steps):
    x, out = np.zeros(problem.d), []
    for _ in range(steps):
        x = x - gamma * problem.gradient(x)
        out.append(x)
    return np.array(out)


def _states(problem, method, compressor, gamma, alpha, steps, seed=0):
    return list(itertools.islice(trajectory(problem, method, compressor, gamma, alpha, seed), steps))


@pytest.mark.parametrize("method", ["dcgd", "diana"])
def test_identity_compressor_is_gradient_descent(quadratics, method):
    gamma = 1 / quadratics.L
    reference = _gradient_descent(quadratics, gamma, 60)
    xs = np.array([s.x for s in _states(quadratics, method, Identity(), gamma, 1.0, 60)])
    assert np.max(np.abs(xs - reference)) <= 1e-13 * np.max(np.abs(reference))


@pytest.mark.parametrize("method", ["dcgd+", "diana+"])
def test_smoothness_aware_rand_d_is_gradient_descent(quadratics, method):
    # rand-k with k = d keeps every coordinate (scale d/k = 1): C_i(v) = L_i^{1/2} L_i^{-1/2} v = v
    gamma = 1 / quadratics.L
    reference = _gradient_descent(quadratics, gamma, 60)
    xs = np.array([s.x for s in _states(quadratics, method, RandK(quadratics.d), gamma, 0.5, 60)])
    assert np.max(np.abs(xs - reference)) <= 1e-11 * np.max(np.abs(reference))


def test_diana_with_alpha_one_and_identity_keeps_the_gradients_as_shifts(quadratics):
    states = _states(quadratics, "diana", Identity(), 0.1, 1.0, 3)
    # h^{k+1} = h^k + (grad f_i(x^k) - h^k) = grad f_i(x^k)
    assert np.allclose(states[1].h, quadratics.gradients(states[0].x), rtol=0, atol=1e-14)


def test_one_step_by_hand():
    problem = quadratic_problem([[[2.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 3.0]]], [[1.0, 0.0], [0.0, 1.0]])
    # gradients at 0: -M_i c_i = (-2, 0), (0, -3); identity: x1 = -0.1 * mean = (0.1, 0.15)
    (state,) = _states(problem, "diana", Identity(), 0.1, 0.5, 1)
    assert np.allclose(state.x, [0.1, 0.15], atol=1e-15)
    assert np.allclose(state.h, [[-1.0, 0.0], [0.0, -1.5]], atol=1e-15)
    assert state.bits.tolist() == [64, 64]


def test_diana_converges_to_x_star_and_dcgd_only_to_a_neighbourhood(quadratics):
    compressor = Dithering(1)
    runs = {m: run_method(quadratics, m, compressor, 600, seed=1) for m in METHODS}
    for method in ("diana", "diana+"):
        errors = runs[method].errors
        # linear convergence to x* itself, down to rounding (||x - x*||^2 ~ 1e-31)
        assert errors[50] < 1e-4 and errors[100] < 1e-9 and errors[300] < 1e-25, method
    for method in ("dcgd", "dcgd+"):
        last = runs[method].errors[200:]
        assert last.min() > 1e-5, method  # stalls: grad f_i(x*) != 0 keeps the noise alive
        assert np.median(last) < 0.5  # ... in a neighbourhood of x*


def test_the_minimisers_differ_so_dcgd_has_a_neighbourhood(quadratics):
    assert np.linalg.norm(quadratics.gradients(quadratics.x_star), axis=1).min() > 0.1
    assert np.linalg.norm(quadratics.gradient(quadratics.x_star)) < 1e-12


def test_run_records_errors_bits_and_seconds(quadratics):
    compressor = Dithering(2, blocks=2)
    run = run_method(quadratics, "diana+", compressor, 40, seed=7)
    assert run.errors[0] == 1.0 and run.bits[0] == 0 and run.iterations == 40
    assert np.all(np.diff(run.bits) > 0) and np.all(np.diff(run.seconds) >= 0)
    # the same seed gives the same bits, and the bits are the compressor's own count
    states = _states(quadratics, "diana+", compressor, run.gamma, run.alpha, 40, seed=7)
    assert np.allclose(run.bits[1:], np.cumsum([s.bits.sum() for s in states]) / quadratics.n)
    r = np.array([s.x for s in states]) - quadratics.x_star
    assert np.allclose(run.errors[1:], np.sum(r * r, axis=1) / np.sum(quadratics.x_star**2), rtol=1e-14)
    k = run.reached(run.errors[10])
    assert k is not None and k <= 10 and run.bits_to(run.errors[10]) == run.bits[k]
    assert run.reached(0.0) is None and run.bits_to(0.0) is None
    assert run.compressor == "smoothness-aware block-dithering"


def test_vectorised_over_workers_and_replicas(quadratics):
    # R replicas in one batch follow the same law as R separate runs: equal means after 5 steps
    compressor = Dithering(1)
    batch = _states(quadratics, "diana", compressor, 0.05, 0.2, 5)[-1]
    assert batch.x.shape == (quadratics.d,) and batch.h.shape == (quadratics.n, quadratics.d)
    many = next(itertools.islice(trajectory(quadratics, "diana", compressor, 0.05, 0.2, 0, replicas=3), 4, None))
    assert many.x.shape == (3, quadratics.d) and many.h.shape == (3, quadratics.n, quadratics.d)
    assert many.bits.shape == (3, quadratics.n)


def test_methods_choose_their_compressor():
    base = Dithering(1)
    assert method_compressor("diana", base) is base
    assert method_compressor("diana+", base) == SmoothnessAware(base)
    with pytest.raises(BadInput):
        method_compressor("dcgd", SmoothnessAware(base))


@pytest.mark.parametrize("kwargs, message", [
    ({"method": "sgd"}, "unknown method"),
    ({"iterations": 0}, "iterations"),
    ({"iterations": 2.5}, "iterations"),
    ({"gamma": -1.0}, "gamma"),
    ({"alpha": 1.5}, "alpha"),
])
def test_bad_input(quadratics, kwargs, message):
    arguments = {"method": "diana", "iterations": 3, **kwargs}
    with pytest.raises(BadInput, match=message):
        run_method(quadratics, arguments.pop("method"), Dithering(1), arguments.pop("iterations"), **arguments)
