"""Thomsen, Taylor & Dieuleveut (2025): the symbolic claims ``pepcert verify`` runs.

Every decrease claim is the generic verifier (:func:`pepcert.lyapunov.symbolic.verify`) run on
the paper's proof data (:mod:`.proofs`); the other claims are the lemmas of :mod:`.lemmas`.
"""

from __future__ import annotations

from collections.abc import Callable

import sympy

from pepcert.papers.ttd25 import PAPER as TTD25
from pepcert.papers.ttd25.lemmas import cgd_faster_than_ef, instance_lemmas, instance_polynomial, optimal_step_lemmas
from pepcert.papers.ttd25.proofs import checked, checked_random

BRANCH_NAMES = {"eta<=": "mu-branch", "eta>=": "L-branch"}


def _lemma_check(lemmas: Callable[[], list]) -> Callable[[], tuple[str, bool]]:
    def check() -> tuple[str, bool]:
        results = lemmas()
        failed = [text for text, ok in results if not ok]
        if failed:
            return f"{len(failed)} of {len(results)} identities fail: {failed[0]}", False
        return f"{len(results)} identities checked exactly", True

    return check


def _decrease_check(method: str) -> Callable[[], tuple[str, bool]]:
    def check() -> tuple[str, bool]:
        verdict = checked(method)
        parts = []
        for piece in verdict.pieces:
            state = "proved" if piece.proved else "NOT proved: " + piece.failures[0]
            parts.append(f"{BRANCH_NAMES.get(piece.label, piece.label)} {state} "
                         f"({len(piece.multipliers)} multipliers, {len(piece.field_squares)} squares)")
        return "; ".join(parts), verdict.proved

    return check


def _ef_equals_ef21() -> tuple[str, bool]:
    same_polynomial = sympy.expand(instance_polynomial("EF") - instance_polynomial("EF21")) == 0
    ef, ef21 = checked("EF"), checked("EF21")
    same_rates = all(sympy.cancel(p.rate - q.rate) == 0 for p, q in zip(ef.pieces, ef21.pieces))
    instance_rate = all(ok for text, ok in instance_lemmas() if "ef_branch" in text or "alpha = 1 + s" in text)
    proved = sum(p.proved for p in ef.pieces + ef21.pieces)
    passed = same_polynomial and same_rates and instance_rate and ef.proved and ef21.proved
    computed = (
        f"same instance polynomial: {same_polynomial}; instance rate = closed form: {instance_rate}; "
        f"upper bounds proved on both branches: {proved}/4 (same rho: {same_rates})"
    )
    return computed, passed


def _random_check() -> tuple[str, bool]:
    pieces = [piece for method in ("EF", "EF21", "CGD") for piece in checked_random(method).pieces]
    passed = sum(piece.proved for piece in pieces)
    return f"{passed}/{len(pieces)} branch proofs hold for 2-outcome random compressors", passed == len(pieces)


def symbolic_claims() -> list[tuple]:
    """The symbolic claims, as ``(id, paper, statement, expected, check)``."""
    every = "for all 0 < delta < 1, 0 < mu < L"
    return [
        ("symbolic-instances", TTD25,
         "f = h x^2/2, C(v) = alpha v: EF and EF21 share the polynomial z^2 - b_h z - s at alpha = 1 + s; "
         "CGD's map is 1 - eta alpha h (sympy, symbolic parameters)",
         "all identities exact", _lemma_check(instance_lemmas)),
        ("symbolic-optimal-steps", TTD25,
         "eta* = 2(1-s)/((L+mu)(1+s)) (EF/EF21) and 2/((1-s)mu + (1+s)L) (CGD) minimise the closed-form rates; "
         "rho* as in the paper (sympy)",
         "all identities exact", _lemma_check(optimal_step_lemmas)),
        ("symbolic-ef-decrease", TTD25,
         f"EF: ||x-x*-e||^2 + ||e||^2/s decreases by the closed-form rho(eta) {every}, every eta > 0 "
         "(closed-form multipliers + exact SOS, sympy)",
         "both branches proved", _decrease_check("EF")),
        ("symbolic-ef21-decrease", TTD25,
         f"EF21: ||grad f(x) - d||^2 + s ||grad f(x)||^2 decreases by the closed-form rho(eta) {every}, every eta > 0 "
         "(closed-form multipliers + exact SOS, sympy)",
         "both branches proved", _decrease_check("EF21")),
        ("symbolic-cgd-decrease", TTD25,
         f"CGD: f - f* decreases by max{{(1 - eta mu (1-s))^2, (1 - eta L (1+s))^2}} {every}, every eta > 0 "
         "(closed-form multipliers + exact SOS, sympy)",
         "both branches proved", _decrease_check("CGD")),
        ("symbolic-ef-equals-ef21", TTD25,
         f"EF and EF21 have the same tight rate at every eta > 0, {every} (instance identity + both upper-bound proofs)",
         "proved", _ef_equals_ef21),
        ("symbolic-random-compressors", TTD25,
         f"the three decrease proofs hold for compressors contractive in expectation {every}, every eta > 0 "
         "(deterministic SOS averaged over outcomes, checked on the 2-outcome problem, sympy)",
         "6/6 branch proofs", _random_check),
        ("symbolic-cgd-faster", TTD25,
         "at their optimal steps rho*_CGD < rho*_EF = rho*_EF21 for all 0 < delta < 1 and kappa > 1 (sympy)",
         "all identities exact", _lemma_check(cgd_faster_than_ef)),
    ]
