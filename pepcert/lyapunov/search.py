r"""The smallest rate a quadratic Lyapunov function proves, by semidefinite programming.

Everything here is floating point: a numerical Lyapunov function and its rate. The exact
(rational) certificate built from it is :mod:`pepcert.lyapunov.upper`.

For a fixed ``rho`` the one-step inequality ``E V(after) <= rho V(before)`` holds for every
function of the class and every admissible compressor output if (S-procedure; and, for these
interpolation-based problems, only if -- Taylor, Van Scoy & Lessard 2018) there are
multipliers ``lambda_k >= 0`` of the class's inequalities ``c_k <= 0`` and free multipliers
``nu_l`` of its equalities ``e_l = 0`` (quadratic classes) such that

.. math:: \rho V_0 - \mathbb{E} V_1 + \sum_k \lambda_k c_k + \sum_l \nu_l e_l
          = \langle S, G\rangle + \ell^\top F \quad\text{with}\quad S \succeq 0,\ \ell \ge 0,

an identity in the Gram matrix ``G`` and the function values ``F >= 0`` (measured from ``f*``)
of the one-step problem. ``V`` ranges over a family with nonnegative coefficients (``P >= 0``,
``p >= 0``, or ``a_i >= 0``) normalised by ``tr P + p = 1`` (``sum a_i = 1``), which excludes
``V = 0``.

**Why not bisection on feasibility.** At the tight rate the system has no interior: on the
worst-case instance ``G*`` every term vanishes, so ``S G* = 0``. Deciding feasibility from a
solver's status near ``rho*`` is unreliable (DESIGN.md: "feasible" answers below the proven lower
bound), and even a margin ``S >= t I`` grows only quadratically near ``rho*`` when another
instance is almost tight with a small ``V`` (e.g. a gradient-estimate method at small step sizes). Two well-conditioned
formulations are used instead:

1. *Facial reduction at a known worst case* (the fast, exact path). Given instances of
   squared spectral radius ``rho_L`` (:mod:`pepcert.lowerbounds.linear`, a proven lower bound),
   solve at ``rho = rho_L`` with the worst-case directions removed: ``S U = 0`` for the span
   ``U`` of the instances' Gram factors, ``ell_i = 0`` where the instance has ``F_i > 0`` and
   ``lambda_k = 0`` for inequalities the instance leaves slack (at ``rho*`` every certificate
   satisfies these). The reduced problem has an interior; a strictly positive margin in it
   proves (up to the solver's accuracy, and exactly after :mod:`pepcert.lyapunov.upper`)
   that ``rho_L`` is the rate.
2. *Dinkelbach iteration* (the general path, when no tight instance is known): maximise the
   margin ``S >= t N`` measured against ``N = V_0`` of the current Lyapunov function, take the
   new function, and compute in floating point the smallest ``rho`` at which *that* function
   and multipliers satisfy the inequality (a generalised eigenvalue, far more accurate than
   the solver's tolerance). The upper bounds decrease monotonically; the lower end of the
   reported bracket is the largest ``rho`` whose margin is conclusively negative.

Only solves whose status is *solved* are used.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from pepcert.lyapunov.dominance import data_dominance
from pepcert.lyapunov.facial import (  # noqa: F401
    MARGIN_THRESHOLD,
    Reduction,
    certify_at_instances,
    free_directions,
    reduction_from_instances,
)

# The margin problem lives in its own module (re-exported here, where callers import it).
from pepcert.lyapunov.margin import (  # noqa: F401
    RHO_CEILING,
    MarginSolution,
    clip_to_cones,
    float_threshold_rho,
    normaliser,
    solve_margin,
)
from pepcert.lyapunov.onestep import FULL, OneStep
from pepcert.lyapunov.parametric import StepView, family_terms, one_step_data
from pepcert.lyapunov.results import DOMINANCE_FLOOR, LyapunovResult, features_form, lyapunov_formula  # noqa: F401
from pepcert.lyapunov.symmetric import SymmetricView, symmetric_data
from pepcert.pep.conic import svec_indices, svec_length
from pepcert.pep.errors import BadInput, SolverFailure
from pepcert.pep.methods import Method
from pepcert.pep.problem import ProblemClass
from pepcert.pep.solvers import get_solver

DINKELBACH_STEPS = 40


# ---------------------------------------------------------------------------------------
# Floating-point data of the one-step inequality
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LMIData:
    """The one-step inequality in floats: ``S = sum_t y_t (rho B_t - A_t) + sum_k l_k Q_k``.

    ``y`` are the family's coefficients (``svec(P)`` then ``p`` for the full family, the term
    weights otherwise), ``l`` the multipliers: the inequalities' (``>= 0``), then the
    ``n_equalities`` equalities' (free). ``B``/``A`` are the terms before/after the step
    (``A`` averaged over compressor outcomes); rows of function values likewise.
    """

    step: OneStep | StepView | SymmetricView  # a fresh build's, what a filled problem keeps, or the reduced view
    n: int
    before_mats: np.ndarray
    before_rows: np.ndarray
    after_mats: np.ndarray
    after_rows: np.ndarray
    constraint_mats: np.ndarray
    constraint_rows: np.ndarray
    psd_size: int | None  # k for the full family (svec(P) are the first coefficients)
    nonneg_terms: tuple[int, ...]  # coefficients constrained >= 0 (p, or every weight)
    normalisation: np.ndarray  # w with w . y = 1
    active_values: np.ndarray  # function values that appear anywhere
    n_equalities: int = 0  # the last multipliers, free (equalities); the others are >= 0
    # A reduced full family (identical agents): svec of the PSD matrix as a map of the
    # coefficients, (svec length, n_terms), instead of svec(P) being the first psd_size ones.
    psd_map: np.ndarray | None = None

    @property
    def n_inequalities(self) -> int:
        return self.constraint_mats.shape[0] - self.n_equalities

    @property
    def n_terms(self) -> int:
        return self.before_mats.shape[0]

    @property
    def n_constraints(self) -> int:
        return self.constraint_mats.shape[0]

    def residual(self, rho: float, coefficients: np.ndarray, multipliers: np.ndarray):
        """``(S, ell)`` of a candidate certificate at ``rho`` (floats)."""
        S = (
            np.tensordot(coefficients, rho * self.before_mats - self.after_mats, axes=1)
            + np.tensordot(multipliers, self.constraint_mats, axes=1)
        )
        ell = coefficients @ (rho * self.before_rows - self.after_rows) + multipliers @ self.constraint_rows
        return S, ell[self.active_values]


def lmi_data(step: OneStep) -> LMIData:
    n, nf = step.basis.n_vectors, step.basis.n_values

    def arrays(scalars):
        mats = np.array([s.gram_matrix(n) for s in scalars], dtype=float).reshape(len(scalars), n, n)
        rows = np.array([s.value_row(nf) for s in scalars], dtype=float).reshape(len(scalars), nf)
        return mats, rows

    before_mats, before_rows = arrays(family_terms(step, step.before))
    afters = [arrays(family_terms(step, side)) for side in step.after]
    after_mats = sum(a[0] for a in afters) / len(afters)
    after_rows = sum(a[1] for a in afters) / len(afters)
    constraint_mats, constraint_rows = arrays([c for _, c in step.constraints] + [e for _, e in step.equalities])
    n_terms = before_mats.shape[0]
    normalisation = np.ones(n_terms)
    nonneg_terms: tuple[int, ...]
    if step.is_full:
        k = len(step.before.vectors)
        rows, cols = svec_indices(k)
        normalisation[: svec_length(k)] = (rows == cols).astype(float)
        psd_size, nonneg_terms = k, (n_terms - 1,)
    else:
        psd_size, nonneg_terms = None, tuple(range(n_terms))
    used = np.abs(before_rows).sum(0) + np.abs(after_rows).sum(0) + np.abs(constraint_rows).sum(0)
    return LMIData(
        step=step,
        n=n,
        before_mats=before_mats,
        before_rows=before_rows,
        after_mats=after_mats,
        after_rows=after_rows,
        constraint_mats=constraint_mats,
        constraint_rows=constraint_rows,
        psd_size=psd_size,
        nonneg_terms=nonneg_terms,
        normalisation=normalisation,
        active_values=np.flatnonzero(used),
        n_equalities=len(step.equalities),
    )


# ---------------------------------------------------------------------------------------
# The search
# ---------------------------------------------------------------------------------------


def _report(progress, solves: int, family: str, rho: float) -> None:
    """``progress(solves so far, None, what)`` before each SDP solve (the command line's bar)."""
    if progress is not None:
        progress(solves, None, f"SDP {solves}, {family} family, rho = {rho:.8g}")


def lyapunov_rate(
    method: Method,
    classes: ProblemClass,
    family: str = FULL,
    tolerance: float = 1e-9,
    outcomes: int | None = None,
    solver: str | None = None,
    worst_cases: Sequence = (),
    progress: Callable[[int, int | None, str], None] | None = None,
) -> LyapunovResult:
    """The smallest ``rho`` a Lyapunov function of ``family`` satisfies (floating point).

    Args:
        worst_cases: instances with a proven lower bound (``rho``, ``instance``,
            ``eigenvector``), e.g. from :func:`pepcert.lowerbounds.linear.worst_linear_instances`.
            When a certificate exists at their rate the answer is that rate, found by one
            facially reduced solve; otherwise the general search runs.
        tolerance: target width of ``[rho_lower, rho]`` for the general search.
    """
    if not (tolerance > 0):
        raise BadInput("the rate tolerance must be positive")
    start = time.perf_counter()
    step, data = _problem(method, classes, family, outcomes)
    backend = get_solver(solver)
    solves = 0

    def solve(rho, reference, reduction=None, floor=1e-6, dominating=None, gaps=None) -> MarginSolution:
        nonlocal solves
        solves += 1
        _report(progress, solves, family, rho)
        return solve_margin(data, backend, rho, normaliser(data, reference, floor), reduction, dominating, gaps)

    best, dominance = None, 0.0
    if worst_cases:
        best, rho, dominance = _instance_path(step, data, solve, worst_cases, tolerance, solver)
        if best is not None:
            lower, source = max(case.rho for case in worst_cases), "instance"
        # Otherwise no V of the family that controls the state meets the instance: the
        # instance bounds the method, not this family's functions, whose best rate is searched.
    if best is None:
        try:
            best, rho, lower, source = _general_search(data, solve, tolerance, method.name)
        except SolverFailure as error:
            known = f"; the worst linear instance proves rho >= {max(c.rho for c in worst_cases):.12g}" if worst_cases else ""
            raise SolverFailure(
                f"{error}. The one-step SDP is too ill-conditioned for the solver at these parameters"
                f"{known}"
            ) from None
        dominance = data_dominance(data, best.coefficients, solver)
        if worst_cases and dominance > DOMINANCE_FLOOR:  # V's rate is at least the method's
            instance_rho = max(case.rho for case in worst_cases)
            if instance_rho > lower:
                lower, source = min(instance_rho, rho), "instance"
    names, coefficients, multipliers, (P, p, weights) = _whole(step, data, best)
    return LyapunovResult(
        method=method.name,
        parameters=dict(method.parameters),
        classes=classes.to_dict(),
        state_names=method.state,
        family=family,
        rho=float(rho),
        rho_lower=float(lower),
        lower_source=source,
        feature_names=names.feature_names,
        P=P,
        p=p,
        term_names=names.term_names,
        weights=weights,
        multipliers={name: float(v) for name, v in zip(names.multiplier_names, multipliers)},
        margin=best.margin,
        coefficients=coefficients,
        multiplier_values=multipliers,
        worst_cases=tuple(worst_cases),
        solver=backend.name,
        solves=solves,
        seconds=time.perf_counter() - start,
        strongly_convex=classes.function.strongly_convex,
        dominance=dominance,
    )


def _whole(step, data: LMIData, best: MarginSolution):
    """``(names, coefficients, multipliers, (P, p, weights))`` of the answer in the whole
    problem's coordinates (a reduced problem's expanded: every member of an orbit gets its share)."""
    if isinstance(step, SymmetricView):
        coefficients, multipliers = step.expand(best.coefficients, best.multipliers)
        return step.step, coefficients, multipliers, features_form(step.step, coefficients)
    return step, best.coefficients, best.multipliers, features_form(step, best.coefficients, data)


def _problem(method: Method, classes: ProblemClass, family: str, outcomes: int | None):
    """``(view, data)``: reduced by the agents' symmetry where the problem has it
    (:mod:`pepcert.lyapunov.symmetric`), else the whole one-step problem."""
    reduced = symmetric_data(method, classes, family, outcomes)
    return reduced if reduced is not None else one_step_data(method, classes, family, outcomes)


#: The dominance asked of V when the instance path's first V does not control the state.
DOMINANCE_ASKED = 1e-6


def _instance_path(step, data: LMIData, solve, worst_cases: Sequence, tolerance: float, solver):
    """``(solution, rho, dominance)`` at the instances' rate with a V that controls the state,
    or ``(None, None, 0.0)``. The facial reduction's V may ignore a part of the state (a
    component that grows at the instance's rate, say); it is then asked again for a V with
    ``V >= DOMINANCE_ASKED ||state - state*||^2``."""
    from pepcert.lyapunov.margin import DominanceRows

    attempt = certify_at_instances(data, solve, worst_cases, tolerance)
    if attempt is None:
        return None, None, 0.0
    dominance = data_dominance(data, attempt[0].coefficients, solver)
    if dominance > DOMINANCE_FLOOR:
        return attempt[0], attempt[1], dominance
    rows = DominanceRows(DOMINANCE_ASKED, step.distance_mat, step.distance_row, step.local, step.local_equalities)
    attempt = certify_at_instances(data, lambda *a, **k: solve(*a, dominating=rows, **k), worst_cases, tolerance)
    if attempt is None:
        return None, None, 0.0
    dominance = data_dominance(data, attempt[0].coefficients, solver)
    return (attempt[0], attempt[1], dominance) if dominance > DOMINANCE_FLOOR else (None, None, 0.0)


def _first_certificate(data: LMIData, solve, name: str) -> tuple[MarginSolution, float]:
    """``(solution, rho)``: the first certificate of the search, at ``rho = 1, 2, 4, ...``.

    A rate is certified by the solution's floating-point threshold (:func:`float_threshold_rho`
    ``<= rho``), not by the sign of its margin: where the margin is 0 up to the solver's accuracy
    (``-1e-12`` at ``rho = 1``) its sign is noise, and doubling ``rho`` on it started the search
    far above the rate. A solve that stops short of its tolerance decides nothing either: the
    next ``rho`` is tried, and the solver's failure is raised only if none is certified."""
    high, failure = 1.0, None
    while high <= RHO_CEILING:
        try:
            current = solve(high, None)
        except SolverFailure as error:
            failure = failure or error
        else:
            threshold = float_threshold_rho(data, current.coefficients, current.multipliers)
            if threshold <= high:
                return current, threshold
        high *= 2
    if failure is not None:
        raise failure
    raise BadInput(f"{name}: no quadratic Lyapunov function certifies a rate below {RHO_CEILING:g}")


def _general_search(data: LMIData, solve, tolerance: float, name: str):
    """Dinkelbach iteration from above, then probes below for a conclusive lower end, every solve
    without the directions no certificate can make positive (:func:`free_directions`: with them
    the margin is 0 at every ``rho`` and the iteration crawls on the solver's rounding)."""
    solve = functools.partial(solve, reduction=free_directions(data))
    best, rho = _first_certificate(data, solve, name)
    floor = 1e-3  # keep candidates well inside the cone: solver errors are ~1e-9 of the data
    for _ in range(DINKELBACH_STEPS):
        try:
            candidate = solve(rho, best.coefficients, floor=floor)
            improved = float_threshold_rho(data, candidate.coefficients, candidate.multipliers)
        except SolverFailure:  # at the solver's accuracy limit: more room, else the last function that passed
            improved = rho
        if improved < rho - 0.1 * tolerance:
            rho, best = improved, candidate
        elif floor < 0.1:
            floor *= 10  # the candidate sat on a solver-accuracy boundary: ask for more room
        else:
            break
    # Lower end: the largest probe whose margin (identity normaliser) is conclusively < 0.
    lower, source, gap = 0.0, "none", tolerance
    while gap < 1.0:
        probe = rho - gap
        if probe <= 0:
            break
        try:
            # A margin t* < 0 proves that no V of the family satisfies the inequality at the probe
            # (t = 0 would be feasible otherwise), whatever the normaliser; but where t* = 0 exactly
            # (a block of S that no V can make positive, e.g. a state component V ignores) the
            # solver's -1e-8 is noise. So both normalisers must be conclusively negative.
            conclusive = (solve(probe, None).margin < -MARGIN_THRESHOLD
                          and solve(probe, best.coefficients).margin < -MARGIN_THRESHOLD)
        except SolverFailure:
            conclusive = False  # an inaccurate solve decides nothing
        if conclusive:
            lower, source = probe, "margin"
            break
        gap *= 10
    return best, rho, lower, source
