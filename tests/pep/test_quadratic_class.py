"""Quadratic agents, ``mu = L`` (``F_{L,L} = {L/2 ||x - c||^2 + b}``): the class's equalities
are necessary and sufficient (checked on numpy triples), and the rates computed with them equal
independent references -- gradient descent's ``(1 - eta L)^2``, the TTD 2025 closed forms of
``conftest`` at ``mu = L`` (written from the paper, not from pepcert) and the worst linear
instance -- for one agent, and the n-agent paper's cubic for a quadratic agent beside a
strongly convex one."""

from __future__ import annotations

import math
from fractions import Fraction as Q

import numpy as np
import pytest

from conftest import cgd_rate, ef_rate
from pepcert.analyses import tight_rate
from pepcert.lowerbounds.linear import worst_linear_instances
from pepcert.papers import ttd26
from pepcert.pep import BadInput, Contractive, ProblemClass, SmoothStronglyConvex, worst_case
from pepcert.pep.algorithms import BUILTIN_METHODS
from pepcert.pep.backends import LowRankNStep
from pepcert.pep.expressions import Basis
from pepcert.pep.functions import Point
from pepcert.pep.identities import gram_equalities, split
from pepcert.pep.problem import Trace


def test_the_class_admits_mu_equal_to_L_and_refuses_more():
    fn = SmoothStronglyConvex(Q(2), Q(2))
    assert fn.quadratic and not SmoothStronglyConvex(Q(1), Q(2)).quadratic
    assert fn.scaling_curvatures() == [2.0] and fn.scaling_curvatures(thorough=True) == [2.0]
    assert fn.admits_curvature(Q(2)) and not fn.admits_curvature(Q(2) - Q(1, 10**30))
    assert "quadratic" in fn.describe()
    with pytest.raises(BadInput, match="at most L"):
        SmoothStronglyConvex(Q(2) + Q(1, 10**400), Q(2))


def _triples(count: int, dimension: int, seed: int, L: float):
    """Points of ``f = L/2 ||x - c||^2 + b``: ``(x_i, grad f(x_i), f(x_i))``."""
    rng = np.random.default_rng(seed)
    c, b = rng.normal(size=dimension), rng.normal()
    xs = rng.normal(size=(count, dimension))
    return xs, L * (xs - c), L / 2 * ((xs - c) ** 2).sum(1) + b


def _residuals(L, xs, gs, fs) -> np.ndarray:
    """Every equality of the class evaluated at concrete triples (basis: x_i, g_i; values f_i):
    the scalar identities, the norms of the vector identities and their Gram rows."""
    basis = Basis()
    points = [Point(f"p{i}", basis.new_vector(f"x{i}"), basis.new_vector(f"g{i}"), basis.new_value(f"f{i}"))
              for i in range(len(xs))]
    vectors = np.array([v for pair in zip(xs, gs) for v in pair])
    gram = vectors @ vectors.T
    scalars, identities = split(SmoothStronglyConvex(L, L).equalities(points))
    assert len(scalars) == len(identities) == len(xs) - 1
    rows = scalars + gram_equalities(identities, basis)
    values = [np.sum(e.gram_matrix(basis.n_vectors) * gram) + e.value_row(basis.n_values) @ fs + float(e.constant)
              for _, e in rows]
    return np.array(values + [np.linalg.norm(u.dense() @ vectors) for _, u in identities])


@pytest.mark.parametrize("L", [1.0, 2.5])
def test_equalities_are_necessary_and_sufficient(L):
    xs, gs, fs = _triples(4, 6, seed=3, L=L)
    assert np.abs(_residuals(L, xs, gs, fs)).max() <= 1e-11  # every triple of a quadratic satisfies them
    bent = gs.copy()
    bent[2] += 1e-3 * np.random.default_rng(1).normal(size=6)  # a gradient off the line g = L (x - c)
    assert np.abs(_residuals(L, xs, bent, fs)).max() > 1e-6
    shifted = fs.copy()
    shifted[3] += 1e-3  # a value off the parabola
    assert np.abs(_residuals(L, xs, gs, shifted)).max() >= 1e-3 - 1e-12
    assert np.abs(_residuals(L, xs, gs, fs + 7.0)).max() <= 1e-10  # the constant b is free


def test_equalities_are_independent_and_the_class_has_no_inequality():
    """One step of EF21: the equalities' Gram and value rows have full rank (no redundant row
    for the solvers), and the interpolation inequalities are gone."""
    classes = ProblemClass(SmoothStronglyConvex(1.0, 1.0), Contractive(0.5))
    trace = Trace(classes)
    from pepcert.lyapunov.onestep import one_step

    step = one_step(BUILTIN_METHODS["ef21"](0.3), classes)
    n, m = step.basis.n_vectors, step.basis.n_values
    rows = np.array([np.concatenate([e.gram_matrix(n)[np.triu_indices(n)], e.value_row(m)]) for _, e in step.equalities])
    assert len(rows) > 0 and np.linalg.matrix_rank(rows) == len(rows)
    assert not any(name.startswith("interpolation") for name, _ in step.constraints)
    assert not classes.function.interpolation(trace.points)


