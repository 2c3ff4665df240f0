r"""Error feedback with stochastic gradients: the noise neighbourhood against the step
(``docs/noise.md``).

At ``mu = 0.1``, ``L = 1``, ``delta = 1/2`` and bounded-variance noise ``sigma = 0.1``, for
steps ``eta`` on a geometric grid, each method's bracket of ``lim sup E ||x_k - x*||^2``:
the upper end ``C sigma^2/(1 - rho)`` from the best Lyapunov pair ``E V_{k+1} <= rho V_k +
C sigma^2`` (:mod:`pepcert.lyapunov.noisy`) and the lower end, the largest stationary second
moment on explicit quadratic instances (:mod:`pepcert.lowerbounds.noisy`). Methods: EF-SGD
(Stich & Karimireddy 2020), EF21-SGD (EF21 with stochastic gradients), EF21-SGDM with momentum
``nu = 0.1`` (Fatkhullin, Tyurin & Richtarik 2023) and EControl with ``eta_e = 0.1`` (Gao,
Islamov & Stich 2024). Uncompressed SGD (``delta = 1``) is drawn beside its closed form
``eta^2 sigma^2/(1 - rho)``, ``rho = max((1 - eta mu)^2, (1 - eta L)^2)`` (the ``checks``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pepcert.papers.figures.base import SweepOptions, TargetResult
from pepcert.plotting import new_figure, save, write_csv

MU, L, DELTA, SIGMA = 0.1, 1.0, 0.5, 0.1
RUNS = (  # (label, method, delta, param)
    ("SGD (no compression)", "cgd", 1.0, None),
    ("EF-SGD", "ef", DELTA, None),
    ("EF21-SGD", "ef21", DELTA, None),
    ("EF21-SGDM (nu = 0.1)", "ef21-sgdm", DELTA, "momentum=0.1"),
    ("EControl (eta_e = 0.1)", "econtrol", DELTA, "eta_e=0.1"),
)
COLOURS = ("black", "tab:orange", "tab:green", "tab:purple", "tab:red")


def sgd_neighbourhood(eta: float) -> float:
    """``eta^2 sigma^2 / (1 - rho)`` with ``rho = max((1 - eta mu)^2, (1 - eta L)^2)``."""
    rho = max((1 - eta * MU) ** 2, (1 - eta * L) ** 2)
    return eta**2 * SIGMA**2 / (1 - rho)


def neighbourhood_table(n: int, options: SweepOptions):
    """One row per (method, step): the bracket and, for SGD, the closed form."""
    import pandas as pd

    from pepcert.sweeps.analyses import neighbourhood

    steps = [float(f"{eta:.4g}") for eta in np.geomspace(0.01, 0.3, n)]
    points = [{"method": method, "mu": MU, "L": L, "delta": delta, "sigma": SIGMA, "eta": eta,
               **({"param": param} if param else {})} for _, method, delta, param in RUNS for eta in steps]
    swept = options.run(neighbourhood, points, "noise neighbourhoods")
    frame = swept.frame.copy()
    frame.insert(0, "label", [label for label, *_ in RUNS for _ in steps])
    frame["sgd_closed_form"] = [sgd_neighbourhood(eta) if method == "cgd" else float("nan")
                                for _, method, *_ in RUNS for eta in steps]
    return pd.DataFrame(frame), swept


def build_neighbourhoods(out: Path, n: int, options: SweepOptions) -> TargetResult:
    frame, swept = neighbourhood_table(n, options)
    files = [write_csv(frame, out, "noise-neighbourhoods")]
    figure = new_figure(7.5, 5)
    axes = figure.subplots()
    for (label, *_), colour in zip(RUNS, COLOURS):
        rows = frame[frame["label"] == label]
        axes.plot(rows["eta"], rows["neighbourhood_upper"], "o-", color=colour, label=f"{label}: upper")
        axes.plot(rows["eta"], rows["neighbourhood_lower"], "v:", color=colour, alpha=0.7)
    sgd = frame[frame["method"] == "cgd"]
    axes.plot(sgd["eta"], sgd["sgd_closed_form"], "k--", lw=1, label="SGD closed form")
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("step eta")
    axes.set_ylabel(r"$\limsup_k \mathbb{E}\|x_k - x_\star\|^2$ (upper: solid, instance: dotted)")
    axes.set_title(f"mu = {MU}, L = {L}, delta = {DELTA}, sigma = {SIGMA}")
    axes.grid(alpha=0.3, which="both")
    axes.legend(fontsize=7)
    files.extend(save(figure, out, "noise-neighbourhoods"))
    sgd_error = np.abs(sgd["neighbourhood_upper"] / sgd["sgd_closed_form"] - 1)
    checks = {"sgd_max_relative_error": float(np.nanmax(sgd_error)),
              "failed": float(frame["neighbourhood_upper"].isna().sum())}
    return TargetResult("noise-neighbourhoods", tuple(files), checks, swept.computed, swept.cached)
