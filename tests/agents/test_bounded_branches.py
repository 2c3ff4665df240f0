"""Bounded work with n agents (issue 8 for the n-agent model): every agent's compressor draws
its own outcome, so a step has ``outcomes^n`` joint branches; more than ``MAX_BRANCHES`` are
refused up front, on the command line and in an untrusted certificate file (which would
otherwise build 8^16 branches and never answer)."""

from __future__ import annotations

import json

import pytest

from pepcert.analyses.certificate_file import validate_document
from pepcert.cli import main
from pepcert.pep import SmoothStronglyConvex, Unbiased
from pepcert.pep.classes import Distributed
from pepcert.pep.errors import BadInput
from pepcert.pep.trace import MAX_BRANCHES, ProblemClass

AGENT = {"type": "SmoothStronglyConvex", "mu": "1/10", "L": "1"}


def hostile(agents: int, outcomes: int) -> dict:
    return {
        "format": "pepcert-certificate/3", "method": "DIANA", "builtin": "diana",
        "parameters": {"eta": "1/10", "n": str(agents), "omega": "1"},
        "classes": {"function": {"type": "Distributed", "agents": [AGENT] * agents, "common_minimizer": True},
                    "compressor": {"type": "Unbiased", "omega": "1"}},
        "outcomes": outcomes, "digest": "sha256:0", "rho_upper": "1", "rho_lower": "0",
    }


def test_joint_outcomes_are_bounded_in_the_model():
    four = ProblemClass(Distributed((SmoothStronglyConvex(0.1, 1),) * 4), Unbiased(1))
    assert four.branches(2) == 16 == MAX_BRANCHES
    five = ProblemClass(Distributed((SmoothStronglyConvex(0.1, 1),) * 5), Unbiased(1))
    with pytest.raises(BadInput, match="joint outcomes"):
        five.branches(2)


@pytest.mark.parametrize("agents, outcomes", [(16, 8), (10, 2), (5, 2), (2, 8)])
def test_a_certificate_with_too_many_joint_outcomes_is_unreadable(agents, outcomes, tmp_path, capsys):
    with pytest.raises(BadInput, match="joint outcomes"):
        validate_document(hostile(agents, outcomes))
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(hostile(agents, outcomes)))
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "joint outcomes" in err
