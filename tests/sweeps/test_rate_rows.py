"""A sweep's chunk of rates (``pepcert.sweeps.run.run_chunk`` on ``rate``, whose ``many`` rates a
run of points that differ only in the step together, ``pepcert.analyses.rates.tight_rates``):
every output the same as ``rate`` at each point alone -- the reference -- including the points
the runs must cut at (another delta or method, the optimal step, a per-agent list, classes with
no linear rate, a solver failure), and the shared path actually taken; the unbiased
compressor's rows (random instances, rated one method at a time) also against the closed form.
"""

import math

import numpy as np
import pytest

from pepcert.analyses import rates
from pepcert.pep.errors import SolverFailure
from pepcert.sweeps import analyses
from pepcert.sweeps.analyses import rate
from pepcert.sweeps.run import run_chunk


def point(method="ef", delta=0.5, eta=0.3, **others):
    return {"method": method, "mu": 0.1, "L": 1.0, "delta": delta, "eta": eta, **others}


ROW = [point(eta=float(e)) for e in np.linspace(0.01, 2 / 1.1, 7)]
MIXED = (ROW + [point(delta=0.9, eta=0.3), point(delta=0.9, eta=0.5), point(method="cgd", delta=0.9, eta=0.5),
                point(eta="optimal"), point(eta=0.7), point(eta=0.2, mu=0.0), point(eta=0.4, mu=0.0),
                point(method="ef", eta=0.2, agents=2, mu=[0.1, 0.2], L=[1.0, 1.0]),
                point(method="ef", eta=0.3, agents=2, mu=[0.1, 0.2], L=[1.0, 1.0]), point(eta=1, family="full"),
                point(method="ef21", eta=0.2, agents=2), point(method="ef21", eta=0.4, agents=2),
                point(method="cgd", delta=None, omega=1.0, eta=0.2), point(method="cgd", delta=None, omega=1.0, eta=0.4)])


def same(one: dict, other: dict) -> bool:
    return one.keys() == other.keys() and all(
        a == b or (isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b))
        for a, b in zip(one.values(), other.values()))


def test_runs_cut_where_anything_but_the_step_changes():
    runs = analyses._step_runs(MIXED)
    assert [len(run) for run in runs] == [7, 2, 1, 1, 1, 2, 1, 1, 1, 2, 2]
    assert [p for run in runs for p in run] == MIXED


def test_a_chunk_gives_each_points_own_outputs(monkeypatch):
    alone = [rate(**p) for p in MIXED]
    shared: list = []
    original = rates.tight_rates
    monkeypatch.setattr(rates, "tight_rates", lambda methods, *a, **k: shared.append(len(methods)) or
                        original(methods, *a, **k))
    searched_alone: list = []
    alone_search = rates.worst_linear_instances
    monkeypatch.setattr(rates, "worst_linear_instances", lambda *a, **k: searched_alone.append(1) or alone_search(*a, **k))
    run_chunk(rate, ROW)
    assert searched_alone == []  # a run's rates use the instances found together
    shared.clear()
    together = run_chunk(rate, MIXED)
    assert shared == [7, 2, 2, 2]  # the runs of numeric steps on classes with a linear rate
    assert all(same(a, b) for a, b in zip(alone, together))
    assert [r["error"] != "" for r in together].count(True) == 2  # mu = 0: no linear rate
    for p, r in zip(MIXED[-2:], together[-2:]):  # unbiased compression (random instances): the closed form
        eta = p["eta"]  # max over h in {mu, L} of E (1 - eta h alpha)^2 = (1 - eta h)^2 + omega eta^2 h^2
        assert r["rho"] == pytest.approx(max((1 - eta * h) ** 2 + 1.0 * eta**2 * h**2 for h in (0.1, 1.0)), abs=1e-12)


def test_a_solver_failure_is_that_points_error(monkeypatch):
    original = rates._tight_rate

    def failing(method, *arguments, **keywords):
        if abs(method.parameters["eta"] - ROW[3]["eta"]) < 1e-15:
            raise SolverFailure("stands for a failed solve")
        return original(method, *arguments, **keywords)

    monkeypatch.setattr(rates, "_tight_rate", failing)
    together = run_chunk(rate, ROW)
    assert [r["error"] for r in together] == ["", "", "", "stands for a failed solve", "", "", ""]
    assert together[3]["rho"] is None and together[4]["rho"] == pytest.approx(rate(**ROW[4])["rho"], abs=0)


def test_a_parameter_rate_does_not_take_is_refused_as_rate_refuses_it():
    row = [point(eta=0.2, sigma=0.1), point(eta=0.3, sigma=0.1)]
    with pytest.raises(TypeError, match="sigma"):
        rate(**row[0])
    with pytest.raises(TypeError, match="sigma"):
        run_chunk(rate, row)
