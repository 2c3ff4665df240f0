"""Wang, Safaryan & Richtarik, *Smoothness-aware quantization* (2022): the standard rate of
compressed gradient descent with an unbiased compressor, its closed form and its proof as data
(the theorems that check them, and the block claim as measured, are in
:mod:`pepcert.papers.theorems.wsr22`).

``E||x+ - x*||^2 <= rho(gamma) E||x - x*||^2`` with
``rho(gamma) = max_{h in {mu, L}} (1 - gamma h)^2 + omega gamma^2 h^2``, optimal at
``gamma* = 2/((1 + omega)(L + mu))``, for ``E C(v) = v``, ``E||C(v)||^2 <= (1 + omega)||v||^2``.

Imports of the analyses happen inside the functions.
"""

from __future__ import annotations

WSR22 = "Wang, Safaryan & Richtarik 2022 (Smoothness-aware quantization)"


def unbiased_gd_rate(mu, L, omega, gamma):
    """``max_{h in {mu, L}} (1 - gamma h)^2 + omega gamma^2 h^2`` (exact, sympy)."""
    import sympy

    from pepcert.papers.ttd25.closed_forms import _q

    return sympy.Max(*((1 - _q(gamma) * _q(h)) ** 2 + _q(omega) * _q(gamma) ** 2 * _q(h) ** 2 for h in (mu, L)))


def unbiased_gd_proof():
    r"""The rate above for all ``omega > 0``, ``0 < mu < L``, ``gamma > 0``, as data for the
    generic verifier (``V = ||x - x*||^2``, the method's ``distance`` family).

    Compressor multiplier ``gamma^2``: the outputs' second moments cancel and
    ``rho ||x||^2 - ||x||^2 + 2 gamma <g, x> - gamma^2 (1 + omega) ||g||^2`` is left (``x`` for
    ``x - x*``). The two interpolation inequalities between ``x0`` and ``x*`` sum to
    ``(||g||^2 + mu L ||x||^2 - (L + mu) <g, x>)/(L - mu) <= 0``; the active instance
    ``g = h x`` in the residual's kernel gives the multiplier ``2 gamma (1 - mu gamma (1 + omega))``
    below ``gamma* = 2/((1 + omega)(L + mu))`` and ``2 gamma (L gamma (1 + omega) - 1)`` above it.
    Returns ``(one_step_problem, proof)``.
    """
    import sympy

    from pepcert.lyapunov.onestep import one_step
    from pepcert.lyapunov.symbolic import Bound, Lyapunov, Piece, Proof, Range, Split
    from pepcert.pep.algorithms import compressed_gradient_descent
    from pepcert.pep.compressors import Unbiased
    from pepcert.pep.functions import SmoothStronglyConvex
    from pepcert.pep.problem import ProblemClass

    gamma, mu, big_l, omega = sympy.symbols("gamma mu L omega", positive=True)
    method = compressed_gradient_descent(gamma)  # its family "distance" is ||x - x*||^2
    problem = one_step(method, ProblemClass(SmoothStronglyConvex(mu, big_l), Unbiased(omega)), family="distance")

    def piece(lam):
        return Piece(Lyapunov(weights=(1,)), {"interpolation(x*,x0)": lam, "interpolation(x0,x*)": lam,
                                               "compressor(c0)": gamma**2})

    star = 2 / ((1 + omega) * (big_l + mu))
    below = piece(2 * gamma * (1 - mu * gamma * (1 + omega)))
    above = piece(2 * gamma * (big_l * gamma * (1 + omega) - 1))
    proof = Proof(
        Range([Bound(omega), Bound(mu), Bound(big_l, lower=mu), Bound(gamma)]),
        Split(gamma, star, below=below, above=above),
        rate=unbiased_gd_rate(mu, big_l, omega, gamma),
        statement="compressed GD, omega-unbiased compressor: E||x+ - x*||^2 <= rho(gamma) ||x - x*||^2",
    )
    return problem, proof
