"""Exact numbers at the boundary: parsing user input and writing rationals as ``"p/q"``.

User parameters are parsed as exact rationals (``0.1`` is ``1/10``), so the same input drives a
floating-point solve and an exact certificate without a second rounding.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Callable
from fractions import Fraction
from numbers import Integral, Rational, Real

from pepcert.pep.errors import BadInput

#: Digits a number given as text may have (numerator and denominator together, or the
#: mantissa digits plus the size of the decimal exponent): ``"1e1000000"`` is refused before
#: it is expanded into a million-digit integer. Certificates written by pepcert use < 600.
MAX_DIGITS = 2000

# ASCII digits only: \d would also match other scripts' digits ("1/\u09ea" reads 1/4 but looks like 1/8).
_DECIMAL = re.compile(r"([+-]?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?")
_RATIO = re.compile(r"([+-]?)([0-9]+)/([0-9]+)")


def _parse_text(raw: str, name: str, max_digits: int) -> Fraction:
    """``"p/q"``, ``"-1.5e-3"``, ``"7"`` as an exact rational, refusing more than
    ``max_digits`` digits *before* any big integer is built (exponents included)."""
    text = raw.strip().replace("_", "") if len(raw) <= 4 * max_digits else raw
    if len(text) > 2 * max_digits + 8:
        raise BadInput(f"{name} has more than {max_digits} digits")
    ratio = _RATIO.fullmatch(text)
    if ratio:
        sign, p, q = ratio.groups()
        if len(p) + len(q) > max_digits:
            raise BadInput(f"{name} has more than {max_digits} digits")
        if int(q) == 0:
            raise BadInput(f"{name} has a zero denominator: {raw!r}")
        return Fraction(int(sign + p), int(q))
    decimal = _DECIMAL.fullmatch(text)
    if decimal is None or not (decimal.group(2) or decimal.group(3)):
        lowered = text.lower().lstrip("+-")
        if lowered in ("nan", "inf", "infinity"):
            raise BadInput(f"{name} must be a finite number, got {raw!r}")
        raise BadInput(f"{name} must be a number, got {raw!r}")
    sign, whole, fraction, exponent = decimal.groups()
    fraction = fraction or ""
    if len(exponent or "") > 12:
        raise BadInput(f"{name} has an exponent that is too large: {raw[:40]!r}")
    power = int(exponent or 0) - len(fraction)
    digits = (whole + fraction).lstrip("0")
    if not digits:
        return Fraction(0)  # "0e999999999" is zero; never expand its exponent
    if len(digits) + abs(power) > max_digits:
        raise BadInput(f"{name} has more than {max_digits} digits (mantissa and exponent): {raw[:40]!r}")
    mantissa = int(sign + (whole + fraction or "0"))
    return Fraction(mantissa * 10**power) if power >= 0 else Fraction(mantissa, 10**-power)


def parse_rational(text: str | float | int | Fraction, name: str, max_digits: int = MAX_DIGITS) -> Fraction:
    """Parse ``text`` ("0.1", "1/3", "2e-3", 0.5, ...) as an exact rational.

    Floats are converted through their shortest decimal representation (``repr``), so
    ``0.1`` becomes ``1/10`` rather than the binary double nearest to it. Text with more than
    ``max_digits`` digits (exponent included) is refused without being expanded.
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
    if not isinstance(text, str):
        raise BadInput(f"{name} must be a number, got {type(text).__name__}")
    return _parse_text(text, name, max_digits)


def exact_number(value, name: str):
    """The exact value of a parameter, for validation: never through ``float()``.

    ``int``/``Fraction``/``flint.fmpq``/rational types give a :class:`~fractions.Fraction`; a ``float``
    (numpy floats included) gives its exact binary value, so ``-1e-320`` stays negative;
    text is parsed exactly (:func:`parse_rational`, with its digit limit); sympy
    expressions are returned unchanged (rationals among them become Fractions), so
    symbolic parameters pass through. ``bool``, complex numbers, NaN and infinities raise
    :class:`BadInput`.
    """
    if isinstance(value, bool) or value is None:
        raise BadInput(f"{name} must be a number, got {value!r}")
    if isinstance(value, Fraction):
        return value
    flint = sys.modules.get("flint")  # an fmpq (exact rationals of the rigorous replays) exists only then
    if flint is not None and isinstance(value, flint.fmpq):
        return Fraction(int(value.p), int(value.q))
    if isinstance(value, Rational):  # int, numpy integers, sympy.Rational
        return Fraction(int(value.numerator), int(value.denominator))
    if isinstance(value, float):
        if not math.isfinite(value):
            raise BadInput(f"{name} must be a finite number, got {value!r}")
        return Fraction(value)
    if isinstance(value, str):
        return parse_rational(value, name)
    if hasattr(value, "free_symbols"):  # sympy
        if value.free_symbols:
            return value
        if value.has(*_sympy_undefined()) or value.is_real is False:
            raise BadInput(f"{name} must be a finite real number, got {value}")
        return value
    if isinstance(value, Integral):
        return Fraction(int(value))
    if isinstance(value, Real):  # numpy float32, Decimal through numbers.Real ...
        as_float = float(value)
        if not math.isfinite(as_float):
            raise BadInput(f"{name} must be a finite number, got {value!r}")
        try:
            return Fraction(value)  # type: ignore[call-overload]  # a Real Fraction may take; TypeError below if not
        except (TypeError, ValueError):
            return Fraction(as_float)
    raise BadInput(f"{name} must be a real number, got {type(value).__name__} {value!r}")


