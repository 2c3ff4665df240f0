r"""The exact side of N-step certificates: the performance-estimation problem in rationals, the
dual identity that proves an upper bound and the explicit instance that proves a lower bound,
each checked without floating point (``docs/certificates.md``, "N-step worst cases").

The problem is the one :func:`pepcert.pep.problem.worst_case` solves (Drori & Teboulle, Math.
Program. 145, 2014; Taylor, Hendrickx & Glineur, Math. Program. 161, 2017, Section 3): over the
Gram matrix ``G`` of the basis vectors and the function values ``F``,

.. math:: \max\ m(G, F) \quad\text{s.t.}\quad c_i(G, F) \le 0,\ \ \text{init}(G, F) \le 1,\ \ G \succeq 0,

with ``m`` the measure after ``N`` steps (for a ``min-`` measure, the smallest of the tracked
measures ``m_0, ..., m_N``). Every ``c_i``, ``init`` and ``m_k`` here is homogeneous (no
constant term), which :func:`exact_nstep` checks.

**Upper bound** (weak duality, *ibid.* Section 3.3). Rational ``U``, ``lambda_i >= 0`` and weights
``theta_k >= 0`` with ``sum theta_k = 1`` (``theta = (1)`` for the last iterate) such that the
residual

.. math:: R = \sum_k \theta_k m_k - U\,\text{init} - \sum_i \lambda_i c_i = \langle Q, G\rangle + \ell^\top F + r

has ``ell = 0``, ``r <= 0`` and ``-Q`` PSD (an exact ``LDL^T``,
:func:`pepcert.pep.numerics.psd.psd_certificate`). For every function of the class and every
admissible compressor output, ``c_i <= 0`` and ``G >= 0`` give
``min_k m_k <= sum_k theta_k m_k <= U init``.

**Lower bound.** A rational matrix ``Y`` and rational values ``F`` with ``G = Y^T Y`` such that every
``c_i(G, F) <= 0``, ``init(G, F) <= 1`` and every tracked measure is ``>= Lo``. The columns of
``Y`` are the basis vectors in ``R^r``; by interpolation (THG 2017, Theorem 4; for ``mu < 0`` the
class's own caveat, :class:`~pepcert.pep.functions.SmoothStronglyConvex`) some function of the
class has these gradients and values, and a compressor that returns the instance's outputs on
its (pairwise distinct, checked) inputs and ``v`` elsewhere is in a contractive class; so the
method run on them attains ``m >= Lo`` from ``init <= 1``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from pepcert.pep.errors import BadInput
from pepcert.pep.expressions import Scalar
from pepcert.pep.numerics.numbers import decimal_string, rational_to_str
from pepcert.pep.numerics.psd import psd_certificate
from pepcert.pep.problem import NStepProblem, nstep_problem

#: Most iterations an N-step certificate is made or checked for (the problem has about N^2
#: interpolation inequalities; the exact check of N = 50 takes seconds).
MAX_NSTEP_ITERATIONS = 50


@dataclass(frozen=True)
class ExactNStep:
    """An N-step problem built in rationals, with the lists a certificate names."""

    problem: NStepProblem
    constraints: list  # (name, Scalar <= 0)

    @property
    def basis(self):
        return self.problem.trace.basis

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self.constraints]


def exact_nstep(method, classes, iterations: int, measure: str, initial: str | None, start: str) -> ExactNStep:
    """The N-step problem of an exact method and exact classes (rationals only), refusing what
    the certificates do not cover: several agents, random compressors, equalities (quadratic
    classes) and constant terms."""
    from pepcert.pep.exactness import require_exact

    if isinstance(iterations, bool) or not isinstance(iterations, int) or not 1 <= iterations <= MAX_NSTEP_ITERATIONS:
        raise BadInput(f"N-step certificates take 1 to {MAX_NSTEP_ITERATIONS} iterations, got {iterations!r}")
    if classes.agents != 1:
        raise BadInput("N-step certificates are for one agent (use pepcert certify without --iterations for n agents)")
    if classes.default_outcomes != 1:
        raise BadInput("N-step certificates are for deterministic compressors (a random one is a tree of outcomes)")
    problem = nstep_problem(method, classes, iterations, measure, initial, "last", start)
    scalars, vectors = problem.trace.identities()
    if scalars or vectors:
        raise BadInput("N-step certificates do not cover classes with equalities (quadratic classes, mu = L): "
                       "their identities would need free multipliers and an instance on a face")
    constraints = problem.trace.constraints()
    everything = [c for _, c in constraints] + [problem.first, *problem.tracked]
    require_exact(everything, method.name)
    if any(scalar.constant != 0 for scalar in everything):
        raise BadInput("N-step certificates need homogeneous constraints and measures (no constant terms)")
    return ExactNStep(problem, constraints)


def scalar_text(scalar: Scalar) -> str:
    """A scalar's exact coefficients as text (the digests hash these)."""
    quadratic = ",".join(f"{i}.{j}:{rational_to_str(v)}" for (i, j), v in sorted(scalar.quadratic.items()))
    linear = ",".join(f"{i}:{rational_to_str(v)}" for i, v in sorted(scalar.linear.items()))
    return f"[{quadratic}|{linear}|{rational_to_str(scalar.constant)}]"


