"""docs/benchmarks.md holds one run of ``pepcert bench --markdown`` and README.md quotes its
headline rows; ``tools/update_benchmarks.py`` writes both. These tests check that the quote is
exactly what the tool selects from the page (so the two cannot come from different runs), that
the page's run says when, where and how it was made, and the tool itself on fake reports."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import update_benchmarks as tool  # noqa: E402

from pepcert.cli.bench_markdown import HEADER, markdown  # noqa: E402

HOST = {"date": "2026-12-06 10:45 UTC", "cpu": "Some CPU", "cores": 2, "system": "Linux x86_64"}


def _fake_report() -> dict:
    sys.path.insert(0, str(ROOT / "tests" / "cli"))
    from test_bench import FULL

    return {**FULL, "host": HOST}


def _whats(text: str) -> list[str]:
    return [line[1:].split(" | ", 1)[0].strip() for line in text.splitlines() if line.startswith("| ")][1:]


def test_readme_quotes_the_benchmark_page():
    page = tool.block((ROOT / "docs" / "benchmarks.md").read_text(), "docs/benchmarks.md")
    readme = tool.block((ROOT / "README.md").read_text(), "README.md")
    assert readme == tool.quote(page), "README.md's table is not docs/benchmarks.md's: python tools/update_benchmarks.py --from FILE"
    assert tool.main(["--check"]) == 0


def test_the_page_holds_one_run_with_its_date_machine_and_versions():
    page = tool.block((ROOT / "docs" / "benchmarks.md").read_text(), "docs/benchmarks.md")
    lines = [line for line in page.splitlines() if line.strip()]
    assert lines[0] == "| " + " | ".join(HEADER) + " |" and lines[1] == "|" + "---|" * len(HEADER)
    paragraph = [line for line in lines if not line.startswith("|")]
    assert len(paragraph) == 1, "one paragraph under the table: how, when and where the run was made"
    assert re.match(r"Measured on \d{4}-\d\d-\d\d \d\d:\d\d UTC \(.+\) in one run of `pepcert bench`", paragraph[0])
    assert re.search(r"load average [0-9.]+ \(1 min\) on \d+ cores at the start", paragraph[0])
    assert re.search(r"Python 3\.\d+\.\d+, pepcert \d", paragraph[0])


def test_quote_keeps_the_headline_rows_with_their_baselines_and_the_paragraph():
    text = markdown(_fake_report(), {"quick": False, "cap": 60.0})
    quoted = tool.quote(text)
    assert _whats(quoted) == [
        "one tight rate to 1e-9, median of 9 settings", "", "",
        "EF worst case, N = 100 (rel. error to rho*^N)",
        "gradient descent convex worst case (f - f*), N = 100",
        "gradient descent nonconvex worst case (min \\|\\|grad f\\|\\|^2), N = 500",
        "throughput: 3000 tight rates (15 rows of 200 steps), extrapolated to Fig. 1's 120,000 (Thomsen et al. 2025)", "",
        "Fig. 1 whole: `pepcert reproduce ttd25-fig1 --grid 200 --no-cache --workers 2`",
        "tight rate, 64 identical agents (A, B; paper family, by symmetry)",
        "peak memory, 64 agents (paper family)",
        "Muon exact replay, T = 100,000",
    ]
    rows = [line for line in quoted.splitlines() if line.startswith("|")]
    assert all(row in text.splitlines() for row in rows), "rows are quoted unchanged"
    assert quoted.rstrip().splitlines()[-1] == text.rstrip().splitlines()[-1], "the paragraph of the run is quoted"
    assert "Measured on 2026-12-06 10:45 UTC (Some CPU, Linux x86_64)" in quoted


def test_every_pattern_of_the_quote_selects_a_row_of_a_full_run():
    """If bench renames a figure, the README would silently lose it: fail here instead."""
    whats = _whats(markdown(_fake_report(), {"quick": False, "cap": 60.0}))
    for pattern in tool.README_ROWS:
        regex = re.compile(tool._largest(pattern, whats))
        assert any(regex.search(what) for what in whats), pattern


def test_update_rewrites_only_the_generated_parts(tmp_path, monkeypatch):
    page = tmp_path / "benchmarks.md"
    readme = tmp_path / "README.md"
    page.write_text(f"# page\n\nbefore\n\n{tool.BEGIN}\nold\n{tool.END}\n\nafter\n")
    readme.write_text(f"# readme\n{tool.BEGIN}\n{tool.END}\ntail\n")
    run = tmp_path / "run.md"
    run.write_text(markdown(_fake_report(), {"quick": False, "cap": 60.0}))
    monkeypatch.setattr(tool, "PAGE", page)
    monkeypatch.setattr(tool, "README", readme)
    assert tool.main(["--check"]) == 1
    assert tool.main(["--from", str(run)]) == 0
    assert page.read_text().startswith("# page\n\nbefore\n\n") and page.read_text().endswith(f"{tool.END}\n\nafter\n")
    assert tool.block(page.read_text(), "page") == run.read_text()
    assert tool.block(readme.read_text(), "readme") == tool.quote(run.read_text())
    assert readme.read_text().endswith(f"{tool.END}\ntail\n")
    assert tool.main(["--check"]) == 0


def test_update_refuses_what_is_not_a_run(tmp_path, monkeypatch):
    run = tmp_path / "run.md"
    run.write_text("pepcert bench: error: something\n")
    page = tmp_path / "benchmarks.md"
    page.write_text("no markers\n")
    readme = tmp_path / "README.md"
    readme.write_text(f"{tool.BEGIN}\n{tool.END}\n")
    monkeypatch.setattr(tool, "PAGE", page)
    monkeypatch.setattr(tool, "README", readme)
    with pytest.raises(ValueError, match="no Markdown table"):
        tool.main(["--from", str(run)])
    run.write_text(markdown(_fake_report(), {"quick": False, "cap": 60.0}))
    with pytest.raises(ValueError, match="expected one"):
        tool.main(["--from", str(run)])
    assert page.read_text() == "no markers\n" and readme.read_text() == f"{tool.BEGIN}\n{tool.END}\n"
