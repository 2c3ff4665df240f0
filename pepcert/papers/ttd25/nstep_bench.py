"""``pepcert bench`` (i): N-step worst cases at scale with each method's Lyapunov measure.

EF, EF21 (``||x - x* - e||^2 + ||e||^2/s``, ``||grad f - d||^2 + s||grad f||^2``) and CGD
(``f - f*``) at their optimal steps, ``mu = 0.1``, ``L = 1``, ``delta = 1/2``, where the worst
case is exactly ``rho*^N`` (Thomsen, Taylor & Dieuleveut 2025), at N = 100, 200, 500: pepcert's
default (the chordal working set, :mod:`pepcert.pep.chordal_nstep`) beside the low-rank method
that was the default before (``solver="lowrank"``), each in a fresh interpreter (time, value
against ``rho*^N``, the tolerance it states, peak memory), stopped at ``--cap`` seconds; once a
size exceeds the cap the larger ones are not run. Goal (issue 21): N = 500 under 60 s each.
"""

from __future__ import annotations

METHODS = ("ef", "ef21", "cgd")
SIZES = (100, 200, 500)
GOAL = (500, 60.0)
MU, L, DELTA = 0.1, 1.0, 0.5

_RUN = """
import json, time
from pepcert.papers.ttd25.nstep_bench import setting
from pepcert.pep import worst_case
method, classes, rho = setting({name!r})
start = time.perf_counter()
result = worst_case(method, classes, {N}, solver={solver!r})
seconds = time.perf_counter() - start
from pepcert.pep.budget import peak_resident_mb
peak = peak_resident_mb()
print(json.dumps({{"seconds": seconds, "value": result.value, "relative_error": result.value / rho**{N} - 1,
                  "tolerance": result.tolerance, "solver": result.solver, "peak_mb": peak}}))
"""


def setting(name: str):
    """``(method, classes, rho*)`` of ``name`` at its optimal step (floats)."""
    from pepcert.papers.ttd25.closed_forms import optimal_rate, optimal_step
    from pepcert.pep import Contractive, ProblemClass, SmoothStronglyConvex
    from pepcert.pep.algorithms import BUILTIN_METHODS

    eta = float(optimal_step(name, MU, L, DELTA))
    classes = ProblemClass(SmoothStronglyConvex(MU, L), Contractive(DELTA))
    return BUILTIN_METHODS[name](eta), classes, float(optimal_rate(name, MU, L, DELTA))


def _series(run_child, name: str, solver: str | None, sizes, cap: float) -> list[dict]:
    rows, stopped = [], None
    for N in sizes:
        if stopped is not None:
            rows.append({"N": N, "not_run": f"> {cap:g} s at N = {stopped}"})
            continue
        outcome = run_child(_RUN.format(name=name, N=N, solver=solver), cap)
        if outcome is None:
            stopped = N
            outcome = {"not_run": f"> {cap:g} s"}
        rows.append({"N": N, **outcome})
    return rows


def bench_nstep(run_child, cap: float, quick: bool = False, sizes: tuple[int, ...] = SIZES) -> dict:
    """Each method's series (module docstring) at ``sizes``; ``run_child(code, cap)`` runs code
    in a fresh interpreter (``pepcert.cli.bench_jobs``)."""
    sizes = sizes[:1] if quick else sizes
    report: dict = {"goal": {"N": GOAL[0], "seconds": GOAL[1]}, "methods": {}}
    for name in METHODS:
        report["methods"][name] = {"default": _series(run_child, name, None, sizes, cap),
                                   "lowrank": _series(run_child, name, "lowrank", sizes, cap)}
    return report


def _cell(run) -> str:
    if not isinstance(run, dict):
        return "not measured"
    if "not_run" in run or "error" in run:
        return f"not run ({run['not_run']})" if "not_run" in run else f"failed: {run['error']}"
    try:
        return (f"{run['seconds']:7.2f} s  rel. to rho*^N {run['relative_error']:+.1e}  tolerance {run['tolerance']:.0e}  "
                f"peak {run['peak_mb']:.0f} MB ({run['solver']})")
    except (KeyError, TypeError, ValueError):
        return "not measured"


def format_nstep(report: dict) -> list[str]:
    """The text lines of section (i), read defensively (a partial report prints "not measured")."""
    part = report.get("nstep") or {}
    lines = [f"(i) N-step worst cases, Lyapunov measure, optimal steps (mu = {MU}, L = {L}, delta = {DELTA}), fresh "
             "interpreter each, beside the low-rank method"]
    for name, series in (part.get("methods") or {}).items():
        if not isinstance(series, dict):
            continue
        for default, lowrank in zip(series.get("default") or [], series.get("lowrank") or []):
            lines.append(f"    {name.upper():<5} N = {default.get('N', '?')!s:<4} pepcert   {_cell(default)}")
            ratio = ""
            if isinstance(default.get("seconds"), float) and isinstance(lowrank.get("seconds"), float):
                ratio = f"  ({lowrank['seconds'] / default['seconds']:.1f}x the default's time)"
            lines.append(f"                baseline  {_cell(lowrank)}{ratio}")
    return lines
