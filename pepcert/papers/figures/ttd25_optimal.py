r"""Thomsen, Taylor & Dieuleveut 2025, Figs. 2-5: rates at the optimal step against ``1 - delta``.

For ``kappa = L/mu`` in {2, 4, 10} (``L = 1``) and ``1 - delta`` in ``[0.01, 0.99]``, pepcert's
:func:`~pepcert.analyses.optimal_step` gives ``eta*`` and the tight ``rho*`` of CGD, EF and EF21.

* Fig. 2: the tight EF21 ``rho*`` against the rate the EF21 paper guarantees
  (Richtárik, Sokolov & Fatkhullin 2021, Thm. 2; see :mod:`pepcert.papers.figures.closed_forms`);
* Fig. 3: their log-ratio in the paper's orientation, ``ln rho_Richtarik / ln rho_star`` (the
  EF21 paper's rate over the tight one; label and panels as the authors' ``experiments.py``,
  ``generate_rate_log_complexity_fig12``, repository ``DanielBergThomsen/error-feedback-tight``):
  the fraction of the iterations the EF21 theory needs that the tight rate needs (a
  ``rho^N <= eps`` count is ``ln eps / ln rho``), below 1, its minimum marked;
* Fig. 4: CGD against EF/EF21 at their optimal steps (closed forms: EF/EF21
  ``rho* = ((B + sqrt(B^2 + 4 s))/2)^2``, ``B = (1 - s)(kappa - 1)/(kappa + 1)``; CGD
  ``rho* = ((kappa_s - 1)/(kappa_s + 1))^2``, ``kappa_s = kappa (1 + s)/(1 - s)``);
* Fig. 5: ``ln rho*_EF / ln rho*_CGD`` (the authors' ``generate_optimal_contraction_comparison``):
  the fraction of EF's iterations that CGD needs, below 1 (CGD is faster), its minimum marked.

Figs. 3 and 5 were drawn as the reciprocals of these ratios before; they now have the paper's
three panels (``kappa = 2, 4, 10``) and ``epsilon = 1 - delta`` on the axis.
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
    table["log_ratio_ef21_paper_over_tight"] = _log_ratio(table["rho_ef21_paper"], table["rho_ef21"])
    table["log_ratio_ef21_paper_over_tight_closed_form"] = _log_ratio(table["rho_ef21_paper"], table["rho_ef21_closed_form"])
    table["log_ratio_ef_over_cgd"] = _log_ratio(table["rho_ef"], table["rho_cgd"])
    table["log_ratio_ef_over_cgd_closed_form"] = _log_ratio(table["rho_ef_closed_form"], table["rho_cgd_closed_form"])
    return table, result


def _log_ratio(numerator, denominator):
    """``ln a / ln b`` where both are in ``(0, 1)`` (NaN elsewhere, as the authors mask)."""
    a, b = np.asarray(numerator, dtype=float), np.asarray(denominator, dtype=float)
    valid = (a > 0) & (a < 1) & (b > 0) & (b < 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(valid, np.log(np.where(valid, a, 0.5)) / np.log(np.where(valid, b, 0.5)), np.nan)


def _ratio_panels(figure, table, column: str, label: str, title: str):
    """The paper's layout for Figs. 3 and 5: one panel per kappa, shared axes, the minimum
    marked with its value."""
    axes = figure.subplots(1, len(KAPPAS), sharey=True)
    for ax, kappa in zip(axes, KAPPAS):
        part = table[table["kappa"] == kappa]
        x, ratio = part["one_minus_delta"], part[column]
        ax.plot(x, ratio, color="blue", linewidth=3.0, label=label)
        if np.isfinite(ratio).any():
            lowest = int(np.nanargmin(ratio.to_numpy()))
            low_x, low_y = float(x.iloc[lowest]), float(ratio.iloc[lowest])
            ax.axhline(low_y, color="#009E73", linestyle="--", linewidth=1.5, alpha=0.8)
            ax.plot(low_x, low_y, marker="*", color="#009E73", markersize=15, zorder=5,
                    label=f"minimum {low_y:.2f} at $\\epsilon$ = {low_x:.2f}")
        ax.text(0.95, 0.05, f"$\\kappa = {kappa}$", transform=ax.transAxes, ha="right", va="bottom", fontsize=13,
                bbox={"boxstyle": "round", "facecolor": "white", "alpha": 0.8})
        ax.set_xlabel(r"$\epsilon = 1 - \delta$")
        ax.grid(True, which="both", linestyle="--", linewidth=0.5, alpha=0.6)
        ax.legend(fontsize=8, loc="center right")
    axes[0].set_ylabel(label)
    figure.suptitle(title, fontsize=11)


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
    for column in ("log_ratio_ef21_paper_over_tight", "log_ratio_ef_over_cgd"):
        checks[f"max_abs_gap_{column}"] = float(np.nanmax(np.abs(table[column] - table[f"{column}_closed_form"])))
        for kappa in KAPPAS:
            checks[f"min_{column}_kappa_{kappa}"] = float(np.nanmin(table[table["kappa"] == kappa][column]))
    return checks


def _build(out: Path, n: int, options: SweepOptions, number: int) -> TargetResult:
    table, swept = optimal_table(n, options)
    name = f"ttd25-fig{number}"
    files = [write_csv(table, out, name)]
    figure = new_figure(15, 4.8) if number in (3, 5) else new_figure(7, 4.8)
    if number == 2:
        _panel(figure, table, [("rho_ef21", "-", "tight (pepcert)"), ("rho_ef21_paper", "--", "EF21 paper")],
               r"rate $\rho$ at the optimal step", "EF21: tight optimal rate against the EF21 paper's rate")
    elif number == 3:
        _ratio_panels(figure, table, "log_ratio_ef21_paper_over_tight", r"$\log \rho_{\mathrm{Richt\acute{a}rik}} / \log \rho_\star$",
                      "EF21: the EF21 paper's rate against the tight optimal rate (iterations tight / EF21 theory)")
    elif number == 4:
        _panel(figure, table, [("rho_cgd", "-", "CGD"), ("rho_ef", "--", "EF = EF21")],
               r"optimal rate $\rho^\star$", "CGD against EF/EF21 at their optimal steps")
    else:
        _ratio_panels(figure, table, "log_ratio_ef_over_cgd", r"$\log \rho_{\mathrm{EF}} / \log \rho_{\mathrm{CGD}}$",
                      "CGD against EF/EF21 at their optimal steps (iterations CGD / EF)")
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
