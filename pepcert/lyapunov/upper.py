r"""Exact upper bounds: a rational Lyapunov certificate checked without a solver or floats.

A certificate for the rate ``rho_upper`` (rational) consists of rational ``P >= 0`` and
``p >= 0`` (or nonnegative weights of a structured family), multipliers ``lambda_k >= 0``,
one per interpolation / compressor inequality ``c_k <= 0`` of the one-step problem, and
multipliers ``nu_l`` of either sign, one per interpolation equality ``e_l = 0`` (quadratic
classes, ``mu = L``). Which constraints are equalities is read from the rebuilt problem, never
from the certificate. The checker rebuilds the one-step problem from the method's definition
with rational coefficients and verifies, exactly,

.. math:: \rho_{up} V_0 - \mathbb{E} V_1 + \sum_k \lambda_k c_k + \sum_l \nu_l e_l
          = \langle S, G \rangle + \ell^\top F, \qquad S \succeq 0,\quad \ell \ge 0,

(``S`` by an exact ``L D L^T`` with nonnegative pivots; the identity holds by construction as
``S`` and ``ell`` are *computed* from the left-hand side), with ``V != 0``. Since ``G >= 0``
and ``F >= 0`` (function values above ``f*``) for every instance, ``E V_1 <= rho_up V_0``.

Rounding a floating-point solution rarely lands on an exactly valid certificate by itself; it
does here because (i) ``P = R R^T`` is rounded through a factor, so it stays PSD exactly,
(ii) negative entries of ``ell`` left by rounding are repaired exactly by raising the
multiplier of an inequality whose linear part is that single function value (interpolation
with ``x*``), and (iii) ``rho_upper`` is taken slightly above the tight rate, where a
certificate with a strictly positive margin exists, and the margin absorbs the rounding.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from pepcert.lyapunov.onestep import OneStep
from pepcert.pep.conic import smat, svec_length
from pepcert.pep.expressions import Scalar
from pepcert.pep.numerics.psd import PSDCheck, psd_certificate


@dataclass(frozen=True)
class UpperCertificate:
    """A rational Lyapunov certificate of ``rho_upper`` for a one-step problem."""

    rho_upper: Fraction
    family: str
    P: tuple[tuple[Fraction, ...], ...] | None  # full family, over the features
    p: Fraction
    weights: tuple[Fraction, ...] | None  # structured family
    multipliers: tuple[Fraction, ...]  # one per inequality of the step, each >= 0
    equality_multipliers: tuple[Fraction, ...] = ()  # one per equality of the step, free


@dataclass(frozen=True)
class UpperCheck:
    """The exact verdict on an :class:`UpperCertificate` and what was computed for it."""

    valid: bool
    reason: str
    residual: PSDCheck | None = None
    ell: tuple[Fraction, ...] = ()


def _lyapunov_value(step: OneStep, certificate: UpperCertificate, rho) -> Scalar:
    if step.is_full:
        return step.decrease(rho, matrix=certificate.P, gap_weight=certificate.p)
    assert certificate.weights is not None  # a structured family's certificate has weights
    return step.decrease(rho, weights=certificate.weights)


def residual(step: OneStep, certificate: UpperCertificate) -> Scalar:
    """``rho_up V_0 - E V_1 + sum_k lambda_k c_k + sum_l nu_l e_l`` (exact if the step is rational)."""
    total = _lyapunov_value(step, certificate, certificate.rho_upper)
    pairs = [*zip(step.constraints, certificate.multipliers), *zip(step.equalities, certificate.equality_multipliers)]
    for (_, constraint), weight in pairs:
        if weight != 0:
            total = total + weight * constraint
    return total


def check_upper(step: OneStep, certificate: UpperCertificate) -> UpperCheck:
    """Verify a certificate exactly against a one-step problem built with rationals."""
    if step.family != certificate.family:
        return UpperCheck(False, f"the certificate is for the {certificate.family!r} family")
    if len(certificate.multipliers) != len(step.constraints):
        return UpperCheck(False, "one multiplier per inequality is required")
    if len(certificate.equality_multipliers) != len(step.equalities):
        return UpperCheck(False, "one multiplier per equality is required")
    if any(weight < 0 for weight in certificate.multipliers):  # inequalities only: equalities' are free
        return UpperCheck(False, "a multiplier is negative")
    if step.is_full:
        k = len(step.feature_names)
        if certificate.P is None or len(certificate.P) != k or any(len(row) != k for row in certificate.P):
            return UpperCheck(False, f"P must be a {k}x{k} matrix over the features")
        if certificate.p < 0:
            return UpperCheck(False, "the weight p of f - f* is negative")
        p_check = psd_certificate(certificate.P)
        if not p_check.psd:
            return UpperCheck(False, f"P is not positive semidefinite ({p_check.reason})")
        if all(v == 0 for row in certificate.P for v in row) and certificate.p == 0:
            return UpperCheck(False, "V = 0 certifies nothing")
    else:
        weights = certificate.weights or ()
        if len(weights) != len(step.term_names):
            return UpperCheck(False, "one weight per family term is required")
        if any(w < 0 for w in weights):
            return UpperCheck(False, "a family weight is negative")
        if all(w == 0 for w in weights):
            return UpperCheck(False, "V = 0 certifies nothing")
    total = residual(step, certificate)
    n, m = step.basis.n_vectors, step.basis.n_values
    S = total.gram_matrix(n, dtype=object)
    ell = tuple(Fraction(v) for v in total.value_row(m, dtype=object))
    if total.constant != 0:
        return UpperCheck(False, "the residual has a constant term")
    if any(v < 0 for v in ell):
        return UpperCheck(False, "a coefficient of a function value in the residual is negative", None, ell)
    s_check = psd_certificate(S.tolist())
    if not s_check.psd:
        return UpperCheck(False, f"the residual matrix S is not positive semidefinite ({s_check.reason})", s_check, ell)
    return UpperCheck(True, "", s_check, ell)


# ---------------------------------------------------------------------------------------
# From a floating-point solution to a rational certificate
# ---------------------------------------------------------------------------------------


def _unit_value_constraints(step: OneStep) -> dict[int, int]:
    """For each function value ``F_j``: a constraint whose linear part is exactly ``+F_j``
    (an index into the inequalities, then the equalities)."""
    found: dict[int, int] = {}
    for index, (_, constraint) in enumerate((*step.constraints, *step.equalities)):
        linear = constraint.linear
        if len(linear) == 1:
            (j, coefficient), = linear.items()
            if coefficient == 1 and j not in found:
                found[j] = index
    return found


def round_certificate(
    step: OneStep, rho_upper: Fraction, coefficients: np.ndarray, multipliers: np.ndarray
) -> UpperCertificate:
    """Round a float solution to rationals, keeping ``P >= 0`` exact and ``ell >= 0`` repaired.

    ``step`` must be built with rational parameters; ``coefficients`` are ``svec(P)`` then
    ``p`` (full family) or the family weights, as solved in floating point; ``multipliers`` the
    inequalities' (clipped to ``>= 0``), then the equalities' (kept as they are).
    """
    exact = lambda value: Fraction(max(float(value), 0.0))  # the float's exact binary value
    count = len(step.constraints)
    lam = [exact(v) for v in multipliers[:count]] + [Fraction(float(v)) for v in multipliers[count:]]
    if step.is_full:
        k = len(step.feature_names)
        values, vectors = np.linalg.eigh(smat(np.asarray(coefficients[: svec_length(k)], dtype=float)))
        factor = vectors * np.sqrt(np.maximum(values, 0.0))
        R = [[Fraction(float(v)) for v in row] for row in factor]
        P = tuple(tuple(sum((R[a][c] * R[b][c] for c in range(k)), Fraction(0)) for b in range(k)) for a in range(k))
        certificate = UpperCertificate(rho_upper, step.family, P, exact(coefficients[-1]), None, tuple(lam[:count]),
                                       tuple(lam[count:]))
    else:
        weights = tuple(exact(v) for v in coefficients)
        certificate = UpperCertificate(rho_upper, step.family, None, Fraction(0), weights, tuple(lam[:count]),
                                       tuple(lam[count:]))
    # Repair the linear part exactly: raise the multiplier of "F_j >= ..." where ell_j < 0.
    ell = residual(step, certificate).value_row(step.basis.n_values, dtype=object)
    units = _unit_value_constraints(step)
    for j, value in enumerate(ell):
        if value < 0 and j in units:
            lam[units[j]] += -Fraction(value)
    return UpperCertificate(certificate.rho_upper, certificate.family, certificate.P, certificate.p, certificate.weights,
                            tuple(lam[:count]), tuple(lam[count:]))


def rational_above(value: float, gap: float) -> Fraction:
    """A short rational in ``[value + gap/2, value + gap]``."""
    low, high = Fraction(value) + Fraction(gap) / 2, Fraction(value) + Fraction(gap)
    candidate = ((low + high) / 2).limit_denominator(max(10, int(8 / gap)))
    return candidate if low <= candidate <= high else (low + high) / 2


def certify_upper(
    step: OneStep, solvers: Sequence, rho_tight: float, reference: Sequence, gaps: Sequence[float]
) -> tuple[UpperCertificate, UpperCheck] | None:
    """Find ``rho_upper`` (the smallest of ``rho_tight + gap``) with an exact certificate.

    For each gap: first the tight solution ``reference = (coefficients, multipliers)`` itself
    (valid at every larger rho up to the solver's accuracy, and strictly inside wherever
    ``V_0 > 0`` on the tight directions), then fresh margin solves at the new rho
    (each of ``solvers`` maps ``rho -> (coefficients, multipliers)``; they differ in how the
    margin is measured), whose strictly positive margin absorbs the solver's residual errors.
    Returns the certificate and its check, or ``None``.
    """
    for gap in gaps:
        rho_upper = rational_above(rho_tight, gap)

        def candidates():
            yield reference
            for solve_at in solvers:
                try:
                    yield solve_at(float(rho_upper))  # noqa: B023 - consumed in this iteration
                except Exception:  # an unsolved margin problem decides nothing
                    continue

        for coefficients, multipliers in candidates():
            certificate = round_certificate(step, rho_upper, np.asarray(coefficients), np.asarray(multipliers))
            verdict = check_upper(step, certificate)
            if verdict.valid:
                return certificate, verdict
    return None
