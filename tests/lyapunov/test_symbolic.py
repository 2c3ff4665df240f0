"""Symbolic (sympy) proofs of the rates of CGD, EF and EF21 (issue 3, item 4).

Thomsen, Taylor & Dieuleveut 2025: the tight rates, optimal steps and Lyapunov functions of
CGD, EF and EF21, proved for all parameters with closed-form multipliers and exact sums of
squares. These tests check that every proof passes, that wrong proofs are rejected, and that
each proof specialised at a rational point is an exact certificate of the numeric problem.
"""

from __future__ import annotations

import time
from dataclasses import replace

import pytest
import sympy

from pepcert.papers.claims import registry
from pepcert.papers import ttd25 as closed_forms
from pepcert.lyapunov import symbolic as sy
from pepcert.lyapunov.onestep import one_step
from pepcert.pep.compressors import Contractive
from pepcert.pep.functions import SmoothStronglyConvex
from pepcert.pep.problem import ProblemClass

BRANCHES = [(method, branch) for method in ("EF", "EF21", "CGD") for branch in ("mu", "L")]
R = sympy.Rational


# -- the proofs pass ------------------------------------------------------------------------


@pytest.mark.parametrize("method,branch", BRANCHES)
def test_decrease_proof_holds(method, branch):
    result = sy.checked_decrease(method, branch)
    assert result.identity, result.reason
    assert result.continuous
    assert result.multipliers and all(result.multipliers_nonnegative.values()), result.multipliers_nonnegative
    assert result.squares and all(result.squares_nonnegative)
    failed = [text for text, ok in result.lemmas if not ok]
    assert not failed
    assert result.passed


def test_both_branches_together_cover_every_step():
    """The mu-branch charts cover 0 < eta <= eta*, the L-branch charts eta >= eta*."""
    proofs = sy.decrease_proofs()
    for method in ("EF", "EF21", "CGD"):
        assert "eta <= eta*" in proofs[(method, "mu")].chart.description
        assert "eta >= eta*" in proofs[(method, "L")].chart.description


def test_ef_and_ef21_use_the_same_rate():
    for branch in ("mu", "L"):
        assert sympy.expand(sy.checked_decrease("EF", branch).rate - sy.checked_decrease("EF21", branch).rate) == 0


# -- wrong proofs are rejected (the checks can fail) -----------------------------------------


def test_wrong_compressor_multiplier_breaks_the_identity():
    proof = sy.decrease_proofs()[("EF", "L")].with_multiplier("compressor(c0)", 2 / sy.S)
    result = sy.verify_decrease(proof)
    assert not result.identity
    assert not result.passed


def test_scaled_interpolation_multiplier_is_not_a_sum_of_squares():
    proof = sy.decrease_proofs()[("EF", "L")]
    lam = proof.multipliers["interpolation(x*,x0)"] * R(11, 10)
    wrong = proof.with_multiplier("interpolation(x*,x0)", lam).with_multiplier("interpolation(x0,x*)", lam)
    result = sy.verify_decrease(wrong)
    assert not all(result.squares_nonnegative)
    assert not result.passed


def test_negative_multiplier_is_rejected():
    proof = sy.decrease_proofs()[("CGD", "mu")]
    name = "interpolation(x0,x1)"
    result = sy.verify_decrease(proof.with_multiplier(name, -proof.multipliers[name]))
    assert result.multipliers_nonnegative[name] is False
    assert not result.passed


@pytest.mark.parametrize("method,branch", [("EF21", "mu"), ("EF", "L"), ("CGD", "mu")])
def test_rate_below_the_closed_form_is_rejected(method, branch):
    proof = sy.decrease_proofs()[(method, branch)]
    result = sy.verify_decrease(proof.with_rate(proof.rate * R(999, 1000)))
    assert not result.passed
    assert not (result.identity and all(result.squares_nonnegative))


def test_rate_above_the_closed_form_is_a_true_bound_but_not_the_paper_rate():
    proof = sy.decrease_proofs()[("EF", "L")]
    result = sy.verify_decrease(proof.with_rate(sy.A**2 + (sy.A - sy.S) ** 2 / 100))
    assert result.identity and all(result.squares_nonnegative)  # a looser bound still holds
    assert not all(ok for _, ok in result.lemmas)  # ... but it is not closed_forms.ef_branch
    assert not result.passed


