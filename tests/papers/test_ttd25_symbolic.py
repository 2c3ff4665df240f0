"""Thomsen, Taylor & Dieuleveut 2025: the symbolic proofs of CGD, EF and EF21 as data for the
generic verifier. Every proof passes, wrong proofs are rejected, and each proof specialised at
a rational point is an exact certificate of the numeric one-step problem."""

from __future__ import annotations

from dataclasses import replace

import pytest
import sympy

from pepcert.lyapunov.onestep import one_step
from pepcert.lyapunov.symbolic import verify
from pepcert.papers.theorems import catalogue
from pepcert.papers.ttd25 import closed_forms, lemmas, proofs
from pepcert.papers.ttd25.charts import ALPHA, ETA, MU, OMEGA, THETA, A, L, S, T, b
from pepcert.pep.compressors import Contractive
from pepcert.pep.functions import SmoothStronglyConvex
from pepcert.pep.problem import ProblemClass

METHODS = ("EF", "EF21", "CGD")
BRANCHES = [(m, branch) for m in METHODS for branch in ("mu", "L")]
R = sympy.Rational


def _with_piece(method, branch, piece):
    return proofs.registered(method).replace_piece(proofs.BRANCH_LABELS[branch], piece)


@pytest.mark.parametrize("method", METHODS)
def test_decrease_proof_holds(method):
    verdict = proofs.checked(method)
    assert verdict.proved, verdict.reason
    for piece in verdict.pieces:
        assert piece.identity and piece.continuous and piece.multipliers and all(piece.multipliers_nonnegative.values())
        assert piece.squares_nonnegative and all(piece.squares_nonnegative)
        assert all(ok for _, ok in piece.lemmas)


def test_ef_and_ef21_use_the_same_rate():
    for p, q in zip(proofs.checked("EF").pieces, proofs.checked("EF21").pieces):
        assert sympy.expand(p.rate - q.rate) == 0


def test_wrong_compressor_multiplier_breaks_the_identity():
    piece = proofs.branch_piece("EF", "L").with_multiplier("compressor(c0)", 2 / S)
    verdict = verify(proofs.symbolic_step("EF"), _with_piece("EF", "L", piece))
    assert not verdict.proved and not verdict.pieces[1].identity


def test_scaled_interpolation_multiplier_is_not_a_sum_of_squares():
    piece = proofs.branch_piece("EF", "L")
    lam = piece.multipliers["interpolation(x*,x0)"] * R(11, 10)
    wrong = piece.with_multiplier("interpolation(x*,x0)", lam).with_multiplier("interpolation(x0,x*)", lam)
    verdict = verify(proofs.symbolic_step("EF"), _with_piece("EF", "L", wrong))
    assert not all(verdict.pieces[1].squares_nonnegative) and not verdict.proved


def test_negative_multiplier_is_rejected():
    piece = proofs.branch_piece("CGD", "mu")
    name = "interpolation(x0,x1)"
    verdict = verify(proofs.symbolic_step("CGD"), _with_piece("CGD", "mu", piece.with_multiplier(name, -piece.multipliers[name])))
    assert verdict.pieces[0].multipliers_nonnegative[name] is False and not verdict.proved


@pytest.mark.parametrize("method,branch", [("EF21", "mu"), ("EF", "L"), ("CGD", "mu")])
def test_rate_below_the_closed_form_is_rejected(method, branch):
    piece = proofs.branch_piece(method, branch)
    verdict = verify(proofs.symbolic_step(method), _with_piece(method, branch, piece.with_rate(
        (piece.rate if piece.rate is not None else (1 - ETA * MU * (1 - S)) ** 2) * R(999, 1000))))
    assert not verdict.proved


def test_rate_above_the_closed_form_holds_but_is_not_the_paper_rate():
    piece = proofs.branch_piece("EF", "L")
    verdict = verify(proofs.symbolic_step("EF"), _with_piece("EF", "L", piece.with_rate(A**2 + (A - S) ** 2 / 100)))
    above = verdict.pieces[1]
    assert above.identity and all(above.squares_nonnegative)  # a looser bound still holds
    assert not all(ok for _, ok in above.lemmas)  # ... but it is not closed_forms.ef_branch
    assert not verdict.proved


# Points of the boxes (free variables); theta = 0 is eta = eta*.
POINTS = [
    {T: 1, ALPHA: R(1, 3), OMEGA: R(1, 2), THETA: R(1, 2), L: 2, MU: R(1, 3)},
    {T: R(1, 4), ALPHA: R(1, 10), OMEGA: 5, THETA: 0, L: 1, MU: 1},
    {T: 7, ALPHA: R(1, 50), OMEGA: R(1, 20), THETA: 9, L: 10, MU: R(1, 5)},
]


