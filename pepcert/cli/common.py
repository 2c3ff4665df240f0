"""Helpers shared by the subcommands: common options, JSON output, parameter parsing."""

from __future__ import annotations

import argparse
import json
import math
import sys
from fractions import Fraction
from typing import Any

from ..pep.numbers import parse_rational, rational_to_str


def add_output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout, nothing else")


def rational_arg(name: str):
    """argparse ``type=`` that parses an exact rational; errors become one usage line."""

    def parse(text: str) -> Fraction:
        from ..pep.errors import BadInput

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
