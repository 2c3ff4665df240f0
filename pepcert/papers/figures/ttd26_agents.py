r"""Thomsen, Taylor & Dieuleveut 2026 (*A tight theory of error feedback algorithms in
distributed optimization*), Figs. 1-3: EF21 with two agents whose constants differ.

Laws (the paper's; :mod:`pepcert.papers.ttd26`): at ``eta* = 2n/sum_i (L_i + mu_i) (1 - s)/(1 + s)``,
``s = sqrt(1 - delta)``, the two-agent rate ``rho_cubic`` is the largest real root of
``rho^3 - [s(2 + s) + r(s K1 + K2)] rho^2 + s^2 [1 + 2s + r(K1 + s K2)] rho - s^4``
(:func:`~pepcert.papers.ttd26.cubic_roots`, 50 digits). Panels
(:data:`PANELS`): (a) ``L = (1, 1)``, ``mu = (0.9, 0.1)``; (b) ``L = (1, 10)``, ``mu = (0.1, 0.1)``;
(c) ``L = (1, 10)``, ``mu = (0.5, 0.1)``; ``1 - delta`` in ``[0.01, 0.99]``.

* Fig. 1: ``rho_cubic`` against the single-agent ``rho*`` (TTD 2025 closed form) with the
  worst constants (``L = max L_i``, ``mu = min mu_i``) and with the averaged ones
  (``L = mean L_i``, ``mu = mean mu_i``), panels (a)-(c).
* Fig. 2: the three roots of the cubic (real parts; a complex pair would be drawn with
  crosses), panels (a) and (c), with ``1 - delta = s^2`` for reference.
* Fig. 3: ``ln rho_cubic / ln rho_EF21`` -- how many times more iterations the EF21 paper's
  distributed guarantee needs than the cubic (TTD 2025 Fig. 3's orientation), with ``rho_EF21``
  of :func:`~pepcert.papers.figures.closed_forms.ef21_paper_distributed_rate`.

SDP markers at ``min(N, 5)`` values of ``1 - delta`` in ``[0.1, 0.9]`` (cached sweeps):
:func:`paper_lyapunov_step`, pepcert's one-step worst case of the paper's EF21 Lyapunov function
for the two agents at ``eta*`` (drawn only where it agrees with ``rho_cubic`` to :data:`AGREE`),
and :func:`pepcert.sweeps.analyses.rate` (pepcert's tight rate of single-agent EF21 at the
closed-form ``eta*``) for the worst- and averaged-constant rates.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pepcert.papers.figures.base import SweepOptions, TargetResult
from pepcert.plotting import new_figure, save, write_csv
from pepcert.sweeps.analyses import sweepable

AGREE = 1e-6  # an SDP marker is drawn only within this of the cubic's root


@dataclass(frozen=True)
class Panel:
    key: str
    L: tuple[float, float]
    mu: tuple[float, float]

    @property
    def title(self) -> str:
        return rf"({self.key}) $L = ({self.L[0]:g}, {self.L[1]:g})$, $\mu = ({self.mu[0]:g}, {self.mu[1]:g})$"

    def worst(self) -> tuple[float, float]:
        """``(L, mu)`` of the worst-constant single agent."""
        return max(self.L), min(self.mu)

    def averaged(self) -> tuple[float, float]:
        return float(np.mean(self.L)), float(np.mean(self.mu))


PANELS = (Panel("a", (1.0, 1.0), (0.9, 0.1)), Panel("b", (1.0, 10.0), (0.1, 0.1)), Panel("c", (1.0, 10.0), (0.5, 0.1)))
FIG2_PANELS = ("a", "c")
COLOURS = {"a": "tab:blue", "b": "tab:orange", "c": "tab:green"}


@sweepable(version=1)
def paper_lyapunov_step(L1: float, L2: float, mu1: float, mu2: float, delta: float) -> dict:
    """EF21, two agents, step ``eta*``: the largest ``V(x+)`` given ``V(x) <= 1``
    (:func:`pepcert.pep.problem.worst_case`, one step) for the paper's
    ``V = (s/n)||sum_i grad f_i||^2 + sum_i S/(n S_i) ||grad f_i - d_i||^2``."""
    from pepcert.papers import ttd26
    from pepcert.pep.algorithms import BUILTIN_METHODS
    from pepcert.pep.errors import SolverFailure
    from pepcert.pep.problem import worst_case

    L, mu = (L1, L2), (mu1, mu2)
    eta = ttd26.optimal_step(L, mu, delta)
    try:
        result = worst_case(BUILTIN_METHODS["ef21"](eta, 2), ttd26.classes_of(L, mu, delta), 1,
                            measure=ttd26.paper_lyapunov(L, mu, delta))
    except SolverFailure as error:
        return {"eta": eta, "value": None, "status": "failed", "error": str(error)}
    return {"eta": eta, "value": float(result.value), "status": result.status, "error": ""}


def curves(n: int):
    """One row a ``(panel, 1 - delta)``: ``eta*``, the cubic's roots and discriminant, the
    single-agent closed forms and the EF21 paper's rate."""
    import pandas as pd

    from pepcert.papers import ttd26
    from pepcert.papers.figures.closed_forms import closed_forms, ef21_paper_distributed_rate

    single = closed_forms("ef21").optimal_rate  # TTD 2025: rho* = ((B + sqrt(B^2 + 4s))/2)^2
    rows = []
    for panel in PANELS:
        for value in np.linspace(0.01, 0.99, n):
            delta = float(1 - value)
            cubic = ttd26.cubic_roots(panel.L, panel.mu, delta)
            row = {"panel": panel.key, "L1": panel.L[0], "L2": panel.L[1], "mu1": panel.mu[0], "mu2": panel.mu[1],
                   "one_minus_delta": value, "delta": delta,
                   "eta_star": ttd26.optimal_step(panel.L, panel.mu, delta),
                   "discriminant": cubic.discriminant, "complex_pair": bool(any(r.imag != 0 for r in cubic.roots))}
            for index, root in enumerate(cubic.roots, 1):
                row[f"root{index}_real"], row[f"root{index}_imag"] = root.real, root.imag
            (Lw, mw), (La, ma) = panel.worst(), panel.averaged()
            row.update({"rho_cubic": cubic.rate, "rho_worst_constant": float(single(mw, Lw, delta)),
                        "rho_averaged_constant": float(single(ma, La, delta)),
                        "L_mean": La, "mu_mean": ma, "L_tilde": float(np.sqrt(np.mean(np.square(panel.L)))),
                        "rho_ef21_paper": float(ef21_paper_distributed_rate(panel.L, panel.mu, delta))})
            rows.append(row)
    table = pd.DataFrame(rows)
    table["log_ratio_cubic_vs_ef21_paper"] = np.log(table["rho_cubic"]) / np.log(table["rho_ef21_paper"])
    table["log_ef21_paper_over_cubic"] = np.log(table["rho_ef21_paper"] / table["rho_cubic"])
    return table


