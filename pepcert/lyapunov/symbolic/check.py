r"""The generic symbolic verifier: is a :class:`~pepcert.lyapunov.symbolic.proof.Proof` a proof?

For a one-step problem built by :func:`pepcert.lyapunov.onestep.one_step` with sympy
parameters (any method: its ``step`` runs on sympy coefficients) and a proof, on every piece
of the proof's case split, with the piece's box (its range's exact parametrisation, or its
chart), sympy checks:

(a) the decrease identity ``rho V0 - E V1 + sum_k lambda_k c_k = <S, G> + l^T F + c``, with
    ``S = sum_i d_i w_i w_i^T`` exactly (an ``LDL^T`` along the stated pivots, or the stated
    squares), in the field of rational functions of the coordinates;
(b) every multiplier ``lambda_k``, every entry of ``l`` (function values ``f(x_i) - f_* >= 0``)
    and ``c`` are manifestly ``>= 0`` on the box;
(c) every pivot ``d_i`` is manifestly ``>= 0`` on the box, and ``S``'s entries are continuous on
    the box (the identity holds wherever the pivots are nonzero, a dense set, so ``S`` is PSD
    there and, by continuity, on the whole box: this covers points where a pivot vanishes);
(d) the range is well formed (``upper - lower > 0`` for every bounded parameter), the rate is
    rational on the box (``Abs``, ``Max``, ``Min`` and exact square roots resolved by manifest
    signs) and equals the proof's overall rate, and every lemma of the piece holds.

Then ``rho V0 - E V1 = <S, G> + l^T F + c - sum_k lambda_k c_k >= 0`` for every function and
compressor output of the classes, every dimension, and every parameter the box reaches.
Nothing here knows which method it is checking.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import sympy

from pepcert.lyapunov.symbolic.positivity import Box, NotRational, is_zero
from pepcert.lyapunov.symbolic.proof import Lemma, Piece, Proof
from pepcert.lyapunov.symbolic.ranges import Range
from pepcert.lyapunov.symbolic.residual import basis_index, identity_holds, ldl_squares, residual

_SPECIAL = (sympy.Abs, sympy.Max, sympy.Min)
RHO = sympy.Symbol("rho", positive=True)  # in a lemma: the piece's rate


@dataclass(frozen=True)
class PieceVerdict:
    """What was checked on one piece; :attr:`failures` lists every condition that failed."""

    label: str
    range: str
    rate: sympy.Expr
    multipliers: Mapping
    multipliers_nonnegative: Mapping
    identity: bool
    squares_nonnegative: tuple
    continuous: bool
    lemmas: tuple
    failures: tuple
    basis: tuple = field(default=(), repr=False)
    field_squares: tuple = field(default=(), repr=False, compare=False)

    @property
    def proved(self) -> bool:
        return not self.failures

    @property
    def squares(self) -> tuple:
        """``((d_i, {basis name: coefficient}), ...)``, factored (computed on demand)."""
        return tuple(
            (sympy.factor(d.as_expr()), {self.basis[i]: sympy.factor(c.as_expr()) for i, c in enumerate(w) if c != 0})
            for d, w in self.field_squares
        )


@dataclass(frozen=True)
class Verdict:
    """The outcome of :func:`verify`: proved, or not with the first failing condition."""

    statement: str
    proved: bool
    reason: str
    pieces: tuple
    seconds: float

    def summary(self) -> str:
        if self.proved:
            return f"proved on {len(self.pieces)} piece(s)"
        return f"NOT proved: {self.reason}"

    def to_dict(self) -> dict:
        return {
            "statement": self.statement,
            "proved": self.proved,
            "reason": self.reason,
            "pieces": [
                {"label": p.label, "range": p.range, "rate": str(p.rate), "failures": list(p.failures),
                 "multipliers": {k: str(v) for k, v in p.multipliers.items()}}
                for p in self.pieces
            ],
            "seconds": self.seconds,
        }


def verify(problem, proof: Proof) -> Verdict:
    """Check ``proof`` against the one-step ``problem`` exactly (see the module docstring)."""
    start = time.perf_counter()
    pieces = tuple(verify_piece(problem, proof, label, within, piece) for label, within, piece in proof.pieces())
    failures = [f"{p.label}: {p.failures[0]}" for p in pieces if p.failures]
    return Verdict(
        statement=proof.statement,
        proved=not failures,
        reason=failures[0] if failures else "",
        pieces=pieces,
        seconds=time.perf_counter() - start,
    )


def _rational(box: Box, substitution: Mapping, expression) -> sympy.Expr:
    """``expression`` in the box's coordinates, special functions resolved on the box."""
    value = sympy.sympify(expression).subs(substitution, simultaneous=True)
    if value.has(*_SPECIAL) or any(p.exp.is_Rational and not p.exp.is_Integer for p in value.atoms(sympy.Pow)):
        value = box.resolve(value)
    return value


def _range_failures(within: Range, box: Box) -> list[str]:
    failures = []
    for text, width in within.widths():
        try:
            nonempty = box.positive_value(sympy.sympify(width))
        except NotRational:
            nonempty = False
        if not nonempty:
            failures.append(f"the range {text} is not manifestly nonempty")
    return failures


def _rate(proof: Proof, piece: Piece, box: Box, substitution) -> tuple[sympy.Expr | None, list[str]]:
    claimed = piece.rate if piece.rate is not None else proof.rate
    if claimed is None:
        return None, ["no rate: give the proof's rate or the piece's"]
    try:
        rate = _rational(box, substitution, claimed)
    except ArithmeticError as error:
        return None, [f"the rate is not rational on the box ({error})"]
    if piece.rate is not None and proof.rate is not None:
        try:
            overall = _rational(box, substitution, proof.rate)
        except ArithmeticError as error:
            return rate, [f"the proof's rate does not resolve on the piece ({error})"]
        if not is_zero(overall - rate):
            return rate, ["the piece's rate is not the proof's rate on the piece"]
    return rate, []


