r"""DCGD, DIANA, DCGD+ and DIANA+ for ``n`` workers, vectorised over the workers (numpy).

Setting (Wang, Safaryan & Richtarik 2022; Safaryan, Hanzely & Richtarik 2021 for DCGD+):
``f = (1/n) sum_i f_i``; worker ``i`` compresses with its own independent, unbiased ``C_i``.

* DCGD: ``x+ = x - gamma (1/n) sum_i C_i(grad f_i(x))``.
* DIANA (Mishchenko, Gorbunov, Takac & Richtarik 2019, with full local gradients):
  ``Delta_i = grad f_i(x) - h_i``, ``g = (1/n) sum_i (h_i + C_i(Delta_i))``,
  ``x+ = x - gamma g``, ``h_i+ = h_i + alpha C_i(Delta_i)``.
* DCGD+ / DIANA+: the same steps with the smoothness-aware compressor
  ``C_i(v) = L_i^{1/2} Q(L_i^{+1/2} v)`` (:class:`pepcert.saq.compressors.SmoothnessAware`;
  worker ``i`` sends the bits of ``Q(L_i^{+1/2} v)``).

Start ``x^0 = 0``, ``h_i^0 = 0``. The default step ``gamma`` and shift rate ``alpha`` are the
theory's (:mod:`pepcert.saq.theory`). A step costs one ``(n, d)`` gradient call and one
compression of an ``(n, d)`` array (batched ``(n, d, d)`` products for the ``+`` methods): no
Python loop over workers. The state may carry leading batch axes (independent runs: ``x``
(R, d), ``h`` (R, n, d)) when the problem's ``gradients`` accepts them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np

from pepcert.pep.errors import BadInput

METHODS = ("dcgd", "diana", "dcgd+", "diana+")


def check_method(method: str) -> str:
    name = str(method).lower()
    if name not in METHODS:
        raise BadInput(f"unknown method {method!r} (one of {', '.join(METHODS)})")
    return name


def smoothness_aware(method: str) -> bool:
    return check_method(method).endswith("+")


def uses_shifts(method: str) -> bool:
    return check_method(method).startswith("diana")


def method_compressor(method: str, compressor):
    """The compressor a method runs with: the base one for DCGD/DIANA, its smoothness-aware
    version for DCGD+/DIANA+ (a compressor that is already smoothness-aware is kept)."""
    from pepcert.saq.compressors import SmoothnessAware

    if not smoothness_aware(method):
        if isinstance(compressor, SmoothnessAware):
            raise BadInput(f"{method} takes a standard compressor; {method}+ is its smoothness-aware version")
        return compressor
    return compressor if isinstance(compressor, SmoothnessAware) else SmoothnessAware(compressor)


def sender(problem, method: str, compressor) -> Callable:
    """``send(V, rng) -> (C, bits)``: the workers' compressed messages of ``V`` (..., n, d)."""
    used = method_compressor(method, compressor)
    if smoothness_aware(method):
        return lambda V, rng: used.compress(V, problem, rng)
    return used.compress


@dataclass(frozen=True)
class State:
    """After a step: the iterate ``x`` (..., d), the shifts ``h`` (..., n, d) (zero for
    DCGD) and the bits each worker sent in that step (..., n)."""

    x: np.ndarray
    h: np.ndarray
    bits: np.ndarray


def iterate(problem, method: str, compressor, gamma: float, alpha: float | None, rng,
            x0=None, replicas: int | None = None) -> Iterator[State]:
    """The method's steps, forever (the caller stops). ``replicas``: run that many
    independent copies at once (batch axis first; needs a batched ``problem.gradients``)."""
    method = check_method(method)
    send = sender(problem, method, compressor)
    shape = () if replicas is None else (int(replicas),)
    x = np.zeros(shape + (problem.d,)) if x0 is None else np.broadcast_to(np.asarray(x0, dtype=float), shape + (problem.d,)).copy()
    h = np.zeros(shape + (problem.n, problem.d))
    if not uses_shifts(method):
        while True:
            C, bits = send(problem.gradients(x), rng)
            x = x - gamma * C.mean(axis=-2)
            yield State(x, h, bits)
    if alpha is None:
        raise BadInput(f"{method} needs a shift rate alpha")
    while True:
        C, bits = send(problem.gradients(x) - h, rng)
        x = x - gamma * (h + C).mean(axis=-2)
        h = h + alpha * C
        yield State(x, h, bits)


