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
  pairs closed by a scaling instance (:mod:`pepcert.pep.nstep`, ``docs/worst-case.md``).

:func:`nstep_backends` is the one place that chooses: the named back-end, or by default MOSEK
when licensed, else the low-rank method from :data:`LOWRANK_FROM` steps on (with Clarabel
as a fallback up to :data:`CLARABEL_FALLBACK_MAX` steps), else Clarabel.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping, Protocol

import numpy as np

from pepcert.pep.conic import ConicBuilder, smat, svec, svec_length
from pepcert.pep.errors import BadInput, SolverFailure
from pepcert.pep.expressions import Scalar
from pepcert.pep.identities import face_basis
from pepcert.pep.solvers import LARGE_PROBLEM, get_solver, mosek_licensed, solve_accurately

WORST_CASE_LADDER = (1e-10, 1e-9, 1e-8, 1e-7, 1e-6, 1e-5, 1e-4)  # solver tolerances, tightest first
LOWRANK_FROM = 8  # iterations from which the default is the low-rank method (measured, docs/worst-case.md)
CLARABEL_FALLBACK_MAX = 30  # a default low-rank failure falls back to Clarabel up to here (~tens of s)
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


class NStepBackend(Protocol):
    name: str

    def qualifies(self, trace, aggregate: str) -> bool: ...

    def solve(self, trace, first: Scalar, tracked: list, aggregate: str, marks: list, iterations: int) -> NStepAnswer: ...


def scalar_row(scalar: Scalar, n_vectors: int, n_values: int, face: np.ndarray | None = None) -> tuple[np.ndarray, float]:
    """``(row, constant)`` with ``scalar = row . [svec(G), F] + constant`` (floats); with a
    ``face`` ``T``, ``G = T H T^T`` and the row is over ``svec(H)``."""
    row = np.concatenate([svec(_on_face(scalar.gram_matrix(n_vectors), face)), scalar.value_row(n_values)])
    return row, float(scalar.constant)


def _on_face(Q: np.ndarray, face: np.ndarray | None) -> np.ndarray:
    return Q if face is None else face.T @ Q @ face


def _assemble(trace, first: Scalar, tracked: list, aggregate: str):
    """The PEP as a conic problem: ``(problem, multiplier names, svec(H) columns, offset, face)``.

    Variables ``(svec(H), F[, tau])`` with ``G = T H T^T``: ``T`` spans the face the class's
    vector identities leave (``u = 0``: quadratic classes, :func:`pepcert.pep.identities.face_basis`;
    ``T = None`` and ``H = G`` without them). Every scalar equality ``e == 0`` is a zero row (the
    multiplier names list them first); every class inequality ``c <= 0`` and ``initial <= 1`` a
    nonnegative slack; ``H`` PSD. ``aggregate="last"`` maximises the tracked measure,
    ``"min"`` maximises ``tau <= measure_k`` for every ``k``.
    """
    constraints, (equalities, identities) = trace.constraints(), trace.identities()
    n, m = trace.basis.n_vectors, trace.basis.n_values
    face = face_basis(identities, n)
    size = n if face is None else face.shape[1]
    builder = ConicBuilder()
    gram = builder.variables("G", svec_length(size))
    builder.variables("F", m)
    tau = builder.variables("tau", 1)[0] if aggregate == "min" else None
    total = builder.n_variables
    if equalities:
        block = np.zeros((len(equalities), total))
        block[:, : len(gram)] = svec(np.array([_on_face(e.gram_matrix(n), face) for _, e in equalities]))
        block[:, len(gram) : len(gram) + m] = np.array([e.value_row(m) for _, e in equalities]).reshape(-1, m)
        builder.equal_zero(block, [float(e.constant) for _, e in equalities])
    names = [name for name, _ in equalities] + [name for name, _ in constraints] + ["initial"]
    scalars = [scalar for _, scalar in constraints] + [first]
    rows = np.zeros((len(scalars), total))
    rows[:, : len(gram)] = svec(np.array([_on_face(s.gram_matrix(n), face) for s in scalars]))
    rows[:, len(gram) : len(gram) + m] = np.array([s.value_row(m) for s in scalars]).reshape(len(scalars), m)
    bounds = -np.array([float(s.constant) for s in scalars])
    bounds[-1] += 1.0  # initial <= 1
    builder.nonnegative(-rows, bounds)  # scalar <= 0
    objective = np.zeros(total)
    if aggregate == "last":
        row, offset = scalar_row(tracked[-1], n, m, face)
        objective[: len(row)] = -row
    else:  # maximise tau with tau <= measure_k for every k
        block, limits = [], []
        for k, scalar in enumerate(tracked):
            row, constant = scalar_row(scalar, n, m, face)
            coefficients = np.concatenate([row, np.zeros(total - len(row))])
            coefficients[tau] = -1.0
            block.append(coefficients)
            limits.append(constant)
            names.append(f"min_measure(x{k})")
        builder.nonnegative(np.array(block), limits)
        objective[tau], offset = -1.0, 0.0
    selector = np.zeros((len(gram), total))
    selector[np.arange(len(gram)), gram] = 1.0
    builder.psd(selector, np.zeros(len(gram)), size)
    problem, _ = builder.build(objective)
    return problem, names, gram, offset, face




