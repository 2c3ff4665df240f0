"""The step search's branch and bound (``pepcert.analyses.rates.minimise_over_steps``): a
floor that is a true lower bound of the objective prunes grid points without changing the
answer. Reference: the same search without a floor (every grid point evaluated)."""

import math

import pytest

from pepcert.analyses.rates import minimise_over_steps


def _objective(eta):
    # a smooth minimum at eta = 0.3 with a second, worse basin at eta = 3e-3
    u = math.log(eta)
    return min(0.5 + (u - math.log(0.3)) ** 2, 0.6 + 0.5 * (u - math.log(3e-3)) ** 2)


def _floor(eta):
    return _objective(eta) - 0.05 - 0.01 * abs(math.log(eta))  # below the objective everywhere


@pytest.mark.parametrize("scale", [1.0, 0.37])
def test_pruning_keeps_the_minimiser_and_saves_evaluations(scale):
    calls = []

    def counted(eta):
        calls.append(eta)
        return _objective(eta)

    plain, plain_calls, _ = minimise_over_steps(_objective, scale, xatol=1e-9)
    pruned, pruned_calls, edge = minimise_over_steps(counted, scale, _floor, xatol=1e-9)
    assert abs(pruned - 0.3) <= 1e-6 and abs(plain - 0.3) <= 1e-6 and not edge
    grid_calls = pruned_calls - (plain_calls - 61)  # the golden-section part is the same length
    assert grid_calls < 20  # of 61 grid points
    assert len(calls) == pruned_calls


def test_a_loose_floor_in_the_wrong_basin_cannot_hide_the_minimiser():
    """Points are visited in increasing order of the floor; here the floor is lowest in the
    worse basin (loose by 0.3 there, by 0.05 in the right one), so the right basin is solved
    only because its floor (0.45) is below the best value found first (0.6)."""

    def floor(eta):
        loose = 0.3 if abs(math.log(eta) - math.log(3e-3)) < 2 else 0.05
        return _objective(eta) - loose

    best, _, _ = minimise_over_steps(_objective, 1.0, floor, xatol=1e-9)
    assert abs(best - 0.3) <= 1e-6
