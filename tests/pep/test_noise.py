"""Gradient noise (pepcert/pep/noise.py): the second-moment model against closed forms, the
two-point model (an independent formulation: a lower bound, where the second-moment one is an
upper bound) and a 200-bit solve.

SGD on L-smooth mu-strongly convex functions with E||xi||^2 <= sigma^2:
E||x_N - x*||^2 <= rho^N ||x_0 - x*||^2 + eta^2 sigma^2 sum_{k<N} rho^k,
rho = max((1 - eta mu)^2, (1 - eta L)^2), attained on the worst quadratic with Gaussian noise.
"""

from __future__ import annotations

import pytest

from pepcert.papers.theorems.classical import gradient_descent
from pepcert.pep.algorithms import BUILTIN_METHODS
from pepcert.pep.classes import ProblemClass
from pepcert.pep.compressors import Contractive
from pepcert.pep.errors import BadInput
from pepcert.pep.functions import SmoothStronglyConvex
from pepcert.pep.noise import BoundedVariance, StateDependentVariance, noise_from_args
from pepcert.pep.problem import worst_case

SGD_SETTINGS = [(0.1, 1.0, 0.5, 0.3), (0.1, 1.0, 1.5, 0.1), (0.5, 2.0, 0.2, 1.0)]


def sgd_closed_form(mu, L, eta, sigma2, N):
    rho = max((1 - eta * mu) ** 2, (1 - eta * L) ** 2)
    return rho**N + eta**2 * sigma2 * sum(rho**k for k in range(N))


@pytest.mark.parametrize("mu, L, eta, sigma2", SGD_SETTINGS)
def test_sgd_closed_form_by_the_built_in_cgd_without_compression(mu, L, eta, sigma2):
    classes = ProblemClass(SmoothStronglyConvex(mu, L), Contractive(1), BoundedVariance(sigma2))
    for N in range(1, 11):
        result = worst_case(BUILTIN_METHODS["cgd"](eta), classes, N, measure="distance")
        theory = sgd_closed_form(mu, L, eta, sigma2, N)
        assert result.value == pytest.approx(theory, rel=max(result.tolerance, 1e-12)), N
        assert result.value == pytest.approx(theory, rel=2e-8), N  # Clarabel's floor here (docs/noise.md)


def test_sgd_closed_form_to_1e_12_at_200_bits():
    """Where Clarabel stalls at 1.5e-8 (N = 8 of the third setting) SDPA-GMP gives the closed form."""
    pytest.importorskip("sdpap")
    from pepcert.analyses.precision import verify_worst_case

    mu, L, eta, sigma2 = SGD_SETTINGS[2]
    classes = ProblemClass(SmoothStronglyConvex(mu, L), None, BoundedVariance(sigma2))
    result = worst_case(gradient_descent(eta), classes, 8, measure="distance")
    check = verify_worst_case(gradient_descent(eta), classes, result)
    assert check.reference == pytest.approx(sgd_closed_form(mu, L, eta, sigma2, 8), rel=1e-12)


@pytest.mark.parametrize("name, eta", [("cgd", 0.5), ("ef", 0.3), ("ef21", 0.3)])
@pytest.mark.parametrize("noise", [BoundedVariance(0.2), StateDependentVariance(0.1, 0.5)], ids=["bounded", "state"])
def test_second_moments_equal_the_two_point_model(name, eta, noise):
    """Upper bound (every distribution with these moments) = lower bound (symmetric two-point
    noise): both are the worst case."""
    from dataclasses import replace

    for N in (1, 2, 3):
        values = []
        for two_point in (False, True):
            classes = ProblemClass(SmoothStronglyConvex(0.1, 1.0), Contractive(0.5), replace(noise, two_point=two_point))
            values.append(worst_case(BUILTIN_METHODS[name](eta), classes, N, measure="distance", initial="distance",
                                     start="declared"))
        moments, two_point = values
        assert moments.value == pytest.approx(two_point.value, rel=1e-6), N
        assert moments.value >= two_point.value * (1 - max(moments.tolerance, two_point.tolerance))


def test_noise_leaves_the_exact_gradient_problem_unchanged_at_sigma_zero():
    exact = ProblemClass(SmoothStronglyConvex(0.1, 1.0), Contractive(0.5))
    noisy = ProblemClass(SmoothStronglyConvex(0.1, 1.0), Contractive(0.5), BoundedVariance(0))
    for N in (1, 3):
        a = worst_case(BUILTIN_METHODS["ef"](0.3), exact, N, measure="distance").value
        b = worst_case(BUILTIN_METHODS["ef"](0.3), noisy, N, measure="distance").value
        assert b == pytest.approx(a, rel=1e-7)


