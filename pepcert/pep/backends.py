r"""N-step worst-case back-ends behind one interface.

A back-end takes a traced symbolic run (:class:`~pepcert.pep.trace.Trace`, the initial
condition and the tracked measures) and returns the value of the performance-estimation
problem with its Gram matrix and multipliers (:class:`NStepAnswer`), or raises
:class:`~pepcert.pep.errors.SolverFailure`; a back-end that does not take a problem says so
through ``qualifies``. Two kinds:

* :class:`ConicNStep` -- the full PEP as a conic problem (``svec(G)``, ``F``; one slack per
  inequality; ``G`` PSD), solved by Clarabel, SCS or MOSEK (:mod:`pepcert.pep.solvers`) at the
  tightest rung of :data:`WORST_CASE_LADDER` its answer meets;
* :class:`LowRankNStep` -- pepcert's low-rank interior-point method on O(N) interpolation
  pairs closed by a scaling instance (:mod:`pepcert.pep.nstep`, ``docs/worst-case.md``);
* :class:`~pepcert.pep.chordal_nstep.ChordalNStep` -- the same working set in the iterate
  basis, as O(N) small PSD cones for Clarabel, closed by the same instance or by its primal
  point completed off the pattern (the measure at the last step; the smallest one too where
  ``mu <= 0``).

:func:`nstep_backends` is the one place that chooses: the named back-end, or by default MOSEK
when licensed, else the chordal working set from :data:`CHORDAL_FROM` steps on where it
qualifies (the low-rank method after it), the low-rank method from :data:`LOWRANK_FROM` steps
on (with Clarabel as a fallback up to :data:`CLARABEL_FALLBACK_MAX` steps), else Clarabel (its
answer sought again where looser than 1e-7, :class:`~pepcert.pep.second_opinion.TighterOf`: by the
low-rank method where it qualifies, else by Clarabel without its equilibration); for classes without a
linear rate (``mu <= 0``) Clarabel below :data:`CUTS_FROM` steps, then a working set of pairs
(:func:`_sublinear_backends`), the chordal working set first from :data:`CHORDAL_FROM` steps on.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from pepcert.pep.budget import Work, nstep_work
from pepcert.pep.conic import ConicBuilder, ConicProblem, smat, svec, svec_indices, svec_length
from pepcert.pep.conic_errors import primal_error, rung_above
from pepcert.pep.errors import BadInput, SolverFailure
from pepcert.pep.expressions import Scalar
from pepcert.pep.identities import face_basis
from pepcert.pep.solvers import LARGE_PROBLEM, get_solver, mosek_licensed, solve_accurately

WORST_CASE_LADDER = (1e-10, 1e-9, 1e-8, 1e-7, 1e-6, 1e-5, 1e-4)  # solver tolerances, tightest first
#: The tolerances a conic answer may be reported with once its a-posteriori error is estimated
#: (beyond the last, the answer is refused); the command line flags anything above 1e-7.
REPORTED_LADDER = WORST_CASE_LADDER + (1e-3, 1e-2)
LARGE_LADDER = WORST_CASE_LADDER[2:]  # from LARGE_PROBLEM variables on: 1e-8 first
LARGE_ACCEPT = 1e-6  # ... and an answer whose residuals meet this is kept without a second solve
LOWRANK_FROM = 8  # iterations from which the default is the low-rank method (measured, docs/worst-case.md)
CLARABEL_FALLBACK_MAX = 30  # a default low-rank failure falls back to Clarabel up to here (~tens of s)
CUTS_FROM, CUTS_UNTIL = 8, 60  # sublinear classes: Clarabel on a working set of pairs for these N
SUBLINEAR_CHORDAL_LOOSEST = 1e-5  # ... after the chordal working set, whose answers are kept up to this tolerance
CHORDAL_FROM = CLARABEL_FALLBACK_MAX + 1  # the chordal working set first from here (docs/worst-case.md)
BACKENDS = ("clarabel", "scs", "mosek", "lowrank")


@dataclass(frozen=True)
class NStepAnswer:
    """A back-end's answer: ``status`` is ``"solved"`` or ``"unbounded"`` (value ``inf``)."""

    value: float
    gram: np.ndarray
    multipliers: Mapping[str, float]
    status: str
    tolerance: float
    solver: str
    tolerance_source: str = "the solver's residuals and gap"
    attained: bool = False  # the value is a point's of the classes (an instance, a checked primal point): a lower bound