def marker_points(n: int) -> np.ndarray:
    return np.linspace(0.1, 0.9, min(n, 5))


def _number(value) -> float:
    """A sweep output as a float (NaN where the analysis failed)."""
    return float("nan") if value is None or value != value else float(value)


def sdp_points(n: int, options: SweepOptions):
    """pepcert's SDPs at the marker points: the two-agent worst case of the paper's Lyapunov
    function at ``eta*`` and the single-agent tight rates at the closed-form ``eta*``, beside the
    closed forms."""
    import pandas as pd

    from pepcert.papers import ttd26
    from pepcert.papers.figures.closed_forms import closed_forms
    from pepcert.sweeps.analyses import rate

    places = [(p, float(v)) for p in PANELS for v in marker_points(n)]
    two = options.run(paper_lyapunov_step, [{"L1": p.L[0], "L2": p.L[1], "mu1": p.mu[0], "mu2": p.mu[1], "delta": float(1 - v)}
                                            for p, v in places], "TTD26 two-agent SDPs")
    forms = closed_forms("ef21")
    single, step = forms.optimal_rate, forms.optimal_step
    one_points = [{"method": "ef21", "mu": m, "L": L, "delta": float(1 - v), "eta": float(step(m, L, 1 - v))}
                  for p, v in places for L, m in (p.worst(), p.averaged())]
    one = options.run(rate, one_points, "TTD26 single-agent tight rates at eta*")
    rows = []
    for index, (panel, value) in enumerate(places):
        delta = float(1 - value)
        line = two.frame.iloc[index]
        rho_cubic = ttd26.cubic_roots(panel.L, panel.mu, delta).rate
        sdp = _number(line["value"])
        row = {"panel": panel.key, "one_minus_delta": value, "delta": delta, "eta_star": float(line["eta"]),
               "rho_cubic": rho_cubic, "sdp_paper_lyapunov": sdp, "sdp_status": line["status"],
               "sdp_gap": sdp - rho_cubic, "sdp_agrees": bool(line["status"] == "solved" and abs(sdp - rho_cubic) <= AGREE)}
        for offset, (kind, (L, mu)) in enumerate((("worst", panel.worst()), ("averaged", panel.averaged()))):
            found = one.frame.iloc[2 * index + offset]
            row.update({f"rho_{kind}_sdp": _number(found["rho"]), f"eta_{kind}": one_points[2 * index + offset]["eta"],
                        f"tight_{kind}_sdp": bool(found["tight"]),
                        f"rho_{kind}_constant": float(single(mu, L, delta))})
        rows.append(row)
    return pd.DataFrame(rows), two.computed + one.computed, two.cached + one.cached


