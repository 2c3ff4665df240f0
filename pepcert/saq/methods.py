r"""DCGD, DIANA, DCGD+ and DIANA+ for ``n`` workers: the built-in Methods run on the data.

Setting (Wang, Safaryan & Richtarik 2022; Safaryan, Hanzely & Richtarik 2021 for DCGD+):
``f = (1/n) sum_i f_i``; worker ``i`` compresses with its own independent, unbiased ``C_i``.

* DCGD is the built-in compressed gradient descent with ``n`` agents:
  ``x+ = x - gamma (1/n) sum_i C_i(grad f_i(x))``.
* DIANA is the built-in :func:`pepcert.pep.algorithms.diana` (Mishchenko, Gorbunov, Takac &
  Richtarik 2019, full local gradients): ``Delta_i = C_i(grad f_i(x) - h_i)``,
  ``x+ = x - gamma (1/n) sum_i (h_i + Delta_i)``, ``h_i+ = h_i + alpha Delta_i``.
* DCGD+ / DIANA+: the same Methods with the smoothness-aware compressor
  ``C_i(v) = L_i^{1/2} Q(L_i^{+1/2} v)`` (:meth:`pepcert.saq.compressors.SmoothnessAware.agent`;
  worker ``i`` sends the bits of ``Q(L_i^{+1/2} v)``).

The built-ins are chosen by :func:`builtin_method`.
No method loop lives here: :func:`run_compressed` hands the Method, the start ``x^0 = 0``
(``h_i^0 = 0``) and a :class:`pepcert.saq.oracle.SAQOracle` to :func:`pepcert.pep.simulate.iterate`
and reads the error and the oracle's bit count after every step. The default ``gamma`` and
``alpha`` are the theory's (:mod:`pepcert.saq.theory`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

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


def agent_compressors(problem, method: str, compressor) -> list:
    """One compressor per worker: the base for every worker (DCGD, DIANA) or worker ``i``'s
    ``L_i^{1/2} Q(L_i^{+1/2} .)`` (DCGD+, DIANA+)."""
    used = method_compressor(method, compressor)
    if smoothness_aware(method):
        return [used.agent(problem, i) for i in range(problem.n)]
    return [used] * problem.n


def builtin_method(method: str, workers: int, gamma: float, alpha: float | None, omega: float):
    """The built-in Method behind ``method``: DIANA and DIANA+ (the smoothness-aware compressor
    is the oracle's business) are :func:`pepcert.pep.algorithms.diana` with shift rate
    ``alpha``; DCGD and DCGD+ are the built-in compressed gradient descent with ``workers``
    agents (``x+ = x - gamma (1/n) sum_i C_i(grad f_i(x))``)."""
    from pepcert.pep.algorithms import compressed_gradient_descent, diana

    method = check_method(method)
    if uses_shifts(method):
        if alpha is None:
            raise BadInput(f"{method} needs a shift rate alpha")
        return diana(gamma, omega, workers, alpha)
    return compressed_gradient_descent(gamma, workers)


@dataclass(frozen=True)
class State:
    """After a step: the iterate ``x`` (..., d), the shifts ``h`` (..., n, d) (zero for
    DCGD) and the bits each worker sent in that step (..., n)."""

    x: np.ndarray
    h: np.ndarray
    bits: np.ndarray


def trajectory(problem, method: str, compressor, gamma: float, alpha: float | None, seed: int = 0,
               x0=None, replicas: int | None = None) -> Iterator[State]:
    """The built-in method's states, forever (the caller stops); ``replicas``: that many
    independent copies at once (batch axis first; needs a batched ``problem.gradients``)."""
    from pepcert.pep.simulate import iterate
    from pepcert.saq.oracle import SAQOracle

    method = check_method(method)
    used = method_compressor(method, compressor)
    steps = builtin_method(method, problem.n, gamma, alpha, float(used.omega(problem.d)))
    oracle = SAQOracle(problem, agent_compressors(problem, method, compressor), seed)
    shape = () if replicas is None else (int(replicas),)
    x = np.zeros(shape + (problem.d,)) if x0 is None else np.broadcast_to(np.asarray(x0, dtype=float), shape + (problem.d,)).copy()
    state, before = steps.initial(x, oracle), np.zeros(shape + (problem.n,), dtype=np.int64)
    while True:
        for state in iterate(steps, oracle, state, 1):  # noqa: B007, B020 - one step, keep its state
            pass
        sent = np.stack(np.broadcast_arrays(*oracle.sent), axis=-1)
        h = np.stack(state[1:], axis=-2) if uses_shifts(method) else np.zeros(shape + (problem.n, problem.d))
        yield State(state[0], h, sent - before)
        before = sent


@dataclass(frozen=True, eq=False)
class SAQRun:
    """One run: ``errors[k] = ||x^k - x*||^2 / ||x^0 - x*||^2`` (k = 0..K), ``bits[k]`` the
    cumulative bits sent per worker up to step k (mean over workers, one-time costs
    included: ``once``), ``seconds[k]`` the wall time after k steps."""

    method: str
    compressor: str
    seed: int
    gamma: float
    alpha: float | None
    errors: np.ndarray
    bits: np.ndarray
    seconds: np.ndarray
    once: float = 0.0

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
        """The numbers to the target, and where the run ended (always: the error reached and
        the bits at that point, whether or not the target was reached)."""
        k = self.reached(target)
        return {"method": self.method, "compressor": self.compressor, "seed": self.seed, "gamma": self.gamma,
                "alpha": self.alpha, "iterations_run": self.iterations, "final_error": float(self.errors[-1]),
                "best_error": float(self.errors.min()), "bits_at_end": float(self.bits[-1]),
                "reached_target": k is not None, "iterations_to_target": k, "bits_to_target": self.bits_to(target),
                "seconds_to_target": self.seconds_to(target), "seconds": float(self.seconds[-1]),
                "one_time_bits": self.once,
                "bits_per_iteration": float((self.bits[-1] - self.once) / max(self.iterations, 1))}

    def curve(self, points: int = 400) -> dict:
        """The three curves at about ``points`` iterations (every iteration when fewer)."""
        index = np.unique(np.linspace(0, self.iterations, min(points, self.iterations + 1)).round().astype(int))
        return {"iteration": index.tolist(), "error": self.errors[index].tolist(),
                "bits": self.bits[index].tolist(), "seconds": self.seconds[index].tolist()}


@dataclass(frozen=True)
class Schedule:
    """How :func:`run_compressed` runs: ``gamma``, ``alpha`` (None for DCGD), the ``omega``
    the Method records, one-time bits per worker, and ``stop_below`` (stop at the first
    iteration whose error is at or below it; None runs every iteration)."""

    gamma: float
    alpha: float | None
    omega: float
    once: float = 0.0
    stop_below: float | None = None


def run_compressed(problem, method: str, compressors: Sequence, schedule: Schedule, iterations: int, seed: int = 0,
                   name: str = "", progress: Callable[[int], None] | None = None) -> SAQRun:
    """Run the built-in ``method`` from ``x^0 = 0`` with one compressor per worker (one BLAS
    thread, as :func:`pepcert.saq.problem.logistic_problem`)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        return _run(problem, method, compressors, schedule, iterations, seed, name, progress)


def _run(problem, method, compressors, schedule: Schedule, iterations: int, seed: int, name: str, progress) -> SAQRun:
    from pepcert.pep.simulate import iterate
    from pepcert.saq.oracle import SAQOracle

    method = check_method(method)
    x_star = np.asarray(problem.x_star, dtype=float)
    start = float(x_star @ x_star)
    if start == 0:
        raise BadInput("x* = 0 = x^0: the relative error is undefined")
    steps = builtin_method(method, problem.n, schedule.gamma, schedule.alpha, schedule.omega)
    oracle = SAQOracle(problem, compressors, seed)
    errors, bits, seconds = np.empty(iterations + 1), np.zeros(iterations + 1), np.zeros(iterations + 1)
    errors[0], bits[0] = 1.0, schedule.once
    last, chunk, clock = iterations, 0, time.perf_counter()
    for k, state in enumerate(iterate(steps, oracle, steps.initial(np.zeros(problem.d), oracle), iterations), 1):
        r = state[0] - x_star
        errors[k] = float(r @ r) / start
        bits[k] = schedule.once + sum(oracle.sent) / problem.n
        seconds[k] = time.perf_counter() - clock
        chunk += 1
        if progress is not None and chunk == 250:
            progress(chunk)
            chunk = 0
        if schedule.stop_below is not None and errors[k] <= schedule.stop_below:
            last = k
            break
    if progress is not None and chunk:
        progress(chunk)
    return SAQRun(method, name, int(seed), float(schedule.gamma), schedule.alpha if schedule.alpha is None else float(schedule.alpha),
                  errors[: last + 1], bits[: last + 1], seconds[: last + 1], float(schedule.once))


def run_method(problem, method: str, compressor, iterations: int, seed: int = 0, gamma: float | None = None,
               alpha: float | None = None, progress: Callable[[int], None] | None = None) -> SAQRun:
    """``--protocol pepcert``: ``method`` with ``compressor`` (the ``+`` methods wrap it) for
    ``iterations`` steps; ``gamma``/``alpha`` default to the theory's
    (:func:`pepcert.saq.theory.parameters`)."""
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
    used = method_compressor(method, compressor)
    schedule = Schedule(gamma, alpha if uses_shifts(method) else None, float(used.omega(problem.d)))
    return run_compressed(problem, method, agent_compressors(problem, method, compressor), schedule, int(iterations),
                          seed, used.name, progress)
