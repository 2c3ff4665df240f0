"""Drawing the TTD 2026 panels (:mod:`pepcert.papers.figures.ttd26_agents` computes them): three
panels a figure, in the layout and with the labels of the authors' ``experiments.py``; the SDP
markers are drawn only where they agree (a disagreeing point is a red cross at the closed form,
its number in the CSV)."""

from __future__ import annotations

import numpy as np

from pepcert.papers.figures.ttd26_agents import AGREE, AGREE_SINGLE, FIGURES, ROOT_COLOURS

EPSILON = r"$\epsilon = 1 - \delta$"


def _panels(figure, number: int, table, sdp):
    """``(axes, panel, its curve rows, its marker rows)`` for each panel of figure ``number``."""
    axes = figure.subplots(1, len(FIGURES[number].panels), sharey=True)
    for ax, panel in zip(axes, FIGURES[number].panels):
        yield ax, panel, table[table["panel"] == panel.key], sdp[sdp["panel"] == panel.key]


def _label(ax, text: str, where=(0.95, 0.05), ha="right", va="bottom") -> None:
    ax.text(*where, text, transform=ax.transAxes, ha=ha, va=va, fontsize=13,
            bbox={"boxstyle": "round", "facecolor": "white", "alpha": 0.8})


def _two_agent_markers(ax, points, y: str, value: str = "sdp_paper_lyapunov") -> None:
    good, bad = points[points["sdp_agrees"]], points[~points["sdp_agrees"]]
    if len(good):
        ax.plot(good["epsilon"], good[value], "o", color="black", markersize=6, zorder=5,
                label="pepcert SDP: worst case of the paper's V (2 agents)")
    if len(bad):  # never drawn as data: the place is marked and the CSV has the number
        ax.plot(bad["epsilon"], bad[y], "x", color="red", markersize=8, zorder=5,
                label=f"SDP disagrees with the cubic by > {AGREE:g} (not drawn; see CSV)")


def draw_fig1(figure, table, sdp):
    """Heterogeneous (the cubic), homogeneous (worst constants) and linear-C (averaged)."""
    for ax, panel, part, points in _panels(figure, 1, table, sdp):
        x = part["epsilon"]
        ax.plot(x, part["rho_cubic"], color="#E07A5F", linewidth=2.5, linestyle=(0, (6, 2)), label="Heterogeneous (cubic)")
        ax.plot(x, part["rho_worst_constant"], color="#3D405B", linewidth=2.5, linestyle=(0, (3, 2)),
                label=r"Homogeneous ($\max L_i$, $\min \mu_i$)")
        ax.plot(x, part["rho_averaged_constant"], color="#81B29A", linewidth=2.5, linestyle=(0, (1, 1)),
                label=r"Linear $\mathcal{C}(\cdot)$ ($\bar L$, $\bar\mu$)")
        for kind, colour in (("worst", "#3D405B"), ("averaged", "#81B29A")):
            shown = points[points[f"{kind}_sdp_agrees"]]
            ax.plot(shown["epsilon"], shown[f"rho_{kind}_sdp"], "s", mfc="none", color=colour, markersize=8,
                    label=f"pepcert tight SDP, one agent ({kind}; within {AGREE_SINGLE:g})")
        _two_agent_markers(ax, points, "rho_cubic")
        ax.set_ylim(0.0, 1.0)
        ax.set_xlabel(EPSILON)
        ax.grid(True, linestyle=":", alpha=0.5)
        _label(ax, panel.label)
    figure.axes[0].set_ylabel(r"$\rho$")
    figure.axes[0].legend(fontsize=7, loc="upper left")
    figure.suptitle(r"EF21, two agents, $L = (1, 1)$, $\mu_1 = 1$: the cubic's rate against single-agent rates",
                    fontsize=11)
    return figure


def draw_fig2(figure, table, sdp):
    """The three roots of the cubic, smallest first, and ``rho = epsilon``."""
    for ax, panel, part, points in _panels(figure, 2, table, sdp):
        x = part["epsilon"]
        ax.plot(x, x, color="#9E9E9E", linewidth=2.0, linestyle=(0, (4, 2)), alpha=0.7, label=r"$\rho = \epsilon$")
        for index, colour in zip((1, 2, 3), ROOT_COLOURS):
            real = part[f"root{index}_imag"] == 0
            ax.plot(x.where(real), part[f"root{index}_real"].where(real), color=colour, linewidth=2.5,
                    label=f"Root {index}" + (" (the rate)" if index == 3 else ""))
            if (~real).any():
                ax.plot(x[~real], part[f"root{index}_real"][~real], "x", color="red", markersize=4,
                        label=f"Root {index}: real part of a complex pair")
        _two_agent_markers(ax, points, "rho_cubic")
        ax.set_xlabel(EPSILON)
        ax.grid(True, linestyle=":", alpha=0.5)
        _label(ax, panel.label)
    figure.axes[0].set_ylabel(r"$\rho$")
    figure.axes[0].legend(fontsize=8, loc="upper left")
    figure.suptitle(r"The roots of the two-agent cubic, $L = (1, 1)$, $\mu_1 = 0.9$", fontsize=11)
    return figure


def draw_fig3(figure, table, sdp):
    """``ln rho_Richtarik / ln rho_star`` with its minimum marked (value at the left)."""
    for ax, panel, part, points in _panels(figure, 3, table, sdp):
        x, ratio = part["epsilon"], part["log_ratio_ef21_paper_over_cubic"]
        ax.plot(x, ratio, color="blue", linewidth=3.0, label=r"$\log\rho_{\mathrm{Richt\acute{a}rik}} / \log\rho_\star$")
        if np.isfinite(ratio).any():
            lowest = int(np.nanargmin(ratio.to_numpy()))
            low_x, low_y = float(x.iloc[lowest]), float(ratio.iloc[lowest])
            ax.axhline(low_y, color="#009E73", linestyle="--", linewidth=1.3, alpha=0.75)
            ax.plot(low_x, low_y, marker="*", color="#009E73", markersize=15, zorder=6,
                    label=f"minimum {low_y:.2f} at $\\epsilon$ = {low_x:.2f}")
        good = points[points["sdp_agrees"]]
        ax.plot(good["epsilon"], good["log_ratio_ef21_paper_over_sdp"], "o", color="black", markersize=6, zorder=5,
                label=r"with pepcert's SDP for $\rho_\star$")
        bad = points[~points["sdp_agrees"]]
        if len(bad):
            ax.plot(bad["epsilon"], np.log(bad["rho_ef21_paper"]) / np.log(bad["rho_cubic"]), "x", color="red",
                    markersize=8, label=f"SDP disagrees by > {AGREE:g} (not drawn)")
        ax.set_title(panel.label, fontsize=13)
        ax.set_xlabel(EPSILON)
        ax.grid(True, which="both", linestyle="--", linewidth=0.5, alpha=0.6)
        ax.legend(fontsize=8, loc="lower right")
    figure.axes[0].set_ylabel(r"$\log \rho_{\mathrm{Richt\acute{a}rik}} / \log \rho_\star$")
    figure.suptitle(r"EF21 paper's distributed rate against the cubic's, $L_1 = 1$, $\mu = (0.5, 0.5)$", fontsize=11)
    return figure


DRAW = {1: draw_fig1, 2: draw_fig2, 3: draw_fig3}
