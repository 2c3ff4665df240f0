"""Compressor classes (as constraints of a worst-case problem) and concrete compressors.

A *compressor class* says which outputs ``C(v)`` an adversary may return. In a worst-case
problem each call ``c = C(v)`` creates new vectors, one per *outcome* (several outcomes model a
random compressor: the analysis averages over them with equal weights), and the class adds
inequalities ``<= 0`` on them:

* :class:`Contractive` -- ``||C(v) - v||^2 <= (1 - delta) ||v||^2`` surely, or in expectation
  (Thomsen, Taylor & Dieuleveut 2025, Assumption 1 and its random version);
* :class:`Unbiased` -- ``E C(v) = v`` and ``E ||C(v)||^2 <= (1 + omega) ||v||^2``
  (Wang, Safaryan & Richtarik 2022, Definition 1).

*Concrete compressors* (top-k, rand-k, dithering, natural compression, ..., in
:mod:`pepcert.pep.library`) act on numpy arrays and name the class they belong to with its
proven constant, so a simulation can be compared with the worst case of its class.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from pepcert.pep.classes import ScalingFamily
from pepcert.pep.errors import BadInput
from pepcert.pep.expressions import Basis, Scalar, Vector, norm2
from pepcert.pep.numerics.numbers import exact_number, is_symbolic, require, show
from pepcert.pep.numerics.roots import float_sqrt, sqrt_below


def _check_fraction(value, name: str, low_open: int, high_closed: int) -> None:
    """``low_open < value <= high_closed``, compared exactly (``1 + 1e-20`` is above 1)."""
    number = exact_number(value, name)
    if not is_symbolic(number):
        require(low_open < number <= high_closed, lambda: f"{name} must be in ({low_open}, {high_closed}], got {show(value)}")


@dataclass(frozen=True)
class Contractive:
    r"""``||C(v) - v||^2 <= (1 - delta)||v||^2`` with ``0 < delta <= 1``.

    ``in_expectation=True`` asks this only on average over the compressor's randomness. One
    outcome is then the deterministic case; ``outcomes >= 2`` in an analysis models a random
    compressor explicitly. ``s = sqrt(1 - delta)`` is the quantity the rates are written in.
    """

    delta: Any  # a number of any arithmetic: float, Fraction, sympy
    in_expectation: bool = False

    def __post_init__(self):
        _check_fraction(self.delta, "delta", 0, 1)

    @property
    def s(self):
        """``sqrt(1 - delta)`` (a float, or a sympy expression for symbolic ``delta``)."""
        return float_sqrt(1 - self.delta)

    @property
    def deterministic(self) -> bool:
        return not self.in_expectation

    @property
    def exact(self) -> bool:
        """``delta = 1``: ``||C(v) - v||^2 <= 0`` forces ``C(v) = v`` (no compression)."""
        try:
            return bool(self.delta == 1)
        except TypeError:  # pragma: no cover - symbolic delta
            return False

    def outputs(self, basis: Basis, name: str, v: Vector, outcomes: int) -> list[Vector]:
        """One new free vector per outcome; ``v`` itself when ``delta = 1``.

        With ``delta = 1`` the inequality would be an equality in disguise (its multiplier is
        unbounded and interior-point methods stall), so the identity is substituted exactly.
        """
        if outcomes > 1 and not self.in_expectation:
            raise BadInput("a deterministic compressor has one outcome; use in_expectation=True")
        if self.exact:
            return [v] * outcomes
        return [basis.new_vector(name if outcomes == 1 else f"{name}^{k}") for k in range(outcomes)]

    def constraints(self, name: str, v: Vector, outputs: Sequence[Vector]) -> list[tuple[str, Scalar]]:
        """``mean_k ||c_k - v||^2 - (1 - delta) ||v||^2 <= 0`` (none when ``delta = 1``)."""
        if self.exact:
            return []
        mean_error = sum(norm2(c - v) for c in outputs) / len(outputs)
        return [(f"compressor({name})", mean_error - (1 - self.delta) * norm2(v))]

    def describe(self) -> str:
        kind = "in expectation" if self.in_expectation else "deterministic"
        return f"contractive compressor {kind}, delta = {show(self.delta)}"

    # -- the class protocol (docs/architecture.md, "Classes") ------------------------------
    def converted(self, number) -> Contractive:
        return Contractive(number(self.delta), self.in_expectation)

    def numbers(self) -> dict:
        return {"delta": self.delta}

    def to_entry(self) -> dict:
        return {"type": "Contractive", **self.numbers(), **({"in_expectation": True} if self.in_expectation else {})}

    def scaling_family(self) -> ScalingFamily:
        """``C(v) = alpha v`` with ``|alpha - 1| <= s``: every such scaling is in the class
        (deterministically, hence also in expectation)."""
        s = math.sqrt(float(1 - self.delta))

        def rational(alpha: float) -> tuple:
            radius = sqrt_below(1 - exact_number(self.delta, "delta"))  # exact, only where asked
            offset = Fraction(alpha) - 1
            if abs(offset) > radius:
                offset = radius if offset > 0 else -radius
            return (1 + offset,)

        return ScalingFamily(1 - s, 1 + s, lambda alpha: (alpha,), rational)

    def admits_scaling(self, alphas) -> bool:
        """Exact: ``(alpha - 1)^2 <= 1 - delta`` for every outcome (deterministic) or on
        average (in expectation)."""
        errors = [(Fraction(a) - 1) ** 2 for a in alphas]
        bound = 1 - exact_number(self.delta, "delta")  # a Fraction or an exact sympy constant
        if self.in_expectation:
            return bool(sum(errors) / len(errors) <= bound)
        return all(bool(e <= bound) for e in errors)


@dataclass(frozen=True)
class Unbiased:
    r"""``E C(v) = v`` and ``E||C(v)||^2 <= (1 + omega)||v||^2`` with ``omega >= 0``.

    Needs at least two outcomes: the last one is fixed by unbiasedness,
    ``c_K = K v - (c_1 + ... + c_{K-1})``.
    """

    omega: Any

    def __post_init__(self):
        omega = exact_number(self.omega, "omega")
        if not is_symbolic(omega):
            require(omega >= 0, lambda: f"omega must be a nonnegative number, got {show(self.omega)}")

    in_expectation = True
    deterministic = False

    def outputs(self, basis: Basis, name: str, v: Vector, outcomes: int) -> list[Vector]:
        if outcomes < 2:
            raise BadInput("an unbiased compressor needs at least 2 outcomes in a worst-case analysis")
        free = [basis.new_vector(f"{name}^{k}") for k in range(outcomes - 1)]
        return free + [outcomes * v - sum(free)]

    def constraints(self, name: str, v: Vector, outputs: Sequence[Vector]) -> list[tuple[str, Scalar]]:
        second_moment = sum(norm2(c) for c in outputs) / len(outputs)
        return [(f"compressor({name})", second_moment - (1 + self.omega) * norm2(v))]

    def describe(self) -> str:
        return f"unbiased compressor, omega = {show(self.omega)}"

    # -- the class protocol (docs/architecture.md, "Classes") ------------------------------
    def converted(self, number) -> Unbiased:
        return Unbiased(number(self.omega))

    def numbers(self) -> dict:
        return {"omega": self.omega}

    def to_entry(self) -> dict:
        return {"type": "Unbiased", **self.numbers()}

    def scaling_family(self) -> ScalingFamily:
        """Two equally likely outcomes ``C(v) = (1 -+ t) v`` with ``t^2 <= omega``: unbiased,
        with second moment ``(1 + t^2)||v||^2``; ``t = sqrt(omega)`` is the extreme member."""
        def rational(t: float) -> tuple:
            root = sqrt_below(exact_number(self.omega, "omega"))  # exact, only where asked
            offset = min(abs(Fraction(t)), root)
            return (1 - offset, 1 + offset)

        return ScalingFamily(0.0, math.sqrt(float(self.omega)), lambda t: (1 - t, 1 + t), rational)

    def admits_scaling(self, alphas) -> bool:
        """Exact: ``mean alpha = 1`` and ``mean alpha^2 <= 1 + omega``."""
        alphas = [Fraction(a) for a in alphas]
        k = len(alphas)
        omega = exact_number(self.omega, "omega")  # a Fraction, or an exact sympy constant
        return sum(alphas) / k == 1 and bool(sum(a * a for a in alphas) / k <= 1 + omega)
