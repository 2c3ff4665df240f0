r"""Tracing a problem once with its numbers as parameters, and replaying it on new numbers.

A method's step captures its numbers (a step size, a momentum) in its closure, and building a
problem runs that step on symbolic vectors: every coefficient of the problem is computed from
those numbers by a sequence of float operations. :class:`Param` is a number that computes its
float value exactly as the plain number would *and* records the operation on one :class:`Tape`.
A problem built once on :class:`Param` s is compiled (:class:`Program`) into straight-line code
that repeats, on new input numbers, exactly the operations of the build, in the same order: its
outputs are bitwise the coefficients a fresh build at those numbers computes (same IEEE
operations on the same operands), for the cost of a few hundred float operations instead of a
symbolic rebuild.

Decisions a build takes on its numbers (a comparison ``beta == 0``, a coefficient found zero and
dropped, two points found equal) are *guards*: the sign of a recorded difference at trace time. A
replay is valid only where every guard has the same sign (every :class:`Param` hashes alike, so a
dictionary keyed by points compares them, and that comparison is a guard too); otherwise the
caller builds afresh. A number that leaves the arithmetic (``float(eta)``, ``math.sqrt(eta)``, a
numpy function) raises :class:`TraceEscape` or ``TypeError``: that problem is not traced at all.

:func:`rebind` gives a function (a method's step, its optimum, its family terms) the same code
with every float of its closure and defaults replaced by a :class:`Param` input, recursively
through the functions it closes over, and returns a hashable *structure key*: two functions with
equal keys differ only in those floats. Other captured numbers (ints, Fractions) and numbers the
code reads from module globals are part of the key.
"""

from __future__ import annotations

import contextlib
import types
from fractions import Fraction
from typing import Any

import numpy as np

from pepcert.pep.switches import ThreadSwitch

_FRESH = ThreadSwitch()


def enabled() -> bool:
    """Whether problems are filled from traced programs (True unless inside :func:`fresh_builds`)."""
    return not _FRESH


def fresh_builds() -> contextlib.AbstractContextManager[None]:
    """Inside, every problem is built afresh symbolically (the reference a filled problem must
    match; tests and the bench compare the two). Per thread."""
    return _FRESH.on()


class TraceEscape(Exception):
    """A traced number was used outside the arithmetic a traced problem can follow."""


_NUMBERS = (int, float, Fraction, np.integer, np.floating)
_SYMBOLS = {"add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "**"}


class Tape:
    """The operations and guards of one traced build. Node ``k`` is the ``k``-th
    :class:`Param` made: an input, or ``(op, left, right)`` with operands ``("n", node)`` or
    ``("c", constant)`` (the constant object itself, so a replay repeats Python's arithmetic)."""

    def __init__(self) -> None:
        self.nodes: list[tuple] = []  # ("input", k) | (op, left, right) | ("neg"/"abs", operand)
        self.inputs = 0
        self.guards: list[tuple[int, str]] = []  # (node of a difference, its relation to 0 at trace time)

    def input(self, value) -> Param:
        """A new input with this value (the ``k``-th input, in order of creation)."""
        self.nodes.append(("input", self.inputs))
        self.inputs += 1
        return Param(self, value, len(self.nodes) - 1)

    def record(self, value, node: tuple) -> Param:
        self.nodes.append(node)
        return Param(self, value, len(self.nodes) - 1)


def _operand(value) -> tuple:
    return ("n", value.node) if isinstance(value, Param) else ("c", value)


class Param:
    """A float that also records how it was computed (module docstring)."""

    __slots__ = ("tape", "value", "node")
    __array_ufunc__ = None  # numpy scalars defer to our reflected operators

    def __init__(self, tape: Tape, value, node: int):
        self.tape, self.value, self.node = tape, value, node

    def _binary(self, other, op: str, reflected: bool):
        if isinstance(other, Param):
            if other.tape is not self.tape:
                raise TraceEscape("numbers of two traces met")
            plain = other.value
        elif isinstance(other, _NUMBERS) and not isinstance(other, bool):
            plain = other
        else:
            return NotImplemented
        left, right = (plain, self.value) if reflected else (self.value, plain)
        value = _APPLY[op](left, right)
        operands = (_operand(other), ("n", self.node)) if reflected else (("n", self.node), _operand(other))
        return self.tape.record(value, (op, *operands))

    def __add__(self, other):
        return self._binary(other, "add", False)

    def __radd__(self, other):
        return self._binary(other, "add", True)

    def __sub__(self, other):
        return self._binary(other, "sub", False)

    def __rsub__(self, other):
        return self._binary(other, "sub", True)

    def __mul__(self, other):
        return self._binary(other, "mul", False)

    def __rmul__(self, other):
        return self._binary(other, "mul", True)

    def __truediv__(self, other):
        return self._binary(other, "div", False)

    def __rtruediv__(self, other):
        return self._binary(other, "div", True)

    def __pow__(self, exponent):
        if isinstance(exponent, int) and not isinstance(exponent, bool):
            return self.tape.record(self.value**exponent, ("pow", ("n", self.node), ("c", exponent)))
        raise TraceEscape("a traced number raised to a non-integer power")

    def __neg__(self):
        return self.tape.record(-self.value, ("neg", ("n", self.node)))

    def __pos__(self):
        return self

    def __abs__(self):
        return self.tape.record(abs(self.value), ("abs", ("n", self.node)))

    def _sign(self, other=0, equality: bool = False) -> int:
        """The sign of ``self - other``, recorded as a guard: for an equality test only whether
        it is zero (``==``, ``!=``, truth), for an ordering its sign."""
        difference = self if isinstance(other, int) and other == 0 else self - other
        if difference is NotImplemented:
            raise TraceEscape(f"a traced number compared with {type(other).__name__}")
        value = difference.value
        sign = (value > 0) - (value < 0)
        self.tape.guards.append((difference.node, (">" if sign > 0 else "<" if sign < 0 else "==") if not equality
                                 else ("!=" if sign else "==")))
        return sign

    def __eq__(self, other):
        return self._sign(other, True) == 0 if isinstance(other, (Param, *_NUMBERS)) else NotImplemented

    def __ne__(self, other):
        return self._sign(other, True) != 0 if isinstance(other, (Param, *_NUMBERS)) else NotImplemented

    def __lt__(self, other):
        return self._sign(other) < 0

    def __le__(self, other):
        return self._sign(other) <= 0

    def __gt__(self, other):
        return self._sign(other) > 0

    def __ge__(self, other):
        return self._sign(other) >= 0

    def __bool__(self):
        return self._sign(0, True) != 0

    def __hash__(self):
        return 0  # every lookup among equal-shaped keys compares them: a guard (module docstring)

    def __float__(self):
        raise TraceEscape("a traced number was converted to a float")

    __int__ = __index__ = __round__ = __trunc__ = __complex__ = __float__

    def __repr__(self) -> str:
        return f"Param({self.value!r})"


_APPLY = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
          "div": lambda a, b: a / b}


