"""Helpers shared by the subcommands: common options, JSON output, parameter parsing."""

from __future__ import annotations

import argparse
import json
import math
import sys
from fractions import Fraction
from typing import Any

from pepcert.pep.numerics.numbers import parse_rational, rational_to_str, show


def add_output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout, nothing else")


def rational_arg(name: str):
    """argparse ``type=`` that parses an exact rational; errors become one usage line."""

    def parse(text: str) -> Fraction:
        from pepcert.pep.errors import BadInput

        try:
            return parse_rational(text, name)
        except BadInput as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    parse.__name__ = name
    return parse


def jsonable(value: Any) -> Any:
    """Convert results to JSON: Fractions become ``"p/q"``, non-finite floats become strings."""
    if isinstance(value, Fraction):
        return rational_to_str(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if hasattr(value, "tolist"):
        return jsonable(value.tolist())
    if hasattr(value, "item"):
        return jsonable(value.item())
    return value


def emit_json(payload: dict) -> None:
    json.dump(jsonable(payload), sys.stdout)
    sys.stdout.write("\n")


def class_numbers(classes) -> dict:
    """The classes' numbers as floats at the top level of a JSON payload (``mu``, ``L``,
    ``delta`` / ``omega``), as the command-line contract lists them."""
    numbers = dict(classes.function.numbers())
    if classes.compressor is not None:
        numbers.update(classes.compressor.numbers())
    return {name: float(value) for name, value in numbers.items()}


# -- the problem every analysis command shares ----------------------------------------------


class LazyChoices:
    """argparse ``choices`` read from ``module.attribute`` on first use: building the parser
    (``pepcert --version``) must not import the method definitions (numpy)."""

    def __init__(self, module: str, attribute: str):
        self.module, self.attribute = module, attribute

    def _names(self) -> list[str]:
        import importlib

        return sorted(getattr(importlib.import_module(self.module), self.attribute))

    def __iter__(self):
        return iter(self._names())

    def __contains__(self, name) -> bool:
        return name in self._names()


def add_problem_options(parser: argparse.ArgumentParser, eta: bool = True) -> None:
    group = parser.add_argument_group("problem")
    group.add_argument("--method", required=True, type=str.lower, choices=LazyChoices("pepcert.pep.algorithms", "BUILTIN_METHODS"),
                       help="the method to analyse")
    group.add_argument("--mu", required=True, type=rational_arg("mu"), help="strong convexity, 0 <= mu < L")
    group.add_argument("--L", required=True, type=rational_arg("L"), help="smoothness constant, L > 0")
    group.add_argument("--delta", required=True, type=rational_arg("delta"),
                       help="compressor contraction: ||C(v) - v||^2 <= (1 - delta)||v||^2, 0 < delta <= 1")
    group.add_argument("--random", action="store_true",
                       help="the compressor is random and contractive only in expectation")
    if eta:
        group.add_argument("--eta", default="optimal",
                           help="step size (a positive number) or 'optimal' (default: optimal)")
    parser.add_argument("--solver", choices=("clarabel", "scs", "mosek"), default=None,
                        help="SDP back-end (default: MOSEK when licensed, else Clarabel)")


def problem_from_args(args):
    """``(factory, classes, eta)``: ``eta`` is a Fraction or the string ``"optimal"``."""
    from pepcert.pep.compressors import Contractive
    from pepcert.pep.functions import SmoothStronglyConvex
    from pepcert.pep.algorithms import method_factory
    from pepcert.pep.problem import ProblemClass
    from pepcert.pep.errors import BadInput

    classes = ProblemClass(SmoothStronglyConvex(args.mu, args.L), Contractive(args.delta, in_expectation=args.random))
    _check_float_range(args.mu, args.L)
    if args.delta < Fraction(1, 10**300):
        raise BadInput(f"delta = {show(args.delta)} underflows in floating point (below 1e-300)")
    factory = method_factory(args.method)
    eta = getattr(args, "eta", "optimal")
    if isinstance(eta, str) and eta.strip().lower() == "optimal":
        eta = "optimal"
    else:
        eta = parse_rational(eta, "eta")
        if eta <= 0:
            raise BadInput(f"eta must be a positive number or 'optimal', got {args.eta}")
        if eta > 1000 / args.L:
            raise BadInput(f"eta = {args.eta} is far beyond any useful step (at most 1000/L)")
        if eta * args.L < FLOAT_RANGE[0]:
            raise BadInput(f"eta L = {show(eta * args.L)} is below {FLOAT_RANGE[0]:g}: too small for the "
                           "floating-point solvers (the method barely moves; its rate is 1 to double precision)")
    return factory, classes, eta


#: Magnitudes the floating-point analyses (SDP solvers, step search) handle: L within this
#: range, and mu / L either 0 or above its lower end. The rates of the built-in methods depend
#: on mu / L and eta L only, so a problem outside it can be rescaled.
FLOAT_RANGE = (1e-100, 1e100)


def _check_float_range(mu, L) -> None:
    """Refuse (exactly, before any float is formed) magnitudes that floats would corrupt:
    ``L = 2e-310`` is subnormal and ``1/L`` overflows; the analysis would see nonsense."""
    from pepcert.pep.errors import BadInput

    low, high = (parse_rational(repr(bound), "bound") for bound in FLOAT_RANGE)
    if not low <= L <= high:
        raise BadInput(f"L = {show(L)} is outside [{FLOAT_RANGE[0]:g}, {FLOAT_RANGE[1]:g}], the range of the "
                       "floating-point analyses; rescale the problem (rates depend on mu/L and eta L only)")
    if mu != 0 and mu / L < low:
        raise BadInput(f"mu / L = {show(mu / L)} is below {FLOAT_RANGE[0]:g}: indistinguishable from mu = 0 in "
                       "floating point; use --mu 0")
