"""Each check of the Muon replay's transition checker (lowerbounds/muon/certificate.py), fed a
real transition of the replay with one thing changed, reports that thing by name; the real
transition passes. ``tools/mutants.py`` removes each check in turn."""

from __future__ import annotations

from fractions import Fraction as Q

import pytest

from pepcert.lowerbounds.muon import certificate as replay
from pepcert.lowerbounds.muon.instance import muon_instance
from pepcert.pep.lmo import SpectralLMO
from pepcert.pep.numerics.intervals import working_precision
from pepcert.pep.numerics.matrix2 import Mat2


@pytest.fixture(scope="module")
def first():
    """The instance, its start and the replay's first transition (t = 0, so M_prev = 0)."""
    instance = muon_instance("0.9", "1/sqrt(t+1)", horizon=3)
    R0, W0, steps = replay._start_and_steps(instance, 3)
    seen: list = []
    replay._replay(instance, W0, steps, 3, SpectralLMO(), on_step=lambda *step: seen.append(step))
    return instance, R0, W0, seen[0]


def failures(first, t, state, new_state, calls, gamma) -> list[str]:
    instance, R0, W0, _ = first
    checker = replay._TransitionChecker(instance, SpectralLMO(), W0, R0)
    with working_precision():
        checker(t, state, new_state, calls, gamma)
    return checker.failures


def test_the_real_transition_passes(first):
    assert failures(first, *first[3]) == []


def test_a_subgradient_of_the_wrong_sign_is_named(first):
    t, state, new_state, calls, gamma = first[3]
    G = calls[0][2]
    flipped = Mat2(G.d, G.b, G.c, G.a)  # c I - s diag(1, -1): the trace part kept, the sign flipped
    found = failures(first, t, state, new_state, [("gradient", state[0], flipped), calls[1]], gamma)
    assert any("subgradient sign" in f and "differs from sign(W11 - W22)" in f for f in found), found


def test_a_momentum_outside_its_enclosure_is_named(first):
    t, state, (W_next, M), calls, gamma = first[3]
    moved = M + Mat2(Q(1, 10), 0, 0, Q(1, 10))
    found = failures(first, t, state, (W_next, moved), [calls[0], ("lmo", moved, calls[1][2])], gamma)
    assert "t=0: the momentum enclosure does not contain beta M + (1 - beta) G" in found


def test_an_iterate_outside_its_enclosure_is_named(first):
    t, state, (W_next, M), calls, gamma = first[3]
    moved = W_next + Mat2(Q(1, 10**6), 0, 0, Q(-1, 10**6))
    found = failures(first, t, state, (moved, M), calls, gamma)
    assert "t=0: the enclosure of W_(t+1) does not contain W_t + gamma_t D_t" in found


def test_a_direction_that_is_not_the_polar_factor_is_named(first):
    t, state, new_state, calls, gamma = first[3]
    D = calls[1][2]
    found = failures(first, t, state, new_state, [calls[0], ("lmo", new_state[1], D * Q(1, 2))], gamma)
    assert "t=0: step direction is not exactly -polar(M_t)" in found


def test_a_direction_with_a_trace_is_named(first):
    t, state, new_state, calls, gamma = first[3]
    D = calls[1][2]
    tilted = Mat2(D.a, D.b, D.c, D.a)  # tr = 2 D_11 != 0
    found = failures(first, t, state, new_state, [calls[0], ("lmo", new_state[1], tilted)], gamma)
    assert any(f.startswith("t=0: tr D_t =") and f.endswith("is not exactly 0") for f in found), found