def _sdp_checks(sdp) -> dict:
    return {"max_abs_gap_two_agent_sdp_vs_cubic": float(np.nanmax(np.abs(sdp["sdp_gap"]))),
            "two_agent_sdp_points_disagreeing": int((~sdp["sdp_agrees"]).sum()),
            "max_abs_gap_worst_constant_sdp": float(np.nanmax(np.abs(sdp["rho_worst_sdp"] - sdp["rho_worst_constant"]))),
            "max_abs_gap_averaged_constant_sdp": float(np.nanmax(np.abs(sdp["rho_averaged_sdp"] - sdp["rho_averaged_constant"])))}


def _two_agent_markers(axes, points, y: str = "rho_cubic") -> None:
    good, bad = points[points["sdp_agrees"]], points[~points["sdp_agrees"]]
    if len(good):
        axes.plot(good["one_minus_delta"], good["sdp_paper_lyapunov"], "o", color="black", markersize=6, zorder=5,
                  label="pepcert SDP: worst case of the paper's V (2 agents)")
    if len(bad):  # never drawn as data: the place is marked and the CSV has the number
        axes.plot(bad["one_minus_delta"], bad[y], "x", color="red", markersize=8, zorder=5,
                  label=f"SDP disagrees with the cubic by > {AGREE:g} (not drawn; see CSV)")


def _fig1(table, sdp):
    figure = new_figure(15, 4.8)
    for axes, panel in zip(figure.subplots(1, len(PANELS)), PANELS):
        part, points = table[table["panel"] == panel.key], sdp[sdp["panel"] == panel.key]
        x = part["one_minus_delta"]
        axes.plot(x, part["rho_worst_constant"], "--", color="tab:blue",
                  label=r"one agent, worst constants ($\max L_i$, $\min \mu_i$)")
        axes.plot(x, part["rho_averaged_constant"], ":", color="tab:green", linewidth=2,
                  label=r"one agent, averaged constants ($\bar L$, $\bar\mu$)")
        axes.plot(x, part["rho_cubic"], "-", color="tab:red", label="two agents: largest root of the cubic")
        for kind, colour in (("worst", "tab:blue"), ("averaged", "tab:green")):
            axes.plot(points["one_minus_delta"], points[f"rho_{kind}_sdp"], "s", mfc="none", color=colour, markersize=8,
                      label=rf"pepcert tight SDP at $\eta^\star$, one agent ({kind})")
        _two_agent_markers(axes, points)
        axes.set_title(panel.title, fontsize=10)
        axes.set_xlabel(r"$1 - \delta$")
        axes.grid(alpha=0.3)
    figure.axes[0].set_ylabel(r"rate $\rho$ at $\eta^\star$")
    figure.axes[0].legend(fontsize=7, loc="lower right")
    figure.suptitle("EF21, two agents with different constants: the cubic's rate against single-agent rates", fontsize=11)
    return figure