def _point(method, branch, point):
    """``(eta, mu, L, s, rho, coordinates)`` at a rational point of the piece's box."""
    piece = proofs.branch_piece(method, branch)
    if piece.chart is None:  # CGD: the range's own box, read at (s, mu, L) and eta around eta*
        at = {k: sympy.sympify(v) for k, v in POINTS[point].items()}
        s, mu, big_l, theta = 1 / (1 + at[T]), at[MU], at[MU] + at[L], at[THETA]
        star = closed_forms.optimal_step("CGD", mu, big_l, 1 - s**2)
        eta = star / (1 + theta) if branch == "mu" else star * (1 + theta)
        coordinates = {ETA: eta, MU: mu, L: big_l, S: s}
        return eta, mu, big_l, s, sympy.sympify(closed_forms.rate("CGD", mu, big_l, 1 - s**2, eta)), coordinates
    chart = piece.chart
    coordinates = {c: sympy.sympify(chart.box.images[c]).subs(POINTS[point]) for c in chart.box.coordinates}
    value = {p: sympy.sympify(chart.parameters.get(p, p)).subs(coordinates, simultaneous=True) for p in (ETA, MU, L, S)}
    return value[ETA], value[MU], value[L], value[S], sympy.sympify(piece.rate).subs(coordinates), coordinates


@pytest.mark.parametrize("point", range(len(POINTS)))
@pytest.mark.parametrize("method,branch", BRANCHES)
def test_specialised_proof_is_an_exact_certificate(method, branch, point):
    """At a rational point of a piece's box: the parameters are in the branch, rho is the
    paper's closed form, and the closed-form multipliers make the residual of the numeric
    one-step problem (built afresh with rationals) PSD; rho slightly smaller does not."""
    piece = proofs.branch_piece(method, branch)
    substitution = piece.chart.parameters if piece.chart is not None else {}
    eta, mu, big_l, s, rho, coordinates = _point(method, branch, point)
    delta = 1 - s**2
    assert all(v.is_Rational for v in (eta, mu, big_l, delta, rho)) and 0 < delta < 1 and 0 < mu < big_l and eta > 0
    star = closed_forms.optimal_step(method, mu, big_l, delta)
    assert (eta <= star) if branch == "mu" else (eta >= star)
    assert closed_forms.compare(rho, closed_forms.rate(method, mu, big_l, delta, eta)) == 0
    base = proofs.METHODS[method](eta)
    fixed = replace(base, families={"V": (("V", base.lyapunov),)})
    step = one_step(fixed, ProblemClass(SmoothStronglyConvex(mu, big_l), Contractive(delta)), family="V")
    constraints = dict(step.constraints)
    multipliers = {n: sympy.sympify(e).subs(substitution, simultaneous=True).subs(coordinates) for n, e in piece.multipliers.items()}
    assert all(m.is_Rational and m >= 0 for m in multipliers.values())

    def residual(rate):
        total = step.decrease(rate, weights=[1])
        for name, m in multipliers.items():
            total = total + m * constraints[name]
        return total

    n, m = step.basis.n_vectors, step.basis.n_values
    exact = residual(rho)
    assert all(sympy.sympify(v) == 0 for v in exact.value_row(m, dtype=object))
    assert sympy.Matrix(exact.gram_matrix(n, dtype=object)).is_positive_semidefinite
    lower = residual(rho - R(1, 10**6))  # the same multipliers no longer certify
    assert not (
        all(sympy.sympify(v) == 0 for v in lower.value_row(m, dtype=object))
        and sympy.Matrix(lower.gram_matrix(n, dtype=object)).is_positive_semidefinite
    )


def test_instance_polynomials_are_the_method_maps():
    z = lemmas.Z
    for name in ("EF", "EF21"):
        poly = lemmas.instance_polynomial(name)
        assert sympy.expand(poly.subs(lemmas.ALPHA_C, 1 + S) - (z**2 - b(lemmas.H) * z - S)) == 0
        assert sympy.expand(poly.subs(lemmas.ALPHA_C, 1 - S) - (z**2 - b(lemmas.H) * z - S)) != 0


def test_cgd_faster_is_strict_and_the_reverse_claim_fails():
    kappa = L / MU
    kappa_s = kappa * (1 + S) / (1 - S)
    c = (kappa_s - 1) / (kappa_s + 1)
    B = (1 - S) * (kappa - 1) / (kappa + 1)
    box = lemmas.box()
    assert box.positive_value(sympy.cancel(S + B * c - c**2))
    assert not box.nonnegative_value(sympy.cancel(c**2 - B * c - S))


def test_the_symbolic_theorems_are_in_the_catalogue():
    ids = [theorem.id for theorem in catalogue() if theorem.function.__module__.endswith(".ttd25_symbolic")]
    assert len(ids) == 8 and all(i.startswith("symbolic-") for i in ids)


@pytest.mark.parametrize("method", METHODS)
def test_random_compressor_proofs(method):
    verdict = proofs.checked_random(method)
    assert verdict.proved, verdict.reason
    assert all("compressor(c0)" in piece.multipliers for piece in verdict.pieces)


def test_random_compressor_proof_rejects_a_wrong_rate():
    piece = proofs.branch_piece("EF21", "L")
    wrong = _with_piece("EF21", "L", piece.with_rate(piece.rate * R(999, 1000)))
    assert not proofs.checked_random("EF21", base=wrong).proved


def test_one_step_runs_on_symbols():
    """The core builds the one-step problems with sympy parameters (no float conversion)."""
    for method in METHODS:
        step = proofs.symbolic_step(method)
        names = [name for name, _ in step.constraints]
        assert "compressor(c0)" in names and "interpolation(x0,x1)" in names
        assert any(isinstance(v, sympy.Basic) and v.free_symbols for v in step.constraints[0][1].quadratic.values())
