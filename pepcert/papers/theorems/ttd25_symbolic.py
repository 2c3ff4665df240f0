r"""Thomsen, Taylor & Dieuleveut (2025, arXiv:2506.05271): the theorems proved for all
parameters with sympy, ``for all 0 < delta < 1, 0 < mu < L`` and every step ``eta > 0``.

Each decrease is the generic verifier (:func:`pepcert.lyapunov.symbolic.verify`) run on the
paper's proof written as data (:mod:`pepcert.papers.ttd25.proofs`: closed-form multipliers and
an exact sum of squares per branch); the other theorems are the identities of
:mod:`pepcert.papers.ttd25.lemmas`. Each function returns ``(proved, True)``; a proof that does
not check says why in ``proofs.checked(method).reason`` or in the lemma list.
"""

from __future__ import annotations

import sympy

from pepcert.papers.theorems.compare import Proved
from pepcert.papers.theorems.core import Theorem
from pepcert.papers.ttd25 import PAPER
from pepcert.papers.ttd25.lemmas import (
    cgd_faster_than_ef,
    instance_lemmas,
    instance_polynomial,
    optimal_step_lemmas,
)
from pepcert.papers.ttd25.proofs import checked, checked_random


def _all_hold(lemmas: list[tuple[str, bool]]) -> bool:
    return bool(lemmas) and all(ok for _, ok in lemmas)


def instance_identities() -> tuple[bool, bool]:
    r"""The lower-bound instances, symbolically: on ``f = h x^2/2`` with ``C(v) = alpha v``, EF
    and EF21 have the same characteristic polynomial, ``z^2 - b_h z - s`` at ``alpha = 1 + s``
    (spectral radius ``((|b_h| + sqrt(b_h^2 + 4 s))/2)``, the paper's rate), CGD's map is
    ``1 - eta alpha h``, and ``C(v) = (1 +- s) v`` is in the class with equality (TTD25, the
    matching lower bound). Computed by running each method's own step on sympy symbols.
    """
    return _all_hold(instance_lemmas()), True


def optimal_step_identities() -> tuple[bool, bool]:
    r"""``eta* = 2(1 - s)/((L + mu)(1 + s))`` (EF, EF21) and ``2/((1 - s) mu + (1 + s) L)`` (CGD)
    minimise the closed-form rates (the branches cross there, one decreasing and one
    increasing), and ``rho*`` is the paper's optimal rate (TTD25), as sympy identities.
    """
    return _all_hold(optimal_step_lemmas()), True


def decrease(method: str) -> tuple[bool, bool]:
    r"""The paper's Lyapunov function decreases by the closed-form ``rho(eta)`` for all
    ``0 < delta < 1``, ``0 < mu < L``, ``eta > 0`` (TTD25): EF ``||x - x* - e||^2 + ||e||^2/s``,
    EF21 ``||grad f(x) - d||^2 + s ||grad f(x)||^2``, CGD ``f - f*`` with
    ``rho = max{(1 - eta mu (1 - s))^2, (1 - eta L (1 + s))^2}``.

    Proved by the generic verifier from the paper's proof as data: on each branch (``eta`` below
    or above ``eta*``) the closed-form multipliers are nonnegative and the residual is an exact
    sum of squares.
    """
    return checked(method).proved, True


def ef_equals_ef21_for_all_parameters() -> tuple[bool, bool]:
    r"""EF and EF21 have the same tight rate at every ``eta > 0`` for all ``0 < delta < 1``,
    ``0 < mu < L`` (TTD25): the same instance polynomial (a lower bound equal to the closed
    form) and both upper-bound proofs at the same ``rho(eta)`` on both branches.
    """
    same_polynomial = sympy.expand(instance_polynomial("EF") - instance_polynomial("EF21")) == 0
    ef, ef21 = checked("EF"), checked("EF21")
    same_rates = all(sympy.cancel(p.rate - q.rate) == 0 for p, q in zip(ef.pieces, ef21.pieces, strict=True))
    instance_rate = _all_hold([(text, ok) for text, ok in instance_lemmas() if "ef_branch" in text or "alpha = 1 + s" in text])
    return bool(same_polynomial and same_rates and instance_rate and ef.proved and ef21.proved), True


