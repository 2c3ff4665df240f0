"""``sweep``: an analysis over a grid, with a cache, a progress bar and dask.

An *analysis* is a picklable top-level function of keyword parameters returning a dict of
JSON-able outputs. Its cache identity is ``module.qualname`` plus its version
(``analysis.version``, set by :func:`pepcert.sweeps.analyses.sweepable`; 0 if absent).

Execution: points already in the cache are read; the others run serially in this process
(``workers=1``, or a handful of points) or on dask ``distributed`` (a ``LocalCluster`` of one
single-threaded process per core, or the cluster at ``scheduler="tcp://host:port"``), in chunks
so that one task carries enough work to pay for its scheduling. Each chunk's results are
committed to the cache as it arrives: an interrupted sweep resumes where it stopped.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pepcert.pep.errors import BadInput
from pepcert.sweeps.cache import ResultCache, grid_key, point_keys
from pepcert.sweeps.grid import expand_grid

SERIAL_BELOW = 16  # grids with fewer points to compute than this never start a cluster


@dataclass(frozen=True)
class SweepResult:
    """The table of a sweep: one row a point, every input and output column."""

    analysis: str
    frame: Any  # pandas.DataFrame
    computed: int  # points evaluated by this call
    cached: int  # points read from the cache
    seconds: float
    workers: int  # processes that computed (1 = this process)

    def to_csv(self, path) -> None:
        try:
            self.frame.to_csv(path, index=False)
        except OSError as error:
            raise BadInput(f"cannot write {str(path)!r}: {error.strerror or error}") from None


def analysis_name(analysis: Callable) -> str:
    return f"{analysis.__module__}.{analysis.__qualname__}"


def run_chunk(analysis: Callable, points: Sequence[Mapping[str, Any]]) -> list[dict]:
    """Evaluate ``analysis`` at each point (runs on a worker); an analysis with a ``many``
    attribute (:func:`pepcert.sweeps.analyses.rate`) evaluates the whole chunk with it, to the
    same outputs."""
    many = getattr(analysis, "many", None)
    if many is not None and len(points) > 1:
        return [dict(row) for row in many([dict(point) for point in points])]
    return [dict(analysis(**point)) for point in points]


class _Points:
    """A chunk's points as dask sees them: one opaque argument. A plain list of dicts is walked
    by dask for dependencies, value by value (measured: 1.5 s of the main process's CPU for
    Fig. 1's 600 chunks, beside the two busy workers)."""

    __slots__ = ("points",)

    def __init__(self, points: list):
        self.points = points


def _run_points(analysis: Callable, chunk: _Points) -> list[dict]:
    return run_chunk(analysis, chunk.points)


def _chunks(items: list, size: int) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def progress_display(enabled: bool, total: int | None, description: str, allow_unknown: bool = False):
    """A rich progress bar on stderr (or None): the one bar of the command line (sweeps,
    reproduce, and ``pepcert.cli.output.progress_bar`` for the analyses). ``total`` None
    (with ``allow_unknown``) shows a running count."""
    if not enabled or (total == 0 and not allow_unknown):
        return None
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), TimeRemainingColumn(), console=Console(file=sys.stderr), transient=True)
    progress.start()
    progress.add_task(description, total=total)
    return progress


SERIAL_BATCH_SECONDS = 0.25  # the serial path's batches of points take about this long (progress, commits)
SERIAL_BATCH_MAX = 64


def _serial(analysis, pending, store, advance) -> None:
    """In this process, one point at a time, or for an analysis with ``many`` (which rates a
    batch's rows together, as a dask chunk is) in batches through :func:`run_chunk`: the first
    batch is one point, then each as many as took about :data:`SERIAL_BATCH_SECONDS` before (at
    most :data:`SERIAL_BATCH_MAX`), so that the progress bar moves and results are committed
    about that often. Results are committed at least every second and on the way out (also when
    the analysis raises or the user interrupts; a batch in progress is lost then, about a
    quarter of a second of work)."""
    batches = getattr(analysis, "many", None) is not None
    buffer: list[tuple[str, dict]] = []
    last, size, done = time.monotonic(), 1, 0
    try:
        while done < len(pending):
            batch = pending[done:done + size]
            clock = time.perf_counter()
            outputs = run_chunk(analysis, [point for _, point in batch])
            per_point = (time.perf_counter() - clock) / len(batch)
            buffer.extend((key, out) for (key, _), out in zip(batch, outputs))
            done += len(batch)
            advance(len(batch))
            if batches:
                size = max(1, min(SERIAL_BATCH_MAX, int(SERIAL_BATCH_SECONDS / max(per_point, 1e-9))))
            if len(buffer) >= 256 or time.monotonic() - last > 1.0:
                store(buffer)
                buffer, last = [], time.monotonic()
    finally:
        if buffer:
            store(buffer)


