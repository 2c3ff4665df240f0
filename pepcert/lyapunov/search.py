r"""The smallest rate a quadratic Lyapunov function proves, by semidefinite programming.

Everything here is floating point: a numerical Lyapunov function and its rate. The exact
(rational) certificate built from it is :mod:`pepcert.lyapunov.upper`.

For a fixed ``rho`` the one-step inequality ``E V(after) <= rho V(before)`` holds for every
function of the class and every admissible compressor output if (S-procedure; and, for these
interpolation-based problems, only if -- Taylor, Van Scoy & Lessard 2018) there are
multipliers ``lambda_k >= 0`` of the class's inequalities ``c_k <= 0`` such that

.. math:: \rho V_0 - \mathbb{E} V_1 + \sum_k \lambda_k c_k
          = \langle S, G\rangle + \ell^\top F \quad\text{with}\quad S \succeq 0,\ \ell \ge 0,

an identity in the Gram matrix ``G`` and the function values ``F >= 0`` (measured from ``f*``)
of the one-step problem. ``V`` ranges over a family with nonnegative coefficients (``P >= 0``,
``p >= 0``, or ``a_i >= 0``) normalised by ``tr P + p = 1`` (``sum a_i = 1``), which excludes
``V = 0``.

**Why not bisection on feasibility.** At the tight rate the system has no interior: on the
worst-case instance ``G*`` every term vanishes, so ``S G* = 0``. Deciding feasibility from a
solver's status near ``rho*`` is unreliable (DESIGN.md: "feasible" answers below the proven lower
bound), and even a margin ``S >= t I`` grows only quadratically near ``rho*`` when another
instance is almost tight with a small ``V`` (EF21 at small step sizes). Two well-conditioned
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

import math
import time
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from pepcert.pep.conic import SQRT2, ConicBuilder, smat, svec, svec_indices, svec_length
from pepcert.pep.errors import BadInput, SolverFailure
from pepcert.pep.expressions import inner
from pepcert.pep.methods import Method
from pepcert.pep.numerics.scalar import find_root
from pepcert.pep.problem import ProblemClass
from pepcert.pep.solvers import get_solver, solve_accurately
from pepcert.lyapunov.onestep import FULL, OneStep, one_step

RHO_CEILING = 1e6  # rates above this are reported as unbounded growth
MARGIN_THRESHOLD = 1e-8  # a margin (relative to a unit-norm normaliser) that counts as strict
DINKELBACH_STEPS = 40


# ---------------------------------------------------------------------------------------
# Floating-point data of the one-step inequality
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LMIData:
    """The one-step inequality in floats: ``S = sum_t y_t (rho B_t - A_t) + sum_k l_k Q_k``.

    ``y`` are the family's coefficients (``svec(P)`` then ``p`` for the full family, the term
    weights otherwise), ``l`` the multipliers. ``B``/``A`` are the terms before/after the step
    (``A`` averaged over compressor outcomes); rows of function values likewise.
    """

    step: OneStep
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

    def terms(side):
        if not step.is_full:
            return list(side.terms)
        rows, cols = svec_indices(len(side.vectors))
        out = []
        for a, b in zip(rows, cols):
            scalar = inner(side.vectors[a], side.vectors[b])
            out.append(scalar if a == b else scalar * SQRT2)
        out.append(side.gap)
        return out

    def arrays(scalars):
        mats = np.array([s.gram_matrix(n) for s in scalars], dtype=float).reshape(len(scalars), n, n)
        rows = np.array([s.value_row(nf) for s in scalars], dtype=float).reshape(len(scalars), nf)
        return mats, rows

    before_mats, before_rows = arrays(terms(step.before))
    afters = [arrays(terms(side)) for side in step.after]
    after_mats = sum(a[0] for a in afters) / len(afters)
    after_rows = sum(a[1] for a in afters) / len(afters)
    constraint_mats, constraint_rows = arrays([c for _, c in step.constraints])
    n_terms = before_mats.shape[0]
    normalisation = np.ones(n_terms)
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
    )


# ---------------------------------------------------------------------------------------
# Worst-case directions (facial reduction)
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reduction:
    """Directions every certificate at the tight rate must respect (from instances)."""

    directions: np.ndarray  # n x r, orthonormal: S U = 0
    complement: np.ndarray  # n x (n - r), orthonormal
    zero_values: tuple[int, ...]  # positions in active_values with ell = 0
    inactive: tuple[int, ...]  # constraints with lambda = 0 (slack on the instances)


def reduction_from_instances(data: LMIData, worst_cases: Sequence) -> Reduction:
    """Replay the one-step trace on each worst-case instance started at its worst states.

    ``case.start_factor`` holds states whose second moment is the worst one: ``(Re u, Im u)``
    for a complex eigenvector ``u`` (Gram matrix ``Re u Re u^T + Im u Im u^T``), the columns
    of ``Sigma^{1/2}`` for the Perron eigen-matrix of a random instance.
    """
    step = data.step
    factors, values = [], []
    gram = np.zeros((data.n, data.n))
    for case in worst_cases:
        vectors, fvalues = step.trace.evaluate(case.instance, list(case.start_factor))
        factors.append(vectors)
        values.append(fvalues)
        gram += vectors @ vectors.T
    stacked = np.concatenate(factors, axis=1)
    U, singular, _ = np.linalg.svd(stacked, full_matrices=True)
    rank = int(np.sum(singular > 1e-9 * singular[0]))
    directions, complement = U[:, :rank], U[:, rank:]
    fsum = np.sum(values, axis=0)
    scale = max(float(np.abs(fsum).max(initial=0)), float(np.trace(gram)), 1e-300)
    zero_values = tuple(
        i for i, index in enumerate(data.active_values) if fsum[index] > 1e-9 * scale
    )
    slack = np.einsum("kij,ij->k", data.constraint_mats, gram) + data.constraint_rows @ fsum
    inactive = tuple(int(k) for k in np.flatnonzero(slack < -1e-7 * scale))
    return Reduction(directions, complement, zero_values, inactive)


# ---------------------------------------------------------------------------------------
# The margin problem
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MarginSolution:
    """The margin problem at one ``rho``: the margin and the certificate that attains it."""

    rho: float
    margin: float
    coefficients: np.ndarray
    multipliers: np.ndarray
    tolerance: float


def normaliser(
    data: LMIData, coefficients: np.ndarray | None, floor: float = 1e-6
) -> tuple[np.ndarray, np.ndarray]:
    """``(N, n_lin)`` with unit largest entry: the identity, or ``V_0`` of a previous solution
    plus ``floor`` times the identity (so the margin is close to ``rho - rho*`` while every
    direction keeps some margin)."""
    k = len(data.active_values)
    if coefficients is None:
        return np.eye(data.n), np.ones(k)
    quad = np.tensordot(coefficients, data.before_mats, axes=1)
    lin = (coefficients @ data.before_rows)[data.active_values]
    scale = max(float(np.linalg.eigvalsh(quad)[-1]), float(np.abs(lin).max(initial=0.0)), 1e-300)
    return quad / scale + floor * np.eye(data.n), lin / scale + floor


def solve_margin(
    data: LMIData,
    backend,
    rho: float,
    norm: tuple[np.ndarray, np.ndarray],
    reduction: Reduction | None = None,
) -> MarginSolution:
    """Maximise ``t`` with ``S - t N >= 0`` and ``ell - t n_lin >= 0`` at ``rho``."""
    T, m, n = data.n_terms, data.n_constraints, data.n
    builder = ConicBuilder()
    y = builder.variables("V", T)
    lam = builder.variables("lambda", m)
    t = builder.variables("margin", 1)[0]
    total = builder.n_variables
    eye = np.eye(total)

    # S and ell as linear maps of the variables: S = sum_j S_cols[j] x_j.
    S_cols = np.zeros((total, n, n))
    S_cols[y] = rho * data.before_mats - data.after_mats
    S_cols[lam] = data.constraint_mats
    S_cols[t] = -norm[0]
    lin_cols = np.zeros((total, len(data.active_values)))
    lin_cols[y] = (rho * data.before_rows - data.after_rows)[:, data.active_values]
    lin_cols[lam] = data.constraint_rows[:, data.active_values]
    lin_cols[t] = -norm[1]

    builder.equal_zero(np.concatenate([data.normalisation, np.zeros(total - T)])[None, :], [-1.0])
    if reduction is not None:
        U, W = reduction.directions, reduction.complement
        SU = np.einsum("jab,br->jar", S_cols, U)  # total x n x r
        rows = [np.einsum("an,jar->nrj", W, SU).reshape(-1, total)]
        upper = np.triu_indices(U.shape[1])
        rows.append(np.einsum("ar,jas->rsj", U, SU)[upper[0], upper[1]].reshape(-1, total))
        block = np.concatenate(rows, axis=0)
        block[:, t] = 0.0  # N is not required to vanish on U
        builder.equal_zero(block, np.zeros(block.shape[0]))
        if reduction.inactive:
            builder.equal_zero(eye[[lam[k] for k in reduction.inactive]], np.zeros(len(reduction.inactive)))
        if reduction.zero_values:
            zero = lin_cols[:, list(reduction.zero_values)].T.copy()
            zero[:, t] = 0.0
            builder.equal_zero(zero, np.zeros(zero.shape[0]))
    builder.nonnegative(eye[lam], np.zeros(m))
    builder.nonnegative(eye[[y[i] for i in data.nonneg_terms]], np.zeros(len(data.nonneg_terms)))
    keep = [i for i in range(len(data.active_values)) if reduction is None or i not in reduction.zero_values]
    if keep:
        builder.nonnegative(lin_cols[:, keep].T, np.zeros(len(keep)))
    if reduction is None:
        size = n
        psd_cols = svec(S_cols).T
    else:
        W = reduction.complement
        size = W.shape[1]
        psd_cols = svec(W.T @ S_cols @ W).T  # one batched product over the variables
    if size:
        builder.psd(psd_cols, np.zeros(svec_length(size)), size)
    if data.psd_size:
        k = data.psd_size
        builder.psd(eye[y[: svec_length(k)]], np.zeros(svec_length(k)), k)
    objective = np.zeros(total)
    objective[t] = -1.0
    problem, _ = builder.build(objective)
    solution = solve_accurately(backend, problem)
    if not solution.solved:
        raise SolverFailure(
            f"{backend.name} returned {solution.raw_status!r} for the Lyapunov margin problem at rho={rho:.12g}"
        )
    return MarginSolution(
        rho=rho,
        margin=float(solution.x[t]),
        coefficients=np.array(solution.x[y]),
        multipliers=np.array(solution.x[lam]),
        tolerance=solution.tolerance,
    )


def float_threshold_rho(
    data: LMIData,
    coefficients: np.ndarray,
    multipliers: np.ndarray,
    eig_slack: float = 1e-12,
    lin_slack: float = 1e-9,
    hint: float | None = None,
) -> float:
    """The smallest ``rho`` at which this Lyapunov function and multipliers satisfy the
    one-step inequality, evaluated in floating point (after clipping to their cones).

    ``S(rho) = rho B - A`` with ``B >= 0``, so its smallest eigenvalue is nondecreasing in
    ``rho`` and the threshold is a root found by Brent's method. A ``hint`` (the expected
    threshold, e.g. a proven lower bound) first tries the bracket ``hint (1 +- 1e-7)``, which
    saves most of the eigenvalue evaluations when it holds. Not a proof (floating
    point); the exact check is :mod:`pepcert.lyapunov.upper`.
    """
    coefficients, multipliers = clip_to_cones(data, coefficients, multipliers)
    B = np.tensordot(coefficients, data.before_mats, axes=1)
    R = np.tensordot(multipliers, data.constraint_mats, axes=1) - np.tensordot(coefficients, data.after_mats, axes=1)
    b = (coefficients @ data.before_rows)[data.active_values]
    r = (multipliers @ data.constraint_rows - coefficients @ data.after_rows)[data.active_values]
    scale = max(float(np.abs(B).max()), float(np.abs(R).max()), 1e-300)
    # Floating-point tolerances, not a proof (exact checks are in lyapunov.exact): rounding
    # of a small symmetric eigenproblem for S, the solver's equality accuracy for ell.
    eig_slack = eig_slack * scale
    lin_scale = max(float(np.abs(r).max(initial=0.0)), float(np.abs(multipliers).max(initial=0.0)), 1e-300)
    lin_slack = lin_slack * lin_scale
    smallest = lambda rho: np.linalg.eigvalsh(rho * B + R)[0] + eig_slack
    if hint is not None and np.all(hint * b + r >= -lin_slack) and smallest(hint) >= 0:
        # Valid at the hint already. (Testing the linear part as ``rho >= -r_i / b_i`` instead
        # turns a gap weight p ~ 1e-10 -- numerical zero -- into a ratio of two noises:
        # measured 1.4e-5 above the instance's rate for EF at mu = 0.01, delta = 0.1.)
        return float(hint)
    low = 0.0
    for bi, ri in zip(b, r):
        if bi > lin_slack:
            low = max(low, -ri / bi)
        elif ri < -lin_slack:
            return math.inf
    if smallest(low) >= 0:
        return low
    if hint is not None and hint > low:
        below, above = max(low, hint * (1 - 1e-7)), hint * (1 + 1e-7)
        if smallest(below) < 0 <= smallest(above):
            return float(find_root(smallest, below, above, xtol=1e-15, rtol=4 * np.finfo(float).eps)[0])
    high = max(2 * low, 1.0)
    while smallest(high) < 0:
        high *= 2
        if high > RHO_CEILING:
            return math.inf
    return float(find_root(smallest, low, high, xtol=1e-15, rtol=4 * np.finfo(float).eps)[0])


def clip_to_cones(data: LMIData, coefficients: np.ndarray, multipliers: np.ndarray):
    """Project a numerical solution onto ``lambda >= 0``, ``p, a_i >= 0`` and ``P >= 0``."""
    coefficients = np.array(coefficients, dtype=float)
    multipliers = np.maximum(np.array(multipliers, dtype=float), 0.0)
    for i in data.nonneg_terms:
        coefficients[i] = max(coefficients[i], 0.0)
    if data.psd_size:
        k = data.psd_size
        values, vectors = np.linalg.eigh(smat(coefficients[: svec_length(k)]))
        coefficients[: svec_length(k)] = svec((vectors * np.maximum(values, 0.0)) @ vectors.T)
    return coefficients, multipliers


# ---------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LyapunovResult:
    """The smallest rate a Lyapunov function of the family certifies, and that function.

    ``rho`` is the rate the returned function satisfies in floating point (to the solver's
    accuracy; nothing here is an exact proof: that is :mod:`pepcert.lyapunov.upper`).
    ``rho_lower`` is where the evidence
    that nothing smaller is possible comes from: a worst-case instance (``lower_source ==
    "instance"``, a proof once checked exactly) or a conclusively negative margin
    (``"margin"``).
    """

    method: str
    parameters: Mapping[str, object]
    classes: Mapping[str, object]
    state_names: tuple[str, ...]
    family: str
    rho: float
    rho_lower: float
    lower_source: str
    feature_names: tuple[str, ...]
    P: np.ndarray  # over feature_names (scaled: see features_form)
    p: float
    term_names: tuple[str, ...]
    weights: np.ndarray | None
    multipliers: Mapping[str, float]
    margin: float
    coefficients: np.ndarray  # raw solution (normalised as solved)
    multiplier_values: np.ndarray
    worst_cases: tuple
    solver: str
    solves: int
    seconds: float

    def __post_init__(self):
        for array in (self.P, self.weights, self.coefficients, self.multiplier_values):
            if isinstance(array, np.ndarray):
                array.setflags(write=False)

    @property
    def converges(self) -> bool:
        return self.rho < 1

    @property
    def bracket_width(self) -> float:
        return self.rho - self.rho_lower

    def formula(self, digits: int = 6) -> str:
        return lyapunov_formula(self.feature_names, self.P, self.p, digits)

    def value(self, z) -> float:
        """``V`` at numeric (or symbolic) :class:`~pepcert.pep.methods.Features` ``z``:
        ``phi^T P phi + p (f - f*)`` with ``phi = (state - state*, grad f(x))``."""
        from pepcert.pep.expressions import inner

        phi = [getattr(z, name) for name in self.state_names] + [z.grad]
        total = self.p * z.gap
        for a in range(len(phi)):
            for b in range(len(phi)):
                if self.P[a, b] != 0:
                    total = total + self.P[a, b] * inner(phi[a], phi[b])
        return total

    def to_dict(self) -> dict:
        lyapunov = {"basis": list(self.feature_names), "P": self.P.tolist(), "p": self.p, "formula": self.formula()}
        if self.weights is not None:
            lyapunov.update(terms=list(self.term_names), weights=self.weights.tolist())
        return {
            "method": self.method,
            "parameters": dict(self.parameters),
            "classes": dict(self.classes),
            "family": self.family,
            "rho": self.rho,
            "rho_lower": self.rho_lower,
            "lower_source": self.lower_source,
            "converges": self.converges,
            "lyapunov": lyapunov,
            "multipliers": dict(self.multipliers),
            "margin": self.margin,
            "worst_cases": [w.to_dict() for w in self.worst_cases],
            "solver": self.solver,
            "solves": self.solves,
            "seconds": self.seconds,
        }


def lyapunov_formula(names: Sequence[str], P: np.ndarray, p: float, digits: int = 6) -> str:
    """``V`` as text, e.g. ``||x - x* - e||^2``-style terms with coefficients."""
    floor = 10.0 ** (-digits)
    parts = []
    k = len(names)
    for a in range(k):
        for b in range(a, k):
            value = P[a, b] if a == b else 2 * P[a, b]
            if abs(value) >= floor:
                parts.append((value, f"||{names[a]}||^2" if a == b else f"<{names[a]}, {names[b]}>"))
    if abs(p) >= floor:
        parts.append((p, "(f(x) - f*)"))
    if not parts:
        return "0"
    text = []
    for index, (value, term) in enumerate(parts):
        magnitude = abs(value)
        coefficient = "" if abs(magnitude - 1) < floor else f"{magnitude:.{digits}g} "
        sign = ("-" if value < 0 else "") if index == 0 else (" - " if value < 0 else " + ")
        text.append(f"{sign}{coefficient}{term}")
    return "".join(text)


def features_form(step: OneStep, coefficients: np.ndarray) -> tuple[np.ndarray, float, np.ndarray | None]:
    """``(P, p, weights)`` of a solution in feature coordinates, scaled for reading."""
    k = len(step.feature_names)
    if step.is_full:
        P = smat(coefficients[: svec_length(k)])
        p = float(coefficients[-1])
        weights = None
    else:
        # Family terms are quadratic forms of the features, which are basis vectors before
        # the step: restricting a term's Gram matrix to them gives its matrix in features.
        index = [next(iter(v.coefficients)) for v in step.before.vectors]
        gap_index = next(iter(step.before.gap.linear))
        P = np.zeros((k, k))
        p = 0.0
        for weight, term in zip(coefficients, step.before.terms):
            P += weight * term.gram_matrix(step.basis.n_vectors)[np.ix_(index, index)]
            p += weight * float(term.linear.get(gap_index, 0.0))
        weights = np.array(coefficients, dtype=float)
    if weights is not None:
        # A structured family reads best in the paper's form: first nonzero weight 1.
        scale = next((w for w in weights if w > 1e-9 * max(weights.max(), 1e-300)), 1.0)
    else:
        # The full family: largest diagonal entry (or the weight of f - f*) equal to 1.
        scale = max(float(np.diag(P).max(initial=0.0)), p, 1e-300)
    return P / scale, p / scale, (weights / scale if weights is not None else None)


# ---------------------------------------------------------------------------------------
# The search
# ---------------------------------------------------------------------------------------


def lyapunov_rate(
    method: Method,
    classes: ProblemClass,
    family: str = FULL,
    tolerance: float = 1e-9,
    outcomes: int | None = None,
    solver: str | None = None,
    worst_cases: Sequence = (),
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
    step = one_step(method, classes, family, outcomes)
    data = lmi_data(step)
    backend = get_solver(solver)
    solves = 0

    def solve(rho, reference, reduction=None, floor=1e-6) -> MarginSolution:
        nonlocal solves
        solves += 1
        return solve_margin(data, backend, rho, normaliser(data, reference, floor), reduction)

    best = None
    if worst_cases:
        attempt = _certify_at_instances(data, solve, worst_cases, tolerance)
        if attempt is not None:
            best, rho = attempt
            lower, source = max(case.rho for case in worst_cases), "instance"
    if best is None:
        try:
            best, rho, lower, source = _general_search(data, solve, tolerance, method.name)
        except SolverFailure as error:
            known = f"; the worst linear instance proves rho >= {max(c.rho for c in worst_cases):.12g}" if worst_cases else ""
            raise SolverFailure(
                f"{error}. The one-step SDP is too ill-conditioned for the solver at these parameters"
                f"{known}"
            ) from None
        if worst_cases:
            instance_rho = max(case.rho for case in worst_cases)
            if instance_rho > lower:
                lower, source = min(instance_rho, rho), "instance"
    P, p, weights = features_form(step, best.coefficients)
    return LyapunovResult(
        method=method.name,
        parameters=dict(method.parameters),
        classes=classes.to_dict(),
        state_names=method.state,
        family=family,
        rho=float(rho),
        rho_lower=float(lower),
        lower_source=source,
        feature_names=step.feature_names,
        P=P,
        p=p,
        term_names=step.term_names,
        weights=weights,
        multipliers={name: float(v) for (name, _), v in zip(step.constraints, best.multipliers)},
        margin=best.margin,
        coefficients=best.coefficients,
        multiplier_values=best.multipliers,
        worst_cases=tuple(worst_cases),
        solver=backend.name,
        solves=solves,
        seconds=time.perf_counter() - start,
    )


def _certify_at_instances(data: LMIData, solve, worst_cases: Sequence, tolerance: float):
    """A Lyapunov function at the instances' rate ``rho_L``, by facial reduction.

    The instances' directions are removed first. If the reduced problem still has no
    interior (margin ~ 0), the solution's kernel on the remaining space is common to every
    certificate (an interior-point solution has maximal rank on the optimal face), so it is
    removed too and the problem solved again (at most three rounds). The answer is accepted
    only if the floating-point threshold of the returned certificate
    (:func:`float_threshold_rho`) is within ``tolerance`` of ``rho_L``; an infeasible or
    inaccurate solve means "not tight here" and returns ``None``.
    """
    rho_lower = max(case.rho for case in worst_cases)
    tight = [case for case in worst_cases if case.rho >= rho_lower * (1 - 1e-9)]
    # Several instances tie at a crossing of their rates (an optimal step size). Removing the
    # directions of one that is tight only to ~1e-16 (not exactly) over-constrains the reduced
    # problem (margins ~ -1e-7 were measured), so the top instance alone is tried next.
    attempts = [tight, tight[:1]] if len(tight) > 1 else [tight]
    for instances in attempts:
        found = _certify_reduced(data, solve, reduction_from_instances(data, instances), rho_lower, tolerance)
        if found is not None:
            return found
    return None


def _certify_reduced(data: LMIData, solve, reduction: Reduction, rho_lower: float, tolerance: float):
    """:func:`_certify_at_instances` for one reduction: up to four facial-reduction rounds,
    then the certificate's floating-point threshold (a second solve, normalised by the first
    function's ``V_0``, only when the first is not already at ``rho_L``)."""
    try:
        for _ in range(4):
            first = solve(rho_lower, None, reduction)
            if first.margin >= MARGIN_THRESHOLD or first.margin < -MARGIN_THRESHOLD:
                break
            kernel = _reduced_kernel(data, first, reduction)
            if kernel is None:
                break
            reduction = _extend(reduction, kernel)
        if first.margin < MARGIN_THRESHOLD:
            return None
        candidates = [(float_threshold_rho(data, first.coefficients, first.multipliers, eig_slack=1e-9, hint=rho_lower), 0, first)]
        if candidates[0][0] - rho_lower > 1e-3 * tolerance:
            second = solve(rho_lower, first.coefficients, reduction)
            candidates.append(
                (float_threshold_rho(data, second.coefficients, second.multipliers, eig_slack=1e-9, hint=rho_lower), 1, second)
            )
    except SolverFailure:
        return None
    rho, _, best = min(candidates)
    if rho - rho_lower > tolerance:
        return None
    return best, max(rho, rho_lower)


