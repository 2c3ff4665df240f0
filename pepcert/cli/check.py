"""``pepcert check FILE``: re-verify a certificate exactly, without a solver or floats."""

from __future__ import annotations

import json

from pepcert.analyses import check_certificate
from pepcert.pep.errors import BadInput
from pepcert.cli.common import add_output_options, emit_json


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "check",
        help="re-verify a certificate file exactly (exit 0 valid, 1 invalid)",
        description="Rebuilds the method's one-step problem from the file's rational parameters and "
        "checks the file's claims rho_upper (Lyapunov certificate) and rho_lower (instance) in "
        "exact rational arithmetic. No solver, no floating point.",
    )
    parser.add_argument("file", help="a certificate written by pepcert certify --out")
    add_output_options(parser)
    parser.set_defaults(run=run)


def run(args) -> int:
    try:
        with open(args.file) as handle:
            document = json.load(handle)
    except OSError as error:
        raise BadInput(f"cannot read {args.file}: {error.strerror}") from None
    except json.JSONDecodeError as error:
        raise BadInput(f"{args.file} is not JSON: {error.msg} (line {error.lineno})") from None
    if not isinstance(document, dict):
        raise BadInput(f"{args.file} is not a pepcert certificate")
    report = check_certificate(document)
    if args.json:
        emit_json(report.to_dict())
    elif report.valid:
        print(f"VALID: {float(report.rho_lower):.15g} <= rate <= {float(report.rho_upper):.15g} "
              f"({document.get('method')}, exact rational arithmetic)")
    else:
        print("INVALID: " + "; ".join(report.reasons))
    return 0 if report.valid else 1
