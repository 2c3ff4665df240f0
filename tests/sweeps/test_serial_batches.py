"""The serial path (``workers=1``) hands an analysis with ``many`` its points in batches, as a
dask chunk is: fast points in batches of up to ``SERIAL_BATCH_MAX`` (the first alone, the next
sized by the time it took), slow points one at a time; the rows are those of the analysis
point by point; an interruption keeps every batch finished before it."""

from __future__ import annotations

import time

import pytest

from pepcert.sweeps import run as sweeps_run
from pepcert.sweeps import sweep

BATCHES: list[int] = []
STOP_AT: set = set()
PAUSE = {"seconds": 0.0}


def _cubes(points: list[dict]) -> list[dict]:
    BATCHES.append(len(points))
    time.sleep(PAUSE["seconds"] * len(points))
    if any(point["x"] in STOP_AT for point in points):
        raise KeyboardInterrupt  # stands for Ctrl-C in the middle of a batch
    return [{"y": point["x"] ** 3} for point in points]


def cube(x: float) -> dict:
    """One point (``run_chunk`` calls this for a batch of one, ``many`` for more)."""
    return _cubes([{"x": x}])[0]


def _cube_many(points: list[dict]) -> list[dict]:
    return _cubes(points)


cube.many = _cube_many  # type: ignore[attr-defined]
cube.version = 1  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _reset(monkeypatch):
    # Fast points fill a whole batch whatever the machine's load: a batch may take a minute here
    # (at 0.25 s, a first point slowed to 9 ms by other work sized the next batch 27, not 64).
    monkeypatch.setattr(sweeps_run, "SERIAL_BATCH_SECONDS", 60.0)
    BATCHES.clear()
    STOP_AT.clear()
    PAUSE["seconds"] = 0.0


def test_fast_points_go_in_growing_batches():
    grid = {"x": [float(i) for i in range(200)]}
    result = sweep(cube, grid, cache=False, workers=1)
    assert result.frame["y"].tolist() == [float(i) ** 3 for i in range(200)]
    assert BATCHES[0] == 1 and BATCHES[1] == sweeps_run.SERIAL_BATCH_MAX
    assert sum(BATCHES) == 200 and max(BATCHES) == sweeps_run.SERIAL_BATCH_MAX


def test_slow_points_go_one_at_a_time(monkeypatch):
    monkeypatch.setattr(sweeps_run, "SERIAL_BATCH_SECONDS", 0.01)
    PAUSE["seconds"] = 0.02  # longer than a batch may take
    sweep(cube, {"x": [1.0, 2.0, 3.0, 4.0]}, cache=False, workers=1)
    assert BATCHES == [1, 1, 1, 1]


def test_an_interrupted_batch_keeps_the_batches_before_it(tmp_path):
    grid = {"x": [float(i) for i in range(100)]}
    STOP_AT.add(80.0)  # in the second batch (1..64 is the first full one)
    with pytest.raises(KeyboardInterrupt):
        sweep(cube, grid, cache_dir=tmp_path, workers=1)
    assert BATCHES[:2] == [1, sweeps_run.SERIAL_BATCH_MAX]
    STOP_AT.clear()
    BATCHES.clear()
    resumed = sweep(cube, grid, cache_dir=tmp_path, workers=1)
    assert resumed.cached == 1 + sweeps_run.SERIAL_BATCH_MAX and resumed.computed == 100 - resumed.cached
    assert resumed.frame["y"].tolist() == [float(i) ** 3 for i in range(100)]
