r"""The N-step worst case by constraint generation over the interpolation pairs, solved with
the low-rank interior-point method of :mod:`pepcert.pep.lowrank_ipm`.

The full PEP (``docs/worst-case.md``) has one interpolation inequality per ordered pair of
oracle points, ``N(N + 1)`` of them. Here it is solved on a *working set* ``S`` of pairs:

1. ``S`` starts with every pair that involves ``x_*`` and every pair of consecutive points
   (plus every compressor inequality and the initial condition): ``O(N)`` inequalities.
2. The relaxation over ``S`` is solved. Dropping inequalities of a maximisation can only raise
   its value, so its value ``p_S`` is an upper bound on the full value ``p``; its multipliers,
   extended by zeros, are a dual-feasible point of the full problem with the same objective
   and the same residuals (the omitted rows get the multiplier 0).
3. Every pair of the full set is evaluated at the returned ``(G, F)`` (all ``N(N + 1)`` values,
   from ``H = T G T^T`` in one product). If none is violated beyond the tolerance, ``(G, F)``
   is a feasible point of the *full* problem to that tolerance, so
   ``p_S - gap <= <objective at (G, F)> <= p <= p_S``: the value is the full problem's.
   Otherwise the violated pairs (the worst first, at most ``2(N + 1)`` a round) join ``S``
   and step 2 is repeated. The loop stops when nothing is violated; if it cannot
   (``max_rounds``), the answer is not used.

For the papers' error-feedback methods with their Lyapunov functions the first working set
already gives the exact value: chaining the one-step Lyapunov inequality (Thomsen, Taylor &
Dieuleveut 2025, Section 3; ``lyapunov/onestep.py``) uses only pairs among ``x_*``, ``x_k``
and ``x_{k+1}``, all in the working set, so ``p_S <= rho*^N``, and the worst linear instance
gives ``p >= rho*^N``. Its *primal* point,
however, is not feasible for the full problem: at the worst case (a quadratic of extreme
curvature) every one of the ``N(N + 1)`` pairs is tight, the relaxation's optimal face is much
larger than the full one, and the interior-point method returns its analytic centre, which
violates omitted pairs by 1e-6 to 1e-4. Measured for the benchmark method
(``papers/ttd25/bench.py``) at N = 20: 9 rounds and 311 of the 420
pairs before nothing is violated. So the caller may pass a ``lower_bound`` attained by an
explicit member of the classes (:mod:`pepcert.pep.scaling_bound`); the loop then ends as soon
as the dual bound ``p_S`` meets it, which for the three built-in compressed methods happens in
the first round.

**Scaling.** At the worst case ``||x_k||^2 ~ rho^k``; basis vector ``b_i`` created at step
``k_i`` is rescaled by ``rho^{-k_i/2}`` (``G' = S G S``) and function value ``F_j`` by
``rho^{-k_j}``, the objective by ``rho^{-N}``, and every row by its norm, so the rescaled
optimum is ``O(1)`` at every ``N``. ``rho`` is estimated from a 4-step solve. Values,
``G`` and multipliers are mapped back to the original scale.

Only single-agent problems with a deterministic compressor and a pairwise function class
(two inequalities for two points, one the mirror of the other) qualify
(:func:`eligible`); the others use Clarabel on the full problem.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from pepcert.pep.expressions import Basis, Scalar, coefficient_matrix
from pepcert.pep.functions import Point
from pepcert.pep.lowrank_ipm import LowRankSDP, LowRankSolution, relative_bracket, solve_lowrank

MAX_RANK = 6  # largest rank of one inequality's matrix handled by the low-rank method
PROMISING = 1e-2  # a relaxation this close to the lower bound gets a targeted solve next round
_A, _B = "\x00a", "\x00b"  # placeholder point names, replaced in the multiplier names


@dataclass(frozen=True)
class PairTemplate:
    """A pairwise class's inequality for the ordered pair ``(a, b)``: ``<Q, H> + l . (f_a, f_b)
    + constant <= 0`` with ``H`` the Gram matrix of ``(x_a, x_b, g_a, g_b)``."""

    Q: np.ndarray
    l: np.ndarray
    constant: float
    name: str  # a format string: {0} and {1} are the two points' names


def _local_pair():
    basis = Basis()
    xa, xb, ga, gb = (basis.new_vector(name) for name in ("xa", "xb", "ga", "gb"))
    fa, fb = basis.new_value("fa"), basis.new_value("fb")
    return Point(_A, xa, ga, fa), Point(_B, xb, gb, fb)


def pair_template(function_class) -> PairTemplate | None:
    """The class's inequality on two generic points, or None when the class is not pairwise
    (or has equalities, e.g. quadratics ``mu = L``: the working set keeps inequalities only)."""
    if function_class.equalities(list(_local_pair())):
        return None
    constraints = function_class.interpolation(list(_local_pair()))
    if len(constraints) != 2 or not all(isinstance(c, Scalar) for _, c in constraints):
        return None
    (first_name, first), (second_name, second) = constraints
    Q, l = first.gram_matrix(4), first.value_row(2)
    swap = [1, 0, 3, 2]
    mirrored = (
        np.allclose(second.gram_matrix(4), Q[np.ix_(swap, swap)], rtol=0, atol=1e-15)
        and np.allclose(second.value_row(2), l[::-1], rtol=0, atol=1e-15)
        and float(second.constant) == float(first.constant)
        and second_name == first_name.replace(_A, "\x01").replace(_B, _A).replace("\x01", _B)
    )
    if not mirrored or _A not in first_name:
        return None
    name = first_name.replace("{", "{{").replace("}", "}}").replace(_A, "{0}").replace(_B, "{1}")
    return PairTemplate(Q, l, float(first.constant), name)


def _low_rank(Q: np.ndarray, tolerance: float = 1e-13) -> tuple[np.ndarray, np.ndarray]:
    """``Q = U diag(d) U^T`` restricted to the support of ``Q`` and its nonzero eigenvalues."""
    support = np.flatnonzero(np.any(Q != 0, axis=1))
    U = np.zeros((len(Q), 0))
    if len(support) == 0:
        return U, np.zeros(0)
    d, V = np.linalg.eigh(Q[np.ix_(support, support)])
    keep = np.abs(d) > tolerance * max(1.0, float(np.abs(d).max()))
    U = np.zeros((len(Q), int(keep.sum())))
    U[support] = V[:, keep]
    return U, d[keep]


@dataclass(frozen=True)
class FixedRow:
    """An inequality always in the working set (compressors, the initial condition):
    ``<U diag(d) U^T, G> + e . F <= beta``."""

    name: str
    U: np.ndarray
    d: np.ndarray
    e: np.ndarray
    beta: float


@dataclass(frozen=True)
class Pool:
    """Everything the working-set problems are assembled from (original scale)."""

    points: tuple[str, ...]
    X: np.ndarray  # (points, n) coefficients of x_i over the basis
    Gr: np.ndarray  # (points, n) of g_i
    Fr: np.ndarray  # (points, m) of f_i over the basis values
    template: PairTemplate
    pairs: np.ndarray  # (P, 2) ordered pairs (i, j), i != j, in the class's order
    fixed: tuple[FixedRow, ...]
    objective: tuple[np.ndarray, np.ndarray, float]  # (Q, l, constant) of the measure
    vector_scale: np.ndarray  # s_i: G' = S G S
    value_scale: np.ndarray  # F' = value_scale * F
    objective_scale: float

    def pair_names(self) -> list[str]:
        return [self.template.name.format(self.points[i], self.points[j]) for i, j in self.pairs]


def compressor_rows(trace) -> list[FixedRow]:
    """Each compressor inequality through the class on local vectors (``v`` and the outputs),
    then mapped to the basis: cheap even when ``v`` has ``O(N)`` coefficients."""
    n, m = trace.basis.n_vectors, trace.basis.n_values
    rows = []
    for name, v, outputs in trace._compressions:
        local = Basis()
        v_local = local.new_vector("v")
        outs = [local.new_vector(f"c{k}") for k in range(len(outputs))]
        T = coefficient_matrix([v, *outputs], n)
        for label, scalar in trace.classes.compressor.constraints(name, v_local, outs):
            if scalar.linear:
                raise ValueError("a compressor inequality with function values")
            U, d = _low_rank(scalar.gram_matrix(len(outs) + 1))
            rows.append(FixedRow(label, T.T @ U, d, np.zeros(m), -float(scalar.constant)))
    return rows


def scalar_row(label: str, scalar: Scalar, n: int, m: int, bound: float) -> FixedRow:
    """``scalar <= bound`` as a fixed row."""
    U, d = _low_rank(scalar.gram_matrix(n))
    return FixedRow(label, U, d, scalar.value_row(m), bound - float(scalar.constant))


def step_scales(marks, n: int, m: int, rho: float) -> tuple[np.ndarray, np.ndarray]:
    """``rho^{-k/2}`` for each basis vector and ``rho^{-k}`` for each value created at step k."""
    vector_marks = [mark[0] for mark in marks]
    value_marks = [mark[1] for mark in marks]
    k_vectors = np.searchsorted(vector_marks, np.arange(n), side="right")
    k_values = np.searchsorted(value_marks, np.arange(m), side="right")
    return rho ** (-k_vectors / 2.0), rho ** (-k_values.astype(float))


def working_pairs(pairs: np.ndarray) -> np.ndarray:
    """Pairs with ``x_*`` (point 0) and pairs of consecutive points."""
    i, j = pairs[:, 0], pairs[:, 1]
    return (i == 0) | (j == 0) | (np.abs(i - j) == 1)


def _pad(W: np.ndarray, d: np.ndarray, rank: int) -> tuple[np.ndarray, np.ndarray]:
    """``W`` to ``(.., n, rank)`` and ``d`` to ``(.., rank)`` with zeros."""
    extra = rank - W.shape[-1]
    W = np.concatenate([W, np.zeros(W.shape[:-1] + (extra,))], axis=-1)
    d = np.concatenate([d, np.zeros(d.shape[:-1] + (extra,))], axis=-1)
    return W, d


def _row_norms(W: np.ndarray, d: np.ndarray, E: np.ndarray) -> np.ndarray:
    """``sqrt(||W diag(d) W^T||_F^2 + ||e||^2)`` per row (``sum_ab d_a d_b K_ab^2``, ``K = W^T W``)."""
    K = np.matmul(W.transpose(0, 2, 1), W)
    return np.sqrt(np.abs(np.einsum("ka,kb,kab->k", d, d, K * K)) + np.einsum("kp,kp->k", E, E))


@dataclass(frozen=True)
class Assembled:
    """A working-set problem in the rescaled variables, with each row's normalisation."""

    problem: LowRankSDP
    norms: np.ndarray  # row k of ``problem`` is the original row k divided by norms[k]
    active: np.ndarray  # indices into pool.pairs of its first rows (the fixed rows follow)


