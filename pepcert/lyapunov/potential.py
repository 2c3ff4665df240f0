r"""Iteration-dependent Lyapunov (potential) functions: bounds of order ``1/N`` for every ``N``.

Where no linear rate exists the exact worst case is computed one ``N`` at a time
(:mod:`pepcert.analyses.sublinear`); a *potential* proves a bound for all ``N`` at once
(Taylor & Bach, *Stochastic first-order methods: non-asymptotic and computer-aided analyses via
potential functions*, COLT 2019). With ``phi`` the method's feature vectors (its state shifted
by the optimum's, and ``grad f(x)``) and ``F = f(x) - f*``:

**Convex template** (measure ``f(x_N) - f*``). ``V_k = (a + k) F(x_k) + phi_k^T (P_0 + k P_1)
phi_k`` with ``P_0, P_1 >= 0``, ``a >= 0``. If ``E V_{k+1} <= V_k`` for every ``k >= 0`` then
``(a + N) (f(x_N) - f*) <= V_N <= V_0 <= C init``, so

.. math:: f(x_N) - f_\star \le \frac{C}{a + N}\,\mathrm{init}(x_0) \quad\text{for every } N.

``V_{k+1} - V_k`` is affine in ``k``: ``M_0 + k M_1`` with ``M_1 = E W(z') - W(z)`` for
``W = F + phi^T P_1 phi`` and ``M_0 = E U(z') - U(z) + E W(z')`` for ``U = a F + phi^T P_0
phi``. Both are made ``<= 0`` on the class by the S-procedure with their own multipliers
(``lambda_0 + k lambda_1 >= 0`` for ``k >= 0``), as the one-step Lyapunov inequality is
(:mod:`pepcert.lyapunov.search`); ``V_0 <= C init`` is a third S-procedure on the method's
declared start. One SDP minimises ``C``; a second, with ``C`` fixed, maximises ``a``.

**Nonconvex template** (measure ``min_k ||grad f(x_k)||^2``). ``V = F + phi^T P phi``,
``P >= 0``, with ``E V(z') - V(z) <= -kappa ||grad f(x)||^2`` and ``V_0 <= init``; summing,
``(N + 1) min_{k <= N} ||grad f(x_k)||^2 <= V_0 / kappa``, so

.. math:: \min_{0 \le k \le N} \lVert\nabla f(x_k)\rVert^2 \le \frac{1}{\kappa (N + 1)}\,\mathrm{init}(x_0).

The SDP maximises ``kappa``. Both are floating-point proofs (a solver's answer, checked as the
one-step rates are); every bound is an upper bound on the exact worst cases, which the tests
compare.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from pepcert.pep.errors import BadInput, SolverFailure
from pepcert.pep.expressions import coefficient_matrix
from pepcert.pep.methods import Method, describe_measure
from pepcert.pep.problem import ProblemClass, SymbolicOracle, Trace, declared_state, features
from pepcert.pep.serialise import jsonable


@dataclass(frozen=True)
class PotentialResult:
    """A potential function and the bound it proves for every ``N`` (module docstring)."""

    method: str
    template: str  # "convex": f(x_N) - f* <= C/(a + N) init; "nonconvex": min ||g||^2 <= C/(N + 1) init
    initial: str
    C: float
    a: float
    P0: np.ndarray
    P1: np.ndarray
    feature_names: tuple[str, ...]
    seconds: float

    def bound(self, N: int) -> float:
        """The bound at ``N`` steps, per unit of the initial condition."""
        return self.C / (self.a + N) if self.template == "convex" else self.C / (N + 1)

    @property
    def statement(self) -> str:
        given = describe_measure(self.initial, 0)
        if self.template == "convex":
            return f"f(x_N) - f* <= {self.C:.6g} / ({self.a:.6g} + N) ({given}), for every N >= 1"
        return f"min over k <= N of ||grad f(x_k)||^2 <= {self.C:.6g} / (N + 1) ({given}), for every N >= 0"

    def to_dict(self) -> dict:
        return jsonable({"template": self.template, "statement": self.statement, "C": self.C, "a": self.a,
                         "initial": self.initial, "P0": self.P0.tolist(), "P1": self.P1.tolist(),
                         "features": list(self.feature_names), "seconds": self.seconds,
                         "kind": "floating-point proof for every N (Taylor & Bach 2019 potential)"})


def _side_data(sides, n: int, m: int):
    """``(T, gap rows)`` per side: feature coefficients over the basis and ``F``'s value row."""
    return [(coefficient_matrix(side.vectors, n), side.gap.value_row(m)) for side in sides]


def _start_data(method: Method, classes: ProblemClass, initial: str):
    """The declared start: its feature coefficients, gap row, initial condition and constraints."""
    trace = Trace(classes)
    oracle = SymbolicOracle(trace)
    state, optimum = declared_state(method, trace, oracle)
    z = features(method, state, optimum, oracle)
    vectors = tuple(getattr(z, name) for name in method.state) + ((z.grad,) if classes.agents == 1 else tuple(z.grads))
    init = method.measure(initial, z, classes)
    gap = z.gap
    constraints = trace.constraints()
    n, m = trace.basis.n_vectors, trace.basis.n_values
    return (coefficient_matrix(vectors, n), gap.value_row(m), init.gram_matrix(n), init.value_row(m),
            [(c.gram_matrix(n), c.value_row(m)) for _, c in constraints], n)


