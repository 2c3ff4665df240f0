"""Linear minimisation oracles (LMOs) of norms: ``lmo(v) = argmin_{||d|| <= 1} <v, d>``.

A method that steps along the LMO of a norm (Muon, signed momentum, normalised SGD; Parshakova,
Khaled, Crawshaw, Garrigos, Gower 2026, Section 2) asks its oracle for it by name:
``oracle.lmo(v, "spectral")``. The norm is the method's choice, the arithmetic the oracle's:

* ``"spectral"`` (operator norm; dual: nuclear norm): ``lmo(v) = -polar(v)``, the polar factor
  ``U V^T`` of the compact SVD ``v = U diag(sigma) V^T`` (exact, not Newton-Schulz);
* ``"linf"`` (largest entry; dual: sum of absolute values): ``lmo(v) = -sign(v)`` entrywise
  (``sign 0 = 0`` is one minimiser);
* ``"l2"`` (Frobenius / Euclidean; self-dual): ``lmo(v) = -v / ||v||`` (0 at 0).

``<v, lmo(v)> = -||v||_*`` (the dual norm), which is what makes these the steepest descent
directions of their norms. Every LMO acts on numpy arrays of any shape and on
:class:`~pepcert.pep.numerics.matrix2.Mat2` over floats, Fractions or rigorous enclosures, and
has an exact ``verify(v, d)`` for the exact replays. :class:`NewtonSchulzLMO` is the polar
factor approximated by Newton-Schulz iterations (what Muon implementations run): it can be
passed in place of a norm name but is never certifiable.

There is no interpolation class for an LMO (a worst-case SDP over "every direction an LMO may
return" is not modelled), so :class:`~pepcert.pep.problem.SymbolicOracle` refuses it.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from pepcert.pep.errors import BadInput
from pepcert.pep.numerics.intervals import as_exact, is_enclosure, is_exact, lift, sign_of
from pepcert.pep.numerics.matrix2 import NEWTON_SCHULZ_CUBIC, Mat2, is_polar_factor, newton_schulz, polar
from pepcert.pep.numerics.roots import sqrt

__all__ = ["SpectralLMO", "NewtonSchulzLMO", "SignLMO", "FrobeniusLMO", "NORMS", "linear_minimizer"]


@dataclass(frozen=True)
class SpectralLMO:
    """``argmin_{||D||_op <= 1} <M, D> = -polar(M)`` (exact polar factor, SVD / closed form)."""

    name: str = "spectral"
    certifiable: bool = True

    def __call__(self, M):
        return -polar(M)

    def verify(self, M, D) -> bool:
        """Exact check that ``D = -polar(M)`` (see :func:`is_polar_factor`)."""
        return isinstance(M, Mat2) and is_polar_factor(M, -D)


@dataclass(frozen=True)
class NewtonSchulzLMO:
    """``-NS_k(M)``: the polar factor approximated by ``steps`` Newton-Schulz iterations.

    Only for simulations: it is not exactly orthogonal, so it can never be certified.
    """

    steps: int = 5
    coefficients: tuple = NEWTON_SCHULZ_CUBIC
    name: str = "newton-schulz"
    certifiable: bool = False

    def __call__(self, M):
        return -newton_schulz(M, self.steps, self.coefficients)

    def verify(self, M, D) -> bool:
        return isinstance(M, Mat2) and is_polar_factor(M, -D)


def _sign_entry(x):
    s = sign_of(x)
    if isinstance(x, float):
        return float(s)
    return lift(Fraction(s)) if is_enclosure(x) else Fraction(s)  # exact, in x's arithmetic


@dataclass(frozen=True)
class SignLMO:
    """``argmin_{||D||_max <= 1} <M, D> = -sign(M)`` entrywise (l-infinity ball)."""

    name: str = "sign"
    certifiable: bool = True

    def __call__(self, M):
        if isinstance(M, Mat2):
            return -Mat2(*(_sign_entry(x) for x in M.entries()))
        return -np.sign(np.asarray(M, dtype=float))

    def verify(self, M, D) -> bool:
        if not isinstance(M, Mat2):
            return False
        try:
            return all(
                is_exact(d) and as_exact(d) == -sign_of(m)
                for m, d in zip(M.entries(), D.entries())
            )
        except ArithmeticError:
            return False


@dataclass(frozen=True)
class FrobeniusLMO:
    """``argmin_{||D||_F <= 1} <M, D> = -M / ||M||_F`` (0 at 0)."""

    name: str = "frobenius"
    certifiable: bool = True

    def __call__(self, M):
        if isinstance(M, Mat2):
            if M.is_zero():
                return M
            norm_sq = M.frobenius_squared()
            norm = sqrt(norm_sq, nonnegative=True)
            return -(M / norm)
        M = np.asarray(M, dtype=float)
        norm = np.linalg.norm(M)
        return -M / norm if norm > 0 else np.zeros_like(M)

    def verify(self, M, D) -> bool:
        if not isinstance(M, Mat2) or not all(is_exact(x) for x in M.entries() + D.entries()):
            return False
        M, D = Mat2(*(as_exact(x) for x in M.entries())), Mat2(*(as_exact(x) for x in D.entries()))
        norm = sqrt(M.frobenius_squared())
        return not is_enclosure(norm) and norm != 0 and D == -(M / norm)


#: The norms an oracle's ``lmo(v, norm)`` knows by name (``"frobenius"`` is ``"l2"``).
NORMS = {"spectral": SpectralLMO(), "linf": SignLMO(), "l2": FrobeniusLMO(), "frobenius": FrobeniusLMO()}


def linear_minimizer(norm):
    """The LMO for ``norm``: a name of :data:`NORMS`, or an LMO object (returned as is)."""
    if isinstance(norm, str):
        try:
            return NORMS[norm]
        except KeyError:
            raise BadInput(f"unknown norm {norm!r} for an LMO; choose one of {', '.join(NORMS)}") from None
    if callable(norm) and hasattr(norm, "verify"):
        return norm
    raise BadInput(f"an LMO needs a norm name ({', '.join(NORMS)}) or an LMO object, got {norm!r}")
