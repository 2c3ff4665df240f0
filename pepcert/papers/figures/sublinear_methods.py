r"""CGD, EF and EF21 where no linear rate exists: exact N-step worst cases against N, beside the
published bounds (``docs/sublinear.md``).

At ``L = 1``, ``delta = 1/2`` and the largest step of the EF21 paper's Theorem 1,
``gamma = 1/(L (1 + sqrt(beta/theta)))`` (Richtárik, Sokolov & Fatkhullin 2021; ``0.2929``),
for ``N = 1..N_max``:

* **nonconvex** (``SmoothStronglyConvex(-L, L)``): the worst ``min_{k <= N} ||grad f(x_k)||^2``
  from ``f(x_0) - f* <= 1``, beside Theorem 1's ``2/(gamma (N + 1))`` (EF21) and the exact rate
  of uncompressed gradient descent at the same step (Rotaru, Glineur & Patrinos 2024);
* **convex** (``SmoothStronglyConvex(0, L)``): the worst ``f(x_N) - f*`` from
  ``||x_0 - x*||^2 <= 1``, beside gradient descent's ``L/(4 N h + 2)``, ``h = gamma L``
  (Drori & Teboulle 2014).

Each method starts as declared (``e_0 = 0``, ``d_0 = grad f(x_0)``). Gradient descent itself is
computed too (CGD with ``delta = 1``, whose compressor is the identity) and checked against its
closed forms (the ``checks`` of the result).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pepcert.papers.figures.base import SweepOptions, TargetResult
from pepcert.papers.figures.styles import METHOD_COLOURS, METHOD_LABELS
from pepcert.papers.theorems.sublinear import (
    drori_teboulle_bound,
    ef21_theorem_bound,
    ef21_theorem_step,
    nonconvex_gradient_bound,
)
from pepcert.plotting import new_figure, save, write_csv

L, DELTA = 1.0, 0.5
METHODS = ("cgd", "ef", "ef21")
CLASSES = {"nonconvex": (-L, "min-gradient", "function"), "convex": (0.0, "function", "distance")}


def sublinear_table(n: int, options: SweepOptions):
    """One row per (class, method, N): the exact worst case, and the references."""
    import pandas as pd

    from pepcert.sweeps.analyses import worst_case_value

    gamma = ef21_theorem_step(L, DELTA)
    runs = [(name, method, DELTA) for name in CLASSES for method in METHODS] + [(name, "gd", 1.0) for name in CLASSES]
    points = [{"method": "cgd" if method == "gd" else method, "mu": CLASSES[name][0], "L": L, "delta": delta,
               "eta": gamma, "iterations": N, "measure": CLASSES[name][1], "initial": CLASSES[name][2],
               "start": "declared"} for name, method, delta in runs for N in range(1, n + 1)]
    swept = options.run(worst_case_value, points, "sublinear worst cases")
    rows = []
    for (name, method, _delta), start in zip(runs, range(0, len(points), n)):
        for N in range(1, n + 1):
            line = swept.frame.iloc[start + N - 1]
            gd = nonconvex_gradient_bound(L, -L, gamma * L, N) if name == "nonconvex" else drori_teboulle_bound(L, gamma * L, N)
            bound = ef21_theorem_bound(gamma, N) if name == "nonconvex" else float("nan")
            rows.append({"class": name, "method": method, "N": N, "eta": gamma, "value": line["value"],
                         "status": line["status"], "gd_closed_form": gd, "ef21_theorem_1": bound,
                         "ratio_to_ef21_theorem_1": line["value"] / bound if method == "ef21" else float("nan")})
    return pd.DataFrame(rows), swept


def build_sublinear(out: Path, n: int, options: SweepOptions) -> TargetResult:
    frame, swept = sublinear_table(n, options)
    files = [write_csv(frame, out, "sublinear-methods")]
    figure = new_figure(12, 4.8)
    for axes, name in zip(figure.subplots(1, 2), CLASSES):
        part = frame[frame["class"] == name]
        for method in METHODS:
            rows = part[part["method"] == method]
            axes.plot(rows["N"], rows["value"], "o-", color=METHOD_COLOURS[method], label=f"{METHOD_LABELS[method]} (exact)")
        gd = part[part["method"] == "gd"]
        axes.plot(gd["N"], gd["gd_closed_form"], ":", color="black", label="gradient descent (closed form)")
        axes.plot(gd["N"], gd["value"], "x", color="black", label="gradient descent (pepcert)")
        if name == "nonconvex":
            axes.plot(gd["N"], gd["ef21_theorem_1"], "--", color=METHOD_COLOURS["ef21"], label="EF21 paper, Theorem 1")
            axes.set_ylabel(r"worst $\min_{k \leq N} \|\nabla f(x_k)\|^2$ given $f(x_0) - f_\star \leq 1$")
        else:
            axes.set_ylabel(r"worst $f(x_N) - f_\star$ given $\|x_0 - x_\star\|^2 \leq 1$")
        axes.set_xscale("log")
        axes.set_yscale("log")
        axes.set_xlabel("N (iterations)")
        axes.set_title(f"L-smooth {name} (delta = {DELTA}, eta = {frame['eta'].iloc[0]:.4f})")
        axes.grid(alpha=0.3, which="both")
        axes.legend(fontsize=8)
    files.extend(save(figure, out, "sublinear-methods"))
    gd = frame[frame["method"] == "gd"]
    ef21 = frame[(frame["method"] == "ef21") & (frame["class"] == "nonconvex")]
    checks = {"gd_max_relative_error": float(np.nanmax(np.abs(gd["value"] / gd["gd_closed_form"] - 1))),
              "ef21_ratio_to_theorem_1_min": float(ef21["ratio_to_ef21_theorem_1"].min()),
              "ef21_ratio_to_theorem_1_max": float(ef21["ratio_to_ef21_theorem_1"].max()),
              "unsolved": float((frame["status"] != "solved").sum())}
    return TargetResult("sublinear-methods", tuple(files), checks, swept.computed, swept.cached)
