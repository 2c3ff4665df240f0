r"""Thomsen, Taylor & Dieuleveut 2025, Fig. 1 and Fig. 11: the tight rate over the plane
``(1 - delta, eta)`` and the best step.

Fig. 1: for CGD, EF and EF21 at ``L = 1``, ``mu = 0.1``, contours of ``rho(eta)`` (pepcert's
:func:`~pepcert.analyses.tight_rate` at every point of an ``N x N`` grid, ``1 - delta`` in
``[0.01, 0.99]``, ``eta`` in ``[0.01, 2/1.1]``), the region ``rho >= 1`` where the method does
not converge, and the curve ``eta*(delta)`` from :func:`~pepcert.analyses.optimal_step`. The
closed forms (TTD25): EF/EF21 ``rho = max_{h in {mu, L}} ((|b_h| + sqrt(b_h^2 + 4 s))/2)^2``,
``b_h = (1 - s) - eta h (1 + s)``; CGD ``rho = max{(1 - eta mu (1 - s))^2, (1 - eta L (1 + s))^2}``;
``s = sqrt(1 - delta)``.

Fig. 11: the step minimising the computed rate over the same ``eta`` grid, against ``eta*``
(EF/EF21 ``2/(L + mu) (1 - s)/(1 + s)``, CGD ``2/((1 - s) mu + (1 + s) L)``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pepcert.papers.figures.base import SweepOptions, TargetResult
from pepcert.papers.figures.closed_forms import closed_forms
from pepcert.papers.figures.styles import METHOD_COLOURS, METHOD_LABELS
from pepcert.plotting import new_figure, save, write_csv

MU, L = 0.1, 1.0
METHODS = ("cgd", "ef", "ef21")
ETA_MAX = 2 / 1.1  # 2 / (L + mu)
CURVE_POINTS = 50  # eta* is computed at min(N, 50) values of 1 - delta


def axes_values(n: int) -> tuple[np.ndarray, np.ndarray]:
    """``(1 - delta, eta)`` grid axes."""
    return np.linspace(0.01, 0.99, n), np.linspace(0.01, ETA_MAX, n)


def rate_table(n: int, options: SweepOptions):
    """The fig. 1 sweep (``method x delta x eta``), with the closed form and the gap."""
    from pepcert.sweeps.analyses import rate

    one_minus, etas = axes_values(n)
    grid = {"method": list(METHODS), "mu": [MU], "L": [L], "delta": [float(1 - v) for v in one_minus],
            "eta": [float(e) for e in etas]}
    result = options.run(rate, grid, "TTD25 fig. 1 rates")
    frame = result.frame
    frame.insert(3, "one_minus_delta", np.tile(np.repeat(one_minus, n), len(METHODS)))
    closed = np.empty(len(frame))
    for method in METHODS:
        rows = (frame["method"] == method).to_numpy()
        closed[rows] = closed_forms(method).rate(MU, L, frame["delta"][rows], frame["eta"][rows])
    frame["rho_closed_form"] = closed
    frame["gap"] = frame["rho"] - closed
    return frame, result


def step_table(n: int, options: SweepOptions):
    """``eta*`` and ``rho*`` from :func:`optimal_step` at ``min(n, 50)`` values of ``1 - delta``."""
    from pepcert.sweeps.analyses import optimal_rate

    one_minus = np.linspace(0.01, 0.99, min(n, CURVE_POINTS))
    grid = {"method": list(METHODS), "mu": [MU], "L": [L], "delta": [float(1 - v) for v in one_minus]}
    result = options.run(optimal_rate, grid, "TTD25 optimal steps")
    frame = result.frame
    frame.insert(3, "one_minus_delta", np.tile(one_minus, len(METHODS)))
    for column, name in (("eta_closed_form", "optimal_step"), ("rho_closed_form", "optimal_rate")):
        values = np.empty(len(frame))
        for method in METHODS:
            rows = (frame["method"] == method).to_numpy()
            values[rows] = getattr(closed_forms(method), name)(MU, L, frame["delta"][rows])
        frame[column] = values
    return frame, result


def _max_gap(frame) -> float:
    converging = frame["rho_closed_form"] < 1
    return float(np.nanmax(np.abs(frame["gap"][converging]))) if converging.any() else 0.0


def build_fig1(out: Path, n: int, options: SweepOptions) -> TargetResult:
    rates, swept = rate_table(n, options)
    steps, swept_steps = step_table(n, options)
    files = [write_csv(rates, out, "ttd25-fig1-rates"), write_csv(steps, out, "ttd25-fig1-optimal-steps")]
    one_minus, etas = axes_values(n)
    figure = new_figure(15, 4.8)
    panels = figure.subplots(1, len(METHODS), sharey=True)
    finite = rates["rho"].to_numpy(dtype=float)
    low = np.floor(np.nanmin(finite) * 20) / 20 if np.isfinite(finite).any() else 0.0
    levels = np.linspace(low, 1, 21)
    for axes, method in zip(panels, METHODS):
        rho = rates["rho"][rates["method"] == method].to_numpy(dtype=float).reshape(n, n).T  # rows: eta
        clipped = np.minimum(rho, 1.0)
        filled = axes.contourf(one_minus, etas, clipped, levels=levels, cmap="viridis", rasterized=True)
        axes.contour(one_minus, etas, clipped, levels=levels[1:-1:2], colors="white", linewidths=0.4, alpha=0.5)
        diverging = (rho >= 1).astype(float)
        axes.contourf(one_minus, etas, diverging, levels=[0.5, 1.5], colors=["0.85"])
        axes.contourf(one_minus, etas, diverging, levels=[0.5, 1.5], colors="none", hatches=["//"])
        axes.contour(one_minus, etas, rho, levels=[1.0], colors="black", linewidths=1.2)
        curve = steps[steps["method"] == method]
        axes.plot(curve["one_minus_delta"], curve["eta"], color="red", linewidth=2, label=r"$\eta^\star$ (optimal_step)")
        axes.set_title(f"{METHOD_LABELS[method]}  (L = 1, mu = 0.1)")
        axes.set_xlabel(r"$1 - \delta$")
        axes.set_xlim(one_minus[0], one_minus[-1])
        axes.set_ylim(etas[0], etas[-1])
        axes.legend(loc="upper right", fontsize=8, title="hatched: rho >= 1 (no convergence)", title_fontsize=8)
    panels[0].set_ylabel(r"step size $\eta$")
    figure.colorbar(filled, ax=list(panels), label=r"tight rate $\rho(\eta)$", ticks=levels[::2])
    files.extend(save(figure, out, "ttd25-fig1"))
    checks = {"max_abs_gap_rho_lt_1": _max_gap(rates), "points": float(len(rates)),
              "failed_points": float(rates["rho"].isna().sum()),
              "not_tight_rho_lt_1": float(((rates["rho_closed_form"] < 1) & ~rates["tight"].astype(bool)).sum()),
              "max_abs_gap_eta_star": float(np.nanmax(np.abs(steps["eta"] - steps["eta_closed_form"]))),
              "max_abs_gap_rho_star": float(np.nanmax(np.abs(steps["rho"] - steps["rho_closed_form"])))}
    return TargetResult("ttd25-fig1", tuple(files), checks, swept.computed + swept_steps.computed,
                        swept.cached + swept_steps.cached)


def build_fig11(out: Path, n: int, options: SweepOptions) -> TargetResult:
    rates, swept = rate_table(n, options)
    steps, swept_steps = step_table(n, options)
    one_minus, etas = axes_values(n)
    rows = []
    for method in METHODS:
        rho = rates["rho"][rates["method"] == method].to_numpy(dtype=float).reshape(n, n)
        best = np.nanargmin(rho, axis=1)
        star = closed_forms(method).optimal_step(MU, L, 1 - one_minus)
        for i, v in enumerate(one_minus):
            rows.append({"method": method, "one_minus_delta": v, "eta_grid_best": etas[best[i]],
                         "rho_grid_best": rho[i, best[i]], "eta_closed_form": float(star[i]),
                         "eta_grid_spacing": etas[1] - etas[0]})
    import pandas as pd

    table = pd.DataFrame(rows)
    files = [write_csv(table, out, "ttd25-fig11")]
    figure = new_figure(7, 4.8)
    axes = figure.subplots()
    for method in METHODS:
        part = table[table["method"] == method]
        colour = METHOD_COLOURS[method]
        axes.plot(part["one_minus_delta"], part["eta_closed_form"], color=colour, linewidth=1.5,
                  label=fr"{METHOD_LABELS[method]}: $\eta^\star$ (closed form)")
        axes.plot(part["one_minus_delta"], part["eta_grid_best"], "o", color=colour, markersize=3, alpha=0.7,
                  label=f"{METHOD_LABELS[method]}: best step on the grid")
        curve = steps[steps["method"] == method]
        axes.plot(curve["one_minus_delta"], curve["eta"], "x", color="black", markersize=3,
                  label="optimal_step" if method == METHODS[0] else None)
    axes.set_xlabel(r"$1 - \delta$")
    axes.set_ylabel(r"step size $\eta$")
    axes.set_title(f"best step: grid search ({n} steps) against $\\eta^\\star$, L = 1, mu = 0.1")
    axes.legend(fontsize=8)
    axes.grid(alpha=0.3)
    files.extend(save(figure, out, "ttd25-fig11"))
    spacing = float(etas[1] - etas[0])
    checks = {"max_abs_gap_grid_best_vs_eta_star": float(np.max(np.abs(table["eta_grid_best"] - table["eta_closed_form"]))),
              "eta_grid_spacing": spacing}
    return TargetResult("ttd25-fig11", tuple(files), checks, swept.computed + swept_steps.computed,
                        swept.cached + swept_steps.cached)
