r"""The numeric oracle of the distributed problems: what the built-in Methods call when
``pepcert saq`` runs them through :func:`pepcert.pep.simulate.iterate`.

The same built-in definitions that the worst-case analyses read (DIANA and compressed
gradient descent in :mod:`pepcert.pep.algorithms`) run here on numpy arrays. Their step asks, agent by agent, for ``gradient(x, agent=i)`` and
``compress(v, agent=i)``; this oracle

* serves agent ``i``'s gradient from one batched call ``problem.gradients(x)`` per new point
  ``x`` (the first agent's request computes all ``n``; the others read the cache, keyed by the
  identity of ``x``, which a step never mutates);
* compresses with agent ``i``'s own compressor and its own generator (spawned from one seed,
  :class:`numpy.random.SeedSequence`), in the library's call shape split in two:
  ``message = compressor.encode(v, rng)``, ``C(v) = compressor.decode(message)``;
* records the bits of every message: ``sent[i]`` is agent ``i``'s cumulative count.

With one agent the built-ins call ``gradient(x)`` and ``compress(v)`` without an agent: that
is agent 0. Points and vectors may carry leading batch axes (independent replicas) when
``problem.gradients`` accepts them; bits then have the batch shape.
"""

from __future__ import annotations

import numpy as np

from pepcert.pep.errors import BadInput
from pepcert.pep.simulate import NumericOracle


class _AgentFunction:
    """Agent ``i``'s ``f_i`` as a function object (``gradient``, ``value``) of the oracle."""

    def __init__(self, oracle: SAQOracle, agent: int):
        self.oracle, self.agent = oracle, agent

    def gradient(self, x):
        return self.oracle.gradient(x, agent=self.agent)

    def value(self, x):
        values = getattr(self.oracle.problem, "values", None)
        if values is None:
            raise BadInput("this problem has no per-agent values")
        return values(x)[self.agent]


class SAQOracle(NumericOracle):
    """Gradients of ``problem`` (``n`` agents) and one compressor per agent (module docstring).

    ``compressors``: one object per agent with ``encode(v, rng) -> Message`` and
    ``decode(message)``; ``seed``: the root of the agents' generators."""

    def __init__(self, problem, compressors, seed: int = 0):
        compressors = tuple(compressors)
        if len(compressors) != problem.n:
            raise BadInput(f"{len(compressors)} compressors for {problem.n} agents")
        self.problem = problem
        rngs = [np.random.default_rng(s) for s in np.random.SeedSequence(int(seed)).spawn(problem.n)]
        super().__init__([_AgentFunction(self, i) for i in range(problem.n)], list(compressors), rngs[0])
        self.rngs = rngs
        self.sent = [0] * problem.n  # cumulative bits per agent (arrays for batches)
        self._point = None
        self._gradients: np.ndarray | None = None

    def _agent(self, agent: int | None) -> int:
        if agent is None:
            if self.agents != 1:
                raise BadInput(f"a method asked for an agent-less oracle call with {self.agents} agents")
            return 0
        return agent

    def gradient(self, x, agent: int | None = None):
        if x is not self._point:
            self._gradients = self.problem.gradients(x)
            self._point = x
        assert self._gradients is not None
        if agent is None and self.agents > 1:
            return self._gradients.mean(axis=-2)
        return self._gradients[..., self._agent(agent), :]

    def compress(self, v, agent: int | None = None):
        i = self._agent(agent)
        message = self.compressors[i].encode(v, self.rngs[i])
        self.sent[i] = self.sent[i] + message.bits
        return self.compressors[i].decode(message)
