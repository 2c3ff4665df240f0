r"""Thomsen, Taylor & Dieuleveut 2026 (*A tight theory of error feedback algorithms in
distributed optimization*), Figs. 1-3: EF21 with two agents whose constants differ, drawn at the
paper's own settings.

**Where the settings come from.** The authors' repository ``DanielBergThomsen/distributed-error-feedback``,
``experiments.py`` (commit ``24d0ff5``): ``generate_empirical_law_vs_theorem_rates`` (Fig. 1),
``generate_polynomial_bifurcation_plot`` (Fig. 2) and
``generate_L_heterogeneous_richtarik_log_complexity`` (Fig. 3) (:data:`FIGURES`):

* Fig. 1: ``L = (1, 1)``, ``mu_1 = 1`` (a quadratic agent, ``mu_1 = L_1``), ``mu_2`` in
  ``{1, 0.1, 0.001}``; ``epsilon = 1 - delta`` at 100 points of ``[0, 1]``. Curves: the cubic's
  largest real root ("heterogeneous"), the single-agent optimal rate with the worst constants
  ``(max L_i, min mu_i)`` ("homogeneous") and with the averaged ones ("linear C").
* Fig. 2: ``L = (1, 1)``, ``mu_1 = 0.9``, ``mu_2`` in ``{1, 0.1, 0.01}`` (``kappa_2 = 1, 10, 100``;
  ``mu_2 = L_2`` in the first panel); the three roots, smallest first ("Root 1..3"), and
  ``rho = epsilon``; ``epsilon`` at 100 points of ``[0, 1]``.
* Fig. 3: ``L_1 = 1``, ``L_2`` in ``{1, 5, 500}``, ``mu = (0.5, 0.5)``; ``epsilon`` at 100 points of
  ``[0.01, 0.99]``; ``ln rho_Richtarik / ln rho_star`` (the EF21 paper's distributed rate over
  the cubic's, the orientation and label of the paper; ``< 1``: the fraction of the iterations
  the EF21 guarantee needs that the cubic's rate needs), its minimum marked.

Laws (:mod:`pepcert.papers.ttd26`): ``s = sqrt(epsilon)``, ``eta* = 2n/sum_i (L_i + mu_i) (1 - s)/(1 + s)``
and the cubic ``rho^3 - [s(2 + s) + r(s K1 + K2)] rho^2 + s^2 [1 + 2s + r(K1 + s K2)] rho - s^4``
(:func:`~pepcert.papers.ttd26.cubic_roots`, 50 digits). The single-agent rate is the TTD 2025
closed form; the EF21 paper's rate :func:`~pepcert.papers.figures.closed_forms.ef21_paper_distributed_rate`.

SDP markers at ``min(N, 5)`` values of ``epsilon`` in ``[0.1, 0.9]`` (cached sweeps):
:func:`paper_lyapunov_step`, pepcert's one-step worst case of the paper's EF21 Lyapunov function
for the two agents at ``eta*`` (drawn only within :data:`AGREE` of the cubic), on every figure;
for Fig. 1 also :func:`pepcert.sweeps.analyses.rate` (the tight single-agent rate at the
closed-form ``eta*``), drawn only where tight and within :data:`AGREE_SINGLE` of the closed form.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pepcert.papers.figures.base import SweepOptions, TargetResult
from pepcert.plotting import new_figure, save, write_csv
from pepcert.sweeps.analyses import sweepable

AGREE = 1e-6  # a two-agent SDP marker is drawn only within this of the cubic's root
AGREE_SINGLE = 1e-8  # a single-agent marker only when tight and within this of the closed form
SOURCE = "DanielBergThomsen/distributed-error-feedback, experiments.py (commit 24d0ff5)"


@dataclass(frozen=True)
class Panel:
    key: str
    L: tuple[float, float]
    mu: tuple[float, float]
    label: str  # the paper's panel label

    def worst(self) -> tuple[float, float]:
        """``(L, mu)`` of the worst-constant single agent."""
        return max(self.L), min(self.mu)

    def averaged(self) -> tuple[float, float]:
        return float(np.mean(self.L)), float(np.mean(self.mu))


@dataclass(frozen=True)
class Figure:
    number: int
    panels: tuple[Panel, ...]
    epsilons: tuple[float, float]  # the paper's range of epsilon = 1 - delta
    function: str  # the authors' function that draws it

    def grid(self, n: int) -> np.ndarray:
        return np.linspace(*self.epsilons, n)


FIGURES = {
    1: Figure(1, (Panel("a", (1.0, 1.0), (1.0, 1.0), r"$\mu_2 = 1$"), Panel("b", (1.0, 1.0), (1.0, 0.1), r"$\mu_2 = 0.1$"),
                  Panel("c", (1.0, 1.0), (1.0, 0.001), r"$\mu_2 = 0.001$")), (0.0, 1.0),
              "generate_empirical_law_vs_theorem_rates"),
    2: Figure(2, (Panel("a", (1.0, 1.0), (0.9, 1.0), r"$\kappa_2 = 1$"), Panel("b", (1.0, 1.0), (0.9, 0.1), r"$\kappa_2 = 10$"),
                  Panel("c", (1.0, 1.0), (0.9, 0.01), r"$\kappa_2 = 100$")), (0.0, 1.0),
              "generate_polynomial_bifurcation_plot"),
    3: Figure(3, (Panel("a", (1.0, 1.0), (0.5, 0.5), r"$L^{(2)} = 1$"), Panel("b", (1.0, 5.0), (0.5, 0.5), r"$L^{(2)} = 5$"),
                  Panel("c", (1.0, 500.0), (0.5, 0.5), r"$L^{(2)} = 500$")), (0.01, 0.99),
              "generate_L_heterogeneous_richtarik_log_complexity"),
}
ROOT_COLOURS = ("#E07A5F", "#3D405B", "#81B29A")  # the paper's Root 1..3


@sweepable(version=2)
def paper_lyapunov_step(L1: float, L2: float, mu1: float, mu2: float, delta: float) -> dict:
    """EF21, two agents, step ``eta*``: the largest ``V(x+)`` given ``V(x) <= 1``
    (:func:`pepcert.pep.problem.worst_case`, one step) for the paper's
    ``V = (s/n)||sum_i grad f_i||^2 + sum_i S/(n S_i) ||grad f_i - d_i||^2``. Solved with the
    constants divided by ``max L_i`` (the ratio is the same for ``c f_i`` at ``eta/c``; as the
    authors do): at ``L = (1, 500)`` the unscaled SDP stalls or misses the root by 1.3e-4."""
    from pepcert.papers import ttd26
    from pepcert.pep.algorithms import BUILTIN_METHODS
    from pepcert.pep.errors import SolverFailure
    from pepcert.pep.problem import worst_case

    scale = max(L1, L2)
    L, mu = (L1 / scale, L2 / scale), (mu1 / scale, mu2 / scale)
    eta = ttd26.optimal_step(L, mu, delta)
    try:
        result = worst_case(BUILTIN_METHODS["ef21"](eta, 2), ttd26.classes_of(L, mu, delta), 1,
                            measure=ttd26.paper_lyapunov(L, mu, delta))
    except SolverFailure as error:
        return {"eta": eta / scale, "value": None, "status": "failed", "error": str(error)}
    return {"eta": eta / scale, "value": float(result.value), "status": result.status, "error": ""}


def _log_ratio(numerator, denominator):
    """``ln a / ln b`` where both are in ``(0, 1)``, NaN elsewhere (as the authors mask)."""
    a, b = np.asarray(numerator, dtype=float), np.asarray(denominator, dtype=float)
    valid = (a > 0) & (a < 1) & (b > 0) & (b < 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(valid, np.log(np.where(valid, a, 0.5)) / np.log(np.where(valid, b, 0.5)), np.nan)


def curves(number: int, n: int):
    """One row a ``(panel, epsilon)`` of figure ``number``: ``eta*``, the cubic's roots (smallest
    first) and discriminant, its rate, the single-agent closed forms, the EF21 paper's rate and
    the paper's log-ratio."""
    import pandas as pd

    from pepcert.papers import ttd26
    from pepcert.papers.figures.closed_forms import closed_forms, ef21_paper_distributed_rate

    figure = FIGURES[number]
    single = closed_forms("ef21").optimal_rate  # TTD 2025: rho* = ((B + sqrt(B^2 + 4s))/2)^2
    rows = []
    for panel in figure.panels:
        (Lw, mw), (La, ma) = panel.worst(), panel.averaged()
        for epsilon in figure.grid(n):
            delta = float(1 - epsilon)
            cubic = ttd26.cubic_roots(panel.L, panel.mu, delta)
            row = {"panel": panel.key, "label": panel.label, "L1": panel.L[0], "L2": panel.L[1], "mu1": panel.mu[0],
                   "mu2": panel.mu[1], "epsilon": float(epsilon), "delta": delta,
                   "eta_star": ttd26.optimal_step(panel.L, panel.mu, delta), "discriminant": cubic.discriminant,
                   "complex_pair": bool(any(r.imag != 0 for r in cubic.roots))}
            for index, root in enumerate(sorted(cubic.roots, key=lambda z: (z.real, z.imag)), 1):
                row[f"root{index}_real"], row[f"root{index}_imag"] = root.real, root.imag
            row.update({"rho_cubic": cubic.rate, "rho_worst_constant": float(single(mw, Lw, delta)),
                        "rho_averaged_constant": float(single(ma, La, delta)), "L_mean": La, "mu_mean": ma,
                        "L_tilde": float(np.sqrt(np.mean(np.square(panel.L)))),
                        "rho_ef21_paper": float(ef21_paper_distributed_rate(panel.L, panel.mu, delta))})
            rows.append(row)
    table = pd.DataFrame(rows)
    table["log_ratio_ef21_paper_over_cubic"] = _log_ratio(table["rho_ef21_paper"], table["rho_cubic"])
    return table


