"""Sweepable analyses: top-level functions of keyword parameters returning JSON-able dicts.

Each is a thin wrapper around one pepcert analysis (nothing here computes a rate itself) and
carries a ``version`` that is part of its cache key: bump it when the outputs change meaning
or the underlying analysis changes its answers. A :class:`~pepcert.pep.errors.SolverFailure`
at one point becomes an ``error`` column (the other points stand); any other exception stops
the sweep. Parameters are plain numbers and strings so that points hash and pickle simply.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from pepcert.pep.errors import BadInput, SolverFailure


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


def _problem(*arguments, **keywords):
    """The point's method and classes, built as ``pepcert rate`` builds them
    (:func:`_built`). The points of a sweep share their problem but for the step (Fig. 1: 200
    steps a row), and a :class:`~pepcert.analyses.problems.Problem` is immutable: it is built
    once per distinct arguments (~0.2 ms, a tenth of a rate); unhashable ones (a list of
    constants per agent) are built each time."""
    try:
        return _cached_problem(*arguments, **keywords)
    except TypeError:
        return _built(*arguments, **keywords)


def _built(method, mu, L, delta=None, random=False, omega=None, compressor=None, agents=1, scaled=False, sigma=None,
           noise=None, param=None):
    """:func:`pepcert.analyses.problems.build_problem` of a point: ``mu``/``L`` one number or
    one per agent; ``param``: the method's own parameters as ``"momentum=0.1,eta_e=0"``."""
    from pepcert.analyses.problems import build_problem, parse_params

    return build_problem(method, mu, L, agents, delta, omega, compressor, random, scaled,
                         None if sigma is None else str(sigma), noise,
                         parse_params(str(param).split(",")) if param else None)


_cached_problem = functools.lru_cache(maxsize=16, typed=True)(_built)  # typed: 1, 1.0 and True apart


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
def rate(method: str, mu, L, delta=None, eta="optimal", family: str = "full", random: bool = False, omega=None,
         compressor=None, agents=1, scaled: bool = False, solver=None, param=None) -> dict:
    """:func:`pepcert.analyses.tight_rate` of ``method`` at step ``eta``: ``rho``,
    ``rho_lower`` (and where it comes from), ``tight``, ``converges``, ``solves``
    (``eta = "optimal"``: :func:`optimal_rate`'s outputs, the step found in ``eta``)."""
    from pepcert.analyses import tight_rate
    from pepcert.analyses.sublinear import has_linear_rate, no_linear_rate_reason

    problem = _problem(method, mu, L, delta, random, omega, compressor, agents, scaled, param=param)
    step = problem.step(eta)
    if not has_linear_rate(problem.classes):
        return {**_FAILED_RATE, "error": no_linear_rate_reason(problem.classes)}
    if step == "optimal":
        return optimal_rate(method, mu, L, delta, family, random, omega, compressor, agents, scaled, solver, param)
    try:
        result = tight_rate(problem.factory(float(step)), problem.classes, family=family, solver=solver)
    except SolverFailure as error:
        return {**_FAILED_RATE, "error": str(error)}
    return _rate_outputs(result)


def _rate_row(points: list[dict]) -> list[dict]:
    """:func:`rate` at each of ``points`` (a chunk of a sweep), the same outputs: a run of points
    that differ only in a numeric step ``eta`` (a row of Fig. 1) is rated by
    :func:`pepcert.analyses.rates.tight_rates`, which finds their worst instances together."""
    out: list[dict] = []
    for run in _step_runs(points):
        out += _rated_run(run) if len(run) > 1 else [rate(**run[0])]
    return out


def _step_runs(points: list[dict]) -> list[list[dict]]:
    """``points`` cut into runs of consecutive points equal but for ``eta`` (a point with a
    value that does not hash, or with no numeric step, is a run of its own)."""
    runs: list[list[dict]] = []
    last = None
    for point in points:
        try:
            key = tuple(sorted((name, type(value), value) for name, value in point.items() if name != "eta"))
            hash(key)
        except TypeError:
            key = None
        if key is None or key != last or isinstance(point.get("eta", "optimal"), str):
            runs.append([])
        runs[-1].append(point)
        last = None if isinstance(point.get("eta", "optimal"), str) else key
    return runs


