r"""Classical results on gradient descent ``x+ = x - eta grad f(x)`` for L-smooth mu-strongly
convex ``f`` -- the theorems behind ``examples/your_own_method.py`` and
``examples/symbolic_gradient_descent.py``: a user's method (not a built-in) through every analysis.

``rho(eta) = max{(1 - eta mu)^2, (1 - eta L)^2}`` is the tight contraction factor of
``||x - x*||^2`` at every step ``eta > 0`` (and of ``f - f*`` for ``0 < eta < 2/L``), smallest at
``eta = 2/(L + mu)`` where it is ``((L - mu)/(L + mu))^2`` (Nesterov 2004, Theorem 2.1.15, at that
step); the worst quadratics ``f = h x^2/2``, ``h in {mu, L}``, attain it. Every function below
takes the method as ``method`` (a factory ``eta -> Method``; the catalogue's
:func:`gradient_descent` by default), so a user can check their own definition against the same
theorem.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

import sympy

from pepcert.analyses import certify, check_certificate, optimal_step, tight_rate
from pepcert.lyapunov.onestep import one_step
from pepcert.lyapunov.symbolic import (
    Bound,
    Lyapunov,
    Piece,
    Proof,
    Range,
    Split,
    verify,
)
from pepcert.papers.theorems.compare import Close, Encloses, Proved
from pepcert.papers.theorems.core import Theorem, TheoremError
from pepcert.pep.expressions import norm2
from pepcert.pep.functions import SmoothStronglyConvex
from pepcert.pep.methods import Method
from pepcert.pep.problem import ProblemClass, worst_case

SOURCE = "classical (gradient descent; Nesterov 2004, Theorem 2.1.15; de Klerk, Glineur & Taylor 2017)"


def gradient_descent(eta) -> Method:
    """``x+ = x - eta grad f(x)``, started at ``x0``, with the family ``{||x - x*||^2}``."""

    def step(state, oracle):
        (x,) = state
        return (x - eta * oracle.gradient(x),)

    return Method("GD", ("x",), step, start=lambda x0, oracle: (x0,),
                  families={"distance": (("||x - x*||^2", lambda z, classes: norm2(z.x)),)})


def _rate(mu, L, eta):
    return max((1 - eta * mu) ** 2, (1 - eta * L) ** 2)


def rate(mu, L, eta, method: Callable[..., Method] = gradient_descent) -> tuple[float, float]:
    r"""The tight rate ``rho(eta) = max{(1 - eta mu)^2, (1 - eta L)^2}``.

    Computed: :func:`pepcert.analyses.tight_rate` (the best quadratic Lyapunov function, closed
    from below by the worst linear instance). Checked to 1e-9 absolute.
    """
    computed = tight_rate(method(float(eta)), ProblemClass(SmoothStronglyConvex(float(mu), float(L)))).rho
    return computed, _rate(float(mu), float(L), float(eta))


def optimal_step_size(mu, L, method: Callable[..., Method] = gradient_descent) -> tuple[float, float]:
    r"""The step minimising ``rho(eta)`` is ``eta* = 2/(L + mu)``.

    Computed: :func:`pepcert.analyses.optimal_step` (a search on the tight rate, which must call
    its step proven optimal). Checked to 1e-9 absolute.
    """
    step = optimal_step(method, ProblemClass(SmoothStronglyConvex(float(mu), float(L))))
    if not step.proven_optimal:
        raise TheoremError(f"the step search does not prove eta = {step.eta} optimal")
    return step.eta, 2 / (float(L) + float(mu))


def function_value_worst_case(mu, L, eta, N: int, method: Callable[..., Method] = gradient_descent) -> tuple[float, float]:
    r"""From its start, ``f(x_N) - f* <= rho(eta)^N (f(x_0) - f*)`` for ``0 < eta < 2/L``, attained
    by the worst quadratic (de Klerk, Glineur & Taylor 2017: the per-step rate of ``f - f*`` is
    ``rho(eta)``).

    Computed: the N-step worst case of ``f(x_N) - f*`` given ``f(x_0) - f* <= 1``
    (:func:`pepcert.pep.problem.worst_case`). Checked to 1e-6 absolute.
    """
    classes = ProblemClass(SmoothStronglyConvex(float(mu), float(L)))
    value = worst_case(method(float(eta)), classes, N, measure="function").value
    return value, _rate(float(mu), float(L), float(eta)) ** N


def certified_rate(mu, L, eta, method: Callable[..., Method] = gradient_descent) -> tuple[tuple[Fraction, Fraction], Fraction]:
    r"""``rho(eta)`` certified from both sides in exact arithmetic, and the certificate re-checks
    with the same definition (:func:`pepcert.analyses.check_certificate` with ``method``).

    Computed: :func:`pepcert.analyses.certify`. Returns ``((rho_lower, rho_upper), rho(eta))``,
    exact; checked: the bracket contains ``rho(eta)`` and is at most 1e-6 wide.
    """
    mu, L, eta = Fraction(mu), Fraction(L), Fraction(eta)
    result = certify(method, ProblemClass(SmoothStronglyConvex(mu, L)), eta)
    if not result.verified:
        raise TheoremError(f"not verified ({result.reason})")
    report = check_certificate(result.certificate, method=method)
    if not report.valid:
        raise TheoremError(f"the certificate does not re-check ({'; '.join(report.reasons)})")
    return (result.rho_lower, result.rho_upper), _rate(mu, L, eta)


def distance_proof(method: Callable[..., Method] = gradient_descent) -> tuple[object, Proof]:
    r"""The decrease of ``||x - x*||^2`` by ``rho(eta)`` for all ``0 < mu < L``, ``eta > 0`` as
    data for the generic verifier: split at ``eta = 2/(L + mu)``; the two interpolation
    inequalities between ``x`` and ``x*`` carry the multiplier ``2 eta (1 - eta mu)`` below and
    ``2 eta (eta L - 1)`` above (the residual is then a square). Returns ``(one_step_problem, proof)``.
    """
    eta, mu, L = sympy.symbols("eta mu L", positive=True)

    def piece(multiplier):
        return Piece(Lyapunov(weights=(1,)), {"interpolation(x*,x0)": multiplier, "interpolation(x0,x*)": multiplier})

    problem = one_step(method(eta), ProblemClass(SmoothStronglyConvex(mu, L)), family="distance")
    proof = Proof(Range((Bound(mu), Bound(L, lower=mu), Bound(eta))),
                  Split(eta, 2 / (L + mu), below=piece(2 * eta * (1 - eta * mu)), above=piece(2 * eta * (eta * L - 1))),
                  rate=sympy.Max((1 - eta * mu) ** 2, (1 - eta * L) ** 2),
                  statement="gradient descent: ||x+ - x*||^2 <= max{(1 - eta mu)^2, (1 - eta L)^2} ||x - x*||^2")
    return problem, proof


def distance_decrease_for_all_parameters(method: Callable[..., Method] = gradient_descent) -> tuple[bool, bool]:
    r"""``||x+ - x*||^2 <= max{(1 - eta mu)^2, (1 - eta L)^2} ||x - x*||^2`` for every
    ``0 < mu < L`` and every ``eta > 0``, proved by the generic sympy verifier from the proof
    as data (:func:`distance_proof`). Returns ``(proved, True)``.
    """
    return verify(*distance_proof(method)).proved, True


F = Fraction
THEOREMS: list[Theorem] = [
    Theorem("gradient-descent-rate", SOURCE, "gradient descent (a user's method) has the tight rate max{(1 - eta mu)^2, (1 - eta L)^2}",
            rate, tuple({"mu": 0.1, "L": 1.0, "eta": eta} for eta in (0.5, 1.0, 1.9)), Close(atol=1e-9),
            "max{(1 - eta mu)^2, (1 - eta L)^2}"),
    Theorem("gradient-descent-optimal-step", SOURCE, "gradient descent's optimal step is 2/(L + mu)", optimal_step_size,
            ({"mu": 0.1, "L": 1.0},), Close(atol=1e-9), "2/(L + mu)"),
    Theorem("gradient-descent-worst-case", SOURCE, "gradient descent: f(x_N) - f* <= rho(eta)^N (f(x_0) - f*), tight",
            function_value_worst_case, ({"mu": 0.1, "L": 1.0, "eta": 0.5, "N": 3},), Close(atol=1e-6), "rho(eta)^N"),
    Theorem("gradient-descent-certified", SOURCE, "gradient descent's rate certified exactly; the certificate re-checks with the "
            "user's definition", certified_rate, ({"mu": F(1, 10), "L": F(1), "eta": F(20, 11)},), Encloses(width=1e-6),
            "max{(1 - eta mu)^2, (1 - eta L)^2}"),
    Theorem("gradient-descent-symbolic", SOURCE, "gradient descent contracts ||x - x*||^2 by max{(1 - eta mu)^2, "
            "(1 - eta L)^2} for all 0 < mu < L, eta > 0 (closed-form multipliers + exact SOS, sympy)",
            distance_decrease_for_all_parameters, ({},), Proved(), "both branches proved"),
]
