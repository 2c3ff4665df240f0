"""Command line: --compressor / --omega / --scaled / --agents with per-agent lists, and the
one-line errors (exit 2) of the issue's acceptance list."""

import json

import pytest

from pepcert.cli import main


def run_json(capsys, argv):
    code = main(argv + ["--json"])
    out = capsys.readouterr().out
    return code, json.loads(out)


def test_topk_rate_equals_the_delta_rate(capsys):
    """top-k with k = 3 of d = 10 is analysed in its class, contractive with delta = 3/10."""
    common = ["rate", "--method", "ef21", "--mu", "0.1", "--L", "1"]
    code, named = run_json(capsys, common + ["--compressor", "top-k:k=3,d=10"])
    assert code == 0
    code, bare = run_json(capsys, common + ["--delta", "0.3"])
    assert code == 0
    assert named["rho"] == bare["rho"] and named["eta"] == bare["eta"]
    assert named["compressor"]["delta"] == "3/10" and named["compressor"]["spec"] == "top-k:k=3,d=10"
    assert "every compressor of that class" in named["compressor"]["statement"]


def test_agents_json_and_text(capsys):
    code, payload = run_json(capsys, ["rate", "--method", "ef21", "--agents", "2", "--mu", "0.1", "--L", "1,2",
                                      "--delta", "0.5", "--eta", "0.2"])
    assert code == 0 and payload["agents"] == 2 and payload["L"] == [1.0, 2.0] and payload["mu"] == [0.1, 0.1]
    assert payload["tight"]
    assert main(["rate", "--method", "ef", "--agents", "2", "--mu", "0.1", "--L", "1", "--omega", "1", "--scaled",
                 "--eta", "0.1"]) == 0
    out = capsys.readouterr().out
    assert "in expectation, delta = 0.5" in out


def test_two_heterogeneous_agents_show_the_papers_law(capsys):
    """The cubic law (TTD 2026) beside pepcert's own answer, for EF21 on two different agents
    only. Reference: the cubic's largest root by numpy.roots, written from the issue's formula."""
    import numpy as np

    common = ["rate", "--method", "ef21", "--agents", "2", "--L", "1", "--delta", "0.5", "--eta", "0.2"]
    code, payload = run_json(capsys, common + ["--mu", "0.9,0.1"])
    (law,) = payload["paper_laws"]
    s = np.sqrt(0.5)
    r, S, D = (1 - s) ** 2 / (1 + s), (1.9, 1.1), (0.1, 0.9)
    K1 = (D[1] ** 2 * S[0] + D[0] ** 2 * S[1]) / (S[0] * S[1] * (S[0] + S[1]))
    K2 = (D[0] + D[1]) ** 2 / (S[0] + S[1]) ** 2
    roots = np.roots([1, -(s * (2 + s) + r * (s * K1 + K2)), s**2 * (1 + 2 * s + r * (K1 + s * K2)), -s**4])
    assert code == 0 and abs(law["rho"] - max(roots.real)) <= 1e-12
    assert abs(law["eta"] - 4 / 3 * (1 - s) / (1 + s)) <= 1e-15
    code, identical = run_json(capsys, common + ["--mu", "0.1"])
    assert code == 0 and identical["paper_laws"] == []
    code, other = run_json(capsys, ["rate", "--method", "ef", "--agents", "2", "--mu", "0.9,0.1", "--L", "1",
                                    "--delta", "0.5", "--eta", "0.2"])
    assert other["paper_laws"] == []


@pytest.mark.parametrize("extra", [
    ["--agents", "0"], ["--agents", "2", "--L", "1,2,3"], ["--agents", "3", "--mu", "0.1,0.2"],
    ["--compressor", "nope:k=1"], ["--compressor", "top-k:k=11,d=10"], ["--compressor", "dithering:s=0,d=10"],
    ["--omega=-1/10000000000000000000000000000000000000000"], ["--omega", "1", "--delta", "0.5"],
    ["--agents", "2.5"], ["--delta", "0.5", "--scaled"],
])
def test_bad_input_is_one_line_and_exit_2(capsys, extra):
    argv = ["rate", "--method", "ef21", "--mu", "0.1", "--L", "1", "--eta", "0.1"]
    if not any(item.split("=")[0] in ("--omega", "--compressor", "--delta") for item in extra):
        argv += ["--delta", "0.5"]
    # later values of a repeated option win in argparse: put the extra options last
    code = main(argv + extra)
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.strip().splitlines()) == 1, err


def test_diana_needs_an_unbiased_class(capsys):
    assert main(["rate", "--method", "diana", "--mu", "0.1", "--L", "1", "--delta", "0.5", "--eta", "0.1"]) == 2
    assert "omega" in capsys.readouterr().err


def test_certify_two_agents_and_check(capsys, tmp_path):
    path = tmp_path / "two.json"
    code, payload = run_json(capsys, ["certify", "--method", "ef21", "--agents", "2", "--mu", "1/10", "--L", "1",
                                      "--delta", "1/2", "--eta", "1/5", "--out", str(path)])
    assert code == 0 and payload["verified"] and payload["gap"] <= 1e-6
    assert main(["check", str(path)]) == 0


def test_a_margin_bracket_says_what_it_bounds(capsys):
    """A 'margin' lower end concerns the Lyapunov family, not the method: the text says so and
    names the instance's (smaller) proven lower bound."""
    assert main(["rate", "--method", "ef21", "--agents", "2", "--mu", "0.9,0.1", "--L", "1", "--delta", "0.5",
                 "--eta", "0.2287638"]) == 0
    out = capsys.readouterr().out
    assert "(lower bound: margin)" in out and "proven only >= 0.794109 by its worst linear instance" in out
