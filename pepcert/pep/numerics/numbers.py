"""Exact numbers at the boundary: parsing user input and writing rationals as ``"p/q"``.

User parameters are parsed as exact rationals (``0.1`` is ``1/10``), so the same input drives a
floating-point solve and an exact certificate without a second rounding.
"""

from __future__ import annotations

import math
from fractions import Fraction
from numbers import Rational

from pepcert.pep.errors import BadInput


def parse_rational(text: str | float | int | Fraction, name: str) -> Fraction:
    """Parse ``text`` ("0.1", "1/3", "2e-3", 0.5, ...) as an exact rational.

    Floats are converted through their shortest decimal representation (``repr``), so
    ``0.1`` becomes ``1/10`` rather than the binary double nearest to it.
    """
    if isinstance(text, Fraction):
        return text
    if isinstance(text, bool):
        raise BadInput(f"{name} must be a number, got {text!r}")
    if isinstance(text, int):
        return Fraction(text)
    if isinstance(text, float):
        if not math.isfinite(text):
            raise BadInput(f"{name} must be a finite number, got {text!r}")
        return Fraction(repr(text))
    raw = str(text).strip()
    try:
        value = Fraction(raw)
    except (ValueError, ZeroDivisionError):
        try:
            as_float = float(raw)
        except ValueError:
            raise BadInput(f"{name} must be a number, got {raw!r}") from None
        if not math.isfinite(as_float):
            raise BadInput(f"{name} must be a finite number, got {raw!r}") from None
        raise BadInput(f"{name} must be a number, got {raw!r}") from None
    return value


def rational_to_str(value: Rational | int) -> str:
    """``Fraction(3, 4)`` -> ``"3/4"``; integers as ``"5/1"`` is avoided: ``"5"``."""
    value = Fraction(value)
    return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"


def str_to_rational(text: str) -> Fraction:
    """Inverse of :func:`rational_to_str`; raises :class:`BadInput` on malformed text."""
    if not isinstance(text, str):
        raise BadInput(f"expected a rational string 'p/q', got {text!r}")
    try:
        return Fraction(text)
    except (ValueError, ZeroDivisionError):
        raise BadInput(f"expected a rational string 'p/q', got {text!r}") from None


def show(value) -> str:
    """A number for messages: rationals and floats as short decimals, symbols as text."""
    try:
        return f"{float(value):.10g}"
    except (TypeError, ValueError):
        return str(value)
