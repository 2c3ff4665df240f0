"""The registry of reproducible figures and tables, and the options every target shares."""

from __future__ import annotations

import importlib
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Mapping

from pepcert.pep.errors import BadInput


@dataclass(frozen=True)
class SweepOptions:
    """How a target runs its sweeps (passed to :func:`pepcert.sweeps.sweep`)."""

    cache: bool = True
    cache_dir: str | None = None
    workers: int | None = None
    scheduler: str | None = None
    progress: bool | None = None

    def run(self, analysis, grid, description: str):
        from pepcert.sweeps import sweep

        return sweep(analysis, grid, cache=self.cache, cache_dir=self.cache_dir, workers=self.workers,
                     scheduler=self.scheduler, progress=self.progress, description=description)


@dataclass(frozen=True)
class TargetResult:
    """What a target wrote and how its data compare with the closed forms."""

    target: str
    files: tuple[str, ...]
    checks: Mapping[str, float] = field(default_factory=dict)  # e.g. max |rho - closed form|
    computed: int = 0  # analysis evaluations this run
    cached: int = 0  # evaluations read from the cache
    seconds: float = 0.0

    def to_dict(self) -> dict:
        return {"target": self.target, "files": list(self.files), "checks": dict(self.checks),
                "computed": self.computed, "cached": self.cached, "seconds": self.seconds}


@dataclass(frozen=True)
class Target:
    """One figure (family) of a paper: ``module.build(out, grid, options)`` makes it."""

    name: str
    paper: str
    description: str
    module: str | None  # None: not reproducible yet
    default_grid: int | None = None
    grid_meaning: str = ""
    unavailable: str = ""

    def build(self, out: Path, grid: int | None, options: SweepOptions) -> TargetResult:
        if self.module is None:
            raise BadInput(f"{self.name} cannot be reproduced yet: {self.unavailable}")
        module = importlib.import_module(f"pepcert.papers.figures.{self.module}")
        return getattr(module, "build_" + self.name.split("-", 1)[1].replace("-", "_"))(out, grid or self.default_grid, options)


TTD25 = "Thomsen, Taylor & Dieuleveut 2025"
TTD26 = "Thomsen, Taylor & Dieuleveut 2026 (n agents)"
MUON26 = "Parshakova et al. 2026 (Muon)"
WSR22 = "Wang, Safaryan & Richtarik 2022 (smoothness-aware quantization)"
TTD26_GRID = "N values of 1 - delta; SDP markers at min(N, 5)"

TARGETS: dict[str, Target] = {t.name: t for t in (
    Target("ttd25-fig1", TTD25, "contours of rho over (1 - delta, eta) for CGD, EF, EF21; eta* and divergence",
           "ttd25_fig1", 200, "N x N points per method"),
    Target("ttd25-fig2", TTD25, "tight optimal EF21 rate against the EF21 paper's rate, kappa in {2, 4, 10}",
           "ttd25_optimal", 100, "N values of 1 - delta"),
    Target("ttd25-fig3", TTD25, "their log-ratio (iterations the EF21 theory needs over the tight count)",
           "ttd25_optimal", 100, "N values of 1 - delta"),
    Target("ttd25-fig4", TTD25, "CGD against EF/EF21 at their optimal steps, kappa in {2, 4, 10}",
           "ttd25_optimal", 100, "N values of 1 - delta"),
    Target("ttd25-fig5", TTD25, "their log-ratio (iterations EF needs over CGD's)",
           "ttd25_optimal", 100, "N values of 1 - delta"),
    Target("ttd25-fig9-10", TTD25, "k-step worst case against rho^k, k = 1..N, EF (9) and EF21 (10)",
           "ttd25_worst", 10, "k = 1..N"),
    Target("ttd25-fig11", TTD25, "grid-searched best step against eta* (CGD, EF, EF21)",
           "ttd25_fig1", 200, "N x N points per method (the Fig. 1 grid)"),
    Target("ttd25-tables", TTD25, "Tables 1-4: largest EF - EF21 difference; full against paper Lyapunov family",
           "ttd25_tables", 40, "N x N points per method"),
    Target("ttd26-fig1", TTD26, "two agents (EF21): cubic-root rate against worst- and averaged-constant rates",
           "ttd26_agents", 200, TTD26_GRID),
    Target("ttd26-fig2", TTD26, "the three roots of the two-agent cubic against 1 - delta",
           "ttd26_agents", 200, TTD26_GRID),
    Target("ttd26-fig3", TTD26, "log-ratio of the cubic's rate and the EF21 paper's distributed rate",
           "ttd26_agents", 200, "N values of 1 - delta"),
    Target("wsr22-blocks", WSR22, "bits of 1 block over n blocks against n (DIANA, DIANA+, the authors' protocol; "
           "needs pepcert[data])", "wsr22_blocks", 10, "iterations per run in thousands"),
    Target("muon26-gaps", MUON26, "f(W_t) - f* of Muon, signed momentum and EF-Muon on the counterexample",
           "muon26", 1000, "T iterations"),
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
    start = time.perf_counter()
    result = TARGETS[name].build(out, grid, options or SweepOptions())
    return replace(result, seconds=time.perf_counter() - start)
