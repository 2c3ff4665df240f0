"""pepcert: tight, certified worst-case rates, Lyapunov functions and worst cases of
compressed first-order methods (compressed gradient descent, error feedback, DIANA, Muon and
your own).

Contract: every command takes ``--json`` (one JSON object on stdout, nothing else; the schema
is ``pepcert/schema/pepcert.schema.json``) and exits 0 on success, 1 when a check fails, 2 on
bad input. Bad input is reported as one line on stderr (with ``--json`` also as a JSON object
with ``error`` and ``exit_code`` on stdout), never as a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from pepcert.pep.errors import BadInput, SolverFailure

# Each module defines ``register(subparsers)``; the parser it adds sets ``run=callable(args)
# -> int``. Modules are listed explicitly so the command set is visible in one place.
COMMAND_MODULES = (
    "rate",
    "worst_case",
    "certify",
    "check",
    "verify",
    "muon",
    "bench",
    "compressors",
    "sweep",
    "reproduce",
    "saq",
)


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line (exit status 2)."""

    def error(self, message: str):  # noqa: D401 - argparse hook
        from pepcert.cli.output import emit_error

        emit_error(message, 2)
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="pepcert", description=__doc__.split("\n\n")[0])
    parser.add_argument("--version", action="version", version=_version())
    subparsers = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as error:
            if error.name == f"{__name__}.{name}":
                continue  # command not built yet
            raise
        module.register(subparsers)
    return parser


def _version() -> str:
    from pepcert._version import __version__

    return f"pepcert {__version__}"


def _value_options(parser: argparse.ArgumentParser) -> tuple[set, set]:
    """``(options that take one value, every option string)`` over all subcommands."""
    valued: set[str] = set()
    every: set[str] = set()
    stack = [parser]
    while stack:
        current = stack.pop()
        for action in current._actions:
            every.update(action.option_strings)
            if action.option_strings and action.nargs is None and not isinstance(action, argparse._StoreConstAction):
                valued.update(action.option_strings)
            if isinstance(action, argparse._SubParsersAction):
                stack.extend(action.choices.values())
    return valued, every


def attach_negative_values(argv: list[str], parser: argparse.ArgumentParser) -> list[str]:
    """``--steps -1/(t+1)`` -> ``--steps=-1/(t+1)``: argparse takes a value that starts with
    ``-`` and is not a plain number for an option; a value-taking option followed by a token
    that is not an option of ours gets it attached, so the value is parsed (and judged)."""
    valued, every = _value_options(parser)
    out, index = [], 0
    while index < len(argv):
        token = argv[index]
        if (token in valued and index + 1 < len(argv) and argv[index + 1].startswith("-")
                and argv[index + 1] not in every and argv[index + 1] != "--"
                and argv[index + 1].split("=", 1)[0] not in every):
            out.append(f"{token}={argv[index + 1]}")
            index += 2
            continue
        out.append(token)
        index += 1
    return out


# Commands that solve SDPs (they may load the solver's libraries the fast way).
SOLVING_COMMANDS = frozenset({"rate", "worst-case", "certify", "sweep", "reproduce", "verify", "bench"})


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    if arguments == ["--version"]:
        # argparse formats every option's choices while the parser is built, which imports
        # the method definitions (numpy); the version needs none of that.
        print(_version())
        return 0
    from pepcert.cli import output

    output.start(list(arguments), {name.replace("_", "-") for name in COMMAND_MODULES})
    parser = build_parser()
    args = parser.parse_args(attach_negative_values(list(arguments), parser))
    output.parsed(args)
    if args.command in SOLVING_COMMANDS:
        from pepcert.pep.solvers import preload_solver_libraries

        preload_solver_libraries()  # the solver's BLAS/LAPACK without all of scipy.linalg
    try:
        return int(args.run(args))
    except BadInput as error:
        return _failed(args, "error", str(error), 2)
    except SolverFailure as error:
        return _failed(args, "solver failure", str(error), 1)
    except BrokenPipeError:  # e.g. piped into `head`
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        output.stop_progress()
        print("pepcert: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # pragma: no cover - last line of defence, no traceback
        if os.environ.get("PEPCERT_DEBUG"):
            raise
        message = f"{type(error).__name__}: {error} (set PEPCERT_DEBUG=1 for a traceback)"
        return _failed(args, "internal error", message, 1)
    finally:
        output.stop_progress()


def _failed(args, kind: str, message: str, code: int) -> int:
    """One line on stderr (and, with ``--json``, the JSON error object on stdout)."""
    from pepcert.cli.output import emit_error, stop_progress

    stop_progress()  # the bar goes before the line
    emit_error(message if kind == "error" else f"{kind}: {message}", code)
    print(f"pepcert {args.command}: {kind}: {message}", file=sys.stderr)
    return code


def run() -> None:
    sys.exit(main())
