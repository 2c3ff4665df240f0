"""Rewrite the shown output of every ``$ pepcert ...`` transcript in README.md and docs/*.md
with a fresh run (what ``tests/test_docs.py`` compares them with).

    python tools/update_doc_transcripts.py          # list the stale transcripts
    python tools/update_doc_transcripts.py --write  # rewrite them

Blocks that use the ``...`` placeholder or show a JSON object are listed but never rewritten
(edit those by hand: they show a chosen part of the output).
"""

from __future__ import annotations

import os
import shlex
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import test_docs  # noqa: E402  (the harness: block parsing, the scratch folder's files, running the CLI)


def fresh(block) -> tuple[str, bool]:
    """``(the block with fresh outputs, whether any shown output differs from its run)``;
    a command shown without output stays without."""
    lines, stale = [], False
    for command, shown in test_docs._steps(block.text):
        lines.append(f"$ {command}")
        words = shlex.split(command, comments=True)
        if words[0] != "pepcert" or not shown.strip():
            continue
        output = test_docs._run_cli(words[1:])
        try:
            test_docs.assert_same(shown, output, block.id)
            lines.extend(shown.splitlines())
        except AssertionError:
            stale = True
            lines.extend(output.rstrip("\n").splitlines())
    return "\n".join(lines) + "\n", stale


def main(write: bool) -> int:
    stale = 0
    for block in test_docs.TRANSCRIPTS:
        with tempfile.TemporaryDirectory() as scratch:
            folder = Path(scratch)
            (folder / "tests").symlink_to(ROOT / "tests")
            if block.directive.startswith("files "):
                for name in block.directive.split()[1:]:
                    test_docs.FILES[name](folder)
            here = os.getcwd()
            os.chdir(folder)
            try:
                text, changed = fresh(block)
            finally:
                os.chdir(here)
        if not changed:
            continue
        stale += 1
        manual = "..." in block.text or "\n{" in block.text
        print(f"{block.id}: {'stale (edit by hand)' if manual else 'stale'}")
        if write and not manual:
            page = ROOT / block.page
            page.write_text(page.read_text().replace(block.text, text, 1))
    return 1 if stale and not write else 0


if __name__ == "__main__":
    sys.exit(main("--write" in sys.argv[1:]))
