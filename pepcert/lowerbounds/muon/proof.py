"""A sympy-checked proof of the trace invariant, for symbolic ``beta`` and any schedule.

Parshakova, Khaled, Crawshaw, Garrigos, Gower (2026), "Muon does not converge on convex
Lipschitz functions": on ``f(W) = c |tr W| + |W_11 - W_22|`` Muon stays on ``tr W = 2`` for
every positive nonincreasing schedule. The proof is an induction on ``t`` with hypothesis

    H_t:  tr W_t = 2,   x_t := (W_t)_11 - (W_t)_22 = 2 s R_t  with  R_t = T_t >= 0,
          M_{t-1} = diag,  tr M_{t-1} = 2c (1 - u),  (M_{t-1})_11 - (M_{t-1})_22 = -k s (1 - s u),

where ``s = (-1)^t``, ``u = beta^t``, ``k = 2 (1 - beta)/(1 + beta)`` and
``T_t = gamma_inf/2 + sum_{k >= t} (-1)^(k-t) (gamma_k - gamma_inf)`` is the tail of the
(Cesaro) alternating sum of the steps. Each algebraic step below is an identity or a
positivity statement that sympy checks with ``beta``, ``u``, ``gamma_t``, ``R_t`` symbolic
(``s = +1`` and ``s = -1`` separately, since ``s`` only takes these values). The logical glue
(induction, "a convergent series equals its first term plus its tail", "a sum of nonnegative
terms is nonnegative") is stated in each step's ``justification``.

Positivity over ``0 <= beta < 1`` and ``0 <= v < 1`` is checked after the substitutions
``beta = b/(1 + b)``, ``v = w/(1 + w)`` with ``b, w >= 0``, which map ``[0, oo)`` onto
``[0, 1)``; sympy's assumptions then decide the sign of the factored rational function.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

__all__ = ["ProofStep", "SymbolicProof", "prove_trace_invariant"]


@dataclass(frozen=True)
class ProofStep:
    """One step: a claim, the sympy expression(s) that must vanish or be positive, and
    whether sympy verified it."""

    name: str
    claim: str
    justification: str
    verified: bool


@dataclass(frozen=True)
class SymbolicProof:
    """The induction behind the invariant; ``verified`` iff every step is."""

    statement: str
    steps: tuple

    @property
    def verified(self) -> bool:
        return all(step.verified for step in self.steps)

    def to_dict(self) -> dict:
        return {
            "statement": self.statement,
            "verified": self.verified,
            "steps": [
                {"name": s.name, "claim": s.claim, "justification": s.justification, "verified": s.verified}
                for s in self.steps
            ],
        }


def _is_zero(expr) -> bool:
    return sp.simplify(sp.expand(expr)) == 0


def _positive_on_unit_box(expr, beta, v) -> bool:
    """``expr(beta, v) > 0`` for all ``0 <= beta < 1``, ``0 <= v < 1``."""
    b, w = sp.symbols("b w", nonnegative=True)
    mapped = sp.factor(sp.together(expr.subs({beta: b / (1 + b), v: w / (1 + w)})))
    return mapped.is_positive is True


@dataclass(frozen=True)
class _Symbols:
    """The symbols of the induction step and the constants ``c``, ``k = 2 (1 - beta)/(1 + beta)``."""

    beta: sp.Symbol
    u: sp.Symbol  # u = beta^t
    v: sp.Symbol  # v = beta^(t+1) = beta u
    gamma_t: sp.Symbol
    R_t: sp.Symbol
    gamma_inf: sp.Symbol
    c: sp.Expr
    kappa: sp.Expr


def _symbols(c) -> _Symbols:
    """Symbols (all nonnegative) and ``c``, defaulting to the paper's ``(1 - beta)/(2 (1 + beta))``."""
    beta = sp.Symbol("beta", nonnegative=True)
    u, v = sp.symbols("u v", nonnegative=True)  # u = beta^t, v = beta^(t+1) = beta u
    gamma_t, R_t, gamma_inf = sp.symbols("gamma_t R_t gamma_inf", nonnegative=True)
    c = (1 - beta) / (2 * (1 + beta)) if c is None else sp.sympify(c)
    kappa = 2 * (1 - beta) / (1 + beta)
    return _Symbols(beta, u, v, gamma_t, R_t, gamma_inf, c, kappa)