def assemble(pool: Pool, active: np.ndarray) -> Assembled:
    """The relaxation over the pairs ``active`` (plus the fixed rows), rescaled (module doc)."""
    inv_s, inv_v = 1.0 / pool.vector_scale, 1.0 / pool.value_scale
    U, dt = _low_rank(pool.template.Q)
    i, j = pool.pairs[active, 0], pool.pairs[active, 1]
    T = np.stack([pool.X[i], pool.X[j], pool.Gr[i], pool.Gr[j]], axis=1) * inv_s
    rank = max([len(dt)] + [len(row.d) for row in pool.fixed])
    Wp, Dp = _pad(np.einsum("kqn,qr->knr", T, U), np.tile(dt, (len(active), 1)), rank)
    Ep = (pool.template.l[0] * pool.Fr[i] + pool.template.l[1] * pool.Fr[j]) * inv_v
    bp = np.full(len(active), -pool.template.constant)
    fixed = [_pad(row.U * inv_s[:, None], row.d, rank) for row in pool.fixed]
    W = np.concatenate([Wp] + [w[None] for w, _ in fixed])
    d = np.concatenate([Dp] + [dd[None] for _, dd in fixed])
    E = np.concatenate([Ep] + [row.e[None] * inv_v for row in pool.fixed])
    b = np.concatenate([bp, [row.beta for row in pool.fixed]])
    norms = _row_norms(W, d, E)
    norms[norms == 0] = 1.0
    Q, l, _ = pool.objective
    omega = pool.objective_scale
    C = -omega * (Q * inv_s[:, None] * inv_s[None, :])
    c_f = -omega * l * inv_v
    problem = LowRankSDP(W / np.sqrt(norms)[:, None, None], d, E / norms[:, None], b / norms, C, c_f)
    return Assembled(problem, norms, np.asarray(active))


