"""Classes below strong convexity (mu <= 0): the interpolation formula over [-L, L], the
optimum's global-minimum conditions, and which quadratics are instances.

References: gradient descent's exact rates (Drori & Teboulle 2014 on convex functions; Rotaru,
Glineur & Patrinos, arXiv 2406.17506, on nonconvex ones), through the theorem catalogue's closed
forms; PEPit's SmoothFunction for the interpolation inequality itself.
"""

from __future__ import annotations

from fractions import Fraction

import pytest

from pepcert.papers.theorems.classical import gradient_descent
from pepcert.papers.theorems.sublinear import drori_teboulle_bound, nonconvex_gradient_bound
from pepcert.pep.classes import Distributed, ProblemClass
from pepcert.pep.expressions import norm2
from pepcert.pep.functions import SmoothStronglyConvex, smooth_convex, smooth_nonconvex
from pepcert.pep.problem import Trace, worst_case


def test_descriptions_name_the_class():
    assert smooth_convex(1).describe() == "L-smooth convex, L = 1"
    assert smooth_nonconvex(2).describe() == "L-smooth nonconvex (curvature in [-L, L]), L = 2"
    assert "hypoconvex" in SmoothStronglyConvex(Fraction(-1, 2), 1).describe()
    assert "strongly convex" in SmoothStronglyConvex(Fraction(1, 2), 1).describe()


@pytest.mark.parametrize("mu", [Fraction(-1), Fraction(-1, 2), Fraction(-1, 10**30)])
def test_instances_of_a_nonconvex_class_are_minimised_at_zero(mu):
    """h x^2/2 with h < 0 is in the class but 0 is not its minimiser: never an instance."""
    fn = SmoothStronglyConvex(mu, 1)
    assert not fn.admits_curvature(mu) and not fn.admits_curvature(Fraction(-1, 10**40))
    assert fn.admits_curvature(0) and fn.admits_curvature(1)
    assert fn.scaling_curvatures() == [0.0, 1.0]
    assert fn.rational_curvature(-0.3) == 0


def test_optimality_conditions_only_where_interpolation_does_not_imply_them():
    for fn, expected in ((SmoothStronglyConvex(Fraction(1, 10), 1), 0), (smooth_convex(1), 0),
                         (smooth_nonconvex(1), 3), (SmoothStronglyConvex(Fraction(-1, 2), 1), 3)):
        trace = Trace(ProblemClass(fn))
        for _ in range(3):
            trace.point(trace.xstar + trace.basis.new_vector("d"))
        names = [name for name, _ in trace.constraints() if name.startswith("minimum(")]
        assert len(names) == expected, (fn, names)


def test_without_the_minimum_conditions_the_nonconvex_worst_case_is_larger(monkeypatch):
    """The conditions f_k - f* >= ||g_k||^2/(2L) are what make x* a global minimiser: dropping
    them the worst case of min ||grad f||^2 leaves the published exact value."""
    classes = ProblemClass(smooth_nonconvex(1))
    value = worst_case(gradient_descent(1.0), classes, 2, measure="min-gradient", initial="function").value
    assert value == pytest.approx(nonconvex_gradient_bound(1.0, -1.0, 1.0, 2), rel=1e-7)
    monkeypatch.setattr(SmoothStronglyConvex, "optimality", lambda self, points: [])
    relaxed = worst_case(gradient_descent(1.0), classes, 2, measure="min-gradient", initial="function").value
    assert relaxed > value * (1 + 1e-3)


@pytest.mark.parametrize("h", [0.5, 1.0, 1.5, 1.9])
def test_gradient_descent_nonconvex_exact_rate(h):
    classes = ProblemClass(smooth_nonconvex(1))
    for N in range(1, 11):
        value = worst_case(gradient_descent(h), classes, N, measure="min-gradient", initial="function").value
        assert value == pytest.approx(nonconvex_gradient_bound(1.0, -1.0, h, N), rel=1e-7), N


def test_gradient_descent_convex_drori_teboulle_with_L_2():
    classes = ProblemClass(smooth_convex(2))
    for N in (1, 7, 20):
        value = worst_case(gradient_descent(0.5), classes, N, measure="function", initial="distance").value
        assert value == pytest.approx(drori_teboulle_bound(2.0, 1.0, N), rel=1e-8)


def test_agents_with_a_common_minimiser_get_each_agents_conditions():
    """With a common minimiser each nonconvex f_i is minimised at x*; otherwise only the mean is,
    with L = mean L_i."""
    fns = (smooth_nonconvex(1), smooth_nonconvex(3))
    common = Trace(ProblemClass(Distributed(fns)))
    separate = Trace(ProblemClass(Distributed(fns, common_minimizer=False)))
    for trace in (common, separate):
        trace.point(trace.xstar + trace.basis.new_vector("d"))
    assert sorted(n for n, _ in common.constraints() if n.startswith("minimum")) == ["minimum(p1)@1", "minimum(p1)@2"]
    ((name, scalar),) = [(n, c) for n, c in separate.constraints() if n.startswith("minimum")]
    assert name == "minimum(p1)"
    point = separate.points[1]
    difference = scalar - (norm2(point.g) / 4 - point.f)  # 1/(2 mean L) = 1/4
    assert not difference.quadratic and not difference.linear and difference.constant == 0
