"""A user's own methods, through the public API only (issue 2 acceptance)."""

from __future__ import annotations

import numpy as np
import pytest

from pepcert.analyses import tight_rate
from pepcert.lowerbounds.linear import worst_linear_instances
from pepcert.pep import Contractive, Method, ProblemClass, Quadratic, SmoothStronglyConvex, TopK
from pepcert.pep.simulate import NumericOracle, simulate

MU, L = 0.1, 1.0


def gradient_descent(eta):
    def step(state, oracle):
        (x,) = state
        return (x - eta * oracle.gradient(x),)

    return Method("GD", state=("x",), step=step)


def ef21_heavy_ball(eta, beta):
    """EF21 with heavy-ball momentum on the iterate (not a built-in)."""

    def step(state, oracle):
        x, x_prev, d = state
        x_next = x - eta * d + beta * (x - x_prev)
        return x_next, x, d + oracle.compress(oracle.gradient(x_next) - d)

    return Method(
        "EF21-HB",
        state=("x", "x_prev", "d"),
        step=step,
        optimum=lambda xstar, oracle: (xstar, xstar, oracle.gradient(xstar)),
    )


def test_gradient_descent_rate():
    classes = ProblemClass(SmoothStronglyConvex(MU, L))
    result = tight_rate(gradient_descent(2 / (L + MU)), classes)
    assert result.rho == pytest.approx(((L - MU) / (L + MU)) ** 2, abs=1e-9)
    assert result.bracket_width <= 1e-9


@pytest.fixture(scope="module")
def heavy_ball():
    classes = ProblemClass(SmoothStronglyConvex(MU, L), Contractive(0.5))
    method = ef21_heavy_ball(0.2, 0.1)
    return method, classes, tight_rate(method, classes)


def test_heavy_ball_ef21_rate_is_bracketed(heavy_ball):
    method, classes, result = heavy_ball
    assert 0 < result.rho_lower <= result.rho < 1
    # The worst linear instance is a lower bound: the certified rate cannot be below it.
    instance_rho = max(c.rho for c in worst_linear_instances(method, classes))
    assert result.rho >= instance_rho * (1 - 1e-9)


def test_heavy_ball_ef21_simulation_on_worst_instance_grows_at_the_rate(heavy_ball):
    """The same definition, run on numpy from the eigenvector of the worst instance, shrinks
    every quadratic measure by the instance rate, which is at most the certified rate."""
    method, classes, result = heavy_ball
    case = worst_linear_instances(method, classes)[0]
    assert abs(case.eigenvalue.imag) < 1e-12  # a real eigenvector: a one-dimensional run
    oracle = NumericOracle(case.instance, compressor=lambda v, rng: case.instance.compress(v))
    start = [np.array([c]) for c in case.start_factor[:, 0]]
    run = simulate(method, oracle, start, 20, minimizer=np.zeros(1))
    norms = [sum(float(s @ s) for s in state) for state in run.states]
    ratios = np.array(norms[1:]) / np.array(norms[:-1])
    assert ratios == pytest.approx(case.rho, rel=1e-9)
    assert case.rho <= result.rho * (1 + 1e-9)


def test_heavy_ball_ef21_lyapunov_decreases_on_random_runs(heavy_ball):
    """On random quadratics in the class with top-k (delta = k/d = 0.5), the certified
    Lyapunov function decreases by at least rho at every step of the numpy run."""
    method, classes, result = heavy_ball
    rng = np.random.default_rng(7)
    dimension = 8
    for _trial in range(5):
        basis, _ = np.linalg.qr(rng.standard_normal((dimension, dimension)))
        eigenvalues = np.concatenate([[MU, L], rng.uniform(MU, L, dimension - 2)])
        function = Quadratic(basis @ np.diag(eigenvalues) @ basis.T)
        assert function.belongs_to(classes.function.functions[0])
        oracle = NumericOracle(function, TopK(dimension // 2, dimension), rng)
        start = [rng.standard_normal(dimension) for _ in method.state]
        run = simulate(method, oracle, start, 30, function.minimizer)
        values = [result.value(run.features(k, oracle)) for k in range(len(run.states))]
        for before, after in zip(values, values[1:]):
            assert after <= result.rho * before * (1 + 1e-7) + 1e-12