def nstep_digest(exact: ExactNStep) -> str:
    """SHA-256 of the exact N-step problem: what it measures, its basis, every inequality, the
    initial condition and the tracked measures, with their exact coefficients."""
    problem = exact.problem
    parts = [
        f"nstep|{problem.iterations}|{problem.measure}|{problem.initial}|{problem.start}|{problem.aggregate}",
        "|".join(exact.basis.vector_names), "|".join(exact.basis.value_names),
        *(f"{name}={scalar_text(c)}" for name, c in exact.constraints),
        f"initial={scalar_text(problem.first)}", *(f"measure={scalar_text(m)}" for m in problem.tracked),
    ]
    return "sha256:" + hashlib.sha256("\n".join(parts).encode()).hexdigest()


# ---------------------------------------------------------------------------------------
# The upper bound: a dual identity
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DualProof:
    """``U``, one ``lambda_i >= 0`` per inequality, one weight ``theta_k`` per tracked measure."""

    upper: Fraction
    multipliers: tuple[Fraction, ...]
    weights: tuple[Fraction, ...]


@dataclass(frozen=True)
class DualCheck:
    valid: bool
    reason: str
    pivots: tuple[Fraction, ...] = ()  # of -Q's LDL^T


def combination(terms: Sequence[tuple[Fraction, Scalar]]) -> tuple[dict, dict, Fraction]:
    """``sum_k w_k s_k`` as ``(quadratic, linear, constant)`` dictionaries, accumulated in place
    (one pass over the coefficients: thousands of inequalities stay cheap)."""
    quadratic: dict = {}
    linear: dict = {}
    constant = Fraction(0)
    for weight, scalar in terms:
        if weight == 0:
            continue
        for pair, value in scalar.quadratic.items():
            quadratic[pair] = quadratic.get(pair, 0) + weight * value
        for index, value in scalar.linear.items():
            linear[index] = linear.get(index, 0) + weight * value
        constant += weight * scalar.constant
    return quadratic, linear, constant


def residual(exact: ExactNStep, proof: DualProof) -> tuple[dict, dict, Fraction]:
    """``R = sum_k theta_k m_k - U init - sum_i lambda_i c_i`` (module docstring)."""
    problem = exact.problem
    terms = [*zip(proof.weights, problem.tracked), (-proof.upper, problem.first)]
    terms += [(-weight, c) for weight, (_, c) in zip(proof.multipliers, exact.constraints)]
    return combination(terms)


