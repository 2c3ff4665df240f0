"""``pepcert check FILE [--method-from path.py:factory]``: re-verify a certificate exactly,
without a solver or floats. The file never names code; a user-defined method's definition is
given on the command line (the one place where pepcert imports a file the user names)."""

from __future__ import annotations

from pepcert.analyses.certificate_file import read_certificate
from pepcert.cli.common import add_output_options, emit_json, time_limit
from pepcert.pep.errors import BadInput
from pepcert.pep.numerics.numbers import decimal_string


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "check",
        help="re-verify a certificate file exactly (exit 0 valid, 1 invalid)",
        description="Rebuilds the method's one-step problem from the file's rational parameters and "
        "checks the file's claims rho_upper (Lyapunov certificate) and rho_lower (instance) in "
        "exact rational arithmetic; for an N-step certificate, the N-step problem, its dual identity "
        "(upper bound) and its instance (lower bound). No solver, no floating point.",
    )
    parser.add_argument("file", help="a certificate written by pepcert certify --out")
    parser.add_argument("--max-seconds", type=float, default=10.0, metavar="S",
                        help="give up (exit 2) after S seconds of checking (default 10; pepcert's own "
                        "certificates of eight agents check in under a second)")
    parser.add_argument("--method-from", metavar="PATH.py:FACTORY",
                        help="the definition of a user-defined method: a Python file and the name of "
                        "its factory (called with the file's parameters as keyword arguments)")
    add_output_options(parser, latex=True)
    parser.set_defaults(run=run)


def load_factory(spec: str):
    """Import ``FACTORY`` from the Python file ``PATH`` (``PATH.py:FACTORY``)."""
    import importlib.util
    from pathlib import Path

    path, sep, name = spec.rpartition(":")
    if not sep or not path or not name.isidentifier():
        raise BadInput(f"--method-from must be PATH.py:FACTORY, got {spec!r}")
    file = Path(path)
    if not file.is_file():
        raise BadInput(f"--method-from: no such file {path!r}")
    module_spec = importlib.util.spec_from_file_location(f"pepcert_user_method_{file.stem}", file)
    if module_spec is None or module_spec.loader is None:
        raise BadInput(f"--method-from: {path!r} is not a Python file")
    module = importlib.util.module_from_spec(module_spec)
    try:
        module_spec.loader.exec_module(module)
    except Exception as error:  # the user's own file: report, do not trace
        raise BadInput(f"--method-from: importing {path!r} failed: {type(error).__name__}: {error}") from None
    factory = getattr(module, name, None)
    if not callable(factory):
        raise BadInput(f"--method-from: {path!r} has no callable {name!r}")
    return factory


def run(args) -> int:
    """Exit 2 when the file cannot be read as a certificate (limits in
    :mod:`pepcert.analyses.certificate_file`), 1 when its proof fails, 0 when it holds."""
    import math

    from pepcert.analyses import check_certificate

    if not (math.isfinite(args.max_seconds) and 0 < args.max_seconds <= 86400):
        raise BadInput("--max-seconds must be a positive number of seconds (at most a day)")
    with time_limit(args.max_seconds, f"checking {args.file}"):
        document = read_certificate(args.file)
        factory = load_factory(args.method_from) if args.method_from else None
        report = check_certificate(document, method=factory)
    if getattr(report, "kind", None) == "noisy":
        return _noisy(args, report)
    nstep = not hasattr(report, "controls_state")  # an N-step worst case
    if nstep and args.latex:
        raise BadInput("--latex states rate certificates; an N-step certificate is checked as text or --json")
    if args.json:
        emit_json(report.to_dict())
    elif report.valid and nstep:
        note = "" if report.lower_bound is not None else "; the file claims no lower bound"
        print(f"VALID: {report.statement()} ({report.method} at {report.problem_text()}; {report.definition}; "
              f"exact rational arithmetic){note}")
    elif args.latex:
        _latex(report, document, factory)
    elif report.valid:
        # What was proven is named on the same line: a file may be for other numbers than yours.
        subject = "rate" if report.controls_state else "rate of its Lyapunov function V"
        print(f"VALID: {decimal_string(report.rho_lower, 15)} <= {subject} <= {decimal_string(report.rho_upper, 15)} "
              f"({report.method} at {report.problem_text()}; {report.definition}; exact rational arithmetic)"
              + _convergence_note(report))
    else:
        print("INVALID: " + "; ".join(report.reasons))
    return 0 if report.valid else 1


def _noisy(args, report) -> int:
    """A noise pair ``(rho, C)``: what both identities prove, with the numbers."""
    if args.latex:
        raise BadInput("--latex states rate certificates; a noise-pair certificate is checked as text or --json")
    if args.json:
        emit_json(report.to_dict())
    elif report.valid:
        print(f"VALID: {report.statement()} ({report.method} at {report.problem_text()}; {report.definition}; "
              "exact rational arithmetic)")
    else:
        print("INVALID: " + "; ".join(report.reasons))
    return 0 if report.valid else 1


def _latex(report, document: dict, factory) -> None:
    """``--latex``: what the certificate proves, as a theorem with its exact coefficients."""
    from pepcert.cli.output import emit_latex, method_latex
    from pepcert.pep.algorithms import BUILTIN_METHODS
    from pepcert.pep.latex_statements import certified_theorem

    definition = factory or BUILTIN_METHODS.get(str(document.get("builtin")))
    agents = len((document.get("classes", {}).get("function") or {}).get("agents", [None]))
    equations = method_latex(definition, dict(report.parameters or {}), agents) if report.valid else None
    emit_latex(certified_theorem(report.to_dict(), document if report.valid else None, equations))


def _convergence_note(report) -> str:
    """A valid certificate with ``rho_upper >= 1`` proves no convergence (rate 1 is no rate);
    one whose V does not control the state proves a rate of V only."""
    if not report.controls_state:
        return "; V does not control the whole state, so this is not a rate of the method"
    if report.rho_lower >= 1:
        return "; the method does not converge (rho_lower >= 1)"
    if report.rho_upper >= 1:
        return "; rho_upper >= 1: this certificate does not prove convergence"
    return ""
