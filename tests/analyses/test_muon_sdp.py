"""EF-Muon worst case over convex Lipschitz functions and 1/rank-contractive compressors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from pepcert.analyses.ef_muon import ef_bound, ef_optimal_constant_step
from pepcert.analyses.ef_muon_sdp import ef_muon_worst_case
from pepcert.analyses.muon import Mat2, ef_muon, muon_instance, simulate
from pepcert.pep.errors import BadInput


@pytest.mark.parametrize("N", [2, 4, 8])
def test_sdp_is_below_the_proven_constant_step_bound(N):
    gamma, closed_form = ef_optimal_constant_step(1.0, 1.0, N, 2)
    result = ef_muon_worst_case([gamma] * N)
    assert result.status == "solved"
    assert result.value <= result.analytic_bound + 1e-6  # the recursive EF bound
    assert result.analytic_bound <= closed_form + 1e-12  # ... below (1 + sqrt 2)/sqrt(N)
    assert result.value > 0.5 * result.analytic_bound  # and the proof is not vacuous


def test_sdp_dominates_the_instance_and_the_bound_dominates_the_sdp():
    instance = muon_instance("0.9", "1/sqrt(t+1)")
    N = 6
    gammas = [float(g) for g in instance.schedule.floats(np.arange(N))]
    c = float(instance.c)
    M, R = math.sqrt(2 + 2 * c * c), float(np.linalg.norm(instance.W0_float()))
    result = ef_muon_worst_case(gammas, lipschitz=M, radius=R)
    run = simulate(ef_muon(gammas), instance.oracle(), Mat2.from_array(instance.W0_float()), N)
    assert run.gaps[:N].min() <= result.value + 1e-6  # the instance is one member of the class
    assert result.value <= float(ef_bound(R, M, gammas, 2)[-1]) + 1e-6


def test_one_step_worst_case_is_M_R():
    # min over {W_0} alone: f(W_0) - f* <= M ||W_0 - W*|| is attained (a linear function).
    result = ef_muon_worst_case([0.5], lipschitz=2.0, radius=3.0)
    assert result.value == pytest.approx(6.0, rel=1e-6)


def test_bad_input():
    with pytest.raises(BadInput):
        ef_muon_worst_case([])
    with pytest.raises(BadInput):
        ef_muon_worst_case([0.1, -0.1])
