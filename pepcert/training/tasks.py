"""The two tasks: a network, its data and how a seed draws its minibatches.

* ``mlp``: :class:`~pepcert.training.networks.MLP` (tanh, ``hidden`` units in each of two
  hidden layers) on ``digits`` (default) or ``mnist``;
* ``charlm``: :class:`~pepcert.training.networks.CharMLP` (``context`` characters, embedding
  ``embedding``, ``hidden`` units) on the standard-library corpus.

Minibatches are i.i.d. uniform draws (with replacement) of training examples / windows from
the seed's generator ``default_rng([seed, 1])``; the initial weights come from
``default_rng([seed, 0])``. Every optimiser and step of a seed therefore starts from the same
weights and sees the same minibatches (paired runs). Losses are measured on fixed sets: the
whole test split and (at most) :data:`EVAL_EXAMPLES` training examples, evenly spaced.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from pepcert.training.data import load_classification, load_stdlib_corpus, windows
from pepcert.training.networks import MLP, CharMLP

TASKS = ("mlp", "charlm")
EVAL_EXAMPLES = 4096


def _evenly(count: int, limit: int) -> np.ndarray:
    return np.unique(np.linspace(0, count - 1, min(count, limit)).round().astype(np.int64))


@dataclass(frozen=True)
class Task:
    """A network with its training inputs/targets and fixed evaluation sets."""

    name: str
    network: Any
    train_inputs: np.ndarray
    train_targets: np.ndarray
    eval_sets: dict  # "train" / "test" -> (inputs, targets)
    data: dict

    def batch(self, rng: np.random.Generator, size: int) -> tuple[np.ndarray, np.ndarray]:
        rows = rng.integers(0, len(self.train_targets), size=size)
        return self.train_inputs[rows], self.train_targets[rows]

    def evaluate(self, params) -> dict[str, float]:
        """Loss and accuracy on the fixed training and test sets."""
        out = {}
        for split, (inputs, targets) in self.eval_sets.items():
            loss, accuracy = self.network.evaluate(params, inputs, targets)
            out[f"{split}_loss"], out[f"{split}_accuracy"] = loss, accuracy
        return out


def build_task(name: str, data: str, hidden: int, context: int, embedding: int, corpus_chars: int) -> Task:
    """The task ``name`` (``mlp`` or ``charlm``) at the given sizes."""
    if name == "mlp":
        sets = load_classification(data)
        network: MLP | CharMLP = MLP(sets.X_train.shape[1], (hidden, hidden), sets.classes)
        keep = _evenly(len(sets.y_train), EVAL_EXAMPLES)
        evals = {"train": (sets.X_train[keep], sets.y_train[keep]), "test": (sets.X_test, sets.y_test)}
        return Task(name, network, sets.X_train, sets.y_train, evals, sets.describe())
    corpus = load_stdlib_corpus(corpus_chars)
    train_contexts, train_targets = windows(corpus.train, context)
    test_contexts, test_targets = windows(corpus.test, context)
    network = CharMLP(corpus.vocabulary, context, embedding, hidden)
    keep_train = _evenly(len(train_targets), EVAL_EXAMPLES)
    keep_test = _evenly(len(test_targets), EVAL_EXAMPLES)
    evals = {"train": (train_contexts[keep_train], train_targets[keep_train]),
             "test": (test_contexts[keep_test], test_targets[keep_test])}
    return Task(name, network, train_contexts, train_targets, evals, corpus.describe())
