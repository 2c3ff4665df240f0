"""What every figure target shares: how it runs its sweeps and what it returns."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class SweepOptions:
    """How a target runs its sweeps (passed to :func:`pepcert.sweeps.sweep`)."""

    cache: bool = True
    cache_dir: str | None = None
    workers: int | None = None
    scheduler: str | None = None
    progress: bool | None = None
    shared: Any = None  # a pepcert.sweeps.run.SharedCluster: one local cluster for all the sweeps

    def run(self, analysis, grid, description: str):
        from pepcert.sweeps import sweep

        return sweep(analysis, grid, cache=self.cache, cache_dir=self.cache_dir, workers=self.workers,
                     scheduler=self.scheduler, progress=self.progress, description=description, shared=self.shared)


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
