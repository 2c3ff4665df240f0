"""Sparsifiers: top-k (deterministic, contractive) and rand-k (biased or scaled unbiased).

* top-k keeps the ``k`` entries of largest magnitude. The discarded entries are the ``d - k``
  smallest squares, whose mean is at most the mean of all squares, so
  ``||C(v) - v||^2 <= (1 - k/d) ||v||^2``: contractive with ``delta = k/d``, attained when all
  entries have equal magnitude (Stich, Cordonnier & Jaggi 2018, "Sparsified SGD with memory",
  Lemma A.1; Beznosikov et al. 2020, "On biased compression", Sec. 3).
* rand-k keeps a uniformly random ``k``-subset ``S``. Each entry survives with probability
  ``k/d``, so ``E||C(v) - v||^2 = (1 - k/d)||v||^2`` for every ``v`` (contractive in
  expectation with ``delta = k/d``, attained everywhere). Scaled by ``d/k`` it is unbiased,
  ``E C(v) = v``, with ``E||C(v)||^2 = (d/k)||v||^2``: ``omega = d/k - 1``, attained everywhere
  (Wang, Safaryan & Richtarik 2022, Sec. 2; Beznosikov et al. 2020, Sec. 3).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from pepcert.pep.compressors import Contractive, Unbiased
from pepcert.pep.library.base import as_batch, positive_int


@dataclass(frozen=True)
class TopK:
    """Keep the ``k`` entries of largest magnitude (ties: the lowest index first).

    Deterministic, contractive with ``delta = k/d`` (module docstring).
    """

    k: int
    d: int
    source = "Stich, Cordonnier & Jaggi 2018, Lemma A.1 (delta = k/d)"

    def __post_init__(self):
        positive_int(self.d, "d")
        positive_int(self.k, "k", 1, self.d)

    def __call__(self, v, rng=None):
        v = as_batch(v, self.d, "top-k")
        keep = np.argsort(-np.abs(v), axis=-1, kind="stable")[..., : self.k]
        out = np.zeros_like(v)
        np.put_along_axis(out, keep, np.take_along_axis(v, keep, axis=-1), axis=-1)
        return out

    def compressor_class(self) -> Contractive:
        return Contractive(Fraction(self.k, self.d))

    def describe(self) -> str:
        return f"top-k, k = {self.k} of d = {self.d} entries (largest magnitude)"


@dataclass(frozen=True)
class RandK:
    """Keep ``k`` uniformly random entries; ``unbiased=True`` multiplies them by ``d/k``.

    Biased: contractive in expectation, ``delta = k/d``. Unbiased: ``omega = d/k - 1``.
    """

    k: int
    d: int
    unbiased: bool = False

    def __post_init__(self):
        positive_int(self.d, "d")
        positive_int(self.k, "k", 1, self.d)

    source = "Stich, Cordonnier & Jaggi 2018, Lemma A.1; Wang, Safaryan & Richtarik 2022, Sec. 2"

    def __call__(self, v, rng):
        v = as_batch(v, self.d, "rand-k")
        # A uniformly random k-subset per vector: the k smallest of d iid uniform keys.
        keys = rng.random(v.shape)
        keep = np.argpartition(keys, self.k - 1, axis=-1)[..., : self.k] if self.k < self.d else None
        if keep is None:
            out = v.copy()
        else:
            out = np.zeros_like(v)
            np.put_along_axis(out, keep, np.take_along_axis(v, keep, axis=-1), axis=-1)
        return out * (self.d / self.k) if self.unbiased else out

    def compressor_class(self):
        if self.unbiased:
            return Unbiased(Fraction(self.d, self.k) - 1)
        return Contractive(Fraction(self.k, self.d), in_expectation=True)

    def describe(self) -> str:
        kind = "scaled by d/k (unbiased)" if self.unbiased else "unscaled (biased)"
        return f"rand-k, k = {self.k} of d = {self.d} random entries, {kind}"
