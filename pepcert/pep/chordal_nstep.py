r"""The N-step worst case in the iterate basis, as a chordal conic problem (Clarabel).

The working-set relaxation of :mod:`pepcert.pep.cutting` (every pair with ``x_*``, every pair of
consecutive points, every compressor inequality, the initial condition) is written over the
*iterate basis* of :mod:`pepcert.pep.iterate_basis`: the method's states ``x_0 .. x_N`` (and
its other state components), where each inequality involves the vectors of at most three
consecutive steps. The pattern of the Gram entries the rows touch is then banded; its chordal
extension has one small clique per step (:func:`~pepcert.pep.iterate_basis.chordal_cliques`).
By Grone, Johnson, Sa & Wolkowicz (1984) the relaxation's value is unchanged when ``G PSD`` is
replaced by ``G_c PSD`` for every clique ``c`` (only the entries on the pattern are
variables; Fukuda, Kojima, Murota & Nakata 2000, the domain-space conversion): ``O(N)`` cones
of size ~6 instead of one of size ``2N + 2``. Clarabel's sparse ``LDL^T`` of that problem's KKT
system then costs ``O(N)`` per iteration (the Schur complement of the dense problem costs
``O(N^3)``).

The answer is closed as :mod:`pepcert.pep.nstep` closes it: the relaxation's dual objective is
an upper bound ``u`` on the *full* problem (the omitted pairs get multiplier 0; the clique
cones' duals sum to a PSD dual slack), the best scaling instance a lower bound ``l`` attained by
an explicit member of the classes (:mod:`pepcert.pep.scaling_bound`, checked against every
pair). The value is ``l``; the tolerance reported is the smallest rung of the worst-case ladder
covering the bracket ``|u - l| / l`` and the a-posteriori error of ``u``
(:func:`~pepcert.pep.instance_close.dual_error`: the dual residual and the duals' cones). Without a closing instance, the
relaxation's primal point is completed off the pattern
(:func:`~pepcert.pep.iterate_basis.max_det_completion`, or the same built on factor rows where
that loses the pattern or misses an omitted pair) and every omitted pair evaluated there:
if none is violated beyond what the solve left on its own rows, that point is feasible for the
full problem and its value is bracketed by the dual bound; otherwise every violated pair joins
the working set at once (:data:`MAX_ROUNDS`). When nothing closes, the back-end fails and the
next one is tried (the low-rank method).

The measure at the last step qualifies, and the smallest of the measures too (``tau <=
measure_k``, :func:`pepcert.pep.cutting.build_pool`): with a linear rate rescaled by the
instance's bound on it (:func:`~pepcert.pep.scaling_bound.instance_lower_bound` with
``minimum``), and closed by it where the instance is the last measure's worst case (compressed
gradient's, to N = 500); without one (``mu <= 0``) not rescaled. Without an instance nothing rescales the objective, so an
answer that fails or is looser than :data:`RESCALE_ABOVE` is sought again with the objective
multiplied to each of :data:`OBJECTIVE_TARGETS`, and the tightest answer kept (gradient
descent's ``f(x_N) - f*`` on convex functions closes at N = 100 and 200 only so). Measured: the
papers' Lyapunov measures close by the instance at every N tried (to 500); plain compressed
gradient's distance measure by the completed point; the smallest gradient norm on nonconvex
functions by the completed point (gradient descent, compressed gradient and error feedback with
a gradient estimate, to N = 500); for error feedback's distance and function measures the
omitted pairs are violated at every gap and the low-rank method answers.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from pepcert.pep.conic import ConicProblem
from pepcert.pep.errors import SolverFailure
from pepcert.pep.instance_close import dual_error

INSTANCE_CHECK = 1e-6  # largest normalised violation at the scaling instance: rounding (measured up to 2.7e-8)
CUT_ACCEPT = 1e-8  # normalised violation of an omitted pair always accepted at the completed primal point
COMPLETION_ACCEPT = 1e-6  # a completion that violates the working set's own rows by more is not used
MAX_ROUNDS = 6  # rounds of the working set (every violated pair joins at once)
MAX_CLIQUE = 60  # beyond this clique size the working set is no longer banded: give up
# ... and beyond this sum over the cones of svec(clique)^3 (an interior-point iteration's work on
# their dense scaling blocks): measured, a round with ten cones, one of 57 vectors (4.5e9 alone), ran
# past 120 s and 2.5 GB; the Lyapunov rounds at N = 500 sum to 5e6.
MAX_CONE_WORK = 1e9
# Clarabel is asked for more than the ladder's first rung: it stops "almost solved" with its
# residuals checked here, and on points closed by the completion its dual residual sets the
# tolerance (gradient descent on nonconvex functions, N = 200: 1e-5 asked at 1e-10, 1e-9 at 1e-14,
# one more iteration). The Lyapunov measures' values and times are unchanged at N = 100..500 (the
# three methods of the bench); one method's tolerance there tightens from 1e-7 to 1e-10 (N = 100), 1e-9 (200).
SOLVE_TOLERANCE = 1e-14
# Without an instance (no rescaling by rho^k) Clarabel's answers depend on the objective's scale
# beside the rows (unit norm), erratically: measured (the tolerance reached with the objective
# multiplied to about 10 / 1 / 0.1, and at scale 1): gradient descent's convex ``function``,
# N = 100: 1e-6 / none / none, none; N = 200: none / 1e-5 / 1e-4, none; error feedback with a
# gradient estimate, nonconvex ``min-gradient``, N = 200: 1e-5 / 1e-6 / 1e-6, 1e-5; N = 500:
# 1e-4 / 1e-4 / 1e-6, 1e-5; compressed gradient's, N = 50: 1e-5 / 1e-6 / 1e-6, 1e-7. So when
# the first answer fails or is looser than RESCALE_ABOVE, the problem is solved again at each of
# these targets (skipping a factor within 3 of 1) until one answer meets RESCALE_ABOVE, and the
# tightest answer is kept; every answer goes through the same checks.
OBJECTIVE_TARGETS = (10.0, 1.0, 0.1)
RESCALE_ABOVE = 1e-9
# With an instance, an answer looser than this is sought once more with Clarabel's equilibration
# off, and the tighter kept. Measured (bracket, dual error; the papers' methods at their optimal
# steps, mu = 0.1, L = 1, delta = 1/2): compressed gradient's min-gradient, N = 200: 1.5e-6,
# 2.1e-6 -> 4.4e-7, 7.7e-7 (1e-5 -> 1e-6); N = 500: 2.6e-5, 2.9e-5 -> 4.1e-6, 6.4e-6; its function
# measure at N = 500: 1e-4 -> 1e-5; error feedback's Lyapunov measure, N = 100: 1e-5 -> 1e-6. Not
# always tighter (the same at N = 500: 1.6e-6 -> 3.7e-6 dual error), hence a retry, not the default.
EQUILIBRATE_RETRY_ABOVE = 1e-6


@dataclass(frozen=True)
class _Rows:
    """Every row over the iterate basis: ``<M_k, G'> + e_k . F' <= beta_k`` with ``M_k`` given
    on its support ``S_k`` (a local dense block)."""

    supports: list
    blocks: list
    e: np.ndarray
    beta: np.ndarray
    names: list


def _local(factors: np.ndarray, d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(S, M_S)``: the support of ``W diag(d) W^T`` (``factors`` is ``(n, r)``) and its block."""
    support = np.flatnonzero(np.any(factors != 0, axis=1))
    W = factors[support]
    return support, (W * d) @ W.T


