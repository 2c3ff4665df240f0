"""docs/theorems.md shows what the code does: its catalogue tables are the catalogue (written
from it, compared here), every console session in it is re-run here (timings masked), every
``pepcert verify`` command of the docs and the README selects at least one theorem."""

from __future__ import annotations

import contextlib
import io
import re
import runpy
import shlex
from pathlib import Path

import pytest

from pepcert.cli import main
from pepcert.papers.theorems import catalogue

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "theorems.md"
TIMING = re.compile(r"\d+\.\d s")


def catalogue_tables() -> str:
    """The doc's tables: one per source, in the catalogue's order (``|`` escaped in cells)."""
    blocks: list[str] = []
    paper = None
    for theorem in catalogue():
        if theorem.paper != paper:
            paper = theorem.paper
            blocks.append(f"\n#### {paper}\n\n| id | theorem | function | checked |\n|---|---|---|---|")
        function = f"`{theorem.function.__module__.rsplit('.', 1)[-1]}.{theorem.function.__name__}`"
        settings = len(theorem.settings)
        at = f" ({settings} settings)" if settings > 1 else ""
        cells = (theorem.statement, theorem.expected + at)
        statement, checked = (cell.replace("|", "\\|") for cell in cells)
        blocks.append(f"| `{theorem.id}` | {statement} | {function} | {checked} |")
    return "\n".join(blocks).strip() + "\n"


def _between(text: str, start: str, end: str) -> str:
    return text[text.index(start) + len(start):text.index(end)]


def test_the_tables_are_the_catalogue():
    text = DOC.read_text()
    assert _between(text, "<!-- catalogue -->\n", "<!-- /catalogue -->") == catalogue_tables()


def console_sessions() -> list[tuple[list[str], list[str]]]:
    """``(argv, expected lines)`` for every ``$ `` command of the doc's console blocks."""
    sessions: list[tuple[list[str], list[str]]] = []
    for block in re.findall(r"```console\n(.*?)```", DOC.read_text(), flags=re.S):
        for line in block.splitlines():
            if line.startswith("$ "):
                sessions.append((shlex.split(line[2:]), []))
            else:
                sessions[-1][1].append(line)
    return sessions


def _run(argv: list[str]) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        if argv[0] == "pepcert":
            assert main(argv[1:]) == 0
        else:
            assert argv[0] == "python"
            runpy.run_path(str(ROOT / argv[1]), run_name="__main__")
    return out.getvalue()


@pytest.mark.parametrize("argv, expected", console_sessions(), ids=[" ".join(argv) for argv, _ in console_sessions()])
def test_the_console_sessions_print_what_the_doc_shows(argv, expected):
    assert expected, argv
    lines = _run(argv).splitlines()
    assert [TIMING.sub("0.0 s", line) for line in lines] == [TIMING.sub("0.0 s", line) for line in expected]


def verify_commands() -> list[list[str]]:
    commands = []
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for line in path.read_text().splitlines():
            line = line.strip().removeprefix("$ ").split("#")[0].strip()
            if line.startswith("pepcert verify") and "[" not in line:
                commands.append(shlex.split(line)[1:])
    return commands


@pytest.mark.parametrize("argv", verify_commands(), ids=" ".join)
def test_every_verify_command_of_the_docs_selects_theorems(argv, capsys):
    """Listed, not run (the theorems themselves are checked once, in test_theorems.py)."""
    assert main([*argv, "--list"]) == 0
    assert capsys.readouterr().out.strip()
