r"""Tracing a problem once with its numbers as parameters, and filling new numbers per call.

A method's step captures its numbers (a step size, a momentum) in its closure, and building a
problem runs that step on symbolic vectors: every coefficient of the problem is a polynomial in
those numbers (and in reciprocals of polynomials, for a division). :class:`Param` is a number
that computes its float value exactly as the plain number would *and* the polynomial it is, over
the *leaves* of one :class:`Tape` (the inputs, and one derived leaf per division). A problem built
once on :class:`Param` s is compiled (:class:`Program`) into a matrix ``C`` such that every
coefficient of the problem is ``C @ monomials(leaves)``: a new setting costs one small matrix
product instead of a symbolic rebuild.

Decisions a build takes on its numbers (a comparison ``beta == 0``, two points found equal, a
coefficient found zero) are *guards*: the sign of a polynomial at trace time. A fill is valid only
where every guard has the same sign; otherwise the caller builds afresh. A number that leaves the
arithmetic (``float(eta)``, ``math.sqrt(eta)``) raises :class:`TraceEscape`: that problem is not
parametrised at all.

:func:`rebind` gives a function (a method's step, its optimum, its family terms) the same code
with every float of its closure and defaults replaced by a :class:`Param` leaf, recursively through
the functions it closes over, and returns a hashable *structure key*: two functions with equal keys
differ only in those numbers. Numbers the code reads from module globals are part of the key.
"""

from __future__ import annotations

import contextlib
import threading
import types
from collections.abc import Iterator
from fractions import Fraction
from typing import Any

import numpy as np

_NUMBERS = (int, float, Fraction, np.integer, np.floating)


_STATE = threading.local()


def enabled() -> bool:
    """Whether problems are filled from traced programs (True unless inside :func:`fresh_builds`)."""
    return not getattr(_STATE, "fresh", False)


@contextlib.contextmanager
def fresh_builds() -> Iterator[None]:
    """Inside, every problem is built afresh symbolically (the reference a filled problem must
    match; tests and the bench compare the two). Per thread."""
    previous = getattr(_STATE, "fresh", False)
    _STATE.fresh = True
    try:
        yield
    finally:
        _STATE.fresh = previous


class TraceEscape(Exception):
    """A traced number was used outside the arithmetic a parametrised problem can follow."""


def _mono_mul(a: tuple, b: tuple) -> tuple:
    """The product of two monomials (sorted ``(leaf, power)`` tuples)."""
    if not a:
        return b
    if not b:
        return a
    powers = dict(a)
    for leaf, power in b:
        powers[leaf] = powers.get(leaf, 0) + power
    return tuple(sorted(powers.items()))


def _poly_add(p: dict, q: dict, scale: float = 1.0) -> dict:
    out = dict(p)
    for mono, c in q.items():
        value = out.get(mono, 0.0) + scale * c
        if value == 0.0:
            out.pop(mono, None)
        else:
            out[mono] = value
    return out


def _poly_mul(p: dict, q: dict) -> dict:
    out: dict = {}
    for m1, c1 in p.items():
        for m2, c2 in q.items():
            mono = _mono_mul(m1, m2)
            out[mono] = out.get(mono, 0.0) + c1 * c2
    return {m: c for m, c in out.items() if c != 0.0}


def _scaled(p: dict, c: float) -> dict:
    return {m: v * c for m, v in p.items()} if c != 0.0 else {}


class Tape:
    """The leaves and guards of one traced build."""

    def __init__(self) -> None:
        self.leaves: list[tuple] = []  # ("input", k) | ("inv", poly)
        self.inputs = 0
        self.guards: dict[tuple, int] = {}  # canonical polynomial -> its sign at trace time

    def input(self, value: float) -> Param:
        """A new input leaf with this value (the ``k``-th input, in order of creation)."""
        self.leaves.append(("input", self.inputs))
        self.inputs += 1
        return Param(self, float(value), {((len(self.leaves) - 1, 1),): 1.0})

    def guard(self, poly: dict, value: float) -> None:
        if not poly or set(poly) == {()}:
            return  # a constant: decided for every setting
        self.guards[tuple(sorted(poly.items()))] = (value > 0) - (value < 0)

    def reciprocal(self, poly: dict, value: float) -> Param:
        self.guard(poly, value)
        self.leaves.append(("inv", poly))
        return Param(self, 1.0 / value, {((len(self.leaves) - 1, 1),): 1.0})