def test_unknown_constraint_name_is_an_error():
    proof = sy.decrease_proofs()[("EF", "mu")].with_multiplier("interpolation(x2,x*)", 1)
    with pytest.raises(KeyError):
        sy.verify_decrease(proof)


# -- each proof specialises to an exact certificate at rational points -----------------------

# Points of the boxes (free variables); theta = 0 is eta = eta*. (The EF/EF21 L-branch box is a
# superset of its branch: with a > 1 and small theta it reaches mu/L <= 0; these points avoid it.)
POINTS = [
    {sy.T: 1, sy.ALPHA: R(1, 3), sy.OMEGA: R(1, 2), sy.ELL: 3, sy.THETA: R(1, 2), sy.L: 2, sy.MU: R(1, 3)},
    {sy.T: R(1, 4), sy.ALPHA: R(1, 10), sy.OMEGA: 5, sy.ELL: R(1, 10), sy.THETA: 0, sy.L: 1, sy.MU: 1},  # eta = eta*
    {sy.T: 7, sy.ALPHA: R(1, 50), sy.OMEGA: R(1, 20), sy.ELL: 40, sy.THETA: 9, sy.L: 10, sy.MU: R(1, 5)},
]


@pytest.mark.parametrize("point", range(len(POINTS)))
@pytest.mark.parametrize("method,branch", BRANCHES)
def test_specialised_proof_is_an_exact_certificate(method, branch, point):
    """At a rational point of the box: the parameters are in the branch, rho is the paper's
    closed form exactly, and with the closed-form multipliers the residual of the numeric
    one-step problem (built afresh with rationals) is PSD with no function-value part; rho
    slightly smaller is not."""
    proof = sy.decrease_proofs()[(method, branch)]
    chart = proof.chart
    coordinates = {c: sympy.sympify(chart.box[c]).subs(POINTS[point]) for c in chart.coordinates}
    value = {p: sympy.sympify(expr).subs(coordinates, simultaneous=True) for p, expr in chart.parameters.items()}
    eta, mu, big_l, delta, rho = (value[p] for p in (sy.ETA, sy.MU, sy.L, sy.DELTA, sy.RHO))
    assert all(v.is_Rational for v in (eta, mu, big_l, delta, rho))
    assert 0 < delta < 1 and 0 < mu < big_l and eta > 0
    star = closed_forms.optimal_step(method, mu, big_l, delta)
    assert (eta <= star) if branch == "mu" else (eta >= star)
    assert closed_forms.compare(rho, closed_forms.rate(method, mu, big_l, delta, eta)) == 0

    base = sy.METHODS[method](eta)
    fixed = replace(base, families={"V": (("V", base.lyapunov),)})
    step = one_step(fixed, ProblemClass(SmoothStronglyConvex(mu, big_l), Contractive(delta)), family="V")
    constraints = dict(step.constraints)
    multipliers = {name: sympy.sympify(expr).subs(coordinates, simultaneous=True) for name, expr in proof.multipliers.items()}
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


# -- instances, optimal steps, CGD faster ----------------------------------------------------


def test_instance_lemmas():
    results = sy.instance_lemmas()
    assert len(results) >= 8
    assert all(ok for _, ok in results), [text for text, ok in results if not ok]


def test_instance_polynomials_are_the_method_maps():
    z, b = sy.Z, sy._b(sy.H, sy.ETA, sy.S)
    at = {sy.ALPHA_C: 1 + sy.S}
    for name in ("EF", "EF21"):
        assert sympy.expand(sy.instance_polynomial(name).subs(at) - (z**2 - b * z - sy.S)) == 0
        # ... and the compressor (1 - s) v gives another polynomial (the check can fail)
        assert sympy.expand(sy.instance_polynomial(name).subs(sy.ALPHA_C, 1 - sy.S) - (z**2 - b * z - sy.S)) != 0


def test_optimal_step_lemmas():
    results = sy.optimal_step_lemmas()
    assert all(ok for _, ok in results), [text for text, ok in results if not ok]


def test_cgd_faster_than_ef():
    results = sy.cgd_faster_than_ef()
    assert all(ok for _, ok in results), [text for text, ok in results if not ok]


