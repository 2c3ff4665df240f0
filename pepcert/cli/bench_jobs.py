"""The measurements behind ``pepcert bench``, each beside the baseline it is compared with.

Every timing is a median over repetitions; the N-step worst cases and the command-line
timings run in a fresh interpreter (``sys.executable``, so a pyenv shim or a wrapper script on
PATH is not counted), killed at a time cap and reported as "not run" past it.
"""

from __future__ import annotations

import json
import math
import os
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

MU, L, DELTA = 0.1, 1.0, 0.5
FIGURE_GRID = 200  # Fig. 1 of Thomsen, Taylor & Dieuleveut (2025): a 200 x 200 grid of (1 - delta, eta) a method


def ef_optimal_step(mu: float = MU, L: float = L, delta: float = DELTA) -> float:
    """``eta* = 2/(L + mu) (1 - s)/(1 + s)`` (Thomsen, Taylor & Dieuleveut 2025)."""
    s = math.sqrt(1 - delta)
    return 2 / (L + mu) * (1 - s) / (1 + s)


def ef_optimal_rate(mu: float = MU, L: float = L, delta: float = DELTA) -> float:
    """``rho* = ((B + sqrt(B^2 + 4 s))/2)^2``, ``B = (1 - s)(kappa - 1)/(kappa + 1)``."""
    s, kappa = math.sqrt(1 - delta), L / mu
    B = (1 - s) * (kappa - 1) / (kappa + 1)
    return ((B + math.sqrt(B * B + 4 * s)) / 2) ** 2


def median_time(function, repeat: int, clock=time.perf_counter):
    """``(median seconds, last value)`` of ``repeat`` calls (wall time, or ``clock``)."""
    times, value = [], None
    for _ in range(repeat):
        start = clock()
        value = function()
        times.append(clock() - start)
    return statistics.median(times), value


def repo_root() -> Path:
    """The source checkout holding this package (its ``tests/`` has the PEPit models)."""
    return Path(__file__).resolve().parents[2]


def pepit_models_path() -> Path | None:
    path = repo_root() / "tests" / "pepit_models.py"
    return path if path.exists() else None


def _child_environment() -> dict:
    env = dict(os.environ)
    paths = [str(repo_root()), str(repo_root() / "tests")]
    env["PYTHONPATH"] = os.pathsep.join(paths + [env["PYTHONPATH"]] if env.get("PYTHONPATH") else paths)
    return env


def run_child(code: str, timeout: float) -> dict | None:
    """Run ``code`` in a fresh interpreter; it prints one JSON object. ``None`` past ``timeout``."""
    try:
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout, env=_child_environment()
        )
    except subprocess.TimeoutExpired:
        return None
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def command_seconds(arguments: list[str], repeat: int) -> float:
    """Median wall time of ``python -m pepcert ARGS`` (or ``python -c pass`` for ``[]``)."""
    command = [sys.executable, "-m", "pepcert", *arguments] if arguments else [sys.executable, "-c", "pass"]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, env=_child_environment(), check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def eager_import_seconds(repeat: int) -> float:
    """The old start-up: every command's dependencies (sympy, scipy, cvxpy) imported to build
    the parser -- measured by importing them in a fresh interpreter."""
    code = "import sympy, scipy.optimize, scipy.sparse, cvxpy; import pepcert.papers.claims"
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], capture_output=True, env=_child_environment(), check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


_OURS = """
import json, time
from pepcert.cli.bench_jobs import ef_optimal_step
from pepcert.pep import Contractive, ProblemClass, SmoothStronglyConvex, worst_case
from pepcert.pep.algorithms import BUILTIN_METHODS
from pepcert.papers.ttd25.bench import WORST_CASE_METHOD
classes = ProblemClass(SmoothStronglyConvex({mu}, {L}), Contractive({delta}))
start = time.perf_counter()
result = worst_case(BUILTIN_METHODS[WORST_CASE_METHOD](ef_optimal_step()), classes, {N}, solver={solver!r})
seconds = time.perf_counter() - start
from pepcert.pep.budget import peak_resident_mb
peak = peak_resident_mb()
print(json.dumps({{"seconds": seconds, "value": result.value, "tolerance": result.tolerance,
                  "solver": result.solver, "peak_mb": peak}}))
"""

_PEPIT = """
import json, time
from pepcert.cli.bench_jobs import ef_optimal_step
from pepit_models import pepit_ef
start = time.perf_counter()
value = pepit_ef({mu}, {L}, {delta}, ef_optimal_step(), {N}, solver={solver!r})
print(json.dumps({{"seconds": time.perf_counter() - start, "value": value}}))
"""


def worst_case_series(kind: str, solver: str, sizes, cap: float) -> list[dict]:
    """The benchmark method's worst cases at each N (``kind`` "pepcert" or "pepit"); once one N exceeds the cap,
    larger ones are reported as not run."""
    template = _OURS if kind == "pepcert" else _PEPIT
    rows, stopped = [], None
    for N in sizes:
        if stopped is not None:
            rows.append({"N": N, "not_run": f"> {cap:g} s at N = {stopped}"})
            continue
        code = template.format(mu=MU, L=L, delta=DELTA, N=N, solver=solver)
        outcome = run_child(code, cap)
        if outcome is None:
            stopped = N
            rows.append({"N": N, "not_run": f"> {cap:g} s at N = {N}"})
            continue
        outcome["N"] = N
        if "value" in outcome:
            outcome["relative_error"] = outcome["value"] / ef_optimal_rate() ** N - 1
        rows.append(outcome)
    return rows


