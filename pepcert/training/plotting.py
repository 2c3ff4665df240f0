"""The figure of ``pepcert muon train --plot``: curves at each optimiser's best step, and the sweep.

Three panels: test loss and test error (100 % - accuracy, log scale) against iterations (mean over seeds, band from the
seeds' minimum to maximum) at each optimiser's best step, and the final test loss against the
step size (mean, bars from minimum to maximum; diverged steps omitted). matplotlib is
imported here only.
"""

from __future__ import annotations

import numpy as np

from pepcert.training.experiment import Experiment

COLOURS = {"muon": "tab:blue", "muon-ns": "tab:cyan", "ef-muon": "tab:red", "sgdm": "tab:gray"}


def _band(ax, experiment: Experiment, row: dict, metric: str, scale: float, offset: float = 0.0) -> None:
    runs = experiment.select(row["optimiser"], row["best_step"])
    values = offset + scale * np.array([[np.nan if v is None else v for v in run.curves[metric]] for run in runs])
    x = np.array(runs[0].iterations)
    colour = COLOURS.get(row["optimiser"])
    ax.plot(x, values.mean(axis=0), color=colour, label=f"{row['label']} (step {row['best_step']:g})")
    ax.fill_between(x, values.min(axis=0), values.max(axis=0), color=colour, alpha=0.2, linewidth=0)


def _sweep(ax, experiment: Experiment, row: dict) -> None:
    steps, means, low, high = [], [], [], []
    for step in experiment.setup.steps:
        finals: list = [run.final("test_loss") for run in experiment.select(row["optimiser"], step)]
        if any(value is None for value in finals):
            continue
        steps.append(step)
        means.append(np.mean(finals))
        low.append(np.mean(finals) - min(finals))
        high.append(max(finals) - np.mean(finals))
    if steps:
        ax.errorbar(steps, means, yerr=[low, high], marker="o", capsize=3, color=COLOURS.get(row["optimiser"]),
                    label=row["label"])


def plot_experiment(experiment: Experiment, table: list[dict], path: str) -> None:
    """Write the three-panel PNG to ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    setup = experiment.setup
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    rows = [row for row in table if row["best_step"] is not None]
    for row in rows:
        _band(axes[0], experiment, row, "test_loss", 1.0)
        _band(axes[1], experiment, row, "test_accuracy", -100.0, 100.0)
        _sweep(axes[2], experiment, row)
    axes[0].set(xlabel="iteration", ylabel="test loss", yscale="log", title="test loss at the best step")
    axes[1].set(xlabel="iteration", ylabel="test error (%) = 100 - accuracy", yscale="log",
                title="test error at the best step")
    axes[2].set(xlabel="step size", ylabel="final test loss", xscale="log", yscale="log",
                title="final test loss over the grid")
    for ax in axes:
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7)
    axes[2].legend(fontsize=7)
    fig.suptitle(f"{setup.task}: mean over {setup.seeds} seeds, band/bars = min..max", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