# ---------------------------------------------------------------------------------------
# Compiled programs: the build's arithmetic replayed as straight-line code
# ---------------------------------------------------------------------------------------


#: Guard tests per line of a compiled program (the compiler recurses once per operator of a line).
GUARDS_PER_LINE = 64


class Program:
    """The operations a list of outputs (each a :class:`Param` or a plain number) needs, as one
    compiled Python function of the inputs: :meth:`run` gives the outputs at new inputs as a
    float array, or None where a guard changes sign or the arithmetic fails (a division by
    zero: the fresh build then meets it itself)."""

    def __init__(self, tape: Tape, outputs: list, batch: bool = False):
        self.n_inputs = tape.inputs
        needed = _needed(tape, [o.node for o in outputs if isinstance(o, Param)] + [g[0] for g in tape.guards])
        constants: list = []
        lines = ["def program(x, c):", "    try:"]

        def name(operand):
            if operand[0] == "n":
                return f"v{operand[1]}"
            constants.append(float(operand[1]) if batch else operand[1])
            return f"c[{len(constants) - 1}]"

        for k in needed:
            node = tape.nodes[k]
            if node[0] == "input":
                lines.append(f"        v{k} = x[{node[1]}]")
            elif node[0] in ("neg", "abs"):
                lines.append(f"        v{k} = {'-' if node[0] == 'neg' else 'abs'}({name(node[1])})")
            else:
                lines.append(f"        v{k} = {name(node[1])} {_SYMBOLS[node[0]]} {name(node[2])}")
        checks = [f"({name(('n', node))} {relation} 0)" for node, relation in dict.fromkeys(tape.guards)]
        # In lines of GUARDS_PER_LINE tests: one expression of thousands (64 agents) overflows the compiler's stack.
        for first in range(0, len(checks), GUARDS_PER_LINE):
            chunk = checks[first:first + GUARDS_PER_LINE]
            # One test of the whole batch: numbers' tests are bools, arrays' arrays.
            test = f"_all({' & '.join(chunk)})" if batch else " and ".join(chunk)
            lines.append(f"        if not ({test}):")
            lines.append("            return None")
        lines.append(f"        return [{', '.join(name(_operand(o)) for o in outputs)}]")
        lines.append("    except (ArithmeticError, ValueError):")
        lines.append("        return None")
        scope: dict = {"_all": _all}
        exec(compile("\n".join(lines), "<pepcert traced program>", "exec"), scope)  # our own generated code, from recorded operations
        self._function, self._constants = scope["program"], tuple(constants)
        self.size = len(outputs)

    def run(self, inputs) -> np.ndarray | None:
        """Every output at ``inputs`` (in the tape's input order), or None (class docstring)."""
        values = self._function(list(inputs), self._constants)
        return None if values is None else np.array(values, dtype=float)

    def run_batch(self, inputs) -> list | None:
        """A program compiled with ``batch=True`` on inputs some of which are float arrays (one
        entry per member of a batch): the outputs as computed (arrays or numbers), or None when a
        guard fails for any member. Constants enter as floats, as
        :class:`pepcert.lowerbounds.linear._Batch` makes them, so a batch replay repeats the
        operations of a batched run of the step."""
        return self._function(list(inputs), self._constants)


def _all(test) -> bool:
    """A guard's test on a batch (an array of booleans) or on one number (a bool)."""
    return test if test.__class__ is bool else bool(test.all())


def _needed(tape: Tape, roots: list[int]) -> list[int]:
    """The nodes the roots depend on, in order."""
    seen = set(roots)
    stack = list(roots)
    while stack:
        node = tape.nodes[stack.pop()]
        for operand in node[1:]:
            if isinstance(operand, tuple) and operand[0] == "n" and operand[1] not in seen:
                seen.add(operand[1])
                stack.append(operand[1])
    return sorted(seen)


# ---------------------------------------------------------------------------------------
# Rebinding a function's numbers
# ---------------------------------------------------------------------------------------


class NotRebindable(Exception):
    """A function whose numbers cannot be traced (a bound method, an unhashable capture)."""


def _rebind_value(value, tape: Tape | None, numbers: list) -> tuple[Any, Any]:
    """``(traced value, key part)`` of one captured value (``tape`` None: the key alone)."""
    if isinstance(value, (float, np.floating)):
        numbers.append(value)
        return (None if tape is None else tape.input(value)), "number"
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