def clarabel_feasible(problem) -> bool:
    """Solve a cvxpy feasibility problem with Clarabel: feasible when its status is optimal."""
    import cvxpy as cp

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "solution may be inaccurate": judged by status
            problem.solve(solver=cp.CLARABEL)
    except cp.error.SolverError:
        return False
    return problem.status == cp.OPTIMAL


def bisect_rate(feasible, tolerance: float) -> float:
    """The smallest feasible rho to ``tolerance``: doubling from 1, then bisection (the
    baselines' search, the way a cvxpy user writes it)."""
    low, high = 0.0, 1.0
    while not feasible(high):
        low, high = high, 2 * high
    while high - low > tolerance:
        middle = 0.5 * (low + high)
        if feasible(middle):
            high = middle
        else:
            low = middle
    return high


def cvxpy_bisection_rate(method, classes, tolerance: float = 1e-6) -> float:
    """The rate baseline: bisection on rho, each step a new cvxpy feasibility problem of the
    same one-step LMI (what a straightforward script does; feasibility from the status)."""
    import cvxpy as cp
    import numpy as np

    from pepcert.lyapunov.onestep import one_step
    from pepcert.lyapunov.search import lmi_data

    data = lmi_data(one_step(method, classes))
    k = data.psd_size
    assert k is not None  # the full family has a PSD block
    rows, cols = np.triu_indices(k)
    order = sorted(range(len(rows)), key=lambda i: (cols[i], rows[i]))  # lmi_data's svec order

    def feasible(rho: float) -> bool:
        P = cp.Variable((k, k), symmetric=True)
        p = cp.Variable(nonneg=True)
        lam = cp.Variable(data.n_constraints, nonneg=True)
        y = [P[rows[i], cols[i]] * (1.0 if rows[i] == cols[i] else math.sqrt(2.0)) for i in order] + [p]
        S = sum(y[t] * (rho * data.before_mats[t] - data.after_mats[t]) for t in range(len(y)))
        S = S + sum(lam[j] * data.constraint_mats[j] for j in range(data.n_constraints))
        ell = sum(y[t] * (rho * data.before_rows[t] - data.after_rows[t]) for t in range(len(y)))
        ell = ell + sum(lam[j] * data.constraint_rows[j] for j in range(data.n_constraints))
        problem = cp.Problem(cp.Minimize(0), [S >> 0, P >> 0, ell[data.active_values] >= 0, cp.trace(P) + p == 1])
        return clarabel_feasible(problem)

    return bisect_rate(feasible, tolerance)


def rate_settings():
    from pepcert.papers.ttd25.bench import RATE_METHODS, RATE_STEPS
    from pepcert.pep.algorithms import BUILTIN_METHODS

    return [(BUILTIN_METHODS[name], eta) for name in RATE_METHODS for eta in RATE_STEPS]


def bench_figure(workers: int = 2, grid: int = FIGURE_GRID, timeout: float = 900.0) -> dict:
    """The whole of Fig. 1 of Thomsen, Taylor & Dieuleveut (2025), measured, not extrapolated:
    ``pepcert reproduce ttd25-fig1 --grid 200 --no-cache --workers 2`` in a child process (its
    120,000 rates and the optimal steps, written out with the plot), wall time."""
    import tempfile

    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, "-m", "pepcert", "reproduce", "ttd25-fig1", "--grid", str(grid), "--no-cache",
                   "--workers", str(workers), "--quiet", "--json", "--out", out]
        start = time.perf_counter()
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=_child_environment())
        except subprocess.TimeoutExpired:
            return {"not_run": f"> {timeout:g} s", "workers": workers}
        seconds = time.perf_counter() - start
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["failed"])[-1], "workers": workers}
    result = json.loads(done.stdout)
    return {"seconds": seconds, "workers": workers, "grid": grid, "analyses": result.get("computed"),
            "checks": result.get("checks")}


def bench_throughput(deltas: int) -> dict:
    """Fig. 1 as the figure rates it, on fewer rows: for each of the Fig. 1 methods at L = 1,
    mu = 0.1, ``deltas`` values of ``1 - delta`` evenly spread over the figure's range, each a row
    of the figure's own 200 steps rated at once (:func:`~pepcert.analyses.rates.tight_rates`); the
    rate per second is extrapolated to 3 x 200 x 200. Rows of the figure's length matter: a
    structure's first rate is built afresh and its second traces it (about 5 ms more than the
    rest together), which a row of 200 shares and a row of 5 does not (measured in one warm
    process: 373 rates/s on a 5 x 5 grid, 654 on 5 rows of 200 steps)."""
    import numpy as np

    from pepcert.analyses.rates import tight_rates
    from pepcert.papers.figures.ttd25_fig1 import axes_values
    from pepcert.papers.ttd25.bench import THROUGHPUT_METHODS
    from pepcert.pep import Contractive, ProblemClass, SmoothStronglyConvex
    from pepcert.pep.algorithms import method_factory
    from pepcert.pep.errors import SolverFailure

    steps = [float(e) for e in axes_values(FIGURE_GRID)[1]]
    rows = [(name, float(d)) for name in THROUGHPUT_METHODS for d in np.linspace(0.01, 0.99, deltas)]
    failures = 0
    start = time.perf_counter()
    for name, one_minus_delta in rows:
        classes = ProblemClass(SmoothStronglyConvex(MU, L), Contractive(1 - one_minus_delta))
        results = tight_rates([method_factory(name)(eta) for eta in steps], classes)
        failures += sum(isinstance(result, SolverFailure) for result in results)
    seconds = time.perf_counter() - start
    per_second = len(rows) * len(steps) / seconds
    return {"rates": len(rows) * len(steps), "rows": len(rows), "steps": len(steps), "seconds": seconds,
            "rates_per_second": per_second, "failures": failures,
            "extrapolated_120000_minutes": 120_000 / per_second / 60}
