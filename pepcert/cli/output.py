"""What every command prints besides its own text: the JSON envelope and error object, the
progress bar, and the LaTeX document.

JSON (one schema, ``pepcert/schema/pepcert.schema.json``): every object carries
``pepcert_version``, ``command`` and ``inputs`` (the options as given, numbers exact with a
float twin, :mod:`pepcert.pep.serialise`); with ``--json`` an error is the object
``{"error", "exit_code", "pepcert_version", "command"}`` on stdout (and its one line on stderr).
``main`` records the running command here before parsing (:func:`start`), so a usage error
of argparse can also be a JSON object.

Progress: a rich bar on stderr, off with ``--quiet`` or when stderr is not a terminal; the
analyses take a plain callback ``progress(done, total, what)`` (``total`` None when unknown)
and never import rich.
"""

from __future__ import annotations

import json
import sys
from typing import Any

#: The running command (set by ``pepcert.cli.main``): its name, whether ``--json`` was asked,
#: and its parsed options.
_RUN: dict = {"command": None, "json": False, "inputs": None}

#: Options that are presentation, not inputs of the analysis.
_NOT_INPUTS = frozenset({"run", "json", "quiet", "latex", "command", "muon_action"})


def add_output_options(parser, latex: bool = False) -> None:
    """``--json`` and ``--quiet`` (and ``--latex`` where a command states a theorem)."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--json", action="store_true", help="print one JSON object on stdout, nothing else")
    if latex:
        group.add_argument("--latex", action="store_true",
                           help="print the result as a LaTeX document (a theorem with its constants; exact "
                           "where certified)")
    parser.add_argument("--quiet", action="store_true",
                        help="no progress bar (it is off anyway when stderr is not a terminal)")


def start(argv: list[str], commands: set[str]) -> None:
    """Record, before parsing, which command runs and whether ``--json`` was asked."""
    words = [token for token in argv if not token.startswith("-")]
    command = next((word for word in words if word in commands), None)
    if command == "muon" and "train" in words[words.index("muon") + 1:]:
        command = "muon train"
    _RUN.update(command=command, json="--json" in argv, inputs=None)


def parsed(args) -> None:
    """Record the parsed options (the ``inputs`` of the JSON envelope)."""
    command = args.command + (f" {args.muon_action}" if getattr(args, "muon_action", None) else "")
    _RUN.update(command=command, json=bool(getattr(args, "json", False)), inputs=_inputs(vars(args)))


def _inputs(options: dict) -> dict:
    """The options as given: text that is a number becomes that exact number."""
    from pepcert.pep.errors import BadInput
    from pepcert.pep.numerics.numbers import parse_rational

    out = {}
    for name, value in options.items():
        if name in _NOT_INPUTS or callable(value):
            continue
        if isinstance(value, str):
            try:
                number = parse_rational(value, name, max_digits=60)
                value = int(number) if number.denominator == 1 else number
            except BadInput:
                pass
        out[name] = value
    return out


def envelope() -> dict:
    from pepcert._version import __version__

    return {"pepcert_version": __version__, "command": _RUN["command"]}


def json_wanted() -> bool:
    return bool(_RUN["json"])


def emit_json(payload: dict) -> None:
    """One JSON object on stdout: the envelope, then ``payload`` converted by the one rule of
    :mod:`pepcert.pep.serialise` (a payload's own ``pepcert_version``/``command``/``inputs`` win)."""
    from pepcert.pep.serialise import jsonable

    body = jsonable(payload)
    head = envelope()
    if _RUN["inputs"] is not None and "inputs" not in body:
        head.update(jsonable({"inputs": _RUN["inputs"]}))
    json.dump({**head, **body}, sys.stdout)
    sys.stdout.write("\n")


def emit_error(message: str, exit_code: int) -> None:
    """The JSON error object on stdout, when ``--json`` was asked (else nothing)."""
    if json_wanted():
        json.dump({"error": message, "exit_code": exit_code, **envelope()}, sys.stdout)
        sys.stdout.write("\n")
        sys.stdout.flush()


def count(n: int, word: str) -> str:
    """``1 step``, ``2 steps``."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


# -- progress ------------------------------------------------------------------------------


def showing_progress(args) -> bool:
    """A bar is drawn unless ``--quiet`` or stderr is not a terminal."""
    return not getattr(args, "quiet", False) and sys.stderr.isatty()


class progress_bar:
    """``with progress_bar(args, "rate") as progress:`` -- ``progress(done, total, what)`` for
    the analyses (None when no bar is drawn); ``progress.advance(k)`` for counted work. ``total``
    None shows a running count; the elapsed time runs between calls (a long single solve still
    shows it is alive). :func:`start_progress` / :func:`stop_progress` do the same without a
    ``with`` block (``main`` stops a bar left running)."""

    def __init__(self, args, description: str, total: int | None = None):
        self.show, self.description, self.total = showing_progress(args), description, total
        self.bar: Any = None
        self.task: Any = None

    def __enter__(self):
        if not self.show:
            return None
        from pepcert.sweeps.run import progress_display

        self.bar = progress_display(True, self.total, self.description, allow_unknown=True)
        self.task = self.bar.task_ids[0]
        return self

    def __call__(self, done: int, total: int | None, what: str) -> None:
        self.bar.update(self.task, completed=done, total=total, description=f"{self.description}: {what}")

    def advance(self, amount: int = 1) -> None:
        self.bar.advance(self.task, amount)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.stop()
            self.bar = None
        return False


_ACTIVE: list = []


def start_progress(args, description: str, total: int | None = None):
    """A running :class:`progress_bar`'s callback (None when no bar is drawn)."""
    bar = progress_bar(args, description, total)
    callback = bar.__enter__()
    if callback is not None:
        _ACTIVE.append(bar)
    return callback


def stop_progress() -> None:
    """Stop every bar :func:`start_progress` started (before printing the result)."""
    while _ACTIVE:
        _ACTIVE.pop().__exit__(None, None, None)


# -- LaTeX ---------------------------------------------------------------------------------


def emit_latex(body: str) -> None:
    """A standalone LaTeX document around ``body`` (:func:`pepcert.pep.latex.document`)."""
    from pepcert.pep.latex import document

    sys.stdout.write(document(body))


def method_latex(factory, parameters: dict, agents: int = 1) -> str | None:
    """The method's update as LaTeX: its factory called with a sympy symbol for each parameter
    (``n``, the number of agents, stays a number), then with a symbolic ``eta`` only; None when
    neither builds (the statement then names the method and its parameters only)."""
    from pepcert.pep.latex_statements import method_equations

    if factory is None:
        return None
    import sympy

    for symbolic in (set(parameters) - {"n"}, {"eta"}):
        arguments = {k: (sympy.Symbol(k) if k in symbolic else v) for k, v in parameters.items()}
        try:
            method = factory(**arguments)
        except Exception:  # noqa: BLE001 - a factory may check its numbers; try the next form
            continue
        equations = method_equations(method, agents)
        if equations is not None:
            return equations
    return None