def test_noise_from_the_command_line_options():
    assert noise_from_args("0.5") == BoundedVariance(0.25) and noise_from_args(None) is None
    assert noise_from_args("1", "state:B=2") == StateDependentVariance(1, 2)
    for sigma, model in (("-1", None), ("1", "gaussian"), (None, "bounded")):
        with pytest.raises(BadInput):
            noise_from_args(sigma, model)


def test_step_for_a_target_rate_is_sgds_closed_form():
    """SGD at the rate R: C = eta^2 is smallest at the smallest step with (1 - eta mu)^2 <= R,
    eta = (1 - sqrt(R))/mu."""
    import math

    from pepcert.analyses.noisy import step_for_rate

    classes = ProblemClass(SmoothStronglyConvex(0.1, 1.0), Contractive(1), BoundedVariance(0.01))
    found = step_for_rate(BUILTIN_METHODS["cgd"], classes, 0.99, 1 / 0.55)
    eta = (1 - math.sqrt(0.99)) / 0.1
    assert found.eta == pytest.approx(eta, rel=1e-6) and found.pair.C == pytest.approx(eta**2, rel=1e-6)
    assert not found.at_search_edge


def test_target_rho_needs_sigma(capsys):
    from pepcert.cli import main

    assert main(["rate", "--method", "ef", "--mu", "0.1", "--L", "1", "--delta", "0.5", "--target-rho", "0.99"]) == 2
    assert "--target-rho needs --sigma" in capsys.readouterr().err


@pytest.mark.parametrize("omega, eta, sigma2", [(1.0, 0.3, 0.2), (0.5, 0.5, 1.0), (3.0, 0.1, 0.05)])
def test_unbiased_compression_with_noise_one_step_closed_form(omega, eta, sigma2):
    """CGD with an omega-unbiased (random) compressor and bounded-variance noise, one step from
    ||x_0 - x*||^2 <= 1: E||x_1 - x*||^2 <= max_h (1 - eta h)^2 + omega eta^2 h^2 + eta^2 (1 + omega) sigma^2
    (E C(v) = v, E||C(v)||^2 <= (1 + omega) E||v||^2 with v = grad f(x) + xi), attained on
    quadratics; the noise sample is shared by the compressor's outcomes."""
    from dataclasses import replace

    from pepcert.analyses.problems import build_problem

    problem = build_problem("cgd", "0.1", "1", omega=str(omega))
    classes = replace(problem.classes, noise=BoundedVariance(sigma2))
    value = worst_case(problem.factory(eta), classes, 1, measure="distance", start="free").value
    theory = max((1 - eta * h) ** 2 + omega * eta**2 * h**2 for h in (0.1, 1.0)) + eta**2 * (1 + omega) * sigma2
    assert value == pytest.approx(theory, rel=1e-9)


def test_the_proof_gives_the_worst_case_as_a_line_in_initial_and_sigma2():
    """SGD: E||x_N - x*||^2 <= rho^N D_0 + eta^2 sigma^2 sum_{k<N} rho^k for every D_0 and sigma^2;
    the multipliers of one solve give both coefficients."""
    from pepcert.analyses.noisy import noise_split

    mu, L, eta, sigma2 = SGD_SETTINGS[0]
    rho = max((1 - eta * mu) ** 2, (1 - eta * L) ** 2)
    classes = ProblemClass(SmoothStronglyConvex(mu, L), Contractive(1), BoundedVariance(sigma2))
    for N in (1, 3, 6):
        result = worst_case(BUILTIN_METHODS["cgd"](eta), classes, N, measure="distance")
        a, b = noise_split(result)
        assert a == pytest.approx(rho**N, rel=1e-7) and b == pytest.approx(eta**2 * sum(rho**k for k in range(N)), rel=1e-7)
        assert a + b * sigma2 == pytest.approx(result.value, rel=1e-8)
    assert noise_split(worst_case(BUILTIN_METHODS["cgd"](eta), ProblemClass(SmoothStronglyConvex(mu, L), Contractive(1)),
                                  2, measure="distance")) is None


@pytest.mark.parametrize("value, message", [("1", "must be in (0, 1)"), ("0", "must be in (0, 1)"),
                                            ("abc", "must be a number"), ("1e400", "must be in (0, 1)")])
def test_target_rho_is_checked_exactly_before_any_work(capsys, value, message):
    from pepcert.cli import main

    code = main(["rate", "--method", "cgd", "--delta", "1", "--mu", "0.1", "--L", "1", "--sigma", "0.1",
                 "--target-rho", value])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and message in err[0], err