def _nonnegative_on_class(cp, gram, values, constraints, extra: list) -> None:
    """``gram + sum l Q >= 0`` and ``values + sum l q >= 0`` for some ``l >= 0`` (the S-procedure:
    with every inequality ``c <= 0``, the form ``<gram, G> + values . F`` is then ``>= 0`` on the
    class, the function values being ``>= 0``)."""
    multipliers = cp.Variable(len(constraints), nonneg=True) if constraints else None
    if multipliers is not None:
        gram = gram + sum(multipliers[i] * Q for i, (Q, _) in enumerate(constraints))
        values = values + sum(multipliers[i] * q for i, (_, q) in enumerate(constraints))
    extra.append((gram + gram.T) / 2 >> 0)
    extra.append(values >= 0)


def _one_step_data(method: Method, classes: ProblemClass):
    from pepcert.lyapunov.onestep import one_step

    step = one_step(method, classes)
    if step.equalities:
        raise BadInput("potential functions are not searched for classes stated by equalities (mu = L)")
    n, m = step.basis.n_vectors, step.basis.n_values
    before = _side_data([step.before], n, m)[0]
    after = _side_data(step.after, n, m)
    constraints = [(c.gram_matrix(n), c.value_row(m)) for _, c in step.constraints]
    return step, before, after, constraints


def _quad(T, P):
    return T.T @ P @ T


def _mean(items):
    return sum(items) / len(items)


def _solve(cp, objective, constraints) -> None:
    import warnings

    problem = cp.Problem(objective, constraints)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # an inaccurate status is refused below, not warned about
            problem.solve(solver=cp.CLARABEL)
    except cp.error.SolverError as error:
        raise SolverFailure(f"the potential search failed: {error}") from None
    if problem.status != cp.OPTIMAL:
        raise SolverFailure(f"the potential search ended with status {problem.status!r}; no bound is claimed")


def potential_bound(method: Method, classes: ProblemClass, initial: str | None = None) -> PotentialResult:
    """The best potential of the class's template (module docstring): convex classes bound
    ``f(x_N) - f*`` from ``initial`` (default ``distance``), nonconvex ones
    ``min_k ||grad f(x_k)||^2`` (default from ``function``). One agent, a declared start."""
    import cvxpy as cp

    from pepcert.pep.exactness import float_problem

    if classes.agents != 1:
        raise BadInput("potential functions are searched for one agent")
    if method.start is None:
        raise BadInput(f"method {method.name} declares no start: the potential's V_0 is bounded at it")
    clock = time.perf_counter()
    classes = float_problem(lambda: None, classes, {})[1]  # the SDP sees float classes
    convex = classes.function.curvature_bounds()[0] >= 0
    initial = initial or ("distance" if convex else "function")
    step, (Tb, gb), after, constraints = _one_step_data(method, classes)
    T0, g0, I_gram, I_val, start_constraints, _ = _start_data(method, classes, initial)
    k = Tb.shape[0]
    if convex:
        C, a, P0, P1 = _convex_template(cp, Tb, gb, after, constraints, (T0, g0, I_gram, I_val, start_constraints), k)
    else:
        C, P0 = _nonconvex_template(cp, Tb, gb, after, constraints, (T0, g0, I_gram, I_val, start_constraints), k)
        a, P1 = 1.0, np.zeros((k, k))
    return PotentialResult(method.name, "convex" if convex else "nonconvex", initial, float(C), float(a),
                           np.asarray(P0), np.asarray(P1), step.feature_names, time.perf_counter() - clock)


def _convex_template(cp, Tb, gb, after, constraints, start, k):
    T0, g0, I_gram, I_val, start_constraints = start
    P0, P1 = cp.Variable((k, k), PSD=True), cp.Variable((k, k), PSD=True)
    a, C = cp.Variable(nonneg=True), cp.Variable()
    ga = _mean([g for _, g in after])
    rules: list = []
    # M_1 <= 0: W = F + phi' P1 phi does not increase.
    _nonnegative_on_class(cp, _quad(Tb, P1) - _mean([_quad(T, P1) for T, _ in after]), gb - ga, constraints, rules)
    # M_0 <= 0: U(z) - E U(z') - E W(z') >= 0 on the class.
    gram0 = _quad(Tb, P0) - _mean([_quad(T, P0) for T, _ in after]) - _mean([_quad(T, P1) for T, _ in after])
    _nonnegative_on_class(cp, gram0, a * (gb - ga) - ga, constraints, rules)
    # V_0 = a F_0 + phi_0' P0 phi_0 <= C init at the declared start.
    _nonnegative_on_class(cp, C * I_gram - _quad(T0, P0), C * I_val - a * g0, start_constraints, rules)
    _solve(cp, cp.Minimize(C), rules)
    best = float(C.value)
    _solve(cp, cp.Maximize(a), [*rules, C <= best * (1 + 1e-5) + 1e-12])
    return float(C.value), float(a.value), P0.value, P1.value


def _nonconvex_template(cp, Tb, gb, after, constraints, start, k):
    T0, g0, I_gram, I_val, start_constraints = start
    P, kappa = cp.Variable((k, k), PSD=True), cp.Variable(nonneg=True)
    gradient = Tb[-1:]  # the last feature is grad f(x) (one agent)
    ga = _mean([g for _, g in after])
    rules: list = []
    gram = _quad(Tb, P) - _mean([_quad(T, P) for T, _ in after]) - kappa * (gradient.T @ gradient)
    _nonnegative_on_class(cp, gram, gb - ga, constraints, rules)
    _nonnegative_on_class(cp, I_gram - _quad(T0, P), I_val - g0, start_constraints, rules)
    _solve(cp, cp.Maximize(kappa), rules)
    if not kappa.value > 0:
        raise SolverFailure("no potential of this template decreases: no bound is claimed")
    return 1.0 / float(kappa.value), P.value
