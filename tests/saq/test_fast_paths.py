"""The shortcuts of the saq inner loop give the numbers of the plain formulas, bitwise.

Each message of ``pepcert saq`` is one dithering ``encode``: the one-block scale broadcast
instead of repeated per coordinate, numpy's 2-norm without its wrapper, one table lookup per
level for pepcert's bit count. The references are the plain formulas written out here (the
repeat and masks of the block code, :func:`numpy.linalg.norm`, the Elias omega lengths of
:func:`~pepcert.saq.encoding.elias_omega_bits` plus a sign bit per nonzero level), run on the
same random stream.
"""

from __future__ import annotations

import numpy as np
import pytest

from pepcert.pep.library.quantizers import _norm, _stochastic_round, dither_levels
from pepcert.saq.compressors import Dithering
from pepcert.saq.encoding import FLOAT_BITS, elias_omega_bits, pepcert_bits


def _plain_levels(v, s, rng, norm):
    """One block, the general code's arithmetic: the scale repeated to every coordinate."""
    scales = np.linalg.norm(v, axis=-1, keepdims=True) if norm == "l2" else np.max(np.abs(v), axis=-1, keepdims=True)
    spread = np.repeat(scales, v.shape[-1], axis=-1)
    safe = np.where(spread > 0, spread, 1.0)
    levels = _stochastic_round(np.abs(v) / safe * s, rng)
    return scales, np.where(spread > 0, levels, 0.0)


def _vectors(seed: int):
    rng = np.random.default_rng(seed)
    yield rng.standard_normal(30)
    yield rng.standard_normal((4, 30)) * 10.0 ** rng.uniform(-8, 8, (4, 1))
    with_zero = rng.standard_normal((3, 2, 7))
    with_zero[1, 0] = 0.0  # a zero row: its levels are 0, not 0/0
    yield with_zero
    yield np.zeros(5)


@pytest.mark.parametrize("norm", ["l2", "linf"])
@pytest.mark.parametrize("s", [1, 3, 16])
def test_one_block_levels_are_the_repeated_scales_levels(norm, s):
    for k, v in enumerate(_vectors(s)):
        fast = dither_levels(v, s, (v.shape[-1],), np.random.default_rng(k), norm)
        plain = _plain_levels(v, s, np.random.default_rng(k), norm)
        assert np.array_equal(fast[0], plain[0]) and np.array_equal(fast[1], plain[1])


def test_the_two_norm_is_numpys_to_the_last_bit():
    rng = np.random.default_rng(5)
    for shape in [(30,), (5, 30), (3, 4, 7), (1,), (2, 0)]:
        v = rng.standard_normal(shape) * 10.0 ** rng.uniform(-150, 150, shape)
        assert np.array_equal(_norm(v, "l2"), np.linalg.norm(v, axis=-1, keepdims=True))


@pytest.mark.parametrize("high", [2, 40, 2**16 - 2, 2**16, 2**40])
def test_the_bit_count_is_elias_omega_plus_sign_bits(high):
    """Levels below, at and beyond the table (``2^16 - 1`` is the first level it does not hold)."""
    rng = np.random.default_rng(high)
    for shape in [(30,), (4, 17), (2, 3, 5)]:
        levels = rng.integers(0, high, shape)
        levels.flat[0] = min(high - 1, 2**16 - 1)
        expected = FLOAT_BITS * 3 + elias_omega_bits(levels + 1).sum(axis=-1) + np.count_nonzero(levels, axis=-1)
        assert np.array_equal(pepcert_bits(levels, 3), expected)


def test_a_message_decodes_to_the_dithered_vector():
    """``decode(encode(v))`` is ``r sign(v) xi / s`` with the levels of the plain formula."""
    v = np.random.default_rng(9).standard_normal((6, 30))
    message = Dithering(4).encode(v, np.random.default_rng(1))
    scales, levels = _plain_levels(v, 4, np.random.default_rng(1), "l2")
    assert np.array_equal(Dithering(4).decode(message), scales * np.where(v < 0, -levels, levels) / np.float64(4))
    assert np.array_equal(message.bits, pepcert_bits(levels.astype(np.int64), 1))
