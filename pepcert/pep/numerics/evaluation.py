"""Evaluators of a step schedule's expression tree in three arithmetics (used by
:class:`~pepcert.pep.numerics.schedule.StepSchedule`).

:func:`compile_expression` turns an accepted sympy tree into ``f(t)`` over the primitive
operations of an *ops* object (sums and products are the values' own ``+`` and ``*``):

* :class:`ExactOps`: exact rationals (``flint.fmpq``) where possible, Arb balls otherwise
  (irrational roots, ``exp``, ``log``, ``pi``, ``E``); rigorous, and bounded in size, so one
  evaluator serves both the exact values and the enclosures of a long horizon
  (:mod:`~pepcert.pep.numerics.intervals`);
* :class:`FloatOps`: numpy float64, vectorised over ``t`` (simulations, plots);
* :class:`MpOps`: mpmath at a chosen precision (high-precision values that certify nothing).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction

import numpy as np
import sympy
from flint import fmpq

from pepcert.pep.errors import BadInput
from pepcert.pep.numerics.intervals import Undecided, as_exact, enclose, is_enclosure, lift, sign_of
from pepcert.pep.numerics.roots import root
from pepcert.pep.numerics.schedule_limits import EXP_LIMIT, check_bits, check_magnitude

__all__ = ["T_SYMBOL", "compile_expression", "ExactOps", "FloatOps", "MpOps"]

#: The step-index symbol (a nonnegative integer in the schedule, a real t >= 0 in proofs).
T_SYMBOL = sympy.Symbol("t", nonnegative=True)


def compile_expression(expr: sympy.Expr, ops: Ops) -> Callable:
    """Compile a sympy tree into ``f(t)`` using the primitive operations in ``ops``."""
    if expr == T_SYMBOL:
        return lambda t: ops.var(t)
    if isinstance(expr, (sympy.Integer, sympy.Rational)):
        value = Fraction(int(expr.p), int(expr.q))
        constant = ops.rational(value)
        return lambda t: constant
    if expr is sympy.pi:
        constant = ops.pi()
        return lambda t: constant
    if expr is sympy.E:
        constant = ops.e()
        return lambda t: constant
    if isinstance(expr, sympy.Add):
        parts = [compile_expression(arg, ops) for arg in expr.args]

        def add(t):
            total = parts[0](t)
            for part in parts[1:]:
                total = total + part(t)
            return total

        return add
    if isinstance(expr, sympy.Mul):
        parts = [compile_expression(arg, ops) for arg in expr.args]

        def mul(t):
            total = parts[0](t)
            for part in parts[1:]:
                total = total * part(t)
            return total

        return mul
    if isinstance(expr, sympy.Pow):
        base = compile_expression(expr.base, ops)
        exponent = expr.exp
        if exponent.is_Integer:
            n = int(exponent)
            return lambda t: ops.pow_int(base(t), n)
        if exponent.is_Rational:
            p, q = int(exponent.p), int(exponent.q)
            return lambda t: ops.pow_rational(base(t), p, q)
        exp_part = compile_expression(exponent, ops)
        return lambda t: ops.pow_general(base(t), exp_part(t))
    if isinstance(expr, sympy.exp):
        arg = compile_expression(expr.args[0], ops)
        return lambda t: ops.exp(arg(t))
    if isinstance(expr, sympy.log):
        if len(expr.args) != 1:
            raise BadInput("log takes one argument")
        arg = compile_expression(expr.args[0], ops)
        return lambda t: ops.log(arg(t))
    raise BadInput(f"cannot evaluate {expr} in a step expression")


class Ops:
    def var(self, t): ...
    def rational(self, value: Fraction): ...
    def pi(self): ...
    def e(self): ...
    def pow_int(self, x, n): ...
    def pow_rational(self, x, p, q): ...
    def exp(self, x): ...
    def log(self, x): ...

    def pow_general(self, x, y):
        return self.exp(self.log(x) * y)


class ExactOps(Ops):
    """Exact rationals (``fmpq``) where possible, Arb balls otherwise; run it inside
    :func:`~pepcert.pep.numerics.intervals.working_precision`. Every value is checked against
    the limits of :mod:`~pepcert.pep.numerics.schedule_limits` before its cost is paid."""

    def var(self, t):
        return fmpq(int(t))  # never a Python int: int ** -1 would be a float

    def rational(self, value):
        return lift(value)

    def pi(self):
        from flint import arb

        return arb.pi()

    def e(self):
        from flint import arb

        return arb.const_e()

    def pow_int(self, x, n):
        if n < 0 and _may_be_zero(x):
            raise BadInput("division by zero in step expression")
        x = fmpq(x) if x.__class__ is int else x
        check_bits(x, abs(n))
        value = x**n
        if is_enclosure(value) and not value.is_finite():
            raise BadInput("a power in the step expression could not be enclosed")
        return value

    def pow_rational(self, x, p, q):
        if _may_be_negative(x):
            raise BadInput("fractional power of a (possibly) negative number in step expression")
        base = lift(root(x, q))
        if p < 0 and _may_be_zero(base):
            raise BadInput("division by zero in step expression")
        return self.pow_int(base, p)

    def exp(self, x):
        if not is_enclosure(x) and x == 0:
            return fmpq(1)
        if not (enclose(x) > -EXP_LIMIT and enclose(x) < EXP_LIMIT):
            raise BadInput(f"exp of a value beyond +-{EXP_LIMIT} in step expression")
        check_bits(x, 1)
        return check_magnitude(enclose(x).exp())

    def pow_general(self, x, y):
        # x ** y with a t-dependent exponent: exact when the exponent is an integer there.
        exponent = None if is_enclosure(y) else as_exact(y)
        if exponent is not None and exponent.denominator == 1:
            return self.pow_int(x, exponent.numerator)
        if exponent is not None and not is_enclosure(x) and abs(exponent.numerator) <= 10**4 \
                and exponent.denominator <= 10**4:
            return self.pow_rational(x, exponent.numerator, exponent.denominator)
        return self.exp(self.log(x) * y)

    def log(self, x):
        if _may_be_negative(x) or _may_be_zero(x):
            raise BadInput("logarithm of a nonpositive number in step expression")
        check_bits(x, 1)
        if not is_enclosure(x) and x == 1:
            return fmpq(0)
        return check_magnitude(enclose(x).log())


def _may_be_zero(x) -> bool:
    try:
        return sign_of(x) == 0
    except Undecided:
        return True


def _may_be_negative(x) -> bool:
    return not x >= 0  # exact for rationals; "not certainly >= 0" for a ball


class FloatOps(Ops):
    """numpy float64, vectorised over an array of t."""

    def var(self, t):
        return np.asarray(t, dtype=float)

    def rational(self, value):
        try:
            return float(value)
        except OverflowError:
            return math.inf if value > 0 else -math.inf

    def pi(self):
        return math.pi

    def e(self):
        return math.e

    def pow_int(self, x, n):
        return np.power(np.asarray(x, dtype=float), n)

    def pow_rational(self, x, p, q):
        return np.power(np.asarray(x, dtype=float), p / q)

    def exp(self, x):
        return np.exp(x)

    def log(self, x):
        return np.log(x)

    def pow_general(self, x, y):
        return np.power(np.asarray(x, dtype=float), y)


class MpOps(Ops):
    def __init__(self, dps: int = 40):
        import mpmath

        self.ctx = mpmath.MPContext()
        self.ctx.dps = dps

    def var(self, t):
        return self.ctx.mpf(t)

    def rational(self, value):
        return self.ctx.mpf(value.numerator) / value.denominator

    def pi(self):
        return +self.ctx.pi

    def e(self):
        return +self.ctx.e

    def pow_int(self, x, n):
        return x**n

    def pow_rational(self, x, p, q):
        return self.ctx.power(x, self.ctx.mpf(p) / q)

    def exp(self, x):
        return self.ctx.exp(x)

    def log(self, x):
        return self.ctx.log(x)
