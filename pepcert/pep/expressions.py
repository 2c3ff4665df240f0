"""Vectors and scalars of a performance-estimation problem.

A worst-case problem over first-order methods never needs the vectors themselves, only their
inner products (the Gram matrix ``G``) and the function values ``F`` (Drori & Teboulle 2014;
Taylor, Hendrickx & Glineur 2017). So every quantity a method computes is written over a
*basis* owned by one problem:

* a :class:`Vector` is a sparse row of coefficients over the basis vectors
  (``x_1 = x_0 - eta * g_0`` is ``{x_0: 1, g_0: -eta}``);
* a :class:`Scalar` is ``sum_{i<=j} q_ij <b_i, b_j> + sum_k l_k F_k + const``: a quadratic
  form in the basis vectors plus a linear form in the basis function values, i.e. the affine
  function ``<Q, G> + l^T F + const`` of the Gram matrix and the function values.

Coefficients are plain Python numbers, so the same method definition builds a problem in
floats (to solve), in :class:`fractions.Fraction` (to certify exactly) or in sympy expressions
(to prove for symbolic parameters). There is no global state: each :class:`Basis` numbers its
own vectors, so independent problems can be built concurrently.

:func:`inner` and :func:`norm2` also accept numpy arrays, so one definition of a Lyapunov
function or measure evaluates on symbolic vectors and on concrete iterates alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import Any

import numpy as np


def _is_number(value) -> bool:
    if isinstance(value, (int, float, Fraction, np.number)) and not isinstance(value, bool):
        return True
    # sympy expressions (kept optional: only imported by symbolic analyses)
    return getattr(value, "is_Number", None) is not None and hasattr(value, "free_symbols")


def _is_zero(value) -> bool:
    try:
        return bool(value == 0)
    except TypeError:  # pragma: no cover - exotic number types
        return False


class Basis:
    """The vectors and function values of one problem, numbered in order of creation."""

    __slots__ = ("_vector_names", "_value_names", "exact")

    def __init__(self, exact: bool = True) -> None:
        self._vector_names: list[str] = []
        self._value_names: list[str] = []
        # Division by an integer keeps it exact (x / 3 is x * Fraction(1, 3)); a floating-point
        # build (exact=False) divides by the float instead: the same numbers to rounding, without
        # rational arithmetic (64 agents' means).
        self.exact = exact

    # -- creation -------------------------------------------------------------------------
    def new_vector(self, name: str) -> Vector:
        """A new basis vector (a leaf of the problem: initial state, oracle output)."""
        self._vector_names.append(name)
        return Vector(self, {len(self._vector_names) - 1: 1})

    def new_value(self, name: str) -> Scalar:
        """A new basis function value (``f`` at a new point, measured from ``f*``)."""
        self._value_names.append(name)
        return Scalar(self, {}, {len(self._value_names) - 1: 1}, 0)

    def zero_vector(self) -> Vector:
        return Vector(self, {})

    def zero_scalar(self) -> Scalar:
        return Scalar(self, {}, {}, 0)

    def rename(self, vector_index: int | None = None, value_index: int | None = None, name: str = "") -> None:
        """Rename a basis vector or value (display only; coefficients are unaffected)."""
        if vector_index is not None:
            self._vector_names[vector_index] = name
        if value_index is not None:
            self._value_names[value_index] = name

    # -- inspection -----------------------------------------------------------------------
    @property
    def vector_names(self) -> tuple[str, ...]:
        return tuple(self._vector_names)

    @property
    def value_names(self) -> tuple[str, ...]:
        return tuple(self._value_names)

    @property
    def n_vectors(self) -> int:
        return len(self._vector_names)

    @property
    def n_values(self) -> int:
        return len(self._value_names)


def _add_into(target: dict, source: Mapping, scale=1) -> None:
    for key, coefficient in source.items():
        value = target.get(key, 0) + scale * coefficient
        if _is_zero(value):
            target.pop(key, None)
        else:
            target[key] = value


class Vector:
    """A sparse linear combination of the basis vectors of one problem (immutable)."""

    __slots__ = ("basis", "_coefficients")
    __array_ufunc__ = None  # make numpy scalars defer to our __rmul__

    def __init__(self, basis: Basis, coefficients: Mapping[int, Any]):
        self.basis = basis
        self._coefficients = {k: v for k, v in coefficients.items() if not _is_zero(v)}

    @property
    def coefficients(self) -> dict[int, Any]:
        return dict(self._coefficients)

    def key(self) -> tuple:
        """A hashable identity: equal keys mean the same point (used to cache oracles)."""
        return tuple(sorted(self._coefficients.items()))

    def is_zero(self) -> bool:
        return not self._coefficients

    def dense(self, dtype=float) -> np.ndarray:
        row = np.zeros(self.basis.n_vectors, dtype=dtype)
        for index, coefficient in self._coefficients.items():
            row[index] = coefficient
        return row

    def _check(self, other: Vector) -> None:
        if other.basis is not self.basis:
            raise ValueError("vectors of two different problems cannot be combined")

    def __add__(self, other):
        if isinstance(other, Vector):
            self._check(other)
            out = dict(self._coefficients)
            _add_into(out, other._coefficients)
            return Vector(self.basis, out)
        if _is_number(other) and _is_zero(other):
            return self  # lets sum() start from 0
        return NotImplemented

    __radd__ = __add__

    def __neg__(self):
        return Vector(self.basis, {k: -v for k, v in self._coefficients.items()})

    def __sub__(self, other):
        if isinstance(other, Vector):
            return self + (-other)
        if _is_number(other) and _is_zero(other):
            return self
        return NotImplemented

    def __rsub__(self, other):
        if _is_number(other) and _is_zero(other):
            return -self
        return NotImplemented

    def __mul__(self, scale):
        if isinstance(scale, (Vector, Scalar, np.ndarray)):
            return NotImplemented
        return Vector(self.basis, {k: v * scale for k, v in self._coefficients.items()})

    def __rmul__(self, scale):
        if isinstance(scale, (Vector, Scalar, np.ndarray)):
            return NotImplemented
        return Vector(self.basis, {k: scale * v for k, v in self._coefficients.items()})

    def __truediv__(self, scale):
        if isinstance(scale, int) and not isinstance(scale, bool):
            scale = Fraction(scale) if self.basis.exact else float(scale)  # exact: x / 2 is x * 1/2
        return Vector(self.basis, {k: v / scale for k, v in self._coefficients.items()})

    def __matmul__(self, other: Vector) -> Scalar:
        return inner(self, other)

    def __repr__(self) -> str:
        names = self.basis.vector_names
        if not self._coefficients:
            return "Vector(0)"
        terms = " + ".join(f"{v}*{names[k]}" for k, v in sorted(self._coefficients.items()))
        return f"Vector({terms})"


class Scalar:
    """``sum_{i<=j} q_ij <b_i, b_j> + sum_k l_k F_k + const`` over one problem's basis."""

    __slots__ = ("basis", "_quadratic", "_linear", "_constant")
    __array_ufunc__ = None

    def __init__(self, basis: Basis, quadratic: Mapping, linear: Mapping, constant):
        self.basis = basis
        self._quadratic = {k: v for k, v in quadratic.items() if not _is_zero(v)}
        self._linear = {k: v for k, v in linear.items() if not _is_zero(v)}
        self._constant = constant

    @classmethod
    def _clean(cls, basis: Basis, quadratic: dict, linear: dict, constant) -> Scalar:
        """Construct from dicts already free of zeros (internal fast path)."""
        scalar = cls.__new__(cls)
        scalar.basis, scalar._quadratic, scalar._linear, scalar._constant = basis, quadratic, linear, constant
        return scalar

    @property
    def quadratic(self) -> dict[tuple[int, int], Any]:
        return dict(self._quadratic)

    @property
    def linear(self) -> dict[int, Any]:
        return dict(self._linear)

    @property
    def constant(self):
        return self._constant

    def gram_matrix(self, size: int | None = None, dtype=float) -> np.ndarray:
        """The symmetric ``Q`` with ``self = <Q, G> + ...`` (``G`` the Gram matrix)."""
        size = self.basis.n_vectors if size is None else size
        matrix = np.zeros((size, size), dtype=dtype)
        if dtype is float and len(self._quadratic) > 64:  # vectorised: the same floats (halving is exact)
            keys = np.array(list(self._quadratic), dtype=np.int64).reshape(-1, 2)
            values = np.array([float(v) for v in self._quadratic.values()])
            i, j = keys[:, 0], keys[:, 1]
            off = i != j
            values[off] /= 2
            np.add.at(matrix, (i, j), values)
            np.add.at(matrix, (j[off], i[off]), values[off])
            return matrix
        for (i, j), coefficient in self._quadratic.items():
            if i == j:
                matrix[i, i] = matrix[i, i] + coefficient
            else:
                half = coefficient / 2 if not isinstance(coefficient, int) else Fraction(coefficient, 2)
                matrix[i, j] = matrix[i, j] + half
                matrix[j, i] = matrix[j, i] + half
        return matrix

    def value_row(self, size: int | None = None, dtype=float) -> np.ndarray:
        """The row ``l`` with ``self = ... + l^T F + ...`` (``F`` the function values)."""
        size = self.basis.n_values if size is None else size
        row = np.zeros(size, dtype=dtype)
        for index, coefficient in self._linear.items():
            row[index] = coefficient
        return row

    def _coerce(self, other) -> Scalar | None:
        if isinstance(other, Scalar):
            if other.basis is not self.basis:
                raise ValueError("scalars of two different problems cannot be combined")
            return other
        if _is_number(other):
            return Scalar(self.basis, {}, {}, other)
        return None

    def __add__(self, other):
        other = self._coerce(other)
        if other is None:
            return NotImplemented
        quadratic = dict(self._quadratic)
        _add_into(quadratic, other._quadratic)
        linear = dict(self._linear)
        _add_into(linear, other._linear)
        return Scalar._clean(self.basis, quadratic, linear, self._constant + other._constant)

    __radd__ = __add__

    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        other = self._coerce(other)
        if other is None:
            return NotImplemented
        return self + (-other)

    def __rsub__(self, other):
        other = self._coerce(other)
        if other is None:
            return NotImplemented
        return other + (-self)

    def __mul__(self, scale):
        if isinstance(scale, (Vector, Scalar, np.ndarray)):
            return NotImplemented
        if _is_zero(scale):
            return Scalar._clean(self.basis, {}, {}, self._constant * scale)
        if isinstance(scale, Fraction) and abs(scale.numerator).bit_length() - scale.denominator.bit_length() < 1000:
            # float * Fraction is float(scale) * float: the same number, converted once
            as_float = float(scale)
            return Scalar._clean(
                self.basis,
                {k: v * as_float if type(v) is float else v * scale for k, v in self._quadratic.items()},
                {k: v * as_float if type(v) is float else v * scale for k, v in self._linear.items()},
                self._constant * as_float if type(self._constant) is float else self._constant * scale,
            )
        return Scalar._clean(
            self.basis,
            {k: v * scale for k, v in self._quadratic.items()},
            {k: v * scale for k, v in self._linear.items()},
            self._constant * scale,
        )

    __rmul__ = __mul__

    def __truediv__(self, scale):
        if isinstance(scale, int) and not isinstance(scale, bool):
            scale = Fraction(scale) if self.basis.exact else float(scale)
        return self * (1 / scale)

    def __repr__(self) -> str:
        names = self.basis.vector_names
        values = self.basis.value_names
        parts = [f"{v}*<{names[i]},{names[j]}>" for (i, j), v in sorted(self._quadratic.items())]
        parts += [f"{v}*{values[k]}" for k, v in sorted(self._linear.items())]
        if not _is_zero(self._constant) or not parts:
            parts.append(str(self._constant))
        return "Scalar(" + " + ".join(parts) + ")"


