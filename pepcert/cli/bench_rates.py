"""``pepcert bench`` (b): one tight rate beside the floor and beside cvxpy, on the same data.

For each setting -- the built-in methods of ``papers/ttd25/bench.py`` at its steps, and the two
methods written there as a user writes them (heavy ball; error feedback with heavy-ball
momentum) -- four numbers, CPU time, medians:

* pepcert's :func:`~pepcert.analyses.rates.tight_rate` (the one-step problem filled from its
  traced program, :mod:`pepcert.lyapunov.parametric`);
* the floor: one bare Clarabel solve (no pepcert code) of exactly the first conic problem that
  ``tight_rate`` solved (recorded by :func:`pepcert.pep.solvers.recording`), at pepcert's settings;
* cvxpy, compiled once with ``rho`` a ``Parameter`` and a bisection on it to 1e-6 (the fair
  baseline: the way one would write it to be fast);
* cvxpy rebuilt at every bisection step (what a straightforward script does).

The ratio pepcert / floor is the figure of issue 21 (goal 1.5x, median over settings); the
number of conic solves a rate needed is printed with it (a rate that is not closed by an
instance needs a search: ten or more solves). A cvxpy answer below pepcert's ``rho_lower`` (the
rate of a worst linear instance, which no Lyapunov function beats) is named: the status-based
bisection accepted an LMI that is infeasible by a little, which at a boundary without interior
moves rho by about the square root of the solver's tolerance.
"""

from __future__ import annotations

import math
import statistics
import time

from pepcert.cli.bench_jobs import (
    DELTA,
    MU,
    L,
    bisect_rate,
    clarabel_feasible,
    cvxpy_bisection_rate,
    median_time,
    rate_settings,
)


def settings() -> list[tuple[str, object, object]]:
    """``(label, method, classes)`` of every timed rate."""
    from pepcert.papers.ttd25.bench import MOMENTUM, USER_METHODS, USER_STEPS
    from pepcert.pep import Contractive, ProblemClass, SmoothStronglyConvex

    compressed = ProblemClass(SmoothStronglyConvex(MU, L), Contractive(DELTA))
    smooth = ProblemClass(SmoothStronglyConvex(MU, L))
    out = [(f"{factory(eta).name} eta={eta}", factory(eta), compressed) for factory, eta in rate_settings()]
    for factory, compressor in USER_METHODS:
        out += [(f"{factory(eta, MOMENTUM).name} eta={eta} beta={MOMENTUM}", factory(eta, MOMENTUM),
                 compressed if compressor else smooth) for eta in USER_STEPS]
    return out


def cvxpy_compiled_rate(method, classes, tolerance: float = 1e-6) -> float:
    """The fair cvxpy baseline: the one-step LMI of :func:`~pepcert.cli.bench_jobs.cvxpy_bisection_rate`
    built once with ``rho`` a ``Parameter`` (compiled at the first solve, reused after), bisected."""
    import cvxpy as cp
    import numpy as np

    from pepcert.lyapunov.onestep import one_step
    from pepcert.lyapunov.search import lmi_data

    data = lmi_data(one_step(method, classes))
    k = data.psd_size
    assert k is not None  # the full family has a PSD block
    rows, cols = np.triu_indices(k)
    order = sorted(range(len(rows)), key=lambda i: (cols[i], rows[i]))  # lmi_data's svec order
    rho = cp.Parameter(nonneg=True)
    P = cp.Variable((k, k), symmetric=True)
    p = cp.Variable(nonneg=True)
    lam = cp.Variable(data.n_constraints, nonneg=True)
    y = cp.hstack([P[rows[i], cols[i]] * (1.0 if rows[i] == cols[i] else math.sqrt(2.0)) for i in order] + [p])
    flat = lambda mats: mats.reshape(mats.shape[0], -1).T
    n = data.n
    S = cp.reshape(rho * (flat(data.before_mats) @ y) - flat(data.after_mats) @ y + flat(data.constraint_mats) @ lam,
                   (n, n), order="C")
    ell = rho * (data.before_rows.T @ y) - data.after_rows.T @ y + data.constraint_rows.T @ lam
    problem = cp.Problem(cp.Minimize(0), [(S + S.T) / 2 >> 0, P >> 0, ell[data.active_values] >= 0,
                                          cp.trace(P) + p == 1])

    def feasible(value: float) -> bool:
        rho.value = value
        return clarabel_feasible(problem)

    return bisect_rate(feasible, tolerance)


