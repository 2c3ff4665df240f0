r"""Thomsen, Taylor & Dieuleveut (2025): the Lyapunov-decrease proofs of CGD, EF and EF21 as
data for the generic verifier (:mod:`pepcert.lyapunov.symbolic`).

Parameters: ``s = sqrt(1 - delta)`` in ``(0, 1)`` (the one-step problems are built with
``delta = 1 - s^2``; ``delta -> s`` is a bijection of ``(0, 1)``), ``0 < mu < L``, ``eta > 0``,
split at the paper's optimal step ``eta*``: below it the curvature ``mu`` is active, above it
``L``. CGD's pieces are rational in the parameters (the range's own box); EF's and EF21's rates
``r(b_h)^2`` carry square roots, so their pieces use charts (:mod:`.charts`) in which the
active instance's dominant eigenvalue is a coordinate. The multipliers are the closed forms
of ``docs/symbolic.md`` (found from the active instance: its state must be in the kernel of
the residual; the proof does not rely on that).
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache

import sympy

from pepcert.lyapunov.onestep import one_step
from pepcert.lyapunov.symbolic import Bound, Lyapunov, Piece, Proof, Range, Split, verify
from pepcert.lyapunov.symbolic.averaging import averaged_proof
from pepcert.papers.ttd25 import closed_forms
from pepcert.papers.ttd25.charts import ETA, MU, A, L, S, W, ef_type_chart_L, ef_type_chart_mu
from pepcert.pep.algorithms import compressed_gradient_descent, ef21, error_feedback
from pepcert.pep.compressors import Contractive
from pepcert.pep.functions import SmoothStronglyConvex
from pepcert.pep.problem import ProblemClass

METHODS = {"CGD": compressed_gradient_descent, "EF": error_feedback, "EF21": ef21}
EVERY = "for all 0 < delta < 1 (s = sqrt(1 - delta)), 0 < mu < L, eta > 0"
_INTERP = "interpolation({},{})"


def parameters() -> Range:
    """``0 < s < 1``, ``0 < mu``, ``mu < L``, ``0 < eta``."""
    return Range([Bound(S, 0, 1), Bound(MU), Bound(L, lower=MU), Bound(ETA)])


def classes(random: bool = False) -> ProblemClass:
    """``F_{mu,L}`` and a ``(1 - s^2)``-contractive compressor (surely or in expectation)."""
    return ProblemClass(SmoothStronglyConvex(MU, L), Contractive(1 - S**2, in_expectation=random))


@cache
def symbolic_step(method: str, outcomes: int = 1):
    """The one-step problem of the built-in method with symbolic ``eta, mu, L, s``, for the
    one-term family ``V`` = the method's registered (paper) Lyapunov function."""
    base = METHODS[method](ETA)
    assert base.lyapunov is not None  # every built-in method registers its paper V
    fixed = replace(base, families={"paper V": (("V", base.lyapunov),)})
    return one_step(fixed, classes(random=outcomes > 1), family="paper V", outcomes=outcomes)


def _ef_piece(branch: str) -> Piece:
    r"""EF: compressor multiplier ``1/s`` (``c`` cancels); interpolation ``x0 <-> x*`` both ways
    with ``lambda_L = 2 (a - s)(1 + a)/(L (1 + s))`` or ``lambda_mu = 2 (w + s)(1 - w)/(mu (1 + s))``."""
    if branch == "L":
        chart, lam, rate = ef_type_chart_L(), 2 * (A - S) * (1 + A) / (L * (1 + S)), A**2
    else:
        chart, lam, rate = ef_type_chart_mu(), 2 * (W + S) * (1 - W) / (MU * (1 + S)), W**2
    return Piece(
        lyapunov=Lyapunov(weights=(1,)),
        multipliers={_INTERP.format("x*", "x0"): lam, _INTERP.format("x0", "x*"): lam, "compressor(c0)": 1 / S},
        rate=rate,
        pivots=(("before", 1), ("before", 0), ("before", 2)),  # e, x - x*, g
        chart=chart,
    )


def _ef21_piece(branch: str) -> Piece:
    r"""EF21: compressor multiplier ``1``; interpolation ``x0 <-> x1`` both ways with
    ``lambda_L = 2 a^2 s (1 + s) L/((a - s)(1 + a))`` or ``2 s w^2 (1 + s) mu/((w + s)(1 - w))``."""
    if branch == "L":
        chart, lam, rate = ef_type_chart_L(), 2 * A**2 * S * (1 + S) * L / ((A - S) * (1 + A)), A**2
    else:
        chart, lam, rate = ef_type_chart_mu(), 2 * S * W**2 * (1 + S) * MU / ((W + S) * (1 - W)), W**2
    return Piece(
        lyapunov=Lyapunov(weights=(1,)),
        multipliers={_INTERP.format("x0", "x1"): lam, _INTERP.format("x1", "x0"): lam, "compressor(c0)": sympy.Integer(1)},
        rate=rate,
        pivots=(("before", 1), ("before", 2), ("after", 2)),  # d, grad f(x0), grad f(x1)
        chart=chart,
    )


