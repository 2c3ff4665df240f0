"""`pepcert verify`: every registered claim of the papers passes, and the command's contract."""

from __future__ import annotations

import json

import pytest

from pepcert.cli import main
from pepcert.papers.registry import registry, run_claims

CLAIMS = registry()


def test_registry_covers_what_issue_3_asks():
    ids = {claim.id for claim in CLAIMS}
    for name in ("cgd", "ef", "ef21"):
        for kind in ("rate", "optimal-step", "paper-lyapunov", "lower-bound", "random", "certified"):
            assert f"{name}-{kind}" in ids
    assert {"ef-equals-ef21", "cgd-faster-than-ef", "unbiased-gd-rate"} <= ids
    assert {"muon-nonconvergence", "muon-invariant-induction", "ef-muon-converges"} <= ids


@pytest.mark.parametrize("claim", CLAIMS, ids=lambda c: c.id)
def test_claim_passes(claim):
    (result,) = run_claims([claim])
    assert result.passed, result.computed


def test_a_failing_claim_fails_the_command(monkeypatch, capsys):
    import pepcert.cli.verify as verify_command
    from pepcert.papers.registry import Claim

    broken = Claim("broken", "nowhere", "1 = 2", "1", lambda: ("2", False))
    monkeypatch.setattr(verify_command, "registry", lambda: [broken])
    assert main(["verify", "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["claims"][0] == {**data["claims"][0], "id": "broken", "passed": False}


def test_verify_json_contract(capsys):
    assert main(["verify", "--only", "cgd-rate", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    (row,) = data["claims"]
    assert set(row) >= {"id", "paper", "statement", "expected", "computed", "passed"}
    assert row["passed"] is True


def test_verify_unknown_filter_is_bad_input(capsys):
    with pytest.raises(SystemExit) as info:
        raise SystemExit(main(["verify", "--only", "no-such-claim"]))
    assert info.value.code == 2
