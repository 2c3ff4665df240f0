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


def ef21_paper_rate(mu, L, delta):
    """``rho_EF21`` above: the rate the EF21 paper (Richtárik et al. 2021, Thm. 2) guarantees
    for single-agent EF21 at its largest allowed step."""
    mu, L, delta = (np.asarray(a, dtype=float) for a in (mu, L, delta))
    s = np.sqrt(1 - delta)
    gamma = np.minimum((1 - s) / (L * (1 - s + np.sqrt(2) * s)), (1 - s) / (2 * mu))
    return 1 - gamma * mu
