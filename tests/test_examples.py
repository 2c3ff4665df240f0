"""Every script in ``examples/`` runs, prints computed beside theory and exits 0. The scripts
only call theorems of the catalogue (``pepcert.papers.theorems.show`` refuses anything else) at
cheap settings; the catalogue's own settings are checked in tests/papers/test_theorems.py."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "examples").glob("*.py"))


def test_there_are_examples():
    assert len(EXAMPLES) >= 5


@pytest.mark.parametrize("script", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_runs(script, capsys):
    try:
        runpy.run_path(str(script), run_name="__main__")
    except SystemExit as stop:  # a script exits 1 when a theorem does not hold
        assert stop.code in (0, None), capsys.readouterr().out
    out = capsys.readouterr().out
    assert "    computed " in out and "    theory   " in out and "FAILS" not in out


@pytest.mark.parametrize("script", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_examples_state_no_theorem_of_their_own(script):
    """A theorem is written once, in the catalogue: no assert, no tolerance in the scripts."""
    text = script.read_text()
    assert "assert" not in text and "abs(" not in text and "1e-" not in text
    assert "from pepcert.papers.theorems import show" in text
