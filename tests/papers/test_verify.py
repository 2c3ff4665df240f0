"""`pepcert verify`: the command's contract (rows, --json keys, --only, --list, exit status).
Every theorem of the catalogue it runs is checked once, in tests/papers/test_theorems.py."""

from __future__ import annotations

import json

import pytest

from pepcert.cli import main
from pepcert.papers.theorems import Close, Theorem, catalogue


def test_the_catalogue_covers_what_issue_3_asks():
    ids = {theorem.id for theorem in catalogue()}
    for name in ("cgd", "ef", "ef21"):
        for kind in ("rate", "optimal-step", "paper-lyapunov", "lower-bound", "random", "certified"):
            assert f"{name}-{kind}" in ids
    assert {"ef-equals-ef21", "cgd-faster-than-ef", "unbiased-gd-rate"} <= ids
    assert {"muon-nonconvergence", "muon-invariant-induction", "ef-muon-converges"} <= ids


def _broken():
    return 2.0, 1.0


def test_a_failing_theorem_fails_the_command(monkeypatch, capsys):
    import pepcert.cli.verify as verify_command

    broken = Theorem("broken", "nowhere", "1 = 2", _broken, ({},), Close(atol=1e-9), "1")
    monkeypatch.setattr(verify_command, "catalogue", lambda: [broken])
    assert main(["verify", "--json"]) == 1
    (row,) = json.loads(capsys.readouterr().out)["claims"]
    assert row["id"] == "broken" and row["passed"] is False
    assert row["expected"] == "1 to 1e-09" and row["computed"] == "2 against 1 (max error 1.0e+00)"


def test_a_theorem_that_raises_fails_with_its_error(monkeypatch, capsys):
    import pepcert.cli.verify as verify_command

    def raises():
        raise ZeroDivisionError("no")

    broken = Theorem("raises", "nowhere", "x", raises, ({},), Close(atol=1e-9), "1")
    monkeypatch.setattr(verify_command, "catalogue", lambda: [broken])
    assert main(["verify"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("FAIL  raises  expected 1 to 1e-09; computed error: ZeroDivisionError: no  [")
    assert "0/1 claims pass in" in out


def test_verify_json_contract(capsys):
    assert main(["verify", "--only", "cgd-rate", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    (row,) = data["claims"]
    assert set(row) >= {"id", "paper", "statement", "expected", "computed", "passed"}
    assert row["id"] == "cgd-rate" and row["passed"] is True
    assert row["expected"] == "the closed form rho(eta) to 1e-09 (relative)"
    assert row["computed"].startswith("max rel. error ") and row["computed"].endswith(" over 4 settings")
    assert data["passed"] is True


def test_verify_text_rows(capsys):
    assert main(["verify", "--only", "gradient-descent-optimal-step"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("PASS  gradient-descent-optimal-step  expected 2/(L + mu) to 1e-09; computed 1.81818181818 "
                               "against 1.81818181818 (max error ")
    assert lines[2].startswith("1/1 claims pass in ")


def test_verify_list(capsys):
    assert main(["verify", "--list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["claims"]
    assert [row["id"] for row in rows] == [theorem.id for theorem in catalogue()]
    assert all(set(row) == {"id", "paper", "statement", "expected"} for row in rows)


def test_verify_unknown_filter_is_bad_input(capsys):
    with pytest.raises(SystemExit) as info:
        raise SystemExit(main(["verify", "--only", "no-such-claim"]))
    assert info.value.code == 2
