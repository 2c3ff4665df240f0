"""Step-size schedules ``gamma_t`` given as expressions in ``t``, parsed safely.

The text is parsed by Python's :mod:`ast` (which never executes anything) and only a small
grammar is accepted: numbers (decimals are read exactly, ``0.1`` is ``1/10``), the symbol
``t``, ``+ - * / ** ^``, parentheses, the constants ``pi`` and ``E`` and the functions
``sqrt``, ``exp``, ``log``. The accepted tree is rebuilt as a sympy expression node by node;
no string is ever handed to ``eval``/``sympify``.

One compiled expression evaluates the schedule in three arithmetics:

* exact (:func:`StepSchedule.exact`): a Fraction when ``gamma_t`` is rational, otherwise a
  rigorous rational :class:`~pepcert.pep.numerics.intervals.Interval`;
* floating point (:func:`StepSchedule.floats`, vectorised over ``t`` with numpy) for
  simulations and plots;
* mpmath (:func:`StepSchedule.mp`) for high-precision (non-certifying) values.
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Callable

import numpy as np
import sympy

from pepcert.pep.errors import BadInput
from pepcert.pep.numerics.dyadic import BITS, enclose
from pepcert.pep.numerics.intervals import (
    PRECISION_BITS,
    Interval,
    Undecided,
    as_exact,
    lower,
    root_enclosure,
    round_outward,
    sign_of,
    upper,
)

__all__ = ["StepSchedule", "parse_schedule", "T_SYMBOL", "MonotonicityProof"]

#: The step-index symbol (a nonnegative integer in the schedule, a real t >= 0 in proofs).
T_SYMBOL = sympy.Symbol("t", nonnegative=True)

_FUNCTIONS = {"sqrt": sympy.sqrt, "exp": sympy.exp, "log": sympy.log}
_CONSTANTS = {"pi": sympy.pi, "E": sympy.E}
_MAX_TEXT = 500
_MAX_EXPONENT = 64


def _build(node: ast.AST, text: str) -> sympy.Expr:
    """Rebuild an accepted :mod:`ast` tree as a sympy expression (no evaluation of text)."""
    if isinstance(node, ast.Expression):
        return _build(node.body, text)
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise BadInput(f"unsupported constant {value!r} in step expression")
        if isinstance(value, int):
            return sympy.Integer(value)
        literal = ast.get_source_segment(text, node) or repr(value)
        try:
            return sympy.Rational(Fraction(literal.replace("_", "")))
        except (ValueError, ZeroDivisionError):
            raise BadInput(f"unsupported number {literal!r} in step expression") from None
    if isinstance(node, ast.Name):
        if node.id == "t":
            return T_SYMBOL
        if node.id in _CONSTANTS:
            return _CONSTANTS[node.id]
        raise BadInput(
            f"unknown name {node.id!r} in step expression (allowed: t, pi, E, sqrt, exp, log)"
        )
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.UAdd, ast.USub)):
        operand = _build(node.operand, text)
        return operand if isinstance(node.op, ast.UAdd) else -operand
    if isinstance(node, ast.BinOp):
        left, right = _build(node.left, text), _build(node.right, text)
        op = node.op
        if isinstance(op, ast.Add):
            return left + right
        if isinstance(op, ast.Sub):
            return left - right
        if isinstance(op, ast.Mult):
            return left * right
        if isinstance(op, ast.Div):
            if right == 0:
                raise BadInput("division by zero in step expression")
            return left / right
        if isinstance(op, (ast.Pow, ast.BitXor)):
            if right.is_number and (not right.is_rational or abs(right) > _MAX_EXPONENT):
                raise BadInput(f"exponent {right} not supported (rational, |exponent| <= {_MAX_EXPONENT})")
            return left**right
        raise BadInput(f"operator {type(op).__name__} not allowed in step expression")
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in _FUNCTIONS:
            name = getattr(node.func, "id", "?")
            raise BadInput(f"function {name!r} not allowed in step expression (allowed: sqrt, exp, log)")
        if node.keywords or len(node.args) != 1:
            raise BadInput(f"{node.func.id}() takes exactly one argument")
        return _FUNCTIONS[node.func.id](_build(node.args[0], text))
    raise BadInput(f"unsupported syntax {type(node).__name__} in step expression")


def parse_schedule(text: str) -> "StepSchedule":
    """Parse ``text`` (an expression in ``t``) into a :class:`StepSchedule`.

    Raises :class:`BadInput` for anything outside the grammar, for expressions that are
    undefined (``zoo``, ``nan``) and for exponents that are irrational or huge.
    """
    if not isinstance(text, str) or not text.strip():
        raise BadInput("step expression is empty")
    if len(text) > _MAX_TEXT:
        raise BadInput(f"step expression longer than {_MAX_TEXT} characters")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as error:
        raise BadInput(f"cannot parse step expression {text!r}: {error.msg}") from None
    try:
        expr = _build(tree, text.strip())
    except RecursionError:
        raise BadInput("step expression nested too deeply") from None
    if expr.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo) or expr.has(sympy.I):
        raise BadInput(f"step expression {text!r} is undefined (division by zero or not real)")
    if expr.free_symbols - {T_SYMBOL}:
        raise BadInput("step expression may only use the symbol t")
    return StepSchedule(text=text.strip(), expr=expr)


# ----------------------------------------------------------------------------------------
# One compiler, several arithmetics


def _compile(expr: sympy.Expr, ops: "_Ops") -> Callable:
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
        parts = [_compile(arg, ops) for arg in expr.args]

        def add(t):
            total = parts[0](t)
            for part in parts[1:]:
                total = total + part(t)
            return total

        return add
    if isinstance(expr, sympy.Mul):
        parts = [_compile(arg, ops) for arg in expr.args]

        def mul(t):
            total = parts[0](t)
            for part in parts[1:]:
                total = total * part(t)
            return total

        return mul
    if isinstance(expr, sympy.Pow):
        base = _compile(expr.base, ops)
        exponent = expr.exp
        if exponent.is_Integer:
            n = int(exponent)
            return lambda t: ops.pow_int(base(t), n)
        if exponent.is_Rational:
            p, q = int(exponent.p), int(exponent.q)
            return lambda t: ops.pow_rational(base(t), p, q)
        exp_part = _compile(exponent, ops)
        return lambda t: ops.pow_general(base(t), exp_part(t))
    if isinstance(expr, sympy.exp):
        arg = _compile(expr.args[0], ops)
        return lambda t: ops.exp(arg(t))
    if isinstance(expr, sympy.log):
        if len(expr.args) != 1:
            raise BadInput("log takes one argument")
        arg = _compile(expr.args[0], ops)
        return lambda t: ops.log(arg(t))
    raise BadInput(f"cannot evaluate {expr} in a step expression")


class _Ops:
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


class _ExactOps(_Ops):
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
        lo, hi = Fraction(*to_rational(lo_mpf)), Fraction(*to_rational(hi_mpf))
        return round_outward(Interval(lo, hi), self.bits)

    def pi(self):
        return self._from_iv(self.iv.pi)

    def e(self):
        return self._from_iv(self.iv.e)

    def pow_int(self, x, n):
        if n < 0 and lower(x) <= 0 <= upper(x):
            raise BadInput("division by zero in step expression")
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
        return self._from_iv(self.iv.exp(self._to_iv(x)))

    def pow_general(self, x, y):
        # x ** y with a t-dependent exponent: exact when the exponent is an integer there.
        if isinstance(y, Fraction) and y.denominator == 1:
            return self.pow_int(x, int(y))
        if isinstance(y, Fraction) and isinstance(x, Fraction) and x >= 0 and abs(y.numerator) <= 10**4:
            return self.pow_rational(x, y.numerator, y.denominator)
        return self.exp(self.log(x) * y)

    def log(self, x):
        if lower(x) <= 0:
            raise BadInput("logarithm of a nonpositive number in step expression")
        if x == 1:
            return Fraction(0)
        return self._from_iv(self.iv.log(self._to_iv(x)))


class _DyadicOps(_Ops):
    """Bounded enclosures (:class:`~pepcert.pep.numerics.dyadic.Dyadic`), rounded outward at
    every operation; ``exp``/``log``/``pi``/``E`` through the exact operations' interval
    context. For long horizons: the size of every value stays ``~BITS`` bits."""

    def __init__(self):
        self.exact_ops = _ExactOps(2 * PRECISION_BITS)

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


class _FloatOps(_Ops):
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


class _MpOps(_Ops):
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


@dataclass(frozen=True)
class MonotonicityProof:
    """Outcome of the symbolic check that ``gamma(t)`` is nonincreasing on ``[0, oo)``.

    ``proved`` is True only when sympy decides ``d gamma / dt <= 0`` for every real
    ``t >= 0``; ``derivative`` is that derivative as text.
    """

    proved: bool
    derivative: str
    limit: str | None


@dataclass(frozen=True)
class StepSchedule:
    """A step-size schedule ``gamma_t = expr(t)``, ``t = 0, 1, 2, ...``."""

    text: str
    expr: sympy.Expr = field(compare=False)

    # Compiled evaluators are cached on the (frozen) instance through object.__setattr__.
    def _compiled(self, name: str, ops_factory):
        cache = self.__dict__.setdefault("_cache", {})
        if name not in cache:
            ops = ops_factory()
            cache[name] = (_compile(self.expr, ops), ops)
        return cache[name]

    @property
    def is_constant(self) -> bool:
        return T_SYMBOL not in self.expr.free_symbols

    def exact(self, t: int):
        """``gamma_t`` exactly: a Fraction if rational, else a rigorous Interval."""
        function, _ = self._compiled("exact", _ExactOps)
        try:
            return as_exact(function(t))
        except (ZeroDivisionError, Undecided):
            raise BadInput(f"step expression {self.text!r} is undefined at t = {t}") from None
        except BadInput as error:
            raise BadInput(f"{error} (at t = {t})") from None

    def dyadic(self, t: int):
        """A bounded rigorous enclosure of ``gamma_t`` (:class:`~pepcert.pep.numerics.dyadic.Dyadic`)."""
        function, _ = self._compiled("dyadic", _DyadicOps)
        try:
            return function(t)
        except (ZeroDivisionError, Undecided):
            raise BadInput(f"step expression {self.text!r} is undefined at t = {t}") from None

    def enclosures(self, horizon: int) -> list:
        """Bounded rigorous enclosures of ``gamma_0, ..., gamma_horizon``
        (:class:`~pepcert.pep.numerics.dyadic.Dyadic`), checked positive and nonincreasing.

        Signs and differences are decided from the enclosures; a pair they cannot order is
        decided exactly (:meth:`exact`, then sympy), and a constant schedule is nonincreasing
        by definition. Raises :class:`BadInput` naming the first violation.
        """
        values = [self.dyadic(t) for t in range(horizon + 1)]
        for t, value in enumerate(values):
            if value.a <= 0 and _decide_sign(self.exact(t), lambda t=t: self.expr.subs(T_SYMBOL, t)) <= 0:
                raise BadInput(f"step schedule {self.text!r} is not positive at t = {t}")
        if self.is_constant:
            return values
        for t in range(horizon):
            if values[t].a >= values[t + 1].b:
                continue  # gamma_t >= gamma_(t+1) decided by the enclosures
            difference = self.exact(t) - self.exact(t + 1)
            exact_difference = lambda t=t: self.expr.subs(T_SYMBOL, t) - self.expr.subs(T_SYMBOL, t + 1)
            if _decide_sign(difference, exact_difference) < 0:
                raise BadInput(
                    f"step schedule {self.text!r} is not nonincreasing: gamma_{t + 1} > gamma_{t} at t = {t}"
                )
        return values

    def floats(self, ts) -> np.ndarray:
        """``gamma_t`` in float64 for an array of ``t`` (simulation only)."""
        function, _ = self._compiled("float", _FloatOps)
        ts = np.asarray(ts)
        with np.errstate(all="ignore"):
            values = np.broadcast_to(np.asarray(function(ts), dtype=float), ts.shape).copy()
        return values

    def mp(self, t, dps: int = 40):
        function, _ = self._compiled(f"mp{dps}", lambda: _MpOps(dps))
        return function(t)

    def mp_context(self, dps: int = 40):
        _, ops = self._compiled(f"mp{dps}", lambda: _MpOps(dps))
        return ops.ctx

    def limit(self) -> sympy.Expr:
        """``lim_{t -> oo} gamma_t`` (sympy's symbolic limit)."""
        cache = self.__dict__.setdefault("_cache", {})
        if "limit" not in cache:
            cache["limit"] = sympy.limit(self.expr, T_SYMBOL, sympy.oo)
        return cache["limit"]

    def limit_exact(self):
        """The limit as an exact number (Fraction or Interval); BadInput if not finite real."""
        value = self.limit()
        if not value.is_real or not value.is_finite:
            raise BadInput(f"the step schedule {self.text!r} has no finite limit")
        return as_exact(_compile(value, _ExactOps())(0))

    def prove_nonincreasing(self) -> MonotonicityProof:
        """Symbolic proof that the schedule is nonincreasing on ``[0, oo)``: sympy must
        decide that the derivative is ``<= 0`` for a nonnegative real ``t``."""
        cache = self.__dict__.setdefault("_cache", {})
        if "monotone" not in cache:
            derivative = sympy.simplify(sympy.diff(self.expr, T_SYMBOL))
            proved = bool(derivative == 0 or derivative.is_nonpositive is True)
            try:
                limit = str(self.limit()) if proved else None
            except Exception:  # sympy could not find the limit: no proof
                proved, limit = False, None
            cache["monotone"] = MonotonicityProof(proved, str(derivative), limit)
        return cache["monotone"]

    def prove_convex(self) -> bool:
        """Symbolic proof that ``gamma(t)`` is convex on ``[0, oo)`` (sympy decides
        ``d^2 gamma / dt^2 >= 0``); it sharpens the enclosure of the alternating sum."""
        cache = self.__dict__.setdefault("_cache", {})
        if "convex" not in cache:
            second = sympy.simplify(sympy.diff(self.expr, T_SYMBOL, 2))
            cache["convex"] = bool(second == 0 or second.is_nonnegative is True)
        return cache["convex"]

    def check_positive_nonincreasing(self, horizon: int) -> list:
        """Check exactly that ``gamma_0 >= gamma_1 >= ... >= gamma_horizon > 0``.

        Returns the exact values; raises :class:`BadInput` naming the first violation.
        Comparisons of irrational values are decided from enclosures; when two enclosures
        overlap, the difference is decided symbolically by sympy.
        """
        values = [self.exact(t) for t in range(horizon + 1)]
        for t, value in enumerate(values):
            if _decide_sign(value, lambda: self.expr.subs(T_SYMBOL, t)) <= 0:
                raise BadInput(f"step schedule {self.text!r} is not positive at t = {t}")
        for t in range(horizon):
            difference = values[t] - values[t + 1]
            exact_difference = lambda t=t: self.expr.subs(T_SYMBOL, t) - self.expr.subs(T_SYMBOL, t + 1)
            if _decide_sign(difference, exact_difference) < 0:
                raise BadInput(
                    f"step schedule {self.text!r} is not nonincreasing: gamma_{t + 1} > gamma_{t} at t = {t}"
                )
        return values

    def __str__(self) -> str:
        return self.text


def _decide_sign(value, symbolic: Callable[[], sympy.Expr]) -> int:
    try:
        return sign_of(value)
    except Undecided:
        exact = sympy.simplify(symbolic())
        if exact == 0:
            return 0
        if exact.is_positive:
            return 1
        if exact.is_negative:
            return -1
        raise BadInput(f"could not decide the sign of {exact} in the step schedule") from None
