"""The three panels of ``pepcert saq --plot``: ``||x^k - x*||^2 / ||x^0 - x*||^2`` against
bits per worker, iterations and seconds (the paper's three metrics), log y."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pepcert.pep.errors import BadInput

FORMATS = (".png", ".pdf", ".svg")
PANELS = (("bits", "bits sent per worker"), ("iteration", "iterations"), ("seconds", "seconds"))


def check_plot_path(path) -> Path:
    path = Path(path)
    if path.suffix.lower() not in FORMATS:
        raise BadInput(f"--plot: the file name must end in {', '.join(FORMATS)}, got {str(path)!r}")
    return path


def plot_runs(path, results, target: float, title: str) -> str:
    """One line per run in each panel, the target as a dotted line; returns the path."""
    from pepcert.plotting import new_figure

    path = check_plot_path(path)
    figure = new_figure(15, 4.6)
    axes = figure.subplots(1, 3, sharey=True)
    for result in results:
        run = result.run
        label = getattr(result, "label", None) or f"{run.method.upper()} / {result.compressor_key}"
        x = {"bits": run.bits, "iteration": np.arange(run.iterations + 1), "seconds": run.seconds}
        errors = np.maximum(run.errors, 1e-300)
        for axis, (key, _) in zip(axes, PANELS):
            axis.plot(x[key], errors, linewidth=1.4, label=label, linestyle="--" if run.method.startswith("dcgd") else "-")
    for axis, (_, name) in zip(axes, PANELS):
        axis.set_yscale("log")
        axis.set_xlabel(name)
        axis.axhline(target, color="black", linewidth=0.8, linestyle=":")
        axis.grid(True, which="major", alpha=0.3)
    axes[0].ticklabel_format(axis="x", style="sci", scilimits=(0, 0))
    axes[0].set_ylabel(r"$\|x^k - x^\star\|^2 / \|x^0 - x^\star\|^2$")
    axes[0].legend(fontsize=8)
    figure.suptitle(title, fontsize=10)
    try:
        figure.savefig(path, format=path.suffix.lower()[1:])
    except OSError as error:
        raise BadInput(f"cannot write the plot to {str(path)!r}: {error.strerror or error}") from None
    return str(path)