def _pair_geometry(pool: Pool):
    """``(Y, index, Fs)``: the rescaled rows of every ``x_i`` and ``g_i``, each pair's four rows
    ``(x_i, x_j, g_i, g_j)`` in ``Y``, and each point's rescaled function-value row (a pair's
    row is ``l_0 Fs_i + l_1 Fs_j``; never formed for all pairs at once: at N = 500 that is
    ``N^2 x N`` numbers, 1 GB)."""
    inv_s, inv_v = 1.0 / pool.vector_scale, 1.0 / pool.value_scale
    p = len(pool.points)
    Y = np.concatenate([pool.X, pool.Gr]) * inv_s
    i, j = pool.pairs[:, 0], pool.pairs[:, 1]
    index = np.stack([i, j, p + i, p + j], axis=1)
    return Y, index, pool.Fr * inv_v


def pair_norms(pool: Pool) -> np.ndarray:
    """The norm each pair's row is divided by (as :func:`assemble` does)."""
    Y, index, Fs = _pair_geometry(pool)
    K = (Y @ Y.T)[index[:, :, None], index[:, None, :]]
    U, d = _low_rank(pool.template.Q)
    UKU = U.T @ K @ U
    FF = Fs @ Fs.T
    (l0, l1), i, j = pool.template.l, pool.pairs[:, 0], pool.pairs[:, 1]
    values = l0 * l0 * FF[i, i] + l1 * l1 * FF[j, j] + 2 * l0 * l1 * FF[i, j]
    norms = np.sqrt(np.abs(np.einsum("a,b,kab,kab->k", d, d, UKU, UKU)) + values)
    norms[norms == 0] = 1.0
    return norms


