"""The experiment: every optimiser at every step of one grid, for every seed, on one task.

A run trains the task's network for ``iterations`` minibatch steps from the seed's initial
weights and records, at iterations ``0, eval_every, 2 eval_every, ..., iterations``, the loss
and accuracy on the fixed training and test sets (:meth:`~pepcert.training.tasks.Task.evaluate`).
A run whose minibatch loss or weights stop being finite (or whose SVD fails on them) is
*diverged*: it stops there, and its later points are ``None`` with the reason recorded.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

import numpy as np

from pepcert.training.optimisers import OPTIMISERS, parameter_runs
from pepcert.training.tasks import Task

METRICS = ("train_loss", "train_accuracy", "test_loss", "test_accuracy")


@dataclass(frozen=True)
class Setup:
    """The inputs of one experiment (checked by the command line before any work)."""

    task: str
    optimisers: tuple[str, ...]
    steps: tuple[float, ...]
    seeds: int
    iterations: int
    batch: int
    hidden: int
    beta: float
    eval_every: int
    data: str = "digits"
    context: int = 8
    embedding: int = 16
    corpus_chars: int = 200_000

    def eval_points(self) -> list[int]:
        return sorted(set(range(0, self.iterations, self.eval_every)) | {self.iterations})

    def runs(self) -> int:
        return len(self.optimisers) * len(self.steps) * self.seeds

    def to_dict(self) -> dict:
        out = dict(self.__dict__)
        out["optimisers"], out["steps"] = list(self.optimisers), list(self.steps)
        for key in ("context", "embedding", "corpus_chars") if self.task != "charlm" else ("data",):
            out.pop(key)
        return out


@dataclass(frozen=True)
class Run:
    """One optimiser at one step and one seed: its curves at the evaluation points."""

    optimiser: str
    step: float
    seed: int
    iterations: tuple[int, ...]
    curves: dict  # metric -> tuple of floats or None (after divergence)
    diverged_at: int | None = None
    reason: str | None = None
    seconds: float = 0.0

    def final(self, metric: str) -> float | None:
        return self.curves[metric][-1]

    def to_dict(self) -> dict:
        return {"optimiser": self.optimiser, "step": self.step, "seed": self.seed,
                "iterations": list(self.iterations), **{m: list(v) for m, v in self.curves.items()},
                "diverged_at": self.diverged_at, "reason": self.reason, "seconds": round(self.seconds, 3)}


def _finite(values) -> bool:
    return all(math.isfinite(v) for v in values)


def _train(task: Task, runs: dict, rng, setup: Setup, points: Collection[int], record, tick) -> int | None:
    """Advance every parameter's method ``setup.iterations`` times; the divergence iteration
    (or ``None``)."""
    network, points = task.network, set(points)
    for k in range(setup.iterations):
        if k in points:
            if not record(k):
                return k
            tick(k)
        inputs, targets = task.batch(rng, setup.batch)
        current = {name: run.value for name, run in runs.items()}
        loss, grads, _ = network.loss_and_gradients(current, inputs, targets)
        if not math.isfinite(loss):
            return k
        try:
            for name, run in runs.items():
                run.advance(grads[name])
        except np.linalg.LinAlgError:
            return k
    return None if record(setup.iterations) else setup.iterations


def train_one(task: Task, setup: Setup, optimiser: str, step: float, seed: int,
              tick: Callable[[int], None] = lambda k: None) -> Run:
    """Train from seed ``seed``'s weights with ``optimiser`` at constant step ``step``."""
    started = time.perf_counter()
    params = task.network.init(np.random.default_rng([seed, 0]))
    runs = parameter_runs(OPTIMISERS[optimiser], params, step, setup.beta)
    rng = np.random.default_rng([seed, 1])
    points = setup.eval_points()
    curves: dict[str, list] = {metric: [] for metric in METRICS}

    def record(k: int) -> bool:
        weights = {name: run.value for name, run in runs.items()}
        values = task.evaluate(weights)
        if not (_finite(values.values()) and all(np.isfinite(w).all() for w in weights.values())):
            return False
        for metric in METRICS:
            curves[metric].append(float(values[metric]))
        return True

    with np.errstate(all="ignore"):
        diverged = _train(task, runs, rng, setup, points, record, tick)
    reason = None
    if diverged is not None:
        reason = f"diverged: non-finite loss or weights at iteration {diverged}"
        for metric in METRICS:
            curves[metric] += [None] * (len(points) - len(curves[metric]))
    tick(setup.iterations)
    return Run(optimiser, step, seed, tuple(points), {m: tuple(v) for m, v in curves.items()},
               diverged, reason, time.perf_counter() - started)


@dataclass(frozen=True)
class Experiment:
    """Every run of a setup, with the task's data description and the wall time."""

    setup: Setup
    data: dict
    runs: tuple[Run, ...]
    seconds: float
    python: str = field(default="")

    def select(self, optimiser: str, step: float) -> list[Run]:
        return [run for run in self.runs if run.optimiser == optimiser and run.step == step]


def run_experiment(setup: Setup, task: Task, progress: Callable[[int, str], None] | None = None) -> Experiment:
    """All ``optimisers x steps x seeds`` runs of ``setup`` on ``task`` (serially).

    ``progress(iterations done in the current run since the last call, description)``.
    """
    import platform

    started, runs = time.perf_counter(), []
    for optimiser in setup.optimisers:
        for step in setup.steps:
            for seed in range(setup.seeds):
                label = f"{optimiser} step {step:g} seed {seed}"
                last = [0]

                def tick(k: int, label=label, last=last) -> None:
                    if progress is not None and k > last[0]:
                        progress(k - last[0], label)
                        last[0] = k

                runs.append(train_one(task, setup, optimiser, step, seed, tick))
    return Experiment(setup, task.data, tuple(runs), time.perf_counter() - started, platform.python_version())
