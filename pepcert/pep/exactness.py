"""The number boundary: one place that turns a method and its classes into exact rationals.

An exact check must see only integers and :class:`fractions.Fraction` s. User numbers are
converted here, once: a float means the decimal it prints as (``0.1`` is ``1/10``), a string
is parsed exactly (``"1/3"``, ``"2e-3"``). A float that a method captured *inside* its
definition (``beta = 0.1`` in a closure) cannot be converted from outside, so
:func:`require_exact` scans the problem the exact check is about to use and refuses it with the
first offending coefficient, instead of certifying a float problem.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from fractions import Fraction
from typing import Any

from pepcert.pep.errors import BadInput
from pepcert.pep.expressions import Scalar, Vector
from pepcert.pep.numerics.numbers import finite_float, parse_rational


def exact_number(value, name: str = "a parameter") -> Fraction:
    """``value`` as an exact rational (floats by their shortest decimal repr)."""
    return parse_rational(value, name)


def exact_parameters(parameters: Mapping[str, Any]) -> dict[str, Fraction]:
    return {name: exact_number(value, name) for name, value in parameters.items()}


def float_parameters(parameters: Mapping[str, Any]) -> dict[str, float]:
    return {name: finite_float(exact_number(value, name), name) for name, value in parameters.items()}


def exact_problem(factory: Callable, classes, parameters: Mapping[str, Any]):
    """``(method, classes, parameters)`` with every number an exact rational: the method is
    rebuilt by ``factory(**parameters)`` from rational parameters."""
    from pepcert.pep.user_code import build_method

    exact = exact_parameters(parameters)
    return build_method(factory, exact), classes.converted(lambda v: exact_number(v, "a class parameter")), exact


def float_problem(factory: Callable, classes, parameters: Mapping[str, Any]):
    """The floating-point twin of :func:`exact_problem` (for the solver)."""
    from pepcert.pep.user_code import build_method

    return build_method(factory, float_parameters(parameters)), classes.converted(_class_float)


def _class_float(value) -> float:
    """A class constant as a float: rationals and floats exactly parsed first, an exact
    irrational constant (a sympy number such as dithering's ``sqrt(30)/2 - 1``) evaluated."""
    if getattr(value, "free_symbols", None) is not None and not value.free_symbols:
        return finite_float(value, "a class parameter")
    return finite_float(exact_number(value, "a class parameter"), "a class parameter")


def _coefficients(item) -> Iterable:
    if isinstance(item, Vector):
        return item.coefficients.values()
    if isinstance(item, Scalar):
        return [*item.quadratic.values(), *item.linear.values(), item.constant]
    return [item]


def require_exact(items: Iterable, what: str) -> None:
    """Raise :class:`BadInput` if any coefficient of ``items`` (vectors, scalars, numbers) is
    not an integer or a Fraction."""
    for item in items:
        for value in _coefficients(item):
            if not isinstance(value, (int, Fraction)) or isinstance(value, bool):
                raise BadInput(
                    f"a {type(value).__name__} coefficient ({value!r}) reached the exact check of {what}: "
                    "build the method from its parameters (pass them to certify as parameters=..., or "
                    "use Fraction numbers inside its definition)"
                )
