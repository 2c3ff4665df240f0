r"""Parshakova, Khaled, Crawshaw, Garrigos & Gower (2026), *Muon does not converge on convex
Lipschitz functions* (arXiv:2605.08980), and the error-feedback fix; the statements and the
constants are those of docs/muon.md (Theorems 1 and 2 there).

Muon: ``M_t = beta M_{t-1} + (1 - beta) G_t``, ``W_{t+1} = W_t - gamma_t polar(M_t)``, on
``f(W) = c |tr W| + |W_11 - W_22|`` (2x2) with ``c = (1 - beta)/(2 (1 + beta))`` and the paper's
start; ``f* = 0``. EF-Muon: ``P = gamma G + E``, ``Delta = (||P||_nuc / rank P) polar(P)``,
``W+ = W - Delta``, ``E+ = P - Delta``.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from pepcert.analyses.ef_muon import ef_bound, ef_optimal_constant_step, simulate
from pepcert.analyses.ef_muon_sdp import ef_muon_worst_case
from pepcert.analyses.muon import (
    certify_muon,
    muon_instance,
    muon_lp_lower_bound,
    prove_trace_invariant,
)
from pepcert.papers.theorems.compare import AtLeast, AtMost, Proved
from pepcert.papers.theorems.core import Theorem, TheoremError
from pepcert.pep.algorithms.muon import ef_muon
from pepcert.pep.numerics.matrix2 import Mat2

PAPER = "Parshakova, Khaled, Crawshaw, Garrigos & Gower 2026 (Muon does not converge on convex Lipschitz functions)"


def nonconvergence(beta, schedule: str, T: int) -> tuple[Fraction, Fraction]:
    r"""Muon does not converge: ``f(W_t) - f* >= (1 - beta)/(1 + beta)`` for every ``t`` and every
    positive nonincreasing step schedule (the paper; docs/muon.md, Theorem 1).

    Computed: a certified lower bound on ``min_{t <= T} f(W_t) - f*`` by an exact replay of
    Muon's one definition (rigorous enclosures, every transition checked,
    :func:`pepcert.analyses.muon.certify_muon`). Returns ``(certified bound, (1 - beta)/(1 + beta))``,
    exact; checked ``computed >= theory`` exactly.
    """
    certificate = certify_muon(beta, schedule, T)
    if not certificate.certified or certificate.certified_lower_bound is None:
        raise TheoremError(f"beta = {beta}, steps {schedule}: the replay is not certified")
    return certificate.certified_lower_bound, (1 - Fraction(beta)) / (1 + Fraction(beta))


def trace_invariant() -> tuple[bool, bool]:
    r"""The induction behind the non-convergence: on the instance, ``tr W_t = 2``, ``G_t = c I +
    s diag(1, -1)``, ``polar(M_t) = s diag(1, -1)`` (``s = (-1)^t``) and ``f(W_t) - f* >= 2c =
    (1 - beta)/(1 + beta)`` for every ``t`` (docs/muon.md, Theorem 1). Every induction step is
    checked by sympy with ``beta`` symbolic (:func:`pepcert.analyses.muon.prove_trace_invariant`).
    Returns ``(proved, True)``.
    """
    return prove_trace_invariant().verified, True


def lp_lower_bound(beta, schedule: str, T: int) -> tuple[Fraction, Fraction]:
    r"""Not only on one instance: over every convex Lipschitz function compatible with Muon's
    sign pattern on the instance, ``min_{t <= T} f(W_t) - f*`` stays above ``(1 - beta)/(1 + beta)``
    (docs/muon.md, the LP bound).

    Computed: the LP over function values and subgradients, its witness rounded and re-checked
    exactly (:func:`pepcert.analyses.muon.muon_lp_lower_bound`). Returns ``(certified bound,
    (1 - beta)/(1 + beta))``; checked ``computed >= theory`` exactly.
    """
    result = muon_lp_lower_bound(beta, schedule, T)
    if not result.certified or result.certified_lower_bound is None:
        raise TheoremError(f"T = {T}: the LP bound is not certified")
    return result.certified_lower_bound, (1 - Fraction(beta)) / (1 + Fraction(beta))


def ef_muon_converges(beta, schedule: str, steps: int) -> tuple[tuple[float, float], tuple[float, float]]:
    r"""Error feedback fixes Muon: on the same instance EF-Muon's best gap obeys
    ``min_{t < T} f(W_t) - f* <= (R^2 + L^2 sum gamma_t^2 + 2 L sum gamma_t e_t)/(2 sum gamma_t)``,
    ``e_0 = 0``, ``e_{t+1} = q (gamma_t L + e_t)``, ``q = sqrt(1 - 1/2)`` (docs/muon.md, Theorem 2),
    and falls below 1e-3 within ``steps`` steps (measured: t = 2209 at beta = 0.9, steps
    ``1/sqrt(t+1)``).

    Computed: EF-Muon's one definition run in floats. Returns ``((smallest gap, max_T best gap /
    bound), (1e-3, 1))``; checked ``computed <= theory`` entry by entry.
    """
    instance = muon_instance(beta, schedule)
    gammas = instance.schedule.floats(np.arange(steps))
    run = simulate(ef_muon(gammas), instance.oracle(), Mat2.from_array(instance.W0_float()), steps)
    c = float(instance.c)
    bound = ef_bound(float(np.linalg.norm(instance.W0_float())), float(np.sqrt(2 + 2 * c * c)), gammas, 2)
    return (float(run.gaps.min()), float(np.max(run.best_so_far()[:-1] / bound))), (1e-3, 1.0)


def ef_muon_worst_case_bound(N: int) -> tuple[float, float]:
    r"""Theorem 2 of docs/muon.md holds over a whole class, not only on the instance: the worst
    case of ``min_{t < N} f(W_t) - f*`` over convex 1-Lipschitz ``f``, ``||W_0 - W*||_F <= 1`` and
    every ``1/2``-contractive compressor (which contains EF-Muon's on rank-2 matrices) is at most
    the bound of Theorem 2 at the constant step ``gamma* = sqrt((1 - q)/(1 + q)/N)`` (itself at most
    ``(1 + sqrt 2)/sqrt N``).

    Computed: the EF-Muon performance estimation problem (an SDP,
    :func:`pepcert.analyses.ef_muon_sdp.ef_muon_worst_case`). Checked ``computed <= theory + 1e-6``.
    """
    gamma, _ = ef_optimal_constant_step(1.0, 1.0, N, 2)
    result = ef_muon_worst_case([gamma] * N)
    if result.status != "solved":
        raise TheoremError(f"the SDP is {result.status}")
    return result.value, float(ef_bound(1.0, 1.0, [gamma] * N, 2)[-1])


THEOREMS: list[Theorem] = [
    Theorem("muon-nonconvergence", PAPER, "Muon stays at f(W_t) - f* >= (1 - beta)/(1 + beta) on the instance (exact replay)",
            nonconvergence, tuple({"beta": beta, "schedule": schedule, "T": 1000}
                                  for beta in (Fraction(0), Fraction(9, 10)) for schedule in ("1/sqrt(t+1)", "1/(t+1)")),
            AtLeast(), "(1 - beta)/(1 + beta)"),
    Theorem("muon-invariant-induction", PAPER,
            "the trace invariant tr W_t = 2 holds for every t (sympy induction, symbolic beta)",
            trace_invariant, ({},), Proved(), "every induction step verified"),
    Theorem("muon-lp-lower-bound", PAPER,
            "the worst case over convex Lipschitz functions with Muon's sign pattern stays above the level",
            lp_lower_bound, tuple({"beta": Fraction(9, 10), "schedule": "1/sqrt(t+1)", "T": T} for T in (10, 40)),
            AtLeast(), "(1 - beta)/(1 + beta) = 1/19"),
    Theorem("ef-muon-converges", PAPER,
            "error feedback fixes Muon: EF-Muon's gap goes to 0 on the same instance, within its bound",
            ef_muon_converges, ({"beta": Fraction(9, 10), "schedule": "1/sqrt(t+1)", "steps": 2500},), AtMost(),
            "(1e-3, 1): gap below 1e-3 within 2500 steps, best gap / EF bound <= 1"),
    Theorem("ef-muon-sdp-bound", PAPER,
            "the EF-Muon worst case (SDP over convex Lipschitz f, 1/rank-contractive C) is below the proven bound",
            ef_muon_worst_case_bound, ({"N": 4},), AtMost(slack=1e-6), "the EF-Muon bound (docs/muon.md, Theorem 2)"),
]
