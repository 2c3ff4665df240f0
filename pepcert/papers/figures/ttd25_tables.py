r"""Thomsen, Taylor & Dieuleveut 2025, Tables 1-4.

Over the Fig. 1 plane (``L = 1``, ``mu = 0.1``, ``1 - delta`` in ``[0.01, 0.99]``, ``eta`` in
``[0.01, 2/1.1]``, an ``N x N`` grid):

* Table 1: the largest ``|rho_EF - rho_EF21|`` (the paper proves the two tight rates equal at
  every step, so this measures the numerical agreement of two independent searches);
* Tables 2-4 (CGD, EF, EF21): the largest ``rho_paper - rho_full`` between the rate the
  paper's simple Lyapunov family certifies (``tight_rate(..., family="paper")``: CGD
  ``f - f*``, EF ``||x - x* - e||^2`` and ``||e||^2``, EF21 ``||grad f - d||^2`` and
  ``||grad f||^2`` with nonnegative weights) and the full quadratic family, over the points
  where the method converges.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pepcert.papers.figures.base import SweepOptions, TargetResult
from pepcert.papers.figures.closed_forms import closed_forms
from pepcert.papers.figures.styles import METHOD_LABELS
from pepcert.papers.figures.ttd25_fig1 import METHODS, MU, L, axes_values
from pepcert.plotting import new_figure, save, write_csv


def family_table(n: int, options: SweepOptions):
    from pepcert.sweeps.analyses import rate

    one_minus, etas = axes_values(n)
    grid = {"method": list(METHODS), "family": ["full", "paper"], "mu": [MU], "L": [L],
            "delta": [float(1 - v) for v in one_minus], "eta": [float(e) for e in etas]}
    result = options.run(rate, grid, "TTD25 tables (full and paper families)")
    frame = result.frame
    closed = np.empty(len(frame))
    for method in METHODS:
        rows = (frame["method"] == method).to_numpy()
        closed[rows] = closed_forms(method).rate(MU, L, frame["delta"][rows], frame["eta"][rows])
    frame["rho_closed_form"] = closed
    return frame, result


def _summary(frame, n: int):
    import pandas as pd

    full = frame[frame["family"] == "full"]
    rho = {m: full["rho"][full["method"] == m].to_numpy(dtype=float) for m in METHODS}
    converging = full["rho_closed_form"][full["method"] == "ef"].to_numpy() < 1
    difference = np.abs(rho["ef"] - rho["ef21"])
    rows = [{"table": 1, "method": "EF - EF21", "quantity": "max abs(rho_EF - rho_EF21) (all points)", "value": float(np.nanmax(difference))},
            {"table": 1, "method": "EF - EF21", "quantity": "max abs(rho_EF - rho_EF21) (rho < 1)",
             "value": float(np.nanmax(difference[converging])) if converging.any() else 0.0}]
    for number, method in enumerate(METHODS, start=2):
        part = frame[frame["method"] == method]
        full_rho = part["rho"][part["family"] == "full"].to_numpy(dtype=float)
        paper_rho = part["rho"][part["family"] == "paper"].to_numpy(dtype=float)
        good = part["rho_closed_form"][part["family"] == "full"].to_numpy() < 1
        excess = paper_rho - full_rho
        rows += [{"table": number, "method": METHOD_LABELS[method], "quantity": "max rho_paper - rho_full (rho < 1)",
                  "value": float(np.nanmax(excess[good])) if good.any() else 0.0},
                 {"table": number, "method": METHOD_LABELS[method], "quantity": "points where rho_paper <= rho_full + 1e-9 (rho < 1)",
                  "value": float(np.sum(excess[good] <= 1e-9))},
                 {"table": number, "method": METHOD_LABELS[method], "quantity": "points with rho < 1", "value": float(good.sum())}]
    return pd.DataFrame(rows)


def _markdown(summary, n: int) -> str:
    lines = [f"# TTD25 Tables 1-4 recomputed by pepcert ({n} x {n} grid, L = 1, mu = 0.1)", "",
             "| table | method | quantity | value |", "|---|---|---|---|"]
    lines += [f"| {r.table} | {r.method} | {r.quantity} | {r.value:.6g} |" for r in summary.itertuples()]
    return "\n".join(lines) + "\n"


def build_tables(out: Path, n: int, options: SweepOptions) -> TargetResult:
    frame, swept = family_table(n, options)
    summary = _summary(frame, n)
    files = [write_csv(frame, out, "ttd25-tables-points"), write_csv(summary, out, "ttd25-tables")]
    path = Path(out) / "ttd25-tables.md"
    path.write_text(_markdown(summary, n))
    files.append(str(path))
    one_minus, etas = axes_values(n)
    figure = new_figure(15, 4.8)
    panels = figure.subplots(1, len(METHODS), sharey=True)
    for axes, method in zip(panels, METHODS):
        part = frame[frame["method"] == method]
        full = part["rho"][part["family"] == "full"].to_numpy(dtype=float).reshape(n, n).T
        paper = part["rho"][part["family"] == "paper"].to_numpy(dtype=float).reshape(n, n).T
        excess = np.log10(np.maximum(paper - full, 1e-16))
        image = axes.pcolormesh(one_minus, etas, np.where(full < 1, excess, np.nan), vmin=-16, vmax=0,
                                cmap="magma", shading="nearest")
        axes.set_title(f"{METHOD_LABELS[method]}: paper family against full (rho < 1)")
        axes.set_xlabel(r"$1 - \delta$")
    panels[0].set_ylabel(r"step size $\eta$")
    figure.colorbar(image, ax=list(panels), label=r"$\log_{10}(\rho_{paper} - \rho_{full})$ (floored at -16)")
    files.extend(save(figure, out, "ttd25-tables"))
    checks = {f"table{int(r.table)}: {r.method}: {r.quantity}": float(r.value) for r in summary.itertuples()}
    return TargetResult("ttd25-tables", tuple(files), checks, swept.computed, swept.cached)