def check_dual(exact: ExactNStep, proof: DualProof) -> DualCheck:
    """The upper bound's exact check: signs, weights, then ``ell = 0``, ``r <= 0``, ``-Q`` PSD."""
    names = exact.names
    if len(proof.multipliers) != len(names):
        return DualCheck(False, f"one multiplier per inequality is required ({len(names)}, the file has "
                                f"{len(proof.multipliers)})")
    negative = next((name for name, weight in zip(names, proof.multipliers) if weight < 0), None)
    if negative is not None:
        return DualCheck(False, f"the multiplier of {negative} is negative")
    if len(proof.weights) != len(exact.problem.tracked):
        return DualCheck(False, f"one weight per tracked measure is required ({len(exact.problem.tracked)})")
    if any(weight < 0 for weight in proof.weights) or sum(proof.weights) != 1:
        return DualCheck(False, "the weights of the tracked measures must be >= 0 and sum to 1")
    quadratic, linear, constant = residual(exact, proof)
    value = next((j for j, v in sorted(linear.items()) if v != 0), None)
    if value is not None:
        return DualCheck(False, f"the residual keeps the function value {exact.basis.value_names[value]} "
                                f"(coefficient {decimal_string(linear[value])}): the identity does not hold")
    if constant > 0:
        return DualCheck(False, "the residual has a positive constant term")
    n = exact.basis.n_vectors
    negated = [[Fraction(0)] * n for _ in range(n)]
    for (i, j), v in quadratic.items():
        if i == j:
            negated[i][i] -= v
        else:
            negated[i][j] -= v / 2
            negated[j][i] -= v / 2
    check = psd_certificate(negated)
    if not check.psd:
        return DualCheck(False, f"the residual matrix is not negative semidefinite ({check.reason})", check.pivots)
    return DualCheck(True, "", check.pivots)


# ---------------------------------------------------------------------------------------
# The lower bound: an explicit instance
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Instance:
    """``G = Y^T Y`` (``factor`` = the rows of ``Y``, one column per basis vector) and ``F``."""

    factor: tuple[tuple[Fraction, ...], ...]
    values: tuple[Fraction, ...]


def gram(factor: Sequence[Sequence[Fraction]], n: int) -> list[list[Fraction]]:
    """``Y^T Y`` exactly."""
    G = [[Fraction(0)] * n for _ in range(n)]
    for row in factor:
        nonzero = [(i, v) for i, v in enumerate(row) if v != 0]
        for a, (i, u) in enumerate(nonzero):
            for j, v in nonzero[a:]:
                G[i][j] += u * v
    for i in range(n):
        for j in range(i):
            G[i][j] = G[j][i]
    return G


def evaluate(scalar: Scalar, G, F) -> Fraction:
    """``<Q, G> + l^T F + const`` at an exact point."""
    total = Fraction(scalar.constant)
    for (i, j), v in scalar.quadratic.items():
        total += v * G[i][j]
    for j, v in scalar.linear.items():
        total += v * F[j]
    return total


def measures_at(exact: ExactNStep, instance: Instance) -> tuple[Fraction, list[Fraction]]:
    """``(init, [m_k])`` at the instance (shapes checked by :func:`check_instance`)."""
    G = gram(instance.factor, exact.basis.n_vectors)
    return evaluate(exact.problem.first, G, instance.values), [evaluate(m, G, instance.values) for m in exact.problem.tracked]


def check_instance(exact: ExactNStep, instance: Instance, lower: Fraction) -> tuple[bool, str]:
    """Every inequality at the instance, ``init <= 1``, every tracked measure ``>= lower``, and
    the compressor a function of its input."""
    n, m = exact.basis.n_vectors, exact.basis.n_values
    if not 1 <= len(instance.factor) <= n or any(len(row) != n for row in instance.factor):
        return False, f"the instance's factor must have 1 to {n} rows of {n} coordinates (one per basis vector)"
    if len(instance.values) != m:
        return False, f"the instance must give {m} function values"
    G, F = gram(instance.factor, n), instance.values
    for name, constraint in exact.constraints:
        if evaluate(constraint, G, F) > 0:
            return False, f"the instance violates {name}"
    start = evaluate(exact.problem.first, G, F)
    if start > 1:
        return False, f"the instance's initial condition is {decimal_string(start)} > 1"
    for k, measure in enumerate(exact.problem.tracked):
        value = evaluate(measure, G, F)
        if value < lower:
            where = f" at x{k}" if exact.problem.aggregate == "min" else ""
            return False, (f"the instance's measure{where} is {decimal_string(value)}, below the claimed lower bound "
                           f"{decimal_string(lower)}")
    calls = exact.problem.trace.compressions
    for a, (name_a, v_a, out_a) in enumerate(calls):
        for name_b, v_b, out_b in calls[a + 1:]:
            same_input = evaluate((v_a - v_b) @ (v_a - v_b), G, F) == 0
            if same_input and evaluate((out_a[0] - out_b[0]) @ (out_a[0] - out_b[0]), G, F) != 0:
                return False, f"the compressor calls {name_a} and {name_b} have one input and two outputs"
    return True, ""
