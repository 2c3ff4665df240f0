r"""Linear rates with gradient noise: the pair ``(rho, C)`` of ``E V_{k+1} <= rho V_k + C sigma^2``.

With a noise class (:mod:`pepcert.pep.noise`) the one-step inequality of a Lyapunov function
``V`` is inhomogeneous: the variance bound ``E ||xi||^2 <= sigma^2`` has a constant. For a fixed
``rho`` the smallest ``C`` over quadratic ``V`` (the full family: ``phi^T P phi + p F``) with

.. math:: \rho V(z) - \mathbb E V(z') + C\sigma^2 + \sum_k \lambda_k c_k + \sum_l \nu_l e_l
          = \langle S, G\rangle + \ell^\top F + \kappa,\qquad S \succeq 0,\ \ell \ge 0,\ \kappa \ge 0,

is a semidefinite program (``lambda >= 0`` for the inequalities ``c_k <= 0``, free ``nu`` for the
equalities ``e_l = 0``: the noise's independence, ``kappa`` the constant part). ``V`` is
normalised by *dominating the distance*, ``V(z) >= ||x - x*||^2`` on the class (a second
S-procedure), so that unrolling gives

.. math:: \mathbb E \lVert x_k - x_\star\rVert^2 \le \mathbb E V_k \le \rho^k V_0 + C\sigma^2\,\frac{1 - \rho^k}{1 - \rho},

and the neighbourhood ``C sigma^2/(1 - rho)`` of ``||x - x*||^2`` as ``k -> infinity``. The
smallest neighbourhood is found by a scalar search over ``rho`` in ``[rho*, 1)`` (``rho*`` the
noiseless tight rate). Floating point; the lower end of the neighbourhood comes from explicit
instances (:mod:`pepcert.lowerbounds.noisy`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from pepcert.pep.errors import BadInput, SolverFailure
from pepcert.pep.expressions import coefficient_matrix
from pepcert.pep.methods import Method
from pepcert.pep.problem import ProblemClass


@dataclass(frozen=True)
class NoisePair:
    """``E V_{k+1} <= rho V_k + C sigma^2`` with ``V >= ||x - x*||^2`` (module docstring)."""

    rho: float
    C: float
    sigma2: float
    P: np.ndarray
    p: float

    @property
    def neighbourhood(self) -> float:
        """``C sigma^2 / (1 - rho)``: the bound on ``lim sup E ||x_k - x*||^2``."""
        return self.C * self.sigma2 / (1 - self.rho) if self.rho < 1 else math.inf


def _data(method: Method, classes: ProblemClass):
    from pepcert.lyapunov.onestep import one_step

    step = one_step(method, classes)
    n, m = step.basis.n_vectors, step.basis.n_values

    def scalars(items):
        return [(c.gram_matrix(n), c.value_row(m), float(c.constant)) for _, c in items]

    before = (coefficient_matrix(step.before.vectors, n), step.before.gap.value_row(m))
    after = [(coefficient_matrix(side.vectors, n), side.gap.value_row(m)) for side in step.after]
    return before, after, scalars(step.constraints), scalars(step.equalities)


def _identity(cp, gram, values, constant, inequalities, equalities, rules: list) -> None:
    """``gram + values.F + constant + sum lambda c + sum nu e = <S, G> + ell.F + kappa`` with
    ``S >= 0``, ``ell >= 0``, ``kappa >= 0`` (the S-procedure with a constant term)."""
    lam = cp.Variable(len(inequalities), nonneg=True) if inequalities else None
    nu = cp.Variable(len(equalities)) if equalities else None
    for weights, items in ((lam, inequalities), (nu, equalities)):
        if weights is None:
            continue
        gram = gram + sum(weights[i] * Q for i, (Q, _, _) in enumerate(items))
        values = values + sum(weights[i] * q for i, (_, q, _) in enumerate(items))
        constant = constant + sum(weights[i] * c for i, (_, _, c) in enumerate(items))
    rules.extend([(gram + gram.T) / 2 >> 0, values >= 0, constant >= 0])


class _PairProblem:
    """The SDP of :func:`noise_pair` compiled once, ``rho`` a cvxpy parameter (the scalar search
    of :func:`best_neighbourhood` re-solves it at each ``rho`` without rebuilding it)."""

    def __init__(self, method: Method, classes: ProblemClass):
        import cvxpy as cp

        if classes.noise is None:
            raise BadInput("a noise pair needs a noise class (pepcert.pep.noise)")
        self.sigma2 = float(classes.noise.numbers()["sigma2"])
        if not self.sigma2 > 0:
            raise BadInput("sigma^2 = 0: without an additive variance there is no neighbourhood (C sigma^2 = 0)")
        (Tb, gb), after, inequalities, equalities = _data(method, classes)
        k = Tb.shape[0]
        self.rho = cp.Parameter(nonneg=True)
        self.P, self.p, self.C = cp.Variable((k, k), PSD=True), cp.Variable(nonneg=True), cp.Variable(nonneg=True)
        rules: list = []
        gram = self.rho * (Tb.T @ self.P @ Tb) - sum(T.T @ self.P @ T for T, _ in after) / len(after)
        values = self.rho * self.p * gb - self.p * sum(g for _, g in after) / len(after)
        _identity(cp, gram, values, self.C * self.sigma2, inequalities, equalities, rules)
        distance = np.outer(Tb[0], Tb[0])  # ||x - x*||^2: x is the first feature
        _identity(cp, Tb.T @ self.P @ Tb - distance, self.p * gb, 0.0, inequalities, equalities, rules)
        self.problem = cp.Problem(cp.Minimize(self.C), rules)

    def solve(self, rho: float) -> NoisePair:
        import warnings

        import cvxpy as cp

        self.rho.value = rho
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                self.problem.solve(solver=cp.CLARABEL)
            except cp.error.SolverError as error:
                raise SolverFailure(f"the noise pair search failed at rho = {rho:.6g}: {error}") from None
        if self.problem.status != cp.OPTIMAL:
            raise SolverFailure(f"no Lyapunov function with a noise constant at rho = {rho:.6g} "
                                f"(status {self.problem.status})")
        return NoisePair(rho, float(self.C.value), self.sigma2, np.asarray(self.P.value),  # type: ignore[arg-type]
                         float(self.p.value))  # type: ignore[arg-type]  # set when optimal


def noise_pair(method: Method, classes: ProblemClass, rho: float) -> NoisePair:
    """The smallest ``C`` at ``rho`` (module docstring); :class:`SolverFailure` when the solver
    does not prove one (no ``V`` contracts at this ``rho``)."""
    return _PairProblem(method, classes).solve(rho)


def best_neighbourhood(method: Method, classes: ProblemClass, rho_star: float) -> NoisePair:
    """The pair whose neighbourhood ``C sigma^2/(1 - rho)`` is smallest over ``rho`` in
    ``[rho*, 1)`` (a bounded scalar search on ``log(1 - rho)``; unsolvable ``rho`` count as
    infinite)."""
    from scipy.optimize import minimize_scalar

    if not rho_star < 1:
        raise BadInput(f"the noiseless rate is {rho_star:.6g} >= 1: no neighbourhood")

    problem = _PairProblem(method, classes)

    def radius(t: float) -> float:
        try:
            return problem.solve(1 - math.exp(t)).neighbourhood
        except SolverFailure:
            return math.inf

    high = math.log(1 - rho_star)
    found = minimize_scalar(radius, bounds=(high - 12, high), method="bounded", options={"xatol": 1e-6})
    candidates = [problem.solve(rho_star)] if math.isfinite(radius(high)) else []
    if math.isfinite(found.fun):
        candidates.append(problem.solve(1 - math.exp(float(found.x))))
    if not candidates:
        raise SolverFailure("no Lyapunov function bounds the noise at any rate in [rho*, 1)")
    return min(candidates, key=lambda pair: pair.neighbourhood)
