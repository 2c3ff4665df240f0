r"""Thomsen, Taylor & Dieuleveut 2025, Figs. 2-5: rates at the optimal step against ``1 - delta``.

For ``kappa = L/mu`` in {2, 4, 10} (``L = 1``) and ``1 - delta`` in ``[0.01, 0.99]``, pepcert's
:func:`~pepcert.analyses.optimal_step` gives ``eta*`` and the tight ``rho*`` of CGD, EF and EF21.

* Fig. 2: the tight EF21 ``rho*`` against the rate the EF21 paper guarantees
  (Richtárik, Sokolov & Fatkhullin 2021, Thm. 2; see :mod:`pepcert.papers.figures.closed_forms`);
* Fig. 3: their log-ratio ``ln rho*_tight / ln rho_EF21paper`` -- how many times more
  iterations the EF21 theory needs than the tight count (a ``rho^N <= eps`` count is
  ``ln eps / ln rho``);
* Fig. 4: CGD against EF/EF21 at their optimal steps (closed forms: EF/EF21
  ``rho* = ((B + sqrt(B^2 + 4 s))/2)^2``, ``B = (1 - s)(kappa - 1)/(kappa + 1)``; CGD
  ``rho* = ((kappa_s - 1)/(kappa_s + 1))^2``, ``kappa_s = kappa (1 + s)/(1 - s)``);
* Fig. 5: ``ln rho*_CGD / ln rho*_EF`` -- how many times more iterations EF needs than CGD.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pepcert.papers.figures.base import SweepOptions, TargetResult
from pepcert.papers.figures.closed_forms import closed_forms, ef21_paper_rate
from pepcert.plotting import new_figure, save, write_csv

KAPPAS = (2, 4, 10)
L = 1.0
METHODS = ("cgd", "ef", "ef21")
KAPPA_COLOURS = {2: "tab:blue", 4: "tab:orange", 10: "tab:green"}


def optimal_table(n: int, options: SweepOptions):
    """One row a ``(kappa, 1 - delta)``: the computed and closed-form ``eta*``, ``rho*`` of each
    method and the EF21 paper's rate."""
    import pandas as pd

    from pepcert.sweeps.analyses import optimal_rate

    one_minus = np.linspace(0.01, 0.99, n)
    points = [{"method": m, "mu": L / k, "L": L, "delta": float(1 - v)} for k in KAPPAS for v in one_minus for m in METHODS]
    result = options.run(optimal_rate, points, "TTD25 optimal rates")
    frame = result.frame
    rows = []
    for index, (kappa, value) in enumerate((k, v) for k in KAPPAS for v in one_minus):
        mu, delta = L / kappa, float(1 - value)
        row = {"kappa": kappa, "mu": mu, "L": L, "one_minus_delta": value, "delta": delta,
               "rho_ef21_paper": float(ef21_paper_rate(mu, L, delta))}
        for offset, method in enumerate(METHODS):
            line = frame.iloc[index * len(METHODS) + offset]
            forms = closed_forms(method)
            row.update({f"eta_{method}": line["eta"], f"eta_{method}_closed_form": float(forms.optimal_step(mu, L, delta)),
                        f"rho_{method}": line["rho"], f"rho_{method}_closed_form": float(forms.optimal_rate(mu, L, delta)),
                        f"proven_optimal_{method}": bool(line["proven_optimal"])})
        rows.append(row)
    table = pd.DataFrame(rows)
    table["log_ratio_ef21_tight_vs_paper"] = np.log(table["rho_ef21"]) / np.log(table["rho_ef21_paper"])
    table["log_ratio_cgd_vs_ef"] = np.log(table["rho_cgd"]) / np.log(table["rho_ef"])
    return table, result


def _panel(figure, table, series, ylabel: str, title: str, log: bool = False):
    axes = figure.subplots()
    for kappa in KAPPAS:
        part = table[table["kappa"] == kappa]
        for column, style, label in series:
            axes.plot(part["one_minus_delta"], part[column], style, color=KAPPA_COLOURS[kappa],
                      label=f"{label}, kappa = {kappa}", linewidth=1.5)
    if log:
        axes.set_yscale("log")
    axes.set_xlabel(r"$1 - \delta$")
    axes.set_ylabel(ylabel)
    axes.set_title(title)
    axes.grid(alpha=0.3, which="both")
    axes.legend(fontsize=8, ncol=1 if len(series) == 1 else 2)
    return axes


def _checks(table) -> dict:
    checks = {}
    for method in METHODS:
        checks[f"max_abs_gap_rho_{method}"] = float(np.nanmax(np.abs(table[f"rho_{method}"] - table[f"rho_{method}_closed_form"])))
        checks[f"max_abs_gap_eta_{method}"] = float(np.nanmax(np.abs(table[f"eta_{method}"] - table[f"eta_{method}_closed_form"])))
    return checks


def _build(out: Path, n: int, options: SweepOptions, number: int) -> TargetResult:
    table, swept = optimal_table(n, options)
    name = f"ttd25-fig{number}"
    files = [write_csv(table, out, name)]
    figure = new_figure(7, 4.8)
    if number == 2:
        _panel(figure, table, [("rho_ef21", "-", "tight (pepcert)"), ("rho_ef21_paper", "--", "EF21 paper")],
               r"rate $\rho$ at the optimal step", "EF21: tight optimal rate against the EF21 paper's rate")
    elif number == 3:
        axes = _panel(figure, table, [("log_ratio_ef21_tight_vs_paper", "-", "ln rho_tight / ln rho_EF21paper")],
                      "iterations ratio (EF21 theory / tight)", "EF21: log-ratio of the two rates")
        axes.axhline(1, color="black", linewidth=0.8)
    elif number == 4:
        _panel(figure, table, [("rho_cgd", "-", "CGD"), ("rho_ef", "--", "EF = EF21")],
               r"optimal rate $\rho^\star$", "CGD against EF/EF21 at their optimal steps")
    else:
        axes = _panel(figure, table, [("log_ratio_cgd_vs_ef", "-", "ln rho*_CGD / ln rho*_EF")],
                      "iterations ratio (EF / CGD)", "CGD against EF/EF21: log-ratio of the optimal rates")
        axes.axhline(1, color="black", linewidth=0.8)
    files.extend(save(figure, out, name))
    return TargetResult(name, tuple(files), _checks(table), swept.computed, swept.cached)


def build_fig2(out: Path, n: int, options: SweepOptions) -> TargetResult:
    return _build(out, n, options, 2)


def build_fig3(out: Path, n: int, options: SweepOptions) -> TargetResult:
    return _build(out, n, options, 3)


def build_fig4(out: Path, n: int, options: SweepOptions) -> TargetResult:
    return _build(out, n, options, 4)


def build_fig5(out: Path, n: int, options: SweepOptions) -> TargetResult:
    return _build(out, n, options, 5)
