"""Progress bars: every command that can run for more than about two seconds reports its work
to a rich bar on stderr (off with --quiet or when stderr is not a terminal); the analyses take a
plain callback and never import rich."""

from __future__ import annotations

import argparse
import ast
from pathlib import Path

import pytest

from pepcert.cli import main

BASE = ["--method", "ef", "--mu", "0.1", "--L", "1", "--delta", "0.5"]
PACKAGE = Path(__file__).resolve().parents[2] / "pepcert"


class FakeBar:
    """Records what a rich Progress would have drawn."""

    def __init__(self, total, description):
        self.total, self.description, self.updates, self.task_ids, self.stopped = total, description, [], [0], False

    def update(self, task, completed=None, total=None, description=None):
        self.updates.append((completed, total, description))

    def advance(self, task, amount):
        self.updates.append(("advance", amount, None))

    def stop(self):
        self.stopped = True


@pytest.fixture
def bars(monkeypatch):
    made = []

    def display(enabled, total, description, allow_unknown=False):
        made.append(FakeBar(total, description))
        return made[-1]

    monkeypatch.setattr("pepcert.sweeps.run.progress_display", display)
    monkeypatch.setattr("pepcert.cli.output.showing_progress", lambda args: not getattr(args, "quiet", False))
    return made


def _descriptions(bars) -> str:
    return " | ".join(str(update[2]) for bar in bars for update in bar.updates)


@pytest.mark.parametrize("argv, fragment", [
    (["rate"] + BASE, "SDP"),
    (["rate", "--method", "ef21", "--agents", "2", "--mu", "0.9,0.1", "--L", "1", "--delta", "0.5", "--eta", "0.2"],
     "SDP"),
    (["worst-case"] + BASE + ["--iterations", "9", "--eta", "0.3"], "solving the 9-step problem (lowrank)"),
    (["certify"] + BASE + ["--eta", "0.2"], "exact Lyapunov certificate"),
    (["muon", "--beta", "0.9", "--steps", "1/(t+1)", "--iterations", "2000"], "exact replay of Muon"),
])
def test_long_commands_report_progress(argv, fragment, bars, capsys):
    assert main(argv) == 0
    assert bars and all(bar.stopped for bar in bars) and fragment in _descriptions(bars)


def test_saq_advances_its_bar_by_steps(bars, capsys):
    assert main(["saq", "--rows", "40", "--workers", "2", "--iterations", "300", "--skip-tight", "--methods", "diana",
                 "--compressors", "dithering"]) == 0
    advanced = sum(update[1] for bar in bars for update in bar.updates if update[0] == "advance")
    assert bars[0].total == 300 and advanced == 300


@pytest.mark.parametrize("argv", [["rate"] + BASE,
                                  ["muon", "--beta", "0.9", "--steps", "1/(t+1)", "--iterations", "1000"]])
def test_quiet_draws_nothing(argv, bars, capsys):
    assert main(argv + ["--quiet"]) == 0
    assert not bars


def test_no_bar_when_stderr_is_not_a_terminal(capsys):
    from pepcert.cli.output import showing_progress

    assert not showing_progress(argparse.Namespace(quiet=False))  # capsys: stderr is not a terminal


def test_the_analyses_do_not_import_rich():
    for part in ("pep", "lyapunov", "lowerbounds", "analyses"):
        for path in (PACKAGE / part).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                    [node.module or ""] if isinstance(node, ast.ImportFrom) else []
                assert not any(name == "rich" or name.startswith("rich.") for name in names), path