def pair_violations(pool: Pool, G_scaled: np.ndarray, F_scaled: np.ndarray, norms: np.ndarray | None = None) -> np.ndarray:
    """Every pair's inequality at ``(G', F')``, normalised as its row would be (> 0: violated).
    A pair that does not evaluate to a number (a point with infinite or NaN entries: a completion
    that overflowed) is violated without bound, ``inf``: a NaN compares false with every threshold
    and would pass as satisfied."""
    norms = pair_norms(pool) if norms is None else norms
    Y, index, Fs = _pair_geometry(pool)
    with np.errstate(over="ignore", invalid="ignore"):
        H = (Y @ G_scaled @ Y.T)[index[:, :, None], index[:, None, :]]
        t = pool.template
        point_values = Fs @ F_scaled
        values = np.einsum("ab,kab->k", t.Q, H) + t.l[0] * point_values[pool.pairs[:, 0]] + t.l[1] * point_values[pool.pairs[:, 1]]
        violations = (values + t.constant) / norms
    violations[~np.isfinite(violations)] = np.inf
    return violations


def point_violation(pool: Pool, G: np.ndarray, F: np.ndarray) -> float:
    """The largest normalised violation of any inequality (every pair, every fixed row) at a
    point ``(G, F)`` in the original scale: a check of a point claimed feasible."""
    G_scaled = G * pool.vector_scale[:, None] * pool.vector_scale[None, :]
    F_scaled = F * pool.value_scale
    worst = float(pair_violations(pool, G_scaled, F_scaled).max(initial=-math.inf))
    for row in pool.fixed:  # through the factors: never an n x n matrix per row (N = 500: 17 s -> 0.1 s)
        K = row.U.T @ row.U
        with np.errstate(over="ignore", invalid="ignore"):
            value = float(row.d @ np.sum(row.U * (G @ row.U), axis=0) + row.e @ F - row.beta)
        scale = math.sqrt(abs(float(row.d @ (K * K) @ row.d)) + float(row.e @ row.e)) or 1.0
        worst = max(worst, value / scale if math.isfinite(value) else math.inf)
    return worst