def _fig2(table, sdp):
    figure = new_figure(12, 4.8)
    for axes, key in zip(figure.subplots(1, len(FIG2_PANELS)), FIG2_PANELS):
        part = table[table["panel"] == key]
        x = part["one_minus_delta"]
        axes.plot(x, x, "-", color="0.75", linewidth=4, label=r"$1 - \delta = s^2$")
        for index, style in ((1, "-"), (2, "--"), (3, "-.")):
            real = part[f"root{index}_imag"] == 0
            axes.plot(x.where(real), part[f"root{index}_real"].where(real), style, linewidth=1.6,
                      label=f"root {index}" + (" (largest: the rate)" if index == 1 else ""))
            if (~real).any():
                axes.plot(x[~real], part[f"root{index}_real"][~real], "x", color="red", markersize=4,
                          label=f"root {index}: real part of a complex pair")
        _two_agent_markers(axes, sdp[sdp["panel"] == key])
        panel = next(p for p in PANELS if p.key == key)
        note = "all roots real" if not part["complex_pair"].any() else f"{int(part['complex_pair'].sum())} points with a complex pair"
        axes.set_title(f"{panel.title}: {note}", fontsize=10)
        axes.set_xlabel(r"$1 - \delta$")
        axes.set_ylabel("roots of the cubic (real parts)")
        axes.grid(alpha=0.3)
        axes.legend(fontsize=8, loc="lower right")
    figure.suptitle("The three roots of the two-agent cubic", fontsize=11)
    return figure


def _fig3(table):
    figure = new_figure(7, 4.8)
    axes = figure.subplots()
    for panel in PANELS:
        part = table[table["panel"] == panel.key]
        axes.plot(part["one_minus_delta"], part["log_ratio_cubic_vs_ef21_paper"], color=COLOURS[panel.key],
                  label=panel.title)
    axes.axhline(1, color="black", linewidth=0.8)
    axes.set_xlabel(r"$1 - \delta$")
    axes.set_ylabel(r"$\ln\rho_{\mathrm{cubic}} / \ln\rho_{\mathrm{EF21\ paper}}$")
    axes.set_title("Iterations the EF21 paper's distributed rate needs over the cubic's", fontsize=10)
    axes.set_ylim(bottom=0)
    axes.grid(alpha=0.3)
    axes.legend(fontsize=8)
    return figure


def _table_checks(table) -> dict:
    return {"min_discriminant": float(table["discriminant"].min()), "points_with_complex_pair": int(table["complex_pair"].sum()),
            "min_log_ratio_cubic_vs_ef21_paper": float(table["log_ratio_cubic_vs_ef21_paper"].min())}


def _build(out: Path, n: int, options: SweepOptions, number: int) -> TargetResult:
    name = f"ttd26-fig{number}"
    table = curves(n)
    files = [write_csv(table, out, name)]
    checks, computed, cached = _table_checks(table), 0, 0
    if number in (1, 2):
        sdp, computed, cached = sdp_points(n, options)
        files.append(write_csv(sdp, out, f"{name}-sdp"))
        checks.update(_sdp_checks(sdp))
        figure = _fig1(table, sdp) if number == 1 else _fig2(table, sdp)
    else:
        figure = _fig3(table)
    files.extend(save(figure, out, name))
    return TargetResult(name, tuple(files), checks, computed, cached)


def build_fig1(out: Path, n: int, options: SweepOptions) -> TargetResult:
    return _build(out, n, options, 1)


def build_fig2(out: Path, n: int, options: SweepOptions) -> TargetResult:
    return _build(out, n, options, 2)


def build_fig3(out: Path, n: int, options: SweepOptions) -> TargetResult:
    return _build(out, n, options, 3)
