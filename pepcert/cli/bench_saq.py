"""``pepcert bench`` figure for smoothness-aware compression (issue 11): DCGD, DIANA, DCGD+ and
DIANA+ x 5000 iterations x 6 workers on the built-in breast-cancer set (l2 dithering, s = 1),
goal < 60 s in total. Each run is the built-in Method stepped by :func:`pepcert.pep.simulate.iterate`
with the saq oracle (one batched gradient call per step, then one ``encode``/``decode`` per
worker), so at d = 30 the time is numpy's per-call overhead times the workers."""

from __future__ import annotations

import time

GOAL_SECONDS = 60.0


def bench_saq(iterations: int = 5000, workers: int = 6) -> dict:
    from pepcert.saq.compressors import Dithering
    from pepcert.saq.data import load_dataset
    from pepcert.saq.methods import METHODS, run_method
    from pepcert.saq.problem import logistic_problem

    start = time.perf_counter()
    problem = logistic_problem(load_dataset("builtin:breast-cancer"), workers)
    setup = time.perf_counter() - start
    rows = []
    for method in METHODS:
        run = run_method(problem, method, Dithering(1), iterations, seed=0)
        rows.append({"method": method, "seconds": float(run.seconds[-1]), "final_error": float(run.errors[-1]),
                     "bits_per_iteration": float(run.bits[-1] / iterations)})
    total = time.perf_counter() - start
    return {"iterations": iterations, "workers": workers, "setup_seconds": setup, "runs": rows,
            "total_seconds": total, "goal_seconds": GOAL_SECONDS}


if __name__ == "__main__":  # python -m pepcert.cli.bench_saq
    from pepcert.cli.bench_report import saq_lines

    print("\n".join(saq_lines({"saq": bench_saq()})))