class NStepBackend(Protocol):
    @property
    def name(self) -> str: ...

    def qualifies(self, trace, aggregate: str) -> bool: ...

    def work(self, trace, iterations: int) -> Work | None:
        """The estimated cost of the dense problem it would build, or None."""

    def solve(self, trace, first: Scalar, tracked: list, aggregate: str, marks: list, iterations: int) -> NStepAnswer: ...


def scalar_row(scalar: Scalar, n_vectors: int, n_values: int, face: np.ndarray | None = None) -> tuple[np.ndarray, float]:
    """``(row, constant)`` with ``scalar = row . [svec(G), F] + constant`` (floats); with a
    ``face`` ``T``, ``G = T H T^T`` and the row is over ``svec(H)``."""
    row = np.concatenate([svec(_on_face(scalar.gram_matrix(n_vectors), face)), scalar.value_row(n_values)])
    return row, float(scalar.constant)


def _on_face(Q: np.ndarray, face: np.ndarray | None) -> np.ndarray:
    return Q if face is None else face.T @ Q @ face


@dataclass(frozen=True)
class Scaling:
    """Variables rescaled to ``O(1)``: ``G = D G' D`` with ``D = diag(vectors)``, ``F = values * F'``,
    the objective divided by ``objective``; every row divided by its norm (``rows``, set by
    :func:`_assemble`). At the worst case ``||x_k||^2 ~ rho^k``, so basis elements created at
    step ``k`` get ``rho^{k/2}`` and ``rho^k`` (:func:`pepcert.pep.cutting.step_scales`)."""

    vectors: np.ndarray
    values: np.ndarray
    objective: float = 1.0
    instance: object | None = None  # the scaling instance's bound that set rho (an InstanceBound)


