r"""A symbolic proof of a Lyapunov decrease, as data (what the verifier checks).

The claim (Taylor, Van Scoy & Lessard, ICML 2018; Thomsen, Taylor & Dieuleveut 2025, Sec. 3):
for every parameter in a :class:`~pepcert.lyapunov.symbolic.ranges.Range`, every function and
every compressor output of the classes, ``E V(after one step) <= rho V(before)``. A proof gives,
on each *piece* of the range (a case split cuts it), closed forms for

* the rate ``rho`` and the Lyapunov function (weights of the one-step problem's structured
  family, or the matrix ``P`` and gap weight ``p`` of the full family);
* one multiplier ``lambda_k >= 0`` per interpolation / compressor inequality ``c_k <= 0`` it
  uses (by the constraint's name in the one-step problem, e.g. ``"interpolation(x0,x*)"``);
* how to show the residual ``R = rho V0 - E V1 + sum_k lambda_k c_k = <S, G> + l^T F + c`` is
  nonnegative: an elimination order for an exact ``LDL^T`` of ``S`` (``pivots``) or explicit
  squares ``S = sum_i d_i w_i w_i^T`` (``squares``);
* optionally a :class:`Chart`: coordinates in which the piece's closed forms are rational
  (e.g. an eigenvalue instead of a step size under a square root), with the lemmas that tie it
  to the range.

Everything here is plain data (sympy expressions); :func:`~pepcert.lyapunov.symbolic.check.verify`
decides whether it is a proof.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import sympy

from pepcert.lyapunov.symbolic.positivity import Box
from pepcert.lyapunov.symbolic.ranges import Range
from pepcert.pep.errors import BadInput

LEMMA_KINDS = ("zero", "nonnegative", "positive")


@dataclass(frozen=True)
class Lyapunov:
    """``V = sum_i weights_i term_i`` (structured family) or ``phi^T P phi + p (f - f*)`` (full)."""

    weights: tuple = ()
    matrix: tuple | None = None
    gap: object = 0

    def __post_init__(self):
        object.__setattr__(self, "weights", tuple(sympy.sympify(w) for w in self.weights))
        if self.matrix is not None:
            object.__setattr__(self, "matrix", tuple(tuple(sympy.sympify(x) for x in row) for row in self.matrix))
        elif not self.weights:
            raise BadInput("a Lyapunov function needs family weights or a matrix P")


@dataclass(frozen=True)
class Lemma:
    """A checked side statement: ``expression`` is identically zero (``"zero"``), or manifestly
    ``>= 0`` / ``> 0`` on the piece's box. ``Abs``, ``Max``, ``Min`` and square roots of exact
    squares are resolved on the box first; the symbol ``RHO`` (:mod:`.check`) stands for the
    piece's rate, so a lemma can tie the rate used to a closed form."""

    statement: str
    expression: object
    kind: str = "zero"

    def __post_init__(self):
        if self.kind not in LEMMA_KINDS:
            raise BadInput(f"lemma kind must be one of {LEMMA_KINDS}, got {self.kind!r}")


@dataclass(frozen=True)
class Chart:
    """Coordinates for one piece: ``parameters`` maps a proof parameter to an expression in the
    coordinates (a parameter not listed is itself a coordinate), ``box`` parametrises the
    coordinates. The box must reach every parameter of the piece; that is what ``coverage``
    (lemmas checked on the box) and ``argument`` (the reasoning, in words) establish."""

    box: Box
    parameters: Mapping
    coverage: tuple = ()
    argument: str = ""


@dataclass(frozen=True)
class Piece:
    """The proof data valid on one part of the range.

    Attributes:
        rate: ``rho`` (sympy, in the parameters or the chart's coordinates); ``None``: the
            proof's rate.
        lyapunov: the Lyapunov function.
        multipliers: constraint name -> closed form (``>= 0`` on the piece).
        pivots: elimination order of the ``LDL^T`` (basis names such as ``"c0"``, or
            ``("before" | "after", i)`` for the i-th Lyapunov feature); default: basis order.
        squares: explicit ``((d_i, {basis name: coefficient}), ...)`` instead of an ``LDL^T``.
        chart: coordinates for this piece (default: the range's own box).
        lemmas: further statements the piece relies on (checked).
    """

    lyapunov: Lyapunov
    multipliers: Mapping
    rate: object = None
    pivots: tuple | None = None
    squares: tuple | None = None
    chart: Chart | None = None
    lemmas: tuple = ()

    def with_multiplier(self, name: str, value) -> Piece:
        """A copy with one multiplier replaced (to see a wrong proof rejected)."""
        return replace(self, multipliers={**self.multipliers, name: sympy.sympify(value)})

    def with_rate(self, value) -> Piece:
        """A copy claiming another rate."""
        return replace(self, rate=sympy.sympify(value))


@dataclass(frozen=True)
class Split:
    """A case split: ``parameter <= at`` (``below``) and ``parameter >= at`` (``above``)."""

    parameter: sympy.Symbol
    at: object
    below: Piece | Split
    above: Piece | Split


@dataclass(frozen=True)
class Proof:
    """A claimed Lyapunov decrease for every parameter of ``parameters``.

    Attributes:
        parameters: the stated range (the one-step problem is built with these symbols).
        body: a :class:`Piece` or a :class:`Split` of pieces.
        rate: the claimed rate over the whole range (e.g. a ``Max``); each piece's rate must
            equal it on the piece (resolved on the piece's box). ``None``: the pieces' rates.
        statement: what is proved, in words.
    """

    parameters: Range
    body: Piece | Split
    rate: object = None
    statement: str = ""
    name: str = field(default="proof")

    def pieces(self) -> list[tuple[str, Range, Piece]]:
        """``(label, range, piece)`` for every piece of the case split."""
        return _pieces(self.body, self.parameters, "")

    def replace_piece(self, label: str, piece: Piece) -> Proof:
        """A copy with the piece called ``label`` replaced."""
        return replace(self, body=_replaced(self.body, label, piece, ""))


def _pieces(body, within: Range, label: str) -> list:
    if isinstance(body, Piece):
        return [(label or "all", within, body)]
    below, above = within.split(body.parameter, body.at)
    name = str(body.parameter)
    return _pieces(body.below, below, f"{label}{name}<=") + _pieces(body.above, above, f"{label}{name}>=")


def _replaced(body, target: str, piece: Piece, label: str):
    if isinstance(body, Piece):
        return piece if (label or "all") == target else body
    name = str(body.parameter)
    return replace(body, below=_replaced(body.below, target, piece, f"{label}{name}<="),
                   above=_replaced(body.above, target, piece, f"{label}{name}>="))
