"""``pepcert bench`` figures for n agents (wired into ``pepcert bench`` by its owner).

Goals: a two-agent tight rate under 100 ms, four agents under 1 s (the error-feedback methods of
:data:`pepcert.papers.ttd26.BENCH_METHODS` at the optimal step, mu = 0.1, L = 1, delta = 1/2, the
paper's Lyapunov family; and the full quadratic family for comparison); the paper family to
n = 64 agents in under 60 s and the full family alone to n = 8 in under 30 s, with memory under
2 GB -- identical agents (and agents in two groups), the problem reduced by their symmetry
(:mod:`pepcert.lyapunov.symmetric`), each beside the whole problem where that still runs.
"""

from __future__ import annotations

import math
import statistics
import time
from typing import Any

MU, L, DELTA = 0.1, 1.0, 0.5
SCALING_AGENTS = (8, 16, 32, 64)  # the paper family, reduced
WHOLE_AGENTS = {"paper": (4, 8, 16), "full": (4, 6)}  # the whole problem beside it (it grows as n^4)
FULL_AGENTS = (4, 6, 8, 16)  # the full family alone, reduced
GROUPED = (("full", 8), ("paper", 64))  # agents in two groups, reduced (the whole problem beside the full family)


def _median_ms(function, repeat: int) -> tuple[float, Any]:
    times, value = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        value = function()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times), value


def _eta() -> float:
    s = math.sqrt(1 - DELTA)
    return 2 / (L + MU) * (1 - s) / (1 + s)


def _rate(name: str, n: int, family: str, fallback: bool = True, groups: int = 1):
    """The tight rate of ``n`` agents at the paper's step law: identical, or (``groups = 2``) the
    second half with ``L`` and ``mu`` doubled (one condition number, two classes)."""
    from pepcert.analyses import tight_rate
    from pepcert.papers.ttd26 import classes_of
    from pepcert.pep.algorithms import BUILTIN_METHODS

    scale = [1 + (groups - 1) * (2 * i >= n) for i in range(n)]
    Ls, mus = tuple(L * c for c in scale), tuple(MU * c for c in scale)
    eta = _eta() if groups == 1 else _eta() * n * (L + MU) / sum(a + b for a, b in zip(Ls, mus))  # the law
    return tight_rate(BUILTIN_METHODS[name](eta, n), classes_of(Ls, mus, DELTA), family=family,
                      structured_fallback=fallback)


def bench_agents(repeat: int = 3, quick: bool = False) -> dict:
    """Median milliseconds of ``tight_rate`` for n = 2 and 4 agents, the reduced problem's
    scaling in n beside the whole problem's, and the peak memory of the largest (not with
    ``quick``)."""
    from pepcert.papers.ttd26 import BENCH_METHODS

    rows = []
    for n in (2, 4):
        for name in BENCH_METHODS:
            for family in ("paper", "full"):
                ms, rate = _median_ms(lambda: _rate(name, n, family), repeat)  # noqa: B023
                rows.append({"agents": n, "method": name, "family": family, "median_ms": ms, "rho": rate.rho,
                             "tight": rate.tight, "goal_ms": 100 if n == 2 else 1000})
    if quick:
        return {"agents": rows}
    return {"agents": rows, "agents_scaling": scaling_rows(), "agents_memory": peak_memory()}


def scaling_rows() -> list[dict]:
    """One run each: the paper family at :data:`SCALING_AGENTS`, the full family alone at
    :data:`FULL_AGENTS` (reduced), and the whole problem at :data:`WHOLE_AGENTS`."""
    from pepcert.lyapunov.symmetric import whole_problems
    from pepcert.papers.ttd26 import BENCH_METHODS

    rows = []
    for name in BENCH_METHODS:  # first calls import the solver stack: not in the figures
        _rate(name, 2, "paper", fallback=False)
    for family, sizes in (("paper", SCALING_AGENTS), ("full", FULL_AGENTS)):
        for n in sizes:
            for name in BENCH_METHODS:
                ms, rate = _median_ms(lambda: _rate(name, n, family, fallback=False), 1)  # noqa: B023
                row = {"agents": n, "method": name, "family": family, "median_ms": ms, "rho": rate.rho,
                       "width": rate.rho - rate.rho_lower, "tight": rate.tight,
                       "goal_ms": 60_000 if family == "paper" else 30_000}
                if n in WHOLE_AGENTS[family]:
                    with whole_problems():
                        whole_ms, whole = _median_ms(lambda: _rate(name, n, family, fallback=False), 1)  # noqa: B023
                    row.update(whole_ms=whole_ms, whole_width=whole.rho - whole.rho_lower, whole_tight=whole.tight)
                rows.append(row)
    rows += _grouped_rows(whole_problems)
    return rows


