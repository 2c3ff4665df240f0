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

The two-agent cubic of Thomsen, Taylor & Dieuleveut 2026 is solved once, in
:func:`pepcert.papers.ttd26.cubic_roots` (50-digit arithmetic); the figures use it from there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import numpy as np


@dataclass(frozen=True)
class ClosedForms:
    """Float versions of one method's closed forms (numpy-broadcasting)."""

    rate: Callable  # (mu, L, delta, eta) -> rho(eta)
    optimal_step: Callable  # (mu, L, delta) -> eta*
    optimal_rate: Callable  # (mu, L, delta) -> rho*


@cache
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
