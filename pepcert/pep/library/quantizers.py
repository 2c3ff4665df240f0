r"""Quantizers: random dithering (QSGD; l2 and l-infinity), natural compression, natural
dithering, block dithering, and the scaled sign.

All the random ones round each entry, independently, to one of the two neighbouring levels
with the probabilities that keep its mean, so they are unbiased; their ``omega`` is the
largest possible total rounding variance over ``||v||^2``. Notation: ``g(x) = p (1 - p)``
with ``p = x - floor(x)`` is the variance of rounding ``x`` to a neighbouring integer.

**Lemma (the bound used throughout).** For ``lam >= 0`` and ``x >= 0``,
``g(x) - lam x^2 <= 1 / (4 (1 + lam))``: for ``x`` in ``[0, 1)`` the left side is
``x - (1 + lam) x^2``, maximal at ``x = 1/(2(1 + lam))``; for ``x >= 1`` replacing ``x`` by
``x - floor(x)`` keeps ``g`` and lowers ``x^2``. Equality at ``x = 1/(2(1 + lam))``.

The constants below are proved from it in the docstrings and in ``docs/compressors.md``; they
are at most the published ones (Alistarh et al. 2017, Lemma 3.1: ``min(d/s^2, sqrt(d)/s)``)
and are attained where stated (tests/pep/test_library.py checks both exactly).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from pepcert.pep.compressors import Contractive, Unbiased
from pepcert.pep.errors import BadInput
from pepcert.pep.library.base import as_batch, positive_int
from pepcert.pep.numerics.roots import symbolic_sqrt

NORMS = ("l2", "linf")


def dithering_omega(d: int, s: int, norm: str = "l2"):
    r"""The proven ``omega`` of random dithering with ``s`` levels in dimension ``d``.

    ``l2`` (QSGD): with ``u = |v|/||v||_2`` and ``x = s u`` (so ``sum x_i^2 = s^2``),
    ``E||C(v)||^2 = ||v||^2 (1 + sum_i g(x_i) / s^2)``. By the lemma, for every ``lam >= 0``,
    ``sum g(x_i) <= d/(4(1 + lam)) + lam s^2``; the best ``lam`` gives

    * ``omega = d / (4 s^2)`` if ``d <= 4 s^2`` (attained when ``4 s^2`` is a sum of ``d`` odd
      squares, e.g. ``d = 4 s^2`` at ``v = (1, ..., 1)``),
    * ``omega = sqrt(d)/s - 1`` if ``d >= 4 s^2``, attained at ``v = (1, ..., 1)``
      (``x_i = s/sqrt(d) <= 1/2``).

    Both are ``<= min(d/s^2, sqrt(d)/s)``, Alistarh et al. 2017 (QSGD), Lemma 3.1.

    ``linf``: ``u = |v|/||v||_inf`` has an entry 1 (rounded exactly) and ``||v||_2^2 =
    ||v||_inf^2 (1 + sum_{j != i*} u_j^2)``, so with ``x = s u``,
    ``omega(v) = sum_j g(x_j) / (s^2 + sum_j x_j^2)`` over the other ``d - 1`` entries.
    ``omega(v) <= lam`` whenever ``(d - 1)/(4(1 + lam)) <= lam s^2`` (lemma); the least such
    ``lam`` is ``omega = (sqrt(s^2 + d - 1) - s) / (2 s)``, attained at ``v = (1, t, ..., t)``
    with ``t = 1/(s + sqrt(s^2 + d - 1))`` (every ``x_j = 1/(2(1 + omega))``). ``s = 1`` is
    TernGrad's ternarisation (Wen et al. 2017): ``omega = (sqrt(d) - 1)/2``.
    """
    d, s = positive_int(d, "d"), positive_int(s, "s")
    if norm == "l2":
        if d <= 4 * s * s:
            return Fraction(d, 4 * s * s)
        return symbolic_sqrt(d) / s - 1
    if norm == "linf":
        return (symbolic_sqrt(s * s + d - 1) - s) / (2 * s)
    raise BadInput(f"norm must be one of {', '.join(NORMS)}, got {norm!r}")


def natural_dithering_omega(d: int, s: int):
    r"""The proven ``omega`` of natural dithering (levels ``0, b, 2b, 4b, ..., 1/2, 1`` with
    ``b = 2^(1 - s)``; Horvath et al. 2019, l2 norm).

    With ``u = |v|/||v||_2``: an entry ``u >= b`` is rounded between the powers of two
    ``2^a <= u <= 2^(a+1)``, variance ``(u - 2^a)(2^(a+1) - u) <= u^2 / 8`` (natural
    compression); an entry ``u < b`` between 0 and ``b``, variance ``u (b - u)``. For
    ``lam >= 1/8`` the first kind gives ``var - lam u^2 <= 0`` and the second (lemma, scaled by
    ``b``) ``<= b^2 / (4 (1 + lam))``, so with ``sum u^2 = 1``,
    ``omega <= d b^2 / (4 (1 + lam)) + lam``. The best ``lam >= 1/8``:

    * ``omega = b sqrt(d) - 1`` if ``b^2 d >= 81/16``, attained at ``v = (1, ..., 1)``;
    * ``omega = 2 d b^2 / 9 + 1/8`` otherwise (a bound; tends to natural compression's 1/8).
    """
    d, s = positive_int(d, "d"), positive_int(s, "s", 1, 64)
    b = Fraction(1, 2 ** (s - 1))
    if b * b * d >= Fraction(81, 16):
        return b * symbolic_sqrt(d) - 1
    return 2 * d * b * b / 9 + Fraction(1, 8)


def _stochastic_round(x: np.ndarray, rng) -> np.ndarray:
    """Round ``x >= 0`` to ``floor(x)`` or ``floor(x) + 1`` with mean ``x``."""
    lower = np.floor(x)
    return lower + (rng.random(x.shape) < x - lower)


def _norm(v: np.ndarray, norm: str) -> np.ndarray:
    if norm == "l2":  # numpy.linalg.norm's own arithmetic for real arrays, without its checks
        return np.sqrt(np.add.reduce(v * v, axis=-1, keepdims=True))
    return np.max(np.abs(v), axis=-1, keepdims=True)


def dither_levels(v: np.ndarray, s: float | tuple[float, ...], sizes: tuple[int, ...], rng, norm: str = "l2"):
    r"""The integer levels behind (block) random dithering, vectorised over leading axes.

    ``v`` (..., d) is cut into consecutive blocks of the given ``sizes``; block ``B`` has the
    scale ``r_B = ||v_B||`` (l2 or l-infinity), its own ``s`` when ``s`` is a tuple (one
    number of levels per block), and entry ``j`` the level
    ``xi_j = floor(x_j) + Bernoulli(x_j - floor(x_j))``, ``x_j = s |v_j| / r_B`` (0 when
    ``r_B = 0``), so that ``r_B sign(v_j) xi_j / s`` is unbiased. Returns ``(scales, levels)``
    with shapes (..., B) and (..., d); ``levels`` holds integers as floats. One uniform draw of
    shape ``v.shape`` per call."""
    if len(sizes) == 1:  # one block: the scale broadcasts (the same numbers as the repeat below)
        scales = _norm(v, norm)
        if (scales > 0).all():
            return scales, _stochastic_round(np.abs(v) / scales * level_spread(s, sizes), rng)
        levels = _stochastic_round(np.abs(v) / np.where(scales > 0, scales, 1.0) * level_spread(s, sizes), rng)
        return scales, np.where(scales > 0, levels, 0.0)
    bounds = np.cumsum((0,) + tuple(sizes))
    if norm == "l2":
        scales = np.sqrt(np.add.reduceat(v * v, bounds[:-1], axis=-1))
    else:
        scales = np.maximum.reduceat(np.abs(v), bounds[:-1], axis=-1)
    spread = np.repeat(scales, sizes, axis=-1)
    safe = np.where(spread > 0, spread, 1.0)
    levels = _stochastic_round(np.abs(v) / safe * level_spread(s, sizes), rng)
    return scales, np.where(spread > 0, levels, 0.0)


def level_spread(s, sizes: tuple[int, ...]):
    """``s`` for every coordinate: one number of levels for all blocks, or one per block."""
    if isinstance(s, (tuple, list)):
        return np.repeat(np.asarray(s, dtype=float), sizes)
    return s


@dataclass(frozen=True)
class RandomDithering:
    """Random dithering / QSGD: ``C(v) = ||v|| sign(v) xi(s |v| / ||v||) / s`` with ``xi`` the
    unbiased stochastic rounding to integers (``s`` levels; ``||.||`` the l2 or l-infinity
    norm). Unbiased with ``omega`` from :func:`dithering_omega`."""

    s: int
    d: int
    norm: str = "l2"

    def __post_init__(self):
        positive_int(self.s, "s")
        positive_int(self.d, "d")
        if self.norm not in NORMS:
            raise BadInput(f"norm must be one of {', '.join(NORMS)}, got {self.norm!r}")

    @property
    def source(self) -> str:
        if self.norm == "l2":
            return "Alistarh et al. 2017 (QSGD), Lemma 3.1; sharpened and proved in docs/compressors.md"
        return "Horvath et al. 2019 (standard dithering, p = infinity); omega proved in docs/compressors.md"

    def __call__(self, v, rng):
        v = as_batch(v, self.d, "dithering")
        scale, level = dither_levels(v, self.s, (self.d,), rng, self.norm)
        return np.where(scale > 0, scale * np.sign(v) * level / self.s, 0.0)

    def compressor_class(self) -> Unbiased:
        return Unbiased(dithering_omega(self.d, self.s, self.norm))

    def describe(self) -> str:
        return f"random dithering (QSGD), s = {self.s} levels, {self.norm} norm, d = {self.d}"


def _natural_round(u: np.ndarray, rng) -> np.ndarray:
    """Round ``u >= 0`` to one of the two powers of two around it, with mean ``u``."""
    _, exponent = np.frexp(u)  # u = m 2^e with m in [1/2, 1)
    low = np.ldexp(1.0, exponent - 1)
    up = rng.random(u.shape) < (u - low) / np.where(u > 0, low, 1.0)
    return np.where(u > 0, np.where(up, 2 * low, low), 0.0)


@dataclass(frozen=True)
class NaturalCompression:
    r"""Natural compression (Horvath et al. 2019): each entry ``t`` is rounded to ``sign(t) 2^a``
    or ``sign(t) 2^(a+1)`` (``2^a <= |t| <= 2^(a+1)``) with mean ``t``. Unbiased,
    ``omega = 1/8``: with ``|t| = 2^a (1 + th)``, the variance over ``t^2`` is
    ``th (1 - th) / (1 + th)^2 <= 1/8``, maximal at ``th = 1/3``; attained by
    ``v = (4/3, ..., 4/3)``. Acts entrywise; ``d`` (optional) only checks shapes."""

    d: int | None = None
    source = "Horvath et al. 2019, natural compression (omega = 1/8)"

    def __post_init__(self):
        if self.d is not None:
            positive_int(self.d, "d")

    def __call__(self, v, rng):
        v = as_batch(v, self.d, "natural")
        return np.sign(v) * _natural_round(np.abs(v), rng)

    def compressor_class(self) -> Unbiased:
        return Unbiased(Fraction(1, 8))

    def describe(self) -> str:
        return "natural compression (random rounding to a power of two), entrywise"


@dataclass(frozen=True)
class NaturalDithering:
    """Natural dithering (Horvath et al. 2019): dithering in the l2 norm with the levels
    ``0, 2^(1-s), ..., 1/2, 1``. Unbiased, ``omega`` from :func:`natural_dithering_omega`."""

    s: int
    d: int
    source = "Horvath et al. 2019, natural dithering; omega proved in docs/compressors.md"

    def __post_init__(self):
        positive_int(self.s, "s", 1, 64)
        positive_int(self.d, "d")

    def __call__(self, v, rng):
        v = as_batch(v, self.d, "natural-dithering")
        scale = np.linalg.norm(v, axis=-1, keepdims=True)
        u = np.abs(v) / np.where(scale > 0, scale, 1.0)
        b = 2.0 ** (1 - self.s)
        small = b * (rng.random(u.shape) < u / b)
        level = np.where(u >= b, _natural_round(u, rng), small)
        return np.where(scale > 0, scale * np.sign(v) * level, 0.0)

    def compressor_class(self) -> Unbiased:
        return Unbiased(natural_dithering_omega(self.d, self.s))

    def describe(self) -> str:
        return f"natural dithering, s = {self.s} levels (powers of two), l2 norm, d = {self.d}"


def block_sizes(d: int, blocks: int) -> tuple[int, ...]:
    """``d`` split into ``blocks`` consecutive blocks whose sizes differ by at most one."""
    base, extra = divmod(d, blocks)
    return tuple(base + (1 if j < extra else 0) for j in range(blocks))


def exact_max(values):
    """The largest of exact numbers (Fractions or sympy expressions), decided exactly."""
    values = list(values)
    if all(isinstance(x, Fraction) for x in values):
        return max(values)
    import sympy

    best = sympy.Max(*[sympy.Rational(x.numerator, x.denominator) if isinstance(x, Fraction) else x for x in values])
    return Fraction(int(best.p), int(best.q)) if best.is_Rational else best


@dataclass(frozen=True)
class BlockDithering:
    r"""Block quantization (Wang, Safaryan & Richtarik 2022): ``v`` split into consecutive
    blocks ``v_1, ..., v_B`` (sizes within one of each other), block ``j`` dithered with its
    own norm ``||v_j||`` and its own number of levels ``s_j``.

    Unbiased blockwise, and ``E||C(v)||^2 = sum_j E||C_j(v_j)||^2 <= sum_j (1 + omega_j)
    ||v_j||^2 <= (1 + max_j omega_j) ||v||^2``: ``omega = max_j omega(d_j, s_j)``, attained by
    the worst block's extremal vector with zeros elsewhere when that block's bound is attained.
    """

    blocks: int
    levels: tuple
    d: int
    norm: str = "l2"
    source = "Wang, Safaryan & Richtarik 2022 (block quantization); omega = max over blocks"

    def __post_init__(self):
        positive_int(self.d, "d")
        positive_int(self.blocks, "blocks", 1, self.d)
        if len(self.levels) != self.blocks:
            raise BadInput(f"block-dithering needs one s per block ({self.blocks}), got {len(self.levels)}")
        for s in self.levels:
            positive_int(s, "s")
        if self.norm not in NORMS:
            raise BadInput(f"norm must be one of {', '.join(NORMS)}, got {self.norm!r}")

    @property
    def parts(self) -> tuple[RandomDithering, ...]:
        sizes = block_sizes(self.d, self.blocks)
        return tuple(RandomDithering(s, size, self.norm) for s, size in zip(self.levels, sizes))

    def __call__(self, v, rng):
        v = as_batch(v, self.d, "block-dithering")
        bounds = np.cumsum((0,) + block_sizes(self.d, self.blocks))
        pieces = [part(v[..., a:b], rng) for part, a, b in zip(self.parts, bounds, bounds[1:])]
        return np.concatenate(pieces, axis=-1)

    def compressor_class(self) -> Unbiased:
        distinct = {(part.d, part.s) for part in self.parts}
        return Unbiased(exact_max(dithering_omega(d, s, self.norm) for d, s in sorted(distinct)))

    def describe(self) -> str:
        sizes = block_sizes(self.d, self.blocks)
        return f"block dithering, {self.blocks} blocks of sizes {sizes}, s = {self.levels}, {self.norm} norm"


@dataclass(frozen=True)
class ScaledSign:
    r"""Scaled sign ``C(v) = (||v||_1 / d) sign(v)`` (Karimireddy et al. 2019, EF-SignSGD).

    With ``sign(0) = 0``, ``||C(v) - v||^2 = ||v||^2 - ||v||_1^2 (2 - nnz(v)/d) / d
    <= ||v||^2 - ||v||_1^2/d`` and ``||v||_1 >= ||v||_2``, so deterministic contractive with
    ``delta = 1/d``. With no zero entry ``delta(v) = ||v||_1^2/(d ||v||^2)`` exactly (Karimireddy
    et al.'s expression). The constant is the infimum, approached by ``v = (1, eps, ..., eps)``
    as ``eps -> 0``; it is not attained (``v = e_1`` has ``nnz = 1`` and does better).
    """

    d: int
    source = "Karimireddy, Rebjock, Stich & Jaggi 2019 (EF-SignSGD), scaled sign: delta = ||v||_1^2/(d ||v||_2^2) >= 1/d"

    def __post_init__(self):
        positive_int(self.d, "d")

    def __call__(self, v, rng=None):
        v = as_batch(v, self.d, "sign")
        return np.abs(v).sum(axis=-1, keepdims=True) / self.d * np.sign(v)

    def compressor_class(self) -> Contractive:
        return Contractive(Fraction(1, self.d))

    def describe(self) -> str:
        return f"scaled sign (||v||_1/d) sign(v), d = {self.d}"