def test_cgd_faster_is_strict_and_the_reverse_claim_fails():
    kappa = sy.L / sy.MU
    kappa_s = kappa * (1 + sy.S) / (1 - sy.S)
    c = (kappa_s - 1) / (kappa_s + 1)
    B = (1 - sy.S) * (kappa - 1) / (kappa + 1)
    box = {sy.S: sy.SIGMA, sy.L: sy.MU + sy.ELL}
    assert sy.manifestly_positive((sy.S + B * c - c**2).subs(box))
    assert not sy.manifestly_nonnegative((c**2 - B * c - sy.S).subs(box))


# -- the exact positivity machinery ----------------------------------------------------------


def test_manifest_nonnegativity():
    T, THETA = sy.T, sy.THETA
    assert sy.manifestly_nonnegative(1 / (1 + T))
    assert sy.manifestly_nonnegative(THETA / (1 + THETA))
    assert sy.manifestly_nonnegative(-T / (-1 - T))
    assert not sy.manifestly_nonnegative(1 - T)
    assert not sy.manifestly_nonnegative((T - 1) ** 2)  # true but not manifest: conservative
    assert not sy.manifestly_nonnegative(1 / THETA)  # the denominator vanishes at theta = 0
    assert not sy.manifestly_nonnegative(sy.S)  # an unsubstituted coordinate proves nothing
    assert sy.manifestly_positive(1 + THETA) and not sy.manifestly_positive(THETA)


def test_resolve_abs_and_roots_exactly():
    T = sy.T
    assert sympy.expand(sy.resolve(sympy.Abs(-1 - T)) - (1 + T)) == 0
    assert sympy.expand(sy.resolve(sympy.sqrt(T**2 + 2 * T + 1)) - (1 + T)) == 0
    with pytest.raises(ArithmeticError):
        sy.resolve(sympy.Abs(T - 1))
    with pytest.raises(ArithmeticError):
        sy.resolve(sympy.sqrt(1 + T))


def test_chart_positivity_cancels_common_factors():
    chart = sy.Chart(coordinates=(sy.S, sy.A), parameters={}, box={sy.S: sy.T - 1, sy.A: (sy.T - 1) * (sy.T + 1)},
                     description="test")
    assert chart.nonnegative(sy.A / sy.S)  # (t^2 - 1)/(t - 1) = t + 1
    assert not chart.nonnegative(sy.S)


def test_one_step_runs_on_symbols():
    """The core builds the one-step problems with sympy parameters (no float conversion)."""
    for method in ("EF", "EF21", "CGD"):
        step = sy.symbolic_step(method)
        names = [name for name, _ in step.constraints]
        assert "compressor(c0)" in names and "interpolation(x0,x1)" in names
        assert any(isinstance(v, sympy.Basic) and v.free_symbols for v in step.constraints[0][1].quadratic.values())


# -- the claims ------------------------------------------------------------------------------


def test_symbolic_claims_are_registered_and_pass_quickly():
    ids = {claim.id for claim in registry()}
    claims = sy.symbolic_claims()
    assert {spec[0] for spec in claims} <= ids
    assert {spec[0] for spec in claims} >= {
        "symbolic-instances", "symbolic-optimal-steps", "symbolic-ef-decrease", "symbolic-ef21-decrease",
        "symbolic-cgd-decrease", "symbolic-ef-equals-ef21", "symbolic-cgd-faster", "symbolic-random-compressors",
    }
    start = time.perf_counter()
    for claim_id, paper, statement, expected, check in claims:
        computed, passed = check()
        assert passed, (claim_id, computed)
        assert isinstance(computed, str) and computed
    assert time.perf_counter() - start < 60  # ~8 s measured on the 2-core machine


# -- random compressors ----------------------------------------------------------------------


@pytest.mark.parametrize("method,branch", BRANCHES)
def test_random_compressor_proofs(method, branch):
    result = sy.verify_random(method, branch, outcomes=2)
    assert result.identity and result.multipliers_nonnegative and result.passed
    assert "compressor(c0)" in result.multipliers


def test_random_compressor_proof_rejects_a_wrong_rate():
    proof = sy.decrease_proofs()[("EF21", "L")]
    result = sy.verify_random("EF21", "L", proof=proof.with_rate(proof.rate * R(999, 1000)))
    assert not result.passed