def check_lemma(lemma: Lemma, box: Box, substitution: Mapping) -> bool:
    """Whether ``lemma`` holds (see :class:`Lemma`); an unresolvable expression fails."""
    key = ("lemma", lemma.kind, sympy.sympify(lemma.expression), tuple(sorted(substitution.items(), key=str)))
    return box.remember(key, lambda: _lemma_holds(lemma, box, substitution))


def _lemma_holds(lemma: Lemma, box: Box, substitution: Mapping) -> bool:
    try:
        value = _rational(box, substitution, lemma.expression)
        if lemma.kind == "zero":
            return is_zero(value)
        element = box.element(sympy.cancel(sympy.together(value)))
        return box.nonnegative_value(element) if lemma.kind == "nonnegative" else box.positive_value(element)
    except ArithmeticError:  # not proven, or not a rational function (NotRational)
        return False


def _squares(problem, piece: Piece, gram, box: Box) -> tuple[list, str]:
    if piece.squares is not None:
        names = problem.basis.vector_names
        size = len(gram)
        result = []
        for weight, column in piece.squares:
            vector = [box.field.zero] * size
            for key, value in column.items():
                vector[names.index(key) if isinstance(key, str) else key] = box.element(value)
            result.append((box.element(weight), vector))
        return result, ""
    order = [basis_index(problem, p) for p in piece.pivots] if piece.pivots is not None else range(len(gram))
    return ldl_squares(gram, list(order), box.field.zero)


def coordinates(piece: Piece, within: Range) -> tuple[Box, dict]:
    """``(box, substitution)`` of a piece: its chart's, or its range's own box."""
    if piece.chart is not None:
        return piece.chart.box, dict(piece.chart.parameters)
    return within.box(), {}


def _decrease(problem, piece: Piece, box: Box, substitution, rate, failures: list) -> tuple:
    """Checks (a)-(c) of the module docstring; appends what fails to ``failures`` and returns
    ``(identity, continuous, squares, squares_ok, multipliers_ok)``."""

    def element(value):
        return box.element(sympy.sympify(value).subs(substitution, simultaneous=True))

    multipliers = {name: sympy.sympify(value).subs(substitution, simultaneous=True) for name, value in piece.multipliers.items()}
    try:
        gram, values, constant = residual(problem, rate, piece.lyapunov, multipliers, element)
    except KeyError as error:
        failures.append(str(error.args[0]))
        return False, False, [], (), {}
    multipliers_ok = {name: box.nonnegative_value(value) for name, value in multipliers.items()}
    failures += [f"multiplier of {name} is not manifestly >= 0 on the range" for name, ok in multipliers_ok.items() if not ok]
    failures += [f"function-value coefficient of {problem.basis.value_names[j]} is not manifestly >= 0"
                 for j, v in enumerate(values) if not box.nonnegative_value(v)]
    if not box.nonnegative_value(constant):
        failures.append("the residual's constant is not manifestly >= 0")
    squares, ldl_problem = _squares(problem, piece, gram, box)
    identity = not ldl_problem and identity_holds(gram, squares, box.field.zero)
    if not identity:
        failures.append(ldl_problem or "S is not the sum of the squares (nonzero remainder)")
    squares_ok = tuple(box.nonnegative_value(d) for d, _ in squares)
    failures += [f"square weight d_{i} is not manifestly >= 0 on the range: S is not proven PSD"
                 for i, ok in enumerate(squares_ok) if not ok]
    continuous = all(box.continuous(x) for row in gram for x in row if x != 0)
    if not continuous:
        failures.append("an entry of S is not continuous on the box")
    return identity, continuous, squares, squares_ok, multipliers_ok


def verify_piece(problem, proof: Proof, label: str, within: Range, piece: Piece) -> PieceVerdict:
    """Check one piece; every failing condition is listed in the result."""
    box, substitution = coordinates(piece, within)
    failures = [] if piece.chart is not None else _range_failures(within, box)
    if not box.defined():
        failures.append("the box is not well defined (a denominator may vanish)")
    rate, rate_failures = _rate(proof, piece, box, substitution)
    failures += rate_failures
    multipliers = {name: sympy.sympify(value).subs(substitution, simultaneous=True) for name, value in piece.multipliers.items()}
    identity, continuous, squares, squares_ok, multipliers_ok = False, False, [], (), {}
    if rate is not None:
        try:
            identity, continuous, squares, squares_ok, multipliers_ok = _decrease(problem, piece, box, substitution, rate, failures)
        except NotRational as error:
            failures.append(str(error))
    with_rate = {**substitution, RHO: rate if rate is not None else sympy.nan}
    lemmas = tuple((lemma.statement, check_lemma(lemma, box, with_rate))
                   for lemma in (piece.chart.coverage if piece.chart is not None else ()) + tuple(piece.lemmas))
    failures += [f"lemma fails: {text}" for text, ok in lemmas if not ok]
    return PieceVerdict(
        label=label,
        range=within.describe(),
        rate=rate if rate is not None else sympy.nan,
        multipliers=MappingProxyType(multipliers),
        multipliers_nonnegative=MappingProxyType(multipliers_ok),
        identity=identity,
        squares_nonnegative=squares_ok,
        continuous=continuous,
        lemmas=lemmas,
        failures=tuple(failures),
        basis=tuple(problem.basis.vector_names),
        field_squares=tuple(squares),
    )
