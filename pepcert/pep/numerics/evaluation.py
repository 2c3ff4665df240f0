"""Evaluators of a step schedule's expression tree in four arithmetics (used by
:class:`~pepcert.pep.numerics.schedule.StepSchedule`).

:func:`compile_expression` turns an accepted sympy tree into ``f(t)`` over the primitive
operations of an *ops* object:

* :class:`ExactOps`: Fractions where possible, outward-rounded rational intervals otherwise
  (integer roots; ``exp``/``log``/``pi``/``E`` through a private ``mpmath.iv`` context);
* :class:`DyadicOps`: bounded enclosures (:class:`~pepcert.pep.numerics.dyadic.Dyadic`) for
  long horizons;
* :class:`FloatOps`: numpy float64, vectorised over ``t`` (simulations, plots);
* :class:`MpOps`: mpmath at a chosen precision (high-precision values that certify nothing).
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Callable

import numpy as np
import sympy

from pepcert.pep.errors import BadInput
from pepcert.pep.numerics.dyadic import BITS, enclose
from pepcert.pep.numerics.schedule_limits import EXP_LIMIT, MAX_BITS, check_bits
from pepcert.pep.numerics.intervals import (
    PRECISION_BITS,
    Interval,
    Undecided,
    as_exact,
    lower,
    root_enclosure,
    round_outward,
    upper,
)

__all__ = ["T_SYMBOL", "compile_expression", "ExactOps", "DyadicOps", "FloatOps", "MpOps"]

#: The step-index symbol (a nonnegative integer in the schedule, a real t >= 0 in proofs).
T_SYMBOL = sympy.Symbol("t", nonnegative=True)


def compile_expression(expr: sympy.Expr, ops: "Ops") -> Callable:
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
    """Fractions where possible, outward-rounded rational intervals otherwise."""

    def __init__(self, bits: int = PRECISION_BITS):
        from mpmath.ctx_iv import MPIntervalContext  # a private context: no global state

        self.bits = bits
        self.iv = MPIntervalContext()
        self.iv.prec = bits + 32

    def var(self, t):
        return Fraction(t)

    def rational(self, value):
        return value

    def _to_iv(self, x):
        lo, hi = lower(x), upper(x)
        a = self.iv.mpf(lo.numerator) / self.iv.mpf(lo.denominator)
        b = self.iv.mpf(hi.numerator) / self.iv.mpf(hi.denominator)
        return self.iv.mpf([a.a, b.b])

    def _from_iv(self, value):
        from mpmath.libmp import to_rational

        lo_mpf, hi_mpf = value._mpi_
        for part in (lo_mpf, hi_mpf):  # (sign, mantissa, exponent, bitcount); bounded size
            if part[1] and abs(part[2] + part[3]) > MAX_BITS:
                raise BadInput(f"a value of the step expression is beyond 2^{MAX_BITS} or below 2^-{MAX_BITS}")
        lo, hi = Fraction(*to_rational(lo_mpf)), Fraction(*to_rational(hi_mpf))
        return round_outward(Interval(lo, hi), self.bits)

    def pi(self):
        return self._from_iv(self.iv.pi)

    def e(self):
        return self._from_iv(self.iv.e)

    def pow_int(self, x, n):
        if n < 0 and lower(x) <= 0 <= upper(x):
            raise BadInput("division by zero in step expression")
        check_bits(x, abs(n))
        return as_exact(x**n)

    def pow_rational(self, x, p, q):
        if lower(x) < 0:
            raise BadInput("fractional power of a negative number in step expression")
        root = root_enclosure(x, q, self.bits)
        if p < 0 and lower(root) == 0:
            raise BadInput("division by zero in step expression")
        value = as_exact(root**p)
        return value if not isinstance(value, Interval) else round_outward(value, self.bits)

    def exp(self, x):
        if x == 0:
            return Fraction(1)
        if not -EXP_LIMIT <= lower(x) <= upper(x) <= EXP_LIMIT:
            raise BadInput(f"exp of a value beyond +-{EXP_LIMIT} in step expression (result beyond 2^+-{MAX_BITS})")
        check_bits(x, 1)
        return self._from_iv(self.iv.exp(self._to_iv(x)))

    def pow_general(self, x, y):
        # x ** y with a t-dependent exponent: exact when the exponent is an integer there.
        if isinstance(y, Fraction) and y.denominator == 1:
            return self.pow_int(x, int(y))
        if isinstance(y, Fraction) and isinstance(x, Fraction) and x >= 0 and abs(y.numerator) <= 10**4 \
                and y.denominator <= 10**4:
            return self.pow_rational(x, y.numerator, y.denominator)
        return self.exp(self.log(x) * y)

    def log(self, x):
        if lower(x) <= 0:
            raise BadInput("logarithm of a nonpositive number in step expression")
        check_bits(x, 1)
        if x == 1:
            return Fraction(0)
        return self._from_iv(self.iv.log(self._to_iv(x)))


class DyadicOps(Ops):
    """Bounded enclosures (:class:`~pepcert.pep.numerics.dyadic.Dyadic`), rounded outward at
    every operation; ``exp``/``log``/``pi``/``E`` through the exact operations' interval
    context. For long horizons: the size of every value stays ``~BITS`` bits."""

    def __init__(self):
        self.exact_ops = ExactOps(2 * PRECISION_BITS)

    def var(self, t):
        return enclose(int(t))

    def rational(self, value):
        return enclose(value)

    def pi(self):
        return enclose(self.exact_ops.pi())

    def e(self):
        return enclose(self.exact_ops.e())

    def pow_int(self, x, n):
        try:
            return x**n
        except Undecided:
            raise BadInput("division by zero in step expression") from None

    def pow_rational(self, x, p, q):
        try:
            return x.root(q) ** p
        except Undecided:
            raise BadInput("fractional power of a possibly negative number, or division by zero, in step expression") from None

    def pow_general(self, x, y):
        # x ** y with a t-dependent exponent: integer powers stay in enclosures.
        if y.is_point and y.a % (1 << BITS) == 0:
            return self.pow_int(x, y.a >> BITS)
        return enclose(self.exact_ops.pow_general(as_exact(x.to_interval()), as_exact(y.to_interval())))

    def exp(self, x):
        return enclose(self.exact_ops.exp(x.to_interval()))

    def log(self, x):
        return enclose(self.exact_ops.log(x.to_interval()))


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