def is_symbolic(value) -> bool:
    """True for a sympy expression with free symbols (checked by the caller's assumptions)."""
    return bool(getattr(value, "free_symbols", None))


def _sympy_undefined():
    import sympy

    return (sympy.nan, sympy.zoo, sympy.oo, -sympy.oo)


def require(condition, message: str | Callable[[], str]) -> None:
    """Raise :class:`BadInput` unless ``condition`` (an exact comparison) holds.

    A sympy comparison that cannot be decided is not a failure: symbolic parameters are
    checked by the caller's assumptions. ``message`` may be a function giving the text, called
    only on failure (formatting the numbers of a message costs more than the check).
    """
    try:
        decided = bool(condition)
    except TypeError:  # undecidable sympy relational
        return
    if not decided:
        raise BadInput(message if isinstance(message, str) else message())


def finite_float(value, name: str) -> float:
    """``float(value)`` for an exact number, refusing (``BadInput``) one that overflows or
    whose nonzero value would round to 0 (floating-point analyses would see nonsense)."""
    try:
        number = float(value)
    except OverflowError:
        raise BadInput(f"{name} = {show(value)} is too large for the floating-point analyses") from None
    if not math.isfinite(number):
        raise BadInput(f"{name} = {show(value)} is not a finite floating-point number")
    if number == 0 and value != 0:
        raise BadInput(f"{name} = {show(value)} is too small for the floating-point analyses (rounds to 0)")
    return number


def rational_to_str(value: Rational | int) -> str:
    """``Fraction(3, 4)`` -> ``"3/4"``; integers as ``"5/1"`` is avoided: ``"5"``."""
    value = Fraction(value)
    return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"


def str_to_rational(text: str) -> Fraction:
    """Inverse of :func:`rational_to_str`; raises :class:`BadInput` on malformed text."""
    if not isinstance(text, str):
        raise BadInput(f"expected a rational string 'p/q', got {_preview(text)}")
    return _parse_text(text, "a rational string", MAX_DIGITS)


def show(value) -> str:
    """A number for messages: rationals and floats as short decimals, symbols as text.

    Never fails: a rational beyond the float range is shown as ``~1.5e+400`` from its
    digits (no OverflowError), long texts are cut.
    """
    if isinstance(value, Fraction) or (isinstance(value, int) and not isinstance(value, bool)):
        value = Fraction(value)
        short = decimal_string(value)
        try:
            if _parse_text(short, "", 2 * MAX_DIGITS) == value:
                return short
        except BadInput:
            pass
        if value.numerator.bit_length() + value.denominator.bit_length() <= 200:
            return rational_to_str(value)
        return "~" + short
    try:
        return f"{float(value):.10g}"
    except (TypeError, ValueError, OverflowError):
        return _preview(value)


def decimal_string(value: Fraction, digits: int = 10) -> str:
    """``value`` in scientific notation with ``digits`` significant digits, for any size."""
    if value == 0:
        return "0"
    try:
        as_float = float(value)
        if as_float != 0 and math.isfinite(as_float):
            return f"{as_float:.{digits}g}"
    except OverflowError:
        pass
    sign = "-" if value < 0 else ""
    value = abs(value)
    exponent = int((value.numerator.bit_length() - value.denominator.bit_length()) * 0.30103)
    scaled = value / Fraction(10) ** exponent
    while scaled >= 10:
        scaled, exponent = scaled / 10, exponent + 1
    while scaled < 1:
        scaled, exponent = scaled * 10, exponent - 1
    return f"{sign}{float(scaled):.{digits}g}e{exponent:+d}"


def _preview(value, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
