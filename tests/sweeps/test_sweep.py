"""Sweeps: grid syntax, the content-addressed cache (hits, resume after an interruption) and
identical numbers on a dask cluster reached through ``scheduler=address``."""

from __future__ import annotations

import math

import pytest

from pepcert.pep.errors import BadInput
from pepcert.sweeps import expand_grid, parse_values, sweep
from pepcert.sweeps.analyses import rate
from pepcert.sweeps.cache import point_key

CALLS: list[dict] = []  # the test analyses below record their calls (this process only)
FAIL_AT: set = set()


def square(x: float, offset: float = 0.0) -> dict:
    CALLS.append({"x": x, "offset": offset})
    if x in FAIL_AT:
        raise KeyboardInterrupt  # stands for Ctrl-C in the middle of a sweep
    return {"y": x * x + offset}


square.version = 1


@pytest.fixture(autouse=True)
def _reset():
    CALLS.clear()
    FAIL_AT.clear()


def test_grid_syntax():
    assert parse_values("0.1") == [0.1]
    assert parse_values("0.1,0.5") == [0.1, 0.5]
    assert parse_values("0:1:5") == [0.0, 0.25, 0.5, 0.75, 1.0]
    values = parse_values("1e-3:1:4:log")
    assert [round(math.log10(v), 12) for v in values] == [-3.0, -2.0, -1.0, 0.0]
    assert parse_values("ef,cgd") == ["ef", "cgd"]
    assert parse_values("1/4,0.5:0.5:1") == [0.25, 0.5]
    for bad in ("", "1:2", "1:2:x", "0:1:3:log", "-1e-400", "1,,2", "1:2:0"):
        with pytest.raises(BadInput):
            parse_values(bad, "--x")


def test_expand_grid_is_the_cartesian_product_in_order():
    points = expand_grid({"a": [1, 2], "b": ["u", "v", "w"]})
    assert points[:4] == [{"a": 1, "b": "u"}, {"a": 1, "b": "v"}, {"a": 1, "b": "w"}, {"a": 2, "b": "u"}]
    assert len(points) == 6
    assert expand_grid([{"a": 3}, {"a": 4}]) == [{"a": 3}, {"a": 4}]
    with pytest.raises(BadInput):
        expand_grid({"a": []})


def test_cache_key_canonicalises_numbers_and_separates_versions():
    assert point_key("f", 1, {"x": 1, "y": 0.5}) == point_key("f", 1, {"y": 0.5, "x": 1.0})
    assert point_key("f", 1, {"x": 0.1}) != point_key("f", 1, {"x": 0.1 + 1e-17 + 2e-17})
    assert point_key("f", 1, {"x": 1}) != point_key("f", 2, {"x": 1})
    assert point_key("f", 1, {"x": 1}) != point_key("g", 1, {"x": 1})


def test_the_keys_of_a_grid_are_each_points_own_key():
    """``point_keys`` (one canonical form per distinct value) gives, point by point, the key the
    cache has always used: sha256 of the canonical JSON of the whole point (written out here)."""
    import hashlib
    import json
    from fractions import Fraction

    from pepcert._version import __version__
    from pepcert.sweeps.cache import _canonical, point_keys

    points = [{"m": m, "x": x, "k": k, "flag": flag, "v": [x, 2]} for m in ("a", "b") for x in (0.5, Fraction(1, 2), 1, 1.0,
              0.1, float("inf"), -0.0) for k in (None, 3, True) for flag in (False, "0")]
    expected = [hashlib.sha256(json.dumps({"analysis": "f", "version": f"2/pepcert-{__version__}",
                                           "parameters": _canonical(p)}, sort_keys=True,
                                          separators=(",", ":")).encode()).hexdigest() for p in points]
    assert point_keys("f", 2, points) == expected
    assert len(set(expected)) < len(expected)  # 0.5 and 1/2, 1 and 1.0 share their keys


def test_second_run_makes_no_analysis_calls(tmp_path):
    grid = {"x": [1.0, 2.0, 3.0], "offset": [0.0, 10.0]}
    first = sweep(square, grid, cache_dir=tmp_path, workers=1)
    assert len(CALLS) == 6 and first.computed == 6 and first.cached == 0
    assert list(first.frame.columns) == ["x", "offset", "y"]
    assert first.frame["y"].tolist() == [1.0, 11.0, 4.0, 14.0, 9.0, 19.0]
    CALLS.clear()
    second = sweep(square, grid, cache_dir=tmp_path, workers=1)
    assert CALLS == [] and second.computed == 0 and second.cached == 6
    assert second.frame.equals(first.frame)
    CALLS.clear()
    sweep(square, grid, cache=False, workers=1)
    assert len(CALLS) == 6  # cache=False recomputes


