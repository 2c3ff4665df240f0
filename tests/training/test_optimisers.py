"""One and two steps of each optimiser on one layer against a hand computation.

The hand computations use numpy's SVD directly (``polar(M) = U V^T``) and a hand-written
quintic Newton-Schulz loop, not pepcert's; ``test_the_check_catches_a_wrong_update`` shows
the same check failing on a method whose update differs (normalised momentum instead of Muon).
"""

from __future__ import annotations

import numpy as np
import pytest

from pepcert.pep.algorithms.muon import normalized_momentum
from pepcert.training.optimisers import OPTIMISERS, MinibatchGradient, ParameterRun, parameter_runs

BETA, GAMMA = 0.8, 0.05


def polar(M):
    U, _, Vt = np.linalg.svd(M, full_matrices=False)
    return U @ Vt


def newton_schulz5(M):
    a, b, c = 3.4445, -4.7750, 2.0315
    X = M / np.linalg.norm(M)
    for _ in range(5):
        A = X @ X.T
        X = a * X + b * A @ X + c * A @ A @ X
    return X


@pytest.fixture
def layer():
    rng = np.random.default_rng(11)
    return rng.standard_normal((5, 3)), rng.standard_normal((5, 3)), rng.standard_normal((5, 3))


def two_steps(method, W0, G1, G2):
    run = ParameterRun(method, W0)
    run.advance(G1)
    first = run.state
    run.advance(G2)
    return first, run.state


def expected_momentum_lmo(direction, W0, G1, G2):
    M1 = (1 - BETA) * G1
    W1 = W0 - GAMMA * direction(M1)
    M2 = BETA * M1 + (1 - BETA) * G2
    return (W1, M1), (W1 - GAMMA * direction(M2), M2)


@pytest.mark.parametrize("name, direction", [("muon", polar), ("muon-ns", newton_schulz5), ("sgdm", lambda M: M)])
def test_momentum_methods_step_by_hand(layer, name, direction):
    W0, G1, G2 = layer
    got = two_steps(OPTIMISERS[name].matrices(GAMMA, BETA), W0, G1, G2)
    for state, expected in zip(got, expected_momentum_lmo(direction, W0, G1, G2)):
        for value, hand in zip(state, expected):
            np.testing.assert_allclose(value, hand, rtol=1e-12, atol=1e-13)


def test_muon_step_has_spectral_norm_gamma(layer):
    W0, G1, _ = layer
    run = ParameterRun(OPTIMISERS["muon"].matrices(GAMMA, BETA), W0)
    run.advance(G1)
    assert np.linalg.norm(W0 - run.value, 2) == pytest.approx(GAMMA, rel=1e-12)


def test_ef_muon_error_update_by_hand(layer):
    W0, G1, G2 = layer

    def compress(P):
        s = np.linalg.svd(P, compute_uv=False)
        return s.sum() / np.sum(s > 1e-12 * s[0]) * polar(P)

    M1 = (1 - BETA) * G1
    P1 = GAMMA * M1  # E_0 = 0
    W1, E1 = W0 - compress(P1), P1 - compress(P1)
    M2 = BETA * M1 + (1 - BETA) * G2
    P2 = GAMMA * M2 + E1
    W2, E2 = W1 - compress(P2), P2 - compress(P2)
    first, second = two_steps(OPTIMISERS["ef-muon"].matrices(GAMMA, BETA), W0, G1, G2)
    for value, hand in zip(first + second, (W1, E1, M1, W2, E2, M2)):
        np.testing.assert_allclose(value, hand, rtol=1e-12, atol=1e-13)
    assert np.linalg.norm(E1) > 0.1 * np.linalg.norm(P1)  # the error is not trivially zero


def test_the_check_catches_a_wrong_update(layer):
    W0, G1, G2 = layer
    got = two_steps(normalized_momentum(BETA, lambda k: GAMMA), W0, G1, G2)
    expected = expected_momentum_lmo(polar, W0, G1, G2)
    assert not np.allclose(got[1][0], expected[1][0], rtol=1e-12, atol=1e-13)


def test_vectors_use_sgd_momentum_and_matrices_the_method_under_test():
    params = {"W": np.ones((3, 2)), "b": np.ones(3)}
    runs = parameter_runs(OPTIMISERS["ef-muon"], params, GAMMA, BETA)
    assert runs["W"].state.__len__() == 3 and len(runs["b"].state) == 2
    g = np.arange(3.0)
    runs["b"].advance(g)
    np.testing.assert_allclose(runs["b"].value, 1 - GAMMA * (1 - BETA) * g, rtol=1e-15)


def test_the_gradient_is_only_given_at_the_current_iterate():
    function = MinibatchGradient()
    W = np.zeros((2, 2))
    function.load(W, np.ones((2, 2)))
    assert function.gradient(W) is function.current
    with pytest.raises(RuntimeError):
        function.gradient(W.copy())
