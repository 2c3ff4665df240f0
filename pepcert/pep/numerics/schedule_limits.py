"""Limits that bound the work of evaluating a step schedule (issue 8: nothing hangs).

A schedule is user text; without limits ``t**t**t**t`` needs 3^(3^27) at t = 3,
``exp(-exp(t))`` a Fraction with a 10^434-bit denominator at t = 1000, and ``1e300`` gives
overflowing float simulations. Each limit below refuses such input with a reason
(:class:`~pepcert.pep.errors.BadInput`) before the cost is paid; ``docs/muon.md`` lists them.
"""

from __future__ import annotations

from fractions import Fraction

import sympy

from pepcert.pep.errors import BadInput
from pepcert.pep.numerics.intervals import is_enclosure, lift

T_NAME = "t"
#: Bounded work (issue 8): at most this many sympy operations in a schedule...
MAX_OPERATIONS = 60
#: ... at most this many nested t-dependent exponentials (``exp(-t)`` and ``2**(-t)`` have
#: one; ``exp(-exp(t))`` and ``t**t**t`` more, and their values leave every range at small t)...
MAX_EXPONENTIAL_NESTING = 1
#: ... every exact intermediate value has numerator and denominator below 2**MAX_BITS (a ball:
#: magnitude within 2**+-MAX_BITS), and an exponential's argument stays within +-MAX_BITS ln 2
#: (so no value is beyond ~1e1233)...
MAX_BITS = 4096
#: ... and every step lies in [MIN_STEP, MAX_STEP] (float64 simulations and an exact replay of
#: 20000 steps stay cheap there; steps of 1e300 or 1e-275 are refused with this reason).
MIN_STEP = Fraction(1, 10**100)
MAX_STEP = Fraction(10**100)
EXP_LIMIT = int(MAX_BITS * 0.6931471805599453)  # ln(2^MAX_BITS)
_MIN_STEP, _MAX_STEP = lift(MIN_STEP), lift(MAX_STEP)


def exponential_nesting(expr: sympy.Expr) -> int:
    """The deepest chain of t-dependent exponentials (``exp(f(t))``, ``a**f(t)``)."""
    inner = max((exponential_nesting(arg) for arg in expr.args), default=0)
    exponent = expr.args[0] if isinstance(expr, sympy.exp) else expr.exp if isinstance(expr, sympy.Pow) else None
    if exponent is not None and any(symbol.name == T_NAME for symbol in exponent.free_symbols):
        return inner + 1
    return inner


def check_size(expr: sympy.Expr, text: str) -> None:
    """Refuse schedules whose evaluation or symbolic proofs would not be bounded."""
    operations = sympy.count_ops(expr)
    if operations > MAX_OPERATIONS:
        raise BadInput(f"step expression {text!r} has {operations} operations (at most {MAX_OPERATIONS})")
    nesting = exponential_nesting(expr)
    if nesting > MAX_EXPONENTIAL_NESTING:
        raise BadInput(f"step expression {text!r} nests {nesting} exponentials in t (at most "
                       f"{MAX_EXPONENTIAL_NESTING}: towers such as t**t**t or exp(-exp(t)) overflow at small t)")


def _bits(x) -> int:
    """Size of an exact rational (the longer of numerator and denominator, in bits) or of a
    ball (its binary order of magnitude, ``|log2 |x||``; its precision is bounded anyway)."""
    if is_enclosure(x):
        if not x.is_finite():
            raise BadInput("a value of the step expression could not be enclosed (not finite)")
        man, exp = x.mid().man_exp()
        return abs(int(man).bit_length() + int(exp)) + 1 if man else 0
    x = lift(x)
    return max(int(x.p).bit_length(), int(x.q).bit_length()) if x.__class__ is not int else x.bit_length()


def check_bits(x, power: int) -> None:
    """Refuse ``x ** power`` when its size would exceed ``MAX_BITS`` bits."""
    if _bits(x) * power > MAX_BITS:
        raise BadInput(f"a value of the step expression needs more than {MAX_BITS} bits (about "
                       f"{int(MAX_BITS * 0.30103)} digits)")


def check_magnitude(x):
    """``x`` (a ball) when it lies within ``2^+-MAX_BITS``, else :class:`BadInput`."""
    if _bits(x) > MAX_BITS:
        raise BadInput(f"a value of the step expression is beyond 2^{MAX_BITS} or below 2^-{MAX_BITS}")
    return x


def check_step_range(value, text: str, t: int) -> None:
    """A step must lie in ``[MIN_STEP, MAX_STEP]`` (compared exactly, enclosures included)."""
    # Surely outside (a ball near 0 may contain 0: then it is not refused here); signs are
    # judged by the caller. Ball comparisons are True only when certain.
    value = lift(value)
    if value > _MAX_STEP or (value > 0 and value < _MIN_STEP):
        raise BadInput(f"step schedule {text!r} leaves [1e-100, 1e100] at t = {t} (steps must lie in that range)")