def marker_points(n: int) -> np.ndarray:
    return np.linspace(0.1, 0.9, min(n, 5))


def _number(value) -> float:
    """A sweep output as a float (NaN where the analysis failed)."""
    return float("nan") if value is None or value != value else float(value)


def _single_agent_points(places, options: SweepOptions):
    """Fig. 1's single-agent tight rates at the closed-form ``eta*`` (worst, averaged constants)."""
    from pepcert.papers.figures.closed_forms import closed_forms
    from pepcert.sweeps.analyses import rate

    forms = closed_forms("ef21")
    points = [{"method": "ef21", "mu": m, "L": L, "delta": float(1 - v), "eta": float(forms.optimal_step(m, L, 1 - v))}
              for p, v in places for L, m in (p.worst(), p.averaged())]
    return points, options.run(rate, points, "TTD26 single-agent tight rates at eta*"), forms.optimal_rate


def sdp_points(number: int, n: int, options: SweepOptions):
    """pepcert's SDPs at the marker points of figure ``number``: the two-agent worst case of the
    paper's Lyapunov function at ``eta*`` (and, for Fig. 1, the single-agent tight rates at the
    closed-form ``eta*``), beside the closed forms."""
    import pandas as pd

    from pepcert.papers import ttd26
    from pepcert.papers.figures.closed_forms import ef21_paper_distributed_rate

    places = [(p, float(v)) for p in FIGURES[number].panels for v in marker_points(n)]
    two = options.run(paper_lyapunov_step, [{"L1": p.L[0], "L2": p.L[1], "mu1": p.mu[0], "mu2": p.mu[1], "delta": float(1 - v)}
                                            for p, v in places], "TTD26 two-agent SDPs")
    computed, cached = two.computed, two.cached
    if number == 1:
        one_points, one, single = _single_agent_points(places, options)
        computed, cached = computed + one.computed, cached + one.cached
    rows = []
    for index, (panel, epsilon) in enumerate(places):
        delta = float(1 - epsilon)
        line = two.frame.iloc[index]
        rho_cubic = ttd26.cubic_roots(panel.L, panel.mu, delta).rate
        sdp = _number(line["value"])
        rho_paper = float(ef21_paper_distributed_rate(panel.L, panel.mu, delta))
        row = {"panel": panel.key, "epsilon": epsilon, "delta": delta, "eta_star": float(line["eta"]),
               "rho_cubic": rho_cubic, "sdp_paper_lyapunov": sdp, "sdp_status": line["status"],
               "sdp_gap": sdp - rho_cubic, "sdp_agrees": bool(line["status"] == "solved" and abs(sdp - rho_cubic) <= AGREE),
               "rho_ef21_paper": rho_paper, "log_ratio_ef21_paper_over_sdp": float(_log_ratio(rho_paper, sdp))}
        for offset, (kind, (L, mu)) in enumerate((("worst", panel.worst()), ("averaged", panel.averaged())) if number == 1 else ()):
            found = one.frame.iloc[2 * index + offset]
            closed = float(single(mu, L, delta))
            row.update({f"rho_{kind}_sdp": _number(found["rho"]), f"eta_{kind}": one_points[2 * index + offset]["eta"],
                        f"tight_{kind}_sdp": bool(found["tight"]), f"rho_{kind}_constant": closed,
                        f"{kind}_sdp_agrees": bool(found["tight"] and abs(_number(found["rho"]) - closed) <= AGREE_SINGLE)})
        rows.append(row)
    return pd.DataFrame(rows), computed, cached


