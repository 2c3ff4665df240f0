"""The batched instance maps (``pepcert.lowerbounds.linear.batched_maps``): one run of a
method's step on vectors of curvatures and scalings gives every instance's linear map.
Reference: the per-instance map from ``pepcert.pep.instances.linear_map`` (exact rationals).
A batch that silently fails falls back to per-instance runs with the same numbers, so the
test also asserts that the batch is actually used."""

from fractions import Fraction as Q

import numpy as np
import pytest

from pepcert.lowerbounds.linear import batched_maps
from pepcert.pep.algorithms import BUILTIN_METHODS
from pepcert.pep.instances import ScalingInstance, linear_map

CASES = [(h, a) for h in (Q(1, 10), Q(1)) for a in (Q(3, 10), Q(1), Q(17, 10))]


@pytest.mark.parametrize("name", ["cgd", "ef", "ef21"])
@pytest.mark.parametrize("eta", [Q(1, 20), Q(1, 5), Q(3, 5)])
def test_batched_maps_are_used_and_equal_the_exact_maps(name, eta):
    method = BUILTIN_METHODS[name](eta)
    stack = batched_maps(method, [ScalingInstance(float(h), float(a)) for h, a in CASES])
    assert stack is not None  # the batch runs (no silent per-instance fallback)
    for k, (h, alpha) in enumerate(CASES):
        exact = np.array(linear_map(method, ScalingInstance(h, alpha)), dtype=float)
        assert np.allclose(stack[k], exact, rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("name", ["ef", "ef21"])
def test_two_agent_batches_equal_the_exact_maps(name):
    """n agents go through the same batch: one curvature and one scaling per agent."""
    method = BUILTIN_METHODS[name](Q(1, 5), 2)
    instances = [((h, h2), (a, a2)) for (h, a) in CASES for (h2, a2) in CASES[::2]]
    stack = batched_maps(method, [ScalingInstance(tuple(map(float, hs)), tuple(map(float, al))) for hs, al in instances])
    assert stack is not None
    for k, (hs, alphas) in enumerate(instances):
        exact = np.array(linear_map(method, ScalingInstance(hs, alphas)), dtype=float)
        assert np.allclose(stack[k], exact, rtol=1e-14, atol=1e-15)