@pytest.mark.parametrize("L, eta", [(1.0, 0.3), (2.0, 0.6), (2.0, 0.9), (0.5, 3.5)])
def test_gradient_descent_on_quadratics(L, eta):
    """Without compression (``delta = 1``): ``rho = (1 - eta L)^2`` exactly (the instance ``h = L``
    proves it from below; the Lyapunov search meets it to 1e-8: ``delta = 1`` makes the
    compressor inequality ``||C(v) - v||^2 <= 0`` degenerate), and the N-step worst case is
    ``(1 - eta L)^{2N}``."""
    classes = ProblemClass(SmoothStronglyConvex(L, L), Contractive(1.0))
    gd = BUILTIN_METHODS["cgd"](eta)
    expected = (1 - eta * L) ** 2
    assert max(case.rho for case in worst_linear_instances(gd, classes)) == pytest.approx(expected, abs=1e-15)
    rate = tight_rate(gd, classes)
    assert rate.lower_source == "instance" and abs(rate.rho - expected) <= 1e-8
    for N in (1, 3):
        assert worst_case(gd, classes, N, measure="distance").value == pytest.approx(expected**N, rel=1e-7)


@pytest.mark.parametrize("name", ["cgd", "ef", "ef21"])
@pytest.mark.parametrize("L, delta, eta", [(1.0, 0.5, 0.2), (1.0, 0.5, 0.9), (2.0, 0.3, 0.15), (2.0, 0.8, 0.6)])
def test_compressed_methods_match_their_linear_instances(name, L, delta, eta):
    """The closed forms at ``mu = L`` (one curvature ``h = L``) and the worst linear instance."""
    classes = ProblemClass(SmoothStronglyConvex(L, L), Contractive(delta))
    method = BUILTIN_METHODS[name](eta)
    expected = cgd_rate(L, L, delta, eta) if name == "cgd" else ef_rate(L, L, delta, eta)
    instance = max(case.rho for case in worst_linear_instances(method, classes))
    assert abs(instance - expected) <= 1e-12 * max(1.0, expected)
    rate = tight_rate(method, classes)
    assert abs(rate.rho - expected) <= 1e-8 * max(1.0, expected)


def test_n_step_function_measure_uses_the_value_equalities():
    """CGD's ``f - f*`` on ``f = L/2 ||x||^2`` contracts like ``||x||^2``: ``rho^N`` from a declared start."""
    L, delta, eta = 2.0, 0.5, 0.2
    classes = ProblemClass(SmoothStronglyConvex(L, L), Contractive(delta))
    value = worst_case(BUILTIN_METHODS["cgd"](eta), classes, 2, measure="function").value
    assert value == pytest.approx(cgd_rate(L, L, delta, eta) ** 2, rel=1e-8)


def test_the_low_rank_method_does_not_take_equalities():
    classes = ProblemClass(SmoothStronglyConvex(1.0, 1.0), Contractive(0.5))
    trace = Trace(classes)
    assert not LowRankNStep().qualifies(trace, "last")
    with pytest.raises(BadInput, match="low-rank"):
        worst_case(BUILTIN_METHODS["cgd"](0.3), classes, 2, solver="lowrank")


MIXED = [((1, 1), (1, 0.1), 0.5), ((1, 1), (1, 0.001), 0.3), ((1, 1), (0.9, 1.0), 0.7), ((1, 5), (0.5, 5), 0.4)]


@pytest.mark.parametrize("L, mu, delta", MIXED)
def test_a_quadratic_agent_beside_a_strongly_convex_one(L, mu, delta):
    """n = 2, one agent quadratic: the paper's EF21 Lyapunov function contracts at ``eta*`` by the
    cubic's largest root (the law the n-agent paper's panels draw with ``mu_i = L_i``)."""
    eta = ttd26.optimal_step(L, mu, delta)
    classes = ttd26.classes_of(L, mu, delta)
    value = worst_case(BUILTIN_METHODS["ef21"](eta, 2), classes, 1, measure=ttd26.paper_lyapunov(L, mu, delta)).value
    assert abs(value - ttd26.two_agent_rate(L, mu, delta)) <= 1e-7
    rate = tight_rate(BUILTIN_METHODS["ef21"](eta, 2), classes)
    assert rate.rho_lower <= rate.rho <= value + 1e-9  # the full family does at least as well as the paper's V


def test_two_quadratic_agents_contract_at_s():
    """``mu_i = L_i = 1`` for both agents: the cubic is ``(rho - s)^2 (rho - s^2)`` and the rate is ``s``."""
    delta = 0.5
    s = math.sqrt(1 - delta)
    eta = ttd26.optimal_step((1, 1), (1, 1), delta)
    classes = ttd26.classes_of((1, 1), (1, 1), delta)
    roots = ttd26.cubic_roots((1, 1), (1, 1), delta)
    assert roots.rate == pytest.approx(s, abs=1e-15) and roots.discriminant == 0
    assert roots.roots[2].real == pytest.approx(s * s, abs=1e-15)
    rate = tight_rate(BUILTIN_METHODS["ef21"](eta, 2), classes)
    assert abs(rate.rho - s) <= 1e-8 and rate.lower_source == "instance"


@pytest.mark.parametrize("name", ["ef", "ef21"])
@pytest.mark.parametrize("delta", [0.5, 0.9])
def test_at_the_optimal_step_the_rate_is_s(name, delta):
    """``mu = L``, ``eta* = (1 - s)/((1 + s) L)``: ``b_L = 0`` and ``rho* = s``. Two scaling
    instances tie there and together span the whole face ``g = L (x - x*)``; the facial reduction
    must still close the bracket, in one solve: its margin is capped where the equalities' free
    multipliers would make it unbounded (uncapped, the solve fails and only the top instance's
    round without interior, moved onto its face, closes it, after 5 solves)."""
    s = math.sqrt(1 - delta)
    classes = ProblemClass(SmoothStronglyConvex(1.0, 1.0), Contractive(delta))
    rate = tight_rate(BUILTIN_METHODS[name]((1 - s) / (1 + s)), classes)
    assert rate.lower_source == "instance" and abs(rate.rho - s) <= 1e-12 and rate.rho - rate.rho_lower <= 1e-12
    assert rate.solves == 1
