"""Exact replay certificates of Muon's non-convergence (Parshakova et al. 2026)."""

from __future__ import annotations

import dataclasses
from fractions import Fraction

import numpy as np
import pytest

from pepcert.analyses.ef_muon import simulate
from pepcert.analyses.muon import (
    Mat2,
    SignLMO,
    certify_muon,
    muon,
    muon_instance,
    replay_muon,
)
from pepcert.pep.numerics.intervals import lower, upper
from pepcert.pep.simulate import iterate

BETAS = ["0", "0.5", "0.9", "0.99"]
SCHEDULES = ["1/(t+1)", "1/sqrt(t+1)", "0.1", "1/(t+1)**2"]


def claimed(beta: str) -> Fraction:
    b = Fraction(beta)
    return (1 - b) / (1 + b)


@pytest.mark.parametrize("beta", BETAS)
@pytest.mark.parametrize("schedule", SCHEDULES)
def test_all_sixteen_certified_at_T_1000(beta, schedule):
    certificate = certify_muon(beta, schedule, 1000)
    assert certificate.certified, certificate.failures
    assert certificate.trace_invariant
    assert certificate.iterations == 1000
    assert isinstance(certificate.certified_lower_bound, Fraction)
    assert certificate.certified_lower_bound >= claimed(beta)
    assert certificate.claimed_bound == claimed(beta)
    # A proven lower bound cannot exceed the (float) minimum it bounds.
    assert float(certificate.certified_lower_bound) <= certificate.min_gap + 1e-12
    assert certificate.seconds >= 0  # timing is reported, not asserted (speed lives in pepcert bench)


def test_float_simulation_lies_in_the_exact_replay_enclosures():
    instance = muon_instance("0.9", "1/sqrt(t+1)")
    enclosure = replay_muon(instance, 400)
    gammas = [float(g) for g in instance.schedule.floats(np.arange(400))]
    method, oracle = muon(0.9, gammas), instance.oracle()
    start = method.initial(Mat2.from_array(instance.W0_float()), oracle)
    iterates = [start[0]] + [state[0] for state in iterate(method, oracle, start, 400)]
    gaps = [instance.value(W) for W in iterates]
    assert gaps == list(simulate(method, instance.oracle(), iterates[0], 400).gaps)
    assert enclosure.completed == 400 and enclosure.stopped is None
    for value, lo, hi in zip(gaps, enclosure.gap_lower, enclosure.gap_upper):
        assert float(lo) - 1e-12 <= value <= float(hi) + 1e-12
        assert hi - lo < Fraction(1, 10**4)  # convexity sharpens the Leibniz enclosure of R_0
    traces = np.array([W.trace() for W in iterates])
    assert np.max(np.abs(traces - 2.0)) < 1e-12


def test_certified_lower_bound_is_tight():
    certificate = certify_muon("0.9", "1/sqrt(t+1)", 400)
    assert certificate.certified
    assert certificate.min_gap - float(certificate.certified_lower_bound) < 1e-4
    assert certificate.min_gap == pytest.approx(min(certificate.gaps))


def test_known_closed_forms_of_the_start():
    # R_0 = log 2 for 1/(t+1), pi^2/12 for 1/(t+1)^2, gamma/2 for a constant step.
    assert muon_instance("0.5", "1/(t+1)").offset_float == pytest.approx(np.log(2), abs=1e-15)
    assert muon_instance("0.5", "1/(t+1)**2").offset_float == pytest.approx(np.pi**2 / 12, abs=1e-15)
    constant = muon_instance("0.5", "0.1")
    assert constant.offset == Fraction(1, 20)
    # The rigorous enclosure contains the high-precision value and is narrow.
    enclosure = muon_instance("0.5", "1/(t+1)").offset_enclosure(1000)
    assert lower(enclosure) <= Fraction(np.log(2)) <= upper(enclosure)
    assert upper(enclosure) - lower(enclosure) < Fraction(1, 1000)


def test_c_and_W0_of_the_instance():
    instance = muon_instance("0.9", "0.1")
    assert instance.c == Fraction(1, 38)  # (1 - 9/10) / (2 (1 + 9/10))
    W0 = instance.W0_exact(10)
    assert W0 == Mat2(Fraction(21, 20), Fraction(0), Fraction(0), Fraction(19, 20))
    assert instance.value(Mat2(Fraction(0), Fraction(0), Fraction(0), Fraction(0))) == 0


def test_horizon_start_is_rational_for_rational_steps_and_certified():
    certificate = certify_muon("0.9", "1/(t+1)", 300, start="horizon")
    assert certificate.certified and certificate.start == "horizon"
    instance = muon_instance("0.9", "1/(t+1)", start="horizon", horizon=300)
    assert isinstance(instance.offset, Fraction)
    assert abs(float(instance.offset) - np.log(2)) < 1 / 300


def test_a_wrong_start_is_not_certified():
    instance = muon_instance("0.9", "1/(t+1)", start="horizon", horizon=200)
    shifted = dataclasses.replace(instance, offset=instance.offset + Fraction(3, 10))
    certificate = certify_muon("0.9", "1/(t+1)", 200, instance=shifted)
    assert not certificate.certified
    assert not certificate.trace_invariant
    assert certificate.certified_lower_bound is None
    assert any("tr D_t" in failure for failure in certificate.failures)
    # ...and this start really does get closer to f* than (1 - beta)/(1 + beta).
    assert certificate.min_gap < float(claimed("0.9"))


def test_signed_momentum_is_certified_on_the_same_instance():
    # On diagonal matrices the l-infinity LMO and the polar factor coincide.
    certificate = certify_muon("0.5", "1/sqrt(t+1)", 200, lmo=SignLMO())
    assert certificate.certified, certificate.failures
    assert certificate.method == "muon[sign]"


def test_certificate_is_immutable_and_json_ready():
    certificate = certify_muon("0.5", "0.1", 20)
    with pytest.raises(dataclasses.FrozenInstanceError):
        certificate.certified = False
    payload = certificate.to_dict()
    assert payload["certified"] is True
    assert payload["claimed_bound"] == Fraction(1, 3)
