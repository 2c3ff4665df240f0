r"""Bit counts of the messages workers send: Elias omega codes and the two accountings.

**Elias omega** (Elias 1975, *Universal codeword sets and representations of the integers*):
``code(1) = "0"``; for ``N > 1`` write ``N`` in binary, prepend the code of (its length - 1)
by the same rule, recursively down to 1, and end with ``"0"``. So ``code(2) = "100"``,
``code(4) = "101000"``, ``code(16) = "10100100000"``, and ``|code(N)| = 1 + sum`` of the binary
lengths of ``N, floor(log2 N), floor(log2 floor(log2 N)), ...`` down to (excluding) 1.

**The paper's code** (``--protocol paper``; the authors' ``standard_dithering`` in
``utils.py`` of ``bokun-wang/Paper_9107_code``, re-written here from what it counts): per
block, a 32-bit norm; then for each NONZERO level only, in index order, the Elias omega code
of the index gap to the previous nonzero index of the block (the first gap counts from
``-1``, so a nonzero first coordinate has gap 1), one sign bit and the Elias omega code of
the level. A zero level costs nothing. ``bits = 32 B + sum_nonzero (|omega(gap)| + 1 +
|omega(level)|)``. The authors' messages are Python lists sent through MPI, so the count has
no terminator: :func:`paper_block_words` writes the code words and :func:`decode_block_words`
reads them back given the number of nonzero levels (a self-delimiting stream would add that
count, about ``log2 d`` bits a block, which neither the authors nor pepcert charge).

**pepcert's code** (``--protocol pepcert``): per block a 32-bit norm, and for EVERY
coordinate the Elias omega code of ``level + 1`` plus a sign bit when the level is nonzero
(a zero level costs 1 bit).
"""

from __future__ import annotations

import functools
import struct
from dataclasses import dataclass

import numpy as np

from pepcert.pep.errors import BadInput

FLOAT_BITS = 32


@dataclass(frozen=True, eq=False)
class Message:
    """What one worker sends for one vector (or a batch of vectors along leading axes): the
    ``payload`` the server decodes (compressor-specific arrays) and its length ``bits``
    (int64, the shape of the batch)."""

    payload: tuple
    bits: np.ndarray | np.int64  # one vector: an int64 scalar


def elias_omega(n: int) -> str:
    """The Elias omega code word of the positive integer ``n`` (module docstring)."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise BadInput(f"Elias omega codes positive integers, got {n!r}")
    word, n = "0", int(n)
    while n > 1:
        binary = format(n, "b")
        word = binary + word
        n = len(binary) - 1
    return word


def elias_omega_decode(bits: str, position: int = 0) -> tuple[int, int]:
    """``(n, next position)``: read one Elias omega code word of ``bits`` from ``position``."""
    n = 1
    while True:
        if position >= len(bits):
            raise BadInput("truncated Elias omega code word")
        if bits[position] == "0":
            return n, position + 1
        chunk = bits[position:position + n + 1]
        if len(chunk) != n + 1:
            raise BadInput("truncated Elias omega code word")
        n, position = int(chunk, 2), position + n + 1


def elias_omega_bits(k) -> np.ndarray:
    """Exact length of the Elias omega code of each positive integer in ``k`` (int64 array):
    ``len(1) = 1``, ``len(N) = 1 + sum`` of the binary lengths of ``N, floor(log2 N), ...``."""
    array = np.asarray(k)
    if array.dtype.kind not in "iu":
        if array.dtype.kind != "f" or not np.all(np.isfinite(array)) or np.any(array != np.floor(array)):
            raise BadInput("Elias omega codes integers")
        if array.size and np.max(np.abs(array)) >= 2.0**62:
            raise BadInput("Elias omega: integer too large")
    n = array.astype(np.int64)
    if n.size and n.min() < 1:
        raise BadInput("Elias omega codes positive integers")
    if n.size and n.max() < len(_TABLE):
        return _TABLE[n]
    return _lengths(n)


def _lengths(n: np.ndarray) -> np.ndarray:
    """``|omega(n)|`` elementwise for positive int64s, by the recursion's binary lengths."""
    length = np.ones(n.shape, dtype=np.int64)
    while n.size and n.max() > 1:
        big = n > 1
        bits = _bit_length(n)
        length += np.where(big, bits, 0)
        n = np.where(big, bits - 1, n)
    return length


def _bit_length(n: np.ndarray) -> np.ndarray:
    """Binary lengths of positive int64s, exactly (frexp is exact below 2^53)."""
    if n.max() < 2**53:
        return np.frexp(n.astype(float))[1].astype(np.int64)
    out, t = np.zeros(n.shape, dtype=np.int64), n.copy()
    while t.any():
        out += t > 0
        t = t >> 1
    return out


#: ``|omega(k)|`` for ``k < 2^16`` (index 0 unused): the counts of every step read this table.
_TABLE = np.concatenate(([0], _lengths(np.arange(1, 2**16, dtype=np.int64))))


def block_starts(sizes) -> np.ndarray:
    """First index of each block of consecutive ``sizes``."""
    return np.concatenate(([0], np.cumsum(sizes)[:-1])).astype(np.int64)