class Param:
    """A float that also knows the polynomial it is in its tape's leaves (module docstring)."""

    __slots__ = ("tape", "value", "poly")
    __array_ufunc__ = None  # numpy scalars defer to our reflected operators

    def __init__(self, tape: Tape, value: float, poly: dict):
        self.tape, self.value, self.poly = tape, value, poly

    def _other(self, other):
        if isinstance(other, Param):
            return other.value, other.poly
        if isinstance(other, _NUMBERS) and not isinstance(other, bool):
            return other, ({(): float(other)} if other != 0 else {})
        return None

    def __add__(self, other):
        o = self._other(other)
        return NotImplemented if o is None else Param(self.tape, self.value + o[0], _poly_add(self.poly, o[1]))

    def __radd__(self, other):
        o = self._other(other)
        return NotImplemented if o is None else Param(self.tape, o[0] + self.value, _poly_add(o[1], self.poly))

    def __sub__(self, other):
        o = self._other(other)
        return NotImplemented if o is None else Param(self.tape, self.value - o[0], _poly_add(self.poly, o[1], -1.0))

    def __rsub__(self, other):
        o = self._other(other)
        return NotImplemented if o is None else Param(self.tape, o[0] - self.value, _poly_add(o[1], self.poly, -1.0))

    def __mul__(self, other):
        o = self._other(other)
        return NotImplemented if o is None else Param(self.tape, self.value * o[0], _poly_mul(self.poly, o[1]))

    def __rmul__(self, other):
        o = self._other(other)
        return NotImplemented if o is None else Param(self.tape, o[0] * self.value, _poly_mul(o[1], self.poly))

    def __truediv__(self, other):
        o = self._other(other)
        if o is None:
            return NotImplemented
        if not isinstance(other, Param):
            return Param(self.tape, self.value / o[0], _scaled(self.poly, 1.0 / float(o[0])))
        inverse = self.tape.reciprocal(o[1], o[0])
        return Param(self.tape, self.value / o[0], _poly_mul(self.poly, inverse.poly))

    def __rtruediv__(self, other):
        o = self._other(other)
        if o is None:
            return NotImplemented
        inverse = self.tape.reciprocal(self.poly, self.value)
        return Param(self.tape, o[0] / self.value, _poly_mul(o[1], inverse.poly))

    def __pow__(self, exponent):
        if isinstance(exponent, int) and not isinstance(exponent, bool):
            result = Param(self.tape, 1.0, {(): 1.0})
            for _ in range(abs(exponent)):
                result = result * self
            return Param(self.tape, self.value**exponent, (result if exponent >= 0 else 1 / result).poly)
        raise TraceEscape("a traced number raised to a non-integer power")

    def __neg__(self):
        return Param(self.tape, -self.value, _scaled(self.poly, -1.0))

    def __pos__(self):
        return self

    def __abs__(self):
        return self if self._sign() >= 0 else -self

    def _sign(self, other=0) -> int:
        difference = self - other
        if difference is NotImplemented:
            raise TraceEscape(f"a traced number compared with {type(other).__name__}")
        self.tape.guard(difference.poly, difference.value)
        return (difference.value > 0) - (difference.value < 0)

    def __eq__(self, other):
        return self._sign(other) == 0 if self._other(other) is not None else NotImplemented

    def __ne__(self, other):
        return self._sign(other) != 0 if self._other(other) is not None else NotImplemented

    def __lt__(self, other):
        return self._sign(other) < 0

    def __le__(self, other):
        return self._sign(other) <= 0

    def __gt__(self, other):
        return self._sign(other) > 0

    def __ge__(self, other):
        return self._sign(other) >= 0

    def __bool__(self):
        return self._sign() != 0

    def __hash__(self):
        return hash(self.value)

    def __float__(self):
        raise TraceEscape("a traced number was converted to a float")

    __int__ = __index__ = __round__ = __trunc__ = __complex__ = __float__

    def __repr__(self) -> str:
        return f"Param({self.value!r})"


