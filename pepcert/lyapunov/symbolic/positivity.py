r"""Exact, solver-free sign tests on a *box*: the positivity engine of the symbolic verifier.

A :class:`Box` writes each coordinate of a proof (the parameters, or a chart's coordinates) as
a rational expression in *free variables*, each either ``> 0`` (``positive``) or ``>= 0``
(``nonnegative``, a slack that reaches a closed end of a range). A value is *manifestly
nonnegative* on the box when, composed with the box, it is a ratio of polynomials in the free
variables whose coefficients are all ``>= 0`` and whose denominator has a monomial with a
positive coefficient free of slacks (so it is ``> 0`` for every point of the box, slacks at 0
included). This is a sufficient, conservative test (it rejects ``(t - 1)^2``); it needs no
solver and no floating point, and it is what the positivity certificates of Thomsen, Taylor
& Dieuleveut (2025) reduce to after their substitutions.

Composition is done on sparse polynomials (:mod:`sympy.polys`) without intermediate
cancellation; only when the sign pattern is not manifest is the fraction reduced and tested
again (a common factor can hide a manifest sign).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

import sympy
from sympy.polys.fields import field


class NotRational(ArithmeticError):
    """An expression that is not a rational function of the box's coordinates (so no sign
    test applies to it)."""


def is_zero(expression) -> bool:
    """Exact test that a rational expression vanishes identically."""
    return sympy.cancel(sympy.together(sympy.sympify(expression))) == 0


def _signs_allow(numerator, denominator, slacks) -> bool:
    """Numerator and denominator (ring elements) both with coefficients ``>= 0`` (or both
    ``<= 0``), the denominator with a nonzero monomial free of the ``slacks`` indices."""
    if numerator == 0:
        return True
    num = numerator.coeffs()
    den = list(denominator.terms())
    free_of_slack = any(all(monomial[i] == 0 for i in slacks) for monomial, _ in den)
    if all(c >= 0 for c in num) and all(c >= 0 for _, c in den):
        return free_of_slack
    if all(c <= 0 for c in num) and all(c <= 0 for _, c in den):
        return free_of_slack
    return False


def _compose(polynomial, images, ring):
    """``polynomial(N_1/D_1, ..., N_n/D_n)`` as ``(numerator, prod_i D_i^{deg_i})``."""
    count = len(images)
    degrees = [max((m[i] for m in polynomial.monoms()), default=0) for i in range(count)]
    powers: dict = {}

    def power(i: int, which: int, exponent: int):
        key = (i, which, exponent)
        if key not in powers:
            powers[key] = images[i][which] ** exponent if exponent else ring.one
        return powers[key]

    numerator = ring.zero
    for monomial, coefficient in polynomial.terms():
        term = ring.ground_new(coefficient)
        for i, exponent in enumerate(monomial):
            if degrees[i]:
                term = term * power(i, 0, exponent) * power(i, 1, degrees[i] - exponent)
        numerator += term
    denominator = ring.one
    for i in range(count):
        if degrees[i]:
            denominator = denominator * power(i, 1, degrees[i])
    return numerator, denominator


@dataclass(frozen=True)
class Box:
    """Coordinates as rational expressions in free variables (``positive`` > 0, ``nonnegative``
    >= 0). The set of coordinates the box reaches is the set a proof is valid on.

    Attributes:
        coordinates: the coordinate symbols, in order (the variables of :attr:`field`).
        images: coordinate -> expression in the free variables.
        positive: free variables ``> 0``.
        nonnegative: free variables ``>= 0`` (slacks).
    """

    coordinates: tuple
    images: Mapping
    positive: tuple
    nonnegative: tuple = ()

    @cached_property
    def field(self):
        """Rational functions of the coordinates over the rationals (exact arithmetic)."""
        return field(self.coordinates, sympy.QQ)[0]

    @cached_property
    def _free(self):
        variables = tuple(self.positive) + tuple(self.nonnegative)
        free_field = field(variables, sympy.QQ)[0]
        images = []
        for coordinate in self.coordinates:
            value = free_field.from_expr(sympy.sympify(self.images[coordinate]))
            images.append((value.numer, value.denom))
        slacks = tuple(range(len(self.positive), len(variables)))
        return free_field, images, slacks

    def element(self, value):
        """``value`` (a sympy expression in the coordinates, or already an element); raises
        :class:`NotRational` for anything else (another symbol, a square root, ...)."""
        owner = getattr(value, "field", None)
        if owner is not None and owner == self.field:
            return value
        expression = value.as_expr() if owner is not None else sympy.sympify(value)
        try:
            return self.field.from_expr(expression)
        except (ValueError, sympy.polys.polyerrors.BasePolynomialError):
            raise NotRational(f"not a rational function of {self.coordinates}: {expression}") from None

    def _composed(self, value):
        value = self.element(value)
        free_field, images, slacks = self._free
        ring = free_field.ring
        top, top_scale = _compose(value.numer, images, ring)
        bottom, bottom_scale = _compose(value.denom, images, ring)
        return free_field, top * bottom_scale, bottom * top_scale, slacks

    @cached_property
    def _memo(self) -> dict:
        """Answers already computed on this box (a cache: the box itself never changes)."""
        return {}

    def remember(self, key, compute):
        """``compute()``, remembered on this box under ``key``."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def _remembered(self, kind: str, value, test) -> bool:
        value = self.element(value)
        if value != 0 and kind != "continuous":  # the sign tests are invariant under c > 0
            scale = value.numer.LC / value.denom.LC
            key = (kind, value / abs(scale))
        else:
            key = (kind, value)
        return self.remember(key, lambda: test(value))

    def nonnegative_value(self, value) -> bool:
        """Whether ``value`` is manifestly ``>= 0`` on the box (see the module docstring)."""
        return self._remembered("nonnegative", value, self._nonnegative)

    def _nonnegative(self, value) -> bool:
        free_field, numerator, denominator, slacks = self._composed(value)
        if _signs_allow(numerator, denominator, slacks):
            return True
        reduced = free_field(numerator) / free_field(denominator)
        return _signs_allow(reduced.numer, reduced.denom, slacks)

    def positive_value(self, value) -> bool:
        """Whether ``value`` is manifestly ``> 0``: ``>= 0`` and its numerator has a nonzero
        monomial free of slacks (so it does not vanish anywhere on the box)."""
        return self._remembered("positive", value, self._positive)

    def _positive(self, value) -> bool:
        free_field, numerator, denominator, slacks = self._composed(value)
        reduced = free_field(numerator) / free_field(denominator)
        if reduced == 0 or not _signs_allow(reduced.numer, reduced.denom, slacks):
            return False
        return _signs_allow(reduced.denom.ring.one, reduced.numer, slacks)

    def continuous(self, value) -> bool:
        """Whether ``value``'s denominator is manifestly nonzero on the whole box."""
        value = self.element(value)
        return self._remembered("continuous", self.field(value.denom), self._continuous)

    def _continuous(self, value) -> bool:
        free_field, numerator, denominator, slacks = self._composed(1 / value)
        one = free_field.ring.one
        if _signs_allow(one, denominator, slacks):
            return True
        reduced = free_field(numerator) / free_field(denominator)
        return _signs_allow(one, reduced.denom, slacks)

    def defined(self) -> bool:
        """Every coordinate's image has a denominator manifestly nonzero on the box."""
        free_field, images, slacks = self._free
        return all(_signs_allow(free_field.ring.one, denominator, slacks) for _, denominator in images)

    # -- expressions with Abs, Max, Min and square roots ------------------------------------
    def resolve(self, expression, roots: bool = True) -> sympy.Expr:
        """``expression`` (in the coordinates) without ``Abs``, ``Max``, ``Min`` and square
        roots: ``Abs``/``Max``/``Min`` by a manifest sign on the box, a square root by an exact
        square root of a rational function (found by factorisation, checked, and manifestly
        ``>= 0``; kept when ``roots`` is false). Raises ``ArithmeticError`` when a step is not
        proven."""
        expression = sympy.sympify(expression)
        if expression.is_Atom:
            return expression
        arguments = [self.resolve(argument, roots) for argument in expression.args]
        if isinstance(expression, sympy.Abs):
            (inner,) = arguments
            if self.nonnegative_value(inner):
                return inner
            if self.nonnegative_value(-inner):
                return -inner
            raise ArithmeticError(f"the sign of {inner} is not manifest on the box")
        if isinstance(expression, (sympy.Max, sympy.Min)):
            return self._extremum(arguments, isinstance(expression, sympy.Max))
        if roots and expression.is_Pow and expression.exp == sympy.Rational(1, 2):
            return self._exact_sqrt(arguments[0])
        return expression.func(*arguments)

    def _extremum(self, arguments, largest: bool) -> sympy.Expr:
        for candidate in arguments:
            gaps = [(candidate - other) if largest else (other - candidate) for other in arguments]
            if all(self.nonnegative_value(sympy.cancel(sympy.together(gap))) for gap in gaps):
                return candidate
        kind = "max" if largest else "min"
        raise ArithmeticError(f"no argument of the {kind} dominates manifestly on the box")

    def _exact_sqrt(self, expression) -> sympy.Expr:
        expression = sympy.cancel(sympy.together(expression))
        numerator, denominator = sympy.fraction(sympy.factor(expression))
        root = sympy.Integer(1)
        for part, sign in ((numerator, 1), (denominator, -1)):
            coefficient, factors = sympy.factor_list(part)
            if not coefficient.is_Rational or coefficient < 0:
                raise ArithmeticError(f"not a square: {expression}")
            root *= sympy.sqrt(coefficient) ** sign
            for factor, power in factors:
                if power % 2:
                    raise ArithmeticError(f"not a square: {expression}")
                root *= factor ** (sign * (power // 2))
        for candidate in (root, -root):
            if is_zero(candidate**2 - expression) and self.nonnegative_value(candidate):
                return candidate
        raise ArithmeticError(f"no manifestly nonnegative square root of {expression}")
