"""The modelling core: exact coefficients, no global state, oracle caching."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction

import numpy as np
import pytest
import sympy

from pepcert.pep import (
    Basis,
    Contractive,
    ProblemClass,
    SmoothStronglyConvex,
    SymbolicOracle,
    Trace,
    inner,
    norm2,
    worst_case,
)
from pepcert.pep.algorithms import error_feedback
from pepcert.pep.instances import ScalingInstance, linear_map


def test_vectors_are_exact_over_their_basis():
    basis = Basis()
    x, g = basis.new_vector("x"), basis.new_vector("g")
    y = x - Fraction(1, 3) * g
    assert y.coefficients == {0: 1, 1: Fraction(-1, 3)}
    q = norm2(y)
    assert q.quadratic == {(0, 0): 1, (0, 1): Fraction(-2, 3), (1, 1): Fraction(1, 9)}
    G = np.array([[2.0, 0.5], [0.5, 3.0]])
    assert float(np.sum(q.gram_matrix(2) * G)) == pytest.approx(2 - 2 / 3 * 0.5 + 3 / 9)


def test_vectors_of_two_problems_do_not_mix():
    a, b = Basis(), Basis()
    with pytest.raises(ValueError):
        a.new_vector("x") + b.new_vector("y")


def test_symbolic_step_size_with_sympy():
    eta = sympy.Symbol("eta", positive=True)
    basis = Basis()
    x, g = basis.new_vector("x"), basis.new_vector("g")
    assert (x - eta * g).coefficients[1] == -eta


def test_inner_also_works_on_arrays():
    assert inner(np.array([1.0, 2.0]), np.array([3.0, 4.0])) == 11.0


def test_oracle_called_twice_at_a_point_returns_the_same_vector():
    trace = Trace(ProblemClass(SmoothStronglyConvex(0.1, 1), Contractive(0.5)))
    oracle = SymbolicOracle(trace)
    x = trace.basis.new_vector("x0")
    assert oracle.gradient(x).key() == oracle.gradient(x + 0).key()
    assert len(trace.points) == 2  # x* and x0


def test_linear_map_is_exact_for_rationals():
    """EF on f = h x^2/2 with C(v) = alpha v: x+ = x - alpha(e + eta h x), e+ = (1 - alpha)(e + eta h x)."""
    eta, h, alpha = Fraction(1, 5), Fraction(1, 2), Fraction(3, 2)
    matrix = linear_map(error_feedback(eta), ScalingInstance(h, alpha), number=Fraction)
    assert matrix == [[1 - alpha * eta * h, -alpha], [(1 - alpha) * eta * h, 1 - alpha]]


def test_two_problems_in_threads_do_not_interfere():
    classes = ProblemClass(SmoothStronglyConvex(0.1, 1), Contractive(0.5))
    serial = [worst_case(error_feedback(eta), classes, 2).value for eta in (0.1, 0.2, 0.3, 0.4)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        parallel = list(pool.map(lambda eta: worst_case(error_feedback(eta), classes, 2).value, (0.1, 0.2, 0.3, 0.4)))
    assert parallel == pytest.approx(serial, rel=1e-9)
