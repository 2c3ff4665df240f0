r"""Lower bounds on an N-step worst case from the classes' scaling instances.

On ``f(x) = h ||x||^2 / 2`` with ``C(v) = alpha v`` (Thomsen, Taylor & Dieuleveut 2025,
Section 4; :class:`~pepcert.pep.instances.ScalingInstance`) every basis vector of a traced
run is a linear function of the initial state ``z`` (one number per state variable, the
instance in one dimension): ``b(z) = B z``. So every quantity of the PEP is a quadratic form
in ``z``: ``<Q, G(z)> + l . F(z) = z^T (B^T Q B + sum_j l_j (h/2) B^T x_j x_j^T B) z`` with
``G(z) = B z z^T B^T`` and ``F_j(z) = h (x_j . B z)^2 / 2`` (``x_j`` the coefficient row of the
point whose value is ``F_j``). When the instance belongs to the classes (checked exactly by
the classes themselves, :meth:`ScalingInstance.belongs_to`), ``(G(z), F(z))`` satisfies every
inequality of the full problem, so

    p >= max_z  m_N(z) / m_0(z)    (a generalised eigenvalue of two small matrices)

for a homogeneous problem (no constant terms). The last measure is evaluated along the
method's state recurrence where it can be (:func:`_recurred_form`: the trace basis loses
``N eps / rho^{N/2}`` of the last state). The N-step solver of
:mod:`pepcert.pep.cutting` uses it to close the gap above its relaxation's dual bound: the
full problem's pairs are all tight at such an instance (``f`` is a quadratic of extreme
curvature), which is what makes plain constraint generation slow (``docs/worst-case.md``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pepcert.pep.expressions import Scalar, coefficient_matrix
from pepcert.pep.instances import ScalingInstance


@dataclass(frozen=True)
class InstanceBound:
    """``value = m_N / m_0`` at the best initial state of the best scaling instance, and the
    PEP point ``(G, F)`` it gives (normalised to ``m_0 = 1``)."""

    value: float
    instance: ScalingInstance
    G: np.ndarray
    F: np.ndarray


def _candidates(classes) -> list[ScalingInstance]:
    """Extreme curvatures and extreme scalings, as exact numbers the classes admit (one agent
    and a deterministic compressor: the problems the low-rank method takes)."""
    function = classes.function
    if function.agents != 1 or not function.has_instances():
        return []
    family = classes.scaling_family()
    low, high = family.parameter_range()
    thetas = sorted({low, high, (low + high) / 2})
    scalings = [(1,)] if classes.compressor is None else [tuple(family.rational_scalings(t)) for t in thetas]
    instances = []
    for (h,) in zip(*function.curvature_choices()):
        for alphas in scalings:
            if len(alphas) != 1:
                continue  # deterministic compressors only
            instance = ScalingInstance(function.rational_curvatures((h,)), (alphas,))
            if instance.belongs_to(classes):
                instances.append(instance)
    return instances


def _factors(Q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``Q = U diag(d) U^T`` on the support of ``Q``, nonzero eigenvalues only."""
    support = np.flatnonzero(np.any(Q != 0, axis=1))
    U = np.zeros((len(Q), 0))
    if len(support) == 0:
        return U, np.zeros(0)
    d, V = np.linalg.eigh(Q[np.ix_(support, support)])
    keep = np.abs(d) > 1e-14 * float(np.abs(d).max())
    U = np.zeros((len(Q), int(keep.sum())))
    U[support] = V[:, keep]
    return U, d[keep]


def _quadratic_form(scalar: tuple, B: np.ndarray, X: np.ndarray, value_points: np.ndarray,
                    h: float) -> np.ndarray:
    """The matrix of ``z -> scalar(G(z), F(z))`` (module docstring); ``scalar`` as its Gram
    factors and value row. The factor vectors are evaluated before they are squared: the trace
    basis sums ``O(N)`` terms of size 1 into ``x_N ~ rho^{N/2}``, and ``B^T Q B`` summed their
    squares (measured at N = 500: a bound 1 % above rho*^N; this way 8e-7, checked by the
    solver's dual bound)."""
    (U, d), weights = scalar
    UB = U.T @ B  # the values of the form's factor vectors: summed before squaring
    form = (UB.T * d) @ UB
    if np.any(weights):
        rows = X[value_points] @ B  # x_j as a function of z
        form = form + (h / 2) * (rows.T * weights) @ rows
    return np.asarray((form + form.T) / 2, dtype=float)