def random_compressor_decrease(method: str) -> tuple[bool, bool]:
    r"""The decrease proof of ``method`` holds for compressors contractive in expectation,
    ``E||C(v) - v||^2 <= (1 - delta)||v||^2``, for ``E V`` (TTD25): the deterministic sum of
    squares averaged over the outcomes, checked on the two-outcome one-step problem, both
    branches, all parameters.
    """
    return checked_random(method).proved, True


def cgd_faster_for_all_parameters() -> tuple[bool, bool]:
    r"""``rho*_CGD < rho*_EF = rho*_EF21`` at the optimal steps for all ``0 < delta < 1`` and
    ``kappa > 1`` (TTD25): with ``c = (kappa_s - 1)/(kappa_s + 1)``, ``c < r(B)`` iff
    ``s + B c - c^2 > 0``, manifestly positive on the parameter box.
    """
    return _all_hold(cgd_faster_than_ef()), True


EVERY = "for all 0 < delta < 1, 0 < mu < L"
SOS = "(closed-form multipliers + exact SOS, sympy)"

THEOREMS: list[Theorem] = [
    Theorem("symbolic-instances", PAPER,
            "f = h x^2/2, C(v) = alpha v: EF and EF21 share the polynomial z^2 - b_h z - s at alpha = 1 + s; "
            "CGD's map is 1 - eta alpha h (sympy, symbolic parameters)",
            instance_identities, ({},), Proved(), "all identities exact"),
    Theorem("symbolic-optimal-steps", PAPER,
            "eta* = 2(1-s)/((L+mu)(1+s)) (EF/EF21) and 2/((1-s)mu + (1+s)L) (CGD) minimise the closed-form rates; "
            "rho* as in the paper (sympy)",
            optimal_step_identities, ({},), Proved(), "all identities exact"),
    Theorem("symbolic-ef-decrease", PAPER,
            f"EF: ||x-x*-e||^2 + ||e||^2/s decreases by the closed-form rho(eta) {EVERY}, every eta > 0 {SOS}",
            decrease, ({"method": "EF"},), Proved(), "both branches proved"),
    Theorem("symbolic-ef21-decrease", PAPER,
            f"EF21: ||grad f(x) - d||^2 + s ||grad f(x)||^2 decreases by the closed-form rho(eta) {EVERY}, "
            f"every eta > 0 {SOS}",
            decrease, ({"method": "EF21"},), Proved(), "both branches proved"),
    Theorem("symbolic-cgd-decrease", PAPER,
            f"CGD: f - f* decreases by max{{(1 - eta mu (1-s))^2, (1 - eta L (1+s))^2}} {EVERY}, every eta > 0 {SOS}",
            decrease, ({"method": "CGD"},), Proved(), "both branches proved"),
    Theorem("symbolic-ef-equals-ef21", PAPER,
            f"EF and EF21 have the same tight rate at every eta > 0, {EVERY} (instance identity + both upper-bound proofs)",
            ef_equals_ef21_for_all_parameters, ({},), Proved(), "proved"),
    Theorem("symbolic-random-compressors", PAPER,
            f"the three decrease proofs hold for compressors contractive in expectation {EVERY}, every eta > 0 "
            "(deterministic SOS averaged over outcomes, checked on the 2-outcome problem, sympy)",
            random_compressor_decrease, tuple({"method": m} for m in ("EF", "EF21", "CGD")), Proved(),
            "proved for EF, EF21 and CGD"),
    Theorem("symbolic-cgd-faster", PAPER,
            "at their optimal steps rho*_CGD < rho*_EF = rho*_EF21 for all 0 < delta < 1 and kappa > 1 (sympy)",
            cgd_faster_for_all_parameters, ({},), Proved(), "all identities exact"),
]