@dataclass(frozen=True)
class CuttingOutcome:
    """The last relaxation's solution (rescaled variables) and how the loop ended."""

    solution: LowRankSolution
    assembled: Assembled
    rounds: int
    worst_violation: float  # of the full set at the returned point (normalised)
    complete: bool  # no pair violated beyond ``threshold`` (or closed by the lower bound)
    threshold: float
    closed_by: str = "feasible point"  # or "lower bound"


def solve_by_cuts(
    pool: Pool, tolerance: float = 1e-9, max_rounds: int = 20, initial: np.ndarray | None = None,
    lower_bound: float | None = None, accept: float = 1e-6,
) -> CuttingOutcome:
    """Constraint generation (module docstring, steps 1-3). With ``lower_bound`` (a value the
    full problem is known to reach, :mod:`pepcert.pep.scaling_bound`) a round also ends the
    loop when the relaxation's dual bound comes within ``tolerance`` of it, or within ``accept``
    when the interior-point method stalls before (the caller reports the tolerance met).

    The first round asks the interior-point method for that dual bound directly (``dual_target``:
    it stops as soon as it is met, which closes the Lyapunov measures in one round). A later
    round does so only when the round before left its relaxation within ``PROMISING`` of the
    bound: a bound far below the relaxations (an instance that is not the worst case, as for
    error feedback's ``distance``, 46 % below) made that targeted solve fail every round at the
    cost of a whole solve. Measured (error feedback, ``distance``, N = 30, end to end): the same
    answer in 17 s instead of 37 s."""
    mask = working_pairs(pool.pairs) if initial is None else initial.copy()
    per_round = 2 * len(pool.points)
    norms = pair_norms(pool)
    target = None if lower_bound is None else -pool.objective_scale * (lower_bound - pool.objective[2])
    promising = True
    for round_ in range(1, max_rounds + 1):
        assembled = assemble(pool, np.flatnonzero(mask))
        if target is not None and promising:
            solution = solve_lowrank(assembled.problem, tolerance=tolerance, dual_target=target)
            if solution.merit <= accept:
                return CuttingOutcome(solution, assembled, round_, math.nan, True, math.nan, closed_by="lower bound")
        solution = solve_lowrank(assembled.problem, tolerance=tolerance)
        if target is not None:
            promising = relative_bracket(target, solution.dual_objective) <= PROMISING
        # violations count against the tolerance the solve met, in the units of its rows
        threshold = max(10 * tolerance, max(solution.residuals)) * (1 + float(np.linalg.norm(assembled.problem.b)))
        violations = pair_violations(pool, solution.X, solution.x_f, norms)
        worst = float(violations.max(initial=-math.inf))
        violated = np.flatnonzero((violations > threshold) & ~mask)
        if len(violated) == 0 or max(solution.residuals) > 1e-4:
            complete = len(violated) == 0 and worst <= threshold
            return CuttingOutcome(solution, assembled, round_, worst, complete, threshold)
        if round_ == max_rounds:
            break
        worst_first = violated[np.argsort(-violations[violated])][:per_round]
        mask[worst_first] = True
    return CuttingOutcome(solution, assembled, round_, worst, False, threshold)


def eligible(trace) -> bool:
    """Single agent, deterministic compressor (or none), a pairwise function class."""
    if trace.outcomes != 1 or trace.agents != 1 or trace.classes.noise is not None:
        return False
    return pair_template(trace.classes.function.functions[0]) is not None


