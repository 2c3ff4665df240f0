"""2x2 matrices over any scalar type, with the polar factor in closed form.

:class:`Mat2` holds four entries of one arithmetic: Python floats (fast scalar simulation),
Fractions (exact) or rigorous enclosures (Arb balls, with exact ``fmpq`` entries beside them;
:mod:`~pepcert.pep.numerics.intervals`). The same formulas serve all three, so a method
written once runs on each of them.

Closed form of the polar factor (used by the exact certificates). Split

    M = [[a, b], [c, d]] = A + B,   A = [[e, -f], [f, e]],   B = [[g, h], [h, -g]],
    e = (a + d)/2,  f = (c - b)/2,  g = (a - d)/2,  h = (b + c)/2,

a scaled rotation ``A`` (``A^T A = rA^2 I``, ``rA = sqrt(e^2 + f^2)``) and a scaled reflection
``B`` (``B^T B = rB^2 I``, ``rB = sqrt(g^2 + h^2)``). Then ``det M = rA^2 - rB^2``, the singular
values are ``rA + rB`` and ``|rA - rB|``, ``||M||_nuc = 2 max(rA, rB)``, and

    polar(M) = A / rA   if det M > 0,     polar(M) = B / rB   if det M < 0,
    polar(M) = M / ||M||_F   if det M = 0 and M != 0  (rank one: u v^T),

because ``(A/rA)^T M = rA I + (A^T B)/rA`` is symmetric positive semidefinite when
``rA >= rB`` (``A^T B`` is a symmetric matrix with eigenvalues ``+-rA rB``), and symmetrically
for ``B``. On the Muon instances ``M`` is diagonal, ``f = h = 0``, so the square roots are
those of perfect squares and the polar factor is rational: ``polar(diag(m1, m2)) =
diag(sign m1, sign m2)``.

numpy helpers (:func:`polar_svd`, :func:`newton_schulz`) serve general shapes.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from pepcert.pep.numerics.intervals import (
    Undecided,
    as_exact,
    enclose,
    is_enclosure,
    is_exact,
    is_zero,
    lift,
    midpoint_float,
    sign_of,
    working_precision,
)
from pepcert.pep.numerics.roots import sqrt

__all__ = [
    "Mat2",
    "polar",
    "singular_values",
    "nuclear_norm",
    "rank",
    "is_polar_factor",
    "polar_svd",
    "newton_schulz",
    "zeros_like",
    "NEWTON_SCHULZ_CUBIC",
    "NEWTON_SCHULZ_QUINTIC",
]


@dataclass(frozen=True, slots=True)
class Mat2:
    """The 2x2 matrix ``[[a, b], [c, d]]`` (row-major) over one scalar type."""

    a: Any
    b: Any
    c: Any
    d: Any

    @staticmethod
    def diag(x, y) -> Mat2:
        zero = x * 0
        return Mat2(x, zero, zero, y)

    @staticmethod
    def from_array(array) -> Mat2:
        array = np.asarray(array, dtype=float)
        if array.shape != (2, 2):
            raise ValueError("Mat2 needs a 2x2 array")
        return Mat2(float(array[0, 0]), float(array[0, 1]), float(array[1, 0]), float(array[1, 1]))

    def entries(self) -> tuple:
        return (self.a, self.b, self.c, self.d)

    def rows(self) -> list[list]:
        return [[self.a, self.b], [self.c, self.d]]

    def to_float_array(self) -> np.ndarray:
        """Floats (midpoints of enclosures), for display and simulations only."""
        return np.array([[midpoint_float(self.a), midpoint_float(self.b)], [midpoint_float(self.c), midpoint_float(self.d)]])

    # Arithmetic. An exact Fraction meeting an enclosure (Arb ball or fmpq entries) raises
    # TypeError in Python; the operation is then redone with the Fractions lifted to the equal
    # fmpq (:func:`~pepcert.pep.numerics.intervals.lift`): exact, and free on the fast path.
    def __add__(self, other: Mat2) -> Mat2:
        try:
            return Mat2(self.a + other.a, self.b + other.b, self.c + other.c, self.d + other.d)
        except TypeError:
            return _lifted(self) + _lifted(other)

    def __sub__(self, other: Mat2) -> Mat2:
        try:
            return Mat2(self.a - other.a, self.b - other.b, self.c - other.c, self.d - other.d)
        except TypeError:
            return _lifted(self) - _lifted(other)

    def __neg__(self) -> Mat2:
        return Mat2(-self.a, -self.b, -self.c, -self.d)

    def __mul__(self, scalar) -> Mat2:
        if isinstance(scalar, Mat2):
            return NotImplemented
        try:
            return Mat2(self.a * scalar, self.b * scalar, self.c * scalar, self.d * scalar)
        except TypeError:
            return _lifted(self) * lift(scalar)

    def __rmul__(self, scalar) -> Mat2:
        try:
            return Mat2(scalar * self.a, scalar * self.b, scalar * self.c, scalar * self.d)
        except TypeError:
            return lift(scalar) * _lifted(self)

    def __truediv__(self, scalar) -> Mat2:
        try:
            return Mat2(self.a / scalar, self.b / scalar, self.c / scalar, self.d / scalar)
        except TypeError:
            return _lifted(self) / lift(scalar)

    def __matmul__(self, other: Mat2) -> Mat2:
        try:
            return Mat2(
                self.a * other.a + self.b * other.c,
                self.a * other.b + self.b * other.d,
                self.c * other.a + self.d * other.c,
                self.c * other.b + self.d * other.d,
            )
        except TypeError:
            return _lifted(self) @ _lifted(other)

    @property
    def T(self) -> Mat2:
        return Mat2(self.a, self.c, self.b, self.d)

    def trace(self):
        return self.a + self.d

    def det(self):
        return self.a * self.d - self.b * self.c

    def inner(self, other: Mat2):
        """Frobenius inner product ``<self, other> = tr(self^T other)``."""
        return self.a * other.a + self.b * other.b + self.c * other.c + self.d * other.d

    def frobenius_squared(self):
        return self.inner(self)

    def is_zero(self) -> bool:
        return all(is_zero(x) for x in self.entries())


#: The exact entries of a diagonal polar factor, as Fractions and (beside balls) as fmpq.
_UNITS = {s: Fraction(s) for s in (-1, 0, 1)}
_BALL_UNITS = {s: lift(Fraction(s)) for s in (-1, 0, 1)}


def _lifted(M: Mat2) -> Mat2:
    """``M`` with Fraction entries replaced by the equal ``fmpq`` (TypeError for floats and
    anything else that has no place in an exact computation)."""
    return Mat2(*(lift(x) for x in M.entries()))


def zeros_like(W):
    """A zero of the same kind as ``W`` (Mat2 of exact zeros, of exact zero balls, of floats,
    or numpy zeros)."""
    if isinstance(W, Mat2):
        if is_enclosure(W.a):
            zero: Any = enclose(0)
        else:
            zero = Fraction(0) if not isinstance(W.a, float) else 0.0
        return Mat2(zero, zero, zero, zero)
    return np.zeros_like(np.asarray(W, dtype=float))


def _is_float(x) -> bool:
    return isinstance(x, float)


def _sqrt(x):
    """The root of a sum of squares (known ``>= 0``) in the arithmetic of ``x``."""
    return sqrt(x, nonnegative=True)


def _parts(M: Mat2):
    e = (M.a + M.d) / 2
    f = (M.c - M.b) / 2
    g = (M.a - M.d) / 2
    h = (M.b + M.c) / 2
    return e, f, g, h


def _radii(M: Mat2):
    """``e, f, g, h, rA, rB``; when a radius is irrational (a ball), all six in ball arithmetic
    (at the working precision; floats never enter it)."""
    e, f, g, h = _parts(M)
    if _is_float(e):
        return e, f, g, h, _sqrt(e * e + f * f), _sqrt(g * g + h * h)
    with working_precision():
        values = (e, f, g, h, _sqrt(e * e + f * f), _sqrt(g * g + h * h))
        if any(is_enclosure(v) for v in values):
            values = tuple(lift(v) for v in values)
    return values


def _det_sign(M: Mat2) -> int:
    det = M.det()
    return sign_of(det)


def polar(M):
    """The polar factor ``U V^T`` of ``M = U diag(sigma) V^T`` (compact SVD).

    ``Mat2``: the closed form of the module docstring (exact for Fractions whose radii are
    rational, rigorous for intervals, raises :class:`Undecided` when the sign of ``det M``
    cannot be decided). numpy arrays: :func:`polar_svd`. The polar factor of 0 is 0.
    """
    if not isinstance(M, Mat2):
        return polar_svd(M)
    if M.is_zero():
        return zeros_like(M) if not _is_float(M.a) else Mat2(0.0, 0.0, 0.0, 0.0)
    if _is_exact_diagonal(M):
        # f = h = 0: the closed form reduces to diag(sign a, sign d) (rank one: one sign 0);
        # computed without square roots, so large exact entries stay cheap. With enclosures
        # of a and d (exact zeros off the diagonal) whose signs are decided, every matrix in
        # the enclosure has this same polar factor (Undecided otherwise).
        units = _BALL_UNITS if is_enclosure(M.a) or is_enclosure(M.d) else _UNITS  # exact, in M's arithmetic
        return Mat2(units[sign_of(M.a)], units[0], units[0], units[sign_of(M.d)])
    if _is_float(M.a):
        return _closed_form_polar(M)
    with working_precision():  # irrational radii: balls at the working precision
        return _closed_form_polar(M)


def _closed_form_polar(M: Mat2) -> Mat2:
    e, f, g, h, rA, rB = _radii(M)
    orientation = _det_sign(M)
    if orientation > 0:
        return Mat2(e / rA, -f / rA, f / rA, e / rA)
    if orientation < 0:
        return Mat2(g / rB, h / rB, h / rB, -g / rB)
    return M / _sqrt(M.frobenius_squared())


def _is_exact_diagonal(M: Mat2) -> bool:
    """Off-diagonal entries exactly zero, diagonal entries exact or enclosures (not floats)."""
    return not _is_float(M.a) and not _is_float(M.d) and not _is_float(M.b) and not _is_float(M.c) \
        and is_zero(M.b) and is_zero(M.c)


def singular_values(M: Mat2):
    """``(sigma_1, sigma_2) = (rA + rB, |rA - rB|)``."""
    *_, rA, rB = _radii(M)  # floats; or exact radii, or balls (computed inside working_precision)
    return rA + rB, abs(rA - rB)


def nuclear_norm(M):
    """``||M||_nuc = sum of singular values`` (``2 max(rA, rB)`` for 2x2)."""
    if not isinstance(M, Mat2):
        return float(np.linalg.svd(np.asarray(M, dtype=float), compute_uv=False).sum())
    *_, rA, rB = _radii(M)
    if _is_float(rA):
        return 2 * max(rA, rB)
    return 2 * rA if sign_of(rA - rB) >= 0 else 2 * rB


def rank(M, tolerance: float = 1e-12) -> int:
    """Rank: exact for exact Mat2 (``det`` and zero tests), relative tolerance for floats."""
    if not isinstance(M, Mat2):
        s = np.linalg.svd(np.asarray(M, dtype=float), compute_uv=False)
        return int(np.sum(s > tolerance * max(s[0], 1e-300))) if s.size and s[0] > 0 else 0
    if _is_float(M.a):
        s1, s2 = singular_values(M)
        if s1 == 0:
            return 0
        return 2 if s2 > tolerance * s1 else 1
    if M.is_zero():
        return 0
    return 2 if _det_sign(M) != 0 else 1


def is_polar_factor(M: Mat2, U: Mat2) -> bool:
    """Exact check that ``U = polar(M)`` for an exact nonsingular ``M``.

    For nonsingular ``M`` the polar decomposition ``M = U S`` with ``U`` orthogonal and ``S``
    symmetric positive definite is unique, so it suffices to check ``U^T U = I`` and that
    ``S = U^T M`` is symmetric with ``tr S > 0`` and ``det S > 0``. Rank-one ``M``: check
    ``U = M / ||M||_F`` exactly. A diagonal ``M`` may be an enclosure (balls on the diagonal,
    exact zeros off it): the check then holds for every matrix in it (decided signs
    ``u_1 a > 0``, ``u_2 d > 0``). Any other entry that is not exact fails the check.
    """
    values = M.entries() + U.entries()
    if any(isinstance(x, float) for x in values):
        return False
    if not all(is_exact(x) for x in M.entries()):
        return _is_polar_of_diagonal_enclosure(M, U)
    if not all(is_exact(x) for x in U.entries()):
        return False
    M = Mat2(*(as_exact(x) for x in M.entries()))
    U = Mat2(*(as_exact(x) for x in U.entries()))
    if M.b == M.c == 0 and M.a != 0 and M.d != 0:
        # Nonsingular diagonal M: U is its polar factor iff U = diag(u1, u2) with u_i = +-1
        # and U^T M = diag(u1 a, u2 d) positive definite, i.e. u1 a > 0 and u2 d > 0.
        return U.b == U.c == 0 and U.a in (1, -1) and U.d in (1, -1) and U.a * M.a > 0 and U.d * M.d > 0
    det = M.det()
    if det != 0:
        identity = U.T @ U
        if identity != Mat2(Fraction(1), Fraction(0), Fraction(0), Fraction(1)):
            return False
        S = U.T @ M
        return S.b == S.c and S.trace() > 0 and S.det() > 0
    if M.is_zero():
        return U.is_zero()
    norm = sqrt(M.frobenius_squared())
    if is_enclosure(norm):
        return False
    return U == M / norm


def _is_polar_of_diagonal_enclosure(M: Mat2, U: Mat2) -> bool:
    """``U = diag(+-1, +-1)`` exactly and ``U^T M`` positive definite for every diagonal ``M``
    in the enclosure (uniqueness of the polar factor of a nonsingular matrix)."""
    if not (_is_exact_diagonal(M) and all(is_exact(x) for x in U.entries())):
        return False
    U = _lifted(U)  # exact comparisons with the integers below (fmpq or int entries)
    try:
        return U.b == U.c == 0 and U.a in (1, -1) and U.d in (1, -1) and sign_of(M.a) == U.a and sign_of(M.d) == U.d
    except Undecided:
        return False


def polar_svd(M) -> np.ndarray:
    """``U V^T`` from the thin SVD of a real matrix (numerical rank with a relative
    tolerance of ``1e-12``; directions of zero singular values are dropped)."""
    M = np.asarray(M, dtype=float)
    U, s, Vt = np.linalg.svd(M, full_matrices=False)
    if s.size == 0 or s[0] == 0:
        return np.zeros_like(M)
    keep = s > 1e-12 * s[0]
    return (U[:, keep]) @ Vt[keep, :]


#: ``X <- 1.5 X - 0.5 X X^T X`` (classical cubic Newton-Schulz iteration for the polar factor).
NEWTON_SCHULZ_CUBIC = (1.5, -0.5, 0.0)
#: Quintic coefficients used by the public Muon implementations (Jordan et al., 2024):
#: ``X <- a X + b (X X^T) X + c (X X^T)^2 X``; fast but only approximately orthogonal.
NEWTON_SCHULZ_QUINTIC = (3.4445, -4.7750, 2.0315)


def newton_schulz(M, steps: int = 5, coefficients=NEWTON_SCHULZ_CUBIC):
    """Approximate ``polar(M)`` by ``steps`` Newton-Schulz iterations from ``M / ||M||_F``.

    Works on numpy arrays and on float :class:`Mat2`. Never used by a certificate: it maps
    each singular value through a polynomial, so it is not exactly orthogonal.
    """
    a, b, c = coefficients
    if isinstance(M, Mat2):
        if M.is_zero():
            return M
        if _is_float(M.a):
            X = M / M.frobenius_squared() ** 0.5
        else:  # exact input or enclosures: rigorous balls of the same polynomial map
            return _newton_schulz_enclosure(M, steps, coefficients)
        for _ in range(steps):
            A = X @ X.T
            B = b * A + c * (A @ A)
            X = a * X + B @ X
        return X
    M = np.asarray(M, dtype=float)
    norm = np.linalg.norm(M)
    if norm == 0:
        return M.copy()
    X = M / norm
    for _ in range(steps):
        A = X @ X.T
        X = a * X + (b * A + c * A @ A) @ X
    return X


def _newton_schulz_enclosure(M: Mat2, steps: int, coefficients) -> Mat2:
    """:func:`newton_schulz` on an exact or enclosed ``M`` in balls: every entry of the result
    contains the exact value of the iteration (coefficients read exactly from their decimals)."""
    from flint import fmpq

    a, b, c = (fmpq(*Fraction(str(x)).as_integer_ratio()) for x in coefficients)
    with working_precision():
        X = Mat2(*(enclose(x) for x in M.entries()))
        X = X / sqrt(X.frobenius_squared(), nonnegative=True)
        for _ in range(steps):
            A = X @ X.T
            X = a * X + (b * A + c * (A @ A)) @ X
    return X
