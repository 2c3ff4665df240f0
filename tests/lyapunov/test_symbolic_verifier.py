"""The generic symbolic verifier on a user-defined method (issue 7, part 4).

Gradient descent ``x+ = x - eta grad f(x)`` written through the public API, ``V = ||x - x*||^2``:
for all ``0 < mu < L`` and ``0 < eta <= 2/(L + mu)`` the rate is
``max((1 - eta mu)^2, (1 - eta L)^2) = (1 - eta mu)^2`` (the classical bound; e.g. Ryu & Yin,
*Large-scale convex optimization*, Thm 2.1 / Nesterov 2004, Thm 2.1.15). The multiplier proof,
derived by hand: the two interpolation inequalities between ``x0`` and ``x*`` sum to
``(||g||^2 + mu L ||x - x*||^2 - (L + mu) <g, x - x*>)/(L - mu) <= 0``; on the mu-piece the
instance ``g = mu (x - x*)`` must be in the kernel of the residual, which fixes
``lambda = 2 eta (1 - eta mu)``; the residual is then
``eta mu^2 (2 - eta (L + mu))/(L - mu) ||x - x* - g/mu||^2 >= 0``. For ``eta >= 2/(L + mu)`` the
L-instance gives ``lambda = 2 eta (eta L - 1)`` and rate ``(1 - eta L)^2``.
"""

from __future__ import annotations

import sympy

from pepcert import Method, ProblemClass, SmoothStronglyConvex, norm2  # the public API at the top
from pepcert.lyapunov.onestep import one_step
from pepcert.lyapunov.symbolic import Bound, Lyapunov, Piece, Proof, Range, Split, verify
from pepcert.lyapunov.symbolic import check as verify_module

ETA, MU, L = sympy.symbols("eta mu L", positive=True)
STAR = 2 / (L + MU)
RATE = sympy.Max((1 - ETA * MU) ** 2, (1 - ETA * L) ** 2)
PAIR = ("interpolation(x*,x0)", "interpolation(x0,x*)")


def gradient_descent(eta) -> Method:
    def step(state, oracle):
        (x,) = state
        return (x - eta * oracle.gradient(x),)

    return Method("GD", ("x",), step, families={"distance": (("||x - x*||^2", lambda z, classes: norm2(z.x)),)})


def problem(family: str = "distance"):
    return one_step(gradient_descent(ETA), ProblemClass(SmoothStronglyConvex(MU, L)), family=family)


def piece(lam, rate=None, lyapunov=Lyapunov(weights=(1,))) -> Piece:
    return Piece(lyapunov=lyapunov, multipliers={name: lam for name in PAIR}, rate=rate)


MU_PIECE = piece(2 * ETA * (1 - ETA * MU))
L_PIECE = piece(2 * ETA * (ETA * L - 1))


def short_steps(body=MU_PIECE, rate=RATE) -> Proof:
    """0 < mu < L, 0 < eta <= 2/(L + mu)."""
    return Proof(Range([Bound(MU), Bound(L, lower=MU), Bound(ETA, upper=STAR, upper_closed=True)]), body, rate=rate,
                 statement="GD: ||x+ - x*||^2 <= max((1 - eta mu)^2, (1 - eta L)^2) ||x - x*||^2")


def test_gradient_descent_is_proved_for_all_parameters_in_the_range():
    verdict = verify(problem(), short_steps())
    assert verdict.proved, verdict.reason
    (only,) = verdict.pieces
    assert sympy.expand(only.rate - (1 - ETA * MU) ** 2) == 0  # the Max resolved on the range
    ((weight, column),) = only.squares
    assert sympy.simplify(weight - ETA * MU**2 * (2 - ETA * (L + MU)) / (L - MU)) == 0
    assert column == {"x0-x*": 1, "g(x0)": -1 / MU}
    assert verdict.to_dict()["proved"] is True


