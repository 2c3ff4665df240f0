"""Wang, Safaryan & Richtarik, *Smoothness-aware quantization* (2022): the standard rate of
compressed gradient descent with an unbiased compressor, as a closed form and a claim.

``E||x+ - x*||^2 <= rho(gamma) E||x - x*||^2`` with
``rho(gamma) = max_{h in {mu, L}} (1 - gamma h)^2 + omega gamma^2 h^2``, optimal at
``gamma* = 2/((1 + omega)(L + mu))``, for ``E C(v) = v``, ``E||C(v)||^2 <= (1 + omega)||v||^2``.
"""

from __future__ import annotations

from pepcert.lyapunov.search import lyapunov_rate
from pepcert.papers.registry import Claim
from pepcert.papers.ttd25.closed_forms import _q
from pepcert.pep.compressors import Unbiased
from pepcert.pep.functions import SmoothStronglyConvex
from pepcert.pep.methods import Method
from pepcert.pep.problem import ProblemClass

WSR22 = "Wang, Safaryan & Richtarik 2022 (Smoothness-aware quantization)"


def unbiased_gd_rate(mu, L, omega, gamma):
    """``max_{h in {mu, L}} (1 - gamma h)^2 + omega gamma^2 h^2`` (exact, sympy)."""
    import sympy

    return sympy.Max(*((1 - _q(gamma) * _q(h)) ** 2 + _q(omega) * _q(gamma) ** 2 * _q(h) ** 2 for h in (mu, L)))


def _compressed_gd(gamma) -> Method:
    """``x+ = x - gamma C(grad f(x))`` (DCGD with one node), written through the public API."""

    def step(state, oracle):
        (x,) = state
        return (x - gamma * oracle.compress(oracle.gradient(x)),)

    return Method("CGD (unbiased)", ("x",), step)


def _unbiased_gd():
    omega = 0.5
    mu, L = 0.1, 1.0
    errors = []
    best = 2 / ((1 + omega) * (L + mu))
    for gamma in (0.5, best, 1.0):
        method = _compressed_gd(gamma)
        result = lyapunov_rate(method, ProblemClass(SmoothStronglyConvex(mu, L), Unbiased(omega)))
        errors.append(abs(result.rho - float(unbiased_gd_rate(mu, L, omega, gamma))))
    return f"max error {max(errors):.1e} at gamma = 0.5, gamma*, 1", max(errors) <= 1e-7



def wsr22_claims() -> list[Claim]:
    return [Claim("unbiased-gd-rate", WSR22,
                  "compressed GD with an omega-unbiased compressor: rho = max_h (1 - gamma h)^2 + omega gamma^2 h^2",
                  "closed form to 1e-7", _unbiased_gd)]