def _readonly(array: np.ndarray) -> np.ndarray:
    array = np.array(array, dtype=float)
    array.setflags(write=False)
    return array


@dataclass(frozen=True)
class ConicNStep:
    """The full PEP through a conic back-end (``clarabel``, ``scs`` or ``mosek``)."""

    name: str

    def qualifies(self, trace, aggregate: str) -> bool:
        return True

    def solve(self, trace, first, tracked, aggregate, marks, iterations) -> NStepAnswer:
        problem, names, gram, offset, face = _assemble(trace, first, tracked, aggregate)
        backend = get_solver(self.name)
        # The ladder starts at 1e-10 (a 1-step worst case "solved" at 1e-8 was measured 2.9e-7
        # below the exact value, at 1e-10 5e-10) and accepts checked residuals up to 1e-4 (some
        # N = 20 distance worst cases stall at 1e-7 to 3e-5; docs/worst-case.md): the tolerance
        # met is part of the result, and the command line flags a value that met a loose one.
        large = problem.n_variables >= LARGE_PROBLEM
        solution = solve_accurately(backend, problem, gaps=WORST_CASE_LADDER, refine_first=not large,
                                    max_solves=2 if large else 3)
        n = trace.basis.n_vectors
        if solution.status == "unbounded":
            return NStepAnswer(math.inf, _readonly(np.zeros((n, n))), {}, "unbounded", math.nan, backend.name)
        if not solution.solved:
            raise SolverFailure(f"{backend.name} returned status {solution.raw_status!r} for the {iterations}-step "
                                "worst case; the answer is not used")
        duals = solution.y[: problem.zero + problem.nonneg]  # equalities' (free), then the inequalities'
        G = smat(solution.x[gram]) if face is None else face @ smat(solution.x[gram]) @ face.T
        return NStepAnswer(float(-solution.objective + offset), _readonly(G),
                           {name: float(duals[k]) for k, name in enumerate(names)}, "solved", solution.tolerance,
                           backend.name)


class LowRankNStep:
    """The low-rank interior-point method (:mod:`pepcert.pep.nstep`): one agent, a
    deterministic compressor, a pairwise function class and the measure at the last step."""

    name = "lowrank"

    def qualifies(self, trace, aggregate: str) -> bool:
        from pepcert.pep.cutting import eligible

        return aggregate == "last" and eligible(trace)

    def solve(self, trace, first, tracked, aggregate, marks, iterations) -> NStepAnswer:
        from pepcert.pep.nstep import worst_case_lowrank

        answer = worst_case_lowrank(trace, first, tracked[-1], marks, iterations, WORST_CASE_LADDER)
        return NStepAnswer(answer.value, _readonly(answer.gram), answer.multipliers, "solved", answer.tolerance, self.name,
                           "the dual bound's residuals and its gap to the attained value")


def nstep_backend(name: str) -> NStepBackend:
    name = name.lower()
    if name == "lowrank":
        return LowRankNStep()
    if name not in BACKENDS:
        raise BadInput(f"unknown solver {name!r}; choose one of {', '.join(BACKENDS)}")
    get_solver(name)  # refuses an unavailable one (MOSEK without a licence) now
    return ConicNStep(name)


def nstep_backends(solver: str | None, trace, aggregate: str, iterations: int) -> tuple[NStepBackend, ...]:
    """The back-ends to try, in order (module docstring). A named back-end is the only one
    tried; it is refused when it does not take the problem."""
    if solver is not None:
        backend = nstep_backend(solver)
        if not backend.qualifies(trace, aggregate):
            raise BadInput("the low-rank method needs one agent, a deterministic compressor, a pairwise function class "
                           "and the measure at the last step; use --solver clarabel")
        return (backend,)
    if mosek_licensed():
        return (ConicNStep("mosek"),)
    lowrank = LowRankNStep()
    if iterations >= LOWRANK_FROM and lowrank.qualifies(trace, aggregate):
        # Too large for Clarabel's dense block beyond the fallback limit: the failure stands.
        return (lowrank, ConicNStep("clarabel")) if iterations <= CLARABEL_FALLBACK_MAX else (lowrank,)
    return (ConicNStep("clarabel"),)