def _reduced_kernel(data: LMIData, solution: MarginSolution, reduction: Reduction) -> np.ndarray | None:
    """Directions (in basis coordinates) where the solution's ``S`` vanishes on ``U^perp``."""
    S, _ = data.residual(solution.rho, solution.coefficients, solution.multipliers)
    W = reduction.complement
    if W.shape[1] == 0:
        return None
    values, vectors = np.linalg.eigh(W.T @ S @ W)
    top = max(abs(values[-1]), 1e-300)
    small = values < 1e-6 * top
    if not small.any() or small.all():
        return None
    return W @ vectors[:, small]


def _extend(reduction: Reduction, kernel: np.ndarray) -> Reduction:
    U, singular, _ = np.linalg.svd(np.concatenate([reduction.directions, kernel], axis=1), full_matrices=True)
    rank = int(np.sum(singular > 1e-9 * singular[0]))
    return Reduction(U[:, :rank], U[:, rank:], reduction.zero_values, reduction.inactive)


def _general_search(data: LMIData, solve, tolerance: float, name: str):
    """Dinkelbach iteration from above, then probes below for a conclusive lower end."""
    high = 1.0
    current = solve(high, None)
    while current.margin < 0:
        high *= 2
        if high > RHO_CEILING:
            raise BadInput(f"{name}: no quadratic Lyapunov function certifies a rate below {RHO_CEILING:g}")
        current = solve(high, None)
    rho = min(high, float_threshold_rho(data, current.coefficients, current.multipliers))
    best = current
    floor = 1e-3  # keep candidates well inside the cone: solver errors are ~1e-9 of the data
    for _ in range(DINKELBACH_STEPS):
        try:
            candidate = solve(rho, best.coefficients, floor=floor)
        except SolverFailure:
            break  # at the solver's accuracy limit: keep the last function that passed
        improved = float_threshold_rho(data, candidate.coefficients, candidate.multipliers)
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
            conclusive = solve(probe, None).margin < -MARGIN_THRESHOLD
        except SolverFailure:
            conclusive = False  # an inaccurate solve decides nothing
        if conclusive:
            lower, source = probe, "margin"
            break
        gap *= 10
    return best, rho, lower, source
