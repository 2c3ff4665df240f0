"""Function classes and their interpolation inequalities, plus concrete test functions.

A worst-case problem is exact when its constraints are *interpolation* conditions: a set of
triples ``(x_i, g_i, f_i)`` satisfies them iff some function of the class has
``f(x_i) = f_i`` and ``g_i`` in its (sub)differential at ``x_i`` (Taylor, Hendrickx &
Glineur, *Smooth strongly convex interpolation and exact worst-case performance of first-order
methods*, Math. Program. 2017). Each class returns its inequalities as
:class:`~pepcert.pep.expressions.Scalar` s that must be ``<= 0``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from typing import Any

import numpy as np

from pepcert.pep.errors import BadInput
from pepcert.pep.expressions import Scalar, Vector, inner, norm2
from pepcert.pep.numerics.numbers import exact_number, is_symbolic, require, show


@dataclass(frozen=True)
class Point:
    """An oracle point of a problem: ``x``, a (sub)gradient ``g`` there and ``f(x) - f*``."""

    name: str
    x: Vector
    g: Vector
    f: Scalar
    agents: tuple = ()  # n agents: agent i's Point (x, grad f_i(x), f_i(x) - f_i(x*)); g, f are the means


@dataclass(frozen=True)
class SmoothStronglyConvex:
    r"""``F_{mu,L}``: L-smooth functions with curvature in ``[mu, L]`` (``-L <= mu <= L``):
    mu-strongly convex for ``mu > 0``, convex for ``mu = 0`` (:func:`smooth_convex`),
    hypoconvex (``mu``-weakly convex) for ``-L < mu < 0``, L-smooth nonconvex for
    ``mu = -L`` (:func:`smooth_nonconvex`; every L-smooth function has curvature in ``[-L, L]``)
    and the quadratics ``L/2 ||x - c||^2 + b`` for ``mu = L``.

    Interpolation, ``mu < L``: triples ``{(x_i, g_i, f_i)}`` are interpolable by a function of
    ``F_{mu,L}`` iff for all i != j

    .. math::
        f_i \ge f_j + \langle g_j, x_i - x_j\rangle + \frac{1}{2(1-\mu/L)}\Big(
            \tfrac1L\|g_i-g_j\|^2 + \mu\|x_i-x_j\|^2 - 2\tfrac{\mu}{L}\langle g_j-g_i, x_j-x_i\rangle\Big).

    Necessary and sufficient for ``0 <= mu < L`` (Taylor, Hendrickx & Glineur, Math. Program.
    2017, Theorem 4), for ``mu = -L`` (Taylor, Hendrickx & Glineur, SIAM J. Optim. 2017,
    Theorem 3.10: smooth nonconvex interpolation) and for ``-L < mu < 0`` (Rotaru, Glineur &
    Patrinos, *Exact worst-case convergence rates of gradient descent: a complete analysis for
    all constant stepsizes over nonconvex and convex functions*, arXiv 2406.17506, and their
    hypoconvex paper, arXiv 2203.00775: the same formula).

    **The optimum.** The problem's point ``x*`` (``g* = 0``, ``f*``) is a global minimiser.
    For ``mu >= 0`` interpolation with it implies that; for ``mu < 0`` a stationary point need
    not be one, and :meth:`optimality` adds ``f_k - f* >= ||g_k||^2 / (2L)`` at every other
    point (necessary: ``f(x - g/L) <= f(x) - ||g||^2/(2L)`` for L-smooth ``f``; it is the
    convention of Rotaru, Glineur & Patrinos, whose worst cases from ``f(x_0) - f* <= 1`` it
    reproduces; a relaxation otherwise, so the values are valid bounds).

    **Quadratics,** ``mu = L`` (:attr:`quadratic`). ``f`` is L-strongly convex and L-smooth iff
    ``f - L/2 ||x||^2`` is convex and concave, i.e. affine: ``F_{L,L} = {L/2 ||x - c||^2 + b}``.
    Triples are interpolable by such an ``f`` iff for all i != j

    .. math::
        g_i - g_j = L (x_i - x_j), \qquad
        f_i - f_j = \langle g_j, x_i - x_j\rangle + \tfrac L2 \|x_i - x_j\|^2 .

    Necessary: ``grad f(x) = L (x - c)`` and the expansion of ``f(x_i)`` around ``x_j`` is exact.
    Sufficient: take ``c = x_1 - g_1/L``, ``b = f_1 - ||g_1||^2/(2L)``; then
    ``grad f(x_i) = g_1 + L (x_i - x_1) = g_i`` and ``f(x_i) = f_1 + <g_1, x_i - x_1> +
    L/2 ||x_i - x_1||^2 = f_i``. The pairs with the first point ``x_1`` imply the others (both
    identities are linear in ``u_i = g_i - g_1 - L (x_i - x_1)`` and the value defects), so
    :meth:`equalities` states these, as equalities ``== 0``, and :meth:`interpolation` has no
    inequality. A vector identity ``u = 0`` is stated through the Gram matrix ``G`` (PSD):
    ``<u, b> = 0`` for every basis vector ``b``, i.e. ``G a = 0`` for the coefficients ``a``
    of ``u`` (:meth:`pepcert.pep.trace.Trace.equalities` states an independent subset; the
    N-step solver restricts ``G`` to that face instead, :mod:`pepcert.pep.backends`).
    """

    mu: Any  # a number of any arithmetic: float, Fraction, sympy
    L: Any

    def __post_init__(self):
        # Exact comparisons (never float()): mu = -1/10^400 is negative.
        mu, L = exact_number(self.mu, "mu"), exact_number(self.L, "L")
        if not is_symbolic(L):
            require(L > 0, lambda: f"L must be positive, got {show(self.L)}")
        if not (is_symbolic(mu) or is_symbolic(L)):
            require(mu <= L, lambda: f"mu must be at most L (got mu = {show(self.mu)}, L = {show(self.L)})")
            require(mu >= -L, lambda: f"mu must be at least -L: every L-smooth function has curvature >= -L "
                    f"(got mu = {show(self.mu)}, L = {show(self.L)}; mu = -L is the nonconvex class)")

    @cached_property
    def quadratic(self) -> bool:
        """``mu = L``: the class is ``{L/2 ||x - c||^2 + b}`` (exact; symbolic constants: False)."""
        if is_symbolic(self.mu) or is_symbolic(self.L):
            return False
        return bool(exact_number(self.mu, "mu") == exact_number(self.L, "L"))

    def interpolation(self, points: Sequence[Point]) -> list[tuple[str, Scalar]]:
        if self.quadratic:
            return []  # only equalities (:meth:`equalities`)
        mu, L = self.mu, self.L
        scale = L / (2 * (L - mu))  # = 1 / (2 (1 - mu/L)), exact for rationals
        constraints = []
        for i, pi in enumerate(points):
            for j, pj in enumerate(points):
                if i == j:
                    continue
                dx, dg = pi.x - pj.x, pi.g - pj.g
                curvature = norm2(dg) / L + mu * norm2(dx) - (2 * mu / L) * inner(dg, dx)
                constraint = pj.f - pi.f + inner(pj.g, dx) + scale * curvature
                constraints.append((f"interpolation({pi.name},{pj.name})", constraint))
        return constraints

    def optimality(self, points: Sequence[Point]) -> list[tuple[str, Scalar]]:
        """Inequalities ``<= 0`` saying ``points[0]`` (the optimum) is a global minimiser,
        beyond what :meth:`interpolation` implies: none for ``mu >= 0``; for ``mu < 0``
        ``||g_k||^2/(2L) - (f_k - f*) <= 0`` at every other point (class docstring)."""
        if self.convex:
            return []
        return minimum_conditions(points, self.L)

    @cached_property
    def convex(self) -> bool:
        """``mu >= 0`` (exact; symbolic constants count as convex)."""
        mu = exact_number(self.mu, "mu")
        return is_symbolic(mu) or bool(mu >= 0)

    def equalities(self, points: Sequence[Point]) -> list[tuple[str, object]]:
        """Interpolation equalities ``== 0`` (scalars, and vectors ``u = 0``): those of a
        quadratic class (``mu = L``), else none."""
        return quadratic_equalities(points, self.L) if self.quadratic else []

    def describe(self) -> str:
        mu, L = show(self.mu), show(self.L)
        if self.quadratic:
            return f"quadratic L/2 ||x - c||^2 + b (mu = L = {L})"
        exact_mu = exact_number(self.mu, "mu")
        if is_symbolic(exact_mu) or exact_mu > 0:
            return f"L-smooth mu-strongly convex, mu = {mu}, L = {L}"
        if exact_mu == 0:
            return f"L-smooth convex, L = {L}"
        if exact_mu == -exact_number(self.L, "L"):
            return f"L-smooth nonconvex (curvature in [-L, L]), L = {L}"
        return f"L-smooth hypoconvex (curvature in [mu, L]), mu = {mu}, L = {L}"

    # -- the class protocol (docs/architecture.md, "Classes") ------------------------------
    def converted(self, number) -> SmoothStronglyConvex:
        """The same class with its numbers converted by ``number`` (float, exact, sympy)."""
        return SmoothStronglyConvex(number(self.mu), number(self.L))

    def numbers(self) -> dict:
        return {"mu": self.mu, "L": self.L}

    def to_entry(self) -> dict:
        return {"type": "SmoothStronglyConvex", **self.numbers()}

    def curvature_bounds(self) -> tuple:
        """Every function of the class has curvature in ``[mu, L]``."""
        return self.mu, self.L

    def step_scale(self) -> float:
        """The natural scale of a step size, ``1/L``."""
        return 1.0 / float(self.L)

    def _lowest_instance(self):
        """The smallest curvature of an instance ``h x^2/2`` minimised at 0: ``max(mu, 0)``."""
        return self.mu if self.convex else 0 * self.L

    def scaling_curvatures(self, thorough: bool = False) -> list:
        """Curvatures ``h`` of the lower-bound instances ``f = h x^2/2`` (minimised at 0, so
        ``h >= 0`` even when ``mu < 0``): ``max(mu, 0)`` and ``L`` (and interior ones when
        ``thorough``; ``L`` alone for a quadratic class)."""
        low, L = float(self._lowest_instance()), float(self.L)
        if self.quadratic:
            return [L]
        return list(np.linspace(low, L, 17)) if thorough else [low, L]

    def admits_curvature(self, h) -> bool:
        """Exact: ``h x^2/2`` is in the class with its minimiser at 0 iff ``max(mu, 0) <= h <= L``
        (``h = L`` for a quadratic class)."""
        if self.quadratic:
            return bool(h == self.L)
        return bool(self._lowest_instance() <= h <= self.L)

    def rational_curvature(self, h: float) -> Fraction:
        """A rational curvature in ``[max(mu, 0), L]`` next to ``h`` (an end when ``h`` is one)."""
        mu, L = Fraction(self._lowest_instance()), Fraction(self.L)
        tolerance = 1e-12 * max(1.0, float(L))
        if abs(h - float(mu)) <= tolerance:
            return mu
        if abs(h - float(L)) <= tolerance:
            return L
        return min(max(Fraction(h).limit_denominator(1 << 40), mu), L)


def smooth_convex(L) -> SmoothStronglyConvex:
    """L-smooth convex functions, ``F_{0,L}``."""
    return SmoothStronglyConvex(0, L)


def smooth_nonconvex(L) -> SmoothStronglyConvex:
    """L-smooth (possibly nonconvex) functions, ``F_{-L,L}``: curvature in ``[-L, L]``."""
    return SmoothStronglyConvex(-L, L)


def minimum_conditions(points: Sequence[Point], L) -> list[tuple[str, Scalar]]:
    """``||g_k||^2 / (2L) - (f_k - f*) <= 0`` for every point after ``points[0]`` (the
    optimum): an L-smooth function's value at ``x_k`` exceeds its global minimum by at least
    that much (one gradient step of length ``1/L`` from ``x_k`` decreases it so)."""
    optimum = points[0]
    return [(f"minimum({point.name})", norm2(point.g) / (2 * L) - (point.f - optimum.f)) for point in points[1:]]


@dataclass(frozen=True)
class ConvexLipschitz:
    r"""Convex functions with subgradients bounded by ``M`` (M-Lipschitz).

    Interpolation (Taylor, Hendrickx & Glineur 2017, Theorem 3.5 / Drori & Teboulle):
    ``f_i >= f_j + <g_j, x_i - x_j>`` for all i != j and ``||g_i||^2 <= M^2``.
    """

    M: Any

    def __post_init__(self):
        M = exact_number(self.M, "M")
        if not is_symbolic(M):
            require(M > 0, lambda: f"the Lipschitz constant M must be positive, got {show(self.M)}")

    def interpolation(self, points: Sequence[Point]) -> list[tuple[str, Scalar]]:
        constraints = []
        for i, pi in enumerate(points):
            for j, pj in enumerate(points):
                if i != j:
                    constraints.append(
                        (f"interpolation({pi.name},{pj.name})", pj.f - pi.f + inner(pj.g, pi.x - pj.x))
                    )
        for point in points:
            if not point.g.is_zero():
                constraints.append((f"lipschitz({point.name})", norm2(point.g) - self.M**2))
        return constraints

    def optimality(self, points: Sequence[Point]) -> list[tuple[str, Scalar]]:
        """None: for a convex class ``g* = 0`` makes the optimum a global minimiser."""
        return []

    def describe(self) -> str:
        return f"convex M-Lipschitz, M = {show(self.M)}"

    # -- the class protocol: no scaling instances, no step scale ---------------------------
    def converted(self, number) -> ConvexLipschitz:
        return ConvexLipschitz(number(self.M))

    def numbers(self) -> dict:
        return {"M": self.M}

    def to_entry(self) -> dict:
        return {"type": "ConvexLipschitz", **self.numbers()}

    def curvature_bounds(self) -> tuple:
        """Convex (curvature >= 0) and not smooth (no upper bound)."""
        return 0, None

    def step_scale(self):
        return None

    def scaling_curvatures(self, thorough: bool = False) -> list:
        """None: a convex Lipschitz class has no linear worst-case instances here."""
        return []

    def admits_curvature(self, h) -> bool:
        return False

    def rational_curvature(self, h: float) -> Fraction:
        raise BadInput("a convex Lipschitz class has no scaling instances")

    def equalities(self, points: Sequence[Point]) -> list[tuple[str, Scalar]]:
        return []


def quadratic_equalities(points: Sequence[Point], L) -> list[tuple[str, object]]:
    r"""The interpolation equalities of ``{L/2 ||x - c||^2 + b}`` on ``points`` (each ``== 0``).

    With ``x_1, g_1, f_1`` the first point and ``d_i = x_i - x_1`` (i >= 2): the value identities
    ``f_i - f_1 - <g_1, d_i> - L/2 ||d_i||^2 = 0`` (:class:`Scalar` s) and the vector identities
    ``u_i = g_i - g_1 - L d_i = 0`` (:class:`Vector` s; the problem states each through its Gram
    matrix, :meth:`pepcert.pep.trace.Trace.equalities`).
    """
    if len(points) < 2:
        return []
    first = points[0]
    half = L * Fraction(1, 2) if isinstance(L, (int, Fraction)) else L / 2
    values, vectors = [], []
    for point in points[1:]:
        d = point.x - first.x
        values.append((f"quadratic({point.name},{first.name})", point.f - first.f - inner(first.g, d) - half * norm2(d)))
        vectors.append((f"quadratic-gradient({point.name},{first.name})", point.g - first.g - L * d))
    return values + vectors


# ---------------------------------------------------------------------------------------
# Concrete functions (numpy), for simulations and explicit instances
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Quadratic:
    """``f(x) = 1/2 x^T H x`` with a symmetric ``H``; its minimiser is ``x* = 0``, ``f* = 0``."""

    hessian: np.ndarray

    @staticmethod
    def diagonal(eigenvalues) -> Quadratic:
        return Quadratic(np.diag(np.asarray(eigenvalues, dtype=float)))

    def value(self, x):
        return 0.5 * float(x @ self.hessian @ x)

    def gradient(self, x):
        return self.hessian @ x

    @property
    def minimizer(self):
        return np.zeros(self.hessian.shape[0])

    @property
    def minimum(self) -> float:
        return 0.0

    def belongs_to(self, function_class: SmoothStronglyConvex) -> bool:
        eigenvalues = np.linalg.eigvalsh(self.hessian)
        tolerance = 1e-12 * max(1.0, float(function_class.L))
        return bool(
            eigenvalues.min() >= float(function_class.mu) - tolerance
            and eigenvalues.max() <= float(function_class.L) + tolerance
        )


@dataclass(frozen=True)
class ScalarQuadratic:
    """``f(x) = h x^2 / 2`` in one dimension, with exact (rational) curvature ``h``.

    Used by the lower-bound constructions: on it every method here is a linear map.
    """

    h: Fraction

    def value(self, x):
        return self.h * x * x / 2

    def gradient(self, x):
        return self.h * x

    @property
    def minimizer(self):
        return 0

    @property
    def minimum(self):
        return 0

    def belongs_to(self, function_class: SmoothStronglyConvex) -> bool:
        """Exact membership: ``mu <= h <= L`` (compared as rationals when possible)."""
        return bool(function_class.mu <= self.h <= function_class.L)
