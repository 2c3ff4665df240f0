r"""Wang, Safaryan & Richtarik 2022: does block quantization with ``n`` blocks save a factor
of order ``n`` in communication over one block? Measured with the authors' protocol
(:mod:`pepcert.saq.blockclaim`): for ``n`` in {2, 4, 6, 8} workers on the built-in data sets
with ``d > 100``, the bits per worker DIANA and DIANA+ need to reach
``||x - x*||^2/||x^0 - x*||^2 <= 1e-6`` with one block and with ``n`` blocks, their ratio
against ``n`` (the claim is a ratio of order ``n``, drawn as the line ``ratio = n``), and the
ratio of the re-derived theory's communication bounds beside it.

``--grid N``: each run stops at the target or after ``1000 N`` iterations (default 10,000);
a run that stops first is compared at the smallest error both runs reached (the CSV says
which). ``--workers P``: processes (default 2, the reference machine's cores).
"""

from __future__ import annotations

from pathlib import Path

from pepcert.papers.figures.plotting import new_figure, save, write_csv
from pepcert.papers.figures.targets import SweepOptions, TargetResult

STYLES = {"diana": ("tab:blue", "o"), "diana+": ("tab:red", "s")}
LABELS = {"diana": "DIANA", "diana+": "DIANA+"}


def build_blocks(out: Path, grid: int, options: SweepOptions) -> TargetResult:
    import pandas as pd

    from pepcert.saq.blockclaim import DATASETS, WORKERS, measure

    processes = options.workers or 2
    report = measure(DATASETS, WORKERS, 1e-6, 1000 * grid, processes=processes)
    runs, ratios = pd.DataFrame(report["runs"]), pd.DataFrame(report["ratios"])
    files = [write_csv(runs, out, "wsr22-blocks-runs"), write_csv(ratios, out, "wsr22-blocks")]
    figure = new_figure(15, 4.8)
    panels = figure.subplots(1, len(DATASETS), sharey=True)
    for axes, dataset in zip(panels, DATASETS):
        part = ratios[ratios["dataset"] == dataset]
        for method, (colour, marker) in STYLES.items():
            rows = part[part["method"] == method]
            reached = rows[rows["at_target"]]
            axes.plot(rows["workers"], rows["ratio"], "-", color=colour, linewidth=1.5)
            axes.plot(reached["workers"], reached["ratio"], marker, color=colour, label=f"{LABELS[method]}, measured")
            missed = rows[~rows["at_target"]]
            axes.plot(missed["workers"], missed["ratio"], marker, color=colour, fillstyle="none",
                      label=f"{LABELS[method]}, measured at the error both reached" if len(missed) else None)
            axes.plot(rows["workers"], rows["theory_ratio"], "--", color=colour, linewidth=1,
                      label=f"{LABELS[method]}, theory's bounds")
        axes.plot(WORKERS, WORKERS, ":", color="gray", label="the claim's order: ratio = n")
        axes.axhline(1.0, color="black", linewidth=0.8)
        d = int(part["d"].iloc[0]) if len(part) else 0
        axes.set_title(f"{dataset} (d = {d})", fontsize=10)
        axes.set_xlabel("n workers = n blocks")
        axes.set_yscale("log")
        axes.grid(alpha=0.3, which="both")
    panels[0].set_ylabel("bits(1 block) / bits(n blocks) to 1e-6")
    panels[0].legend(fontsize=7, loc="upper left")
    figure.suptitle("Block quantization as its authors ran it (l-inf dithering, zero levels free, one-time "
                    "L^(1/2) for DIANA+): above 1 blocks save bits", fontsize=10)
    files.extend(save(figure, out, "wsr22-blocks"))
    checks = {f"ratio_{method}_{stat}": float(getattr(ratios[ratios["method"] == method]["ratio"], stat)())
              for method in STYLES for stat in ("min", "max")}
    checks.update(runs_at_target=float(runs["reached"].mean()), seconds=float(report["seconds"]))
    return TargetResult("wsr22-blocks", tuple(files), checks, len(runs), 0)
