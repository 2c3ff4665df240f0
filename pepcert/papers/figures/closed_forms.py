r"""The papers' closed forms as vectorised float functions (reference columns of the CSVs).

The formulas come from :mod:`pepcert.papers.ttd25` (Thomsen, Taylor & Dieuleveut 2025; this
module is the only place the figure code imports it): its exact sympy expressions are built
once over symbols and turned into numpy functions with :func:`sympy.lambdify`.

The EF21 paper's rate (Richtárik, Sokolov & Fatkhullin, *EF21: A new, simpler, theoretically
better, and practically faster error feedback*, NeurIPS 2021, Theorem 2, PL case, one agent so
``L~ = L``): with ``alpha = delta``, ``theta = 1 - sqrt(1 - alpha)`` and
``beta = (1 - alpha) / (1 - sqrt(1 - alpha))``, for a step
``gamma <= min{ 1 / (L + L sqrt(2 beta / theta)), theta / (2 mu) }`` the function
``Psi = f - f* + (gamma/theta) ||g - grad f||^2`` contracts by ``1 - gamma mu`` per step. With
``s = sqrt(1 - delta)``: ``theta = 1 - s``, ``sqrt(2 beta/theta) = sqrt(2) s / (1 - s)``; at the
largest allowed step the rate is

    rho_EF21 = 1 - mu * min{ (1 - s) / (L (1 - s + sqrt(2) s)), (1 - s) / (2 mu) }.

With n agents (same theorem, ``f = (1/n) sum_i f_i``, ``f_i`` ``L_i``-smooth) the step bound is
``1 / (L + L~ sqrt(2 beta/theta))`` with ``L~ = sqrt((1/n) sum_i L_i^2)`` (quadratic mean) and
``L``, ``mu`` the constants of ``f``: :func:`ef21_paper_rate` takes ``L_tilde``.

The two-agent cubic of Thomsen, Taylor & Dieuleveut 2026 (:mod:`pepcert.papers.ttd26`) is solved
here a second way, in 50-digit arithmetic (:func:`ttd26_cubic_roots`), for the figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import numpy as np


@dataclass(frozen=True)
class ClosedForms:
    """Float versions of one method's closed forms (numpy-broadcasting)."""

    rate: Callable  # (mu, L, delta, eta) -> rho(eta)
    optimal_step: Callable  # (mu, L, delta) -> eta*
    optimal_rate: Callable  # (mu, L, delta) -> rho*


@lru_cache(maxsize=None)
def closed_forms(method: str) -> ClosedForms:
    """The TTD25 closed forms of ``method`` (``cgd``, ``ef`` or ``ef21``)."""
    import sympy

    from pepcert.papers import ttd25

    mu, L, delta, eta = sympy.symbols("mu L delta eta", positive=True)
    rate = sympy.lambdify((mu, L, delta, eta), ttd25.rate(method, mu, L, delta, eta), "numpy")
    step = sympy.lambdify((mu, L, delta), ttd25.optimal_step(method, mu, L, delta), "numpy")
    best = sympy.lambdify((mu, L, delta), ttd25.optimal_rate(method, mu, L, delta), "numpy")

    def broadcast(function, *arrays):
        arrays = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in arrays))
        return np.asarray(function(*arrays), dtype=float) * np.ones_like(arrays[0])

    return ClosedForms(
        rate=lambda m, l, d, e: broadcast(rate, m, l, d, e),
        optimal_step=lambda m, l, d: broadcast(step, m, l, d),
        optimal_rate=lambda m, l, d: broadcast(best, m, l, d),
    )


def ef21_paper_rate(mu, L, delta, L_tilde=None):
    """``rho_EF21`` above: the rate the EF21 paper (Richtárik et al. 2021, Thm. 2) guarantees
    for EF21 at its largest allowed step ``gamma = min{(1 - s)/(L (1 - s) + sqrt(2) s L~),
    (1 - s)/(2 mu)}`` (``= 1/(L + L~ sqrt(2 beta/theta))`` capped at ``theta/(2 mu)``);
    ``L_tilde`` defaults to ``L`` (one agent)."""
    mu, L, delta = (np.asarray(a, dtype=float) for a in (mu, L, delta))
    L_tilde = L if L_tilde is None else np.asarray(L_tilde, dtype=float)
    s = np.sqrt(1 - delta)
    gamma = np.minimum((1 - s) / (L * (1 - s) + np.sqrt(2) * s * L_tilde), (1 - s) / (2 * mu))
    return 1 - gamma * mu


def ef21_paper_distributed_rate(Ls, mus, delta):
    """The EF21 paper's rate for n agents with constants ``L_i``, ``mu_i``: :func:`ef21_paper_rate`
    with ``L = mean L_i``, ``mu = mean mu_i`` (``f = (1/n) sum_i f_i`` is ``mean L_i``-smooth and
    ``mean mu_i``-strongly convex, hence ``mean mu_i``-PL) and ``L~ = sqrt(mean L_i^2)``."""
    Ls, mus = np.asarray(Ls, dtype=float), np.asarray(mus, dtype=float)
    return ef21_paper_rate(mus.mean(), Ls.mean(), delta, np.sqrt(np.mean(Ls**2)))


