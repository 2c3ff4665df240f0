r"""Exact certificates of a noise pair ``(rho, C)``: ``E V_{k+1} <= rho V_k + C sigma^2`` and
``V >= ||x - x*||^2``, checked in rationals without a solver.

A certificate is a rational ``rho`` in ``[0, 1)``, a rational ``C``, the Lyapunov function
``V = phi^T P phi + p (f - f*)`` (``certify_noisy`` finds ``P`` PSD and ``p >= 0``; the check
needs neither, the second identity proves ``V >= ||x - x*||^2 >= 0``) and, for each of the two identities
of :mod:`pepcert.lyapunov.noisy`, multipliers ``lambda_k >= 0`` (inequalities ``c_k <= 0`` of
the one-step problem, the variance bound among them), free ``nu_l`` (equalities ``e_l = 0``:
the noise's independence, quadratic interpolation) and a constant ``kappa >= 0``:

.. math:: \rho V(z) - \mathbb E V(z') + C\sigma^2 + \sum_k \lambda_k c_k + \sum_l \nu_l e_l - \kappa
          = \langle S, G\rangle + \ell^\top F ,

.. math:: V(z) - \lVert x - x_\star\rVert^2 + \sum_k \lambda'_k c_k + \sum_l \nu'_l e_l - \kappa'
          = \langle S', G\rangle + \ell'^\top F .

:func:`check_noisy` computes the left-hand sides exactly from the rebuilt problem (``sigma^2``
is the rebuilt noise class's), requires their constant terms to *equal* the stated ``kappa``
and ``kappa'``, ``ell, ell' >= 0`` and ``S, S'`` PSD by an exact ``L D L^T``. Both sides are
``>= 0`` on every instance (``G`` a Gram matrix of expectations, ``F >= 0``), so the first
identity gives ``E V(z') <= rho V(z) + C sigma^2 - kappa`` and the second ``V(z) >=
||x - x*||^2 + kappa'``; unrolled (``0 <= rho < 1``),
``E ||x_k - x*||^2 <= E V_k <= rho^k V_0 + C sigma^2 (1 - rho^k)/(1 - rho)``.

:func:`certify_noisy` finds one: a floating-point solve at ``rho`` with ``C`` capped slightly
above its minimum and the smallest eigenvalue of both residuals maximised (a margin that
absorbs rounding), ``P`` rounded through a factor (PSD exactly), negative function-value
coefficients repaired by raising a multiplier whose linear part is that value, and ``C``
taken as a short rational at or above what the rounded multipliers need.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from pepcert.lyapunov.onestep import OneStep
from pepcert.pep.expressions import Scalar, norm2
from pepcert.pep.numerics.psd import PSDCheck, psd_certificate


@dataclass(frozen=True)
class Identity:
    """The multipliers of one identity: ``lambda >= 0``, free ``nu``, the constant ``kappa >= 0``."""

    multipliers: tuple[Fraction, ...]
    equality_multipliers: tuple[Fraction, ...]
    kappa: Fraction


@dataclass(frozen=True)
class NoisyCertificate:
    """``E V_{k+1} <= rho V_k + C sigma^2`` (``step``) and ``V >= ||x - x*||^2`` (``domination``)."""

    rho: Fraction
    C: Fraction
    P: tuple[tuple[Fraction, ...], ...]
    p: Fraction
    step: Identity
    domination: Identity


@dataclass(frozen=True)
class NoisyCheck:
    valid: bool
    reason: str
    step: PSDCheck | None = None
    domination: PSDCheck | None = None


def noise_variance(step: OneStep):
    """``sigma^2`` of the step's noise class (exact when the step is)."""
    if step.classes.noise is None:
        raise ValueError("a noise pair needs a noise class")
    return step.classes.noise.numbers()["sigma2"]


