r"""Exact sublinear rates of gradient descent ``x+ = x - eta grad f(x)`` where no linear rate
exists -- the references of pepcert's convex and nonconvex worst cases
(:mod:`pepcert.analyses.sublinear`, ``docs/sublinear.md``).

* **Convex** (Drori & Teboulle, Math. Program. 2014, Theorem 3.1 and its tightness example):
  on L-smooth convex ``f``, with step ``h/L``, ``0 < h <= 1``,
  ``f(x_N) - f* <= L ||x_0 - x*||^2 / (4 N h + 2)``, attained.
* **Nonconvex** (Rotaru, Glineur & Patrinos, arXiv 2406.17506, 2024; Abbaszadehpeivasti, de
  Klerk & Zamani, Optim. Lett. 2022, for ``h <= 1``): on L-smooth ``f`` with curvature in
  ``[mu, L]``, ``-L <= mu <= 0``, from ``f(x_0) - f* <= Delta``, constant step ``gamma = h/L``,
  ``0 < h < 2``: ``min_{0 <= k <= N} ||grad f(x_k)||^2 / (2L) <= Delta / (1 + D_N)`` with
  ``D_N = min{h P_N, (1 - h)^{-2N} - 1}``,
  ``p = 2 + h gamma mu / (1 - gamma mu - |1 - h|)``, ``P_N = p N`` for ``h <= 1`` and for
  ``h > 1``: ``P_N = ((1 - h)^{-2N} - 1)/h`` while ``N <= Nbar``, else
  ``P_N = p (N - (-gamma mu) h / (h - gamma mu) sum_{i=1}^{Nbar} T_i)``, with
  ``T_i = (1 - (1 - h)^{-2i})/h - (1 - (1 - gamma mu)^{-2i})/(gamma mu)`` (``+ 2i`` in place
  of the second term when ``mu = 0``) and ``Nbar`` the last ``i`` with ``T_i >= 0`` (0 when
  ``h < 3/(1 + k + sqrt(1 - k + k^2))``, ``k = mu/L``). These are the formulas of the
  authors' code (``teo2605/GD_tight_rates``, ``Compute_rates/get_wc_rate.m``, ``get_PN.m``,
  ``get_Nbar.m``, ``get_Ti.m``), the exact worst case with ``x*`` a global minimiser.
"""

from __future__ import annotations

import math

from pepcert.papers.theorems.classical import gradient_descent
from pepcert.papers.theorems.compare import Close
from pepcert.papers.theorems.core import Theorem
from pepcert.pep.functions import SmoothStronglyConvex
from pepcert.pep.problem import ProblemClass, worst_case

CONVEX = "Drori & Teboulle 2014 (Math. Program. 145, Theorem 3.1)"
NONCONVEX = "Rotaru, Glineur & Patrinos 2024 (arXiv 2406.17506; Abbaszadehpeivasti, de Klerk & Zamani 2022)"


def drori_teboulle_bound(L: float, h: float, N: int) -> float:
    """``L / (4 N h + 2)``: the worst ``f(x_N) - f*`` of gradient descent at step ``h/L`` from
    ``||x_0 - x*||^2 <= 1`` on L-smooth convex functions."""
    return L / (4 * N * h + 2)


def convex_gradient_descent(L, h, N: int) -> tuple[float, float]:
    r"""Gradient descent with step ``h/L``, ``0 < h <= 1``, on L-smooth convex functions:
    ``f(x_N) - f* <= L ||x_0 - x*||^2 / (4 N h + 2)``, tight (Drori & Teboulle 2014).

    Computed: the N-step worst case of ``f(x_N) - f*`` given ``||x_0 - x*||^2 <= 1``
    (:func:`pepcert.pep.problem.worst_case`, class ``SmoothStronglyConvex(0, L)``). Checked to
    1e-8 relative.
    """
    classes = ProblemClass(SmoothStronglyConvex(0, float(L)))
    value = worst_case(gradient_descent(h / L), classes, N, measure="function", initial="distance").value
    return value, drori_teboulle_bound(L, h, N)


