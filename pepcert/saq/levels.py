r"""The smoothness-aware constant of one dithering block: bound it and attain it.

For a block with diagonal entries ``l_j = L_jj > 0`` (``j = 1..D``) and ``s`` levels, the
constant is (``docs/saq.md``, re-derived from the definitions)

    ``c = sup_{u >= 0, ||u|| = 1} (1/s^2) sum_j l_j g(s u_j)``,  ``g(x) = theta (1 - theta)``,
    ``theta = x - floor(x)``.

**Upper bound.** The library's lemma (``pepcert/pep/library/quantizers.py``):
``g(x) - lam x^2 <= 1/(4 (1 + lam))`` for ``lam, x >= 0``, equality at ``x = 1/(2(1 + lam))``.
With ``lam_j = t / l_j`` (``t >= 0``) and ``sum_j (s u_j)^2 = s^2``,

    ``c <= U(t) = (1/s^2) sum_j l_j^2 / (4 (l_j + t)) + t``   for every ``t >= 0``.

``U`` is convex with ``U'(t) = 1 - sum_j (l_j / (2 (l_j + t)))^2 / s^2``. Two cases:

* ``D >= 4 s^2``: ``U'(0) <= 0``, the minimiser ``t*`` solves
  ``sum_j (l_j/(2(l_j + t)))^2 = s^2``, and ``x_j = l_j / (2 (l_j + t*)) <= 1/2`` is feasible
  with equality in every lemma: ``c = U(t*)``, **attained** at ``u = x / s``.
* ``D < 4 s^2``: ``t* = 0`` and ``c <= tr(L_B) / (4 s^2)``, attained only if every
  ``theta_j = 1/2``, i.e. ``4 s^2`` is a sum of ``D`` odd squares. The attained value is then
  found by a search over the integer parts ``k_j = floor(x_j)``: for fixed ``k`` the best
  ``theta`` is exact (below), and ``k`` is searched from the one-large-coordinate starts by
  moves ``k +- e_i``. The result is a value at an explicit ``u``, so a lower bound on ``c``.

**Fixed integer parts.** Maximise ``sum_j l_j theta_j (1 - theta_j)`` over ``theta in [0, 1]^D``
with ``sum_j (k_j + theta_j)^2 = s^2``. For a multiplier ``nu > -min_j l_j`` the Lagrangian
``sum_j l_j theta_j (1 - theta_j) - nu (k_j + theta_j)^2`` is strictly concave per coordinate
(second derivative ``-2 (l_j + nu)``) with maximiser
``theta_j(nu) = clip((l_j - 2 nu k_j) / (2 (l_j + nu)), 0, 1)``, decreasing in ``nu``;
bisection finds ``nu`` with ``sum_j (k_j + theta_j(nu))^2 = s^2``, and that ``theta`` is the
global maximum for this ``k`` (any feasible ``theta'`` has objective = Lagrangian
<= Lagrangian at ``theta(nu)`` = objective there).

**Closed-form bound** (``U(0)`` and ``U`` at ``t = ||l||_2 / (2 s)`` after
``l_j^2/(l_j + t) <= l_j^2 / t``): ``c <= min(tr L_B / (4 s^2), ||diag L_B||_2 / s)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from pepcert.pep.errors import BadInput


@dataclass(frozen=True, eq=False)
class BlockConstants:
    bound: float
    attained: float
    witness: np.ndarray  # unit vector u >= 0 on the block
    simple_bound: float


def lagrangian_bound(l: np.ndarray, s: int, t: float) -> float:
    """``U(t) = (1/s^2) sum_j l_j^2/(4 (l_j + t)) + t`` (a valid bound for every ``t >= 0``)."""
    return float(np.sum(l * l / (4.0 * (l + t))) / s**2 + t)


def block_value(l: np.ndarray, s: int, x: np.ndarray) -> np.ndarray:
    """``(1/s^2) sum_j l_j g(x_j)`` for ``x`` (..., D)."""
    theta = x - np.floor(x)
    return np.sum(l * theta * (1 - theta), axis=-1) / s**2


def _exact_case(l: np.ndarray, s: int) -> BlockConstants:
    """``D >= 4 s^2``: solve ``sum (l/(2(l+t)))^2 = s^2`` for ``t >= 0`` by bisection."""
    def excess(t):
        return float(np.sum((l / (2.0 * (l + t))) ** 2)) - s * s

    lo, hi = 0.0, math.sqrt(len(l)) * float(l.max()) / s
    if excess(lo) > 0:
        for _ in range(200):
            mid = 0.5 * (lo + hi)
            lo, hi = (mid, hi) if excess(mid) > 0 else (lo, mid)
    t = hi if excess(lo) > 0 else lo
    x = l / (2.0 * (l + t))
    return BlockConstants(lagrangian_bound(l, s, t), float(block_value(l, s, x)), x / np.linalg.norm(x), 0.0)


def _fixed_parts(l: np.ndarray, s: int, K: np.ndarray):
    """Best ``x = K + theta`` on ``||x|| = s`` for each row of integer parts ``K`` (C, D):
    ``(values (C,), x (C, D))``; infeasible rows get ``-inf``."""
    target = float(s * s)
    feasible = (np.sum(K * K, axis=1) <= target) & (np.sum((K + 1.0) ** 2, axis=1) >= target)
    lo = np.full(len(K), -float(l.min()) * (1 - 1e-12))
    hi = np.full(len(K), 1e6 * float(l.max()) * (s + 1))

    def theta(nu):
        return np.clip((l - 2.0 * nu[:, None] * K) / (2.0 * (l + nu[:, None])), 0.0, 1.0)

    for _ in range(120):
        mid = 0.5 * (lo + hi)
        heavy = np.sum((K + theta(mid)) ** 2, axis=1) > target
        lo, hi = np.where(heavy, mid, lo), np.where(heavy, hi, mid)
    x = K + theta(0.5 * (lo + hi))
    norms = np.linalg.norm(x, axis=1)
    x = x * (s / np.where(norms > 0, norms, 1.0))[:, None]
    return np.where(feasible, block_value(l, s, x), -np.inf), x


def _starts(D: int, s: int) -> np.ndarray:
    """Integer parts with one large coordinate: ``m e_j`` for small ``m`` and the ``m`` that
    leaves room for ``theta = 1/2`` elsewhere."""
    guess = math.isqrt(max(0, int(math.floor(s * s - (D - 1) / 4))))
    sizes = sorted(set(range(min(s, 64) + 1)) | {m for m in (guess - 1, guess, guess + 1) if 0 <= m <= s})
    K = np.zeros((D * len(sizes), D))
    for row, (j, m) in enumerate((j, m) for j in range(D) for m in sizes):
        K[row, j] = m
    return K


def _search_case(l: np.ndarray, s: int, rounds: int = 200) -> BlockConstants:
    """``D < 4 s^2``: the bound ``tr/(4 s^2)``; the attained value by the integer-part search."""
    D = len(l)
    values, xs = _fixed_parts(l, s, _starts(D, s))
    best = int(np.argmax(values))
    value, x, K = values[best], xs[best], np.floor(xs[best] + 0.0)
    K = np.minimum(K, np.floor(s))
    moves = np.vstack([np.eye(D), -np.eye(D)])
    for _ in range(rounds):
        neighbours = np.maximum(K + moves, 0.0)
        values, xs = _fixed_parts(l, s, neighbours)
        best = int(np.argmax(values))
        if not values[best] > value * (1 + 1e-13):
            break
        value, x, K = values[best], xs[best], neighbours[best]
    return BlockConstants(lagrangian_bound(l, s, 0.0), float(value), x / s, 0.0)


def dithering_block_constants(l, s: int) -> BlockConstants:
    """Bound, attained value and witness of one block (module docstring)."""
    l = np.asarray(l, dtype=float)
    if l.ndim != 1 or len(l) == 0 or not np.all(l > 0) or not np.all(np.isfinite(l)):
        raise BadInput("smoothness-aware dithering needs a smoothness matrix with positive finite diagonal entries")
    result = _exact_case(l, s) if len(l) >= 4 * s * s else _search_case(l, s)
    simple = min(float(l.sum()) / (4 * s * s), float(np.linalg.norm(l)) / s)
    return BlockConstants(result.bound, result.attained, result.witness, simple)
