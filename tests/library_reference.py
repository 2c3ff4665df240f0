"""Independent exact references for the compressor library's tests.

Each function gives a compressor's output *distribution* on a rational input as a list of
``(probability, output)`` pairs (or per-coordinate distributions), computed in Fractions from
the compressor's definition, not from :mod:`pepcert.pep.library`. Expectations over them are
exact, so a constant can be compared with ``==``. Also: rational points on the unit sphere
(inverse stereographic projection, so ``||v||_2`` is rational) and the Monte Carlo interval
used for the numpy implementations.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np

Z = 4.0  # half-width of the Monte Carlo intervals in standard errors (two-sided p ~ 6e-5)


def rational_unit_vector(rng, d: int) -> list[Fraction]:
    """A rational point of the unit sphere in R^d: ``(2t, |t|^2 - 1)/(|t|^2 + 1)``."""
    if d == 1:
        return [Fraction(1)]
    t = [Fraction(int(rng.integers(-9, 10)), int(rng.integers(1, 10))) for _ in range(d - 1)]
    n2 = sum(x * x for x in t)
    return [2 * x / (n2 + 1) for x in t] + [(n2 - 1) / (n2 + 1)]


def norm2(v) -> Fraction:
    return sum(Fraction(x) * x for x in v)


def _sign(x) -> int:
    return (x > 0) - (x < 0)


def dithering_marginals(v, s: int, scale: Fraction):
    """Per coordinate: the outcomes of ``scale sign(v_i) xi(s |v_i| / scale)/s``."""
    out = []
    for x in v:
        level = s * abs(Fraction(x)) / scale
        low = math.floor(level)
        p = level - low
        sgn = _sign(x)
        out.append([(1 - p, sgn * scale * low / s), (p, sgn * scale * (low + 1) / s)])
    return out


def _natural_pair(u: Fraction):
    """Natural rounding of ``u > 0``: ``[(prob, value)]`` between powers of two."""
    a = Fraction(1)
    while a > u:
        a /= 2
    while 2 * a <= u:
        a *= 2
    p = (u - a) / a
    return [(1 - p, a), (p, 2 * a)]


def natural_marginals(v):
    return [[(Fraction(1), Fraction(0))] if x == 0 else [(p, _sign(x) * y) for p, y in _natural_pair(abs(Fraction(x)))]
            for x in v]


def natural_dithering_marginals(v, s: int, scale: Fraction):
    b = Fraction(1, 2 ** (s - 1))
    out = []
    for x in v:
        u, sgn = abs(Fraction(x)) / scale, _sign(x)
        pairs = [(1 - u / b, Fraction(0)), (u / b, b)] if u < b else _natural_pair(u)
        out.append([(p, sgn * scale * y) for p, y in pairs])
    return out


def moments(marginals):
    """``(E C(v), E||C(v)||^2)`` from per-coordinate distributions (exact)."""
    mean = [sum(p * y for p, y in dist) for dist in marginals]
    second = sum(sum(p * y * y for p, y in dist) for dist in marginals)
    assert all(sum(p for p, _ in dist) == 1 and all(p >= 0 for p, _ in dist) for dist in marginals)
    return mean, second


def rand_k_outcomes(v, k: int, unbiased: bool):
    """All ``C(d, k)`` equally likely outputs of rand-k."""
    d = len(v)
    subsets = list(itertools.combinations(range(d), k))
    factor = Fraction(d, k) if unbiased else Fraction(1)
    return [(Fraction(1, len(subsets)), [factor * v[i] if i in S else Fraction(0) for i in range(d)])
            for S in subsets]


def expect(outcomes, f):
    return sum(p * f(y) for p, y in outcomes)


def joint(marginals):
    """The product distribution of independent coordinates (small d only)."""
    return [(math.prod(p for p, _ in combo), [y for _, y in combo]) for combo in itertools.product(*marginals)]


def mc_interval(samples: np.ndarray):
    """Mean and half-width ``Z * std / sqrt(N)`` along the first axis."""
    samples = np.asarray(samples, dtype=float)
    return samples.mean(axis=0), Z * samples.std(axis=0, ddof=1) / math.sqrt(samples.shape[0]) + 1e-12


def within(samples, expected) -> bool:
    mean, half = mc_interval(samples)
    return bool(np.all(np.abs(mean - np.asarray(expected, dtype=float)) <= half))
