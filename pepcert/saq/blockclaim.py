r"""The block claim of Wang, Safaryan & Richtarik 2022, measured with the authors' protocol.

The claim (paper abstract): block quantization with ``n`` blocks, ``n`` the number of nodes,
reduces the communication complexity by a factor of order ``n`` over one block. Measured
here: for each data set and ``n`` workers, DIANA and DIANA+ as the authors run them
(:mod:`pepcert.saq.paper_setup`) with ``B = 1`` and ``B = n`` blocks, the bits per worker to
reach ``||x - x*||^2/||x^0 - x*||^2 <= target`` (one-time bits included), and

    ``ratio = bits(1 block) / bits(n blocks)``   (> 1: blocks save bits; the claim: ~ n),

with ``ratio_rounds`` the same without the one-time bits and ``theory_ratio`` the ratio of
the re-derived theory's communication bounds (:func:`pepcert.saq.paper_setup.paper_theory`).
A run stops at the target or after ``iterations`` steps; when one of the two runs misses the
target the ratio is taken at the smallest error both reached (``level``, reported, with
``at_target = False``).

Runs are independent: :func:`measure` spreads the ``(data set, n)`` instances over worker
processes, each with one BLAS thread (the two cores of the reference machine).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # annotations only (the run modules are imported lazily)
    from pepcert.saq.methods import SAQRun
    from pepcert.saq.paper_setup import PaperSetup
    from pepcert.saq.theory import Theory

DATASETS = ("pd-speech", "grants", "mnist-parity")
WORKERS = (2, 4, 6, 8)
CLAIM_METHODS = ("diana", "diana+")


@dataclass(frozen=True, eq=False)
class PaperResult:
    """One run of the paper protocol with its setup and the theory's bounds."""

    setup: PaperSetup
    theory: Theory
    run: SAQRun

    @property
    def label(self) -> str:
        return f"{self.setup.method.upper()} / {self.setup.blocks} block{'s' if self.setup.blocks > 1 else ''}"

    def to_dict(self, target: float, curve_points: int = 400) -> dict:
        setup = self.setup
        constants = {key: value for key, value in setup.constants.items() if key != "steps"}
        if "steps" in setup.constants:
            steps = np.asarray(setup.constants["steps"])
            constants.update(step_min=float(steps.min()), step_max=float(steps.max()))
        return {**self.run.summary(target), "protocol": "paper", "blocks": setup.blocks,
                "block_sizes": list(setup.sizes), "omega_authors": setup.omega, "constants": constants,
                "theory": self.theory.to_dict(target), "curve": self.run.curve(curve_points)}


def run_paper(problem, method: str, blocks: int, target: float, iterations: int, seed: int = 0,
              progress: Callable[[int], None] | None = None) -> PaperResult:
    """``method`` with ``blocks`` blocks as the authors run it, until ``target`` or ``iterations``."""
    from pepcert.saq.methods import run_compressed
    from pepcert.saq.paper_setup import paper_setup, paper_theory

    setup = paper_setup(problem, method, blocks)
    run = run_compressed(problem, method, setup.compressors, setup.schedule(target), iterations, seed, setup.name,
                         progress)
    return PaperResult(setup, paper_theory(problem, setup), run)


def block_ratio(one, many, target: float) -> dict:
    """``bits(first)/bits(second)`` (e.g. 1 block over n blocks) to ``target``, or to the
    smallest error both runs reached; ``ratio_rounds`` leaves the one-time bits out."""
    at_target = one.reached(target) is not None and many.reached(target) is not None
    level = target if at_target else float(max(one.errors.min(), many.errors.min()))
    first, second = one.bits_to(level), many.bits_to(level)
    rounds = (first - one.once) / (second - many.once) if second > many.once else None
    return {"level": level, "at_target": at_target, "bits_first": first, "bits_second": second,
            "ratio": first / second, "ratio_rounds": rounds}


