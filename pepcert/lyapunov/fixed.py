r"""The rate a *given* Lyapunov function certifies, from given multipliers.

A structured family with one term is one function ``V``; its rate is the smallest ``rho`` for
which some multipliers ``lambda >= 0`` make the one-step residual ``rho V_0 - E V_1 +
sum_k lambda_k c_k`` positive semidefinite. Searching ``lambda`` by margins is ill-conditioned
when ``V`` is nearly degenerate (small steps: directions of size ``eta``). The one-step
performance-estimation problem -- maximise ``E V_1`` subject to ``V_0 <= 1`` -- is its dual
and is solved accurately by the N-step machinery (:func:`pepcert.pep.problem.worst_case` with
``N = 1``); its dual multipliers are the ``lambda`` of the inequality above. This module turns
such multipliers into a :class:`~pepcert.lyapunov.results.LyapunovResult`: the rate is the
floating-point threshold of that ``(V, lambda)`` (:func:`~pepcert.lyapunov.margin.float_threshold_rho`),
never the solver's objective, and the exact certificate is still :mod:`pepcert.lyapunov.upper`'s.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence

import numpy as np

from pepcert.lyapunov.dominance import float_dominance
from pepcert.lyapunov.margin import float_threshold_rho
from pepcert.lyapunov.onestep import one_step
from pepcert.lyapunov.results import DOMINANCE_FLOOR, TIGHT_TOLERANCE, LyapunovResult, features_form
from pepcert.lyapunov.search import lmi_data


def fixed_lyapunov_rate(method, classes, family: str, multipliers: Mapping[str, float], worst_cases: Sequence = (),
                        solver: str | None = None, solver_name: str = "") -> LyapunovResult | None:
    """The rate of the one-term ``family``'s function with ``multipliers`` (by constraint name;
    missing names count as 0), or None when they do not fit the one-step problem."""
    start = time.perf_counter()
    step = one_step(method, classes, family)
    if len(step.term_names) != 1:
        return None
    names = [name for name, _ in step.constraints]
    if not set(multipliers) - {"initial"} <= set(names):
        return None
    data = lmi_data(step)
    coefficients = np.ones(1)
    lam = np.array([max(float(multipliers.get(name, 0.0)), 0.0) for name in names])
    instance = max((case.rho for case in worst_cases), default=None)
    rho = float_threshold_rho(data, coefficients, lam, eig_slack=1e-9, hint=instance)
    if not math.isfinite(rho):
        return None
    dominance = float_dominance(step, coefficients, solver)
    lower, source = 0.0, "none"
    if instance is not None and dominance > DOMINANCE_FLOOR:
        lower, source = min(instance, rho), "instance"
    P, p, weights = features_form(step, coefficients)
    return LyapunovResult(
        method=method.name, parameters=dict(method.parameters), classes=classes.to_dict(),
        state_names=method.state, family=family, rho=float(rho), rho_lower=float(lower), lower_source=source,
        feature_names=step.feature_names, P=P, p=p, term_names=step.term_names, weights=weights,
        multipliers=dict(zip(names, lam.tolist())), margin=0.0, coefficients=coefficients, multiplier_values=lam,
        worst_cases=tuple(worst_cases), solver=solver_name, solves=1, seconds=time.perf_counter() - start,
        strongly_convex=classes.function.strongly_convex, dominance=dominance,
    )


__all__ = ["TIGHT_TOLERANCE", "fixed_lyapunov_rate"]
