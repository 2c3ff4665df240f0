"""The optimisers of the training comparison are the built-in :class:`~pepcert.pep.methods.Method` s.

Nothing here writes an update rule, a polar factor or a compressor. Each parameter ``W`` of
a network gets its own :class:`~pepcert.pep.simulate.NumericOracle` over a
:class:`MinibatchGradient` (``gradient(W)`` = that parameter's gradient on the current
minibatch), whose ``lmo(v, norm)`` is :mod:`pepcert.pep.lmo`'s and whose ``compress(P)`` is
:class:`~pepcert.pep.algorithms.muon.ScaledPolarCompressor`; and its own run loop
:func:`~pepcert.pep.simulate.iterate` of the method (a lazy generator advanced one step per
minibatch). With ``gamma`` the step of the grid and ``beta`` the momentum (Parshakova,
Khaled, Crawshaw, Garrigos & Gower 2026, Section 2):

* ``muon``: ``M_t = beta M_{t-1} + (1 - beta) G_t``, ``W_{t+1} = W_t - gamma polar(M_t)``,
  exact polar factor from the SVD (``muon(beta, steps)``);
* ``muon-ns``: the same with ``polar`` replaced by five quintic Newton-Schulz iterations
  ``X <- a X + b (X X^T) X + c (X X^T)^2 X``, ``(a, b, c) = (3.4445, -4.7750, 2.0315)`` from
  ``X_0 = M / ||M||_F`` (Jordan et al. 2024; ``muon(beta, steps, NewtonSchulzLMO(...))``);
* ``ef-muon``: ``P_t = gamma M_t + E_t``, ``Delta_t = (||P_t||_nuc / rank P_t) polar(P_t)``,
  ``W_{t+1} = W_t - Delta_t``, ``E_{t+1} = P_t - Delta_t`` (``ef_muon(steps, beta)``);
* ``sgdm``: ``W_{t+1} = W_t - gamma M_t`` (``sgd_momentum(beta, steps)``).

Weight matrices (2-D parameters, including the character model's embedding) use the method
under test; vectors (biases) use ``sgd_momentum`` with the same ``gamma`` and ``beta`` in
every optimiser, as Muon implementations keep a separate optimiser for non-matrix parameters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from pepcert.pep.algorithms.muon import ScaledPolarCompressor, ef_muon, muon, sgd_momentum
from pepcert.pep.lmo import NewtonSchulzLMO
from pepcert.pep.methods import Method
from pepcert.pep.numerics.matrix2 import NEWTON_SCHULZ_QUINTIC
from pepcert.pep.simulate import NumericOracle, iterate


def _constant(gamma: float) -> Callable[[int], float]:
    return lambda k: gamma


@dataclass(frozen=True)
class Optimiser:
    """A name, a label and the method factory ``(gamma, beta) -> Method`` for weight matrices."""

    name: str
    label: str
    matrices: Callable[[float, float], Method]


OPTIMISERS = {
    "muon": Optimiser("muon", "Muon (exact polar)", lambda gamma, beta: muon(beta, _constant(gamma))),
    "muon-ns": Optimiser("muon-ns", "Muon (Newton-Schulz)", lambda gamma, beta: muon(
        beta, _constant(gamma), NewtonSchulzLMO(5, NEWTON_SCHULZ_QUINTIC))),
    "ef-muon": Optimiser("ef-muon", "EF-Muon", lambda gamma, beta: ef_muon(_constant(gamma), beta)),
    "sgdm": Optimiser("sgdm", "SGD with momentum", lambda gamma, beta: sgd_momentum(beta, _constant(gamma))),
}


class MinibatchGradient:
    """The "function" of one parameter at one training step: ``gradient(W)`` is the gradient of
    the current minibatch loss in that parameter, asked at the current iterate only."""

    def __init__(self):
        self.point = None
        self.current = None

    def load(self, point: np.ndarray, gradient: np.ndarray) -> None:
        self.point, self.current = point, gradient

    def gradient(self, W):
        if W is not self.point:
            raise RuntimeError("a minibatch gradient was asked at a point other than the current iterate")
        return self.current


class ParameterRun:
    """One parameter's method, oracle and run loop (``iterate``), advanced one step at a time."""

    def __init__(self, method: Method, W0: np.ndarray):
        self.function = MinibatchGradient()
        self.oracle = NumericOracle(self.function, ScaledPolarCompressor())
        self.state = method.initial(W0, self.oracle)
        self._steps = iterate(method, self.oracle, self.state, 2**62)

    @property
    def value(self) -> np.ndarray:
        return self.state[0]

    def advance(self, gradient: np.ndarray) -> None:
        self.function.load(self.value, gradient)
        self.state = next(self._steps)


def parameter_runs(optimiser: Optimiser, params: dict[str, np.ndarray], gamma: float, beta: float) -> dict:
    """A :class:`ParameterRun` per parameter: the optimiser's method for matrices, SGD with
    momentum for vectors."""
    return {name: ParameterRun(optimiser.matrices(gamma, beta) if W.ndim == 2 else sgd_momentum(beta, _constant(gamma)), W)
            for name, W in params.items()}
