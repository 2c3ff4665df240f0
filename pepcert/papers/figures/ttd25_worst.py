r"""Thomsen, Taylor & Dieuleveut 2025, Figs. 9-10: the k-step worst case against ``rho^k``.

For EF (Fig. 9) and EF21 (Fig. 10) at ``L = 1``, ``mu = 0.1`` and ``1 - delta`` in
{0.25, 0.5, 0.75}, at the optimal step ``eta*`` (from :func:`~pepcert.analyses.optimal_step`):
the largest value of the method's Lyapunov function after ``k`` steps given ``V <= 1`` at the
start (:func:`pepcert.pep.problem.worst_case`, the ``k``-step performance-estimation SDP),
``k = 1..N``, against ``rho*^k`` with ``rho*`` the tight one-step rate. The Lyapunov function
contracts by exactly ``rho*`` each step on the worst linear instance, so the two agree; the
closed form ``rho*^k`` (TTD25) is the reference column.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from pepcert.papers.figures.base import SweepOptions, TargetResult
from pepcert.papers.figures.closed_forms import closed_forms
from pepcert.plotting import new_figure, plain_log_ticks, save, write_csv

MU, L = 0.1, 1.0
ONE_MINUS_DELTA = (0.25, 0.5, 0.75)
METHODS = {"ef": 9, "ef21": 10}
COLOURS = {0.25: "tab:blue", 0.5: "tab:orange", 0.75: "tab:green"}


def worst_table(n: int, options: SweepOptions):
    import pandas as pd

    from pepcert.sweeps.analyses import optimal_rate, worst_case_value

    base: list[dict[str, Any]] = [{"method": m, "mu": MU, "L": L, "delta": 1 - v} for m in METHODS for v in ONE_MINUS_DELTA]
    steps = options.run(optimal_rate, base, "TTD25 optimal steps").frame
    points = [{**point, "eta": float(steps.iloc[i]["eta"]), "iterations": k}
              for i, point in enumerate(base) for k in range(1, n + 1)]
    worst = options.run(worst_case_value, points, "TTD25 k-step worst cases")
    frame = worst.frame
    frame.insert(3, "one_minus_delta", np.repeat([1 - p["delta"] for p in base], n))
    rho = np.repeat(steps["rho"].to_numpy(dtype=float), n)
    frame["rho"] = rho
    frame["rho_power_k"] = rho ** frame["iterations"]
    closed = np.empty(len(frame))
    for method in METHODS:
        rows = (frame["method"] == method).to_numpy()
        closed[rows] = closed_forms(method).optimal_rate(MU, L, frame["delta"][rows]) ** frame["iterations"][rows]
    frame["rho_power_k_closed_form"] = closed
    frame["relative_gap"] = frame["value"] / frame["rho_power_k_closed_form"] - 1
    return pd.DataFrame(frame), worst


def build_fig9_10(out: Path, n: int, options: SweepOptions) -> TargetResult:
    frame, swept = worst_table(n, options)
    files = [write_csv(frame, out, "ttd25-fig9-10")]
    for method, number in METHODS.items():
        figure = new_figure(7, 4.8)
        axes = figure.subplots()
        for value in ONE_MINUS_DELTA:
            part = frame[(frame["method"] == method) & np.isclose(frame["one_minus_delta"], value)]
            colour = COLOURS[value]
            axes.plot(part["iterations"], part["value"], "o", color=colour, label=f"worst case, 1 - delta = {value}")
            axes.plot(part["iterations"], part["rho_power_k"], "-", color=colour, label=r"$\rho^{\star k}$" + f", 1 - delta = {value}")
        axes.set_yscale("log")
        plain_log_ticks(axes)
        axes.set_xlabel("k (iterations)")
        axes.set_ylabel(r"worst-case $V(z_k)$ given $V(z_0) \leq 1$")
        axes.set_title(f"{method.upper()} at eta*: k-step worst case against rho*^k (L = 1, mu = 0.1)")
        axes.grid(alpha=0.3, which="both")
        axes.legend(fontsize=8, ncol=2)
        files.extend(save(figure, out, f"ttd25-fig{number}"))
    solved = frame["status"] == "solved"
    checks = {"max_relative_gap": float(np.nanmax(np.abs(frame["relative_gap"][solved]))) if solved.any() else float("nan"),
              "unsolved": float((~solved).sum())}
    return TargetResult("ttd25-fig9-10", tuple(files), checks, swept.computed, swept.cached)