def _scaled_rows(scalars, n: int, m: int, scaling: Scaling, face: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``[svec(D Q D), l * values]`` per scalar (over ``svec(T^T Q T)`` on a ``face``), and the
    constants."""
    D = scaling.vectors
    grams = np.array([s.gram_matrix(n) for s in scalars]).reshape(len(scalars), n, n) * np.outer(D, D)
    if face is not None:
        grams = np.einsum("ia,kij,jb->kab", face, grams, face)
    values = np.array([s.value_row(m) for s in scalars]).reshape(len(scalars), m) * scaling.values
    return np.concatenate([svec(grams), values], axis=1), np.array([float(s.constant) for s in scalars])


@dataclass(frozen=True)
class Assembled:
    """A conic N-step problem: its multiplier names (equalities first), the ``svec`` columns of
    the Gram variable, the objective's constant, the rows' norms (equalities' included) and
    the face ``T`` (``G = T H T^T``; None: ``H = G``)."""

    problem: ConicProblem
    names: list
    gram: np.ndarray
    offset: float
    norms: np.ndarray
    face: np.ndarray | None
    keep: np.ndarray | None = None  # the svec coordinates of G that are variables (None: all)

    def gram_matrix(self, x: np.ndarray) -> np.ndarray:
        """``G`` (or ``H`` on a face) from a solution vector: fixed zeros back in place."""
        if self.keep is None:
            return smat(x[self.gram])
        full = np.zeros(len(self.keep))
        full[self.keep] = x[self.gram]
        return smat(full)


def _kept_entries(trace, size: int) -> np.ndarray | None:
    """The svec coordinates of ``G`` that are variables: all but the noise's fixed zeros
    (:meth:`pepcert.pep.trace.Trace.noise_zero_entries`); None when every one is."""
    zeros = trace.noise_zero_entries()
    if not zeros:
        return None
    rows, cols = svec_indices(size)
    coordinate = {(int(r), int(c)): k for k, (r, c) in enumerate(zip(rows, cols))}
    keep = np.ones(len(rows), dtype=bool)
    for a, b in zeros:
        keep[coordinate.get((a, b), coordinate.get((b, a)))] = False
    return keep


def _assemble(trace, first: Scalar, tracked: list, aggregate: str, scaling: Scaling | None = None,
              constraints: list | None = None) -> Assembled:
    """The PEP as a conic problem (:class:`Assembled`).

    Variables ``(svec(H), F'[, tau])``. ``G = T H T^T`` where ``T`` spans the face the class's
    vector identities leave (``u = 0``: quadratic classes,
    :func:`pepcert.pep.identities.face_basis`); without them ``H = G'``, the variables of
    ``scaling`` (none: the identity; a face is never rescaled). Every scalar equality is a zero
    row; every class inequality ``c <= 0`` and ``initial <= 1`` a nonnegative slack, each row
    divided by its norm when rescaled; ``H`` PSD. ``aggregate="last"`` maximises the tracked
    measure (divided by ``scaling.objective``), ``"min"`` maximises ``tau <= measure_k`` for
    every ``k``. ``constraints``: a subset of the trace's inequalities (constraint generation);
    default all of them.
    """
    constraints = trace.constraints() if constraints is None else constraints
    equalities, identities = trace.identities()
    n, m = trace.basis.n_vectors, trace.basis.n_values
    face = face_basis(identities, n)
    if face is not None:
        scaling = None
    scaled = scaling is not None or trace.classes.noise is not None  # noise: rows to unit size too
    scaling = scaling or Scaling(np.ones(n), np.ones(m))
    size = n if face is None else face.shape[1]
    keep = _kept_entries(trace, size) if face is None else None
    if keep is not None:  # the noise's independence as fixed zeros of G, not as equality rows
        equalities = [(name, e) for name, e in equalities if not name.startswith("independent(")]
    builder = ConicBuilder()
    gram = builder.variables("G", svec_length(size) if keep is None else int(keep.sum()))
    builder.variables("F", m)
    tau = builder.variables("tau", 1)[0] if aggregate == "min" else None
    total = builder.n_variables
    full = svec_length(size)

    def rows_of(scalars):
        """``_scaled_rows`` over the kept coordinates of ``G``."""
        coefficients, constants = _scaled_rows(scalars, n, m, scaling, face)
        if keep is not None:
            coefficients = np.concatenate([coefficients[:, :full][:, keep], coefficients[:, full:]], axis=1)
        return coefficients, constants

    if equalities:
        coefficients, constants = rows_of([e for _, e in equalities])
        block = np.zeros((len(equalities), total))
        block[:, : coefficients.shape[1]] = coefficients
        builder.equal_zero(block, constants)
    names = [name for name, _ in equalities] + [name for name, _ in constraints] + ["initial"]
    coefficients, constants = rows_of([scalar for _, scalar in constraints] + [first])
    bounds = -constants
    bounds[-1] += 1.0  # initial <= 1
    norms = np.ones(len(bounds))
    if scaled:  # rescaled variables: each row to unit size too (unscaled rows are left as built)
        norms = np.maximum(np.abs(coefficients).max(axis=1), np.abs(bounds))
        norms[norms == 0] = 1.0
    rows = np.zeros((len(bounds), total))
    rows[:, : coefficients.shape[1]] = coefficients / norms[:, None]
    builder.nonnegative(-rows, bounds / norms)  # scalar <= 0
    objective = np.zeros(total)
    if aggregate == "last":
        row, constant = rows_of([tracked[-1]])
        objective[: row.shape[1]] = -row[0] / scaling.objective
        offset = float(constant[0])
    else:  # maximise tau with tau <= measure_k for every k
        measures, limits = rows_of(tracked)
        block = np.zeros((len(tracked), total))
        block[:, : measures.shape[1]] = measures
        block[:, tau] = -1.0
        names.extend(f"min_measure(x{k})" for k in range(len(tracked)))
        norms = np.concatenate([norms, np.ones(len(tracked))])
        builder.nonnegative(block, limits)
        objective[tau], offset = -1.0, 0.0
    selector = np.zeros((full, total))
    selector[np.arange(full) if keep is None else np.flatnonzero(keep), gram] = 1.0
    builder.psd(selector, np.zeros(full), size)
    problem, _ = builder.build(objective)
    return Assembled(problem, names, gram, offset, np.concatenate([np.ones(len(equalities)), norms]), face, keep)


def _linear(classes) -> bool:
    """Curvature bounded below by a positive number: worst cases decay like ``rho^k`` (with
    ``mu <= 0`` they decay like ``1/k``, and rescaling by ``rho^k`` would wreck the problem:
    measured, gradient descent at h = 1/2, N = 15 failed with it and is exact to 5e-9 without)."""
    try:
        return bool(classes.function.curvature_bounds()[0] > 0)
    except TypeError:
        return True


def _scaling(trace, first, tracked, aggregate: str, marks, iterations: int) -> Scaling | None:
    """The rescaling of the low-rank method (``rho`` from the scaling instances' lower bound)
    for a measure at the last step; None when no instance bound is known."""
    from pepcert.pep.cutting import step_scales
    from pepcert.pep.scaling_bound import instance_lower_bound

    if aggregate != "last" or not marks or not _linear(trace.classes) or trace.classes.noise is not None:
        return None  # rho^k rescaling fits homogeneous linear decay, not sublinear decay or a noise floor
    try:
        bound = instance_lower_bound(trace, first, tracked[-1])
    except (ValueError, ArithmeticError, np.linalg.LinAlgError):
        bound = None
    if bound is None or not bound.value > 0:
        return None
    rho = float(min(1.0, max(1e-3, bound.value ** (1.0 / iterations))))
    inverse_vectors, inverse_values = step_scales(marks, trace.basis.n_vectors, trace.basis.n_values, rho)
    return Scaling(1.0 / inverse_vectors, 1.0 / inverse_values, rho**iterations, bound)


def _closed(answer: NStepAnswer, scaling: Scaling | None, closing: tuple, problem, solution) -> NStepAnswer:
    """``answer`` closed by the scaling instance (``closing``: trace, first, final, marks,
    iterations) where there is one (:func:`pepcert.pep.instance_close.closed_by_instance`)."""
    if scaling is None or scaling.instance is None or answer.status != "solved":
        return answer
    from pepcert.pep.instance_close import closed_by_instance

    trace, first, final, marks, iterations = closing
    return closed_by_instance(answer, scaling.instance, trace, first, final, marks, iterations, problem, solution,
                              REPORTED_LADDER)


def _readonly(array: np.ndarray) -> np.ndarray:
    array = np.array(array, dtype=float)
    array.setflags(write=False)
    return array


@dataclass(frozen=True)
class ConicNStep:
    """The full PEP through a conic back-end (``clarabel``, ``scs`` or ``mosek``); ``gaps``: the
    tolerances asked of it below :data:`LARGE_PROBLEM` variables, tightest first; ``finish``: how
    the caller narrows an answer's tolerance afterwards (the one-step bound to the power N,
    :mod:`pepcert.pep.chain_bound`), which may spare a large problem its second solve;
    ``equilibrate``: Clarabel's equilibration of the data (its default) or not."""

    name: str
    gaps: tuple[float, ...] = WORST_CASE_LADDER
    finish: Callable[[NStepAnswer], NStepAnswer] | None = field(default=None, compare=False)
    equilibrate: bool = True

    def qualifies(self, trace, aggregate: str) -> bool:
        return True

    def work(self, trace, iterations: int) -> Work:
        return nstep_work(trace, iterations)

    def solve(self, trace, first, tracked, aggregate, marks, iterations) -> NStepAnswer:
        """The full problem's answer, closed by the scaling instance that set the rescaling where
        that states a tighter tolerance (:mod:`pepcert.pep.instance_close`). A large problem's
        first solve that stalls is solved again with refinement unless its closed answer, once
        finished, meets :data:`LARGE_ACCEPT` (measured on the first of the papers' methods at
        N = 30: Clarabel's first solve stalls at residuals 4e-5 in 6 s, the refined one takes 19 s
        more; the instance and the one-step bound state 1e-8 from the first)."""
        scaling = _scaling(trace, first, tracked, aggregate, marks, iterations)
        assembled = _assemble(trace, first, tracked, aggregate, scaling, None)
        read: list = []  # (solution, its closed answer), each solution read once

        def answer_of(solution) -> NStepAnswer:
            if not read or read[-1][0] is not solution:
                answer, _, problem, _ = self._read(trace, assembled, scaling, solution, iterations)
                read.append((solution, _closed(answer, scaling, (trace, first, tracked[-1], marks, iterations),
                                               problem, solution)))
            return read[-1][1]

        def settles(solution) -> bool:
            try:
                return self.finish is not None and self.finish(answer_of(solution)).tolerance <= LARGE_ACCEPT
            except SolverFailure:  # the first answer is refused: solve again
                return False

        can_settle = self.finish is not None and scaling is not None and scaling.instance is not None
        return answer_of(self._solution(assembled.problem, settles if can_settle else None))

    def solve_subset(self, trace, first, tracked, aggregate, scaling, iterations,
                     constraints: list | None = None) -> tuple[NStepAnswer, np.ndarray]:
        """The answer over ``constraints`` (default: all), and the function values ``F`` of its
        primal point in the original scale (to check omitted inequalities at it)."""
        assembled = _assemble(trace, first, tracked, aggregate, scaling, constraints)
        return self._read(trace, assembled, scaling, self._solution(assembled.problem), iterations)[:2]

    def _solution(self, problem: ConicProblem, settles: Callable | None = None):
        """The solver's solution. The ladder starts at 1e-10 (a 1-step worst case "solved" at
        1e-8 was measured 2.9e-7 below the exact value, at 1e-10 5e-10) and accepts checked
        residuals up to 1e-4 (some N = 20 distance worst cases stall at 1e-7 to 3e-5;
        docs/worst-case.md): the tolerance met is part of the result, and the command line flags
        a value that met a loose one. From :data:`LARGE_PROBLEM` variables on: one solve at 1e-8
        without iterative refinement, a second (refined) one only when the first stalls above
        :data:`LARGE_ACCEPT` and ``settles`` (given a first solution that met some rung) does
        not say it is enough. Measured (the papers' methods, N = 20 and 30): going on to 1e-10
        and again with refinement doubled the time and changed the reported tolerance (set by
        the primal error) only where the first stalled above 1e-6; PEPit asks cvxpy's Clarabel
        for 1e-8 too (docs/worst-case.md, "Clarabel and PEPit")."""
        backend = get_solver(self.name)
        if problem.n_variables < LARGE_PROBLEM:
            return solve_accurately(backend, problem, gaps=self.gaps, max_solves=3, equilibrate=self.equilibrate)
        first = solve_accurately(backend, problem, gaps=LARGE_LADDER, refine_first=False, max_solves=1,
                                 accept=LARGE_ACCEPT, equilibrate=self.equilibrate)
        if first.solved and (first.tolerance <= LARGE_ACCEPT or (settles is not None and settles(first))):
            return first
        refined = solve_accurately(backend, problem, gaps=LARGE_LADDER, max_solves=1, equilibrate=self.equilibrate)
        return refined if refined.solved and (not first.solved or refined.tolerance <= first.tolerance) else first

    def _read(self, trace, assembled, scaling, solution, iterations: int):
        """``(answer, F, problem, solution)`` from the solver's ``solution``: the answer, the
        function values ``F`` of its primal point in the original scale, the conic problem and
        the solution."""
        problem = assembled.problem
        if assembled.face is not None:
            scaling = None  # _assemble never rescales a face
        objective_scale = 1.0 if scaling is None else scaling.objective
        backend = get_solver(self.name)
        n, m = trace.basis.n_vectors, trace.basis.n_values
        if solution.status == "unbounded":
            unbounded = NStepAnswer(math.inf, _readonly(np.zeros((n, n))), {}, "unbounded", math.nan, backend.name)
            return unbounded, np.zeros(m), problem, solution
        if not solution.solved:
            raise SolverFailure(f"{backend.name} returned status {solution.raw_status!r} for the {iterations}-step "
                                "worst case; the answer is not used")
        tolerance = rung_above(max(solution.tolerance, primal_error(problem, solution)), REPORTED_LADDER)
        if tolerance is None:
            raise SolverFailure(f"{backend.name}'s answer for the {iterations}-step worst case is off by more than "
                                f"{REPORTED_LADDER[-1]:g} by its own residuals; the answer is not used")
        # equalities' multipliers (free) first, then the inequalities' (>= 0)
        duals = solution.y[: problem.zero + problem.nonneg] * objective_scale / assembled.norms
        G = assembled.gram_matrix(solution.x)
        F = solution.x[len(assembled.gram) : len(assembled.gram) + m]
        if assembled.face is not None:
            G = assembled.face @ G @ assembled.face.T
        elif scaling is not None:
            G, F = G * np.outer(scaling.vectors, scaling.vectors), F * scaling.values
        # The value is the dual objective ``b.y``: the bound side of the bracket, and the closer
        # one on these problems (the primal point is near the analytic centre of a degenerate
        # optimal face: measured on gradient descent, N = 11..20, primal 1.4e-8 to 2.5e-8 below
        # Drori & Teboulle's value, dual 1e-9 to 7e-9 above).
        value = float(problem.b @ solution.y) * objective_scale + assembled.offset
        answer = NStepAnswer(value, _readonly(G),
                             {name: float(duals[k]) for k, name in enumerate(assembled.names)}, "solved", tolerance,
                             backend.name, "the solver's residuals, gap and multiplier-weighted infeasibility")
        return answer, F, problem, solution


class LowRankNStep:
    """The low-rank interior-point method (:mod:`pepcert.pep.nstep`): one agent, a
    deterministic compressor, a pairwise function class and the measure at the last step."""

    name = "lowrank"

    def work(self, trace, iterations: int) -> None:
        return None  # O(N) pairs a round: no dense problem to refuse

    def qualifies(self, trace, aggregate: str) -> bool:
        from pepcert.pep.cutting import eligible

        return eligible(trace)

    def solve(self, trace, first, tracked, aggregate, marks, iterations) -> NStepAnswer:
        from pepcert.pep.nstep import worst_case_lowrank

        answer = worst_case_lowrank(trace, first, tracked[-1], marks, iterations, WORST_CASE_LADDER,
                                    minimum=tracked if aggregate == "min" else None)
        return NStepAnswer(answer.value, _readonly(answer.gram), answer.multipliers, "solved", answer.tolerance, self.name,
                           "the dual bound's residuals and its gap to the attained value", attained=True)


def nstep_backend(name: str) -> NStepBackend:
    name = name.lower()
    if name == "lowrank":
        return LowRankNStep()
    if name not in BACKENDS:
        raise BadInput(f"unknown solver {name!r}; choose one of {', '.join(BACKENDS)}")
    get_solver(name)  # refuses an unavailable one (MOSEK without a licence) now
    return ConicNStep(name)


def _sublinear_backends(trace, aggregate: str, iterations: int, lowrank) -> tuple[NStepBackend, ...]:
    """Sublinear worst cases (``mu <= 0``): the low-rank method's rescaling presumes ``rho^k``
    decay and its answers stall near 1e-5 there, so Clarabel on a working set of pairs
    (:mod:`pepcert.pep.conic_cuts`) from :data:`CUTS_FROM` steps to :data:`CUTS_UNTIL`, the
    low-rank method first beyond (measured: gradient descent N = 100 in 2 s at 1e-5 against 76 s
    at 1e-8), Clarabel on every pair below. From :data:`CHORDAL_FROM` steps on the chordal
    working set (not rescaled) is tried first; where its completed point closes the problem it is
    the fast one (measured: error feedback with a gradient estimate, ``min-gradient`` on
    nonconvex functions, N = 50, 0.2 s against 39 s), where it does not (or only looser than
    :data:`SUBLINEAR_CHORDAL_LOOSEST`: gradient descent's ``function`` measure on convex
    functions, N = 50, 1e-4 against the working set of pairs' 1e-6) it fails in a fraction of a
    second and the others run (up to :data:`CUTS_UNTIL` steps; beyond, its answers are kept at any
    rung of the ladder: compressed gradient's ``min-gradient`` on nonconvex functions, N = 500,
    2.5 s at 1e-4, where the low-rank method ran past 300 s and 2.5 GB)."""
    from pepcert.pep.chordal_nstep import ChordalNStep
    from pepcert.pep.conic_cuts import ConicCutsNStep

    cuts = ConicCutsNStep()
    if iterations < CUTS_FROM or not cuts.qualifies(trace, aggregate):
        return (ConicNStep("clarabel"),)
    # beyond CUTS_UNTIL the next is the low-rank method, which stalls near 1e-5 here: the whole ladder
    chordal = ChordalNStep(loosest=SUBLINEAR_CHORDAL_LOOSEST if iterations <= CUTS_UNTIL else WORST_CASE_LADDER[-1])
    first = (chordal,) if iterations >= CHORDAL_FROM and chordal.qualifies(trace, aggregate) else ()
    if iterations <= CUTS_UNTIL:
        return first + ((cuts, lowrank) if lowrank.qualifies(trace, aggregate) else (cuts,))
    return first + ((lowrank, cuts) if lowrank.qualifies(trace, aggregate) else (cuts,))


def nstep_backends(solver: str | None, trace, aggregate: str, iterations: int,
                   finish: Callable[[NStepAnswer], NStepAnswer] | None = None) -> tuple[NStepBackend, ...]:
    """The back-ends to try, in order (module docstring). A named back-end is the only one
    tried; it is refused when it does not take the problem. ``finish``: how the caller narrows
    an answer afterwards, told to the conic back-ends (:class:`ConicNStep`)."""
    conic = functools.partial(ConicNStep, finish=finish)
    if solver is not None:
        backend = nstep_backend(solver)
        if not backend.qualifies(trace, aggregate):
            raise BadInput("the low-rank method needs one agent, a deterministic compressor and a pairwise function "
                           "class; use --solver clarabel")
        return (conic(backend.name),) if isinstance(backend, ConicNStep) else (backend,)
    if mosek_licensed():
        return (conic("mosek"),)
    lowrank = LowRankNStep()
    if not _linear(trace.classes):
        return _sublinear_backends(trace, aggregate, iterations, lowrank)
    if iterations >= CHORDAL_FROM and lowrank.qualifies(trace, aggregate):
        from pepcert.pep.chordal_nstep import ChordalNStep

        chordal = ChordalNStep()
        if chordal.qualifies(trace, aggregate):
            return (chordal, lowrank)
    if iterations >= LOWRANK_FROM and lowrank.qualifies(trace, aggregate):
        # Too large for Clarabel's dense block beyond the fallback limit: the failure stands.
        return (lowrank, conic("clarabel")) if iterations <= CLARABEL_FALLBACK_MAX else (lowrank,)
    from pepcert.pep.second_opinion import TighterOf

    if lowrank.qualifies(trace, aggregate):
        return (TighterOf(conic("clarabel"), lowrank),)
    return (TighterOf(conic("clarabel"), conic("clarabel", equilibrate=False)),)