def _combined(step: OneStep, total: Scalar, identity: Identity) -> Scalar:
    pairs = [*zip(step.constraints, identity.multipliers), *zip(step.equalities, identity.equality_multipliers)]
    for (_, constraint), weight in pairs:
        if weight != 0:
            total = total + weight * constraint
    return total


def step_residual(step: OneStep, certificate: NoisyCertificate) -> Scalar:
    """``rho V(z) - E V(z') + C sigma^2 + sum lambda c + sum nu e`` (before ``kappa``)."""
    decrease = step.decrease(certificate.rho, matrix=certificate.P, gap_weight=certificate.p)
    return _combined(step, decrease + certificate.C * noise_variance(step), certificate.step)


def domination_residual(step: OneStep, certificate: NoisyCertificate) -> Scalar:
    """``V(z) - ||x - x*||^2 + sum lambda' c + sum nu' e`` (``x`` the first state variable)."""
    V = step.value(step.before, matrix=certificate.P, gap_weight=certificate.p)
    return _combined(step, V - norm2(step.before.vectors[0]), certificate.domination)


def _identity_check(step: OneStep, total: Scalar, identity: Identity, what: str) -> tuple[str, PSDCheck | None]:
    """'' when ``total - kappa = <S, G> + ell^T F`` with ``S`` PSD and ``ell >= 0``."""
    if len(identity.multipliers) != len(step.constraints):
        return f"{what}: one multiplier per inequality is required", None
    if len(identity.equality_multipliers) != len(step.equalities):
        return f"{what}: one multiplier per equality is required", None
    if any(weight < 0 for weight in identity.multipliers):  # the equalities' are free
        return f"{what}: a multiplier of an inequality is negative", None
    if identity.kappa < 0:
        return f"{what}: the constant kappa is negative", None
    if total.constant != identity.kappa:
        return f"{what}: the constant term is {total.constant}, not the stated kappa = {identity.kappa}", None
    if any(v < 0 for v in total.value_row(step.basis.n_values, dtype=object)):
        return f"{what}: a coefficient of a function value is negative", None
    check = psd_certificate(total.gram_matrix(step.basis.n_vectors, dtype=object).tolist())
    if not check.psd:
        return f"{what}: the residual matrix is not positive semidefinite ({check.reason})", check
    return "", check


def check_noisy(step: OneStep, certificate: NoisyCertificate) -> NoisyCheck:
    """Verify both identities exactly (module docstring) on a step built with rationals."""
    if not 0 <= certificate.rho < 1:
        return NoisyCheck(False, "rho must lie in [0, 1) for a neighbourhood")
    k = len(step.feature_names)
    if len(certificate.P) != k or any(len(row) != k for row in certificate.P):
        return NoisyCheck(False, f"P must be a {k}x{k} matrix over the features")
    reason, one_step = _identity_check(step, step_residual(step, certificate), certificate.step,
                                       "E V_{k+1} <= rho V_k + C sigma^2")
    if reason:
        return NoisyCheck(False, reason, one_step)
    reason, dominated = _identity_check(step, domination_residual(step, certificate), certificate.domination,
                                        "V >= ||x - x*||^2")
    if reason:
        return NoisyCheck(False, reason, one_step, dominated)
    return NoisyCheck(True, "", one_step, dominated)


# ---------------------------------------------------------------------------------------
# From a floating-point solution to a rational certificate
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _FloatPair:
    C: float
    P: np.ndarray
    p: float
    step: tuple[np.ndarray, np.ndarray]  # lambda, nu
    domination: tuple[np.ndarray, np.ndarray]


