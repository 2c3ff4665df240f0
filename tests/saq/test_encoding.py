"""The bit codes: Elias omega code words written out by hand, the paper's message (32-bit
norm, then for each NONZERO level an index gap, a sign bit and a level) against hand-counted
code words with zero levels and block-local gaps, and pepcert's count (every level coded)."""

from __future__ import annotations

import numpy as np
import pytest

from pepcert.pep.errors import BadInput
from pepcert.saq.encoding import (
    decode_block_words,
    elias_omega,
    elias_omega_bits,
    elias_omega_decode,
    float32_word,
    paper_bits,
    paper_block_words,
    pepcert_bits,
)

# Elias omega by hand: N in binary, preceded by the code of (its length - 1), ... ending in 0.
# 5 = 101 (3 digits) <- 2 = 10 <- 1: "10" "101" "0"; 16 = 10000 (5) <- 4 = 100 (3) <- 2 = 10.
BY_HAND = {1: "0", 2: "100", 3: "110", 4: "101000", 5: "101010", 7: "101110", 8: "1110000",
           15: "1111110", 16: "10100100000", 17: "10100100010", 100: "1011011001000"}


def test_elias_omega_code_words_written_out():
    for n, word in BY_HAND.items():
        assert elias_omega(n) == word
        assert elias_omega_decode(word + "1101") == (n, len(word))
        assert elias_omega_bits(n) == len(word)
    numbers = np.arange(1, 5000)
    np.testing.assert_array_equal(elias_omega_bits(numbers), [len(elias_omega(int(n))) for n in numbers])
    for n in (2**16 - 1, 2**16, 2**40 + 3):  # beyond the lookup table: the recursion's lengths
        assert elias_omega_bits(np.array([n]))[0] == len(elias_omega(n))
    for bad in (0, -2, True, 1.5):
        with pytest.raises(BadInput):
            elias_omega(bad)
    with pytest.raises(BadInput):
        elias_omega_decode("10")  # truncated


def test_paper_block_code_by_hand():
    """levels (0, +2, 0, 0, -1), norm 1.5: norm bits, then gap 2 "100" sign "0" level 2 "100",
    gap 3 "110" sign "1" level 1 "0"; the zero levels cost nothing: 32 + 7 + 5 = 44 bits."""
    words = paper_block_words(1.5, [0, 2, 0, 0, -1])
    assert words == ["00111111110000000000000000000000", "100", "0", "100", "110", "1", "0"]
    assert paper_bits(np.array([0, 2, 0, 0, -1]), [5]) == 44
    assert decode_block_words("".join(words), 5, 2) == (1.5, [0, 2, 0, 0, -1])


def test_paper_gaps_restart_in_every_block():
    """Blocks (3, 5), levels (0, 0, 3 | 1, 0, 0, 0, -5): block 1 = 32 + gap 3 "110" + sign +
    level 3 "110" = 39; block 2 = 32 + [gap 1 "0" + sign + level 1 "0"] + [gap 4 "101000" +
    sign + level 5 "101010"] = 32 + 3 + 13 = 48; an all-zero block is its norm, 32 bits."""
    levels = np.array([0, 0, 3, 1, 0, 0, 0, -5])
    assert paper_bits(levels, (3, 5)) == 39 + 48
    assert [sum(map(len, paper_block_words(1.0, part))) for part in (levels[:3], levels[3:])] == [39, 48]
    assert paper_bits(np.zeros(8, dtype=np.int64), (3, 5)) == 64
    assert paper_bits(np.array([[0, 0, 3, 1, 0, 0, 0, -5], [0] * 8]), (3, 5)).tolist() == [87, 64]
    with pytest.raises(BadInput):
        paper_bits(levels, (3, 4))


def test_batch_single_and_written_code_agree():
    rng = np.random.default_rng(4)
    for _ in range(200):
        d = int(rng.integers(1, 40))
        B = int(rng.integers(1, d + 1))
        sizes = [d // B] * (B - 1) + [d - (d // B) * (B - 1)]
        levels = rng.integers(-40, 41, size=(6, d)) * (rng.random((6, d)) < 0.35)
        starts = np.cumsum([0] + sizes)
        written = [sum(len(w) for a, b in zip(starts, starts[1:]) for w in paper_block_words(2.0, row[a:b]))
                   for row in levels]
        assert paper_bits(levels, sizes).tolist() == [paper_bits(row, sizes) for row in levels] == written
        for row in levels:  # the words decode back to the levels
            for a, b in zip(starts, starts[1:]):
                words = "".join(paper_block_words(0.25, row[a:b]))
                assert decode_block_words(words, b - a, np.count_nonzero(row[a:b]))[1] == row[a:b].tolist()


def test_pepcert_count_codes_every_level():
    """pepcert's count: omega(level + 1) for every coordinate, a sign bit for nonzero ones:
    levels (0, 2, 0, 1) in 2 blocks = 64 + 1 + (3 + 1) + 1 + (3 + 1) = 74."""
    assert pepcert_bits(np.array([0, 2, 0, 1]), 2) == 64 + 1 + 4 + 1 + 4
    assert float32_word(-2.0) == "1" + "10000000" + "0" * 23