def _checks(number: int, table, sdp) -> dict:
    checks = {"min_discriminant": float(table["discriminant"].min()), "points_with_complex_pair": int(table["complex_pair"].sum()),
              "max_abs_gap_two_agent_sdp_vs_cubic": float(np.nanmax(np.abs(sdp["sdp_gap"]))),
              "two_agent_sdp_points_disagreeing": int((~sdp["sdp_agrees"]).sum())}
    if number == 1:
        for kind in ("worst", "averaged"):
            checks[f"max_abs_gap_{kind}_constant_sdp"] = float(np.nanmax(np.abs(sdp[f"rho_{kind}_sdp"] - sdp[f"rho_{kind}_constant"])))
            checks[f"{kind}_constant_sdp_points_not_drawn"] = int((~sdp[f"{kind}_sdp_agrees"]).sum())
    if number == 3:
        for key, part in table.groupby("panel"):
            checks[f"min_log_ratio_panel_{key}"] = float(part["log_ratio_ef21_paper_over_cubic"].min())
    return checks


def _build(out: Path, n: int, options: SweepOptions, number: int) -> TargetResult:
    from pepcert.papers.figures.ttd26_drawing import DRAW

    name = f"ttd26-fig{number}"
    table = curves(number, n)
    sdp, computed, cached = sdp_points(number, n, options)
    files = [write_csv(table, out, name), write_csv(sdp, out, f"{name}-sdp")]
    figure = DRAW[number](new_figure(15, 4.8), table, sdp)
    files.extend(save(figure, out, name))
    return TargetResult(name, tuple(files), _checks(number, table, sdp), computed, cached)


def build_fig1(out: Path, n: int, options: SweepOptions) -> TargetResult:
    return _build(out, n, options, 1)


def build_fig2(out: Path, n: int, options: SweepOptions) -> TargetResult:
    return _build(out, n, options, 2)


def build_fig3(out: Path, n: int, options: SweepOptions) -> TargetResult:
    return _build(out, n, options, 3)