def _rows(pool, basis, scale: np.ndarray, active: np.ndarray) -> _Rows:
    """The working set's rows (pairs, then the fixed rows) over the rescaled iterate basis
    (``pool``'s points already over it; its fixed rows over the trace's basis)."""
    from pepcert.pep.cutting import _low_rank

    inv_v = 1.0 / pool.value_scale
    Xu, Gu = pool.X / scale, pool.Gr / scale  # pool over the iterate basis (_setup)
    U, dt = _low_rank(pool.template.Q)
    supports, blocks, e, beta = [], [], [], []
    for i, j in pool.pairs[active]:
        factors = np.stack([Xu[i], Xu[j], Gu[i], Gu[j]], axis=1) @ U
        support, block = _local(factors, dt)
        supports.append(support)
        blocks.append(block)
        e.append((pool.template.l[0] * pool.Fr[i] + pool.template.l[1] * pool.Fr[j]) * inv_v)
        beta.append(-pool.template.constant)
    widths = np.cumsum([0] + [row.U.shape[1] for row in pool.fixed])
    converted = basis.convert(np.concatenate([row.U.T for row in pool.fixed])).T / scale[:, None]
    for k, row in enumerate(pool.fixed):
        support, block = _local(converted[:, widths[k]:widths[k + 1]], row.d)
        supports.append(support)
        blocks.append(block)
        e.append(row.e * inv_v)
        beta.append(row.beta)
    names = [pool.template.name.format(pool.points[i], pool.points[j]) for i, j in pool.pairs[active]]
    return _Rows(supports, blocks, np.array(e), np.array(beta), names + [row.name for row in pool.fixed])


