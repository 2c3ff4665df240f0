"""The sign-pattern LP lower bound (performance estimation) for Muon."""

from __future__ import annotations

from fractions import Fraction

import pytest

from pepcert.analyses.muon import muon_lp_lower_bound
from pepcert.lowerbounds.muon.lp import verify_lp_witness
from pepcert.pep.errors import BadInput


@pytest.mark.parametrize("T", [10, 40, 160])
def test_lp_lower_bound_stays_above_the_level(T):
    result = muon_lp_lower_bound("0.9", "1/sqrt(t+1)", T)
    assert result.certified, result.failures
    assert result.solver_status.startswith("0")
    assert result.certified_lower_bound >= Fraction(1, 19)  # (1 - 0.9)/(1 + 0.9)
    assert float(result.certified_lower_bound) <= result.lp_value + 1e-9
    assert result.iterations == T


def test_lp_with_repeated_points_constant_steps():
    result = muon_lp_lower_bound("0.5", "0.1", 20)
    assert result.certified
    assert result.certified_lower_bound >= Fraction(1, 3)


def test_verification_rejects_a_corrupted_witness():
    result = muon_lp_lower_bound("0.9", "1/(t+1)", 12)
    assert result.certified
    g, f = list(result.subgradients), list(result.values)
    assert verify_lp_witness("0.9", "1/(t+1)", 12, 2, g, f) == []
    raised = f.copy()
    raised[5] += Fraction(1, 16)  # a function value that breaks interpolation
    assert any("interpolation" in x for x in verify_lp_witness("0.9", "1/(t+1)", 12, 2, g, raised))
    flipped = g.copy()
    flipped[0] = (-g[0][0], -g[0][1])  # the momentum at t = 0 takes the wrong signs
    assert any("momentum" in x for x in verify_lp_witness("0.9", "1/(t+1)", 12, 2, flipped, f))
    assert any("Lipschitz" in x for x in verify_lp_witness("0.9", "1/(t+1)", 12, Fraction(1, 2), g, f))


def test_lp_rejects_bad_input():
    with pytest.raises(BadInput):
        muon_lp_lower_bound("1", "1/(t+1)", 10)
    with pytest.raises(BadInput):
        muon_lp_lower_bound("0.5", "1/(t+1)", 0)
