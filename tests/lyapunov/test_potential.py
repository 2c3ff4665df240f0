"""Potential functions (Taylor & Bach 2019): bounds for every N, against the exact worst cases.

References: gradient descent's exact rates (Drori & Teboulle; Rotaru, Glineur & Patrinos) lie
below every potential bound; the classical proofs give the potentials' constants (the descent
lemma: min ||grad f||^2 <= 2L (f(x_0) - f*)/(N + 1) at step 1/L; the convex potential
(k + 1)(f(x_k) - f*) + L/2 ||x_k - x*||^2 at step 1/L: f(x_N) - f* <= L ||x_0 - x*||^2/(2(N + 1))).
"""

from __future__ import annotations

import pytest

from pepcert.lyapunov.potential import potential_bound
from pepcert.papers.theorems.classical import gradient_descent
from pepcert.papers.theorems.sublinear import drori_teboulle_bound, nonconvex_gradient_bound
from pepcert.pep.algorithms import BUILTIN_METHODS
from pepcert.pep.compressors import Contractive
from pepcert.pep.errors import BadInput
from pepcert.pep.functions import SmoothStronglyConvex, smooth_convex, smooth_nonconvex
from pepcert.pep.problem import ProblemClass, worst_case


@pytest.mark.parametrize("h", [0.5, 1.0])
def test_convex_gradient_descent_potential_bounds_every_exact_worst_case(h):
    found = potential_bound(gradient_descent(h), ProblemClass(smooth_convex(1)))
    assert found.template == "convex"
    for N in range(1, 200):
        assert found.bound(N) >= drori_teboulle_bound(1.0, h, N) * (1 - 1e-9), N
    if h == 1.0:  # the classical potential's constant, attained
        assert found.C == pytest.approx(0.5, rel=1e-4) and found.a == pytest.approx(1.0, rel=1e-3)


@pytest.mark.parametrize("h", [0.5, 1.0, 1.5])
def test_nonconvex_gradient_descent_potential(h):
    found = potential_bound(gradient_descent(h), ProblemClass(smooth_nonconvex(1)))
    assert found.template == "nonconvex"
    for N in range(0, 100):
        assert found.bound(N) >= nonconvex_gradient_bound(1.0, -1.0, h, max(N, 1)) * (1 - 1e-9) or N == 0
    # the descent lemma: f decreases by (h - h^2/2) ||g||^2 per step, so C <= 1/(h - h^2/2)
    assert found.C <= 1 / (h - h * h / 2) * (1 + 1e-6)
    if h == 1.0:
        assert found.C == pytest.approx(2.0, rel=1e-6)


def test_compressed_nonconvex_potential_is_above_the_exact_worst_cases():
    classes = ProblemClass(smooth_nonconvex(1), Contractive(0.5))
    method = BUILTIN_METHODS["ef21"](0.29)
    found = potential_bound(method, classes)
    for N in (1, 3, 6):
        exact = worst_case(method, classes, N, measure="min-gradient", initial="function").value
        assert found.bound(N) >= exact * (1 - 1e-7)


def test_refusals_are_one_line():
    with pytest.raises(BadInput, match="equalities"):
        potential_bound(gradient_descent(1.0), ProblemClass(SmoothStronglyConvex(1, 1)))
