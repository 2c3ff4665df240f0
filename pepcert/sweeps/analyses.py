"""Sweepable analyses: top-level functions of keyword parameters returning JSON-able dicts.

Each is a thin wrapper around one pepcert analysis (nothing here computes a rate itself) and
carries a ``version`` that is part of its cache key: bump it when the outputs change meaning
or the underlying analysis changes its answers. A :class:`~pepcert.pep.errors.SolverFailure`
at one point becomes an ``error`` column (the other points stand); any other exception stops
the sweep. Parameters are plain numbers and strings so that points hash and pickle simply.
"""

from __future__ import annotations

from collections.abc import Callable

from pepcert.pep.errors import SolverFailure


def sweepable(version: int) -> Callable[[Callable], Callable]:
    """Mark ``function`` as a sweep analysis with cache version ``version``."""

    def mark(function: Callable) -> Callable:
        function.version = version  # type: ignore[attr-defined]  # a function attribute, read with getattr
        return function

    return mark


def _classes(mu, L, delta, random=False):
    from pepcert.pep.compressors import Contractive
    from pepcert.pep.functions import SmoothStronglyConvex
    from pepcert.pep.problem import ProblemClass

    return ProblemClass(SmoothStronglyConvex(mu, L), Contractive(delta, in_expectation=bool(random)))


def _rate_outputs(result) -> dict:
    return {
        "rho": float(result.rho),
        "rho_lower": float(result.rho_lower),
        "lower_source": result.lower_source,
        "tight": result.tight,
        "converges": bool(result.converges),
        "solves": int(result.solves),
        "error": "",
    }


_FAILED_RATE = {"rho": None, "rho_lower": None, "lower_source": "", "tight": False, "converges": False, "solves": 0}


@sweepable(version=1)
def rate(method: str, mu: float, L: float, delta: float, eta: float, family: str = "full", random: bool = False) -> dict:
    """:func:`pepcert.analyses.tight_rate` of ``method`` at step ``eta``: ``rho``,
    ``rho_lower`` (and where it comes from), ``tight``, ``converges``, ``solves``."""
    from pepcert.analyses import tight_rate
    from pepcert.pep.algorithms import method_factory

    try:
        result = tight_rate(method_factory(method)(float(eta)), _classes(mu, L, delta, random), family=family)
    except SolverFailure as error:
        return {**_FAILED_RATE, "error": str(error)}
    return _rate_outputs(result)


@sweepable(version=1)
def optimal_rate(method: str, mu: float, L: float, delta: float, family: str = "full", random: bool = False) -> dict:
    """:func:`pepcert.analyses.optimal_step`: the best step ``eta``, the rate there and
    whether it is proven optimal."""
    from pepcert.analyses import optimal_step
    from pepcert.pep.algorithms import method_factory

    try:
        step = optimal_step(method_factory(method), _classes(mu, L, delta, random), family=family)
    except SolverFailure as error:
        return {"eta": None, **_FAILED_RATE, "proven_optimal": False, "error": str(error)}
    return {"eta": float(step.eta), **_rate_outputs(step.rate), "proven_optimal": bool(step.proven_optimal)}


@sweepable(version=1)
def worst_case_value(method: str, mu: float, L: float, delta: float, eta: float, iterations: int,
                     measure: str = "lyapunov", start: str = "auto") -> dict:
    """:func:`pepcert.pep.problem.worst_case`: the largest ``measure`` after ``iterations``
    steps given ``measure <= 1`` at the start (``value``, ``rate_per_step``, ``status``);
    ``start``: ``auto``, ``declared`` (the method's own start from ``x0``) or ``free``."""
    from pepcert.pep.algorithms import method_factory
    from pepcert.pep.problem import worst_case

    try:
        result = worst_case(method_factory(method)(float(eta)), _classes(mu, L, delta), int(iterations), measure=measure,
                            start=start)
    except SolverFailure as error:
        return {"value": None, "rate_per_step": None, "status": "failed", "error": str(error)}
    value = float(result.value)
    finite = value == value and value != float("inf")
    return {"value": value if finite else None, "rate_per_step": float(result.rate_per_step) if finite else None,
            "status": result.status, "error": ""}


@sweepable(version=1)
def muon_gaps(beta: str, steps: str, iterations: int, lmo: str = "polar") -> dict:
    """:func:`pepcert.analyses.muon.analyse_muon`: ``f(W_t) - f*`` of the momentum method with
    the given LMO (``polar``: Muon, ``sign``: signed momentum) by exact replay, and of EF-Muon
    (floating point) on the same counterexample; ``level = (1 - beta)/(1 + beta)``."""
    from pepcert.analyses.muon import analyse_muon

    report = analyse_muon(str(beta), str(steps), int(iterations), lmo=lmo)
    return {
        "gaps": [float(g) for g in report.certificate.gaps],
        "ef_gaps": [float(g) for g in report.ef_gaps],
        "level": float(report.instance.gap_bound),
        "certified": bool(report.certificate.certified),
        "min_gap": float(report.certificate.min_gap),
        "ef_min_gap": float(report.ef_min_gap),
    }


#: The analyses ``pepcert sweep --analysis NAME`` offers.
ANALYSES = {"rate": rate, "optimal-rate": optimal_rate, "worst-case": worst_case_value}
