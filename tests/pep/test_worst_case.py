"""N-step worst cases (issue 2): EF and EF21 with their Lyapunov measure equal rho*^N, and
PEPit (an independent formulation, `pepit_models`) agrees."""

from __future__ import annotations

import pytest

from conftest import cgd_rate, ef_optimal
from pepcert.pep import BadInput, Contractive, ProblemClass, SmoothStronglyConvex, worst_case
from pepcert.pep.algorithms import compressed_gradient_descent, ef21, error_feedback

MU, L, DELTA = 0.1, 1.0, 0.5
CLASSES = ProblemClass(SmoothStronglyConvex(MU, L), Contractive(DELTA))
ETA, RHO = ef_optimal(MU, L, DELTA)
METHODS = {"EF": error_feedback, "EF21": ef21}


@pytest.mark.parametrize("iterations", range(1, 11))
@pytest.mark.parametrize("name", ["EF", "EF21"])
def test_lyapunov_worst_case_is_rho_to_the_n(name, iterations):
    result = worst_case(METHODS[name](ETA), CLASSES, iterations, measure="lyapunov")
    assert result.status == "solved" and result.tolerance <= 1e-9
    # the value is the worst linear instance's (it closes the SDP's bound): measured 3.7e-15 at most
    assert result.value == pytest.approx(RHO**iterations, rel=1e-12)
    assert result.rate_per_step == pytest.approx(RHO, rel=1e-12)
    assert all(v >= -1e-9 for v in result.multipliers.values())


@pytest.mark.parametrize("iterations", range(1, 11))
@pytest.mark.parametrize("name", ["EF", "EF21"])
def test_pepit_agrees(name, iterations):
    from pepit_models import PEPIT_MODELS  # PEPit is a test dependency: no skip

    ours = worst_case(METHODS[name](ETA), CLASSES, iterations).value
    theirs = PEPIT_MODELS[name](MU, L, DELTA, ETA, iterations, solver="clarabel")
    # PEPit through cvxpy+Clarabel at default tolerances agrees to ~1e-8 here.
    assert theirs == pytest.approx(ours, rel=1e-6)


def test_cgd_function_measure_contracts_at_its_rate():
    """CGD's Lyapunov function is f - f*: one step contracts it by exactly rho(eta)."""
    eta = 0.3
    result = worst_case(compressed_gradient_descent(eta), CLASSES, 1, measure="function")
    assert result.value == pytest.approx(cgd_rate(MU, L, DELTA, eta), rel=1e-12)  # measured 2.2e-16
    assert result.tolerance <= 1e-8


@pytest.mark.parametrize("name", ["EF", "EF21"])
def test_distance_worst_case_is_at_least_the_instance_growth(name):
    """Started on the eigenvector of the worst linear instance, every quadratic measure of
    the state (here ||x - x*||^2 + ||e||^2, or ||x - x*||^2 + ||d - grad f(x)||^2) shrinks by
    exactly rho* per step, so the 3-step worst case is at least rho*^3; the Lyapunov function
    is not the distance, so the worst case is strictly larger."""
    result = worst_case(METHODS[name](ETA), CLASSES, 3, measure="distance")
    assert result.value >= RHO**3 * (1 - 1e-7)
    assert result.value > RHO**3 * 1.001


def test_worst_case_rejects_bad_input():
    with pytest.raises(BadInput):
        worst_case(error_feedback(ETA), CLASSES, 0)
    with pytest.raises(BadInput):
        worst_case(error_feedback(ETA), CLASSES, 2, measure="entropy")


def test_scs_back_end_agrees_with_clarabel():
    """The SCS back-end (a different PSD vectorisation) solves the same problem."""
    ours = worst_case(error_feedback(ETA), CLASSES, 3).value
    scs = worst_case(error_feedback(ETA), CLASSES, 3, solver="scs")
    assert scs.solver == "scs" and scs.value == pytest.approx(ours, rel=1e-5)
