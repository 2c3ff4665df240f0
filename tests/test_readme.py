"""README.md is a page for users: it opens with the two commands (set up and run; run the tests)
-- the test command being the one ``.ci/run`` runs --, links only to files of the repository, and
says nothing about the project's own history. (Its commands and outputs are re-run by
``tests/test_docs.py``; its speed table by ``tests/test_benchmarks_page.py``.)"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)


def _first_blocks(count: int) -> list[str]:
    return [m.group(2).strip() for m in FENCE.finditer(README)][:count]


def _extras(command: str) -> set[str]:
    found = re.findall(r"-e\s+'?\.\[([\w,]+)\]'?", command)
    return {extra for group in found for extra in group.split(",")}


def test_readme_opens_with_the_two_commands():
    assert README.index("```bash") < README.index("\n## "), "the commands come before the first section"
    run, tests = _first_blocks(2)
    assert run.count("\n") == 0 and tests.count("\n") == 0, "one line each, to paste"
    assert "pip install -e ." in run and re.search(r"&& pepcert rate ", run)
    assert tests.endswith("&& python -m pytest")


def test_the_test_command_is_the_one_ci_runs():
    ci = (ROOT / ".ci" / "run").read_text()
    steps = [line.strip() for line in ci.splitlines() if line.strip().startswith("step ")]
    _, tests = _first_blocks(2)
    install, pytest_command = (part.strip() for part in tests.split("&&"))
    assert f"step {pytest_command}" in steps, f"{pytest_command!r} is not a step of .ci/run: {steps}"
    ci_install = next(step for step in steps if "pip install" in step)
    assert _extras(install) and _extras(install) <= _extras(ci_install), (install, ci_install)
    assert shlex.split(install)[:2] == ["pip", "install"]


def test_links_stay_inside_the_repository_and_exist():
    for target in re.findall(r"\]\(([^)]+)\)", README):
        if target.startswith(("http://", "https://", "#")):
            continue
        path = target.split("#")[0]
        assert not path.startswith(("/", "..")), f"{target}: outside the repository"
        assert (ROOT / path).exists(), f"{target}: no such file"


def test_no_development_history_goals_or_issue_numbers():
    text = re.sub(r"```.*?```", "", README, flags=re.S)  # prose only: outputs are what commands print
    for pattern in (r"\bissue\s*#?\d", r"#\d{1,4}\b", r"\bgoals?\b", r"\bbefore .*\bafter this branch",
                    r"\.\./", r"\bTODO\b", r"\bbranch\b", r"\bcommit\b"):
        assert not re.search(pattern, text, re.I), f"README.md mentions {pattern!r}"
