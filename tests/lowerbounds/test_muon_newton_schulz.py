"""The certificate needs the exact polar factor: with Newton-Schulz the instance breaks."""

from __future__ import annotations

import numpy as np

from pepcert.analyses.muon import (
    Mat2,
    NewtonSchulzLMO,
    certify_muon,
    muon,
    muon_instance,
    newton_schulz,
    polar_svd,
    replay_muon,
)
from pepcert.pep.numerics.matrix2 import NEWTON_SCHULZ_QUINTIC
from pepcert.pep.simulate import iterate


def test_newton_schulz_only_approximates_the_polar_factor():
    M = np.diag([0.3, -0.1])
    approx = newton_schulz(M, steps=5)
    assert np.allclose(np.abs(np.diag(approx)), 1.0, atol=0.1)  # close ...
    assert abs(np.trace(approx)) > 1e-3  # ... but tr != 0, unlike polar(M) = diag(1, -1)
    assert np.trace(polar_svd(M)) == 0.0


def test_certificate_refuses_newton_schulz():
    certificate = certify_muon("0.9", "1/sqrt(t+1)", 50, lmo=NewtonSchulzLMO())
    assert not certificate.certified
    assert not certificate.trace_invariant
    assert any("not exact" in failure for failure in certificate.failures)
    assert any("tr D_t" in failure for failure in certificate.failures)


def test_quintic_newton_schulz_provably_falls_below_the_level():
    # Rigorous interval replay of Muon with the quintic Newton-Schulz iteration: an upper
    # bound of f(W_t) - f* drops below (1 - beta)/(1 + beta), which exact Muon never does.
    instance = muon_instance("0.9", "1/sqrt(t+1)")
    enclosure = replay_muon(instance, 60, NewtonSchulzLMO(5, NEWTON_SCHULZ_QUINTIC))
    assert enclosure.stopped is None and enclosure.completed == 60
    assert min(enclosure.gap_upper) < instance.gap_bound
    assert max(enclosure.trace_lower) > 2  # the trace left 2 (provably)


def test_cubic_newton_schulz_drifts_off_the_trace_and_below_the_level_in_floats():
    instance = muon_instance("0.9", "1/sqrt(t+1)")
    T = 3000
    gammas = [float(g) for g in instance.schedule.floats(np.arange(T))]
    W0 = Mat2.from_array(instance.W0_float())
    exact = iterate_to(muon(0.9, gammas), instance, W0, T)
    approx = iterate_to(muon(0.9, gammas, NewtonSchulzLMO()), instance, W0, T)
    exact_gaps = np.array([instance.value(W) for W in exact])
    approx_gaps = np.array([instance.value(W) for W in approx])
    level = float(instance.gap_bound)
    assert exact_gaps.min() >= level
    assert approx_gaps.min() < level
    assert abs(approx[-1].trace() - 2) > 0.2
    assert max(abs(W.trace() - 2) for W in exact) < 1e-12


def iterate_to(method, instance, W0, T):
    oracle = instance.oracle()
    start = method.initial(W0, oracle)
    return [W0] + [state[0] for state in iterate(method, oracle, start, T)]
