"""The instances a worst-case search rates depend on the classes only, and are built once per
classes (:func:`pepcert.lowerbounds.linear.worst_linear_instances`; a Fig. 1 row meets the same
ones at each of its 200 steps). References: the closed form of TTD25 (the tight rate of EF and
CGD is the largest rate over ``h in {mu, L}`` and ``alpha in {1 - s, 1 + s}``) and the rates of
the same instances computed one at a time, without the batch or the remembered candidates.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from pepcert import Contractive, Method, ProblemClass, SmoothStronglyConvex
from pepcert.analyses.rates import float_classes
from pepcert.lowerbounds import linear
from pepcert.lowerbounds.linear import spectral_rate, worst_linear_instances
from pepcert.pep.algorithms import compressed_gradient_descent, error_feedback
from user_methods import heavy_ball


def _classes(delta: float, mu: float = 0.1) -> ProblemClass:
    return float_classes(ProblemClass(SmoothStronglyConvex(mu, 1.0), Contractive(delta)))


def _ef_closed_form(mu, L, delta, eta) -> float:
    """TTD25: ``max_h ((|b_h| + sqrt(b_h^2 + 4 s))/2)^2``, ``b_h = (1 - s) - eta h (1 + s)``."""
    s = math.sqrt(1 - delta)
    return max(((abs(b) + math.sqrt(b * b + 4 * s)) / 2) ** 2 for b in ((1 - s) - eta * h * (1 + s) for h in (mu, L)))


def _cgd_closed_form(mu, L, delta, eta) -> float:
    s = math.sqrt(1 - delta)
    return max((1 - eta * mu * (1 - s)) ** 2, (1 - eta * L * (1 + s)) ** 2)


@pytest.mark.parametrize("delta", [0.1, 0.5, 0.9])
def test_rates_over_a_row_of_steps_are_the_closed_forms(delta):
    """One classes, many steps (the remembered candidates serve every step after the first),
    then another classes: every worst rate is TTD25's closed form to 1e-12."""
    classes = _classes(delta)
    for eta in np.linspace(0.05, 1.8, 12):
        ef = worst_linear_instances(error_feedback(float(eta)), classes)[0].rho
        cgd = worst_linear_instances(compressed_gradient_descent(float(eta)), classes)[0].rho
        assert ef == pytest.approx(_ef_closed_form(0.1, 1.0, delta, eta), rel=1e-12, abs=1e-14)
        assert cgd == pytest.approx(_cgd_closed_form(0.1, 1.0, delta, eta), rel=1e-12, abs=1e-14)


def test_the_batched_search_rates_each_instance_as_alone():
    """Heavy ball with compression (a user method): every instance returned has the rate that
    instance alone gives (one step run, one eigenproblem), and the top one is the largest rate
    over the end instances rated one at a time."""
    method, classes = heavy_ball(0.4, 0.3), _classes(0.5)
    found = worst_linear_instances(method, classes)
    family = classes.scaling_family()
    alone = [spectral_rate(method, linear._instance(family, [h], [t])) for h in (0.1, 1.0) for t in family.ends()]
    assert found[0].rho == pytest.approx(max(case.rho for case in alone), rel=1e-12)
    for case in found:
        assert spectral_rate(method, case.instance).rho == case.rho


@pytest.mark.parametrize("eta", [0.3, 1.2])
def test_each_start_is_a_unit_eigenvector_of_its_map(eta):
    """The worst start ``[Re u, Im u]`` of every deterministic instance: ``M u = z u`` with
    ``||u|| = 1`` (EF at these steps has complex dominant eigenvalues on some instances)."""
    method, classes = error_feedback(eta), _classes(0.5)
    candidates = linear._candidates(classes, False)
    cases = linear.spectral_rates(method, candidates.ends + candidates.interior)
    assert any(abs(case.eigenvalue.imag) > 1e-3 for case in cases)
    for case in cases:
        u = case.start_factor[:, 0] + 1j * case.start_factor[:, 1]
        assert np.linalg.norm(u) == pytest.approx(1.0, abs=1e-14)
        assert np.allclose(case.matrices[0] @ u, case.eigenvalue * u, atol=1e-12)


def test_thorough_and_plain_searches_are_kept_apart():
    """The thorough search (17 curvatures) and the plain one (mu and L) of the same classes are
    remembered apart, asked in either order."""
    classes = _classes(0.5)
    linear._remembered_candidates.cache_clear()
    for thorough, curvatures in ((False, 2), (True, 17), (False, 2), (True, 17)):
        candidates = linear._candidates(classes, thorough)
        assert len(candidates.tuples) == curvatures and len(candidates.interior) == curvatures * linear.GRID
        assert len(candidates.ends) == 2 * curvatures


def _twice_compressed(eta, a=1.2):
    """``x+ = x - eta (2 a C(g) - C(C(g)))``: on ``C(v) = alpha v`` the step multiplies ``g`` by
    ``2 a alpha - alpha^2``, largest at ``alpha = a``, inside the family and between grid points."""
    def step(state, oracle):
        (x,) = state
        c = oracle.compress(oracle.gradient(x))
        return (x - eta * (2 * a * c - oracle.compress(c)),)

    return Method("twice", state=("x",), step=step, start=lambda x0, oracle: (x0,), parameters={"eta": eta})


@pytest.mark.parametrize("a", [1.2, 1.08])
def test_an_interior_worst_scaling_is_refined_between_its_grid_neighbours(a):
    """At ``eta = 2.5``, ``L = 1``, ``delta = 1/2``: the rate ``(1 - eta h (2 a alpha - alpha^2))^2``
    is largest at ``h = L``, ``alpha = a``: ``(1 - 2.5 a^2)^2``, above every end instance (at most
    3.84). The grid's best point (1.101 for both) is interior and the bounded search between its
    two neighbours finds ``a``: to its right (1.2) or to its left (1.08)."""
    found = worst_linear_instances(_twice_compressed(2.5, a), _classes(0.5))
    assert found[0].rho == pytest.approx((1 - 2.5 * a * a) ** 2, rel=1e-12)
    assert found[0].instance.hs == (1.0,) and found[0].instance.alphas[0][0] == pytest.approx(a, abs=1e-6)


class _UnhashableClasses(ProblemClass):
    __hash__ = None  # type: ignore[assignment]  # a user's classes need not be hashable


def test_unhashable_classes_are_searched_without_remembering():
    classes = _classes(0.5)
    unhashable = _UnhashableClasses(classes.function, classes.compressor)
    with pytest.raises(TypeError):
        hash(unhashable)
    method = error_feedback(0.7)
    assert worst_linear_instances(method, unhashable)[0].rho == worst_linear_instances(method, classes)[0].rho
