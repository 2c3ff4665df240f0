"""tools/nstep_scaling.py (the scaling curves of docs/worst-case.md) draws and tabulates a report."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _tool():
    spec = importlib.util.spec_from_file_location("nstep_scaling", ROOT / "tools" / "nstep_scaling.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(N, seconds, tolerance):
    return {"N": N, "seconds": seconds, "value": 0.5, "relative_error": -3e-15, "tolerance": tolerance,
            "solver": "clarabel-chordal", "peak_mb": 120.0}


REPORT = {"sizes": [50, 100], "load": "load average 0.5 to 0.7 (1 min)", "methods": {
    "ef": {"default": [_run(50, 0.4, 1e-8), _run(100, 0.6, 1e-7)],
           "lowrank": [_run(50, 1.4, 1e-8), {"N": 100, "not_run": "> 120 s"}]},
    "ef21": {"default": [_run(50, 0.4, 1e-10), _run(100, 0.7, 1e-10)],
             "lowrank": [{"N": 50, "error": "SolverFailure: residual"}, {"N": 100, "not_run": "> 120 s at N = 50"}]},
}}


def test_the_table_and_the_figure_from_a_saved_report(tmp_path, capsys):
    source, out = tmp_path / "report.json", tmp_path / "scaling.png"
    source.write_text(json.dumps(REPORT))
    assert _tool().main(["--from", str(source), "--out", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "| N | EF chordal | EF low-rank | EF21 chordal | EF21 low-rank |"
    assert lines[2] == ("| 50 | 0.4 s, $10^{-8}$, 120 MB | 1.4 s, $10^{-8}$, 120 MB | 0.4 s, $10^{-10}$, 120 MB "
                        "| failed |")
    assert lines[3] == "| 100 | 0.6 s, $10^{-7}$, 120 MB | past 120 s | 0.7 s, $10^{-10}$, 120 MB | not run |"
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