# ---------------------------------------------------------------------------------------
# Compiled programs: outputs = C @ monomials(leaves)
# ---------------------------------------------------------------------------------------


def as_poly(value) -> dict:
    """The polynomial of a coefficient (a :class:`Param` or a plain number)."""
    if isinstance(value, Param):
        return value.poly
    return {(): float(value)} if value != 0 else {}


class Program:
    """Polynomials in a tape's leaves, compiled: :meth:`evaluate` gives all of them at new
    input values (a vector, or a batch ``(B, inputs)``) with one matrix product, and
    :meth:`guards_hold` says whether every guard of the tape keeps its sign there."""

    def __init__(self, tape: Tape, polys: list[dict]):
        self.leaves = list(tape.leaves)
        guard_polys = [dict(key) for key in tape.guards]
        self.guard_signs = np.array(list(tape.guards.values()), dtype=float)
        monos = sorted({m for p in polys + guard_polys + [d[1] for d in self.leaves if d[0] == "inv"] for m in p})
        index = {m: k for k, m in enumerate(monos)}
        self._exponents = np.zeros((len(monos), max(len(self.leaves), 1)))
        for k, mono in enumerate(monos):
            for leaf, power in mono:
                self._exponents[k, leaf] = power
        self._index = index
        self.matrix = self._dense(polys)
        self.guard_matrix = self._dense(guard_polys)
        self._derived = [(k, self._dense([d[1]])) for k, d in enumerate(self.leaves) if d[0] == "inv"]
        self._inputs = [(k, d[1]) for k, d in enumerate(self.leaves) if d[0] == "input"]

    def _dense(self, polys: list[dict]) -> np.ndarray:
        matrix = np.zeros((len(polys), len(self._index)))
        for row, poly in enumerate(polys):
            for mono, c in poly.items():
                matrix[row, self._index[mono]] = c
        return matrix

    def monomials(self, inputs: np.ndarray) -> np.ndarray:
        """Every monomial at ``inputs`` (shape ``(inputs,)`` or ``(B, inputs)``)."""
        inputs = np.asarray(inputs, dtype=float)
        leaves = np.zeros(inputs.shape[:-1] + (self._exponents.shape[1],))
        for k, position in self._inputs:
            leaves[..., k] = inputs[..., position]
        for k, row in self._derived:  # in order: a derived leaf uses earlier leaves only
            powers = np.prod(leaves[..., None, :] ** self._exponents, axis=-1)
            with np.errstate(divide="ignore"):
                leaves[..., k] = 1.0 / (powers @ row[0])
        return np.prod(leaves[..., None, :] ** self._exponents, axis=-1)

    def evaluate(self, monomials: np.ndarray) -> np.ndarray:
        return monomials @ self.matrix.T

    def guards_hold(self, monomials: np.ndarray, rows: np.ndarray | None = None) -> bool:
        """Every guard (or those of ``rows``) has its traced sign at these monomials (all of a
        batch)."""
        matrix, signs = self.guard_matrix, self.guard_signs
        if rows is not None:
            matrix, signs = matrix[rows], signs[rows]
        if not len(signs):
            return True
        values = monomials @ matrix.T
        if not np.all(np.isfinite(values)):
            return False
        return bool(np.all(np.sign(values) == signs))

    def guards_on(self, leaves: set[int]) -> np.ndarray:
        """The guards whose polynomial involves only ``leaves`` (and constants)."""
        used = self._exponents[:, sorted(set(range(self._exponents.shape[1])) - leaves)].any(axis=1)
        return np.flatnonzero(~(self.guard_matrix[:, used] != 0).any(axis=1))


# ---------------------------------------------------------------------------------------
# Rebinding a function's numbers
# ---------------------------------------------------------------------------------------


class NotRebindable(Exception):
    """A function whose numbers cannot be traced (a bound method, an unhashable capture)."""


