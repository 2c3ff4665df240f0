"""``pepcert bench`` figures for n agents (wired into ``pepcert bench`` by its owner).

Goals of the compressors-and-agents issue: a two-agent tight rate under 100 ms, four agents
under 1 s (the error-feedback methods of :data:`pepcert.papers.ttd26.BENCH_METHODS` at the
optimal step, mu = 0.1, L = 1, delta = 1/2, the paper's Lyapunov family; and the full quadratic
family for comparison).
"""

from __future__ import annotations

import math
import statistics
import time
from typing import Any


def _median_ms(function, repeat: int) -> tuple[float, Any]:
    times, value = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        value = function()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times), value


def bench_agents(repeat: int = 3) -> dict:
    """Median milliseconds of ``tight_rate`` for n = 2 and 4 agents."""
    from pepcert.analyses import tight_rate
    from pepcert.papers.ttd26 import BENCH_METHODS, classes_of
    from pepcert.pep.algorithms import BUILTIN_METHODS

    mu, L, delta = 0.1, 1.0, 0.5
    s = math.sqrt(1 - delta)
    eta = 2 / (L + mu) * (1 - s) / (1 + s)
    rows = []
    for n in (2, 4):
        for name in BENCH_METHODS:
            for family in ("paper", "full"):
                classes = classes_of((L,) * n, (mu,) * n, delta)
                ms, rate = _median_ms(lambda: tight_rate(BUILTIN_METHODS[name](eta, n), classes, family=family, structured_fallback=True), repeat)  # noqa: B023
                rows.append({"agents": n, "method": name, "family": family, "median_ms": ms, "rho": rate.rho,
                             "tight": rate.tight,
                             "goal_ms": 100 if n == 2 else 1000})
    return {"agents": rows}