def _step(name, claim, justification, verified) -> ProofStep:
    return ProofStep(name, claim, justification, bool(verified))


def _base_step(S: _Symbols) -> ProofStep:
    """Base case: ``W_0 = I + R_0 diag(1, -1)``, ``M_{-1} = 0`` (``u = beta^0 = 1``, ``s = 1``)."""
    R0 = sp.Symbol("R_0")
    W0 = sp.diag(1 + R0, 1 - R0)
    base = _is_zero(W0.trace() - 2) and _is_zero((W0[0, 0] - W0[1, 1]) - 2 * R0)
    base = base and _is_zero((2 * S.c * (1 - S.u)).subs(S.u, 1)) and _is_zero((-S.kappa * (1 - S.u)).subs(S.u, 1))
    return _step(
        "base",
        "tr W_0 = 2, x_0 = 2 R_0, and the momentum formulas give M_{-1} = 0 at t = 0",
        "W_0 = I + R_0 diag(1,-1) with R_0 = T_0 (the alternating sum of the steps)",
        base,
    )


def _check_subgradient(S: _Symbols, s: int, G) -> bool:
    """(1) ``G_t = c I + s diag(1, -1)`` is a subgradient at ``W_t`` (``tr W_t = 2 > 0``, ``s x_t = 2 R_t >= 0``).

    ``f(W) = c |tr W| + |x| >= c tr W + s x`` (``|y| >= y``, ``|y| >= s y``), with equality at
    ``W_t`` (``tr W_t = 2``, ``s x_t >= 0``); the minorant ``l(W) = c tr W + s x`` is linear with
    gradient ``G``.
    """
    H = sp.Matrix(2, 2, sp.symbols("h11 h12 h21 h22"))
    W_t = sp.diag(1 + s * S.R_t, 1 - s * S.R_t)
    minorant = lambda W: S.c * W.trace() + s * (W[0, 0] - W[1, 1])
    value_t = S.c * 2 + 2 * S.R_t  # f(W_t), since s x_t = 2 R_t >= 0
    return (
        _is_zero(minorant(W_t) - value_t)
        and _is_zero(minorant(W_t + H) - minorant(W_t) - (G.T * H).trace())
        and _positive_on_unit_box(S.c, S.beta, S.v)
    )


def _momentum_update(S: _Symbols, s: int, G):
    """(2) ``M_t = beta M_{t-1} + (1 - beta) G_t`` matches the hypothesis at ``t + 1``.

    Returns ``(verified, m1, m2)`` with ``m1,2 = (tau +- diff)/2`` the claimed diagonal of ``M_t``.
    """
    beta, u = S.beta, S.u
    tau_prev, diff_prev = 2 * S.c * (1 - u), -S.kappa * s * (1 - s * u)
    tau = beta * tau_prev + (1 - beta) * G.trace()
    diff = beta * diff_prev + (1 - beta) * (G[0, 0] - G[1, 1])
    s_next = -s
    tau_claim, diff_claim = 2 * S.c * (1 - beta * u), -S.kappa * s_next * (1 - s_next * beta * u)
    verified = _is_zero(tau - tau_claim) and _is_zero(diff - diff_claim)
    return verified, (tau_claim + diff_claim) / 2, (tau_claim - diff_claim) / 2


