r"""Step sizes, shift rates, rate bounds, iteration and communication bounds of DCGD, DIANA,
DCGD+ and DIANA+ (``docs/saq.md``, section "Theory").

**Re-derived here from the definitions** (the standard DIANA argument of Mishchenko et al. 2019
/ Horvath et al. 2019, redone with matrix smoothness as Wang, Safaryan & Richtarik 2022 do);
the constants are ours, not quoted with an equation number of the paper.

Facts used (``f_i`` convex with smoothness matrix ``L_i``, ``f`` ``mu``-strongly convex and
``L``-smooth, ``L = lambda_max(mean_i L_i)``, ``D_i = D_{f_i}(x, x*)``, ``D = (1/n) sum_i D_i``,
``h_i* = grad f_i(x*)``):

(a) ``<grad f(x), x - x*> >= D + (mu/2)||x - x*||^2`` and ``||grad f(x)||^2 <= 2 L D``;
(b) ``||grad f_i(x) - h_i*||^2_{N_i} <= 2 D_i`` with ``N_i = L_i^+`` (matrix smoothness) or
    ``N_i = I / L_max`` (scalar smoothness ``lambda_max(L_i) <= L_max``);
(c) the gradient noise: ``E||C_i(v) - v||^2 <= W_i ||v||^2_{N_i}`` with ``W_i = omega L_max``
    (standard, since ``||v||^2 = L_max ||v||^2_{I/L_max}``) or ``W_i = omega_i^+`` (``+``);
(d) the shift noise: ``E||C_i(v) - v||^2_{N_i} <= omega ||v||^2_{N_i}`` (standard: scaling of
    ``E||Q(v) - v||^2 <= omega ||v||^2``; ``+``: it is ``E||Q(w) - w||^2``, ``w = L_i^{+1/2} v``).

Write ``W = max_i W_i``. One step of either method, ``E||x+ - x*||^2 =
||x - x*||^2 - 2 gamma <grad f(x), x - x*> + gamma^2 ||grad f(x)||^2 + gamma^2 E||g - grad f(x)||^2``
with independent workers, ``E||g - grad f||^2 = (1/n^2) sum_i E||C_i(u_i) - u_i||^2``.

**DCGD** (``u_i = grad f_i(x)``, ``||u_i||^2_{N_i} <= 4 D_i + 2||h_i*||^2_{N_i}``):
``E||x+ - x*||^2 <= (1 - gamma mu)||x - x*||^2 - 2 gamma D (1 - gamma L - 2 gamma W/n) + gamma^2 sigma``,
``sigma = (2/n^2) sum_i W_i ||h_i*||^2_{N_i}``. With ``gamma = 1/(L + 2W/n)``:
``E||x^k - x*||^2 <= (1 - gamma mu)^k ||x^0 - x*||^2 + gamma sigma / mu`` (a neighbourhood).

**DIANA** (``u_i = grad f_i(x) - h_i``, ``||u_i||^2_{N_i} <= 4 D_i + 2||h_i - h_i*||^2_{N_i}``;
``H = (1/n) sum_i ||h_i - h_i*||^2_{N_i}``). From (d) and ``alpha <= 1/(1 + omega)``,
``E||h_i+ - h_i*||^2_{N_i} <= (1 - alpha)||h_i - h_i*||^2_{N_i} + alpha||grad f_i(x) - h_i*||^2_{N_i}``,
so ``E H+ <= (1 - alpha) H + 2 alpha D``. The Lyapunov function
``Psi = ||x - x*||^2 + M gamma^2 H`` with ``M = 4 W/(n alpha)`` gives
``E Psi+ <= (1 - gamma mu)||x - x*||^2 + (1 - alpha/2) M gamma^2 H - 2 gamma D (1 - gamma (L + 6 W/n))``.
So ``gamma = 1/(L + 6 W/n)``, ``alpha = 1/(1 + omega)`` and

    ``E Psi^k <= rho^k Psi^0``,  ``rho = max(1 - gamma mu, 1 - alpha/2)``,
    ``Psi^0 = ||x^0 - x*||^2 + M gamma^2 (1/n) sum_i ||h_i*||^2_{N_i}`` (``h^0 = 0``).

With ``L_i = L_max I`` for all ``i`` (and ``omega^+ = omega L_max``) the two versions coincide;
``W = omega L_max`` recovers the standard DIANA step ``1/(L + 6 omega L_max / n)``.

**Iteration bound** ``K(eps)``: the least ``k`` whose bound on ``E||x^k - x*||^2 / ||x^0 - x*||^2``
is ``<= eps`` (DIANA: ``rho^k Psi^0 / ||x^0 - x*||^2``; DCGD: ``(1 - gamma mu)^k + gamma sigma /
(mu ||x^0 - x*||^2)``, ``None`` when the neighbourhood is above ``eps``).
**Communication bound**: ``K(eps)`` times a bound on the expected bits per worker and round
(:func:`bits_per_round`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from pepcert.pep.errors import BadInput
from pepcert.saq.methods import check_method, method_compressor, smoothness_aware, uses_shifts


def noise_constants(problem, method: str, compressor) -> tuple[float, np.ndarray]:
    """``(omega, W_i)``: the base quantizer's ``omega`` and the per-worker gradient-noise
    constants of fact (c): ``omega L_max`` (standard) or ``omega_i^+`` (``+`` methods)."""
    used = method_compressor(method, compressor)
    omega = float(used.omega(problem.d))
    if smoothness_aware(method):
        return omega, np.asarray(used.omega_plus(problem), dtype=float)
    return omega, np.full(problem.n, omega * problem.L_max)


def parameters(problem, method: str, compressor) -> tuple[float, float | None]:
    """``(gamma, alpha)``: DCGD ``gamma = 1/(L + 2W/n)``; DIANA ``gamma = 1/(L + 6W/n)``,
    ``alpha = 1/(1 + omega)`` (module docstring); ``alpha`` is None for DCGD."""
    omega, W = noise_constants(problem, method, compressor)
    if uses_shifts(method):
        return 1.0 / (problem.L + 6.0 * W.max() / problem.n), 1.0 / (1.0 + omega)
    return 1.0 / (problem.L + 2.0 * W.max() / problem.n), None


def shift_norms(problem, method: str, H) -> np.ndarray:
    """``||H_i||^2_{N_i}`` for ``H`` (..., n, d): ``N_i = L_i^+`` (``+``) or ``I / L_max``."""
    H = np.asarray(H, dtype=float)
    if smoothness_aware(method):
        w = np.einsum("nij,...nj->...ni", problem.inv_sqrt_smoothness, H)
        return np.sum(w * w, axis=-1)
    return np.sum(H * H, axis=-1) / problem.L_max


def bits_per_round(compressor, d: int) -> float:
    r"""A bound on the expected bits one worker sends per round.

    Dithering (``s_B`` levels in block ``B`` of size ``d_B``): a level ``xi`` costs
    ``c(xi) = |omega(xi + 1)| + [xi != 0]`` bits with ``c(0) = 1`` and ``c(xi) <= 1 + a xi``,
    ``a = max_{1 <= xi <= s} (c(xi) - 1)/xi`` (3, from ``c(1) = 4``); ``E xi_j = s |w_j| / ||w_B||``
    and ``sum_j |w_j| <= sqrt(d_B) ||w_B||`` give ``E bits <= sum_B (32 + d_B + a_B s_B sqrt(d_B))``,
    and never more than ``sum_B (32 + d_B c_max)``. Rand-k: ``k (32 + ceil(log2 d))`` exactly;
    the identity ``32 d``. A smoothness-aware compressor sends its base's bits."""
    from pepcert.saq.compressors import Dithering, RandK, SmoothnessAware
    from pepcert.saq.encoding import FLOAT_BITS, elias_omega_bits

    base = compressor.base if isinstance(compressor, SmoothnessAware) else compressor
    if isinstance(base, RandK):
        base.library(d)
        return float(base.k * (FLOAT_BITS + base.index_bits(d)))
    if isinstance(base, Dithering):
        total = 0.0
        for size, s in zip(base.sizes(d), base.levels):  # each block with its own s
            levels = np.arange(1, s + 1)
            cost = elias_omega_bits(levels + 1) + 1
            slope, worst = float(np.max((cost - 1) / levels)), float(cost.max())
            total += FLOAT_BITS + min(size * worst, size + slope * s * math.sqrt(size))
        return float(total)
    return float(FLOAT_BITS * d)


