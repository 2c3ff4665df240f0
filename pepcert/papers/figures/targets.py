"""The registry of reproducible figures and tables: each target names the function that builds it."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from pepcert.papers.figures import (
    muon26,
    noise_neighbourhoods,
    sublinear_methods,
    ttd25_fig1,
    ttd25_optimal,
    ttd25_tables,
    ttd25_worst,
    ttd26_agents,
    wsr22_blocks,
)
from pepcert.papers.figures.base import SweepOptions, TargetResult
from pepcert.pep.errors import BadInput


@dataclass(frozen=True)
class Target:
    """One figure (family) of a paper: ``build(out, grid, options)`` makes it."""

    name: str
    paper: str
    description: str
    build: Callable[[Path, int, SweepOptions], TargetResult]
    default_grid: int | None = None
    grid_meaning: str = ""


TTD25 = "Thomsen, Taylor & Dieuleveut 2025"
TTD26 = "Thomsen, Taylor & Dieuleveut 2026 (n agents)"
MUON26 = "Parshakova et al. 2026 (Muon)"
WSR22 = "Wang, Safaryan & Richtarik 2022 (smoothness-aware quantization)"
SUBLINEAR = "Richtárik, Sokolov & Fatkhullin 2021 (EF21); Drori & Teboulle 2014; Rotaru, Glineur & Patrinos 2024"
NOISE = ("Stich & Karimireddy 2020 (EF-SGD); Fatkhullin, Tyurin & Richtárik 2023 (EF21-SGDM); "
         "Gao, Islamov & Stich 2024 (EControl)")
TTD26_GRID = "N values of epsilon = 1 - delta (the paper's grids); SDP markers at min(N, 5)"

TARGETS: dict[str, Target] = {t.name: t for t in (
    Target("ttd25-fig1", TTD25, "contours of rho over (1 - delta, eta) for CGD, EF, EF21; eta* and divergence",
           ttd25_fig1.build_fig1, 200, "N x N points per method"),
    Target("ttd25-fig2", TTD25, "tight optimal EF21 rate against the EF21 paper's rate, kappa in {2, 4, 10}",
           ttd25_optimal.build_fig2, 100, "N values of 1 - delta"),
    Target("ttd25-fig3", TTD25, "their log-ratio (iterations the EF21 theory needs over the tight count)",
           ttd25_optimal.build_fig3, 100, "N values of 1 - delta"),
    Target("ttd25-fig4", TTD25, "CGD against EF/EF21 at their optimal steps, kappa in {2, 4, 10}",
           ttd25_optimal.build_fig4, 100, "N values of 1 - delta"),
    Target("ttd25-fig5", TTD25, "their log-ratio (iterations EF needs over CGD's)",
           ttd25_optimal.build_fig5, 100, "N values of 1 - delta"),
    Target("ttd25-fig9-10", TTD25, "k-step worst case against rho^k, k = 1..N, EF (9) and EF21 (10)",
           ttd25_worst.build_fig9_10, 10, "k = 1..N"),
    Target("ttd25-fig11", TTD25, "grid-searched best step against eta* (CGD, EF, EF21)",
           ttd25_fig1.build_fig11, 200, "N x N points per method (the Fig. 1 grid)"),
    Target("ttd25-tables", TTD25, "Tables 1-4: largest EF - EF21 difference; full against paper Lyapunov family",
           ttd25_tables.build_tables, 40, "N x N points per method"),
    Target("ttd26-fig1", TTD26, "two agents (EF21), L = (1, 1), mu_1 = 1, mu_2 in {1, 0.1, 0.001}: the cubic's rate "
           "against the homogeneous (worst-constant) and linear-C (averaged) rates", ttd26_agents.build_fig1, 100,
           TTD26_GRID + ", epsilon in [0, 1]"),
    Target("ttd26-fig2", TTD26, "the three roots of the two-agent cubic, L = (1, 1), mu_1 = 0.9, kappa_2 in {1, 10, 100}",
           ttd26_agents.build_fig2, 100, TTD26_GRID + ", epsilon in [0, 1]"),
    Target("ttd26-fig3", TTD26, "ln rho_Richtarik / ln rho_star, L_1 = 1, L_2 in {1, 5, 500}, mu = (0.5, 0.5)",
           ttd26_agents.build_fig3, 100, TTD26_GRID + ", epsilon in [0.01, 0.99]"),
    Target("wsr22-blocks", WSR22, "bits of 1 block over n blocks against n (DIANA, DIANA+, the authors' protocol; "
           "needs pepcert[data])", wsr22_blocks.build_blocks, 10, "iterations per run in thousands"),
    Target("sublinear-methods", SUBLINEAR, "CGD, EF, EF21 on L-smooth nonconvex (min ||grad f||^2) and convex "
           "(f - f*) functions: exact worst cases against N beside EF21's Theorem 1 and gradient descent's exact rates",
           sublinear_methods.build_sublinear, 20, "N = 1..N"),
    Target("noise-neighbourhoods", NOISE, "the noise neighbourhood of lim sup E||x_k - x*||^2 against the step for "
           "EF-SGD, EF21-SGD, EF21-SGDM and EControl (bounded variance), SGD beside its closed form",
           noise_neighbourhoods.build_neighbourhoods, 8, "N steps on a geometric grid"),
    Target("muon26-gaps", MUON26, "f(W_t) - f* of Muon, signed momentum and EF-Muon on the counterexample",
           muon26.build_gaps, 1000, "T iterations"),
)}


def reproduce(name: str, out=None, grid: int | None = None, options: SweepOptions | None = None) -> TargetResult:
    """Build target ``name`` into ``out`` (default ``./pepcert-figures/NAME``)."""
    if name not in TARGETS:
        raise BadInput(f"unknown target {name!r} (see 'pepcert reproduce --list')")
    if grid is not None and (isinstance(grid, bool) or not isinstance(grid, int) or not 2 <= grid <= 100_000):
        raise BadInput(f"--grid must be an integer from 2 to 100000, got {grid!r}")
    out = Path(out) if out is not None else Path("pepcert-figures") / name
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise BadInput(f"cannot create {str(out)!r}: {error.strerror or error}") from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise BadInput(f"cannot write into {str(out)!r}: not writable")
    start = time.perf_counter()
    target = TARGETS[name]
    grid = grid or target.default_grid
    assert grid is not None, f"{name} has no default grid"
    result = target.build(out, grid, options or SweepOptions())
    return replace(result, seconds=time.perf_counter() - start)
