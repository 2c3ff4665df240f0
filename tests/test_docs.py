"""Every command and output shown in README.md and docs/*.md is produced by this test, so the
documentation cannot go stale:

* a transcript (a fenced block whose lines start with ``$ pepcert ...``) is run line by line in
  a scratch folder and each command's shown output (a command shown without one is parsed, as
  below) is compared with a fresh run: text exactly,
  numbers to a relative 1e-6 plus half a unit in the last digit each side prints (a number
  printed to six digits is rounded there: 0.9750975 prints as 0.975097 or 0.975098 depending on
  the last bits; integers exactly), timings (``175.2 ms``, ``3.4 s``) as any timing, and ``...`` as
  any text (the documented placeholder for what varies); a ``--json`` command's shown object
  is a subset of the real one (the docs may leave keys out, and show ``"..."`` for a value that
  varies, e.g. one optimal dual point of several);
* a command shown without output (a ``bash`` block, ``pepcert ...`` lines) is parsed by the
  real command line, so every option it uses exists; a usage synopsis (``[--opt]``, ``{a,b}``)
  names only options the command has; ``python -m pytest PATHS`` names existing files;
* a Python block runs (doctest for ``>>>`` blocks); when a ``text`` block without ``$`` follows
  it (at most a short sentence between), that is its output and is compared as above.

A block can say what it needs in an HTML comment on the line before it (invisible on the
site): ``<!-- docs-test: files gd.json -->`` (made by :data:`FILES`), ``<!-- docs-test:
fragment: REASON -->`` (a Python fragment, not runnable on its own; the reason is required).
"""

from __future__ import annotations