def test_the_full_family_gives_the_same_proof():
    full = piece(2 * ETA * (1 - ETA * MU), lyapunov=Lyapunov(matrix=((1, 0), (0, 0)), gap=0))
    assert verify(problem("full"), short_steps(full)).proved


def test_every_step_size_with_a_case_split():
    proof = Proof(Range([Bound(MU), Bound(L, lower=MU), Bound(ETA)]), Split(ETA, STAR, below=MU_PIECE, above=L_PIECE),
                  rate=RATE)
    verdict = verify(problem(), proof)
    assert verdict.proved, verdict.reason
    assert [sympy.expand(p.rate) for p in verdict.pieces] == [sympy.expand((1 - ETA * MU) ** 2), sympy.expand((1 - ETA * L) ** 2)]


def test_a_rate_slightly_too_small_is_rejected():
    verdict = verify(problem(), short_steps(rate=(1 - ETA * MU) ** 2 * sympy.Rational(999, 1000)))
    assert not verdict.proved
    assert "not" in verdict.reason


def test_the_mu_rate_alone_on_long_steps_is_rejected():
    """(1 - eta mu)^2 is not the rate for eta >= 2/(L + mu): no multiplier of the mu-form works,
    and the overall Max does not resolve to it there."""
    long_steps = Range([Bound(MU), Bound(L, lower=MU), Bound(ETA, lower=STAR, lower_closed=True)])
    wrong = Proof(long_steps, piece(2 * ETA * (1 - ETA * MU), rate=(1 - ETA * MU) ** 2))
    verdict = verify(problem(), wrong)
    assert not verdict.proved
    assert "eta" in verdict.pieces[0].range
    claimed = Proof(long_steps, piece(2 * ETA * (1 - ETA * MU), rate=(1 - ETA * MU) ** 2), rate=RATE)
    assert "not the proof's rate" in " ".join(verify(problem(), claimed).pieces[0].failures)


def test_a_multiplier_negative_on_part_of_the_range_is_rejected():
    """lambda = 2 eta (eta L - 1) is >= 0 only for eta >= 1/L: on short steps it is refused."""
    verdict = verify(problem(), short_steps(piece(2 * ETA * (ETA * L - 1))))
    assert not verdict.proved
    assert any("multiplier of interpolation" in failure for failure in verdict.pieces[0].failures)


def test_an_unknown_constraint_is_a_reason_not_a_crash():
    verdict = verify(problem(), short_steps(MU_PIECE.with_multiplier("interpolation(x7,x*)", 1)))
    assert not verdict.proved and "no constraint named" in verdict.reason


def test_a_multiplier_in_an_unknown_symbol_is_a_reason_not_a_crash():
    stray = sympy.Symbol("beta", positive=True)
    verdict = verify(problem(), short_steps(MU_PIECE.with_multiplier(PAIR[0], stray)))
    assert not verdict.proved and "not a rational function" in verdict.reason


def test_an_empty_range_is_rejected():
    backwards = Proof(Range([Bound(MU), Bound(L, lower=MU), Bound(ETA, lower=STAR, upper=1 / L)]), MU_PIECE, rate=RATE)
    assert "not manifestly nonempty" in verify(problem(), backwards).reason


def test_skipping_the_psd_check_would_accept_a_wrong_rate(monkeypatch):
    """Break the verifier (every square weight 'nonnegative'): the too-small rate passes, so the
    rejection above is the PSD check's doing."""
    wrong = short_steps(rate=(1 - ETA * MU) ** 2 * sympy.Rational(999, 1000))
    assert not verify(problem(), wrong).proved
    real = verify_module.identity_holds
    monkeypatch.setattr(verify_module, "_squares", lambda problem, piece, gram, box: ([], ""))
    monkeypatch.setattr(verify_module, "identity_holds", lambda gram, squares, zero: True)
    assert verify(problem(), wrong).proved  # the broken verifier is fooled
    assert real is not None