def _grouped_rows(whole_problems) -> list[dict]:
    """One run each of :data:`GROUPED`: agents in two groups of identical classes."""
    from pepcert.papers.ttd26 import BENCH_METHODS

    rows = []
    for family, n in GROUPED:
        for name in BENCH_METHODS:
            ms, rate = _median_ms(lambda: _rate(name, n, family, False, 2), 1)  # noqa: B023
            row = {"agents": n, "groups": 2, "method": name, "family": family, "median_ms": ms, "rho": rate.rho,
                   "width": rate.rho - rate.rho_lower, "tight": rate.tight}
            if family == "full":
                with whole_problems():
                    whole_ms, whole = _median_ms(lambda: _rate(name, n, family, False, 2), 1)  # noqa: B023
                row.update(whole_ms=whole_ms, whole_width=whole.rho - whole.rho_lower, whole_tight=whole.tight)
            rows.append(row)
    return rows


_PEAK = """
import json
from pepcert.cli.bench_agents import _rate
_rate({name!r}, {n}, "paper", fallback=False)
from pepcert.pep.budget import peak_resident_mb
print(json.dumps({{"peak_bytes": peak_resident_mb() * 1024 * 1024}}))
"""


def peak_memory() -> dict:
    """Peak resident memory of the largest rate (64 agents, the paper family), each method in
    a fresh interpreter (its time is in :func:`scaling_rows`)."""
    from pepcert.cli.bench_jobs import run_child
    from pepcert.papers.ttd26 import BENCH_METHODS

    n = max(SCALING_AGENTS)
    peaks = {}
    for name in BENCH_METHODS:
        outcome = run_child(_PEAK.format(name=name, n=n), timeout=600)
        peaks[name] = None if outcome is None else outcome.get("peak_bytes")
    return {"agents": n, "family": "paper", "peak_bytes": peaks, "goal_bytes": 2 * 1024**3}


# ---------------------------------------------------------------------------------------
# Reporting (read defensively: what a run did not measure is "not measured")
# ---------------------------------------------------------------------------------------


def _span(times: list[float]) -> str:
    from pepcert.cli.bench_report import seconds

    low, high = seconds(min(times) / 1000), seconds(max(times) / 1000)
    return low if low == high else f"{low}-{high}"


def _tightness(rows: list[dict], tight_key: str, width_key: str) -> str:
    from pepcert.cli.bench_report import number

    tight = sum(1 for row in rows if row.get(tight_key))
    widths = [w for w in (number(row.get(width_key)) for row in rows) if w is not None]
    widest = f", widest bracket {max(widths):.1e}" if tight < len(rows) and widths else ""
    return f"{tight} of {len(rows)} tight{widest}"


def scaling_rows_markdown(report: dict) -> list[tuple[str, str, str, str]]:
    """Rows of the Markdown table: per family and n, the reduced problem beside the whole one."""
    from pepcert.cli.bench_report import faster, get, mapping, number, records

    groups: dict[tuple, list[dict]] = {}
    for row in records(get(report, "agents_scaling")):
        if number(row.get("median_ms")) is not None:
            groups.setdefault((row.get("family"), row.get("agents"), row.get("groups", 1)), []).append(row)
    out = []
    for (family, n, kinds), rows in groups.items():
        methods = ", ".join(dict.fromkeys(str(row.get("method", "?")).upper() for row in rows))
        who = f"{n} identical agents" if kinds == 1 else f"{n} agents in {kinds} groups"
        what = f"tight rate, {who} ({methods}; {family} family{' alone' if family == 'full' else ''}, by symmetry)"
        ours = [row["median_ms"] for row in rows]
        whole = [row for row in rows if number(row.get("whole_ms")) is not None]
        baseline, against = "", ""
        if whole:
            baseline = f"whole problem: {_span([r['whole_ms'] for r in whole])}, {_tightness(whole, 'whole_tight', 'whole_width')}"
            against = faster(max(r["whole_ms"] for r in whole), max(r["median_ms"] for r in whole))
        out.append((what, f"{_span(ours)}, {_tightness(rows, 'tight', 'width')}", baseline, against))
    memory = mapping(get(report, "agents_memory"))
    peaks = {name: number(value) for name, value in mapping(memory.get("peak_bytes")).items()}
    if any(value is not None for value in peaks.values()):
        text = ", ".join(f"{value / 1e6:.0f} MB ({name.upper()})" for name, value in peaks.items() if value is not None)
        out.append((f"peak memory, {memory.get('agents', '?')} agents ({memory.get('family', '?')} family)", text,
                    "budget: 2 GB", ""))
    return out


def scaling_lines(report: dict) -> list[str]:
    """The same figures as text lines (``pepcert bench`` without ``--markdown``)."""
    return ["    " + " | ".join(cell for cell in row if cell) for row in scaling_rows_markdown(report)]
