"""The saq oracle: one batched gradient call per new point, each agent's own seeded
compressor in the library's call shape, and the bits of every message recorded."""

from __future__ import annotations

import numpy as np
import pytest

from pepcert.pep.errors import BadInput
from pepcert.pep.simulate import iterate
from pepcert.saq.compressors import Dithering, SmoothnessAware
from pepcert.saq.methods import builtin_method, run_method
from pepcert.saq.oracle import SAQOracle
from pepcert.saq.quadratic import random_quadratics


class Counting:
    """A problem that counts its batched gradient calls."""

    def __init__(self, problem):
        self.problem, self.calls, self.n, self.d = problem, 0, problem.n, problem.d

    def gradients(self, x):
        self.calls += 1
        return self.problem.gradients(x)


@pytest.fixture(scope="module")
def quadratics():
    return random_quadratics(n=3, d=6, seed=5)


def test_one_gradient_call_per_point_and_each_agent_its_own(quadratics):
    counting = Counting(quadratics)
    oracle = SAQOracle(counting, [Dithering(1)] * 3, seed=4)
    x = np.linspace(-1, 1, 6)
    for i in range(3):
        np.testing.assert_array_equal(oracle.gradient(x, agent=i), quadratics.gradients(x)[i])
    np.testing.assert_allclose(oracle.gradient(x), quadratics.gradient(x), rtol=1e-15)
    assert counting.calls == 1
    oracle.gradient(x.copy(), agent=0)  # a new point (a new array): a new call
    assert counting.calls == 2
    # a DIANA step asks each agent once at the same x: one call per step
    method = builtin_method("diana", 3, 0.1, 0.5, 1.0)
    list(iterate(method, oracle, method.initial(np.zeros(6), oracle), 5))
    assert counting.calls == 2 + 5


def test_agents_have_independent_seeded_streams_and_the_bits_are_recorded(quadratics):
    compressor = Dithering(1)
    oracle = SAQOracle(quadratics, [compressor] * 3, seed=11)
    v = np.arange(1.0, 7.0)
    outputs = [oracle.compress(v, agent=i) for i in range(3)]
    # agent i's stream is the i-th child of the seed: the same draw as a fresh generator on it
    child = np.random.default_rng(np.random.SeedSequence(11).spawn(3)[2])
    message = compressor.encode(v, child)
    np.testing.assert_array_equal(outputs[2], compressor.decode(message))
    assert oracle.sent[2] == message.bits and len({tuple(o) for o in outputs}) > 1
    oracle.compress(v, agent=2)
    assert oracle.sent[2] > message.bits and oracle.sent[0] == compressor.encode(v, np.random.default_rng(
        np.random.SeedSequence(11).spawn(3)[0])).bits


def test_one_agent_calls_without_an_agent_and_bits_add_up():
    problem = random_quadratics(n=1, d=4, seed=1)
    run = run_method(problem, "diana", Dithering(2), 30, seed=2)
    assert run.errors[-1] < run.errors[0] and np.all(np.diff(run.bits) > 0)
    oracle = SAQOracle(random_quadratics(n=2, d=4, seed=1), [Dithering(1)] * 2)
    with pytest.raises(BadInput, match="agent"):
        oracle.compress(np.ones(4))
    with pytest.raises(BadInput, match="compressors for 2 agents"):
        SAQOracle(random_quadratics(n=2, d=4, seed=1), [Dithering(1)])


def test_smoothness_aware_agents_send_the_bits_of_their_own_preconditioned_vector(quadratics):
    aware = SmoothnessAware(Dithering(2))
    agents = [aware.agent(quadratics, i) for i in range(3)]
    oracle = SAQOracle(quadratics, agents, seed=0)
    v = np.linspace(1, 2, 6)
    c = oracle.compress(v, agent=1)
    rng = np.random.default_rng(np.random.SeedSequence(0).spawn(3)[1])
    w = quadratics.inv_sqrt_smoothness[1] @ v
    message = Dithering(2).encode(w, rng)
    np.testing.assert_allclose(c, quadratics.sqrt_smoothness[1] @ Dithering(2).decode(message), rtol=1e-12)
    assert oracle.sent[1] == message.bits