def _solve(float_step: OneStep, rho: float, C_cap: float | None, solver: str = "CLARABEL") -> _FloatPair | None:
    """``min C`` at ``rho`` (``C_cap`` None), or the largest margin ``t`` (smallest eigenvalue
    of both residual matrices, relative) with ``C <= C_cap``."""
    import cvxpy as cp

    from pepcert.lyapunov.dominance import _support, local_constraints, local_equalities
    from pepcert.lyapunov.noisy import _data

    (Tb, gb), after, inequalities, equalities = _data(float_step.method, float_step.classes)
    sigma2 = float(noise_variance(float_step))
    k, n = Tb.shape[0], Tb.shape[1]
    P, p, C, t = cp.Variable((k, k), PSD=True), cp.Variable(nonneg=True), cp.Variable(nonneg=True), cp.Variable()
    rules: list = []
    found = []

    def identity(gram, values, constant, local=None):
        """``local``: (inequalities, equalities, vectors) the identity may use and the margin covers."""
        used = local or (range(len(inequalities)), range(len(equalities)), range(n))
        lam = cp.Variable(len(inequalities), nonneg=True)
        nu = cp.Variable(max(len(equalities), 1))
        for weights, items, allowed in ((lam, inequalities, used[0]), (nu, equalities, used[1])):
            for i in allowed:
                Q, q, c = items[i]
                gram, values, constant = gram + weights[i] * Q, values + weights[i] * q, constant + weights[i] * c
        block = np.diag([1.0 if i in set(used[2]) else 0.0 for i in range(n)])
        margin = 0 if C_cap is None else t
        rules.extend([(gram + gram.T) / 2 >> margin * block, values >= 0, constant >= 0])
        found.append((lam, nu))

    identity(rho * (Tb.T @ P @ Tb) - sum(T.T @ P @ T for T, _ in after) / len(after),
             rho * p * gb - p * sum(g for _, g in after) / len(after), C * sigma2)
    # V >= ||x - x*||^2 uses the constraints at the point before the step only, so that the
    # residual is exactly zero on the other vectors (a margin there is impossible)
    identity(Tb.T @ P @ Tb - np.outer(Tb[0], Tb[0]), p * gb, 0.0,
             (local_constraints(float_step), local_equalities(float_step), sorted(_support(float_step)[0])))
    if C_cap is None:
        problem = cp.Problem(cp.Minimize(C), rules)
    else:
        problem = cp.Problem(cp.Maximize(t), [*rules, C <= C_cap, t <= 1, cp.trace(P) <= 1e4])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            problem.solve(solver=solver)
        except cp.error.SolverError:
            return None
    if problem.status != cp.OPTIMAL:
        return None
    def value(variable, size: int) -> np.ndarray:  # a variable no constraint uses has no value: 0
        return np.zeros(size) if variable.value is None else np.asarray(variable.value, dtype=float).reshape(-1)[:size]

    values = [(value(lam, len(inequalities)), value(nu, len(equalities))) for lam, nu in found]
    return _FloatPair(float(C.value), np.asarray(P.value, dtype=float), float(p.value), values[0], values[1])  # type: ignore[arg-type]


def _rational_P(P: np.ndarray) -> tuple[tuple[Fraction, ...], ...]:
    """``R R^T`` for a rational factor ``R`` of ``P``: PSD exactly."""
    values, vectors = np.linalg.eigh((P + P.T) / 2)
    factor = vectors * np.sqrt(np.maximum(values, 0.0))
    R = [[Fraction(float(v)) for v in row] for row in factor]
    k = len(R)
    return tuple(tuple(sum((R[a][c] * R[b][c] for c in range(k)), Fraction(0)) for b in range(k)) for a in range(k))


def _repaired(step: OneStep, total: Scalar, lam: list[Fraction]) -> list[Fraction]:
    """Raise the multiplier of an inequality whose linear part is exactly ``+F_j`` where the
    residual's coefficient of ``F_j`` is negative."""
    lam = list(lam)
    for j, value in enumerate(total.value_row(step.basis.n_values, dtype=object)):
        if value < 0:
            index = next((i for i, (_, c) in enumerate(step.constraints) if c.linear == {j: 1}), None)
            if index is not None:
                lam[index] += -Fraction(value)
    return lam