def _cgd_piece(branch: str) -> Piece:
    r"""CGD, ``V = f - f*``, ``m = eta mu``, ``p = eta L (1 + s)``.

    * mu-branch, ``r = 1 - eta mu (1 - s)``: ``(x*, x0)``: ``r (1 - r)``, ``(x*, x1)``:
      ``1 - r``, ``(x0, x1)``: ``r``, compressor ``eta r/(2 s)``;
    * L-branch, ``l = (p - 1)/(p - 1 + m (1 - s))``: ``(x*, x0)``: ``(1 - l)(p - 1)``,
      ``(x*, x1)``: ``1 - l``, ``(x0, x*)``: ``p (p - 1 - l)``, ``(x0, x1)``: ``l``,
      compressor ``eta (p - 1)/(2 s)`` (multipliers are not unique there; this ``l`` stays in
      ``[0, 1]`` for every ``eta >= eta*``).
    """
    if branch == "mu":
        r = 1 - ETA * MU * (1 - S)
        multipliers = {
            _INTERP.format("x*", "x0"): r * (1 - r),
            _INTERP.format("x*", "x1"): 1 - r,
            _INTERP.format("x0", "x1"): r,
            "compressor(c0)": ETA * r / (2 * S),
        }
    else:
        p, m = ETA * L * (1 + S), ETA * MU
        ell = (p - 1) / (p - 1 + m * (1 - S))
        multipliers = {
            _INTERP.format("x*", "x0"): (1 - ell) * (p - 1),
            _INTERP.format("x*", "x1"): 1 - ell,
            _INTERP.format("x0", "x*"): p * (p - 1 - ell),
            _INTERP.format("x0", "x1"): ell,
            "compressor(c0)": ETA * (p - 1) / (2 * S),
        }
    return Piece(
        lyapunov=Lyapunov(weights=(1,)),
        multipliers=multipliers,
        pivots=(("after", 1), ("before", 1), "c0", ("before", 0)),  # g1, g0, c0, x0 - x*
    )


def proof(method: str) -> Proof:
    """The paper's proof for ``method``: a split at ``eta*`` into the mu- and L-pieces."""
    if method == "CGD":
        star = closed_forms.optimal_step("CGD", MU, L, 1 - S**2)
        below, above = _cgd_piece("mu"), _cgd_piece("L")
        rate = closed_forms.rate("CGD", MU, L, 1 - S**2, ETA)
        statement = f"CGD: f(x+) - f* <= rho(eta) (f(x) - f*) {EVERY}"
    else:
        star = 2 * (1 - S) / ((L + MU) * (1 + S))
        piece = _ef_piece if method == "EF" else _ef21_piece
        below, above, rate = piece("mu"), piece("L"), None
        statement = f"{method}: V(after) <= rho(eta) V(before) {EVERY} (rho = r(b_mu)^2 below eta*, r(b_L)^2 above)"
    return Proof(parameters(), Split(ETA, star, below=below, above=above), rate=rate, statement=statement, name=method)


BRANCH_LABELS = {"mu": "eta<=", "L": "eta>="}


def branch_piece(method: str, branch: str) -> Piece:
    """The piece of ``method``'s proof on the ``"mu"`` (``eta <= eta*``) or ``"L"`` branch."""
    return {label: piece for label, _, piece in proof(method).pieces()}[BRANCH_LABELS[branch]]


@cache
def registered(method: str) -> Proof:
    """:func:`proof`, built once per process (its verdict's squares refer to its charts)."""
    return proof(method)


@cache
def checked(method: str):
    """:func:`verify` of the registered proof, computed once per process."""
    return verify(symbolic_step(method), registered(method))


def random_proof(method: str, outcomes: int = 2, base: Proof | None = None) -> Proof:
    """The registered proof (or ``base``) averaged over ``outcomes`` outcomes of a compressor
    contractive in expectation (the deterministic squares, mapped; see ``averaging``)."""
    base = registered(method) if base is None else base
    verdict = checked(method) if base is registered(method) else verify(symbolic_step(method), base)
    return averaged_proof(symbolic_step(method), symbolic_step(method, outcomes), base, verdict)


def checked_random(method: str, outcomes: int = 2, base: Proof | None = None):
    """:func:`verify` of :func:`random_proof` on the ``outcomes``-outcome one-step problem."""
    return verify(symbolic_step(method, outcomes), random_proof(method, outcomes, base))
