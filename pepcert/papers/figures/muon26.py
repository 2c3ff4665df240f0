r"""Parshakova, Khaled, Crawshaw, Garrigos & Gower 2026: Muon does not converge on convex
Lipschitz functions; EF-Muon does.

On the counterexample ``f(W) = c |tr W| + |W_11 - W_22|`` (2x2, ``c = (1 - beta)/(2 (1 + beta))``,
``f* = 0``) built for each ``(beta, schedule)``, :func:`pepcert.analyses.muon.analyse_muon`
replays Muon (exact polar factor) and signed momentum (the sign LMO) in exact arithmetic and
certifies ``f(W_t) - f* >= (1 - beta)/(1 + beta)`` for every ``t <= T`` (the paper's theorem; the
level is the closed-form reference), and simulates EF-Muon
(``P = gamma G + E``, ``Delta = (||P||_nuc / rank P) polar(P)``) on the same start, whose gap
goes to 0. On this diagonal instance the sign and polar LMOs coincide, so the two momentum
curves overlap.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pepcert.papers.figures.base import SweepOptions, TargetResult
from pepcert.plotting import new_figure, save, write_csv

BETAS = ("1/2", "9/10")
SCHEDULES = ("1/(t+1)", "1/sqrt(t+1)", "1/10")
LMOS = {"polar": "Muon", "sign": "signed momentum"}


def gap_table(iterations: int, options: SweepOptions):
    import pandas as pd

    from pepcert.sweeps.analyses import muon_gaps

    grid = {"beta": list(BETAS), "steps": list(SCHEDULES), "iterations": [iterations], "lmo": list(LMOS)}
    result = options.run(muon_gaps, grid, "Muon counterexample replays")
    rows = []
    for line in result.frame.itertuples():
        t = np.arange(len(line.gaps))
        rows.append(pd.DataFrame({"beta": line.beta, "steps": line.steps, "method": LMOS[line.lmo], "t": t,
                                  "gap": line.gaps, "level_closed_form": line.level, "certified": line.certified}))
        if line.lmo == "polar":
            ef = np.asarray(line.ef_gaps)
            rows.append(pd.DataFrame({"beta": line.beta, "steps": line.steps, "method": "EF-Muon", "t": np.arange(len(ef)),
                                      "gap": ef, "level_closed_form": line.level, "certified": False}))
    return pd.concat(rows, ignore_index=True), result


def build_gaps(out: Path, iterations: int, options: SweepOptions) -> TargetResult:
    table, swept = gap_table(iterations, options)
    files = [write_csv(table, out, "muon26-gaps")]
    figure = new_figure(15, 8)
    panels = figure.subplots(len(BETAS), len(SCHEDULES), sharex=True)
    styles = {"Muon": ("tab:red", "-", 2.5), "signed momentum": ("black", ":", 1.5), "EF-Muon": ("tab:blue", "-", 1.5)}
    for row, beta in enumerate(BETAS):
        for column, steps in enumerate(SCHEDULES):
            axes = panels[row][column]
            part = table[(table["beta"] == beta) & (table["steps"] == steps)]
            for method, (colour, style, width) in styles.items():
                curve = part[(part["method"] == method) & (part["gap"] > 0)]
                if method == "EF-Muon":  # a subgradient method: plot its best gap so far, raw faintly
                    axes.loglog(curve["t"] + 1, curve["gap"], "-", color=colour, linewidth=0.5, alpha=0.25)
                    axes.loglog(curve["t"] + 1, np.minimum.accumulate(curve["gap"]), style, color=colour,
                                linewidth=width, label="EF-Muon (best so far; raw faint)")
                    continue
                axes.loglog(curve["t"] + 1, curve["gap"], style, color=colour, linewidth=width, label=method)
            axes.axhline(float(part["level_closed_form"].iloc[0]), color="gray", linestyle="--", linewidth=1,
                         label="(1 - beta)/(1 + beta)")
            axes.set_title(f"beta = {beta}, gamma_t = {steps}", fontsize=10)
            axes.grid(alpha=0.3, which="both")
            if row == len(BETAS) - 1:
                axes.set_xlabel("t + 1")
            if column == 0:
                axes.set_ylabel(r"$f(W_t) - f^\star$")
    panels[0][0].legend(fontsize=8, loc="lower left")
    figure.suptitle("Muon and signed momentum stay above (1 - beta)/(1 + beta) (certified); EF-Muon gets below it "
                    "(towards 0 with decreasing steps, to a neighbourhood with a constant step)")
    files.extend(save(figure, out, "muon26-gaps"))
    momentum = table[table["method"] != "EF-Muon"]
    checks = {"min_gap_minus_level": float((momentum["gap"] - momentum["level_closed_form"]).min()),
              "all_certified": float(bool(momentum["certified"].all())),
              "ef_final_gap_max": float(table[table["method"] == "EF-Muon"].groupby(["beta", "steps"])["gap"].last().max())}
    return TargetResult("muon26-gaps", tuple(files), checks, swept.computed, swept.cached)