import contextlib
import doctest
import io
import json
import math
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md"] + sorted((ROOT / "docs").glob("*.md"))
FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```", re.S | re.M)
DIRECTIVE = re.compile(r"<!--\s*docs-test:\s*(.*?)\s*-->")
NUMBER = r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?"
TIME = re.compile(r"\b\d+(?:\.\d+)?\s?(?:ms|s)\b")


@dataclass(frozen=True)
class Block:
    page: str
    line: int
    lang: str
    text: str
    directive: str  # the docs-test comment before it ('' if none)
    output: Block | None = None  # a Python block's shown output

    @property
    def id(self) -> str:
        return f"{self.page}:{self.line}"


def blocks() -> list[Block]:
    found = []
    for page in PAGES:
        text = page.read_text()
        matches = list(FENCE.finditer(text))
        for index, match in enumerate(matches):
            line = text[: match.start()].count("\n") + 1
            before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
            directive = DIRECTIVE.search(before)
            output = None
            if match.group(1) == "python" and index + 1 < len(matches):
                following = matches[index + 1]
                gap = text[match.end(): following.start()]
                if following.group(1) == "text" and gap.count("\n") <= 4 and not following.group(2).startswith("$"):
                    output = Block(page.name, text[: following.start()].count("\n") + 1, "text", following.group(2), "")
            found.append(Block(str(page.relative_to(ROOT)), line, match.group(1), match.group(2),
                               directive.group(1) if directive else "", output))
    return found


ALL = blocks()
TRANSCRIPTS = [b for b in ALL if re.search(r"^\$ pepcert ", b.text, re.M)]
PYTHON = [b for b in ALL if b.lang == "python"]
OUTPUTS = {id(b.output.text) for b in PYTHON if b.output} | {b.output.text for b in PYTHON if b.output}
COMMANDS = [b for b in ALL if b not in TRANSCRIPTS and b.lang != "python"
            and re.search(r"^(\$ )?(.*&& )?(pepcert |python -m pytest)", b.text, re.M)]


# -- comparing a shown output with a fresh one ----------------------------------------------


def _pattern(shown: str) -> str:
    """A regex for ``shown``: numbers captured, timings and ``...`` as wildcards."""
    parts = []
    for token in re.split(rf"(\.\.\.|<time>|{NUMBER})", shown):
        if token == "...":
            parts.append(".*?")
        elif token == "<time>":
            parts.append(re.escape(token))  # both sides have their timings replaced by <time>
        elif token and re.fullmatch(NUMBER, token):
            parts.append(f"({NUMBER})")
        else:
            parts.append(re.escape(token))
    return "".join(parts)


def _normal(text: str) -> str:
    return "\n".join(line.rstrip() for line in TIME.sub("<time>", text).strip().splitlines())


def assert_same(shown: str, actual: str, where: str) -> None:
    if shown.lstrip().startswith("{"):  # a JSON object (stdout; a line on stderr may follow it)
        return assert_subset(json.loads(shown), json.JSONDecoder().raw_decode(actual.lstrip())[0], where)
    expected, real = _normal(shown), _normal(actual)
    match = re.fullmatch(_pattern(expected), real, re.S)
    assert match, f"{where}: the shown output differs from a fresh run:\n--- shown\n{expected}\n--- fresh\n{real}"
    numbers = re.findall(NUMBER, re.sub(r"\.\.\.|<time>", " ", expected))
    for want, got in zip(numbers, match.groups()):
        allowed = 1e-6 * abs(float(want)) + 1e-12 + (last_digit(want) + last_digit(got)) / 2
        assert abs(float(got) - float(want)) <= allowed, f"{where}: {want} shown, {got} computed\n{real}"


def last_digit(printed: str) -> float:
    """One unit in the last digit a printed decimal can have been rounded at: its own last digit,
    or the sixth significant one when it shows fewer (``%g`` drops trailing zeros: ``0.5`` is
    0.500000). ``0.975097`` -> 1e-6, ``67.8822`` -> 1e-4, ``0.5`` -> 1e-6, ``1e-06`` -> 1e-11;
    0 for an integer, which is compared exactly."""
    mantissa, _, exponent = printed.lower().lstrip("-").partition("e")
    digits = mantissa.replace(".", "").lstrip("0")
    if ("." not in mantissa and not exponent) or not digits:
        return 0.0
    lead = math.floor(math.log10(abs(float(printed))))
    return 10.0 ** (lead - max(len(digits), 6) + 1)


def assert_subset(shown, actual, where: str) -> None:
    if shown == "...":  # a value that varies (module docstring)
        return
    if isinstance(shown, dict):
        assert isinstance(actual, dict), where
        for key, value in shown.items():
            assert key in actual, f"{where}: no key {key!r} in the fresh output"
            assert_subset(value, actual[key], f"{where}.{key}")
    elif isinstance(shown, list):
        assert isinstance(actual, list) and len(shown) == len(actual), where
        for index, (a, b) in enumerate(zip(shown, actual)):
            assert_subset(a, b, f"{where}[{index}]")
    elif isinstance(shown, float) and not isinstance(shown, bool):
        assert actual == pytest.approx(shown, rel=1e-6, abs=1e-12), f"{where}: {shown} shown, {actual} computed"
    elif not (where.endswith(".seconds")):
        assert shown == actual, f"{where}: {shown!r} shown, {actual!r} computed"


# -- running ---------------------------------------------------------------------------------


def _gd_certificate(folder: Path) -> None:
    from fractions import Fraction

    from pepcert import ProblemClass, SmoothStronglyConvex, certify
    from user_methods import gradient_descent

    result = certify(gradient_descent, ProblemClass(SmoothStronglyConvex(Fraction(1, 10), Fraction(1))),
                     Fraction(20, 11))
    (folder / "gd.json").write_text(json.dumps(result.certificate))


#: Files a block may need (``<!-- docs-test: files NAME -->``) and how they are made.
FILES = {"gd.json": _gd_certificate}


def _scratch(block: Block, tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "tests").symlink_to(ROOT / "tests")
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    if block.directive.startswith("files "):
        for name in block.directive.split()[1:]:
            FILES[name](tmp_path)
    monkeypatch.chdir(tmp_path)


def _run_example(path: str) -> str:
    """An example script's stdout, run as ``python examples/NAME.py`` would run it."""
    import runpy

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        runpy.run_path(str(ROOT / path), run_name="__main__")
    return buffer.getvalue()


def _run_cli(argv: list[str], status: list | None = None) -> str:
    """The command's stdout and stderr as one text (its exit status appended to ``status``)."""
    from pepcert.cli import main

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
        try:
            code = main(argv)
        except SystemExit as stop:
            code = stop.code
    if status is not None:
        status.append(code)
    return buffer.getvalue()


def _steps(text: str) -> list[tuple[str, str]]:
    """``(command, shown output)`` for each ``$`` line of a transcript."""
    steps: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], []))
        elif steps:
            steps[-1][1].append(line)
    return [(command, "\n".join(lines)) for command, lines in steps]


@pytest.mark.parametrize("block", TRANSCRIPTS, ids=lambda b: b.id)
def test_transcripts_match_a_fresh_run(block, tmp_path, monkeypatch):
    _scratch(block, tmp_path, monkeypatch)
    for command, shown in _steps(block.text):
        words = shlex.split(command, comments=True)
        if words[:1] == ["python"] and len(words) == 2 and words[1].startswith("examples/") and shown.strip():
            assert_same(shown, _run_example(words[1]), f"{block.id}: {command}")
            continue
        if words[0] != "pepcert":
            _check_other(words, block)
            continue
        if not shown.strip():  # shown without its output: a valid command line (as in a bash block)
            check_command(command, block)
            continue
        assert_same(shown, _run_cli(words[1:]), f"{block.id}: {command}")


# -- commands shown without output -----------------------------------------------------------

SYNOPSIS = re.compile(r"\[|\{[\w-]+,|\w\|\w|\bFILE\b|\bEXPR\b|\bSPEC\b")


def _commands(text: str) -> list[str]:
    """The command lines of a block (continuations joined, prompts and comments dropped)."""
    joined = re.sub(r"\\\n\s*", " ", text)
    out = []
    for line in joined.splitlines():
        line = line.strip().removeprefix("$ ")
        for part in line.split("&&"):
            part = part.strip()
            if part.startswith(("pepcert ", "python -m pytest")):
                out.append(part)
    return out


def _subparser(words: list[str]):
    import argparse

    from pepcert.cli import build_parser

    parser = build_parser()
    for word in words:
        action = next((a for a in parser._actions if isinstance(a, argparse._SubParsersAction)), None)
        if action is None or word not in action.choices:
            break
        parser = action.choices[word]
    return parser


def _check_other(words: list[str], block: Block) -> None:
    if words[:3] == ["python", "-m", "pytest"]:
        for path in (w for w in words[3:] if not w.startswith("-")):
            assert (ROOT / path.split("::")[0]).exists(), f"{block.id}: {path} does not exist"
        return
    pytest.fail(f"{block.id}: a command the docs test does not know how to check: {' '.join(words)}")


def check_command(command: str, block: Block) -> None:
    words = shlex.split(command, comments=True)
    if words[0] != "pepcert":
        return _check_other(words, block)
    if SYNOPSIS.search(command):  # a usage synopsis: every option it names exists
        names = [w for w in words[1:] if not w.startswith(("-", "[", "{"))][:2]
        parser = _subparser(names)
        known = {s for action in parser._actions for s in action.option_strings}
        for option in re.findall(r"(?<![\w-])(--?[a-zA-Z][\w-]*)", command):
            assert option in known, f"{block.id}: {command}: no option {option} in pepcert {' '.join(names)}"
        return
    from pepcert.cli import attach_negative_values, build_parser

    parser = build_parser()
    try:
        parser.parse_args(attach_negative_values(words[1:], parser))
    except SystemExit:
        pytest.fail(f"{block.id}: `{command}` is not a valid command line")


@pytest.mark.parametrize("block", COMMANDS, ids=lambda b: b.id)
def test_commands_shown_are_valid(block, capsys):
    commands = _commands(block.text)
    assert commands, block.id
    for command in commands:
        check_command(command, block)


# -- Python blocks ---------------------------------------------------------------------------


@pytest.mark.parametrize("block", PYTHON, ids=lambda b: b.id)
def test_python_blocks_run(block, tmp_path, monkeypatch):
    if block.directive.startswith("fragment:"):
        assert len(block.directive) > len("fragment: ") + 10, f"{block.id}: say why the fragment cannot run"
        compile(block.text, block.id, "exec")  # at least valid Python
        return
    _scratch(block, tmp_path, monkeypatch)
    if block.text.lstrip().startswith(">>>"):
        parser, runner = doctest.DocTestParser(), doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
        runner.run(parser.get_doctest(block.text, {}, block.id, block.page, block.line))
        assert runner.failures == 0, f"{block.id}: doctest failed"
        return
    (tmp_path / "block.py").write_text(block.text)
    environment = {**os.environ, "PYTHONPATH": f"{ROOT}:{ROOT / 'tests'}", "PEPCERT_CACHE": str(tmp_path / "cache")}
    run = subprocess.run([sys.executable, "block.py"], capture_output=True, text=True, timeout=300, env=environment)
    assert run.returncode == 0, f"{block.id}:\n{run.stderr[-3000:]}"
    if block.output is not None:
        assert_same(block.output.text, run.stdout, block.id)


def test_the_harness_finds_what_it_checks():
    assert len(TRANSCRIPTS) >= 5 and len(PYTHON) >= 5 and len(COMMANDS) >= 5
    assert_same("rho = 0.5 in 12.0 ms ...", "rho = 0.50000000001 in 3 ms and more", "self-test")
    with pytest.raises(AssertionError):
        assert_same("rho = 0.9604", "rho = 0.95634", "self-test")
    with pytest.raises(AssertionError):
        assert_same("tight", "bracket", "self-test")
    assert_same("C = 0.975097, 67.8822", "C = 0.975098, 67.8823", "self-test")  # rounded in the last digit
    with pytest.raises(AssertionError):
        assert_same("C = 0.975097", "C = 0.975099", "self-test")  # more than the rounding
    with pytest.raises(AssertionError):
        assert_same("rho = 0.5", "rho = 0.50001", "self-test")  # %g's 0.5 is 0.500000
    with pytest.raises(AssertionError):
        assert_same("2 solves", "3 solves", "self-test")  # integers exactly
    with pytest.raises(AssertionError):
        assert_same("tolerance 1e-06", "tolerance 1e-07", "self-test")
    assert_subset({"m": {"a": "...", "b": 0.5}}, {"m": {"a": 0.123, "b": 0.5}}, "self-test")
    with pytest.raises(AssertionError):
        assert_subset({"m": {"a": "...", "b": 0.5}}, {"m": {"a": 0.123, "b": 0.51}}, "self-test")