@dataclass(frozen=True)
class CubicRoots:
    """The three roots of the TTD26 two-agent cubic, largest real part first, and its
    discriminant (``> 0``: three distinct real roots; ``< 0``: one real root and a complex pair)."""

    roots: tuple[complex, complex, complex]
    discriminant: float

    @property
    def rate(self) -> float:
        """The largest real root (the paper's two-agent rate)."""
        return max(r.real for r in self.roots if r.imag == 0)


def monic_cubic_roots(b, c, d, digits: int = 50, context=None) -> CubicRoots:
    r"""The roots of ``rho^3 + b rho^2 + c rho + d`` in ``digits``-digit arithmetic (mpmath; the
    coefficients are taken exactly: floats, mpmath numbers or decimal strings), rounded to float
    at the end. With ``rho = t - b/3`` the cubic is ``t^3 + p t + q`` (``p = c - b^2/3``,
    ``q = 2b^3/27 - bc/3 + d``), discriminant ``-(4p^3 + 27q^2)``. Positive: three real roots,
    Viète's ``t_k = 2 sqrt(-p/3) cos(phi/3 - 2 pi k/3)``, ``cos phi = (3q/(2p)) sqrt(-3/p)``;
    negative: Cardano's real root ``u + v`` (``u, v`` the real cube roots of
    ``-q/2 +- sqrt(-disc/108)``) and the pair ``-(u + v)/2 +- i sqrt(3)(u - v)/2``; zero: the
    repeated roots. Where the roots meet (``p -> 0``) about ``digits - 16`` digits are left."""
    import mpmath

    ctx = context or mpmath.mp.clone()
    if context is None:
        ctx.dps = digits
    b, c, d = (ctx.mpf(x) for x in (b, c, d))
    p, q = c - b**2 / 3, 2 * b**3 / 27 - b * c / 3 + d
    discriminant = -(4 * p**3 + 27 * q**2)
    if discriminant > 0:
        m, phi = 2 * ctx.sqrt(-p / 3), ctx.acos(3 * q / (2 * p) * ctx.sqrt(-3 / p))
        ts = [m * ctx.cos(phi / 3 - 2 * ctx.pi * k / 3) for k in range(3)]
    elif discriminant == 0:  # a repeated root
        ts = [ctx.mpf(0)] * 3 if p == 0 else [3 * q / p, -3 * q / (2 * p), -3 * q / (2 * p)]
    else:
        root = ctx.sqrt(-discriminant / 108)
        u, v = (ctx.sign(w) * ctx.cbrt(abs(w)) for w in (-q / 2 + root, -q / 2 - root))
        half, imag = -(u + v) / 2, ctx.sqrt(3) * (u - v) / 2
        ts = [u + v, ctx.mpc(half, imag), ctx.mpc(half, -imag)]
    roots = sorted((complex(t - b / 3) for t in ts), key=lambda z: (-z.real, -z.imag))
    return CubicRoots(tuple(roots), float(discriminant))


def ttd26_cubic_roots(Ls, mus, delta, digits: int = 50) -> CubicRoots:
    r"""The roots of ``rho^3 - [s(2 + s) + r(s K1 + K2)] rho^2 + s^2 [1 + 2s + r(K1 + s K2)] rho - s^4``
    (TTD 2026, two agents; ``s = sqrt(1 - delta)``, ``r = (1 - s)^2/(1 + s)``, ``S_i = L_i + mu_i``,
    ``D_i = L_i - mu_i``, ``K1 = (D2^2 S1 + D1^2 S2)/(S1 S2 (S1 + S2))``, ``K2 = (D1 + D2)^2/(S1 + S2)^2``):
    coefficients from the (exact binary) float inputs in ``digits``-digit arithmetic, then
    :func:`monic_cubic_roots` at the same precision."""
    import mpmath

    ctx = mpmath.mp.clone()
    ctx.dps = digits
    (L1, L2), (m1, m2) = ([ctx.mpf(float(x)) for x in v] for v in (Ls, mus))
    s = ctx.sqrt(1 - ctx.mpf(float(delta)))
    r = (1 - s) ** 2 / (1 + s)
    S1, S2, D1, D2 = L1 + m1, L2 + m2, L1 - m1, L2 - m2
    K1 = (D2**2 * S1 + D1**2 * S2) / (S1 * S2 * (S1 + S2))
    K2 = (D1 + D2) ** 2 / (S1 + S2) ** 2
    return monic_cubic_roots(-(s * (2 + s) + r * (s * K1 + K2)), s**2 * (1 + 2 * s + r * (K1 + s * K2)), -(s**4), context=ctx)
