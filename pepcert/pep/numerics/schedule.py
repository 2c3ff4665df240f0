"""Step-size schedules ``gamma_t`` given as expressions in ``t``, parsed safely.

The text is parsed by Python's :mod:`ast` (which never executes anything) and only a small
grammar is accepted: numbers (decimals are read exactly, ``0.1`` is ``1/10``), the symbol
``t``, ``+ - * / ** ^``, parentheses, the constants ``pi`` and ``E`` and the functions
``sqrt``, ``exp``, ``log``. The accepted tree is rebuilt as a sympy expression node by node;
no string is ever handed to ``eval``/``sympify``.

One compiled expression (:mod:`pepcert.pep.numerics.evaluation`) evaluates the schedule in
three arithmetics:

* exact (:func:`StepSchedule.exact`): a Fraction when ``gamma_t`` is rational, otherwise a
  rigorous Arb ball (:mod:`~pepcert.pep.numerics.intervals`); :func:`StepSchedule.enclosure`
  and :func:`StepSchedule.enclosures` give balls always (bounded size, for long horizons);
* floating point (:func:`StepSchedule.floats`, vectorised over ``t`` with numpy) for
  simulations and plots;
* mpmath (:func:`StepSchedule.mp`) for high-precision (non-certifying) values.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import sympy

from pepcert.pep.errors import BadInput
from pepcert.pep.numerics.evaluation import T_SYMBOL, ExactOps, FloatOps, MpOps, compile_expression
from pepcert.pep.numerics.intervals import Undecided, as_exact, enclose, sign_of, working_precision
from pepcert.pep.numerics.schedule_limits import check_size, check_step_range

__all__ = ["StepSchedule", "parse_schedule", "T_SYMBOL", "MonotonicityProof"]


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


def parse_schedule(text: str) -> StepSchedule:
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
    check_size(expr, text.strip())
    return StepSchedule(text=text.strip(), expr=expr)


# ----------------------------------------------------------------------------------------
# One compiler, several arithmetics


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
            cache[name] = (compile_expression(self.expr, ops), ops)
        return cache[name]

    @property
    def is_constant(self) -> bool:
        return T_SYMBOL not in self.expr.free_symbols

    def _exact_value(self, t: int):
        """``gamma_t`` in the evaluator's arithmetic (``fmpq`` or a ball); call it inside
        :func:`~pepcert.pep.numerics.intervals.working_precision`."""
        function, _ = self._compiled("exact", ExactOps)
        try:
            return function(t)
        except (ZeroDivisionError, Undecided):
            raise BadInput(f"step expression {self.text!r} is undefined at t = {t}") from None
        except BadInput as error:
            raise BadInput(f"{error} (at t = {t})") from None

    def exact(self, t: int):
        """``gamma_t`` exactly: a Fraction if rational, else a rigorous ball."""
        with working_precision():
            return as_exact(self._exact_value(t))

    def enclosure(self, t: int):
        """A rigorous ball containing ``gamma_t`` (bounded size)."""
        with working_precision():
            return enclose(self._exact_value(t))

    def enclosures(self, horizon: int) -> list:
        """Rigorous balls containing ``gamma_0, ..., gamma_horizon``, checked positive and
        nonincreasing.

        Signs and differences are decided from the balls; a pair they cannot order is
        decided exactly (sympy), and a constant schedule is nonincreasing by definition.
        Raises :class:`BadInput` naming the first violation.
        """
        values, undecided = [], []
        with working_precision():
            for t in range(horizon + 1):  # a step out of range ends the work at once
                values.append(enclose(self._exact_value(t)))
                check_step_range(values[-1], self.text, t)
                if not values[-1] > 0:  # not certainly positive: decided below
                    undecided.append(t)
        for t in undecided:
            if _decide_sign(values[t], lambda: self.expr.subs(T_SYMBOL, t)) <= 0:  # noqa: B023 - called at once
                raise BadInput(f"step schedule {self.text!r} is not positive at t = {t}")
        if self.is_constant:
            return values
        for t in range(horizon):
            if values[t] >= values[t + 1]:
                continue  # gamma_t >= gamma_(t+1) for every point of the balls
            exact_difference = lambda t=t: self.expr.subs(T_SYMBOL, t) - self.expr.subs(T_SYMBOL, t + 1)
            if _decide_sign(self._difference(t), exact_difference) < 0:
                raise BadInput(
                    f"step schedule {self.text!r} is not nonincreasing: gamma_{t + 1} > gamma_{t} at t = {t}"
                )
        return values

    def _difference(self, t: int):
        """``gamma_t - gamma_(t+1)``, exact when both are rational (one subtraction, so a tie of
        two equal irrational steps is a ball around 0, decided symbolically by the caller)."""
        with working_precision():
            return as_exact(self._exact_value(t) - self._exact_value(t + 1))

    def floats(self, ts) -> np.ndarray:
        """``gamma_t`` in float64 for an array of ``t`` (simulation only)."""
        function, _ = self._compiled("float", FloatOps)
        ts = np.asarray(ts)
        with np.errstate(all="ignore"):
            values = np.broadcast_to(np.asarray(function(ts), dtype=float), ts.shape).copy()
        return values

    def mp(self, t, dps: int = 40):
        function, _ = self._compiled(f"mp{dps}", lambda: MpOps(dps))
        return function(t)

    def mp_context(self, dps: int = 40):
        _, ops = self._compiled(f"mp{dps}", lambda: MpOps(dps))
        return ops.ctx

    def limit(self) -> sympy.Expr:
        """``lim_{t -> oo} gamma_t`` (sympy's symbolic limit)."""
        cache = self.__dict__.setdefault("_cache", {})
        if "limit" not in cache:
            cache["limit"] = sympy.limit(self.expr, T_SYMBOL, sympy.oo)
        return cache["limit"]

    def limit_exact(self):
        """The limit as an exact number (a Fraction, or a ball when irrational); BadInput if not finite real."""
        value = self.limit()
        if not value.is_real or not value.is_finite:
            raise BadInput(f"the step schedule {self.text!r} has no finite limit")
        with working_precision():
            return as_exact(compile_expression(value, ExactOps())(0))

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
        values = []
        for t in range(horizon + 1):  # a step out of range ends the work at once
            values.append(self.exact(t))
            check_step_range(values[-1], self.text, t)
        for t, value in enumerate(values):
            if _decide_sign(value, lambda: self.expr.subs(T_SYMBOL, t)) <= 0:  # noqa: B023 - called at once
                raise BadInput(f"step schedule {self.text!r} is not positive at t = {t}")
        for t in range(horizon):
            exact_difference = lambda t=t: self.expr.subs(T_SYMBOL, t) - self.expr.subs(T_SYMBOL, t + 1)
            if _decide_sign(self._difference(t), exact_difference) < 0:
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