@dataclass(frozen=True)
class Theory:
    """The bounds of the module docstring for one method, compressor and problem."""

    method: str
    compressor: str
    omega: float  # the base quantizer's (shift recursion)
    noise: tuple  # W_i per worker (gradient noise: omega L_max or omega_i^+)
    gamma: float
    alpha: float | None
    rate: float  # per iteration (DIANA: of E Psi; DCGD: of the transient)
    lyapunov_weight: float | None  # M gamma^2 (DIANA)
    start: float  # Psi^0 / ||x^0 - x*||^2 (DIANA), 1 (DCGD)
    neighbourhood: float  # DCGD: gamma sigma / (mu ||x^0 - x*||^2); 0 for DIANA
    bits_per_round: float
    once: float = 0.0  # one-time bits per worker (the paper's L_i^{1/2} and steps)

    def error_bound(self, k) -> np.ndarray:
        """The bound on ``E||x^k - x*||^2 / ||x^0 - x*||^2`` after ``k`` steps."""
        k = np.asarray(k, dtype=float)
        return self.start * self.rate**k + self.neighbourhood

    def iterations(self, eps: float) -> int | None:
        if not eps > self.neighbourhood:
            return None
        if self.start * 1.0 <= eps - self.neighbourhood:
            return 0
        return int(math.ceil(math.log((eps - self.neighbourhood) / self.start) / math.log(self.rate)))

    def communication(self, eps: float) -> float | None:
        k = self.iterations(eps)
        return None if k is None else self.once + k * self.bits_per_round

    def to_dict(self, eps: float) -> dict:
        return {"omega": self.omega, "noise": list(self.noise), "noise_max": max(self.noise), "gamma": self.gamma,
                "alpha": self.alpha, "rate": self.rate, "lyapunov_weight": self.lyapunov_weight,
                "start": self.start, "neighbourhood": self.neighbourhood, "bits_per_round": self.bits_per_round,
                "one_time_bits": self.once, "iteration_bound": self.iterations(eps),
                "communication_bound": self.communication(eps)}


