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

from pepcert.papers.figures.base import SweepOptions, TargetResult
from pepcert.plotting import new_figure, save, write_csv

STYLES = {"diana": ("tab:blue", "o"), "diana+": ("tab:red", "s")}
LABELS = {"diana": "DIANA", "diana+": "DIANA+"}


def build_blocks(out: Path, grid: int, options: SweepOptions) -> TargetResult:
    import pandas as pd

    from pepcert.saq.blockclaim import DATASETS, WORKERS, measure

    processes = options.workers or 2
    report = measure(DATASETS, WORKERS, 1e-6, 1000 * grid, processes=processes)
    runs, ratios = pd.DataFrame(report["runs"]), pd.DataFrame(report["ratios"])
    files = [write_csv(runs, out, "wsr22-blocks-runs"), write_csv(ratios, out, "wsr22-blocks")]
    files.extend(draw(ratios, out, DATASETS, WORKERS))
    checks = {f"ratio_{method}_{stat}": float(getattr(ratios[ratios["method"] == method]["ratio"], stat)())
              for method in STYLES for stat in ("min", "max")}
    checks.update(runs_at_target=float(runs["reached"].mean()), seconds=float(report["seconds"]))
    return TargetResult("wsr22-blocks", tuple(files), checks, len(runs), 0)


def draw(ratios, out: Path, datasets, workers) -> tuple[str, str]:
    """One panel a data set: the measured ratios (filled: at 1e-6; open: at the smallest error
    both runs reached), DIANA+ without its one-time bits (dotted), the theory's (dashed)."""
    from pepcert.plotting import plain_log_ticks

    figure = new_figure(15, 4.8)
    panels = figure.subplots(1, len(datasets), sharey=True)
    for axes, dataset in zip(panels, datasets):
        part = ratios[ratios["dataset"] == dataset]
        for method, (colour, marker) in STYLES.items():
            rows = part[part["method"] == method]
            axes.plot(rows["workers"], rows["ratio"], "-", color=colour, linewidth=1.5)
            axes.plot(rows[rows["at_target"]]["workers"], rows[rows["at_target"]]["ratio"], marker, color=colour,
                      label=f"{LABELS[method]}, measured to 1e-6")
            missed = rows[~rows["at_target"]]
            axes.plot(missed["workers"], missed["ratio"], marker, color=colour, fillstyle="none",
                      label=f"{LABELS[method]}, at the error both reached")
            if method == "diana+":
                axes.plot(rows["workers"], rows["ratio_rounds"], ":", color=colour, linewidth=1.2,
                          label="DIANA+ without the one-time bits")
            axes.plot(rows["workers"], rows["theory_ratio"], "--", color=colour, linewidth=1,
                      label=f"{LABELS[method]}, theory's bounds")
        axes.plot(workers, workers, ":", color="gray", label="the claim's order: ratio = n")
        axes.axhline(1.0, color="black", linewidth=0.8)
        d = int(part["d"].iloc[0]) if len(part) else 0
        missed = part[~part["at_target"]]
        note = "" if missed.empty else f"; open: at errors {missed['level'].min():.1e}..{missed['level'].max():.1e}"
        axes.set_title(f"{dataset} (d = {d}){note}", fontsize=10)
        axes.set_xlabel("n workers = n blocks")
        axes.set_yscale("log")
        plain_log_ticks(axes)
        axes.grid(alpha=0.3, which="both")
    panels[0].set_ylabel("bits(1 block) / bits(n blocks)")
    panels[-1].legend(fontsize=7, loc="upper left")
    figure.suptitle("Block quantization as its authors ran it (l-inf dithering, zero levels free, one-time "
                    "L^(1/2) for DIANA+): above 1 blocks save bits", fontsize=10)
    return save(figure, out, "wsr22-blocks")