def paper_ratios(results: Sequence[PaperResult], target: float) -> list[dict]:
    """Block ratios (``1 block / B blocks``, same method) and smoothness-aware ratios
    (``METHOD / METHOD+``, same blocks) among ``results``, each at the target or at the
    smallest error both runs reached (:func:`block_ratio`)."""
    by = {(r.setup.method, r.setup.blocks): r for r in results}
    rows = []
    for (method, blocks), result in by.items():
        if blocks != 1 and (method, 1) in by:
            pair = (by[(method, 1)], result)
            theory = [p.theory.communication(target) for p in pair]
            rows.append({"kind": "blocks", "compared": f"1 block / {blocks} blocks", "method": method, "blocks": blocks,
                         **block_ratio(pair[0].run, pair[1].run, target),
                         "theory_ratio": theory[0] / theory[1] if theory[0] is not None and theory[1] is not None else None})
        if not method.endswith("+") and (method + "+", blocks) in by:
            rows.append({"kind": "smoothness-aware", "compared": f"{method} / {method}+", "blocks": blocks,
                         **block_ratio(result.run, by[(method + "+", blocks)].run, target)})
    return rows


def measure_instance(dataset: str, workers: int, target: float, iterations: int, seed: int = 0,
                     methods: Sequence[str] = CLAIM_METHODS) -> dict:
    """One data set and ``n``: each method with 1 and ``n`` blocks; rows and ratios."""
    from threadpoolctl import threadpool_limits

    from pepcert.saq.data import load_dataset
    from pepcert.saq.paper_setup import paper_problem

    with threadpool_limits(1):
        clock = time.perf_counter()
        problem = paper_problem(load_dataset(f"builtin:{dataset}" if ":" not in dataset else dataset), workers)
        setup_seconds = time.perf_counter() - clock
        runs, ratios = [], []
        for method in methods:
            pair = [run_paper(problem, method, blocks, target, iterations, seed) for blocks in (1, workers)]
            for result in pair:
                runs.append({"dataset": dataset, "d": problem.d, "workers": workers, "method": method,
                             **_row(result, target)})
            theory = [result.theory.communication(target) for result in pair]
            ratios.append({"dataset": dataset, "d": problem.d, "workers": workers, "method": method,
                           **block_ratio(pair[0].run, pair[1].run, target),
                           "theory_ratio": theory[0] / theory[1] if theory[0] is not None and theory[1] is not None else None})
    return {"dataset": dataset, "workers": workers, "runs": runs, "ratios": ratios, "setup_seconds": setup_seconds,
            "seconds": time.perf_counter() - clock}


def _row(result: PaperResult, target: float) -> dict:
    run, setup, bound = result.run, result.setup, result.theory
    k = run.reached(target)
    return {"blocks": setup.blocks, "gamma": setup.gamma, "alpha": setup.alpha, "omega_authors": setup.omega,
            "reached": k is not None, "iterations": run.iterations, "final_error": float(run.errors[-1]),
            "bits": float(run.bits[-1]), "one_time_bits": setup.once,
            "bits_per_round": float((run.bits[-1] - run.once) / max(run.iterations, 1)),
            "theory_iterations": bound.iterations(target), "theory_bits": bound.communication(target),
            "theory_bits_per_round": bound.bits_per_round, "seconds": float(run.seconds[-1])}


def measure(datasets: Sequence[str] = DATASETS, workers: Sequence[int] = WORKERS, target: float = 1e-6,
            iterations: int = 20_000, processes: int = 2, seed: int = 0,
            progress: Callable[[dict], None] | None = None) -> dict:
    """Every ``(data set, n)`` instance (module docstring), over ``processes`` processes."""
    jobs = [(name, n) for name in datasets for n in sorted(workers, reverse=True)]
    clock = time.perf_counter()
    results = []
    if processes <= 1 or len(jobs) == 1:
        for name, n in jobs:
            results.append(measure_instance(name, n, target, iterations, seed))
            if progress is not None:
                progress(results[-1])
    else:
        from concurrent.futures import ProcessPoolExecutor, as_completed

        with ProcessPoolExecutor(max_workers=processes) as pool:
            futures = [pool.submit(measure_instance, name, n, target, iterations, seed) for name, n in jobs]
            for future in as_completed(futures):
                results.append(future.result())
                if progress is not None:
                    progress(results[-1])
    order = {job: index for index, job in enumerate((name, n) for name in datasets for n in sorted(workers))}
    results.sort(key=lambda r: order[(r["dataset"], r["workers"])])
    return {"target": target, "iterations": iterations, "processes": processes,
            "runs": [row for r in results for row in r["runs"]], "ratios": [row for r in results for row in r["ratios"]],
            "instances": [{key: r[key] for key in ("dataset", "workers", "setup_seconds", "seconds")} for r in results],
            "seconds": time.perf_counter() - clock}
