r"""Scalar root finding and minimisation in plain Python (no scipy import on the CLI path).

* :func:`find_root` -- Brent's method (Brent, *Algorithms for Minimization without
  Derivatives*, 1973, ch. 4): inverse quadratic / secant steps safeguarded by bisection, so
  the bracket ``[a, b]`` with ``f(a) f(b) <= 0`` shrinks at least geometrically and the root is
  returned to ``xtol + rtol |x|``.
* :func:`golden_minimum` -- golden-section search (Kiefer 1953) on ``[a, b]``: each step
  keeps the sub-interval containing the smaller of two interior values and shrinks the
  interval by ``(sqrt 5 - 1)/2``; for a unimodal ``f`` (including a minimum at a kink, where
  parabolic steps do not help) it converges to ``xatol``.

Written here because importing ``scipy.optimize`` costs a cold command ~0.3 s.
"""

from __future__ import annotations

import math
from typing import Callable

EPS = 2.220446049250313e-16
INVERSE_PHI = (math.sqrt(5.0) - 1.0) / 2.0


def find_root(
    f: Callable[[float], float], a: float, b: float, xtol: float = 1e-15, rtol: float = 4 * EPS, maxiter: int = 200
) -> tuple[float, int]:
    """``(root, evaluations)`` of ``f`` in ``[a, b]``; raises ``ValueError`` without a sign change."""
    fa, fb = f(a), f(b)
    calls = 2
    if fa == 0:
        return a, calls
    if fb == 0:
        return b, calls
    if (fa > 0) == (fb > 0):
        raise ValueError("f(a) and f(b) must have opposite signs")
    c, fc = a, fa
    d = e = b - a
    for _ in range(maxiter):
        if (fb > 0) == (fc > 0):
            c, fc = a, fa
            d = e = b - a
        if abs(fc) < abs(fb):
            a, b, c = b, c, b
            fa, fb, fc = fb, fc, fb
        tol = 0.5 * (xtol + rtol * abs(b))
        m = 0.5 * (c - b)
        if abs(m) <= tol or fb == 0:
            return b, calls
        if abs(e) >= tol and abs(fa) > abs(fb):
            s = fb / fa
            if a == c:  # secant
                p, q = 2.0 * m * s, 1.0 - s
            else:  # inverse quadratic interpolation through (a, fa), (b, fb), (c, fc)
                q, r = fa / fc, fb / fc
                p = s * (2.0 * m * q * (q - r) - (b - a) * (r - 1.0))
                q = (q - 1.0) * (r - 1.0) * (s - 1.0)
            if p > 0:
                q = -q
            else:
                p = -p
            if 2.0 * p < min(3.0 * m * q - abs(tol * q), abs(e * q)):
                e, d = d, p / q
            else:
                d = e = m  # interpolation not trusted: bisect
        else:
            d = e = m
        a, fa = b, fb
        b = b + (d if abs(d) > tol else math.copysign(tol, m))
        fb = f(b)
        calls += 1
    return b, calls


def golden_minimum(
    f: Callable[[float], float], a: float, b: float, xatol: float = 1e-12, maxiter: int = 500
) -> tuple[float, float, int]:
    """``(x, f(x), evaluations)``: the best point seen by golden-section search on ``[a, b]``."""
    c = b - INVERSE_PHI * (b - a)
    d = a + INVERSE_PHI * (b - a)
    fc, fd = f(c), f(d)
    calls = 2
    best = min((fc, c), (fd, d))
    while b - a > xatol and calls < maxiter:
        if fc < fd:
            b, d, fd = d, c, fc
            c = b - INVERSE_PHI * (b - a)
            fc = f(c)
            best = min(best, (fc, c))
        else:
            a, c, fc = c, d, fd
            d = a + INVERSE_PHI * (b - a)
            fd = f(d)
            best = min(best, (fd, d))
        calls += 1
    return best[1], best[0], calls
