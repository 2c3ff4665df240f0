"""The linear maps of scaling instances from a traced run of the step.

On ``f_i = h_i ||x||^2/2`` with ``C_i(v) = alpha_i v`` a method is a linear map ``M``
(:func:`pepcert.pep.instances.linear_map`). :func:`pepcert.lowerbounds.linear.batched_maps` runs
the step once per batch of instances on vectors of numbers (``_Batch``); this module runs it once
per method *structure* on :class:`~pepcert.pep.parametric.Param` s -- the method's numbers and
the instance's ``h_i``, ``alpha_i`` -- and replays the recorded operations on a new batch: the
same floating-point operations on the same operands, so the same maps, bitwise, without the
symbolic work. Where a guard of the traced run fails for some member of the batch (a coefficient
that vanishes there, a comparison the step makes) the caller runs the step as before.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

from pepcert.pep.instances import ScalingInstance, linear_map
from pepcert.pep.methods import Method
from pepcert.pep.parametric import NotRebindable, Program, Tape, TraceEscape, enabled, lookup_key, method_key

_CACHE: OrderedDict = OrderedDict()
_LOCK = threading.Lock()
CACHE_SIZE = 256


class _TracedMap:
    """The program of a method's map on ``agents``-agent deterministic instances."""

    def __init__(self, method: Method, hs: list[float], alphas: list[float]):
        tape = Tape()
        traced = method_key(method, tape)[2]
        instance = object.__new__(ScalingInstance)  # Params are not numbers its validation accepts
        object.__setattr__(instance, "hs", tuple(tape.input(h) for h in hs))
        object.__setattr__(instance, "alphas", tuple((tape.input(a),) for a in alphas))
        matrix = linear_map(traced, instance)
        self.size = len(matrix)
        self.program = Program(tape, [entry for row in matrix for entry in row], batch=True)

    def maps(self, numbers: list, hs: np.ndarray, alphas: np.ndarray) -> np.ndarray | None:
        """``(B, k, k)`` maps of a batch (``hs``, ``alphas``: ``(agents, B)``), or None."""
        values = self.program.run_batch(list(numbers) + list(hs) + list(alphas))
        if values is None:
            return None
        stack = np.zeros((hs.shape[1], self.size, self.size))
        for position, value in enumerate(values):
            stack[:, position // self.size, position % self.size] = value
        return stack


def traced_maps(method: Method, instances) -> np.ndarray | None:
    """The maps of deterministic instances with one number of agents, replayed (module
    docstring), or None (untraceable structure, a guard that fails, fresh builds asked)."""
    found = traced_maps_along([method], instances)
    return None if found is None else found[0]


def traced_maps_along(methods, instances) -> np.ndarray | None:
    """``(len(methods), len(instances), k, k)``: the maps of every method (one structure: a
    method at many steps, say) on every instance, from one replay whose numbers are vectors
    (each member of the batch meets the same operations on the same operands as in a replay of
    its method alone, so the same maps, bitwise); None as :func:`traced_maps` (or methods of
    different structures)."""
    if any(method.takes_iteration for method in methods) or not enabled():
        return None
    agents = instances[0].agents
    try:
        keys = [lookup_key(method) for method in methods]
        key = (keys[0][0], agents)
        hash(key)
    except (NotRebindable, TypeError, TraceEscape):
        return None
    if any(other != keys[0][0] for other, _ in keys[1:]):
        return None
    count = len(instances)
    numbers = [column[0] if len(methods) == 1 else np.repeat(np.array(column, dtype=float), count)
               for column in zip(*(numbers for _, numbers in keys))]
    hs = np.tile([[float(i.hs[a]) for i in instances] for a in range(agents)], len(methods))
    alphas = np.tile([[float(i.alphas[a][0]) for i in instances] for a in range(agents)], len(methods))
    with _LOCK:
        compiled = _CACHE.get(key, False)
    if compiled is False:
        try:  # traced at generic numbers: no coefficient vanishes there by accident
            compiled = _TracedMap(methods[0], [0.6180339887 + 0.1 * a for a in range(agents)],
                                  [1.3247179572 + 0.01 * a for a in range(agents)])
        except Exception:  # noqa: BLE001 - not traceable, or not linear: the caller runs the step itself
            compiled = None
        with _LOCK:
            _CACHE[key] = compiled
            while len(_CACHE) > CACHE_SIZE:
                _CACHE.popitem(last=False)
    if compiled is None:
        return None
    stack = compiled.maps(numbers, hs, alphas)
    return None if stack is None else stack.reshape(len(methods), count, compiled.size, compiled.size)