def instance_lower_bound(trace, first: Scalar, final: Scalar, minimum: list | None = None) -> InstanceBound | None:
    """The best scaling-instance lower bound (module docstring), or None when the classes have
    no scaling instances, the problem has constant terms or the run is not linear.

    ``minimum`` (the tracked measures ``m_0 .. m_N``, ``final`` the last of them): a bound on the
    worst case of ``min_k m_k`` instead. At the ``z`` that maximises ``m_N(z) / m_0(z)``, the
    instance's run is a member of the classes, so ``min_k m_k(z)`` (``m_0(z) = 1``) is attained;
    on a scaling instance the dominant mode decays as ``|lambda|^{2k}``, so that minimum is
    ``m_N(z)`` itself (along the state recurrence, as the last measure) and the bound is the
    last measure's; no function's smallest measure exceeds
    its last, so where the instance is the last measure's worst case it is the smallest's too
    (compressed gradient's, ``docs/worst-case.md``). ``F`` then ends with the value variable
    ``tau`` of :func:`pepcert.pep.cutting.build_pool`, set to the bound."""
    measures = [final] if minimum is None else list(minimum)
    if float(first.constant) != 0 or any(float(scalar.constant) != 0 for scalar in measures):
        return None
    states = [k for k, origin in enumerate(trace._vector_origins) if origin[0] == "state"]
    if not states or any(origin[0] not in ("state", "gradient", "compress") for origin in trace._vector_origins):
        return None
    d = len(states)
    points = trace.points
    n = trace.basis.n_vectors
    X = coefficient_matrix([p.x for p in points], n)
    value_points = np.full(trace.basis.n_values, -1)
    for index, point in enumerate(points):
        linear = point.f.linear
        if len(linear) == 1 and next(iter(linear.values())) == 1:
            value_points[next(iter(linear))] = index
    if np.any(value_points < 0):
        return None
    best = None
    forms = [(_factors(scalar.gram_matrix(n)), scalar.value_row(len(value_points))) for scalar in [first, *measures]]
    for instance in _candidates(trace.classes):
        state = [np.eye(d)[k] for k in range(d)]
        vectors, _ = trace.evaluate(_FloatInstance(instance), state)
        B = np.asarray(vectors, dtype=float).reshape(n, d)
        h = float(instance.hs[0])
        A0 = _quadratic_form(forms[0], B, X, value_points, h)
        AN = _recurred_form(trace, forms[-1], B, X, value_points, h, _quadratic_form(forms[-1], B, X, value_points, h))
        bound = _generalised_max(AN, A0)
        if bound is None:
            continue
        value, z = bound
        if minimum is not None:  # every measure at that z (m_0(z) = 1): the smallest is attained
            value = min([float(z @ _quadratic_form(form, B, X, value_points, h) @ z) for form in forms[1:-1]] + [value])
        if best is None or value > best.value:
            b = B @ z
            F = np.array([h * float(X[j] @ b) ** 2 / 2 for j in value_points] + ([] if minimum is None else [value]))
            best = InstanceBound(float(value), instance, np.outer(b, b), F)
    return best


# The state recurrence is used when the first two steps' states agree with it, and the last
# measure is a form in the last state, to this fraction of their size (rounding is ~1e-15 there),
# and the two evaluations of the last measure differ by less than AGREE (the trace basis's own
# rounding is ~1e-6 at N = 500: anything larger is not rounding).
RECURRENCE_FIT = 1e-10
AGREE = 1e-3


