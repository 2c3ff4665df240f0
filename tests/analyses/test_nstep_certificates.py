"""Certified N-step worst cases against closed forms of the papers (issue 17 item 4).

* Gradient descent on L-smooth convex functions with step h/L: ``f(x_N) - f* <= L ||x_0 -
  x*||^2 / (4Nh + 2)``, attained (Drori & Teboulle, Math. Program. 145, 2014, Theorems 2 and 3
  for 0 < h <= 1).
* Gradient descent on L-smooth nonconvex functions at eta = 1/L: ``min_{k <= N} ||grad f(x_k)||^2
  <= 2L (f(x_0) - f*) / (1 + 1.5 N)``, attained (Rotaru, Glineur & Patrinos, arXiv 2406.17506).
* EF21 with a 1/2-contractive compressor (no closed form): the bracket holds pepcert's own
  floating-point worst case.

Each certificate goes through JSON and the checker, which rebuilds the problem from the method's
definition.
"""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

from pepcert.analyses import certify_nstep, check_certificate
from pepcert.analyses.certificate_file import parse_certificate_text
from pepcert.pep import Contractive, ProblemClass, SmoothStronglyConvex, worst_case
from pepcert.pep.algorithms import method_factory
from pepcert.pep.errors import BadInput
from pepcert.pep.functions import smooth_nonconvex
from user_methods import gradient_descent

L = Fraction(2)
N = 5


def _checked(result, method=None):
    """The certificate as a file would carry it, and the checker's report on it."""
    document = parse_certificate_text(json.dumps(result.certificate))
    return document, check_certificate(document, method=method)


@pytest.mark.parametrize("h", [Fraction(1, 2), Fraction(1)])
def test_gradient_descent_brackets_drori_teboulle(h):
    classes = ProblemClass(SmoothStronglyConvex(0, L), None)
    result = certify_nstep(gradient_descent, classes, h / L, N, measure="function", initial="distance")
    assert result.verified, result.reason
    reference = L / (4 * N * h + 2)
    assert result.lower <= reference <= result.upper
    assert (result.upper - result.lower) / result.upper <= Fraction(1, 10**6)
    assert result.statement.startswith("f(x_5) - f* <= ")
    _, report = _checked(result, gradient_descent)
    assert report.valid, report.reasons
    assert (report.upper_bound, report.lower_bound) == (result.upper, result.lower)
    assert "f(x_5) - f*" in report.statement() and "||x_0 - x*||^2" in report.statement()


def test_nonconvex_gradient_descent_brackets_rotaru_glineur_patrinos():
    iterations, smoothness = 3, Fraction(1)
    classes = ProblemClass(smooth_nonconvex(smoothness), None)
    result = certify_nstep(gradient_descent, classes, 1 / smoothness, iterations, measure="min-gradient",
                           initial="function")
    assert result.verified, result.reason
    reference = 2 * smoothness / (1 + Fraction(3, 2) * iterations)
    assert result.lower <= reference <= result.upper
    assert (result.upper - result.lower) / result.upper <= Fraction(1, 10**6)
    document, report = _checked(result, gradient_descent)
    assert report.valid, report.reasons
    # Four tracked measures (x_0..x_3), weights summing to 1; the optimum's conditions are named.
    assert len(document["upper"]["measure_weights"]) == iterations + 1
    assert "minimum(x3)" in document["upper"]["constraints"]


def test_ef21_with_a_contractive_compressor():
    classes = ProblemClass(SmoothStronglyConvex(0, 1), Contractive(Fraction(1, 2)))
    factory = method_factory("ef21")
    result = certify_nstep(factory, classes, Fraction(1, 2), 3, measure="function", initial="distance")
    assert result.verified, result.reason
    floating = worst_case(factory(0.5), classes, 3, measure="function", initial="distance").value
    assert float(result.lower) <= floating * (1 + 1e-7) and floating <= float(result.upper) * (1 + 1e-7)
    assert (result.upper - result.lower) / result.upper <= Fraction(1, 10**6)
    document, report = _checked(result)
    assert report.valid, report.reasons
    assert document["builtin"] == "ef21" and any(name.startswith("compressor(") for name in document["upper"]["constraints"])


def test_contractive_one_is_gradient_descent():
    """CGD with delta = 1 outputs its input exactly (no compressor constraint): the same
    worst case as GD, Drori-Teboulle's L/(4N + 2) at h = 1."""
    result = certify_nstep(method_factory("cgd"), ProblemClass(SmoothStronglyConvex(0, 1), Contractive(1)), 1, 4,
                           measure="function", initial="distance")
    assert result.verified and result.lower <= Fraction(1, 18) <= result.upper
    assert not any(name.startswith("compressor(") for name in result.certificate["upper"]["constraints"])


def test_what_the_certificates_do_not_cover_is_refused_in_one_line():
    quadratic = ProblemClass(SmoothStronglyConvex(1, 1), None)
    with pytest.raises(BadInput, match="equalities"):
        certify_nstep(gradient_descent, quadratic, Fraction(1, 2), 2, measure="function", initial="distance")
    random = ProblemClass(SmoothStronglyConvex(0, 1), Contractive(Fraction(1, 2), in_expectation=True))
    with pytest.raises(BadInput, match="deterministic"):
        certify_nstep(method_factory("cgd"), random, Fraction(1, 2), 2, measure="function", initial="distance")
    with pytest.raises(BadInput, match="1 to 50 iterations"):
        certify_nstep(gradient_descent, ProblemClass(SmoothStronglyConvex(0, 1)), 1, 51, measure="function")
    with pytest.raises(BadInput, match="float coefficient"):  # EF's V has 1/s = sqrt(2): not rational
        certify_nstep(method_factory("ef"), ProblemClass(SmoothStronglyConvex(0, 1), Contractive(Fraction(1, 2))),
                      Fraction(1, 4), 2, measure="lyapunov")


def test_an_unbounded_worst_case_is_a_solver_failure_not_a_certificate():
    """EF from a free state with f(x0) - f* <= 1: nothing bounds e0, the worst case is infinite."""
    from pepcert.pep.errors import SolverFailure

    classes = ProblemClass(SmoothStronglyConvex(0, 1), Contractive(Fraction(1, 2)))
    with pytest.raises(SolverFailure, match="not solved"):
        certify_nstep(method_factory("ef"), classes, Fraction(1, 2), 2, measure="function", initial="function",
                      start="free")
