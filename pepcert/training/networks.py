"""Two small networks in numpy with hand-written backpropagation.

Both end in the softmax cross-entropy ``loss = -(1/n) sum_i log softmax(z_i)[y_i]`` whose
gradient in the logits is ``(softmax(z_i) - e_{y_i}) / n``. Weights are stored as
``(out, in)`` matrices (``y = x W^T + b``), so every weight matrix is a 2-D array the
optimisers of :mod:`pepcert.training.optimisers` see as one Muon parameter, and every bias a
vector.

* :class:`MLP`: ``h_0 = x``, ``h_l = tanh(h_{l-1} W_l^T + b_l)``, logits ``h_{L-1} W_L^T + b_L``;
  backward ``d h_{l-1} = (d a_l) W_l``, ``d a_l = d h_l (1 - h_l^2)``, ``d W_l = d a_l^T h_{l-1}``,
  ``d b_l = 1^T d a_l``.
* :class:`CharMLP`: the neural probabilistic language model of Bengio, Ducharme, Vincent &
  Jauvin (2003) without direct connections: the previous ``k`` characters are looked up in an
  embedding ``C`` (``V x d``), concatenated to ``x`` (``k d``), ``h = tanh(x H^T + b)``,
  logits ``h U^T + c``; backward as above and ``d C = sum`` of ``d x``'s slices over the
  rows of the characters that occurred.

Initialisation (seeded): ``W ~ N(0, 1/fan_in)`` for weights, ``N(0, 1)`` for the embedding,
zero biases. Everything is float64; gradients are checked against central differences in
``tests/training/test_networks.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def softmax_cross_entropy(logits: np.ndarray, labels: np.ndarray) -> tuple[float, np.ndarray, int]:
    """``(mean loss, d loss / d logits, number of correct argmax predictions)``."""
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probabilities = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    rows = np.arange(n)
    loss = -float(log_probabilities[rows, labels].mean())
    dlogits = np.exp(log_probabilities)
    correct = int((dlogits.argmax(axis=1) == labels).sum())
    dlogits[rows, labels] -= 1.0
    return loss, dlogits / n, correct


@dataclass(frozen=True)
class MLP:
    """A tanh multilayer perceptron ``inputs -> hidden... -> classes``."""

    inputs: int
    hidden: tuple[int, ...]
    classes: int

    def sizes(self) -> tuple[int, ...]:
        return (self.inputs, *self.hidden, self.classes)

    def init(self, rng: np.random.Generator) -> dict[str, np.ndarray]:
        sizes, params = self.sizes(), {}
        for layer, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
            params[f"W{layer}"] = rng.standard_normal((fan_out, fan_in)) / np.sqrt(fan_in)
            params[f"b{layer}"] = np.zeros(fan_out)
        return params

    def loss_and_gradients(self, params, X, y) -> tuple[float, dict[str, np.ndarray], int]:
        """Mean cross-entropy on ``(X, y)``, its gradient in every parameter, correct count."""
        layers = len(self.sizes()) - 1
        activations = [X]
        for layer in range(1, layers):
            activations.append(np.tanh(activations[-1] @ params[f"W{layer}"].T + params[f"b{layer}"]))
        logits = activations[-1] @ params[f"W{layers}"].T + params[f"b{layers}"]
        loss, delta, correct = softmax_cross_entropy(logits, y)
        grads = {}
        for layer in range(layers, 0, -1):
            grads[f"W{layer}"] = delta.T @ activations[layer - 1]
            grads[f"b{layer}"] = delta.sum(axis=0)
            if layer > 1:
                h = activations[layer - 1]
                delta = (delta @ params[f"W{layer}"]) * (1.0 - h * h)
        return loss, grads, correct

    def evaluate(self, params, X, y) -> tuple[float, float]:
        """``(mean loss, accuracy)`` on ``(X, y)`` (forward pass only)."""
        layers = len(self.sizes()) - 1
        h = X
        for layer in range(1, layers):
            h = np.tanh(h @ params[f"W{layer}"].T + params[f"b{layer}"])
        loss, _, correct = softmax_cross_entropy(h @ params[f"W{layers}"].T + params[f"b{layers}"], y)
        return loss, correct / len(y)


@dataclass(frozen=True)
class CharMLP:
    """Bengio-style character model: ``vocabulary`` tokens, ``context`` previous characters."""

    vocabulary: int
    context: int
    embedding: int
    hidden: int

    def init(self, rng: np.random.Generator) -> dict[str, np.ndarray]:
        width = self.context * self.embedding
        return {
            "C": rng.standard_normal((self.vocabulary, self.embedding)),
            "H": rng.standard_normal((self.hidden, width)) / np.sqrt(width),
            "b": np.zeros(self.hidden),
            "U": rng.standard_normal((self.vocabulary, self.hidden)) / np.sqrt(self.hidden),
            "c": np.zeros(self.vocabulary),
        }

    def _forward(self, params, contexts):
        x = params["C"][contexts].reshape(len(contexts), -1)
        h = np.tanh(x @ params["H"].T + params["b"])
        return x, h, h @ params["U"].T + params["c"]

    def loss_and_gradients(self, params, contexts, targets) -> tuple[float, dict[str, np.ndarray], int]:
        """Mean next-character cross-entropy, its gradient in every parameter, correct count."""
        x, h, logits = self._forward(params, contexts)
        loss, dlogits, correct = softmax_cross_entropy(logits, targets)
        da = (dlogits @ params["U"]) * (1.0 - h * h)
        dx = (da @ params["H"]).reshape(-1, self.embedding)
        dC = np.zeros_like(params["C"])
        np.add.at(dC, contexts.reshape(-1), dx)
        grads = {"C": dC, "H": da.T @ x, "b": da.sum(axis=0), "U": dlogits.T @ h, "c": dlogits.sum(axis=0)}
        return loss, grads, correct

    def evaluate(self, params, contexts, targets) -> tuple[float, float]:
        """``(mean loss, next-character accuracy)``."""
        loss, _, correct = softmax_cross_entropy(self._forward(params, contexts)[2], targets)
        return loss, correct / len(targets)