def _recurred_form(trace, scalar: tuple, B: np.ndarray, X: np.ndarray, value_points: np.ndarray, h: float,
                   fallback: np.ndarray) -> np.ndarray:
    r"""The matrix of ``z -> final(G(z), F(z))`` evaluated along the state recurrence, or
    ``fallback`` (the trace basis's) where that does not apply.

    On a scaling instance one step of a method that reads no iteration counter is a fixed linear
    map of its state, ``s_{k+1} = T s_k``; from a free start (``s_0 = S_0 z`` with ``S_0``
    square) ``T = S_1 S_0^{-1}``, read off the first step, where the trace basis is exact to
    rounding (checked on the second). When the last measure's factor vectors and value points
    are combinations of the last state's components, ``u = K s_N`` (a gradient ``grad f(x)``
    read as ``h x``), its value is
    ``(K T^N S_0 z)^T diag(d) (K T^N S_0 z)`` (plus the function values ``h (k_j . s_N)^2 / 2``):
    ``N`` products of a ``d x d`` matrix, each exact to a relative ``eps``. In the trace basis
    the same ``s_N`` is ``x_0`` minus a sum of ``N`` terms of size 1 (``s_N ~ rho^{N/2}``), which
    loses about ``N eps / rho^{N/2}`` of it: measured, the papers' Lyapunov functions at their
    optimal steps, N = 500, the bound 6.0e-7 (error feedback) and 9.4e-7 (its gradient-estimate
    variant) above rho*^N this way, 1e-15 along the recurrence."""
    states = trace.states
    if not trace.stationary or len(states) < 3:
        return fallback
    n = B.shape[0]
    C = [coefficient_matrix(states[k], n) for k in (0, 1, 2)]
    S0, S1, S2 = (c @ B for c in C)
    if S0.shape[0] != S0.shape[1] or not np.linalg.cond(S0) < 1e8:
        return fallback  # a declared start: the state is not the free variable z
    T = np.linalg.solve(S0.T, S1.T).T
    if not np.abs(T @ S1 - S2).max() <= RECURRENCE_FIT * max(float(np.abs(S2).max()), 1e-300):
        return fallback
    (U, d), weights = scalar
    used = np.flatnonzero(weights)
    rows = np.concatenate([U.T, X[value_points[used]]])  # factor vectors, then the valued points
    M = _gradients_as_points(trace, n, h)
    rows, last = rows @ M, coefficient_matrix(states[-1], n) @ M
    K = np.linalg.lstsq(last.T, rows.T, rcond=None)[0].T
    if not np.abs(K @ last - rows).max() <= RECURRENCE_FIT * max(float(np.abs(rows).max(initial=0.0)), 1e-300):
        return fallback  # the measure reads more than the last state (a gradient, say)
    SN = S0
    for _ in range(len(states) - 1):
        SN = T @ SN
    W = K @ SN
    factors, points = W[: U.shape[1]], W[U.shape[1]:]
    form = (factors.T * d) @ factors + (h / 2) * (points.T * weights[used]) @ points
    form = (form + form.T) / 2
    scale = max(float(np.abs(form).max()), float(np.abs(fallback).max()), 1e-300)
    return form if float(np.abs(form - fallback).max()) <= AGREE * scale else fallback


def _gradients_as_points(trace, n: int, h: float) -> np.ndarray:
    """``M`` with ``r M`` the coefficient row ``r`` (over the trace's basis) with every gradient
    vector ``g = grad f(x)`` replaced by ``h x``, its value on ``f = h ||x||^2 / 2``: the same
    value on the instance (a measure reads ``grad f(x_N)``, which the last state determines only
    there)."""
    M = np.eye(n)
    gradients = [(index, origin[1]) for index, origin in enumerate(trace._vector_origins) if origin[0] == "gradient"]
    if gradients:
        indices, points = zip(*gradients)
        M[list(indices)] = h * coefficient_matrix(points, n)
    return M


def _generalised_max(AN: np.ndarray, A0: np.ndarray):
    """``max z^T AN z`` subject to ``z^T A0 z = 1`` when ``A0`` is positive definite."""
    import scipy.linalg as sl

    try:
        values, vectors = sl.eigh(AN, A0)
    except (np.linalg.LinAlgError, ValueError):
        return None
    z = vectors[:, -1]
    z = z / np.sqrt(z @ A0 @ z)
    return float(values[-1]), z


class _FloatInstance:
    """The instance's oracle in floats (``Trace.evaluate`` mixes its numbers with arrays)."""

    def __init__(self, instance: ScalingInstance):
        self.h, self.alpha = float(instance.hs[0]), float(instance.alphas[0][0])

    def gradient(self, x, agent=None):
        return self.h * x

    def value(self, x, agent=None):
        return self.h * float(np.sum(np.multiply(x, x))) / 2

    def compress(self, v, outcome: int = 0, agent=None):
        return self.alpha * v
