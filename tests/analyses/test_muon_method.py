"""Muon, signed momentum and EF-Muon as ordinary Methods: the oracle's LMO primitive, the
compressor's class, and EF-Muon's worst case (with momentum) from the one definition."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from pepcert.analyses.ef_muon import ef_optimal_constant_step, random_max_affine, simulate
from pepcert.analyses.ef_muon_sdp import ef_muon_worst_case
from pepcert.pep import Contractive, ConvexLipschitz, ProblemClass, worst_case
from pepcert.pep.algorithms.muon import ScaledPolarCompressor, ef_muon, muon, signed_momentum
from pepcert.pep.errors import BadInput
from pepcert.pep.numerics.matrix2 import Mat2
from pepcert.pep.simulate import NumericOracle

#: min_{t < N} f(W_t) - f* of EF-Muon (M = R = 1, r = 2, gamma* of the constant-step bound)
#: from the SDP as written before EF-Muon became a Method (state (Y, W, E) with E_0 = 0 set
#: inside the step, N steps, spurious Y_0 gap): N -> value.
PREVIOUS_SDP = {1: 1.0000000019011985, 2: 0.9238795321788886, 3: 0.8700844096010484,
                4: 0.8243698783898659, 6: 0.7493319375029699}


class Distance:
    """``f(W) = M ||W - W*||_F``: convex, M-Lipschitz, the classical hard subgradient instance."""

    def __init__(self, centre, M):
        self.centre, self.M, self.f_star = centre, M, 0.0

    def value(self, W):
        return self.M * float(np.linalg.norm(np.asarray(W) - self.centre))

    def gradient(self, W):
        d = np.asarray(W) - self.centre
        norm = np.linalg.norm(d)
        return self.M * d / norm if norm > 0 else np.zeros_like(d)


def test_numeric_oracle_lmo_of_each_norm():
    rng = np.random.default_rng(11)
    oracle = NumericOracle(None)
    for _ in range(20):
        v = rng.standard_normal((3, 4))
        U, _, Vt = np.linalg.svd(v, full_matrices=False)
        assert np.allclose(oracle.lmo(v, "spectral"), -U @ Vt, atol=1e-12)
        assert np.array_equal(oracle.lmo(v, "linf"), -np.sign(v))
        assert np.allclose(oracle.lmo(v, "l2"), -v / np.linalg.norm(v), atol=1e-15)
    # Exact 2x2: the spectral LMO of diag(3, -2) is -diag(1, -1), in Fractions.
    exact = oracle.lmo(Mat2(Fraction(3), Fraction(0), Fraction(0), Fraction(-2)), "spectral")
    assert exact == Mat2(Fraction(-1), Fraction(0), Fraction(0), Fraction(1))
    assert all(isinstance(x, Fraction) for x in exact.entries())
    with pytest.raises(BadInput, match="unknown norm"):
        oracle.lmo(np.eye(2), "nuclear")


def test_worst_case_sdp_refuses_the_lmo():
    classes = ProblemClass(ConvexLipschitz(1.0))
    for method in (muon(0.5, [0.1, 0.1]), signed_momentum(0.5, [0.1, 0.1])):
        with pytest.raises(BadInput, match="the LMO of a norm is not modelled in a worst-case SDP"):
            worst_case(method, classes, 2, measure="function", start="declared")


def test_compressor_names_its_class():
    assert ScaledPolarCompressor.compressor_class(3) == Contractive(Fraction(1, 3))
    with pytest.raises(BadInput):
        ScaledPolarCompressor.compressor_class(0)


@pytest.mark.parametrize("N", sorted(PREVIOUS_SDP))
def test_momentum_free_sdp_agrees_with_the_previous_formulation(N):
    gamma, _ = ef_optimal_constant_step(1.0, 1.0, N, 2)
    result = ef_muon_worst_case([gamma] * N)
    assert result.status == "solved"
    assert result.value == pytest.approx(PREVIOUS_SDP[N], rel=1e-6)


@pytest.mark.parametrize("beta", [0.5, 0.9])
def test_momentum_sdp_bounds_every_simulated_run(beta):
    # EF-Muon with momentum on random convex 1-Lipschitz functions of 2x2 matrices (rank <= 2,
    # so the compressor is in Contractive(1/2)) from ||W_0 - W*||_F = 1: the SDP value bounds
    # min_{t < N} f(W_t) - f* of every run, and the trivial bound M R bounds the SDP.
    rng = np.random.default_rng(3)
    N = 5
    gammas = [0.4 / np.sqrt(t + 1) for t in range(N)]
    bound = ef_muon_worst_case(gammas, lipschitz=1.0, radius=1.0, max_rank=2, beta=beta)
    assert bound.status == "solved" and bound.analytic_bound is None
    assert bound.value <= 1.0 + 1e-6
    assert bound.value != pytest.approx(ef_muon_worst_case(gammas).value, rel=1e-3)  # momentum matters
    worst = 0.0
    for k in range(40):
        if k % 2:
            f = random_max_affine(rng, pieces=4, shape=(2, 2))
            f = type(f)(f.slopes / f.lipschitz, f.offsets / f.lipschitz, f.f_star / f.lipschitz, f.minimizer)
            centre = f.minimizer
        else:
            centre = rng.standard_normal((2, 2))
            f = Distance(centre, 1.0)
        U = rng.standard_normal((2, 2))
        W0 = centre + U / np.linalg.norm(U)
        run = simulate(ef_muon(gammas, beta), NumericOracle(f, ScaledPolarCompressor()), W0, N, f.f_star)
        worst = max(worst, float(run.gaps[:N].min()))
    assert 0 < worst <= bound.value + 1e-6