def _rated_run(points: list[dict]) -> list[dict]:
    from pepcert.analyses.rates import tight_rates
    from pepcert.analyses.sublinear import has_linear_rate

    if not set(points[0]) <= _RATE_PARAMETERS:  # rate() refuses them (TypeError), point by point
        return [rate(**point) for point in points]
    arguments = {name: value for name, value in points[0].items() if name not in ("eta", "family", "solver")}
    problem = _problem(**arguments)
    steps = [problem.step(point["eta"]) for point in points]  # BadInput stops the sweep, as in rate()
    if not has_linear_rate(problem.classes) or "optimal" in steps:
        return [rate(**point) for point in points]
    results = tight_rates([problem.factory(float(step)) for step in steps], problem.classes,
                          family=points[0].get("family", "full"), solver=points[0].get("solver"))
    return [{**_FAILED_RATE, "error": str(result)} if isinstance(result, SolverFailure) else _rate_outputs(result)
            for result in results]


rate.many = _rate_row  # type: ignore[attr-defined]  # read by pepcert.sweeps.run.run_chunk
_RATE_PARAMETERS = frozenset(rate.__code__.co_varnames[:rate.__code__.co_argcount])


@sweepable(version=1)
def optimal_rate(method: str, mu, L, delta=None, family: str = "full", random: bool = False, omega=None,
                 compressor=None, agents=1, scaled: bool = False, solver=None, param=None) -> dict:
    """:func:`pepcert.analyses.optimal_step`: the best step ``eta``, the rate there and
    whether it is proven optimal."""
    from pepcert.analyses import optimal_step
    from pepcert.analyses.sublinear import has_linear_rate, no_linear_rate_reason

    problem = _problem(method, mu, L, delta, random, omega, compressor, agents, scaled, param=param)
    if not has_linear_rate(problem.classes):
        return {"eta": None, **_FAILED_RATE, "proven_optimal": False, "error": no_linear_rate_reason(problem.classes)}
    try:
        step = optimal_step(problem.factory, problem.classes, family=family, solver=solver,
                            structured_fallback=problem.agents > 1)
    except SolverFailure as error:
        return {"eta": None, **_FAILED_RATE, "proven_optimal": False, "error": str(error)}
    return {"eta": float(step.eta), **_rate_outputs(step.rate), "proven_optimal": bool(step.proven_optimal)}


@sweepable(version=3)
def worst_case_value(method: str, mu, L, delta=None, eta="optimal", iterations: int = 1, measure: str = "lyapunov",
                     start: str = "auto", random: bool = False, omega=None, compressor=None, agents=1,
                     scaled: bool = False, solver=None, initial=None, sigma=None, noise=None, param=None) -> dict:
    """:func:`pepcert.pep.problem.worst_case`: the largest ``measure`` after ``iterations``
    steps given ``initial <= 1`` at the start (default: the measure's; ``value``,
    ``rate_per_step``, ``status``); ``start``: ``auto``, ``declared`` (the method's own start
    from ``x0``) or ``free``; ``eta = "optimal"``: at the optimal step of the rate (as
    ``pepcert worst-case``), or where there is none (``mu <= 0``) the step minimising this
    worst case; ``sigma`` (and ``noise``): stochastic gradients, the worst case of the
    expected measure (docs/noise.md)."""
    from pepcert.analyses import optimal_step
    from pepcert.analyses.sublinear import best_horizon_step, has_linear_rate
    from pepcert.pep.problem import worst_case

    problem = _problem(method, mu, L, delta, random, omega, compressor, agents, scaled, sigma, noise, param)
    step = problem.step(eta)
    try:
        if step != "optimal":
            value = float(step)
        elif has_linear_rate(problem.classes):
            value = optimal_step(problem.factory, problem.classes).eta
        else:
            value = best_horizon_step(problem.factory, problem.classes, int(iterations), measure, initial, solver)[0]
        result = worst_case(problem.factory(value), problem.classes, int(iterations), measure=measure, initial=initial,
                            start=start, solver=solver)
    except SolverFailure as error:
        return {"value": None, "rate_per_step": None, "status": "failed", "error": str(error)}
    number = float(result.value)
    finite = number == number and number != float("inf")
    return {"value": number if finite else None, "rate_per_step": float(result.rate_per_step) if finite else None,
            "status": result.status, "error": "", **({"eta": value} if step == "optimal" else {})}


