r"""The papers' closed forms as exact sympy expressions, and rigorous comparisons with them.

Thomsen, Taylor & Dieuleveut, *Tight analyses of first-order methods with error feedback*
(2025), with ``s = sqrt(1 - delta)`` and ``kappa = L / mu``:

* EF and EF21: ``rho(eta) = max_{h in {mu, L}} ((|b_h| + sqrt(b_h^2 + 4 s)) / 2)^2`` with
  ``b_h = (1 - s) - eta h (1 + s)``; ``eta* = 2/(L + mu) (1 - s)/(1 + s)`` and
  ``rho* = ((B + sqrt(B^2 + 4 s)) / 2)^2`` with ``B = (1 - s)(kappa - 1)/(kappa + 1)``.
* CGD (Lyapunov ``f - f*``): ``rho(eta) = max{(1 - eta mu (1 - s))^2, (1 - eta L (1 + s))^2}``,
  ``eta* = 2 / ((1 - s) mu + (1 + s) L)``, ``rho* = ((kappa_s - 1)/(kappa_s + 1))^2`` with
  ``kappa_s = kappa (1 + s)/(1 - s)``.

The expressions are exact (algebraic numbers for rational inputs). :func:`compare` decides
``rational <=> expression`` rigorously in the project's interval arithmetic (Arb balls,
:mod:`pepcert.pep.numerics.intervals`) at increasing precision.
"""

from __future__ import annotations

from fractions import Fraction

import sympy

from pepcert.pep.errors import BadInput


def _q(value) -> sympy.Expr:
    if isinstance(value, sympy.Basic):
        return value
    value = Fraction(value)
    return sympy.Rational(value.numerator, value.denominator)


def s_of(delta) -> sympy.Expr:
    return sympy.sqrt(1 - _q(delta))


def ef_branch(h, delta, eta) -> sympy.Expr:
    """``((|b_h| + sqrt(b_h^2 + 4 s)) / 2)^2``: the squared spectral radius at curvature h."""
    s = s_of(delta)
    b = (1 - s) - _q(eta) * _q(h) * (1 + s)
    return ((sympy.Abs(b) + sympy.sqrt(b**2 + 4 * s)) / 2) ** 2


def cgd_branches(mu, L, delta, eta) -> tuple[sympy.Expr, sympy.Expr]:
    s = s_of(delta)
    return (1 - _q(eta) * _q(mu) * (1 - s)) ** 2, (1 - _q(eta) * _q(L) * (1 + s)) ** 2


def rate(method: str, mu, L, delta, eta) -> sympy.Expr:
    """The tight rate of a built-in method at step ``eta`` (exact)."""
    name = method.upper()
    if name in ("EF", "EF21"):
        return sympy.Max(ef_branch(mu, delta, eta), ef_branch(L, delta, eta))
    if name == "CGD":
        return sympy.Max(*cgd_branches(mu, L, delta, eta))
    raise BadInput(f"no closed form registered for method {method!r}")


def optimal_step(method: str, mu, L, delta) -> sympy.Expr:
    s = s_of(delta)
    mu, L = _q(mu), _q(L)
    name = method.upper()
    if name in ("EF", "EF21"):
        return 2 / (L + mu) * (1 - s) / (1 + s)
    if name == "CGD":
        return 2 / ((1 - s) * mu + (1 + s) * L)
    raise BadInput(f"no closed form registered for method {method!r}")


def optimal_rate(method: str, mu, L, delta) -> sympy.Expr:
    s = s_of(delta)
    kappa = _q(L) / _q(mu)
    name = method.upper()
    if name in ("EF", "EF21"):
        B = (1 - s) * (kappa - 1) / (kappa + 1)
        return ((B + sympy.sqrt(B**2 + 4 * s)) / 2) ** 2
    if name == "CGD":
        kappa_s = kappa * (1 + s) / (1 - s)
        return ((kappa_s - 1) / (kappa_s + 1)) ** 2
    raise BadInput(f"no closed form registered for method {method!r}")


def interval(expression: sympy.Expr, digits: int = 50):
    """A rigorous ball containing the value of ``expression`` (a real expression built from
    rationals with +, *, integer and half-integer powers, Abs and Max), computed with
    ``digits`` decimal digits (Arb; the precision is restored afterwards)."""
    from pepcert.pep.numerics.intervals import ball, enclose, lower, upper, working_precision
    from pepcert.pep.numerics.roots import sqrt

    def walk(node):
        if node.is_Rational:
            return enclose(Fraction(int(node.p), int(node.q)))
        if node.is_Add or node.is_Mul:
            values = [walk(term) for term in node.args]
            total = values[0]
            for value in values[1:]:
                total = total + value if node.is_Add else total * value
            return total
        if node.is_Pow:
            base, exponent = walk(node.args[0]), node.args[1]
            if exponent.is_Integer:
                return base ** int(exponent)
            if exponent == sympy.Rational(1, 2):
                return sqrt(base)
            if exponent == sympy.Rational(-1, 2):
                return 1 / sqrt(base)
        if isinstance(node, sympy.Abs):
            value = walk(node.args[0])
            if value >= 0:
                return value
            if value <= 0:
                return -value
            return ball(0, max(-lower(value), upper(value)))
        if isinstance(node, sympy.Max):
            values = [walk(arg) for arg in node.args]
            return ball(max(lower(v) for v in values), max(upper(v) for v in values))
        raise ValueError(f"cannot evaluate {node} rigorously")

    with working_precision(int(digits * 3.33) + 8):
        return walk(sympy.sympify(expression))


def compare(rational, expression: sympy.Expr, max_digits: int = 400) -> int:
    """Sign of ``rational - expression``, decided rigorously: exactly for a rational
    expression, by separating the rational from a ball around the expression otherwise (an
    irrational value never ties)."""
    from pepcert.pep.numerics.intervals import lower, upper

    rational = Fraction(rational)
    expression = sympy.sympify(expression)
    if expression.is_Rational:  # e.g. delta = 3/4, s = 1/2: compare exactly
        value = Fraction(int(expression.p), int(expression.q))
        return (rational > value) - (rational < value)
    digits = 30
    while digits <= max_digits:
        value = interval(expression, digits)
        if value.is_finite() and rational < lower(value):
            return -1
        if value.is_finite() and rational > upper(value):
            return 1
        digits *= 2
    raise ArithmeticError("could not separate the rational from the closed form")
