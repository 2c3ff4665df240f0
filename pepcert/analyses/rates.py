r"""High-level analyses: the composition root that wires ``pep``, ``lyapunov`` and ``lowerbounds``.

* :func:`tight_rate` -- the Lyapunov rate of a method, using the worst linear instances
  (:mod:`pepcert.lowerbounds.linear`) as the known worst case; when the Lyapunov function
  certifies exactly their rate the answer is tight (``rho_lower == rho``).
* :func:`optimal_step` -- the step size minimising the rate of a family ``eta -> Method``.

Optimal step, and why it is proven optimal (Thomsen, Taylor & Dieuleveut 2025 use the same
two ingredients): let ``rho_L(eta)`` be the squared spectral radius of the worst linear
instance, a lower bound on the rate at every ``eta``. Minimise ``rho_L`` (cheap: small
eigenvalue problems) to get ``eta*``; if a Lyapunov function certifies ``rho_L(eta*)`` at
``eta*``, then for every ``eta``: ``rho(eta) >= rho_L(eta) >= rho_L(eta*) = rho(eta*)``. When
the certificate does not match, the Lyapunov rate itself is minimised (slower, and reported
as such).
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from pepcert.lowerbounds.linear import spectral_rate, worst_linear_instances, worst_linear_instances_along
from pepcert.lyapunov.onestep import FULL
from pepcert.lyapunov.search import LyapunovResult, lyapunov_rate
from pepcert.pep.budget import (
    RATES_PER_STEP_SEARCH,
    SOLVE_SECONDS,
    SOLVES_PER_RATE,
    SYMMETRIC_RATE,
    SYMMETRIC_STEP_RATES,
    Budget,
    Work,
    require,
)
from pepcert.pep.classes import MAX_WHOLE_AGENTS
from pepcert.pep.errors import BadInput, SolverFailure
from pepcert.pep.methods import Method
from pepcert.pep.problem import ProblemClass
from pepcert.pep.serialise import jsonable

#: ``progress(done, total or None, what)``: how an analysis reports its work (no rich here).
Progress = Callable[[int, "int | None", str], None]


def tight_rate(
    method: Method,
    classes: ProblemClass,
    family: str = FULL,
    solver: str | None = None,
    tolerance: float = 1e-9,
    outcomes: int | None = None,
    structured_fallback: bool = False,
    budget: Budget | None = None,
    progress: Progress | None = None,
) -> LyapunovResult:
    """The Lyapunov rate of ``method``, tight when a worst linear instance matches it.

    The lower bound comes from the classes' scaling instances (``result.lower_source ==
    "instance"``); when the classes have none or the method is not linear on them, it comes
    from the search itself and the result says so. ``structured_fallback``: when the full
    family misses the instance bound, return a structured family's result that meets it
    (its ``family`` then names that family). ``progress(done, total, what)`` hears of every
    SDP solve (the command line's progress bar). Over classes whose curvature may be 0 or
    negative (``mu <= 0``) no rate is below 1 (``converges`` is false: on ``h x^2/2`` with
    ``h -> 0`` every step contracts by a factor tending to 1); :func:`pepcert.analyses.sublinear.sublinear_rate`
    gives the answer there.
    """
    given, classes = _rate_classes([method], classes, outcomes)
    if budget is not None:
        require(rate_work(method, classes), budget)
    return replace(_tight_rate(method, classes, family, solver, tolerance, outcomes, structured_fallback, progress),
                   classes=given)


def tight_rates(methods, classes: ProblemClass, family: str = FULL, solver: str | None = None,
                tolerance: float = 1e-9) -> list[LyapunovResult | SolverFailure]:
    """:func:`tight_rate` of each of ``methods`` on ``classes`` (one method at many steps: the
    points of a sweep), each result the one :func:`tight_rate` gives, or the
    :class:`SolverFailure` it raises. The worst linear instances of all the methods are found
    together (:func:`~pepcert.lowerbounds.linear.worst_linear_instances_along`: one replay of
    the step for all of them: about half the instances' time, measured on Fig. 1's rows)."""
    methods = list(methods)
    given, classes = _rate_classes(methods, classes, None)
    found: list[LyapunovResult | SolverFailure] = []
    for method, worst in zip(methods, worst_linear_instances_along(methods, classes)):
        try:
            found.append(replace(_tight_rate(method, classes, family, solver, tolerance, None, False, worst=worst),
                                 classes=given))
        except SolverFailure as error:
            found.append(error)
    return found


def _rate_classes(methods, classes: ProblemClass, outcomes: int | None) -> tuple[dict, ProblemClass]:
    """``(classes as given, as a dict; the classes in floating point)``, after the checks every
    rate makes (:class:`BadInput`): no iteration counter, exact gradients, not too many branches."""
    for method in methods:
        if method.takes_iteration:
            raise BadInput(
                f"{method.name}'s step reads the iteration counter (a schedule): a one-step rate does not "
                "describe it; use worst_case over N steps"
            )
    if classes.noise is not None:
        raise BadInput("a rate is of exact gradients: with a noise class use noisy_rate (rate, neighbourhood) "
                       "or worst_case for N steps")
    given, classes = classes.to_dict(), float_classes(classes)
    classes.branches(classes.default_outcomes if outcomes is None else outcomes)  # refuses too many, before any work
    return given, classes


def _tight_rate(method, classes, family, solver, tolerance, outcomes, structured_fallback, progress=None,
                worst=None) -> LyapunovResult:
    """:func:`tight_rate` on floating-point classes (``worst``: the method's worst linear
    instances on them, when already found)."""
    worst = worst_linear_instances(method, classes) if worst is None else worst
    if family == FULL and classes.agents > MAX_WHOLE_AGENTS:
        return _structured_only(method, classes, worst, tolerance, outcomes, solver, progress)
    if worst and family == FULL and structured_fallback and classes.agents > 1:
        # With several agents the full family has many directions and its search is slow at
        # ties of instances (n identical agents at eta*); a structured family that meets the
        # instance bound proves the same (tight) rate, so it is tried first.
        found = _tight_structured(method, classes, worst, tolerance, outcomes, solver, math.inf, progress)
        if found is not None:
            return found
    result = lyapunov_rate(method, classes, family, tolerance, outcomes, solver, worst, progress)
    if worst and result.lower_source == "instance" and result.bracket_width <= tolerance:
        return result
    if worst and family == FULL and structured_fallback:
        # Every structured family is a subset of the full quadratic family, so a structured
        # Lyapunov function that meets the instance bound proves the full family's rate too
        # (the search in the full family can lose digits where it has many directions, e.g.
        # n identical agents at the optimal step).
        found = _tight_structured(method, classes, worst, tolerance, outcomes, solver, result.rho, progress)
        if found is not None:
            return found
    if worst:  # a broader instance search, then try again
        thorough = worst_linear_instances(method, classes, thorough=True)
        if max(c.rho for c in thorough) > max(c.rho for c in worst) * (1 + 1e-12):
            retry = lyapunov_rate(method, classes, family, tolerance, outcomes, solver, thorough, progress)
            if retry.bracket_width < result.bracket_width:
                result = retry
    if structured_fallback and not result.tight:
        result = _best_known(method, classes, result, worst, tolerance, outcomes, solver)
    return result


def _structured_only(method, classes, worst, tolerance, outcomes, solver, progress) -> LyapunovResult:
    """More agents than a whole problem takes: the method's structured families, reduced by the
    agents' symmetry (a tight one first, else the smallest rate)."""
    if not method.families:
        raise BadInput(f"{classes.agents} agents: {method.name} has no structured Lyapunov family, and the full "
                       f"family takes at most {MAX_WHOLE_AGENTS} agents")
    results = [lyapunov_rate(method, classes, name, tolerance, outcomes, solver, worst, progress) for name in method.families]
    return min(results, key=lambda r: (not r.tight, r.rho))


def require_linear(classes: ProblemClass) -> None:
    """Refuse (:class:`BadInput`) classes whose curvature may be 0 or negative: no method of
    this kind has a linear rate there (:mod:`pepcert.analyses.sublinear` answers instead)."""
    from pepcert.analyses.sublinear import has_linear_rate, no_linear_rate_reason

    if not has_linear_rate(classes):
        raise BadInput(f"{no_linear_rate_reason(classes)}; use sublinear_rate (pepcert rate answers with it) "
                       "or worst_case for N steps")


def float_classes(classes: ProblemClass) -> ProblemClass:
    """The classes in floating point, as every floating-point analysis sees them (exact
    constants rounded once, here; a Fraction meeting a float inside the search would make a
    different, worse-conditioned problem)."""
    try:
        return _float_classes(classes)
    except TypeError:  # unhashable constants: convert every time
        return _convert_classes(classes)


def _convert_classes(classes: ProblemClass) -> ProblemClass:
    from pepcert.pep.exactness import float_problem

    return float_problem(lambda: None, classes, {})[1]


@functools.lru_cache(maxsize=256)
def _float_classes(classes: ProblemClass) -> ProblemClass:
    """:func:`float_classes` once per classes (they are immutable; exact parsing is not free)."""
    return _convert_classes(classes)


#: The family made of the method's own (paper) Lyapunov function alone.
OWN = "own"


def _best_known(method, classes, result, worst, tolerance, outcomes, solver) -> LyapunovResult:
    """The best rate among ``result``, the method's structured families and its own Lyapunov
    function (a V that controls the state first, then the smaller rate). A search can stall
    short of a family member (ill-conditioned problems, small steps): the members the method
    names are evaluated, and a margin bound they beat is not kept."""
    candidates = [result]
    own = _with_own_family(method)
    names = [name for name in own.families if name != result.family]
    for name in names:
        try:
            candidates.append(lyapunov_rate(own, classes, name, tolerance, outcomes, solver, worst))
        except (SolverFailure, BadInput):
            continue
    if OWN in own.families and outcomes is None:
        by_pep = _own_by_pep(own, classes, worst, solver)
        if by_pep is not None:
            candidates.append(by_pep)
    best = min(candidates, key=lambda r: (not r.controls_state, r.rho))
    if result.lower_source == "margin" and best.rho < result.rho_lower:
        # The margin claimed no V of the family certifies below rho_lower; a member does.
        result = replace(result, rho_lower=0.0, lower_source="none")
    return best if best is not candidates[0] else result


def _own_by_pep(method: Method, classes: ProblemClass, worst, solver) -> LyapunovResult | None:
    """The method's own V with the multipliers of its one-step performance-estimation problem
    (:mod:`pepcert.lyapunov.fixed`): accurate where the margin search of one V stalls."""
    from pepcert.lyapunov.fixed import fixed_lyapunov_rate
    from pepcert.pep.problem import worst_case

    try:
        pep = worst_case(method, classes, 1, measure="lyapunov", start="free", solver=solver)
    except (SolverFailure, BadInput):
        return None
    if pep.status != "solved":
        return None
    return fixed_lyapunov_rate(method, classes, OWN, pep.multipliers, worst, solver, pep.solver)


def _with_own_family(method: Method) -> Method:
    """``method`` with one more family: its registered Lyapunov function alone."""
    if method.lyapunov is None or OWN in method.families:
        return method
    return replace(method, families={**method.families, OWN: (("V (the method's own Lyapunov function)",
                                                                method.lyapunov),)})


def rate_work(method, classes, step_search: bool = False) -> Work:
    """The estimated cost of a tight rate of ``method`` (``step_search``: of an optimal step)."""
    from pepcert.lyapunov.onestep import one_step

    solves = SOLVES_PER_RATE * (RATES_PER_STEP_SEARCH if step_search else 1)
    if classes.agents > MAX_WHOLE_AGENTS:  # reduced by symmetry (or refused by the build)
        rates, n = SYMMETRIC_STEP_RATES if step_search else 1, classes.agents
        return Work(rates * SYMMETRIC_RATE[0] * n**3, SYMMETRIC_RATE[1] * n**3,
                    f"the {'optimal step' if step_search else 'rate'} of {method.name} (reduced by the agents' symmetry)")
    step = one_step(method, classes)
    basis = step.basis.n_vectors
    coefficients = len(step.feature_names) * (len(step.feature_names) + 1) // 2 + 1 + len(step.constraints)
    a, p = SOLVE_SECONDS
    what = f"the {'optimal step' if step_search else 'rate'} of {method.name} (a {basis}x{basis} Gram block)"
    return Work(solves * a * basis**p, 24 * coefficients * basis * basis, what)


def _tight_structured(method, classes, worst, tolerance, outcomes, solver, below: float, progress=None):
    """The first structured family whose rate meets the instance bound (and is below
    ``below``), or None."""
    for name in method.families:
        try:
            structured = lyapunov_rate(method, classes, name, tolerance, outcomes, solver, worst, progress)
        except SolverFailure:
            continue
        if structured.lower_source == "instance" and structured.bracket_width <= tolerance and structured.rho < below:
            return structured
    return None


@dataclass(frozen=True)
class StepResult:
    """The best step size of a method family and the rate there."""

    eta: float
    rate: LyapunovResult
    proven_optimal: bool  # rho(eta) = rho_L(eta) and eta minimises rho_L
    evaluations: int
    seconds: float
    failed_evaluations: int = 0  # step sizes whose Lyapunov rate could not be computed
    at_search_edge: bool = False  # the best step is at an end of STEP_RANGE: not an optimum

    def to_dict(self) -> dict:
        return jsonable({
            "eta": self.eta,
            "proven_optimal": self.proven_optimal,
            "evaluations": self.evaluations,
            "failed_evaluations": self.failed_evaluations,
            "at_search_edge": self.at_search_edge,
            "seconds": self.seconds,
            "rate": self.rate,
        })


#: The step sizes searched, relative to 1/L: [STEP_RANGE[0], STEP_RANGE[1]] / L.
STEP_RANGE = (1e-6, 4.0)
def minimise_over_steps(
    objective: Callable[[float], float], scale: float, floor: Callable[[float], float] | None = None,
    xatol: float = 1e-13, span: tuple[float, float] = STEP_RANGE, points: int = 61,
) -> tuple[float, int, bool]:
    """Global grid on a log scale, then a bounded scalar search (scipy) around the best point.

    ``floor(eta) <= objective(eta)`` (the worst linear instance's rate under the Lyapunov
    rate) prunes the grid exactly: points are visited in increasing order of their floor, and
    a point whose floor is already at least the best objective value found cannot be the
    minimiser, so it is not solved (branch and bound; its value is recorded as the floor).

    The third value says whether the best point lies in the first or last grid cell: the
    minimum may then be outside the searched range, so it is never called optimal.
    """
    grid = scale * np.logspace(math.log10(span[0]), math.log10(span[1]), points)
    calls = 0
    if floor is None:
        values = [objective(float(eta)) for eta in grid]
        calls = len(grid)
    else:
        floors = [floor(float(eta)) for eta in grid]
        values, best_value = [math.inf] * len(grid), math.inf
        for index in sorted(range(len(grid)), key=lambda k: floors[k]):
            if floors[index] >= best_value:
                break  # every remaining floor is at least as large: none of them can win
            values[index] = objective(float(grid[index]))
            best_value = min(best_value, values[index])
            calls += 1
    best = int(np.argmin(values))
    low = grid[max(best - 1, 0)]
    high = grid[min(best + 1, len(grid) - 1)]
    from scipy.optimize import minimize_scalar  # here, not at import: `pepcert rate --eta E` never needs it

    with np.errstate(invalid="ignore"):  # failed evaluations are +inf: parabolic steps give NaN, golden steps follow
        found = minimize_scalar(lambda log_eta: objective(math.exp(log_eta)), bounds=(math.log(low), math.log(high)),
                                method="bounded", options={"xatol": xatol})
    log_eta, value, more = float(found.x), float(found.fun), int(found.nfev)
    eta = math.exp(log_eta)
    if values[best] < value:
        eta = float(grid[best])
    at_edge = best in (0, len(grid) - 1) or not math.isfinite(values[best])
    return eta, calls + more, at_edge


def _refine_crossing(factory, classes, eta: float) -> tuple[float, int]:
    """Polish a minimiser of ``rho_L`` that sits where two instances cross.

    The minimum of a maximum of smooth curves is either a smooth minimum of one curve or a
    crossing of two; at a crossing a scalar minimiser stops ~1e-10 away, leaving the two
    instances visibly untied. Solving ``rho_A(eta) = rho_B(eta)`` with Brent's root finder
    places ``eta`` on the crossing to machine precision.
    """
    cases = worst_linear_instances(factory(eta), classes, relative_tie=1e-5)
    if len(cases) < 2:
        return eta, 1
    first, second = cases[0].instance, cases[1].instance

    def difference(e: float) -> float:
        method = factory(e)
        return spectral_rate(method, first).rho - spectral_rate(method, second).rho

    evaluations = 1
    for width in (1e-9, 1e-7, 1e-5, 1e-3):
        low, high = eta * (1 - width), eta * (1 + width)
        evaluations += 2
        if difference(low) * difference(high) < 0:
            from scipy.optimize import brentq

            root, found = brentq(difference, low, high, xtol=1e-16, rtol=4 * np.finfo(float).eps, maxiter=200,
                                 full_output=True, disp=False)
            evaluations += found.function_calls
            before = max(c.rho for c in cases)
            after = max(c.rho for c in worst_linear_instances(factory(root), classes))
            return (root if after <= before * (1 + 1e-12) else eta), evaluations
    return eta, evaluations


def _step_scale(classes: ProblemClass) -> float:
    """The classes' natural step (``1/L``), refused where the search cannot use it."""
    scale = classes.function.step_scale()
    if scale is None:
        raise BadInput(f"no natural step scale for {classes.function.describe()}: give the step size")
    if not (math.isfinite(scale) and math.isfinite(scale * STEP_RANGE[1]) and scale * STEP_RANGE[0] > 0):
        raise BadInput(f"step scale {scale!r} of {classes.function.describe()} is outside the range of the "
                       "floating-point step search; rescale the problem (the rate depends on mu/L and eta L)")
    return scale


def optimal_step(
    factory: Callable[[Any], Method],
    classes: ProblemClass,
    family: str = FULL,
    solver: str | None = None,
    tolerance: float = 1e-9,
    outcomes: int | None = None,
    structured_fallback: bool = False,
    budget: Budget | None = None,
    progress: Progress | None = None,
) -> StepResult:
    """The step size ``eta > 0`` minimising the rate of ``factory(eta)``.

    Searches ``eta`` in ``STEP_RANGE / L`` (log grid, then a bounded scalar search). A best
    step at an end of the range, or where no step converges, is never ``proven_optimal``.
    ``progress(done, total, what)`` hears of every rate computed (the command line's bar).
    """
    start = time.perf_counter()
    if classes.noise is not None:
        raise BadInput("the optimal step is of exact gradients: pass the classes without their noise class")
    require_linear(classes)
    classes = float_classes(classes)
    scale = _step_scale(classes)
    if budget is not None:
        require(rate_work(factory(scale), classes, step_search=True), budget)

    def lower_bound(eta: float) -> float:
        cases = worst_linear_instances(factory(eta), classes)
        return max(case.rho for case in cases) if cases else math.inf

    eta, evaluations, at_edge, searched = None, 0, False, None
    if worst_linear_instances(factory(scale), classes):  # the classes have instances
        searched, evaluations, at_edge = minimise_over_steps(lower_bound, scale)
        eta, more = _refine_crossing(factory, classes, searched)
        evaluations += more
    instance_note = ""
    if eta is not None:
        instance_note = f"; the worst linear instance proves rho >= {lower_bound(eta):.12g} at eta = {eta:.12g}"
        # The polished crossing first; the searched minimiser (scipy's bounded Brent: within
        # 2 sqrt(eps) |log eta|, 5e-9 in tests/cli/test_cli.py) when the facial reduction at the
        # exact crossing is numerically degenerate (measured: one method at mu = 0.25, delta = 0.1
        # certifies at every step within 1e-15 of it but one; tests/cli/test_cli.py's at some
        # OpenBLAS kernels' crossing, not others').
        for candidate in dict.fromkeys((eta, searched)):
            assert candidate is not None  # searched is set with eta
            try:
                rate = tight_rate(factory(candidate), classes, family, solver, tolerance, outcomes, structured_fallback,
                                  progress=progress)
            except SolverFailure:
                rate = None
            evaluations += 1
            if rate is not None and rate.lower_source == "instance" and rate.bracket_width <= tolerance:
                proven = not at_edge and rate.converges
                return StepResult(candidate, rate, proven, evaluations, time.perf_counter() - start, 0, at_edge)

    # No matching instance: minimise the Lyapunov rate itself (a failed solve counts as +inf).
    failures = 0

    searched_steps = 0

    def lyapunov_objective(e: float) -> float:
        nonlocal failures, searched_steps
        searched_steps += 1
        if progress is not None:
            progress(searched_steps, None, f"step search: the Lyapunov rate at eta = {e:.6g}")
        try:
            return lyapunov_rate(factory(e), classes, family, tolerance, outcomes, solver).rho
        except SolverFailure:
            failures += 1
            return math.inf

    # The Lyapunov rate is an SDP value known to ~1e-9, so its minimiser in log(eta) is only
    # meaningful to ~1e-5 (a smooth minimum is flat to second order): stop there.
    floor = lower_bound if instance_note else None
    eta, more, at_edge = minimise_over_steps(lyapunov_objective, scale, floor, xatol=1e-6)
    try:
        rate = tight_rate(factory(eta), classes, family, solver, tolerance, outcomes, progress=progress)
    except SolverFailure as error:
        raise SolverFailure(f"no step size could be certified ({error}){instance_note}") from None
    return StepResult(eta, rate, False, evaluations + more + 1, time.perf_counter() - start, failures, at_edge)
