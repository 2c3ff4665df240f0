"""Exact rational arithmetic shared by the certificate checkers (no floating point).

* :func:`psd_certificate` -- decide ``A >= 0`` for a symmetric rational matrix by symmetric
  Gaussian elimination with diagonal pivoting (an exact ``L D L^T``): ``A`` is PSD iff every
  pivot is ``>= 0`` and every zero pivot has a zero row in the remaining block.
* :func:`to_fraction` -- a float to a nearby rational with a bounded denominator.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from pepcert.pep.numerics.numbers import decimal_string


@dataclass(frozen=True)
class PSDCheck:
    """Outcome of an exact PSD test: the pivots of ``L D L^T`` (in elimination order)."""

    psd: bool
    pivots: tuple[Fraction, ...]
    reason: str = ""


def psd_certificate(matrix: Sequence[Sequence]) -> PSDCheck:
    """Exact PSD test of a symmetric matrix of rationals (ints or Fractions)."""
    A = [[Fraction(v) for v in row] for row in matrix]
    n = len(A)
    for i in range(n):
        if len(A[i]) != n:
            return PSDCheck(False, (), "matrix is not square")
        for j in range(i):
            if A[i][j] != A[j][i]:
                return PSDCheck(False, (), f"matrix is not symmetric at ({i}, {j})")
    remaining = list(range(n))
    pivots: list[Fraction] = []
    while remaining:
        k = max(remaining, key=lambda i: A[i][i])
        pivot = A[k][k]
        if pivot < 0:
            return PSDCheck(False, tuple(pivots), f"negative pivot {decimal_string(pivot, 4)}")
        remaining.remove(k)
        pivots.append(pivot)
        if pivot == 0:
            if any(A[k][j] != 0 for j in remaining):
                return PSDCheck(False, tuple(pivots), "zero pivot with a nonzero off-diagonal entry")
            continue
        row = {j: A[k][j] for j in remaining if A[k][j] != 0}
        for i in remaining:
            factor = A[i][k]
            if factor == 0:
                continue
            factor /= pivot
            for j, value in row.items():
                A[i][j] -= factor * value
    return PSDCheck(True, tuple(pivots))


def to_fraction(value: float, denominator_bits: int = 40) -> Fraction:
    """``round(value * 2^bits) / 2^bits``: exact, short, and within ``2^-bits`` of ``value``."""
    scale = 1 << denominator_bits
    return Fraction(round(float(value) * scale), scale)
