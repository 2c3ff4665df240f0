"""Issue 8, item 7: near-boundary accuracy of worst cases and rates, against closed forms.

Each case was a finding: a value below the exact one with a "solved" status, a rate above
EF's where the papers prove them equal, and solves that ended in "almost solved". Every
worst-case value carries the solver tolerance it met.
"""

from __future__ import annotations

import json
import math

import pytest

from conftest import cgd_rate, ef_rate
from pepcert.analyses import tight_rate
from pepcert.cli import main
from pepcert.pep import Contractive, ProblemClass, SmoothStronglyConvex, worst_case
from pepcert.pep.algorithms import method_factory

MU, L, DELTA = 0.1, 1.0, 0.5


def test_cgd_one_step_function_worst_case_is_the_tight_rate():
    """Was 2.9e-7 below with a "solved" status at tolerance 1e-8."""
    s = math.sqrt(1 - DELTA)
    eta = 2 / ((1 - s) * MU + (1 + s) * L)
    classes = ProblemClass(SmoothStronglyConvex(MU, L), Contractive(DELTA))
    result = worst_case(method_factory("cgd")(eta), classes, 1, measure="function")
    expected = cgd_rate(MU, L, DELTA, eta)
    assert result.tolerance <= 1e-8 and abs(result.value - expected) <= result.tolerance * expected


def test_ef21_rate_equals_ef_near_the_boundary():
    """mu = 0.01, delta = 0.1, eta = 0.3 eta*: was 1.5e-7 above EF's rate, not tight, 50 solves."""
    mu, delta = 0.01, 0.1
    s = math.sqrt(1 - delta)
    eta = 0.3 * 2 / (L + mu) * (1 - s) / (1 + s)
    classes = ProblemClass(SmoothStronglyConvex(mu, L), Contractive(delta))
    expected = ef_rate(mu, L, delta, eta)
    for name in ("ef", "ef21"):
        result = tight_rate(method_factory(name)(eta), classes)
        assert result.lower_source == "instance" and result.bracket_width <= 1e-9, name
        assert abs(result.rho - expected) <= 1e-9, name


def test_every_worst_case_value_states_its_tolerance(capsys):
    assert main(["worst-case", "--method", "ef", "--mu", "0.1", "--L", "1", "--delta", "0.5", "-N", "2", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert 0 < payload["tolerance"] <= 1e-8
    assert main(["worst-case", "--method", "ef", "--mu", "0.1", "--L", "1", "--delta", "0.5", "-N", "2"]) == 0
    assert "tolerance" in capsys.readouterr().out


@pytest.mark.slow
@pytest.mark.parametrize("name", ["cgd", "ef21"])
def test_distance_worst_case_at_n20_answers_with_its_tolerance(name, capsys):
    """Was exit 1 ("AlmostSolved"); now the checked answer with the tolerance it met, which
    must be consistent with the lower bound from the worst linear instance's growth."""
    code = main(["worst-case", "--method", name, "--mu", "0.1", "--L", "1", "--delta", "0.5", "-N", "20",
                 "--measure", "distance", "--json"])
    assert code == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["status"] == "solved" and payload["tolerance"] <= 1e-4
    assert payload["value"] > 0 and math.isfinite(payload["value"])
