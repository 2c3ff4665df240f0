"""Run a method on a concrete function and compressor (numpy), with the same definition.

The step a worst-case problem analyses symbolically runs here on arrays: this is how a
user checks a computed rate against an actual run, and how the lower-bound instances are
replayed. :func:`iterate` is the one run loop: it keeps whatever arithmetic the oracle and
the state use (numpy arrays, float or exact :class:`~pepcert.pep.numerics.matrix2.Mat2`);
:func:`simulate` runs it on float arrays and keeps the states.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from pepcert.pep.errors import BadInput
from pepcert.pep.lmo import linear_minimizer
from pepcert.pep.methods import Features, Method


class NumericOracle:
    """Oracle of a concrete function (``value``, ``gradient``) and compressor (``C(v, rng)``).

    ``lmo(v, norm)`` is the linear minimisation oracle of the norm the method names
    (:mod:`pepcert.pep.lmo`); it needs no function, so any concrete oracle has it.

    n agents: ``function`` is a sequence of the agents' functions ``f_i`` (``f`` is their
    mean) and ``compressor`` one compressor, used independently by every agent, or one per
    agent; ``gradient(x, agent=i)`` and ``compress(v, agent=i)`` are agent ``i``'s.
    """

    def __init__(self, function, compressor=None, rng: np.random.Generator | None = None):
        self.functions = tuple(function) if isinstance(function, (list, tuple)) else (function,)
        self.function = function
        self.agents = len(self.functions)
        if isinstance(compressor, (list, tuple)):
            if len(compressor) != self.agents:
                raise ValueError(f"{len(compressor)} compressors for {self.agents} agents")
            self.compressors = tuple(compressor)
        else:
            self.compressors = (compressor,) * self.agents
        self.compressor = compressor
        self.rng = rng if rng is not None else np.random.default_rng(0)

    def gradient(self, x, agent: int | None = None):
        if agent is not None:
            return self.functions[agent].gradient(x)
        return sum(f.gradient(x) for f in self.functions) / self.agents

    def value(self, x, agent: int | None = None):
        if agent is not None:
            return self.functions[agent].value(x)
        return sum(f.value(x) for f in self.functions) / self.agents

    def compress(self, v, agent: int | None = None):
        compressor = self.compressors[0 if agent is None else agent]
        if compressor is None:
            raise ValueError("this method calls a compressor but none was given")
        return compressor(v, self.rng)

    def lmo(self, v, norm):
        """``argmin_{||d|| <= 1} <v, d>`` for ``norm`` (a name of :data:`~pepcert.pep.lmo.NORMS`
        or an LMO object)."""
        return linear_minimizer(norm)(v)


@dataclass(frozen=True)
class Trajectory:
    """States ``x_0, ..., x_N`` of a run and the state at the optimum."""

    method: str
    states: tuple[tuple, ...]
    optimum: tuple
    state_names: tuple[str, ...]

    def features(self, k: int, oracle: NumericOracle) -> Features:
        """The Lyapunov features of state ``k`` (shifted state, gradient, gap)."""
        state = self.states[k]
        agents = oracle.agents
        return Features(
            {name: value - star for name, value, star in zip(self.state_names, state, self.optimum)},
            gradient=lambda: oracle.gradient(state[0]),
            gap=lambda: oracle.value(state[0]) - oracle.value(self.optimum[0]),
            gradients=lambda: (oracle.gradient(state[0]),) if agents == 1 else tuple(
                oracle.gradient(state[0], agent=i) - oracle.gradient(self.optimum[0], agent=i) for i in range(agents)),
        )


def iterate(method: Method, oracle, state: Sequence, iterations: int) -> Iterator[tuple]:
    """The states after steps ``1..iterations`` from ``state`` (lazily, in the oracle's
    arithmetic): ``state_{k+1} = step(state_k, oracle, k)``."""
    state = tuple(state)
    if len(state) != len(method.state):
        raise BadInput(f"{method.name} has state {method.state}; got {len(state)} values")
    for k in range(iterations):
        state = method.advance(state, oracle, k)
        yield state


def simulate(method: Method, oracle: NumericOracle, start: Sequence, iterations: int, minimizer) -> Trajectory:
    """Run ``iterations`` steps from ``start`` (a tuple of arrays in the order of the state)."""
    optimum = method.state_at_optimum(np.asarray(minimizer, dtype=float), oracle)
    state = tuple(np.asarray(s, dtype=float) for s in start)
    states = [state]
    for state in iterate(method, oracle, state, iterations):  # noqa: B020 - iterate() holds the start
        states.append(tuple(np.asarray(s, dtype=float) for s in state))
    return Trajectory(method.name, tuple(states), tuple(np.asarray(o, dtype=float) for o in optimum), method.state)

