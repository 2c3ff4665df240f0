"""The worst instances of a method at many steps found together
(``pepcert.lowerbounds.linear.worst_linear_instances_along``, what a sweep's row uses): the same
lists, bitwise, as ``worst_linear_instances`` on each method alone -- the reference -- and the
shared replay actually used (a silent fallback to one search per method would also agree)."""

import numpy as np
import pytest

from pepcert.analyses.rates import float_classes
from pepcert.lowerbounds import maps
from pepcert.lowerbounds.linear import worst_linear_instances, worst_linear_instances_along
from pepcert.pep import Contractive, ProblemClass, SmoothStronglyConvex
from pepcert.pep.algorithms import BUILTIN_METHODS
from user_methods import ef_heavy_ball, heavy_ball

CLASSES = float_classes(ProblemClass(SmoothStronglyConvex(0.1, 1), Contractive(0.5)))
STEPS = [float(e) for e in np.linspace(0.01, 2 / 1.1, 23)] + [2 / 1.1 * (1 - 2**0.5 / 2) / (1 + 2**0.5 / 2)]  # + EF's eta*


def assert_same(alone, together):
    assert len(alone) == len(together)
    for one, other in zip(alone, together):
        assert (one.rho, one.eigenvalue, one.instance) == (other.rho, other.eigenvalue, other.instance)
        assert np.array_equal(one.start_factor, other.start_factor)
        assert all(np.array_equal(a, b) for a, b in zip(one.matrices, other.matrices))


def replays(monkeypatch) -> list:
    calls: list = []
    original = maps.traced_maps_along

    def counted(methods, instances):
        calls.append(len(methods))
        return original(methods, instances)

    monkeypatch.setattr(maps, "traced_maps_along", counted)
    return calls


@pytest.mark.parametrize("factory", [BUILTIN_METHODS["cgd"], BUILTIN_METHODS["ef"], BUILTIN_METHODS["ef21"],
                                     lambda eta: ef_heavy_ball(eta, 0.3)])
def test_the_same_instances_as_each_method_alone(factory, monkeypatch):
    methods = [factory(eta) for eta in STEPS]
    alone = [worst_linear_instances(method, CLASSES) for method in methods]
    calls = replays(monkeypatch)
    together = worst_linear_instances_along(methods, CLASSES)
    assert calls == [len(methods)]  # one replay for every method
    for one, other in zip(alone, together):
        assert_same(one, other)
    assert any(len(found) > 1 for found in together) or factory is not BUILTIN_METHODS["ef"]  # eta*: a tie


def test_no_methods_no_instances():
    assert worst_linear_instances_along([], CLASSES) == []


def test_methods_of_other_structures_are_searched_alone(monkeypatch):
    methods = [heavy_ball(0.5, 0.1), BUILTIN_METHODS["ef"](0.5), heavy_ball(0.3, 0.2)]
    smooth = float_classes(ProblemClass(SmoothStronglyConvex(0.1, 1), Contractive(0.5)))
    calls = replays(monkeypatch)
    together = worst_linear_instances_along(methods, smooth)
    assert len(calls) == 1 + len(methods)  # the shared replay refused, then each method alone
    for method, found in zip(methods, together):
        assert_same(worst_linear_instances(method, smooth), found)
