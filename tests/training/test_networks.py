"""The hand-written backpropagation against central finite differences (float64)."""

from __future__ import annotations

import numpy as np
import pytest

from pepcert.training.networks import MLP, CharMLP, softmax_cross_entropy

EPS = 1e-6


def numeric_gradient(loss, params, name):
    """Central differences ``(L(W + eps e_ij) - L(W - eps e_ij)) / (2 eps)`` entry by entry."""
    W = params[name]
    out = np.zeros_like(W)
    for index in np.ndindex(W.shape):
        saved = W[index]
        W[index] = saved + EPS
        plus = loss(params)
        W[index] = saved - EPS
        minus = loss(params)
        W[index] = saved
        out[index] = (plus - minus) / (2 * EPS)
    return out


def check(network, inputs, targets, seed):
    params = network.init(np.random.default_rng(seed))
    for value in params.values():  # nonzero biases, so their gradients are exercised off zero
        if value.ndim == 1:
            value += np.random.default_rng(seed + 1).standard_normal(value.shape) * 0.1
    _, grads, _ = network.loss_and_gradients(params, inputs, targets)
    assert set(grads) == set(params)
    for name in params:
        expected = numeric_gradient(lambda p: network.loss_and_gradients(p, inputs, targets)[0], params, name)
        assert grads[name].shape == params[name].shape
        np.testing.assert_allclose(grads[name], expected, rtol=1e-6, atol=1e-9, err_msg=name)


def test_softmax_cross_entropy_matches_its_definition():
    logits = np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]])
    labels = np.array([1, 0])
    loss, dlogits, correct = softmax_cross_entropy(logits, labels)
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    assert loss == pytest.approx(-np.mean(np.log(p[[0, 1], labels])), rel=1e-14)
    expected = p.copy()
    expected[[0, 1], labels] -= 1
    np.testing.assert_allclose(dlogits, expected / 2, rtol=1e-14)
    assert correct == 1


def test_mlp_backprop_equals_finite_differences():
    rng = np.random.default_rng(3)
    network = MLP(5, (4, 3), 3)
    check(network, rng.standard_normal((7, 5)), rng.integers(0, 3, 7), seed=5)


def test_char_model_backprop_equals_finite_differences():
    rng = np.random.default_rng(4)
    network = CharMLP(vocabulary=6, context=3, embedding=2, hidden=4)
    contexts = rng.integers(0, 6, (9, 3))
    contexts[0] = [2, 2, 2]  # a repeated character: its embedding row receives three slices
    check(network, contexts, rng.integers(0, 6, 9), seed=6)


def test_evaluate_agrees_with_the_training_pass():
    rng = np.random.default_rng(8)
    for network, inputs, targets in (
        (MLP(4, (5, 5), 3), rng.standard_normal((11, 4)), rng.integers(0, 3, 11)),
        (CharMLP(5, 2, 3, 4), rng.integers(0, 5, (11, 2)), rng.integers(0, 5, 11)),
    ):
        params = network.init(np.random.default_rng(1))
        loss, _, correct = network.loss_and_gradients(params, inputs, targets)
        assert network.evaluate(params, inputs, targets) == pytest.approx((loss, correct / 11), rel=1e-15)
