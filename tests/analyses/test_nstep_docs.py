"""docs/certificates.md shows what the N-step certificates print: every console session of its
"N-step worst cases" section is re-run here, in a temporary folder (the files it writes), with
the timings masked (the convention of tests/papers/test_theorems_doc.py)."""

from __future__ import annotations

import contextlib
import io
import re
import shlex
from pathlib import Path

from pepcert.cli import main

DOC = Path(__file__).resolve().parents[2] / "docs" / "certificates.md"
TIMING = re.compile(r"\d+ ms")


def sessions() -> list[tuple[list[str], list[str]]]:
    """``(argv, expected lines)`` for every ``$ `` command of the section's console blocks."""
    text = DOC.read_text()
    section = text[text.index("## N-step worst cases"):]
    found: list[tuple[list[str], list[str]]] = []
    for block in re.findall(r"```console\n(.*?)```", section, flags=re.S):
        for line in block.splitlines():
            if line.startswith("$ "):
                found.append((shlex.split(line[2:]), []))
            else:
                found[-1][1].append(line)
    return found


def test_the_section_has_sessions():
    commands = [argv[1] for argv, _ in sessions()]
    assert "certify" in commands and "check" in commands


def test_the_console_sessions_print_what_the_doc_shows(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the sessions write their certificates here
    for argv, expected in sessions():
        assert argv[0] == "pepcert"
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            assert main(argv[1:]) == 0, argv
        assert [TIMING.sub("0 ms", line) for line in out.getvalue().splitlines()] == \
            [TIMING.sub("0 ms", line) for line in expected], argv


def test_the_python_example_runs_and_its_numbers_are_the_ones_shown():
    text = DOC.read_text()
    section = text[text.index("## N-step worst cases"):]
    (block,) = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    namespace: dict = {}
    exec(compile(block, "docs/certificates.md", "exec"), namespace)
    result = namespace["result"]
    lower, upper = re.search(r"result.lower = ([0-9.]+)\.\.\. <= 4/11 <= result.upper = ([0-9.]+)", block).groups()
    assert str(float(result.lower)).startswith(lower) and str(float(result.upper)).startswith(upper)