def _short_at_least(value: Fraction, room: Fraction) -> Fraction:
    """A short rational in ``[value, value + room]``."""
    denominator = 10
    while denominator < 10**30:
        candidate = Fraction(-((-value * denominator).__floor__()), denominator)
        if candidate <= value + room:
            return candidate
        denominator *= 10
    return value


def round_noisy(step: OneStep, rho: Fraction, solution: _FloatPair, C_room: Fraction) -> NoisyCertificate:
    """Rationals from a float solution (module docstring); ``C`` a short rational in
    ``[needed, needed + C_room]``, ``kappa`` what is left of the constant."""
    from pepcert.lyapunov.dominance import local_constraints, local_equalities

    P, p = _rational_P(solution.P), Fraction(max(solution.p, 0.0))
    lam = [Fraction(max(float(v), 0.0)) for v in solution.step[0]]
    nu = tuple(Fraction(float(v)) for v in solution.step[1])
    # the domination uses the constraints at the point before the step only (as solved)
    local, local_eq = set(local_constraints(step)), set(local_equalities(step))
    lam2 = [Fraction(max(float(v), 0.0)) if i in local and c.constant >= 0 else Fraction(0)
            for i, (v, (_, c)) in enumerate(zip(solution.domination[0], step.constraints))]
    nu2 = tuple(Fraction(float(v)) if i in local_eq else Fraction(0) for i, v in enumerate(solution.domination[1]))
    draft = NoisyCertificate(rho, Fraction(0), P, p, Identity(tuple(lam), nu, Fraction(0)),
                             Identity(tuple(lam2), nu2, Fraction(0)))
    lam = _repaired(step, step_residual(step, draft), lam)
    lam2 = _repaired(step, domination_residual(step, draft), lam2)
    draft = NoisyCertificate(rho, Fraction(0), P, p, Identity(tuple(lam), nu, Fraction(0)),
                             Identity(tuple(lam2), nu2, Fraction(0)))
    sigma2 = Fraction(noise_variance(step))
    needed = max(-step_residual(step, draft).constant / sigma2, Fraction(0))
    C = _short_at_least(needed, C_room)
    final = NoisyCertificate(rho, C, P, p, Identity(tuple(lam), nu, Fraction(0)), Identity(tuple(lam2), nu2, Fraction(0)))
    kappa, kappa2 = step_residual(step, final).constant, domination_residual(step, final).constant
    return NoisyCertificate(rho, C, P, p, Identity(tuple(lam), nu, Fraction(kappa)),
                            Identity(tuple(lam2), nu2, Fraction(kappa2)))


def minimal_C(float_step: OneStep, rho: float) -> float | None:
    """The smallest ``C`` at ``rho`` in floating point (None: no ``V`` at this ``rho``)."""
    found = _solve(float_step, rho, None)
    return None if found is None else found.C


def certify_noisy(step: OneStep, float_step: OneStep, rhos: Sequence[Fraction],
                  gaps: Sequence[float] = (1e-8, 1e-7, 1e-6, 1e-5, 1e-4)) -> tuple[NoisyCertificate, NoisyCheck] | None:
    """An exact certificate at the first ``rho`` of ``rhos`` with the smallest ``C`` found: for
    each relative gap (smallest first) and each ``rho``, a margin solve with
    ``C <= C_min(rho) (1 + gap)``, rounded and checked exactly."""
    smallest = {rho: minimal_C(float_step, float(rho)) for rho in rhos}
    for gap in gaps:
        for rho, C_min in smallest.items():
            if C_min is None:
                continue
            cap = C_min * (1 + gap) + gap * 1e-3
            solution = _solve(float_step, float(rho), cap)
            if solution is None:
                continue
            certificate = round_noisy(step, rho, solution, Fraction(cap) * Fraction(gap))
            verdict = check_noisy(step, certificate)
            if verdict.valid:
                return certificate, verdict
    return None