@sweepable(version=2)
def certified_rate(method: str, mu, L, delta=None, eta="optimal", family: str = "full", random: bool = False,
                   omega=None, compressor=None, agents=1, scaled: bool = False, solver=None, sigma=None, noise=None,
                   rho=None, param=None) -> dict:
    """:func:`pepcert.analyses.certify`: ``rho_lower <= rate <= rho_upper`` proven in exact
    rational arithmetic (``"p/q"`` with float twins), as ``pepcert certify`` (``eta =
    "optimal"``: the optimal step rounded to a rational, in ``eta``). With ``sigma`` (and
    ``noise``, ``rho``): the noise pair ``(rho, C)`` of
    :func:`pepcert.analyses.noisy_certificates.certify_noise_pair`, as ``pepcert certify --sigma``."""
    from fractions import Fraction

    from pepcert.analyses import certify, optimal_step
    from pepcert.analyses.noisy import without_noise
    from pepcert.pep.serialise import jsonable

    problem = _problem(method, mu, L, delta, random, omega, compressor, agents, scaled, sigma, noise, param)
    step = problem.step(eta)
    try:
        if step == "optimal":
            step = Fraction(optimal_step(problem.factory, without_noise(problem.classes), family=family,
                                         solver=solver).eta)
            step = step.limit_denominator(10**9)
        if problem.classes.noise is not None:
            return jsonable({**_noise_pair(problem, step, rho, solver), **({"eta": step} if eta == "optimal" else {})})
        result = certify(problem.base_factory, problem.classes, step, family=family, solver=solver,
                         parameters=problem.parameters)
    except SolverFailure as error:
        return {"rho_lower": None, "rho_upper": None, "verified": False, "error": str(error)}
    outputs = {"rho_lower": result.rho_lower, "rho_upper": result.rho_upper, "gap": float(result.gap),
               "lower_source": result.lower_source, "verified": result.verified,
               "proves_convergence": result.proves_convergence, "error": result.reason}
    return jsonable({**outputs, **({"eta": step} if eta == "optimal" else {})})


def _noise_pair(problem, step, rho, solver) -> dict:
    from pepcert.analyses.noisy_certificates import certify_noise_pair, neighbourhood

    result = certify_noise_pair(problem.base_factory, problem.classes, step, rho=rho, parameters=problem.parameters,
                                solver=solver)
    proven = result.verified and result.rho is not None and result.C is not None
    return {"rho": result.rho, "C": result.C, "sigma2": result.sigma2, "verified": result.verified,
            "neighbourhood": neighbourhood(result.rho, result.C, result.sigma2) if proven else None,  # type: ignore[arg-type]
            "error": result.reason}


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
@sweepable(version=1)
def neighbourhood(method: str, mu, L, sigma, delta=None, eta="optimal", noise=None, param=None, random: bool = False,
                  omega=None, compressor=None, agents=1, scaled: bool = False, solver=None) -> dict:
    """:func:`pepcert.analyses.noisy.noisy_rate`: the exact-gradient rate ``rho``, the best pair
    ``(rho_noise, C)`` of ``E V_{k+1} <= rho V_k + C sigma^2`` and the neighbourhood bracket
    ``[neighbourhood_lower, neighbourhood_upper]`` of ``lim sup E ||x_k - x*||^2``."""
    from pepcert.analyses.noisy import noisy_rate

    problem = _problem(method, mu, L, delta, random, omega, compressor, agents, scaled, sigma, noise, param)
    step = problem.step(eta)
    failed = {"eta": None if step == "optimal" else float(step), "rho": None, "rho_noise": None, "C": None, "neighbourhood_lower": None,
              "neighbourhood_upper": None, "tight": False}
    try:
        result = noisy_rate(problem.factory, problem.classes, "optimal" if step == "optimal" else float(step), solver)
    except (SolverFailure, BadInput) as error:
        return {**failed, "error": str(error)}
    return {"eta": result.eta, "rho": result.rho, "rho_noise": result.best.rho, "C": result.best.C,
            "neighbourhood_lower": result.lower, "neighbourhood_upper": result.best.neighbourhood,
            "tight": result.tight, "error": ""}


ANALYSES = {"neighbourhood": neighbourhood, "rate": rate, "optimal-rate": optimal_rate, "worst-case": worst_case_value, "certify": certified_rate}