def test_an_interrupted_sweep_resumes(tmp_path):
    grid = {"x": [float(i) for i in range(10)]}
    FAIL_AT.add(6.0)
    with pytest.raises(KeyboardInterrupt):
        sweep(square, grid, cache_dir=tmp_path, workers=1)
    assert len(CALLS) == 7  # 0..5 done and stored, 6 interrupted
    FAIL_AT.clear()
    CALLS.clear()
    resumed = sweep(square, grid, cache_dir=tmp_path, workers=1)
    assert [c["x"] for c in CALLS] == [6.0, 7.0, 8.0, 9.0]
    assert resumed.cached == 6 and resumed.computed == 4
    assert resumed.frame["y"].tolist() == [float(i * i) for i in range(10)]


def test_csv_has_every_input_and_output_column(tmp_path):
    result = sweep(square, {"x": [2.0]}, cache=False, workers=1)
    path = tmp_path / "table.csv"
    result.to_csv(path)
    assert path.read_text().splitlines() == ["x,y", "2.0,4.0"]


def test_dask_cluster_through_scheduler_address_gives_identical_numbers(tmp_path):
    import distributed  # a dependency: missing must fail, not skip
    grid = {"method": ["ef", "cgd"], "mu": [0.1], "L": [1.0], "delta": [0.5], "eta": [0.2, 0.3]}
    serial = sweep(rate, grid, cache=False, workers=1)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, silence_logs=40) as cluster:
        remote = sweep(rate, grid, cache_dir=tmp_path, scheduler=cluster.scheduler_address, chunk_size=1)
    assert remote.computed == 4 and remote.workers == 2
    assert remote.frame["rho"].tolist() == serial.frame["rho"].tolist()
    assert remote.frame["rho_lower"].tolist() == serial.frame["rho_lower"].tolist()


def test_a_shared_cluster_serves_every_sweep_and_starts_once(monkeypatch):
    """``SharedCluster`` (``pepcert reproduce``): the first sweep that needs a cluster starts it
    (without the workers' statistical profiler), later sweeps reuse it, leaving closes it; the
    numbers are the serial ones."""
    import dask

    from pepcert.sweeps import run as sweeps_run

    started = []
    start = sweeps_run.dask_client
    monkeypatch.setattr(sweeps_run, "dask_client", lambda *a: started.append(a) or start(*a))
    grid = {"method": ["ef"], "mu": [0.1], "L": [1.0], "delta": [0.5],
            "eta": [0.05 * k for k in range(1, sweeps_run.SERIAL_BELOW + 1)]}  # enough points for a cluster
    serial = sweep(rate, grid, cache=False, workers=1)
    with sweeps_run.SharedCluster(2) as shared:
        first = sweep(rate, grid, cache=False, workers=2, chunk_size=4, shared=shared)
        second = sweep(rate, {**grid, "method": ["cgd"]}, cache=False, workers=2, chunk_size=4, shared=shared)
        profiling = set(shared.client().run(lambda: dask.config.get("distributed.worker.profile.enabled")).values())
        assert len(started) == 1 and first.workers == second.workers == 2 and profiling == {False}
    assert shared._client is None and shared._cluster is None
    assert first.frame["rho"].tolist() == serial.frame["rho"].tolist()
    assert sweep(rate, grid, cache=False, workers=1, shared=sweeps_run.SharedCluster(2)).workers == 1  # never started


def test_a_points_problem_is_built_once_per_distinct_arguments():
    """The points of a row share their (immutable) problem; arguments that differ only in type
    (1 and 1.0) are kept apart, unhashable ones (constants per agent) are built each time, and
    bad input is refused every time."""
    from pepcert.sweeps.analyses import _problem

    first = _problem("ef", 0.1, 1.0, 0.5, param=None)
    assert _problem("ef", 0.1, 1.0, 0.5, param=None) is first
    assert _problem("ef", 0.1, 1, 0.5, param=None) is not first
    assert _problem("ef", 0.1, 1, 0.5, param=None).classes == first.classes
    per_agent = _problem("ef21", [0.1, 0.2], [1.0, 1.0], 0.5, False, None, None, 2)
    assert per_agent.agents == 2 and _problem("ef21", [0.1, 0.2], [1.0, 1.0], 0.5, False, None, None, 2) is not per_agent
    for _ in range(2):
        with pytest.raises(BadInput):
            _problem("ef", 2.0, 1.0, 0.5)
