"""The one rule by which every result becomes JSON.

* An exact rational (``Fraction``) is written ``"p/q"`` (an integer as ``"p"``); an exact
  irrational constant (a sympy number such as ``sqrt(30)/2 - 1``) as its text. Inside an
  object, the key ``k`` of an exact value gets a float twin ``k_float`` beside it (unless the
  object already has one), so a reader who wants a number has one and a reader who wants the
  proof has the exact value.
* A float is a JSON number when finite; ``inf``, ``-inf`` and ``nan`` are ``null``, and the key
  ``k`` gets ``k_reason`` (unless the object already says why), never a number written as a
  string.
* numpy scalars and arrays become numbers and lists; results with ``to_dict()`` convert
  through it; anything else is an error (no silent ``str()``).

``twins=False`` is the exact-file rule (the certificate format, whose readers refuse unknown
keys): no twins, every number a rational string (integers too), and a float is an error.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from fractions import Fraction
from typing import Any


def _is_exact(value: Any) -> bool:
    if isinstance(value, Fraction):
        return True
    return hasattr(value, "free_symbols") and not value.free_symbols  # a sympy constant


def _exact_text(value: Any) -> str:
    if isinstance(value, Fraction):
        return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    if getattr(value, "is_Rational", False):
        return _exact_text(Fraction(int(value.p), int(value.q)))
    return str(value)


def _reason(value: float) -> str:
    if math.isnan(value):
        return "not a number"
    return "infinite (+inf)" if value > 0 else "infinite (-inf)"


def _contains(value: Any, test) -> bool:
    if isinstance(value, (list, tuple)):
        return any(_contains(v, test) for v in value)
    if hasattr(value, "tolist") and hasattr(value, "dtype"):
        return _contains(value.tolist(), test)
    return test(value)


def _non_finite(value: Any) -> bool:
    return isinstance(value, float) and not math.isfinite(value)


def _floats(value: Any) -> Any:
    """The float twin of an exact value (nested lists kept)."""
    if isinstance(value, (list, tuple)):
        return [_floats(v) for v in value]
    number = float(value)
    return number if math.isfinite(number) else None


def jsonable(value: Any, twins: bool = True) -> Any:
    """``value`` as JSON data by the module's rule."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value) if twins else str(int(value))
    if isinstance(value, float):
        if not twins:
            raise TypeError(f"a float ({value!r}) in exact data")
        return float(value) if math.isfinite(value) else None
    if _is_exact(value):
        return _exact_text(value)
    if isinstance(value, Mapping):
        return _mapping(value, twins)
    if isinstance(value, (list, tuple)):
        return [jsonable(v, twins) for v in value]
    if hasattr(value, "dtype") and hasattr(value, "tolist"):  # numpy scalars and arrays
        return jsonable(value.tolist(), twins)
    if hasattr(value, "to_dict"):
        return jsonable(value.to_dict(), twins)
    raise TypeError(f"no JSON form for {type(value).__name__}")


def _mapping(value: Mapping, twins: bool) -> dict:
    out: dict = {}
    for key, item in value.items():
        key = str(key)
        out[key] = jsonable(item, twins)
        if twins and f"{key}_float" not in value and _contains(item, _is_exact):
            out[f"{key}_float"] = _floats(item)
        plain = item.tolist() if hasattr(item, "dtype") and hasattr(item, "tolist") else item
        if f"{key}_reason" not in value and _contains(plain, _non_finite):
            out[f"{key}_reason"] = _reason(plain) if isinstance(plain, float) else "contains non-finite values (null)"
    return out
