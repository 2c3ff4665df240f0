"""The command line where no linear rate exists, and the n-agent paper's quadratic-agent setting."""

from __future__ import annotations

import json

import pytest

from pepcert.cli import main
from pepcert.papers import ttd26
from pepcert.papers.theorems.sublinear import nonconvex_gradient_bound


def _json(capsys, argv):
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_rate_at_mu_minus_L_is_the_sublinear_answer_with_a_potential(capsys):
    data = _json(capsys, ["rate", "--method", "cgd", "--mu", "-1", "--L", "1", "--delta", "1", "--eta", "1",
                          "--horizon", "4", "--json"])
    assert data["kind"] == "sublinear" and data["linear_rate"] is None and "rho" not in data
    assert (data["measure"], data["initial"]) == ("min-gradient", "function")
    for case in data["worst_cases"]:  # CGD with delta = 1 is gradient descent: the exact rate
        assert case["value"] == pytest.approx(nonconvex_gradient_bound(1.0, -1.0, 1.0, case["N"]), rel=1e-7)
    assert data["potential"]["C"] == pytest.approx(2.0, rel=1e-6)  # the descent lemma's 2L/(N + 1)


def test_best_sublinear_step_is_never_one_at_the_edge(capsys):
    data = _json(capsys, ["rate", "--method", "ef21", "--mu", "-1", "--L", "1", "--delta", "0.5", "--horizon", "3",
                          "--json"])
    assert data["step"] in ("optimal", "at the edge of the search")
    assert 0.01 < data["eta"] < 4


def test_two_agents_one_quadratic_is_the_papers_setting(capsys):
    """--agents 2 --L 1,1 --mu 1,0.1 (agent 1 quadratic): the paper's law is printed with the
    cubic's root, and the tight rate over every quadratic Lyapunov function is at most it."""
    data = _json(capsys, ["rate", "--method", "ef21", "--agents", "2", "--L", "1,1", "--mu", "1,0.1", "--delta", "0.5",
                          "--json"])
    (law,) = data["paper_laws"]
    assert law["rho"] == pytest.approx(ttd26.two_agent_rate((1, 1), (1, 0.1), 0.5), rel=1e-12)
    assert law["eta"] == pytest.approx(ttd26.optimal_step((1, 1), (1, 0.1), 0.5), rel=1e-12)
    assert data["rho"] <= law["rho"] + 1e-9