def inner(u, v):
    """``<u, v>`` for two :class:`Vector` (a :class:`Scalar`) or two arrays (a number)."""
    if isinstance(u, Vector) and isinstance(v, Vector):
        u._check(v)
        quadratic: dict[tuple[int, int], Any] = {}
        for a, ua in u._coefficients.items():
            for b, vb in v._coefficients.items():
                key = (a, b) if a <= b else (b, a)
                quadratic[key] = quadratic.get(key, 0) + ua * vb
        return Scalar(u.basis, quadratic, {}, 0)  # filters exact cancellations
    if isinstance(u, Vector) or isinstance(v, Vector):
        raise TypeError("inner product of a symbolic vector with a concrete array")
    return np.sum(np.multiply(u, v))


def norm2(u):
    """``||u||^2`` for a :class:`Vector` (a :class:`Scalar`) or an array (a number)."""
    return inner(u, u)


def coefficient_matrix(vectors: Iterable[Vector], size: int, dtype=float) -> np.ndarray:
    """Stack the coefficient rows of ``vectors`` (each padded to ``size`` basis vectors)."""
    vectors = list(vectors)
    matrix = np.zeros((len(vectors), size), dtype=dtype)
    for row, vector in enumerate(vectors):
        for index, coefficient in vector._coefficients.items():
            matrix[row, index] = coefficient
    return matrix