def _check_signs(S: _Symbols, s: int, m1, m2) -> bool:
    """(3) Opposite signs: ``s m1 > 0`` and ``-s m2 > 0`` on ``0 <= beta, v < 1``."""
    beta, u, v = S.beta, S.u, S.v
    in_v = lambda expr: sp.expand(expr).subs(beta * u, v).subs(u, v / beta)
    return _positive_on_unit_box(in_v(s * m1), beta, v) and _positive_on_unit_box(in_v(-s * m2), beta, v)


def _check_polar(U, s: int, m1, m2) -> bool:
    """(4) ``polar(M_t) = U = s diag(1, -1)``: ``U^T U = I`` and ``U^T M_t = diag(s m1, -s m2) > 0``."""
    M = sp.diag(m1, m2)
    return (
        _is_zero((U.T * U - sp.eye(2)).norm())
        and _is_zero((U.T * M - sp.diag(s * m1, -s * m2)).norm())
        and U.trace() == 0
    )


def _check_position(S: _Symbols, s: int, U) -> bool:
    """(5) ``W_{t+1} = W_t - gamma_t U``: trace unchanged, ``x_{t+1} = 2 s_{t+1} (gamma_t - R_t)``."""
    x_t = 2 * s * S.R_t
    W_t = sp.diag(1 + x_t / 2, 1 - x_t / 2)
    W_next = W_t - S.gamma_t * U
    return _is_zero(W_next.trace() - 2) and _is_zero((W_next[0, 0] - W_next[1, 1]) - 2 * (-s) * (S.gamma_t - S.R_t))


def _induction_steps(S: _Symbols) -> list[ProofStep]:
    """Steps (1)-(5) of ``H_t => H_{t+1}``, each checked for ``s = +1`` and ``s = -1``."""
    checks: dict[str, list] = {"subgradient": [], "momentum": [], "sign": [], "polar": [], "position": []}
    for s in (1, -1):
        G = sp.diag(S.c + s, S.c - s)
        checks["subgradient"].append(_check_subgradient(S, s, G))
        momentum, m1, m2 = _momentum_update(S, s, G)
        checks["momentum"].append(momentum)
        checks["sign"].append(_check_signs(S, s, m1, m2))
        U = sp.diag(s, -s)
        checks["polar"].append(_check_polar(U, s, m1, m2))
        checks["position"].append(_check_position(S, s, U))
    return [
        _step(
            "subgradient",
            "G_t = c I + s diag(1,-1) is a subgradient of f at W_t",
            "f >= l := c tr W + s x (c > 0, |y| >= s y), l(W_t) = f(W_t) and l is linear with gradient G_t "
            "(checked); at R_t = 0 this is the kink rule",
            all(checks["subgradient"]),
        ),
        _step(
            "momentum",
            "tr M_t = 2c (1 - beta^(t+1)) and (M_t)_11 - (M_t)_22 = k (-1)^t (1 - (-beta)^(t+1))",
            "M_t = beta M_{t-1} + (1 - beta) G_t, identity checked for s = +1 and s = -1",
            all(checks["momentum"]),
        ),
        _step(
            "opposite signs",
            "s (M_t)_11 > 0 > s (M_t)_22 for 0 <= beta < 1 (v = beta^(t+1) in [0, 1))",
            "both are rational functions that sympy proves positive on [0,1)^2 (c < (1-beta)/(1+beta))",
            all(checks["sign"]),
        ),
        _step(
            "polar factor",
            "polar(M_t) = (-1)^t diag(1, -1), which has trace 0",
            "U^T U = I and U^T M_t is diagonal with positive entries: the unique polar factor",
            all(checks["polar"]),
        ),
        _step(
            "step",
            "tr W_(t+1) = 2 and x_(t+1) = 2 (-1)^(t+1) R_(t+1) with R_(t+1) = gamma_t - R_t",
            "W_(t+1) = W_t - gamma_t polar(M_t), identity checked for s = +1 and s = -1",
            all(checks["position"]),
        ),
    ]


