r"""Explicit instances on which a method is a linear map (or a random linear map).

The papers' lower bounds (Thomsen, Taylor & Dieuleveut 2025, Section 4) use the quadratic
``f(x) = h ||x||^2 / 2`` with ``mu <= h <= L`` and the compressor ``C(v) = alpha v`` with
``|alpha - 1| <= sqrt(1 - delta)``. On such an instance every method built from gradients,
compressions and linear combinations is linear in its state, so ``state_{k+1} = M state_k``
and the worst-case rate is at least the squared spectral radius of ``M``.

A *random* scaling instance draws ``alpha`` from several equally likely outcomes
``alpha_1, ..., alpha_K`` at every step (one draw per step, shared by the step's compressor
calls). For an unbiased class ``E C(v) = v``, ``E||C(v)||^2 <= (1 + omega)||v||^2`` the
outcomes ``1 -+ sqrt(omega)`` are the extreme members. The second moment ``Sigma = E[z z^T]``
of the state then evolves by the positive linear map ``Sigma -> mean_k M_k Sigma M_k^T``,
whose spectral radius lower-bounds the rate of every quadratic measure in expectation
(Krein-Rutman: it has a positive semidefinite eigen-matrix).

:func:`linear_map` obtains ``M`` by running the method's own step on symbolic state vectors,
so it is exact when ``h`` and ``alpha`` are rationals and needs no knowledge of the method.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from pepcert.pep.errors import BadInput
from pepcert.pep.expressions import Basis, Vector
from pepcert.pep.methods import Method
from pepcert.pep.numerics.numbers import exact_number


class NotLinear(Exception):
    """The method is not a linear map on scaling instances (e.g. it reads function values)."""


def _check_number(value, name: str) -> None:
    """A finite real number (floats checked directly: instances are built by the thousand)."""
    if type(value) is float:
        if not math.isfinite(value):
            raise BadInput(f"{name} must be a finite number, got {value!r}")
        return
    exact_number(value, name)


def _outcomes(alpha) -> tuple:
    return tuple(alpha) if isinstance(alpha, (tuple, list)) else (alpha,)


@dataclass(frozen=True, init=False)
class ScalingInstance:
    r"""``f_i(x) = h_i ||x||^2 / 2`` for every agent ``i`` (common minimiser 0) and
    ``C_i(v) = alpha_{i,k} v``, agent ``i`` drawing its outcome ``k`` independently among
    equally likely outcomes. One agent is ``n = 1``.

    ``ScalingInstance(h, alpha)`` builds one agent (``alpha`` one number, or a tuple of
    outcomes); ``ScalingInstance(hs, alphas)`` with a tuple ``hs`` builds ``n`` agents, with
    one tuple of outcomes per agent (all of the same length ``K``). Joint outcome ``b`` gives
    agent ``i`` the digit ``(b // K^i) % K``. Exact for rational numbers.
    """

    hs: tuple
    alphas: tuple  # one tuple of outcomes per agent

    def __init__(self, h, alpha):
        if isinstance(h, (tuple, list)):
            hs, alphas = tuple(h), tuple(_outcomes(a) for a in alpha)
        else:
            hs, alphas = (h,), (_outcomes(alpha),)
        if not hs or len(alphas) != len(hs) or len({len(a) for a in alphas}) != 1 or not alphas[0]:
            raise BadInput("a scaling instance needs one curvature and one nonempty list of outcomes per agent, "
                           "all lists of the same length")
        # Finite real numbers, checked exactly (symbolic values pass through).
        for value in hs:
            _check_number(value, "h")
        for agent in alphas:
            for value in agent:
                _check_number(value, "alpha")
        object.__setattr__(self, "hs", hs)
        object.__setattr__(self, "alphas", alphas)

    @property
    def agents(self) -> int:
        return len(self.hs)

    @property
    def per_agent_outcomes(self) -> int:
        return len(self.alphas[0])

    @property
    def n_outcomes(self) -> int:
        """Joint outcomes of one step (``K^n``; 1 for a deterministic instance)."""
        K = self.per_agent_outcomes
        return 1 if K == 1 else K**self.agents

    @property
    def random(self) -> bool:
        return self.per_agent_outcomes > 1

    def digit(self, joint: int, agent: int) -> int:
        K = self.per_agent_outcomes
        return (joint // K**agent) % K

    def curvature(self, agent=None):
        """Agent ``agent``'s ``h_i``, or the mean curvature (that of ``f``)."""
        if agent is not None:
            return self.hs[agent]
        return self.hs[0] if len(self.hs) == 1 else sum(self.hs) / len(self.hs)

    # The oracle interface of a method's step (also used by Trace.evaluate).
    def gradient(self, x, agent=None):
        return self.curvature(agent) * x

    def value(self, x, agent=None):
        if isinstance(x, Vector):
            raise NotLinear("function values of symbolic vectors are not linear")
        return self.curvature(agent) * np.sum(np.multiply(x, x)) / 2

    def compress(self, v, outcome: int = 0, agent=None):
        """Agent ``agent``'s outcome ``outcome`` (a per-agent index)."""
        outcomes = self.alphas[0 if agent is None else agent]
        return outcomes[outcome % len(outcomes)] * v

    def belongs_to(self, classes) -> bool:
        """Exact membership of every ``f_i`` in agent ``i``'s class and of every agent's
        outcomes in the compressor class (each class decides through its own protocol)."""
        return classes.function.admits_curvatures(self.hs) and all(classes.admits_scaling(a) for a in self.alphas)

    def to_dict(self) -> dict:
        if self.agents == 1:
            alphas = self.alphas[0]
            return {"h": float(self.hs[0]), "alpha": [float(a) for a in alphas] if self.random else float(alphas[0])}
        return {"h": [float(h) for h in self.hs], "alpha": [[float(a) for a in agent] for agent in self.alphas]}


class _LinearOracle:
    def __init__(self, instance: ScalingInstance, outcome: int):
        self.instance = instance
        self.outcome = outcome
        self.agents = instance.agents

    def _agent(self, agent):
        if agent is not None and (not isinstance(agent, int) or not 0 <= agent < self.agents):
            raise BadInput(f"agent must be an integer in [0, {self.agents - 1}], got {agent!r}")
        return agent

    def gradient(self, x, agent=None):
        return self.instance.gradient(x, agent=self._agent(agent))

    def compress(self, v, agent=None):
        agent = self._agent(agent)
        if agent is None and self.agents > 1:
            raise BadInput("with several agents, name the agent whose compressor is called: oracle.compress(v, agent=i)")
        agent = 0 if agent is None else agent
        return self.instance.compress(v, self.instance.digit(self.outcome, agent), agent)

    def value(self, x, agent=None):
        raise NotLinear("this method uses function values: it is not linear on the instance")

    def lmo(self, v, *args, **kwargs):
        raise NotLinear("this method uses a linear minimisation oracle: it is not linear on the instance")


def linear_map(method: Method, instance: ScalingInstance, number=float, outcome: int = 0) -> list[list]:
    """The matrix ``M`` with ``(state - state*)_{k+1} = M (state - state*)_k`` on ``instance``
    (for outcome ``outcome`` of a random instance).

    Entries are in the number type of ``h``, ``alpha`` and the method's parameters
    (exact rationals stay exact). The optimum is ``x* = 0``. Raises :class:`NotLinear` when the
    step is not linear there.
    """
    if method.takes_iteration:
        raise NotLinear("the step depends on the iteration counter: no single linear map")
    basis = Basis()
    oracle = _LinearOracle(instance, outcome)
    xstar = basis.zero_vector()
    optimum = method.state_at_optimum(xstar, oracle)
    shifts = [basis.new_vector(name) for name in method.state]
    state = tuple(star + shift for star, shift in zip(optimum, shifts))
    new_state = method.advance(state, oracle, 0)
    size = len(method.state)
    matrix = []
    for component, star in zip(new_state, optimum):
        shifted = component - star
        if not isinstance(shifted, Vector):
            raise NotLinear("a step must return vectors built from the state and oracle outputs")
        row = [number(0)] * size
        for index, coefficient in shifted.coefficients.items():
            row[index] = coefficient
        matrix.append(row)
    return matrix


def linear_maps(method: Method, instance: ScalingInstance, number=float) -> list[list[list]]:
    """One matrix per outcome of the instance."""
    return [linear_map(method, instance, number, k) for k in range(instance.n_outcomes)]


def symmetric_lift(matrices, number=float) -> list[list]:
    r"""The matrix of ``Sigma -> mean_k M_k Sigma M_k^T`` on symmetric ``Sigma`` in the basis
    ``E_ij = e_i e_j^T + e_j e_i^T`` (``i < j``) and ``E_ii = e_i e_i^T``, ordered ``(i <= j)``.

    Its eigenvalues include ``lambda_a lambda_b`` (``a <= b``) for a single ``M``, hence
    ``|lambda|^2`` for every eigenvalue (complex ones through ``lambda conj(lambda)``). Exact
    for rational entries.
    """
    n = len(matrices[0])
    pairs = [(i, j) for i in range(n) for j in range(i, n)]
    lifted = [[number(0)] * len(pairs) for _ in pairs]
    weight = number(1) / len(matrices)
    for M in matrices:
        for col, (i, j) in enumerate(pairs):
            # image of E_ij: M E_ij M^T = M_i M_j^T + M_j M_i^T (columns M_i) for i != j
            for row, (a, b) in enumerate(pairs):
                value = M[a][i] * M[b][j] + (M[a][j] * M[b][i] if i != j else 0)
                if value != 0:
                    lifted[row][col] += weight * value
    return lifted
