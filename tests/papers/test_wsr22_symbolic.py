"""Wang, Safaryan & Richtarik 2022: compressed GD with an omega-unbiased compressor has
``rho(gamma) = max_h (1 - gamma h)^2 + omega gamma^2 h^2`` for every omega > 0, 0 < mu < L and
gamma > 0, proved by the generic verifier on the 2-outcome one-step problem (an unbiased
class, a method that is not built in)."""

import sympy

from pepcert.lyapunov.symbolic import verify
from pepcert.papers.wsr22 import unbiased_gd_proof


def test_the_unbiased_rate_is_proved_for_all_parameters():
    problem, proof = unbiased_gd_proof()
    verdict = verify(problem, proof)
    assert verdict.proved, verdict.reason
    assert len(verdict.pieces) == 2


def test_without_the_variance_term_the_rate_is_rejected():
    """Plain GD's rate max_h (1 - gamma h)^2 is not enough once the compressor adds variance."""
    problem, proof = unbiased_gd_proof()
    gamma, mu, big_l = (sympy.Symbol(n, positive=True) for n in ("gamma", "mu", "L"))
    wrong = type(proof)(proof.parameters, proof.body, rate=sympy.Max((1 - gamma * mu) ** 2, (1 - gamma * big_l) ** 2))
    verdict = verify(problem, wrong)
    assert not verdict.proved
    below = verdict.pieces[0]  # the Max resolves there, so the sum of squares is what fails
    assert sympy.expand(below.rate - (1 - gamma * mu) ** 2) == 0
    assert any("not proven PSD" in failure for failure in below.failures)
