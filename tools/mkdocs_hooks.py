"""mkdocs hooks: the examples page, generated at build time from ``examples/*.py`` -- each
example's docstring (the theorem it checks and its source), its code and the output of a
fresh run, so the page cannot go stale. An example that fails makes the build fail."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(script: Path) -> str:
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, cwd=ROOT, env=environment,
                         timeout=600)
    if run.returncode != 0:
        raise RuntimeError(f"examples/{script.name} failed:\n{run.stderr[-3000:]}")
    return run.stdout.rstrip() or "(no output)"


def examples_page() -> str:
    parts = ["# Examples\n",
             "One short script per theorem in `examples/` (PEPit's habit): each states the theorem it "
             "checks and its source, computes it with pepcert and asserts the agreement. The output below "
             "is from a fresh run made when this site was built (`python examples/NAME.py`).\n"]
    for script in sorted((ROOT / "examples").glob("*.py")):
        source = script.read_text()
        docstring = ast.get_docstring(ast.parse(source)) or ""
        title = script.stem.replace("_", " ")
        parts.append(f"## {title}\n\n`examples/{script.name}`\n\n{docstring}\n")
        parts.append(f"```python\n{source.rstrip()}\n```\n\nOutput:\n\n```text\n{_run(script)}\n```\n")
    return "\n".join(parts)


def on_files(files, config):
    from mkdocs.structure.files import File

    files.append(File.generated(config, "examples.md", content=examples_page()))
    return files