def theory(problem, method: str, compressor, gamma: float | None = None, alpha: float | None = None) -> Theory:
    """The bounds at the theory's ``gamma, alpha`` (or the given ones, which must satisfy the
    theory's conditions ``gamma <= gamma_max``, ``alpha <= 1/(1 + omega)``)."""
    method = check_method(method)
    omega, W = noise_constants(problem, method, compressor)
    used = method_compressor(method, compressor)
    return bounds(problem, method, omega, W, bits_per_round(used, problem.d), used.name, gamma=gamma, alpha=alpha)


def bounds(problem, method: str, omega: float, W, bits: float, name: str, once: float = 0.0,
           gamma: float | None = None, alpha: float | None = None) -> Theory:
    """The bounds of the module docstring from the constants: the shift-noise ``omega``, the
    gradient-noise ``W_i`` per worker (fact (c)), a bound on the bits per round and the
    one-time bits per worker; at ``gamma = 1/(L + 6 W/n)`` (DIANA) or ``1/(L + 2 W/n)``
    (DCGD), ``alpha = 1/(1 + omega)`` unless smaller ones are given."""
    method = check_method(method)
    W = np.asarray(W, dtype=float)
    n, mu = problem.n, problem.mu
    step = 1.0 / (problem.L + (6.0 if uses_shifts(method) else 2.0) * W.max() / n)
    shift = 1.0 / (1.0 + omega) if uses_shifts(method) else None
    gamma = step if gamma is None else float(gamma)
    alpha = shift if alpha is None or not uses_shifts(method) else float(alpha)
    if not 0 < gamma <= step * (1 + 1e-12) or (alpha is not None and shift is not None and not 0 < alpha <= shift * (1 + 1e-12)):
        raise BadInput(f"the bounds need 0 < gamma <= {step:.6g} and 0 < alpha <= {shift}")
    x_star = np.asarray(problem.x_star, dtype=float)
    r0 = float(x_star @ x_star)
    if r0 == 0:
        raise BadInput("x* = 0 = x^0: the relative error is undefined")
    optimum = shift_norms(problem, method, problem.gradients(x_star))  # ||h_i*||^2_{N_i}
    if uses_shifts(method):
        weight = 4.0 * W.max() / (n * alpha) * gamma**2
        start = 1.0 + weight * float(optimum.mean()) / r0
        assert alpha is not None  # set for methods with shifts
        rate = max(1.0 - gamma * mu, 1.0 - alpha / 2)
        return Theory(method, name, omega, tuple(W.tolist()), gamma, alpha, rate, weight, start, 0.0, bits, once)
    sigma = 2.0 / n**2 * float(np.sum(W * optimum))
    return Theory(method, name, omega, tuple(W.tolist()), gamma, None, 1.0 - gamma * mu, None, 1.0,
                  gamma * sigma / (mu * r0), bits, once)


def lyapunov(problem, bound: Theory, x, h) -> np.ndarray:
    """``Psi = ||x - x*||^2 + M gamma^2 (1/n) sum_i ||h_i - h_i*||^2_{N_i}`` (DIANA) or
    ``||x - x*||^2`` (DCGD), for a state or a batch of states (``x`` (..., d), ``h`` (..., n, d))."""
    x = np.asarray(x, dtype=float)
    r = x - np.asarray(problem.x_star, dtype=float)
    value = np.sum(r * r, axis=-1)
    if bound.lyapunov_weight is None:
        return value
    shifts = np.asarray(h, dtype=float) - problem.gradients(np.asarray(problem.x_star, dtype=float))
    return value + bound.lyapunov_weight * shift_norms(problem, bound.method, shifts).mean(axis=-1)
