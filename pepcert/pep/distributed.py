r"""n agents: ``f = (1/n) sum_i f_i``, each ``f_i`` in its own function class.

The distributed setting of Thomsen, Taylor & Dieuleveut (2026, *A tight theory of error
feedback algorithms in distributed optimization*): agent ``i`` holds ``f_i``, L_i-smooth and
mu_i-strongly convex (constants may differ), computes ``grad f_i`` and sends a compressed
message through its own, independent compressor. ``x*`` minimises ``f``, so
``sum_i grad f_i(x*) = 0``; with ``common_minimizer`` (which error feedback on the iterates needs, see the paper) every
``grad f_i(x*) = 0``.

Interpolation is per agent: triples ``(x_k, g_{i,k}, f_{i,k})`` of agent ``i`` satisfy the
interpolation inequalities of agent ``i``'s class (Taylor, Hendrickx & Glineur 2017,
Theorem 4); a set of per-agent triples is interpolable by ``(f_1, ..., f_n)`` iff each agent's
is, since the ``f_i`` are independent functions. ``f_i(x*)`` is fixed to 0 without loss of
generality (adding a constant to ``f_i`` changes no gradient), so ``f(x) - f* =
(1/n) sum_i f_i(x)``.

Lower-bound instances: ``f_i = h_i ||x||^2/2`` with ``h_i`` in agent ``i``'s curvatures and
``C_i(v) = alpha_i v`` drawn independently per agent (common minimiser 0).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from pepcert.pep.errors import BadInput

MAX_AGENTS = 16


@dataclass(frozen=True)
class Distributed:
    """The function class of ``f = (1/n) sum_i f_i`` with ``f_i`` in ``functions[i]``."""

    functions: tuple
    common_minimizer: bool = True

    def __post_init__(self):
        object.__setattr__(self, "functions", tuple(self.functions))
        if not 1 <= len(self.functions) <= MAX_AGENTS:
            raise BadInput(f"the number of agents must be in [1, {MAX_AGENTS}], got {len(self.functions)}")
        if not isinstance(self.common_minimizer, bool):
            raise BadInput("common_minimizer must be true or false")

    @property
    def agents(self) -> int:
        return len(self.functions)

    def interpolation(self, points) -> list:
        """Each agent's interpolation inequalities on its own triples (named ``...@i``)."""
        constraints = []
        for i, function in enumerate(self.functions):
            own = [point.agents[i] for point in points]
            constraints.extend((f"{name}@{i + 1}", c) for name, c in function.interpolation(own))
        return constraints

    def describe(self) -> str:
        minimiser = "a common minimiser" if self.common_minimizer else "minimisers may differ"
        if len(set(self.functions)) == 1:
            return f"{self.agents} agents, each {self.functions[0].describe()} ({minimiser})"
        return f"{self.agents} agents: " + "; ".join(
            f"f_{i + 1} {fn.describe()}" for i, fn in enumerate(self.functions)) + f" ({minimiser})"

    # -- the class protocol ------------------------------------------------------------------
    def converted(self, number) -> "Distributed":
        return Distributed(tuple(fn.converted(number) for fn in self.functions), self.common_minimizer)

    def numbers(self) -> dict:
        """Per-agent numbers as lists (``{"mu": [...], "L": [...]}``)."""
        keys = list(self.functions[0].numbers())
        return {key: [fn.numbers()[key] for fn in self.functions] for key in keys}

    def to_entry(self) -> dict:
        return {
            "type": "Distributed",
            "agents": [{"type": type(fn).__name__, **fn.numbers()} for fn in self.functions],
            "common_minimizer": self.common_minimizer,
        }

    def step_scale(self):
        """``1/mean L_i`` (the scale of a step on ``f``)."""
        scales = [fn.step_scale() for fn in self.functions]
        if any(s is None for s in scales):
            return None
        return len(scales) / sum(1.0 / s for s in scales)

    def agent_curvatures(self, thorough: bool = False) -> list[tuple]:
        """Curvature tuples ``(h_1, ..., h_n)``: every agent at one of its own curvatures."""
        per_agent = [fn.scaling_curvatures(thorough) for fn in self.functions]
        if any(not c for c in per_agent):
            return []
        return list(itertools.product(*per_agent))

    def scaling_curvatures(self, thorough: bool = False) -> list:
        return self.agent_curvatures(thorough)

    def admits_curvatures(self, hs) -> bool:
        return len(hs) == self.agents and all(fn.admits_curvature(h) for fn, h in zip(self.functions, hs))

    def rational_curvatures(self, hs) -> tuple:
        return tuple(fn.rational_curvature(float(h)) for fn, h in zip(self.functions, hs))
