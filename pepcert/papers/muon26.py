"""Claims of Parshakova, Khaled, Crawshaw, Garrigos & Gower (2026) for ``pepcert verify``.

Each check re-computes the statement with the Muon modules of :mod:`pepcert.lowerbounds`
(exact replay, sympy induction, certified LP bound, EF-Muon runs and their bound, the EF-Muon
worst-case SDP) and returns ``(computed, passed)``.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

PAPER = "Parshakova, Khaled, Crawshaw, Garrigos & Gower 2026 (Muon does not converge on convex Lipschitz functions)"


def _nonconvergence():
    from pepcert.analyses.muon import certify_muon

    worst = None
    for beta in ("0", "0.9"):
        for schedule in ("1/sqrt(t+1)", "1/(t+1)"):
            certificate = certify_muon(beta, schedule, 1000)
            level = (1 - Fraction(beta)) / (1 + Fraction(beta))
            lower = certificate.certified_lower_bound
            if not (certificate.certified and lower is not None and lower >= level):
                return f"beta = {beta}, steps {schedule}: not certified", False
            margin = lower - level
            worst = margin if worst is None else min(worst, margin)
    assert worst is not None
    return f"certified at T = 1000 for 4 (beta, schedule) pairs; smallest margin above the level {float(worst):.2e}", True


def _induction():
    import sympy as sp

    from pepcert.lowerbounds.muon.proof import prove_trace_invariant

    beta = sp.Symbol("beta", nonnegative=True)  # the symbol the proof is written in
    proof = prove_trace_invariant()
    wrong = prove_trace_invariant((1 - beta) / (1 + beta))  # a wrong constant must fail
    return f"{len(proof.steps)} induction steps verified by sympy; wrong c rejected: {not wrong.verified}", proof.verified and not wrong.verified


def _lp_bound():
    from pepcert.analyses.muon import muon_lp_lower_bound

    values = []
    for T in (10, 40):
        result = muon_lp_lower_bound("0.9", "1/sqrt(t+1)", T)
        if not result.certified:
            return f"T = {T}: LP bound not certified", False
        assert result.certified_lower_bound is not None  # set when certified
        values.append(result.certified_lower_bound)
    return f"certified LP lower bounds {', '.join(f'{float(v):.4f}' for v in values)} at T = 10, 40 (level 1/19)", min(values) >= Fraction(1, 19)


def _ef_muon_converges():
    from pepcert.analyses.ef_muon import ef_bound, simulate
    from pepcert.analyses.muon import muon_instance
    from pepcert.pep.algorithms.muon import ef_muon
    from pepcert.pep.numerics.matrix2 import Mat2

    instance = muon_instance("0.9", "1/sqrt(t+1)")
    steps = 2500
    gammas = instance.schedule.floats(np.arange(steps))
    run = simulate(ef_muon(gammas), instance.oracle(), Mat2.from_array(instance.W0_float()), steps)
    c = float(instance.c)
    bound = ef_bound(float(np.linalg.norm(instance.W0_float())), math.sqrt(2 + 2 * c * c), gammas, 2)
    first = run.first_below(1e-3)
    within = bool(np.all(run.best_so_far()[:-1] <= bound))
    return f"gap below 1e-3 at t = {first}; every best-so-far gap under the EF bound: {within}", first is not None and within


def _ef_muon_sdp():
    from pepcert.analyses.ef_muon import ef_optimal_constant_step
    from pepcert.analyses.ef_muon_sdp import ef_muon_worst_case

    gamma, closed_form = ef_optimal_constant_step(1.0, 1.0, 4, 2)
    result = ef_muon_worst_case([gamma] * 4)
    bound = result.analytic_bound
    ok = result.status == "solved" and bound is not None and result.value <= bound + 1e-6 <= closed_form + 1e-6
    return f"SDP worst case {result.value:.4f} <= EF bound {result.analytic_bound:.4f} <= (1 + sqrt 2)/sqrt(N) = {closed_form:.4f} (N = 4)", ok


def muon_claims() -> list[tuple]:
    """``(id, paper, statement, expected, check)`` for the claims registry."""
    return [
        ("muon-nonconvergence", PAPER, "Muon stays at f(W_t) - f* >= (1 - beta)/(1 + beta) on the instance (exact replay)",
         "certified >= (1 - beta)/(1 + beta)", _nonconvergence),
        ("muon-invariant-induction", PAPER, "the trace invariant tr W_t = 2 holds for every t (sympy induction, symbolic beta)",
         "every induction step verified", _induction),
        ("muon-lp-lower-bound", PAPER, "the worst case over convex Lipschitz functions with Muon's sign pattern stays above the level",
         "certified LP bound >= 1/19 (beta = 0.9)", _lp_bound),
        ("ef-muon-converges", PAPER, "error feedback fixes Muon: EF-Muon's gap goes to 0 on the same instance, within its bound",
         "gap < 1e-3 within 2500 steps", _ef_muon_converges),
        ("ef-muon-sdp-bound", PAPER, "the EF-Muon worst case (SDP over convex Lipschitz f, 1/rank-contractive C) is below the proven bound",
         "SDP <= EF bound <= (1 + sqrt 2)/sqrt N", _ef_muon_sdp),
    ]
