r"""Distributed quadratics with matrix smoothness, and the identity compressor: the problems on
which the methods of :mod:`pepcert.saq.methods` are checked against closed forms.

Worker ``i`` holds ``f_i(x) = (1/2)(x - c_i)^T M_i (x - c_i)`` with ``M_i`` symmetric positive
definite, so ``grad f_i(x) = M_i (x - c_i)`` and the smoothness matrix is exactly ``L_i = M_i``
(``f_i(x) = f_i(y) + <grad f_i(y), x - y> + ||x - y||_{M_i}^2 / 2``, with equality).
``f = (1/n) sum_i f_i`` has ``grad^2 f = Mbar = (1/n) sum_i M_i``, so ``mu = lambda_min(Mbar)``,
``L = lambda_max(Mbar)``, and its minimiser solves ``Mbar x* = (1/n) sum_i M_i c_i``. The
workers' minimisers ``c_i`` differ, so ``grad f_i(x*) != 0`` (DCGD then stalls at a
neighbourhood; DIANA does not).

:class:`QuadraticProblem` offers the interface of :class:`pepcert.saq.problem.LogisticProblem`
(``n, d, gradients, gradient, value, smoothness, sqrt_smoothness, inv_sqrt_smoothness,
smoothness_eigenvalues, L_max, L, mu, x_star``); its oracles also take a batch of points
``x`` of shape (..., d) (one per independent run), which the Monte Carlo tests use.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pepcert.pep.errors import BadInput
from pepcert.saq.encoding import Message


@dataclass(frozen=True, eq=False)
class QuadraticProblem:
    """``f_i(x) = (1/2)(x - c_i)^T M_i (x - c_i)``, ``M`` (n, d, d), ``centers`` (n, d)."""

    name: str
    M: np.ndarray
    centers: np.ndarray
    sqrt_smoothness: np.ndarray
    inv_sqrt_smoothness: np.ndarray
    smoothness_eigenvalues: np.ndarray
    x_star: np.ndarray

    @property
    def smoothness(self) -> np.ndarray:
        return self.M

    def agent_roots(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """``(M_i^{1/2}, M_i^{-1/2})``, dense."""
        return self.sqrt_smoothness[i], self.inv_sqrt_smoothness[i]

    @property
    def n(self) -> int:
        return self.M.shape[0]

    @property
    def d(self) -> int:
        return self.M.shape[1]

    @property
    def L_max(self) -> float:
        return float(self.smoothness_eigenvalues[:, -1].max())

    @property
    def L(self) -> float:
        return float(np.linalg.eigvalsh(self.M.mean(axis=0))[-1])

    @property
    def mu(self) -> float:
        return float(np.linalg.eigvalsh(self.M.mean(axis=0))[0])

    def gradients(self, x) -> np.ndarray:
        """``M_i (x - c_i)`` for every worker: ``x`` (..., d) -> (..., n, d)."""
        x = np.asarray(x, dtype=float)
        return np.einsum("nij,...nj->...ni", self.M, x[..., None, :] - self.centers)

    def gradient(self, x) -> np.ndarray:
        return self.gradients(x).mean(axis=-2)

    def value(self, x) -> float:
        r = np.asarray(x, dtype=float)[..., None, :] - self.centers
        return 0.5 * np.einsum("...ni,nij,...nj->...", r, self.M, r) / self.n

    def describe(self) -> str:
        return f"{self.name}: n = {self.n} quadratics in d = {self.d}, L = {self.L:.6g}, L_max = {self.L_max:.6g}, mu = {self.mu:.6g}"


def quadratic_problem(M, centers, name: str = "quadratics") -> QuadraticProblem:
    """The problem of the module docstring (``M_i`` symmetric positive definite)."""
    M = np.array(M, dtype=float)
    centers = np.array(centers, dtype=float)
    if M.ndim != 3 or M.shape[1] != M.shape[2] or centers.shape != M.shape[:2]:
        raise BadInput(f"quadratics need M (n, d, d) and centers (n, d), got {M.shape} and {centers.shape}")
    if not np.allclose(M, np.swapaxes(M, 1, 2)):
        raise BadInput("the matrices M_i must be symmetric")
    e, U = np.linalg.eigh(M)
    if e.min() <= 0:
        raise BadInput("the matrices M_i must be positive definite")
    root = np.einsum("nij,nj,nkj->nik", U, np.sqrt(e), U)
    inv_root = np.einsum("nij,nj,nkj->nik", U, 1 / np.sqrt(e), U)
    x_star = np.linalg.solve(M.sum(axis=0), np.einsum("nij,nj->i", M, centers))
    for array in (M, centers, root, inv_root, e, x_star):
        array.setflags(write=False)
    return QuadraticProblem(name, M, centers, root, inv_root, e, x_star)


def random_quadratics(n: int, d: int, seed: int = 0, spread: float = 10.0) -> QuadraticProblem:
    """``n`` random quadratics in dimension ``d``: ``M_i = U_i diag(e_i) U_i^T`` with
    eigenvalues log-uniform in ``[1/spread, 1]`` and random rotations, ``c_i`` standard normal."""
    rng = np.random.default_rng(seed)
    matrices = []
    for _ in range(n):
        U, _ = np.linalg.qr(rng.standard_normal((d, d)))
        e = np.exp(rng.uniform(-np.log(spread), 0.0, d))
        matrices.append((U * e) @ U.T)
    M = np.array(matrices)
    return quadratic_problem((M + np.swapaxes(M, 1, 2)) / 2, rng.standard_normal((n, d)), f"random quadratics (seed {seed})")


@dataclass(frozen=True)
class Identity:
    """``C(v) = v`` (``omega = 0``), sending ``32 d`` bits (one float a coordinate)."""

    name = "identity"

    def omega(self, d: int) -> int:
        return 0

    def encode(self, W, rng) -> Message:
        W = np.asarray(W, dtype=float)
        return Message((W.copy(),), np.full(W.shape[:-1], 32 * W.shape[-1], dtype=np.int64))

    def decode(self, message: Message) -> np.ndarray:
        return message.payload[0]

    def __call__(self, W, rng) -> np.ndarray:
        return np.asarray(W, dtype=float).copy()

    def variance(self, w, L) -> np.ndarray:
        return np.zeros(np.asarray(w).shape[:-1])

    def describe(self) -> str:
        return "identity (no compression)"