def _T(h: float, gmu: float, i: int) -> float:
    """``T_i`` of the module docstring (``gmu = gamma mu``)."""
    first = (1 - (1 - h) ** (-2 * i)) / h
    return first + 2 * i if gmu == 0 else first - (1 - (1 - gmu) ** (-2 * i)) / gmu


def _nbar(h: float, gmu: float, N: int) -> int | float:
    """The last ``i`` with ``T_i >= 0`` (searched up to ``N + 1``: only ``N <= Nbar`` matters)."""
    k = gmu / h
    if h < 3 / (1 + k + math.sqrt(1 - k + k * k)):
        return 0
    if 2 - h - gmu <= 0:
        return math.inf
    i = 0
    while i <= N and _T(h, gmu, i + 1) >= 0:
        i += 1
    return i


def nonconvex_gradient_bound(L: float, mu: float, h: float, N: int) -> float:
    """``2L / (1 + D_N)``: the worst ``min_{k <= N} ||grad f(x_k)||^2`` of gradient descent at
    step ``h/L`` from ``f(x_0) - f* <= 1``, curvature in ``[mu, L]``, ``mu <= 0`` (module
    docstring)."""
    gmu = h * mu / L
    p = 2 + h * gmu / (1 - gmu - abs(1 - h))
    if h <= 1:
        P = p * N
    else:
        nbar = _nbar(h, gmu, N)
        if N > nbar:
            P = p * (N - (-gmu) * h / (h - gmu) * sum(_T(h, gmu, i) for i in range(1, int(nbar) + 1)))
        else:
            P = ((1 - h) ** (-2 * N) - 1) / h
    D = h * P if h == 1 else min(h * P, (1 - h) ** (-2 * N) - 1)
    return 2 * L / (1 + D)


def nonconvex_gradient_descent(L, mu, h, N: int) -> tuple[float, float]:
    r"""Gradient descent with step ``h/L``, ``0 < h < 2``, on L-smooth functions with
    curvature in ``[mu, L]`` (``mu = -L``: every L-smooth function): from
    ``f(x_0) - f* <= 1``, ``min_{0 <= k <= N} ||grad f(x_k)||^2 <= 2L / (1 + D_N)``, tight
    (Rotaru, Glineur & Patrinos 2024; the module docstring gives ``D_N``).

    Computed: the N-step worst case of ``min_k ||grad f(x_k)||^2`` given ``f(x_0) - f* <= 1``
    (:func:`pepcert.pep.problem.worst_case`, measure ``min-gradient``, with ``x*`` a global
    minimiser). Checked to 1e-7 relative.
    """
    classes = ProblemClass(SmoothStronglyConvex(float(mu), float(L)))
    value = worst_case(gradient_descent(h / L), classes, N, measure="min-gradient", initial="function").value
    return value, nonconvex_gradient_bound(L, mu, h, N)


THEOREMS: list[Theorem] = [
    Theorem("gd-convex-drori-teboulle", CONVEX,
            "gradient descent on L-smooth convex functions, step h/L: f(x_N) - f* <= L ||x_0 - x*||^2 / (4Nh + 2), tight",
            convex_gradient_descent, tuple({"L": 1.0, "h": h, "N": N} for h in (0.5, 1.0) for N in range(1, 21)),
            Close(rtol=1e-8), "L / (4Nh + 2)"),
    Theorem("gd-nonconvex-exact", NONCONVEX,
            "gradient descent on L-smooth nonconvex functions, constant step h/L in (0, 2): the exact worst case of "
            "min_k ||grad f(x_k)||^2 from f(x_0) - f* <= 1",
            nonconvex_gradient_descent,
            tuple({"L": 1.0, "mu": -1.0, "h": h, "N": N} for h in (0.5, 1.0, 1.5, 1.9) for N in range(1, 11))
            + tuple({"L": 1.0, "mu": -0.5, "h": h, "N": N} for h in (1.0, 1.5, 1.9) for N in (1, 3, 5)),
            Close(rtol=1e-7), "2L / (1 + D_N) (Rotaru, Glineur & Patrinos)"),
]