#: ``|omega(level + 1)| + [level != 0]`` for ``level < 2^16 - 1``: one coordinate's bits in :func:`pepcert_bits`.
_CODED = _TABLE[1:] + (np.arange(len(_TABLE) - 1) != 0)


def pepcert_bits(levels: np.ndarray, blocks: int) -> np.ndarray:
    """pepcert's count: ``32 B + sum_j (|omega(level_j + 1)| + [level_j != 0])`` over the last axis."""
    levels = np.asarray(levels, dtype=np.int64)
    if levels.max(initial=0) < len(_CODED):
        codes = _CODED[levels].sum(axis=-1)
    else:
        codes = elias_omega_bits(levels + 1).sum(axis=-1) + np.add.reduce(levels != 0, axis=-1)
    return (FLOAT_BITS * blocks + codes).astype(np.int64)


def paper_bits(levels: np.ndarray, sizes) -> np.ndarray | np.int64:
    """The paper's count (module docstring) for levels of shape (..., d) in blocks ``sizes``.

    Vectorised: the previous nonzero index before coordinate ``j`` is the running maximum of
    ``where(level != 0, index, -1)`` shifted by one; it belongs to ``j``'s block when it is at
    least the block's first index, and the gap counts from the block's ``-1`` otherwise."""
    levels = np.abs(np.asarray(levels, dtype=np.int64))
    d = levels.shape[-1]
    sizes = tuple(int(b) for b in sizes)
    if sum(sizes) != d:
        raise BadInput(f"block sizes {list(sizes)} do not add up to d = {d}")
    starts = _coordinate_starts(sizes)
    if levels.ndim == 1:
        return np.int64(FLOAT_BITS * len(sizes) + _nonzero_bits(levels, starts))
    index = np.arange(d, dtype=np.int64)
    nonzero = levels != 0
    marked = np.where(nonzero, index, -1)
    previous = np.concatenate((np.full(levels.shape[:-1] + (1,), -1, dtype=np.int64),
                               np.maximum.accumulate(marked, axis=-1)[..., :-1]), axis=-1)
    gaps = index - np.where(previous >= starts, previous, starts - 1)
    per_coordinate = np.where(nonzero, elias_omega_bits(np.where(nonzero, gaps, 1)) + 1
                              + elias_omega_bits(np.where(nonzero, levels, 1)), 0)
    return (FLOAT_BITS * len(sizes) + per_coordinate.sum(axis=-1)).astype(np.int64)


@functools.lru_cache(maxsize=64)
def _coordinate_starts(sizes: tuple) -> np.ndarray:
    """The first index of each coordinate's block (read-only, cached per block layout)."""
    starts = np.repeat(block_starts(sizes), sizes)
    starts.setflags(write=False)
    return starts


def _nonzero_bits(levels: np.ndarray, starts: np.ndarray) -> int:
    """One vector: ``sum_nonzero (|omega(gap)| + 1 + |omega(level)|)``, on the nonzero
    indices only (the previous nonzero index, or the block's ``-1``)."""
    where = np.flatnonzero(levels)
    if not where.size:
        return 0
    first = starts[where]
    previous = np.concatenate(([-1], where[:-1]))
    gaps = where - np.where(previous >= first, previous, first - 1)
    values = levels[where]
    if gaps[-1] < len(_TABLE) and values.max() < len(_TABLE):  # gaps <= d: the table's lengths
        return int(_TABLE[gaps].sum() + where.size + _TABLE[values].sum())
    return int(elias_omega_bits(gaps).sum() + where.size + elias_omega_bits(values).sum())


def float32_word(value: float) -> str:
    """The 32 bits of ``value`` as an IEEE single (what the norm costs)."""
    return format(struct.unpack(">I", struct.pack(">f", float(value)))[0], "032b")


def paper_block_words(norm: float, levels) -> list[str]:
    """The code words of one block in the paper's code: the 32-bit norm, then for each nonzero
    level ``omega(gap)``, the sign bit (``1`` negative) and ``omega(|level|)``; ``levels`` are
    signed integers. ``sum(map(len, words))`` is :func:`paper_bits` of the block."""
    words, previous = [float32_word(norm)], -1
    for j, level in enumerate(int(v) for v in levels):
        if level:
            words += [elias_omega(j - previous), "1" if level < 0 else "0", elias_omega(abs(level))]
            previous = j
    return words


def decode_block_words(bits: str, size: int, nonzero: int) -> tuple[float, list[int]]:
    """Read back ``(norm, signed levels)`` of a block of ``size`` coordinates with ``nonzero``
    nonzero levels from the concatenated code words."""
    norm = struct.unpack(">f", struct.pack(">I", int(bits[:FLOAT_BITS], 2)))[0]
    levels, position, previous = [0] * size, FLOAT_BITS, -1
    for _ in range(nonzero):
        gap, position = elias_omega_decode(bits, position)
        negative, position = bits[position] == "1", position + 1
        level, position = elias_omega_decode(bits, position)
        previous += gap
        if previous >= size:
            raise BadInput("an index gap runs past the end of the block")
        levels[previous] = -level if negative else level
    if position != len(bits):
        raise BadInput("trailing bits after the block's last level")
    return norm, levels
