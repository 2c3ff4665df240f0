r"""The experiment of ``pepcert saq``: every (method, compressor) pair run on one problem, with
the theory's bounds beside each run and the measured bit ratios (``docs/saq.md``, "Command").

Each run is the built-in Method through :func:`pepcert.saq.methods.run_method`. Runs are
independent, so they go one after the other in this process (default) or, the same function,
as tasks on dask ``distributed`` workers
(``dask=True`` starts a local cluster, ``scheduler="tcp://host:port"`` uses a running one).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pepcert.pep.errors import BadInput
from pepcert.saq.methods import METHODS, SAQRun, check_method, run_method, smoothness_aware

if TYPE_CHECKING:  # annotations only (imported lazily where used)
    from pepcert.saq.compressors import OmegaPlus
    from pepcert.saq.theory import Theory

COMPRESSORS = ("dithering", "block-dithering", "rand-k")


def make_compressor(name: str, levels=1, blocks: int = 2, k: int = 1):
    """``dithering`` (one block), ``block-dithering`` (``blocks`` blocks; ``levels`` one int,
    or a tuple of one int per block), ``rand-k``."""
    from pepcert.saq.compressors import Dithering, RandK

    key = str(name).lower()
    if key == "dithering":
        return Dithering(levels, 1)
    if key == "block-dithering":
        return Dithering(levels, blocks)
    if key == "rand-k":
        return RandK(k)
    raise BadInput(f"unknown compressor {name!r} (one of {', '.join(COMPRESSORS)})")


def parse_list(text: str, allowed: Sequence[str], what: str) -> list[str]:
    """``"diana,diana+"`` -> ``["diana", "diana+"]`` (each in ``allowed``, no repeats)."""
    items = [item.strip().lower() for item in str(text).split(",")]
    if not items or any(not item for item in items):
        raise BadInput(f"--{what}: empty entry in {text!r}")
    for item in items:
        if item not in allowed:
            raise BadInput(f"unknown {what[:-1]} {item!r} (one of {', '.join(allowed)})")
    if len(set(items)) != len(items):
        raise BadInput(f"--{what}: {text!r} names one twice")
    return items


@dataclass(frozen=True, eq=False)
class PairResult:
    """One run with its theory and (``+`` methods) the smoothness-aware constants."""

    method: str
    compressor_key: str  # dithering, block-dithering, rand-k
    run: SAQRun
    theory: Theory
    constants: OmegaPlus | None  # smoothness-aware methods only
    description: str = ""  # the base compressor (levels, blocks)

    def to_dict(self, target: float, curve_points: int = 400) -> dict:
        out = {**self.run.summary(target), "compressor_key": self.compressor_key,
               "compressor_description": self.description,
               "theory": self.theory.to_dict(target), "curve": self.run.curve(curve_points)}
        if self.constants is not None:
            out["omega_plus"] = self.constants.to_dict()
        return out


def _dask_runs(jobs, problem, iterations, seed, scheduler, advance) -> list[SAQRun]:
    from dask.distributed import as_completed

    from pepcert.sweeps.run import dask_client

    client, cluster = dask_client(min(len(jobs), 4) if scheduler is None else None, scheduler)
    try:
        futures = {client.submit(run_method, problem, method, compressor, iterations, seed, gamma, alpha, pure=False): index
                   for index, (method, compressor, gamma, alpha) in enumerate(jobs)}
        runs: list = [None] * len(jobs)  # filled in completion order
        for future in as_completed(futures):
            runs[futures[future]] = future.result()
            advance(iterations)
        return runs
    finally:
        client.close()
        if cluster is not None:  # the local cluster this run started (not a user's scheduler)
            cluster.close()


def run_experiment(problem, methods: Sequence[str], compressors: dict, iterations: int, seed: int = 0,
                   progress: Callable[[int], None] | None = None, dask: bool = False,
                   scheduler: str | None = None) -> list[PairResult]:
    """Every method with every compressor (``compressors``: key -> base compressor), at the
    theory's step sizes; ``progress(k)`` hears of every ``k`` steps done."""
    from pepcert.saq.methods import method_compressor
    from pepcert.saq.theory import theory

    methods = [check_method(m) for m in methods]
    pairs, jobs = [], []
    for method in methods:
        for key, compressor in compressors.items():
            bound = theory(problem, method, compressor)
            pairs.append((method, key, bound,
                          method_compressor(method, compressor).constants(problem) if smoothness_aware(method) else None))
            jobs.append((method, compressor, bound.gamma, bound.alpha))
    advance = progress or (lambda k: None)
    if dask or scheduler is not None:
        runs = _dask_runs(jobs, problem, iterations, seed, scheduler, advance)
    else:
        runs = [run_method(problem, method, compressor, iterations, seed, gamma, alpha, progress=advance)
                for method, compressor, gamma, alpha in jobs]
    return [PairResult(method, key, run, bound, constants, compressors[key].describe())
            for (method, key, bound, constants), run in zip(pairs, runs)]


def ratios(results: Sequence[PairResult], target: float) -> list[dict]:
    """Measured bits ratios: ``METHOD / METHOD+`` with the same compressor (the
    smoothness-aware gain) and ``one block / B blocks`` with the same method (the block gain);
    > 1 means the second needs fewer bits. Each at the target, or at the smallest error both
    runs reached when one missed it (``at_target``, ``level``:
    :func:`pepcert.saq.blockclaim.block_ratio`)."""
    from pepcert.saq.blockclaim import block_ratio

    by = {(r.method, r.compressor_key): r.run for r in results}
    rows = []
    for (method, key), run in by.items():
        if not method.endswith("+") and (method + "+", key) in by:
            rows.append({"kind": "smoothness-aware", "compared": f"{method} / {method}+", "compressor": key,
                         **block_ratio(run, by[(method + "+", key)], target)})
    for method in METHODS:
        if (method, "dithering") in by and (method, "block-dithering") in by:
            rows.append({"kind": "blocks", "compared": "1 block / B blocks", "method": method,
                         **block_ratio(by[(method, "dithering")], by[(method, "block-dithering")], target)})
    return rows
