r"""Composition of compressors, offered only where the constant is proved.

``Compose((C1, C2, ...))`` applies ``C1`` first, then ``C2`` to its output, and so on, each
with its own (independent) randomness. The class is folded from the left by two rules:

* **unbiased then unbiased**: ``C1 in U(w1)``, ``C2 in U(w2)`` give ``C2(C1(v)) in
  U((1 + w1)(1 + w2) - 1)``. Proof: with ``w = C1(v)``, ``E C2(w) = E w = v`` and
  ``E||C2(w)||^2 <= (1 + w2) E||w||^2 <= (1 + w2)(1 + w1)||v||^2`` (conditioning on ``w``).
  Attained when both bounds are, e.g. scaled rand-k then natural compression at
  ``v = (k/d)(4/3, ..., 4/3)``: every kept entry ``(d/k) v_i = 4/3`` is natural compression's
  worst case, so ``omega = (9/8)(d/k) - 1`` exactly.
* **contractive then unbiased, rescaled**: ``C1`` contractive with ``delta`` (surely or in
  expectation), ``C2 in U(w)``; then ``C(v) = C2(C1(v)) / (1 + w)`` is contractive in
  expectation with ``delta / (1 + w)``. Proof: with ``w' = C1(v)``,
  ``E||C2(w')/(1 + w) - v||^2 <= E||w'||^2/(1 + w) - 2 E<w', v>/(1 + w) + ||v||^2
  = (E||w' - v||^2 - ||v||^2)/(1 + w) + ||v||^2 <= (1 - delta/(1 + w))||v||^2``.
  This is the composition rule of Beznosikov, Horvath, Richtarik & Safaryan 2020 ("On biased
  compression for distributed learning", the composition of a biased and an unbiased
  compressor; their ``B^3(delta)`` is ``delta = 1/delta_B3`` here). Attained when both are,
  e.g. top-1 then scaled rand-1 on ``v = (1, 1)``: ``3/4 = 1 - (1/2)/2``.

Other orders (unbiased then contractive, contractive then contractive) have no constant here
and are refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property

from pepcert.pep.compressors import Contractive, Unbiased
from pepcert.pep.errors import BadInput


def to_exact(value):
    """A Fraction when ``value`` is rational (also a sympy Rational), else the sympy value."""
    if isinstance(value, (int, Fraction)):
        return Fraction(value)
    if getattr(value, "is_Rational", False):
        return Fraction(int(value.p), int(value.q))
    return value


def compose_classes(first, second):
    """The class of ``second`` applied after ``first`` (module docstring), or ``BadInput``."""
    if isinstance(second, Unbiased):
        if isinstance(first, Unbiased):
            return Unbiased(to_exact((1 + first.omega) * (1 + second.omega) - 1))
        return Contractive(to_exact(first.delta / (1 + second.omega)), in_expectation=True)
    raise BadInput(
        f"no proven constant for a {first.describe()} followed by a {second.describe()}; "
        "pepcert composes unbiased then unbiased, and contractive then unbiased"
    )


def _dimension(part):
    if hasattr(part, "m"):
        return ("matrix", part.m, part.n)
    return getattr(part, "d", None)


@dataclass(frozen=True)
class Compose:
    """``parts[0]`` first, then ``parts[1]``, ...; rescaled by ``1/(1 + w)`` where an unbiased
    part follows a contractive stage (module docstring)."""

    parts: tuple
    source = "composition rules proved in docs/compressors.md (Beznosikov et al. 2020 for biased then unbiased)"

    def __post_init__(self):
        if len(self.parts) < 2:
            raise BadInput("compose needs at least two compressors joined by '+'")
        dims = {_dimension(p) for p in self.parts} - {None}
        if len(dims) > 1:
            raise BadInput(f"compose: the parts act on different dimensions {sorted(map(str, dims))}")
        self.stages  # noqa: B018 - check that a constant exists

    @cached_property
    def stages(self) -> tuple:
        """``(class after each part, scale applied after that part)``, folded from the left."""
        current = self.parts[0].compressor_class()
        out = [(current, Fraction(1))]
        for part in self.parts[1:]:
            klass = part.compressor_class()
            combined = compose_classes(current, klass)
            scale = 1 / (1 + klass.omega) if isinstance(current, Contractive) else Fraction(1)
            current = combined
            out.append((current, to_exact(scale)))
        return tuple(out)

    @cached_property
    def _float_scales(self) -> tuple:
        return tuple(float(scale) for _, scale in self.stages)

    def __call__(self, v, rng):
        for part, scale in zip(self.parts, self._float_scales):
            v = part(v, rng)
            if scale != 1:
                v = v * scale
        return v

    def compressor_class(self):
        return self.stages[-1][0]

    def describe(self) -> str:
        text = " then ".join(part.describe() for part in self.parts)
        rescaled = any(scale != 1 for _, scale in self.stages)
        return text + (" (rescaled by 1/(1 + omega) after each unbiased part that follows a contractive one)" if rescaled else "")