def _minimum_rows(tracked: list, n: int, m: int) -> list[FixedRow]:
    """``tau - measure_k <= 0`` for every tracked measure, ``tau`` the extra value variable
    (index ``m``): the smallest measure over the run, maximised as ``tau``."""
    rows = []
    for k, scalar in enumerate(tracked):
        U, d = _low_rank(-scalar.gram_matrix(n))
        e = np.concatenate([-scalar.value_row(m), [1.0]])
        rows.append(FixedRow(f"min_measure(x{k})", U, d, e, float(scalar.constant)))
    return rows


def _with_values(row: FixedRow, m: int) -> FixedRow:
    """``row`` over ``m`` value variables (zeros for the ones it does not involve)."""
    return row if len(row.e) == m else FixedRow(row.name, row.U, row.d, np.concatenate([row.e, np.zeros(m - len(row.e))]),
                                               row.beta)


def build_pool(trace, first: Scalar, final: Scalar, marks, rho: float, iterations: int,
               minimum: list | None = None) -> Pool:
    """The pool of a traced run: points, every ordered pair, fixed rows, objective, scales
    (``rho = 1``: no rescaling). ``minimum``: maximise the smallest of these measures instead of
    ``final`` (a value variable ``tau`` with ``tau <= measure_k``, :func:`_minimum_rows`)."""
    n, m = trace.basis.n_vectors, trace.basis.n_values
    width = m + (minimum is not None)
    points = trace.points
    X = coefficient_matrix([p.x for p in points], n)
    Gr = coefficient_matrix([p.g for p in points], n)
    Fr = np.zeros((len(points), width))
    Fr[:, :m] = np.array([p.f.value_row(m) for p in points]).reshape(len(points), m)
    count = len(points)
    pairs = np.array([(i, j) for i in range(count) for j in range(count) if i != j], dtype=np.int64).reshape(-1, 2)
    optimality = tuple(scalar_row(name, c, n, m, 0.0) for name, c in trace.classes.function.optimality(points))
    fixed = tuple(compressor_rows(trace)) + optimality + (scalar_row("initial", first, n, m, 1.0),)
    fixed = tuple(_with_values(row, width) for row in fixed) + tuple(_minimum_rows(minimum or [], n, m))
    if max(len(row.d) for row in fixed) > MAX_RANK:
        raise ValueError("an inequality of too high rank for the low-rank method")
    vector_scale, value_scale = step_scales(marks, n, m, rho)
    if minimum is not None:  # tau ~ rho^N m_0, scaled as the last step's values: tau' = rho^{-N} tau ~ 1
        value_scale = np.concatenate([value_scale, [rho ** (-iterations)]])
        objective = (np.zeros((n, n)), np.eye(width)[m], 0.0)
    else:
        objective = (final.gram_matrix(n), final.value_row(m), float(final.constant))
    template = pair_template(trace.classes.function.functions[0])
    assert template is not None, "build_pool needs an eligible() trace"
    return Pool(
        points=tuple(p.name for p in points), X=X, Gr=Gr, Fr=Fr, template=template,
        pairs=pairs, fixed=fixed, objective=objective, vector_scale=vector_scale, value_scale=value_scale,
        objective_scale=rho ** (-iterations),
    )


def original_scale(pool: Pool, outcome: CuttingOutcome):
    """``(value, G, multipliers by name)`` of the last relaxation in the original scale; the
    pairs outside the working set have multiplier 0."""
    solution, assembled = outcome.solution, outcome.assembled
    inv_s = 1.0 / pool.vector_scale
    G = solution.X * inv_s[:, None] * inv_s[None, :]
    _Q, _l, constant = pool.objective
    value = -solution.primal_objective / pool.objective_scale + constant
    lam = -solution.y / assembled.norms / pool.objective_scale
    pair_multipliers = np.zeros(len(pool.pairs))
    active = len(assembled.active)
    pair_multipliers[assembled.active] = lam[:active]
    names = pool.pair_names() + [row.name for row in pool.fixed]
    values = list(pair_multipliers) + list(lam[active:])
    return float(value), G, dict(zip(names, map(float, values)))