def _pattern(n: int, cliques) -> tuple[dict, np.ndarray]:
    """The variables: one per entry ``(p, q)``, ``p <= q``, of the cliques' union (key
    ``p n + q`` to index), and each variable's ``(p, q)``."""
    keys = set()
    for clique in cliques:
        p, q = np.triu_indices(len(clique))
        keys.update((clique[p] * n + clique[q]).tolist())
    ordered = np.array(sorted(keys), dtype=np.int64)
    return {int(k): index for index, k in enumerate(ordered)}, np.stack([ordered // n, ordered % n], axis=1)


def _gram_row(support: np.ndarray, block: np.ndarray, index: dict, n: int) -> tuple[list, list]:
    """``<M, G>`` over the pattern variables: ``M_pp G_pp + 2 M_pq G_pq``."""
    p, q = np.triu_indices(len(support))
    values = block[p, q] * np.where(p == q, 1.0, 2.0)
    keep = values != 0
    keys = support[p[keep]] * n + support[q[keep]]
    return [index[int(k)] for k in keys], values[keep].tolist()


@dataclass(frozen=True)
class _Conic:
    problem: ConicProblem
    norms: np.ndarray
    rows: int
    entries: np.ndarray  # (p, q) of each Gram variable


def _conic(rows: _Rows, objective: tuple, cliques, n: int, m: int) -> _Conic:
    """``min c.x`` over ``x = (pattern entries of G', F')``: rows ``A x + s = b`` with the
    inequalities (``s >= 0``, each divided by its norm), then each clique's ``svec(G'_c)`` in a
    PSD cone."""
    import scipy.sparse as sp

    from pepcert.pep.conic import CSCMatrix, svec_indices

    index, entries = _pattern(n, cliques)
    width = len(entries) + m
    r, c, v = [], [], []
    norms = np.empty(len(rows.beta))
    for k, (support, block) in enumerate(zip(rows.supports, rows.blocks)):
        columns, values = _gram_row(support, block, index, n)
        norms[k] = math.sqrt(float(np.sum(block * block)) + float(rows.e[k] @ rows.e[k])) or 1.0
        nonzero = np.flatnonzero(rows.e[k])
        columns += (len(entries) + nonzero).tolist()
        values += rows.e[k][nonzero].tolist()
        r += [k] * len(columns)
        c += columns
        v += (np.array(values) / norms[k]).tolist()
    start = len(rows.beta)
    for clique in cliques:
        p, q = svec_indices(len(clique))
        keys = clique[p] * n + clique[q]
        count = len(keys)
        r += range(start, start + count)
        c += [index[int(key)] for key in keys]
        v += (-np.where(p == q, 1.0, math.sqrt(2.0))).tolist()
        start += count
    A = sp.csc_matrix((v, (r, c)), shape=(start, width))
    A.sort_indices()
    b = np.concatenate([rows.beta / norms, np.zeros(start - len(rows.beta))])
    support, block, e = objective
    columns, values = _gram_row(support, block, index, n)
    cost = np.zeros(width)
    np.add.at(cost, columns, -np.array(values))
    cost[len(entries):] = -e
    matrix = CSCMatrix(A.shape, A.indptr.astype(np.int64), A.indices.astype(np.int64), A.data)
    problem = ConicProblem(cost, matrix, b, 0, len(rows.beta), tuple(len(clique) for clique in cliques))
    return _Conic(problem, norms, len(rows.beta), entries)


def _objective(pool, basis, scale: np.ndarray):
    from pepcert.pep.cutting import _low_rank

    Q, l, _ = pool.objective
    U, d = _low_rank(Q)
    support, block = _local(basis.convert(U.T).T / scale[:, None], d)
    omega = pool.objective_scale
    return support, omega * block, omega * l / pool.value_scale


def chordal_worst_case(trace, first, final, marks, iterations: int, ladder, minimum: list | None = None):
    """``(value, gram, multipliers, tolerance, upper bound, closed by)`` of the worst case of
    ``final`` given ``first <= 1``, or with ``minimum`` (the tracked measures) of the smallest of
    them (module docstring); raises :class:`SolverFailure` when no bracket closes within the
    ladder."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):  # small matrices: threads cost more (lowrank_ipm)
        return _chordal_worst_case(trace, first, final, marks, iterations, ladder, minimum)


def _setup(trace, first, final, marks, iterations: int, minimum: list | None = None):
    """``(bound, pool, pool_u, basis, scale)``: the instance bound (None when there is none, its
    point fails the check or the class has no linear rate), the pool,
    the pool over the iterate basis, and its scales (1 without a bound: no rescaling)."""

    from pepcert.pep import cutting
    from pepcert.pep.backends import _linear
    from pepcert.pep.iterate_basis import iterate_basis
    from pepcert.pep.nstep import _rate
    from pepcert.pep.scaling_bound import instance_lower_bound

    bound = instance_lower_bound(trace, first, final, minimum) if _linear(trace.classes) else None
    if bound is not None and not bound.value > 0:
        bound = None
    rho = _rate(bound, iterations)
    pool = cutting.build_pool(trace, first, final, marks, rho, iterations, minimum)
    if bound is not None and not cutting.point_violation(pool, bound.G, bound.F) <= INSTANCE_CHECK:
        bound = None  # a member of the classes satisfies every inequality; never trust one that does not
    try:
        basis = iterate_basis(trace, marks)
        pool_u = dataclasses.replace(pool, X=basis.convert(pool.X), Gr=basis.convert(pool.Gr),
                                     vector_scale=rho ** (-basis.blocks / 2.0))
    except ValueError as error:  # the iterate basis does not represent the run accurately
        raise SolverFailure(str(error)) from None
    return bound, pool, pool_u, basis, pool_u.vector_scale


def _cone_work(cliques) -> float:
    """``sum svec(|c|)^3`` over the cliques (:data:`MAX_CONE_WORK`)."""
    from pepcert.pep.conic import svec_length

    return float(sum(float(svec_length(len(c))) ** 3 for c in cliques))


def _completed_point(conic: _Conic, solution, cliques, n: int, pool_u, norms: np.ndarray, active: np.ndarray):
    """``(G', violations, threshold)``: the primal point's Gram matrix completed off the
    pattern, every pair's normalised violation there and the threshold beyond which an omitted
    pair counts as violated (twice what the solve left on the working set's own rows). The
    max-det completion first, then the same built on factor rows
    (:func:`~pepcert.pep.iterate_basis.factor_completion`); the first that keeps the working set
    (threshold within :data:`COMPLETION_ACCEPT`) and meets every omitted pair is used, else the
    first that keeps the working set (its violated pairs then join), else the last tried."""
    from pepcert.pep import cutting
    from pepcert.pep.iterate_basis import factor_completion, max_det_completion, pattern_parents

    entries = conic.entries
    partial = np.zeros((n, n))
    values = solution.x[: len(entries)]
    partial[entries[:, 0], entries[:, 1]] = values
    partial[entries[:, 1], entries[:, 0]] = values
    F, parents = solution.x[len(entries):], pattern_parents(n, cliques)
    kept = None
    for complete in (max_det_completion, factor_completion):
        with np.errstate(over="ignore", invalid="ignore"):  # an overflow is violated everywhere (pair_violations)
            G = complete(partial, parents)
        violations = cutting.pair_violations(pool_u, G, F, norms)
        threshold = max(CUT_ACCEPT, 2 * float(violations[active].max(initial=0.0)))
        found = (G, violations, threshold)
        if threshold <= COMPLETION_ACCEPT:
            if float(violations[~active].max(initial=0.0)) <= threshold:
                return found
            kept = kept or found
    return kept or found


def _solve(rows: _Rows, objective, cliques, n: int, m: int, iterations: int, equilibrate: bool = True):
    """``(conic, solution)``: the round's conic problem and Clarabel's answer (its residuals
    checked by the caller)."""
    from pepcert.pep.solvers import ClarabelSolver, Tolerances

    conic = _conic(rows, objective, cliques, n, m)
    tolerances = Tolerances(gap=SOLVE_TOLERANCE, feasibility=SOLVE_TOLERANCE, equilibrate=equilibrate)
    solution = ClarabelSolver(tolerances).solve(conic.problem)
    if solution.status not in ("solved", "inaccurate") and solution.residuals is None:
        raise SolverFailure(f"clarabel returned status {solution.raw_status!r} on the chordal {iterations}-step problem")
    return conic, solution


def _objective_factors(value: float) -> list[float]:
    """The factors that bring the solver's objective ``|b.y| = value`` to each of
    :data:`OBJECTIVE_TARGETS`, but for those within 3 of 1 (none when ``value`` is not a positive
    finite number)."""
    if not (math.isfinite(value) and value > 0):
        return []
    return [target / value for target in OBJECTIVE_TARGETS if not 1 / 3 <= target / value <= 3]


@dataclass(frozen=True)
class _Attempt:
    """One run of the rounds: its answer (:func:`chordal_worst_case`'s tuple) or why it failed,
    and the solver's objective ``|b.y|`` at its first solve (nan before one)."""

    answer: tuple | None
    failure: str
    objective: float

    @property
    def tolerance(self) -> float:
        return math.inf if self.answer is None else float(self.answer[3])


def _chordal_worst_case(trace, first, final, marks, iterations: int, ladder, minimum: list | None):
    """The rounds (:func:`_rounds`); without an instance, when the first answer fails or is looser
    than :data:`RESCALE_ABOVE`, again with the objective multiplied to each of
    :data:`OBJECTIVE_TARGETS` until an answer meets it; with one, when it fails or is looser than
    :data:`EQUILIBRATE_RETRY_ABOVE`, once more without Clarabel's equilibration. The tightest
    answer is kept (the earliest on a tie); every answer has passed the same checks."""
    setup = _setup(trace, first, final, marks, iterations, minimum)
    attempt = _rounds(setup, iterations, ladder, 1.0)
    factors = [] if setup[0] is not None else _objective_factors(attempt.objective)
    for factor in factors:
        if attempt.tolerance <= RESCALE_ABOVE:
            break
        other = _rounds(setup, iterations, ladder, factor)
        if other.tolerance < attempt.tolerance:
            attempt = other
    if setup[0] is not None and attempt.tolerance > EQUILIBRATE_RETRY_ABOVE:
        other = _rounds(setup, iterations, ladder, 1.0, equilibrate=False)
        if other.tolerance < attempt.tolerance:
            attempt = other
    if attempt.answer is None:
        raise SolverFailure(attempt.failure)
    return attempt.answer


def _rounds(setup, iterations: int, ladder, factor: float, equilibrate: bool = True) -> _Attempt:
    """Rounds of: solve the working set (the objective multiplied by ``factor``; Clarabel's
    equilibration as ``equilibrate`` says); close by the instance or the completed point
    (:func:`_close`), else every violated pair joins the working set (at most :data:`MAX_ROUNDS`
    rounds)."""
    from pepcert.pep import cutting
    from pepcert.pep.iterate_basis import chordal_cliques

    _bound, pool, pool_u, basis, scale = setup
    pool = dataclasses.replace(pool, objective_scale=pool.objective_scale * factor)
    objective = _objective(pool, basis, scale)
    active = cutting.working_pairs(pool.pairs)
    norms = cutting.pair_norms(pool_u)
    n, m = basis.size, len(pool.value_scale)
    seen = math.nan
    try:
        for _ in range(MAX_ROUNDS):
            rows = _rows(pool_u, basis, scale, np.flatnonzero(active))
            cliques = chordal_cliques(n, rows.supports + [objective[0]])
            if max(len(clique) for clique in cliques) > MAX_CLIQUE or _cone_work(cliques) > MAX_CONE_WORK:
                raise SolverFailure(f"the chordal {iterations}-step working set fills in beyond cliques of "
                                    f"{MAX_CLIQUE} or cones of {MAX_CONE_WORK:.0e} work")
            conic, solution = _solve(rows, objective, cliques, n, m, iterations, equilibrate)
            seen = abs(float(conic.problem.b @ solution.y)) if math.isnan(seen) else seen
            answer, violated = _close(setup, pool, conic, solution, rows, cliques, norms, active, iterations, ladder)
            if answer is not None:
                return _Attempt(answer, "", seen)
            active |= violated
        raise SolverFailure(f"pairs still violated after {MAX_ROUNDS} rounds of the chordal {iterations}-step "
                            "working set")
    except SolverFailure as error:
        return _Attempt(None, str(error), seen)


def _close(setup, pool, conic: _Conic, solution, rows: _Rows, cliques, norms, active, iterations: int, ladder):
    """``(answer, violated)``: the answer when the round closes by the instance (the bracket) or
    by the completed primal point violating no omitted pair, else None and the pairs violated
    there."""
    from pepcert.pep.conic_errors import primal_error
    from pepcert.pep.nstep import _rung

    bound, _pool, pool_u, basis, scale = setup
    constant = pool.objective[2]
    upper = float(conic.problem.b @ solution.y) / pool.objective_scale + constant
    lam = solution.y[: conic.rows] / conic.norms / pool.objective_scale
    multipliers = dict.fromkeys(pool.pair_names(), 0.0)
    multipliers.update(zip(rows.names, map(float, lam)))
    if bound is not None:
        bracket = abs(upper - bound.value) / max(abs(bound.value), 1e-300)
        deciding = max(bracket, dual_error(conic.problem, solution))
        tolerance = _rung(deciding, ladder)
        if tolerance is not None:
            return (float(bound.value), bound.G, multipliers, tolerance, upper, "lower bound"), None
    G, violations, threshold = _completed_point(conic, solution, cliques, basis.size, pool_u, norms, active)
    worst = float(violations[~active].max(initial=0.0))
    if threshold > COMPLETION_ACCEPT:
        raise SolverFailure(f"the completed {iterations}-step point violates the working set by {threshold / 2:.1e}")
    if worst > threshold:
        return None, violations > threshold
    value = -float(conic.problem.c @ solution.x) / pool.objective_scale + constant
    deciding = max(abs(upper - value) / max(abs(upper), 1e-300), primal_error(conic.problem, solution), worst)
    tolerance = _rung(deciding, ladder)
    if tolerance is None:
        raise SolverFailure(f"the chordal {iterations}-step bracket is {deciding:.1e} wide")
    gram = basis.gram_back(G / np.outer(scale, scale))
    return (value, gram, multipliers, tolerance, upper, "feasible point"), None


@dataclass(frozen=True)
class ChordalNStep:
    """Clarabel on the chordal working-set relaxation in the iterate basis (module docstring);
    an answer whose tolerance would exceed ``loosest`` is a failure (the next back-end runs)."""

    name: str = "clarabel-chordal"
    loosest: float = 1.0

    def work(self, trace, iterations: int) -> None:
        return None  # O(N) small cones: no dense problem to refuse

    def qualifies(self, trace, aggregate: str) -> bool:
        from pepcert.pep.cutting import eligible

        return aggregate in ("last", "min") and eligible(trace) and bool(trace.states)

    def solve(self, trace, first, tracked, aggregate, marks, iterations):
        from pepcert.pep.backends import WORST_CASE_LADDER, NStepAnswer, _readonly

        ladder = tuple(rung for rung in WORST_CASE_LADDER if rung <= self.loosest)
        value, gram, multipliers, tolerance, _upper, closed = chordal_worst_case(
            trace, first, tracked[-1], marks, iterations, ladder, tracked if aggregate == "min" else None)
        source = ("the chordal relaxation's dual bound (its residuals and cones checked) and its gap to the attained "
                  "value" if closed == "lower bound" else "the chordal relaxation's dual bound (its residuals and "
                  "cones checked) and its gap to its primal point, completed and checked on every pair")
        return NStepAnswer(value, _readonly(gram), multipliers, "solved", tolerance, self.name, source, attained=True)