def _tail_recursion_step(S: _Symbols) -> ProofStep:
    """(6) Tail recursion ``T_t + T_{t+1} = gamma_t`` (so ``R_t = T_t`` for all ``t`` by induction)."""
    k, t = sp.symbols("k t", integer=True, nonnegative=True)
    gamma = sp.Function("gamma")
    term = (-1) ** (k - t) * (gamma(k) - S.gamma_inf)
    term_next = (-1) ** (k - t - 1) * (gamma(k) - S.gamma_inf)
    peeled = S.gamma_inf / 2 + term.subs(k, t) + sp.Sum(term, (k, t + 1, sp.oo))
    T_next = S.gamma_inf / 2 + sp.Sum(term_next, (k, t + 1, sp.oo))
    tail = _is_zero(sp.simplify(peeled + T_next - gamma(t)))
    return _step(
        "tail recursion",
        "T_t + T_(t+1) = gamma_t, hence R_t = T_t for every t (same recursion, R_0 = T_0)",
        "peel the first term of T_t (a convergent series); the remaining sums cancel termwise",
        tail,
    )


def _leibniz_step() -> ProofStep:
    """(7) Leibniz: ``T_t >= gamma_inf / 2 >= 0`` for a nonincreasing schedule."""
    t = sp.Symbol("t", integer=True, nonnegative=True)
    N = sp.Symbol("N", integer=True, nonnegative=True)
    delta = sp.Function("delta")  # delta_k = gamma_k - gamma_inf, nonincreasing, -> 0
    added = (-1) ** (2 * N) * delta(t + 2 * N) + (-1) ** (2 * N + 1) * delta(t + 2 * N + 1)
    pairing = _is_zero(sp.simplify(added) - (delta(t + 2 * N) - delta(t + 2 * N + 1)))
    return _step(
        "leibniz",
        "T_t - gamma_inf/2 = sum_j (delta_(t+2j) - delta_(t+2j+1)) >= 0",
        "the partial sums over 2N terms grow by delta_(t+2N) - delta_(t+2N+1) >= 0 (identity checked, "
        "induction on N), and converge to T_t - gamma_inf/2",
        pairing,
    )


def _gap_step(S: _Symbols) -> ProofStep:
    """(8) The gap: ``f(W_t) = c |2| + |2 s R_t| = 2c + 2 R_t >= 2c``, and ``2c = (1 - beta)/(1 + beta)``
    for the paper's constant (any ``c > 0`` gives the bound ``2c``)."""
    c = S.c
    gap = _is_zero((c * 2 + 2 * S.R_t) - 2 * c - 2 * S.R_t) and _positive_on_unit_box(c, S.beta, S.v)
    paper = _is_zero(2 * c - (1 - S.beta) / (1 + S.beta))
    return _step(
        "gap",
        "f(W_t) - f* = 2c + 2 R_t >= 2c > 0, and 2c = (1 - beta)/(1 + beta)",
        "f* = 0 (f >= 0 = f(0)); R_t >= 0 by the Leibniz step",
        gap and paper,
    )


def prove_trace_invariant(c=None) -> SymbolicProof:
    """Check the induction step of the invariant with sympy.

    ``c`` (a sympy expression in the symbol ``beta``) defaults to the paper's
    ``(1 - beta)/(2 (1 + beta))``; any other value is checked the same way, so a wrong
    constant (e.g. ``(1 - beta)/(1 + beta)``, where the momentum entries can vanish) fails.
    """
    S = _symbols(c)
    steps = [_base_step(S), *_induction_steps(S), _tail_recursion_step(S), _leibniz_step(), _gap_step(S)]
    statement = (
        "For every beta in [0,1) and every positive nonincreasing schedule, Muon on "
        "f(W) = c|tr W| + |W11 - W22| from W_0 = I + T_0 diag(1,-1) keeps tr W_t = 2 and "
        "f(W_t) - f* >= (1 - beta)/(1 + beta) for all t"
    )
    return SymbolicProof(statement, tuple(steps))