def dask_client(workers: int | None, scheduler: str | None):
    """``(client, cluster or None)``: connect to ``scheduler`` or start a local cluster."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError as error:  # pragma: no cover - a declared dependency
        raise BadInput(f"parallel sweeps need dask[distributed] ({error}); use workers=1") from None
    if scheduler is not None:
        try:
            return Client(scheduler, timeout=20), None
        except (OSError, TimeoutError, ValueError) as error:
            raise BadInput(f"cannot connect to the dask scheduler {scheduler!r}: {error}") from None
    import dask

    # The workers' statistical profiler samples every thread's stack every 10 ms: measured 8 %
    # of a worker's time on Fig. 1's rates (2 % without it); nothing here reads its profiles.
    # Each worker's nanny (in this process) reads its memory every 100 ms by default: 1.1 s of
    # this process's CPU over Fig. 1, beside the two busy workers; every 500 ms still stops a
    # worker that outgrows its limit.
    with dask.config.set({"distributed.worker.profile.enabled": False,
                          "distributed.worker.memory.monitor-interval": "500ms"}):
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=40)
    return Client(cluster), cluster


class SharedCluster:
    """One local cluster for several sweeps (a figure's rates, then its optimal steps): started
    by the first sweep that needs one, closed on leaving the ``with`` block. Each sweep starting
    its own cluster paid the workers' start-up and shut-down again (measured: 0.8-1.1 s to a
    first answer from a new cluster, 0.05 s from a running one)."""

    def __init__(self, workers: int | None):
        self.workers = workers or os.cpu_count() or 1
        self._client: Any = None
        self._cluster: Any = None

    def client(self):
        if self._client is None:
            self._client, self._cluster = dask_client(self.workers, None)
        return self._client

    def __enter__(self) -> SharedCluster:
        return self

    def __exit__(self, *exc) -> None:
        if self._client is not None:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()
        self._client = self._cluster = None


def _distributed(analysis, pending, store, advance, workers, scheduler, chunk_size, shared=None) -> int:
    from dask.distributed import as_completed

    if shared is not None and scheduler is None:
        client, cluster, owned = shared.client(), None, False
    else:
        (client, cluster), owned = dask_client(workers, scheduler), True
    try:
        count = max(1, len(client.scheduler_info().get("workers", {})) or (workers or 1))
        size = chunk_size or max(1, min(200, len(pending) // (8 * count) or 1))
        batches = _chunks(pending, size)
        futures = {}
        for batch in batches:
            future = client.submit(_run_points, analysis, _Points([point for _, point in batch]), pure=False)
            futures[future] = batch
        for future in as_completed(futures):
            batch = futures.pop(future)
            outputs = future.result()  # re-raises an analysis error here
            store([(key, out) for (key, _), out in zip(batch, outputs)])
            advance(len(batch))
        return count
    finally:
        if owned:
            client.close()
            if cluster is not None:
                cluster.close()


def sweep(
    analysis: Callable[..., Mapping[str, Any]],
    grid: Mapping[str, Sequence[Any]] | Sequence[Mapping[str, Any]],
    *,
    cache: bool = True,
    cache_dir=None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool | None = None,
    chunk_size: int | None = None,
    description: str | None = None,
    shared: SharedCluster | None = None,
) -> SweepResult:
    """Evaluate ``analysis`` at every point of ``grid`` (see :mod:`pepcert.sweeps.grid`).

    ``workers``: ``1`` runs serially in this process without dask; ``None`` uses one process
    per core (``os.cpu_count()``) when there are at least :data:`SERIAL_BELOW` points to
    compute; ``scheduler``: the address of an existing dask scheduler (overrides ``workers``).
    ``progress``: a progress bar on stderr (default: when stderr is a terminal).
    ``cache=False`` neither reads nor writes the cache. ``shared``: the local cluster to use
    (and leave running) instead of starting one.
    """
    import pandas as pd

    start = time.perf_counter()
    points = expand_grid(grid)
    name = analysis_name(analysis)
    version = getattr(analysis, "version", 0)
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise BadInput(f"workers must be a positive integer, got {workers!r}")
    store_cache = ResultCache(cache_dir) if cache else None
    table_key = grid_key(name, version, grid) if cache else None
    if store_cache is not None and table_key is not None:  # both or neither
        table = store_cache.get_table(table_key)
        if table is not None and len(table[1]) == len(points):  # the whole sweep was done before
            store_cache.close()
            frame = pd.DataFrame(table[1], columns=table[0])
            return SweepResult(name, frame, 0, len(points), time.perf_counter() - start, 1)
    keys = point_keys(name, version, points)
    try:
        results = store_cache.get_many(set(keys)) if store_cache is not None else {}
        cached = sum(1 for key in keys if key in results)
        pending, seen = [], set()
        for key, point in zip(keys, points):
            if key not in results and key not in seen:
                seen.add(key)
                pending.append((key, point))

        def store(rows):
            for key, outputs in rows:
                results[key] = outputs
            if store_cache is not None:
                store_cache.put_many((key, name, outputs) for key, outputs in rows)

        show = sys.stderr.isatty() if progress is None else progress
        bar = progress_display(show, len(pending), description or name.rsplit(".", 1)[-1])
        advance = (lambda n: bar.advance(bar.task_ids[0], n)) if bar is not None else (lambda n: None)
        used = 1
        try:
            parallel = scheduler is not None or (workers != 1 and len(pending) >= SERIAL_BELOW)
            if parallel and pending:
                used = _distributed(analysis, pending, store, advance, workers or os.cpu_count() or 1,
                                    scheduler, chunk_size, shared)
            else:
                _serial(analysis, pending, store, advance)
        finally:
            if bar is not None:
                bar.stop()
        rows = [{**point, **results[key]} for key, point in zip(keys, points)]
        columns = list(dict.fromkeys(column for row in rows for column in row))
        data = [[row.get(column) for column in columns] for row in rows]
        if store_cache is not None and table_key is not None:
            store_cache.put_table(table_key, columns, data)
    finally:
        if store_cache is not None:
            store_cache.close()
    frame = pd.DataFrame(data, columns=columns)
    return SweepResult(name, frame, len(pending), cached, time.perf_counter() - start, used)
