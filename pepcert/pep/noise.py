r"""Gradient-noise classes: what a stochastic oracle ``g(x) = grad f(x) + xi`` may return.

Every call of a method's step for a gradient draws a fresh noise vector ``xi``, independent of
everything drawn before it, with ``E xi = 0`` and

* :class:`BoundedVariance` -- ``E ||xi||^2 <= sigma^2`` (the classical SGD assumption);
* :class:`StateDependentVariance` -- ``E ||xi||^2 <= sigma^2 + B ||grad f(x)||^2`` at the point
  queried (the "relaxed growth" / ABC-type assumption with ``A = 0``; ``sigma^2 = 0`` is
  multiplicative noise, zero at the optimum).

**How a worst-case problem models it (second moments).** With noise the Gram matrix ``G`` of a
problem is read as ``E[Y^T Y]``, the expected inner products of its vectors, and the function
values as expected values. Every inequality of the classes holds for each realisation, hence
in expectation (they are linear in ``G`` and ``F``); ``E ||xi||^2`` is bounded as the class
says; and ``E <xi, b> = 0`` for every vector ``b`` that does not depend on ``xi`` (``xi`` is
independent of it and centred). The problem then bounds the worst case over *every* noise
distribution with these moments: an upper bound with one vector per noise sample, linear in
``N`` (the "second-moment" relaxation; Rubbens, Hendrickx & Colla 2025 use this kind of
formulation for stochastic PEPs). It is exact where an explicit instance attains it -- for
SGD on L-smooth strongly convex functions the quadratic instance attains
``rho^N ||x_0 - x*||^2 + eta^2 sigma^2 sum_{k<N} rho^k`` (tests), and
``two_point=True`` gives the finite-support model as a second, independent formulation
(a lower bound: the worst case over symmetric two-point noise).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pepcert.pep.errors import BadInput
from pepcert.pep.expressions import Scalar, Vector, norm2
from pepcert.pep.numerics.numbers import exact_number, is_symbolic, require, show


def _nonnegative(value, name: str) -> None:
    number = exact_number(value, name)
    if not is_symbolic(number):
        require(number >= 0, lambda: f"{name} must be nonnegative, got {show(value)}")


@dataclass(frozen=True)
class BoundedVariance:
    r"""``E xi = 0``, ``E ||xi||^2 <= sigma2``, each sample independent of the past."""

    sigma2: Any
    two_point: bool = False  # each sample +xi or -xi with probability 1/2 (a lower bound), else moments

    def __post_init__(self):
        _nonnegative(self.sigma2, "sigma^2")

    def constraints(self, name: str, xi: Vector, gradient: Vector) -> list[tuple[str, Scalar]]:
        """``E ||xi||^2 - sigma^2 <= 0``."""
        return [(f"variance({name})", norm2(xi) - self.sigma2)]

    def describe(self) -> str:
        return f"unbiased gradient noise, E||xi||^2 <= sigma^2 = {show(self.sigma2)}"

    def converted(self, number) -> BoundedVariance:
        return BoundedVariance(number(self.sigma2), self.two_point)

    def numbers(self) -> dict:
        return {"sigma2": self.sigma2}

    def to_entry(self) -> dict:
        return {"type": "BoundedVariance", **self.numbers(), **({"two_point": True} if self.two_point else {})}



@dataclass(frozen=True)
class StateDependentVariance:
    r"""``E xi = 0``, ``E ||xi||^2 <= sigma2 + B ||grad f(x)||^2`` at the point queried."""

    sigma2: Any
    B: Any
    two_point: bool = False

    def __post_init__(self):
        _nonnegative(self.sigma2, "sigma^2")
        _nonnegative(self.B, "B")

    def constraints(self, name: str, xi: Vector, gradient: Vector) -> list[tuple[str, Scalar]]:
        """``E ||xi||^2 - sigma^2 - B ||grad f(x)||^2 <= 0``."""
        return [(f"variance({name})", norm2(xi) - self.B * norm2(gradient) - self.sigma2)]

    def describe(self) -> str:
        return (f"unbiased gradient noise, E||xi||^2 <= sigma^2 + B ||grad f(x)||^2, sigma^2 = {show(self.sigma2)}, "
                f"B = {show(self.B)}")

    def converted(self, number) -> StateDependentVariance:
        return StateDependentVariance(number(self.sigma2), number(self.B), self.two_point)

    def numbers(self) -> dict:
        return {"sigma2": self.sigma2, "B": self.B}

    def to_entry(self) -> dict:
        return {"type": "StateDependentVariance", **self.numbers(), **({"two_point": True} if self.two_point else {})}



NOISE_CLASSES = {"BoundedVariance": BoundedVariance, "StateDependentVariance": StateDependentVariance}


def noise_from_args(sigma=None, noise: str | None = None):
    """``--sigma S`` (the standard deviation: ``E||xi||^2 <= S^2``) and ``--noise MODEL``:
    ``bounded`` (default) or ``state:B=b`` (``E||xi||^2 <= S^2 + b ||grad f(x)||^2``)."""
    from pepcert.pep.numerics.numbers import parse_rational

    if sigma is None:
        if noise is not None:
            raise BadInput("--noise needs --sigma (give --sigma 0 for noise proportional to the gradient)")
        return None
    s = parse_rational(sigma, "sigma")
    if s < 0:
        raise BadInput(f"--sigma must be nonnegative, got {sigma}")
    model = (noise or "bounded").strip().lower()
    if model == "bounded":
        return BoundedVariance(s * s)
    if model.startswith("state:b="):
        return StateDependentVariance(s * s, parse_rational(model[len("state:b="):], "B"))
    raise BadInput(f"unknown noise model {noise!r}: 'bounded' or 'state:B=<number>'")
