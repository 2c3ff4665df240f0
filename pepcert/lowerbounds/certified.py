r"""Exact lower bounds: a rational worst-case instance whose rate is proven in rationals.

Given a numerical worst linear instance (:mod:`pepcert.lowerbounds.linear`):

1. *Rational instance.* ``h`` becomes ``mu`` or ``L`` exactly (or a rational in ``[mu, L]``);
   ``alpha`` becomes a rational with ``(alpha - 1)^2 <= 1 - delta`` checked exactly, so
   ``f = h x^2 / 2`` is in the function class and ``C(v) = alpha v`` in the compressor class.
2. *Exact map.* The method's own step, run on symbolic state vectors with rational
   coefficients, gives the rational matrix ``M`` of one step (:func:`linear_map`).
3. *Exact rate.* With ``p`` the characteristic polynomial of ``M``, ``q(w) = p(sqrt w) p(-sqrt w)``
   is a polynomial in ``w`` whose roots in ``[r, inf)`` (``r > 0``) are exactly the squares of
   real eigenvalues ``z`` of ``M`` with ``z^2 >= r``. Sturm's theorem (``sympy``'s exact
   ``count_roots``) proves that such a root exists, so from the eigenvector the method
   contracts no faster than ``r`` per step: ``rho_lower = r``. If ``r >= 1`` the instance
   proves that the method does not converge (a growing or non-decaying mode).

Complex dominant eigenvalues are not handled by this test (it reports no certified bound).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import sympy

from pepcert.pep.numerics.psd import to_fraction
from pepcert.pep.instances import ScalingInstance, linear_map
from pepcert.pep.methods import Method
from pepcert.pep.numerics.numbers import rational_to_str
from pepcert.pep.problem import ProblemClass


@dataclass(frozen=True)
class ExactLowerBound:
    """A rational instance and the rate it is proven to force (``verified``)."""

    h: Fraction
    alpha: Fraction
    matrix: tuple[tuple[Fraction, ...], ...]
    characteristic: tuple[Fraction, ...]  # coefficients of det(z I - M), highest degree first
    rho_lower: Fraction
    verified: bool
    reason: str = ""

    @property
    def non_convergence(self) -> bool:
        return self.verified and self.rho_lower >= 1

    def to_dict(self) -> dict:
        return {
            "instance": {
                "function": "f(x) = h x^2 / 2",
                "compressor": "C(v) = alpha v",
                "h": rational_to_str(self.h),
                "alpha": rational_to_str(self.alpha),
            },
            "matrix": [[rational_to_str(v) for v in row] for row in self.matrix],
            "characteristic_polynomial": [rational_to_str(c) for c in self.characteristic],
            "rho_lower": rational_to_str(self.rho_lower),
        }


def characteristic_polynomial(matrix) -> tuple[Fraction, ...]:
    z = sympy.Symbol("z")
    poly = sympy.Matrix([[sympy.Rational(v.numerator, v.denominator) for v in row] for row in matrix]).charpoly(z)
    return tuple(Fraction(int(c.p), int(c.q)) for c in poly.all_coeffs())


def _squared_root_polynomial(characteristic) -> sympy.Poly:
    """``q(w) = p(sqrt w) p(-sqrt w)`` as an exact polynomial in ``w``."""
    z, w = sympy.symbols("z w")
    p = sympy.Poly([sympy.Rational(c.numerator, c.denominator) for c in characteristic], z)
    product = sympy.Poly(sympy.expand(p.as_expr() * p.as_expr().subs(z, -z)), z)
    coefficients = product.all_coeffs()[::-1]  # lowest degree first; odd ones vanish
    if any(coefficients[k] != 0 for k in range(1, len(coefficients), 2)):
        raise ArithmeticError("p(z) p(-z) is not even")  # cannot happen; guards the algebra
    return sympy.Poly(sum(c * w ** (k // 2) for k, c in enumerate(coefficients) if k % 2 == 0), w)


def proves_rate(characteristic, rho_lower: Fraction) -> bool:
    """Exact: some real eigenvalue ``z`` of the matrix has ``z^2 >= rho_lower`` (> 0)."""
    if rho_lower <= 0:
        return True
    q = _squared_root_polynomial(characteristic)
    bound = sympy.Rational(rho_lower.numerator, rho_lower.denominator)
    return q.count_roots(bound, None) > 0


def instance_in_classes(instance: ScalingInstance, classes: ProblemClass) -> bool:
    """Exact membership: ``mu <= h <= L`` and ``(alpha - 1)^2 <= 1 - delta``."""
    return instance.belongs_to(classes)


def rational_instance(h: float, alpha: float, classes: ProblemClass) -> ScalingInstance:
    """A rational instance in the classes (exactly) next to the numerical ``(h, alpha)``."""
    mu, L = Fraction(classes.function.mu), Fraction(classes.function.L)
    h_q = mu if abs(h - float(mu)) <= 1e-12 * max(1.0, float(L)) else L if abs(h - float(L)) <= 1e-12 * float(L) else to_fraction(h)
    h_q = min(max(h_q, mu), L)
    alpha_q = to_fraction(alpha)
    if classes.compressor is not None:
        bound = 1 - Fraction(classes.compressor.delta)
        shrink = Fraction(1, 1 << 40)
        while (alpha_q - 1) ** 2 > bound:  # pull alpha towards 1 until it is admissible
            alpha_q = 1 + (alpha_q - 1) * (1 - shrink)
            shrink *= 2
    return ScalingInstance(h_q, alpha_q)


def exact_lower_bound(method: Method, classes: ProblemClass, h: float, alpha: float, rho_float: float) -> ExactLowerBound:
    """Rationalise the instance, compute its exact map and prove a rational ``rho_lower``.

    ``method`` must be built with rational parameters (its step then runs exactly).
    ``rho_lower`` starts just below ``rho_float`` and is lowered until the exact root count
    proves it (a few tries at most; the bound is within ~1e-12 of the true value).
    """
    instance = rational_instance(h, alpha, classes)
    if not instance_in_classes(instance, classes):
        return ExactLowerBound(instance.h, instance.alpha, (), (), Fraction(0), False, "instance not in the classes")
    matrix = tuple(tuple(Fraction(v) for v in row) for row in linear_map(method, instance, number=Fraction))
    characteristic = characteristic_polynomial(matrix)
    relative = Fraction(1, 10**12)
    for _ in range(12):
        candidate = to_fraction(rho_float * (1 - float(relative)), 50)
        if candidate <= 0:
            break
        if proves_rate(characteristic, candidate):
            return ExactLowerBound(instance.h, instance.alpha, matrix, characteristic, candidate, True)
        relative *= 10
    return ExactLowerBound(instance.h, instance.alpha, matrix, characteristic, Fraction(0), False, "no real eigenvalue of that size")


def check_lower_bound(method: Method, classes: ProblemClass, h: Fraction, alpha: Fraction, rho_lower: Fraction) -> tuple[bool, str]:
    """Re-verify a lower-bound claim from scratch, exactly (used by ``pepcert check``)."""
    instance = ScalingInstance(Fraction(h), Fraction(alpha))
    if not instance_in_classes(instance, classes):
        return False, "the instance is not in the function or compressor class"
    matrix = linear_map(method, instance, number=Fraction)
    if not proves_rate(characteristic_polynomial(matrix), Fraction(rho_lower)):
        return False, "no real eigenvalue z of the instance's map has z^2 >= rho_lower"
    return True, ""