@dataclass(frozen=True, eq=False)
class SAQRun:
    """One run: ``errors[k] = ||x^k - x*||^2 / ||x^0 - x*||^2`` (k = 0..K), ``bits[k]`` the
    cumulative bits sent per worker up to step k (mean over workers), ``seconds[k]`` the
    wall time after k steps."""

    method: str
    compressor: str
    seed: int
    gamma: float
    alpha: float | None
    errors: np.ndarray
    bits: np.ndarray
    seconds: np.ndarray

    @property
    def iterations(self) -> int:
        return len(self.errors) - 1

    def reached(self, target: float) -> int | None:
        """The first iteration with relative error <= target (None if never)."""
        hits = np.flatnonzero(self.errors <= target)
        return int(hits[0]) if hits.size else None

    def bits_to(self, target: float) -> float | None:
        k = self.reached(target)
        return None if k is None else float(self.bits[k])

    def seconds_to(self, target: float) -> float | None:
        k = self.reached(target)
        return None if k is None else float(self.seconds[k])

    def summary(self, target: float) -> dict:
        return {"method": self.method, "compressor": self.compressor, "seed": self.seed, "gamma": self.gamma,
                "alpha": self.alpha, "iterations_run": self.iterations, "final_error": float(self.errors[-1]),
                "iterations_to_target": self.reached(target), "bits_to_target": self.bits_to(target),
                "seconds_to_target": self.seconds_to(target), "seconds": float(self.seconds[-1]),
                "bits_per_iteration": float(self.bits[-1] / max(self.iterations, 1))}

    def curve(self, points: int = 400) -> dict:
        """The three curves at about ``points`` iterations (every iteration when fewer)."""
        index = np.unique(np.linspace(0, self.iterations, min(points, self.iterations + 1)).round().astype(int))
        return {"iteration": index.tolist(), "error": self.errors[index].tolist(),
                "bits": self.bits[index].tolist(), "seconds": self.seconds[index].tolist()}


def run_method(problem, method: str, compressor, iterations: int, seed: int = 0, gamma: float | None = None,
               alpha: float | None = None, progress: Callable[[int], None] | None = None) -> SAQRun:
    """Run ``method`` for ``iterations`` steps from ``x^0 = 0``, ``h^0 = 0`` with the workers'
    compressors seeded by ``seed``; ``gamma``/``alpha`` default to the theory's
    (:func:`pepcert.saq.theory.parameters`). ``progress(k)`` is told every few hundred steps how
    many steps were done since its last call."""
    from pepcert.saq.theory import parameters

    method = check_method(method)
    if isinstance(iterations, bool) or not isinstance(iterations, (int, np.integer)) or iterations < 1:
        raise BadInput(f"iterations must be a positive integer, got {iterations!r}")
    if gamma is None or (alpha is None and uses_shifts(method)):
        step, shift = parameters(problem, method, compressor)
        gamma = step if gamma is None else gamma
        alpha = shift if alpha is None else alpha
    if not gamma > 0 or (alpha is not None and not 0 < alpha <= 1):
        raise BadInput(f"need gamma > 0 and 0 < alpha <= 1, got gamma = {gamma!r}, alpha = {alpha!r}")
    x_star = np.asarray(problem.x_star, dtype=float)
    start = float(x_star @ x_star)
    if start == 0:
        raise BadInput("x* = 0 = x^0: the relative error is undefined")
    errors, bits, seconds = np.empty(iterations + 1), np.zeros(iterations + 1), np.zeros(iterations + 1)
    errors[0] = 1.0
    sent, chunk, clock = 0, 0, time.perf_counter()
    steps = iterate(problem, method, compressor, gamma, alpha if uses_shifts(method) else None, np.random.default_rng(seed))
    for k in range(1, iterations + 1):
        state = next(steps)
        r = state.x - x_star
        errors[k] = float(r @ r) / start
        sent += int(state.bits.sum())
        bits[k] = sent / problem.n
        seconds[k] = time.perf_counter() - clock
        chunk += 1
        if progress is not None and chunk == 250:
            progress(chunk)
            chunk = 0
    if progress is not None and chunk:
        progress(chunk)
    name = method_compressor(method, compressor).name
    return SAQRun(method, name, int(seed), float(gamma), None if not uses_shifts(method) else float(alpha),
                  errors, bits, seconds)
