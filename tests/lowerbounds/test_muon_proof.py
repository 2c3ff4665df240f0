"""The sympy-checked induction behind the trace invariant."""

from __future__ import annotations

import sympy as sp

from pepcert.analyses.muon import prove_trace_invariant


def test_invariant_proof_verifies_every_step():
    proof = prove_trace_invariant()
    assert proof.verified
    names = [step.name for step in proof.steps]
    for required in ("base", "subgradient", "momentum", "opposite signs", "polar factor", "step", "tail recursion", "leibniz", "gap"):
        assert required in names
    assert all(step.verified for step in proof.steps)
    assert proof.to_dict()["verified"] is True


def test_a_constant_too_large_breaks_the_sign_lemma():
    beta = sp.Symbol("beta", nonnegative=True)
    proof = prove_trace_invariant((1 - beta) / (1 + beta))  # momentum entries can vanish
    failed = {step.name for step in proof.steps if not step.verified}
    assert "opposite signs" in failed
    assert not proof.verified


def test_a_smaller_constant_keeps_the_invariant_but_not_the_papers_level():
    beta = sp.Symbol("beta", nonnegative=True)
    proof = prove_trace_invariant((1 - beta) / (4 * (1 + beta)))
    failed = {step.name for step in proof.steps if not step.verified}
    assert failed == {"gap"}  # 2c != (1 - beta)/(1 + beta)
