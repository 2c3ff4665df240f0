"""Exact certificates with equality constraints (quadratic classes, ``mu = L``): the equalities'
multipliers are free and the inequalities' stay ``>= 0``; which constraints are equalities is
the rebuilt problem's word, the file's lists must match it. References: the TTD 2025 closed
forms of ``conftest`` at ``mu = L``. ``tools/mutants.py`` breaks each check below in turn."""

from __future__ import annotations

import copy
import json
from fractions import Fraction as Q

import pytest

from conftest import ef_rate
from pepcert.analyses import certify, check_certificate
from pepcert.papers import ttd26
from pepcert.pep import Contractive, ProblemClass, SmoothStronglyConvex
from pepcert.pep.algorithms import BUILTIN_METHODS


@pytest.fixture(scope="module")
def single():
    """EF21, one quadratic agent (``mu = L = 1``), ``delta = 1/2``, ``eta = 1/5``."""
    classes = ProblemClass(SmoothStronglyConvex(Q(1), Q(1)), Contractive(Q(1, 2)))
    return certify(BUILTIN_METHODS["ef21"], classes, Q(1, 5))


@pytest.fixture(scope="module")
def mixed():
    """EF21, two agents: ``mu = L = 1`` beside ``mu = 1/10``, ``L = 1``, at a rational ``eta*``."""
    L, mu, delta = (1, 1), (Q(1), Q(1, 10)), Q(1, 2)
    eta = Q(ttd26.optimal_step(L, mu, delta)).limit_denominator(10**9)
    return certify(BUILTIN_METHODS["ef21"], ttd26.classes_of(L, mu, delta, Q), eta, parameters={"n": 2})


def _forged(document, edit):
    changed = copy.deepcopy(json.loads(json.dumps(document)))
    edit(changed)
    return changed


def _reasons(document) -> str:
    report = check_certificate(document)
    assert not report.valid
    return " | ".join(report.reasons)


def test_one_quadratic_agent_is_certified_from_both_sides(single):
    expected = ef_rate(1, 1, 0.5, 0.2)
    assert single.verified and single.controls_state
    assert float(single.rho_lower) <= expected <= float(single.rho_upper) and single.gap <= Q(1, 10**6)
    upper = single.certificate["upper"]
    assert upper["equalities"] and not any(name.startswith("interpolation") for name in upper["constraints"])
    assert check_certificate(json.loads(json.dumps(single.certificate))).valid


def test_free_equality_multipliers_are_accepted(mixed):
    """Negative multipliers on equalities are part of a valid proof; the inequalities' are all >= 0."""
    assert mixed.verified and mixed.controls_state
    upper = mixed.certificate["upper"]
    assert any(Q(v) < 0 for v in upper["equality_multipliers"])
    assert all(Q(v) >= 0 for v in upper["multipliers"])
    assert len(upper["equality_multipliers"]) == len(upper["equalities"]) > 0
    assert any(Q(v) < 0 for v in upper["dominance"]["equality_multipliers"])  # free there too
    report = check_certificate(json.loads(json.dumps(mixed.certificate)))
    assert report.valid and "quadratic" in report.classes


def test_an_inequality_multiplier_may_not_be_negative(mixed):
    upper = mixed.certificate["upper"]
    index = upper["constraints"].index(next(n for n in upper["constraints"] if n.startswith("interpolation")))
    document = _forged(mixed.certificate, lambda d: d["upper"]["multipliers"].__setitem__(index, "-1/10000000000000000"))
    assert "upper bound rejected: a multiplier is negative" in _reasons(document)


def test_the_file_may_not_declare_which_constraints_are_equalities(mixed):
    def declare(d):
        d["upper"]["equalities"][0] = d["upper"]["constraints"][0]  # "this inequality is an equality"
    assert "the file's equalities do not match the method's one-step problem" in _reasons(_forged(mixed.certificate, declare))


def test_one_multiplier_per_equality(mixed):
    document = _forged(mixed.certificate, lambda d: d["upper"]["equality_multipliers"].pop())
    assert "upper bound rejected: one multiplier per equality is required" in _reasons(document)


@pytest.mark.parametrize("which", ["single", "mixed"])
def test_the_equalities_carry_the_proof(which, single, mixed):
    """Without its equality terms (all multipliers 0, or all negated) the residual fails."""
    document = {"single": single, "mixed": mixed}[which].certificate
    for change in (lambda v: "0", lambda v: str(-Q(v))):
        def edit(d, change=change):
            d["upper"]["equality_multipliers"] = [change(v) for v in d["upper"]["equality_multipliers"]]
        assert "upper bound rejected" in _reasons(_forged(document, edit))


def test_one_dominance_multiplier_per_local_equality(mixed):
    document = _forged(mixed.certificate, lambda d: d["upper"]["dominance"]["equality_multipliers"].pop())
    assert "dominance rejected: one dominance multiplier per local equality is required" in _reasons(document)