def _rebind_value(value, tape: Tape | None, numbers: list) -> tuple[Any, Any]:
    """``(traced value, key part)`` of one captured value (``tape`` None: the key alone)."""
    if isinstance(value, (float, Fraction, np.floating)) and not isinstance(value, bool):
        numbers.append(float(value))
        return (None if tape is None else tape.input(float(value))), "number"
    if isinstance(value, types.FunctionType):
        return rebind(value, tape, numbers)
    if isinstance(value, tuple):
        parts = [_rebind_value(v, tape, numbers) for v in value]
        return tuple(p[0] for p in parts), ("tuple", tuple(p[1] for p in parts))
    try:
        hash(value)
    except TypeError:
        raise NotRebindable(f"a captured {type(value).__name__} is not hashable") from None
    return value, (type(value), value)


def rebind(function, tape: Tape | None, numbers: list) -> tuple[Any, tuple]:
    """``(function with traced numbers, structure key)``; ``numbers`` receives the plain
    numbers, in the order of the tape's inputs (module docstring). With ``tape`` None only the
    key and the numbers are computed (what a cache lookup needs)."""
    if function is None:
        return None, ("none",)
    if not isinstance(function, types.FunctionType):
        raise NotRebindable(f"{type(function).__name__} is not a plain function")
    try:
        cells = [cell.cell_contents for cell in function.__closure__ or ()]
    except ValueError:
        raise NotRebindable("a closure cell is empty") from None
    parts = [_rebind_value(value, tape, numbers) for value in cells]
    defaults = [_rebind_value(value, tape, numbers) for value in function.__defaults__ or ()]
    kwdefaults = {name: _rebind_value(value, tape, numbers) for name, value in (function.__kwdefaults__ or {}).items()}
    code = function.__code__
    read = tuple((name, function.__globals__[name]) for name in code.co_names
                 if isinstance(function.__globals__.get(name), _NUMBERS))
    key = (code, tuple(p[1] for p in parts), tuple(p[1] for p in defaults),
           tuple(sorted((name, p[1]) for name, p in kwdefaults.items())), read)
    if tape is None:
        return None, key
    new = types.FunctionType(code, function.__globals__, function.__name__,
                             tuple(p[0] for p in defaults) or None,
                             tuple(types.CellType(p[0]) for p in parts) or None)
    new.__kwdefaults__ = {name: p[0] for name, p in kwdefaults.items()} or None
    return new, key


def method_key(method, tape: Tape | None = None) -> tuple[tuple, list[float], Any]:
    """``(structure key, numbers, traced method)`` of a :class:`~pepcert.pep.methods.Method`:
    its step, optimum and family terms rebound (:func:`rebind`; the traced method is None
    without a tape). :class:`NotRebindable` when one of them cannot be."""
    from dataclasses import replace

    numbers: list[float] = []
    step, step_key = rebind(method.step, tape, numbers)
    optimum, optimum_key = rebind(method.optimum, tape, numbers)
    families, family_keys = {}, []
    for name, terms in method.families.items():
        rebound = []
        for term in terms:
            label, function = term if isinstance(term, tuple) else (None, term)
            new, key = rebind(function, tape, numbers)
            rebound.append(new if label is None else (label, new))
            family_keys.append((name, label, key))
        families[name] = tuple(rebound)
    key = (method.name, method.state, step_key, optimum_key, tuple(family_keys))
    traced = None if tape is None else replace(method, step=step, optimum=optimum, families=families)
    return key, numbers, traced


_KEYS: dict[int, tuple] = {}


def lookup_key(method) -> tuple[tuple, list[float]]:
    """``(structure key, numbers)`` of a method, computed once per Method object (its numbers are
    read when it is first analysed: a step whose closure is rebound later is not followed)."""
    import weakref

    entry = _KEYS.get(id(method))
    if entry is not None and entry[0]() is method:
        return entry[1], entry[2]
    key, numbers, _ = method_key(method)
    hash(key)
    identity = id(method)

    def forget(_reference, identity: int = identity) -> None:
        _KEYS.pop(identity, None)

    try:
        reference = weakref.ref(method, forget)
    except TypeError:  # not weakly referable: no memo
        return key, numbers
    _KEYS[identity] = (reference, key, numbers)
    return key, numbers