def _one(method, classes, repeat: int) -> dict:
    from pepcert.analyses.rates import tight_rate
    from pepcert.pep.solvers import ClarabelSolver, recording

    tight_rate(method, classes)  # warm: imports, the solver library, the traced program
    with recording() as problems:
        result = tight_rate(method, classes)
    ours = median_time(lambda: tight_rate(method, classes), max(repeat, 5), time.process_time)[0]
    floor = median_time(lambda: ClarabelSolver().bare_solve(problems[0]), max(repeat, 5), time.process_time)[0]
    row = {"rho": result.rho, "tight": result.tight, "solves": len(problems), "pepcert_cpu_ms": 1000 * ours,
           "floor_cpu_ms": 1000 * floor, "ratio": ours / floor}
    if result.tight:  # the cvxpy baselines bisect to 1e-6 where the rate is known
        compiled, value = median_time(lambda: cvxpy_compiled_rate(method, classes), 1, time.process_time)
        rebuilt, other = median_time(lambda: cvxpy_bisection_rate(method, classes), 1, time.process_time)
        row.update(cvxpy_compiled_ms=1000 * compiled, cvxpy_rebuilt_ms=1000 * rebuilt,
                   disagreement=max(abs(value - result.rho), abs(other - result.rho)),
                   cvxpy_below_lower=min(value, other) < result.rho_lower * (1 - 1e-12))
    return row


def bench_tight_rates(repeat: int) -> dict:
    """Every setting's row (module docstring) and the medians."""
    import cvxpy  # noqa: F401 - imported before any timing

    rows = {label: _one(method, classes, repeat) for label, method, classes in settings()}
    ratios = [r["ratio"] for r in rows.values()]
    with_cvxpy = [r for r in rows.values() if "cvxpy_compiled_ms" in r]
    return {
        "rows": rows,
        "median_ratio": statistics.median(ratios),
        "median_ratio_one_solve": statistics.median([r["ratio"] for r in rows.values() if r["solves"] == 1] or [math.nan]),
        "cvxpy_compiled_over_pepcert": statistics.median(r["cvxpy_compiled_ms"] / r["pepcert_cpu_ms"] for r in with_cvxpy),
        "cvxpy_rebuilt_over_pepcert": statistics.median(r["cvxpy_rebuilt_ms"] / r["pepcert_cpu_ms"] for r in with_cvxpy),
        "max_disagreement": max(r["disagreement"] for r in with_cvxpy),
        "cvxpy_below_lower": [label for label, r in rows.items() if r.get("cvxpy_below_lower")],
    }


def rate_summary(tight: dict) -> dict:
    """The headline one-rate figure (the report's ``rate``, shown by ``bench_report`` and
    ``bench_markdown``) from the built-in settings' rows: CPU medians of pepcert, of the floor and
    of both cvxpy baselines, all on the same settings."""
    from pepcert.papers.ttd25.bench import RATE_METHODS

    rows = [row for label, row in tight.get("rows", {}).items() if label.split()[0].lower() in RATE_METHODS
            and "cvxpy_compiled_ms" in row]
    if not rows:
        return {}
    median = lambda key: statistics.median(row[key] for row in rows)
    return {"settings": len(rows), "pepcert_median_ms": median("pepcert_cpu_ms"),
            "pepcert_median_cpu_ms": median("pepcert_cpu_ms"), "bare_solver_median_ms": median("floor_cpu_ms"),
            "cvxpy_compiled_median_ms": median("cvxpy_compiled_ms"), "cvxpy_bisection_median_ms": median("cvxpy_rebuilt_ms"),
            "speedup_median": statistics.median(row["cvxpy_rebuilt_ms"] / row["pepcert_cpu_ms"] for row in rows),
            "max_disagreement": max(row["disagreement"] for row in rows)}


def format_tight_rates(report: dict) -> list[str]:
    r = report.get("tight_rates")
    if not isinstance(r, dict) or not r.get("rows"):
        return []
    lines = ["(b) one tight rate beside one bare Clarabel solve of the same conic problem (CPU, medians)",
             f"    {'setting':<26} {'pepcert':>9} {'floor':>8} {'ratio':>6} {'solves':>6} {'cvxpy once':>11} {'rebuilt':>9}"]
    for label, row in r["rows"].items():
        cvx = (f"{row['cvxpy_compiled_ms']:9.1f}ms {row['cvxpy_rebuilt_ms']:7.1f}ms" if "cvxpy_compiled_ms" in row
               else f"{'(not tight)':>11}")
        lines.append(f"    {label:<26} {row['pepcert_cpu_ms']:7.2f}ms {row['floor_cpu_ms']:6.2f}ms {row['ratio']:5.1f}x "
                     f"{row['solves']:>6} {cvx}")
    lines.append(f"    median ratio pepcert / floor {r['median_ratio']:.2f}x (goal 1.5x); over rates closed by one solve "
                 f"{r['median_ratio_one_solve']:.2f}x")
    lines.append(f"    cvxpy compiled once / pepcert {r['cvxpy_compiled_over_pepcert']:.0f}x, rebuilt / pepcert "
                 f"{r['cvxpy_rebuilt_over_pepcert']:.0f}x; largest disagreement {r['max_disagreement']:.1e}")
    below = r.get("cvxpy_below_lower") or []
    if below:  # a rate below a worst instance's: no Lyapunov function certifies it, the bisection is wrong
        lines.append(f"    cvxpy's bisection answered below the proven lower bound (a worst instance's rate) at: "
                     f"{', '.join(below)}")
    return lines
