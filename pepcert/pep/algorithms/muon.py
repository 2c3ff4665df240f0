"""Non-Euclidean subgradient methods with momentum (Muon and relatives) and EF-Muon, as Methods.

Parshakova, Khaled, Crawshaw, Garrigos, Gower (2026), "Muon does not converge on convex
Lipschitz functions", Section 2 (``G_t`` is a subgradient of ``f`` at ``W_t``):

* momentum + LMO (:func:`momentum_lmo`): ``M_t = beta M_{t-1} + (1 - beta) G_t`` from the
  declared start ``M_{-1} = 0``, ``W_{t+1} = W_t + gamma_t lmo(M_t)`` with
  ``lmo(M) = argmin_{||D|| <= 1} <M, D>``. Spectral norm: ``lmo(M) = -polar(M)`` (Muon,
  :func:`muon`); l-infinity: ``-sign(M)`` (signed momentum); Frobenius: ``-M / ||M||_F``
  (normalised SGD with momentum).
* EF-Muon (:func:`ef_muon`): ``M_t = beta M_{t-1} + (1 - beta) G_t`` (``beta = 0``:
  ``M_t = G_t``), ``P_t = gamma_t M_t + E_t``, ``Delta_t = C(P_t)``, ``W_{t+1} = W_t - Delta_t``,
  ``E_{t+1} = P_t - Delta_t``, from ``E_0 = 0``, ``M_{-1} = 0``. ``C`` is
  :class:`ScaledPolarCompressor`, ``C(P) = (||P||_nuc / rank P) polar(P)``, the Frobenius
  projection of ``P`` onto the line through ``polar(P)``; hence ``||C(P) - P||_F^2 =
  ||P||_F^2 - ||P||_nuc^2 / rank P <= (1 - 1/rank P) ||P||_F^2``: it belongs to the class
  ``Contractive(1/r)`` on matrices of rank at most ``r``.

Each is an ordinary :class:`~pepcert.pep.methods.Method` whose step reads the iteration counter
(``gamma_k``, a sequence or a function of ``k``) and uses only ``+``, ``-``, scalar ``*`` and
the oracle (``gradient``, ``lmo``, ``compress``), so the one definition runs on numpy arrays,
on float or exact :class:`~pepcert.pep.numerics.matrix2.Mat2` (the replay certificates) and,
for EF-Muon, on symbolic vectors (the worst-case SDP; the LMO has no SDP model).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from pepcert.pep.errors import BadInput
from pepcert.pep.library.matrix import EFMuon
from pepcert.pep.methods import Method
from pepcert.pep.numerics.matrix2 import Mat2, zeros_like
from pepcert.pep.numerics.numbers import exact_number, is_symbolic, require, show

__all__ = ["ScaledPolarCompressor", "momentum_lmo", "muon", "signed_momentum", "normalized_momentum", "ef_muon"]


#: EF-Muon's compressor ``C(P) = (||P||_nuc / rank P) polar(P)``, implemented once in
#: :class:`pepcert.pep.library.matrix.EFMuon` (numpy batches and exact :class:`Mat2`; without a
#: shape it accepts any matrix and ``compressor_class(r)`` is ``Contractive(1/r)`` on rank <= r).
ScaledPolarCompressor = EFMuon


def _schedule(steps) -> Callable[[int], Any]:
    """``k -> gamma_k`` from a sequence or a function of ``k``."""
    if callable(steps):
        return steps
    if isinstance(steps, (str, bytes)) or not isinstance(steps, (Sequence, np.ndarray)):
        raise BadInput(f"steps must be a sequence of step sizes or a function of k, got {steps!r}")
    steps = tuple(steps)
    return steps.__getitem__


def _zero(W):
    """A zero like ``W`` (exact zeros for exact Mat2, so momenta stay exact)."""
    return zeros_like(W) if isinstance(W, (Mat2, np.ndarray)) else 0 * W


def check_momentum(beta) -> None:
    """``0 <= beta < 1``, compared exactly (never through ``float()``)."""
    value = exact_number(beta, "beta")
    if not is_symbolic(value):
        require(0 <= value < 1, lambda: f"beta must be in [0, 1), got {show(beta)}")


def momentum_lmo(beta, steps, norm, name: str | None = None) -> Method:
    """``M_t = beta M_{t-1} + (1 - beta) G_t``, ``W_{t+1} = W_t + gamma_t lmo(M_t)``, ``M_{-1} = 0``.

    ``norm``: a norm name of :data:`pepcert.pep.lmo.NORMS` or an LMO object (Newton-Schulz);
    the state is ``(W, M)`` with ``M`` the last momentum.
    """
    check_momentum(beta)
    gamma, keep = _schedule(steps), 1 - beta

    def step(state, oracle, k):
        W, M = state
        M = beta * M + keep * oracle.gradient(W)
        return W + gamma(k) * oracle.lmo(M, norm), M

    label = norm if isinstance(norm, str) else getattr(norm, "name", "lmo")
    return Method(
        name or f"momentum-LMO[{label}]",
        state=("W", "M"),
        step=step,
        start=lambda W0, oracle: (W0, _zero(W0)),
        parameters={"beta": beta, "norm": label, "steps": steps},
    )


def muon(beta, steps, lmo="spectral") -> Method:
    """Muon: the spectral LMO ``-polar(M)`` (or an approximation such as ``NewtonSchulzLMO``)."""
    return momentum_lmo(beta, steps, lmo, "Muon")


def signed_momentum(beta, steps) -> Method:
    """Signed momentum: the l-infinity LMO ``-sign(M)``."""
    return momentum_lmo(beta, steps, "linf", "signed momentum")


def normalized_momentum(beta, steps) -> Method:
    """Normalised SGD with momentum: the Frobenius LMO ``-M / ||M||_F``."""
    return momentum_lmo(beta, steps, "l2", "normalized momentum")


def ef_muon(steps, beta=0) -> Method:
    """EF-Muon (with momentum ``beta``), state ``(W, E, M)`` from ``E_0 = 0``, ``M_{-1} = 0``.

    The compressor is the oracle's (``oracle.compress``): :class:`ScaledPolarCompressor` on
    concrete matrices, its class ``Contractive(1/r)`` in a worst-case SDP. The virtual iterate
    ``W_t - E_t`` follows ``X_{t+1} = X_t - gamma_t M_t`` (momentum subgradient descent).
    """
    check_momentum(beta)
    gamma, keep = _schedule(steps), 1 - beta

    def step(state, oracle, k):
        W, E, M = state
        M = beta * M + keep * oracle.gradient(W)
        P = gamma(k) * M + E
        Delta = oracle.compress(P)
        return W - Delta, P - Delta, M

    return Method(
        "EF-Muon",
        state=("W", "E", "M"),
        step=step,
        start=lambda W0, oracle: (W0, _zero(W0), _zero(W0)),
        parameters={"beta": beta, "steps": steps},
    )


def sgd_momentum(beta, steps) -> Method:
    """SGD with momentum in the same (averaged) form: ``M_t = beta M_{t-1} + (1 - beta) G_t``,
    ``W_{t+1} = W_t - gamma_t M_t``, ``M_{-1} = 0``; state ``(W, M)``.

    The Euclidean baseline of the training comparison (``pepcert muon train``) and the update
    of the non-matrix parameters (biases) there, as Muon implementations do in practice
    (Jordan et al. 2024 keep a separate optimiser for them). With ``beta = 0`` it is plain
    SGD; the usual heavy-ball form ``B_t = beta B_{t-1} + G_t`` with step ``eta`` is the same
    method with ``gamma = eta / (1 - beta)``.
    """
    check_momentum(beta)
    gamma, keep = _schedule(steps), 1 - beta

    def step(state, oracle, k):
        W, M = state
        M = beta * M + keep * oracle.gradient(W)
        return W - gamma(k) * M, M

    return Method(
        "SGD with momentum",
        state=("W", "M"),
        step=step,
        start=lambda W0, oracle: (W0, _zero(W0)),
        parameters={"beta": beta, "steps": steps},
    )


__all__ += ["sgd_momentum"]
