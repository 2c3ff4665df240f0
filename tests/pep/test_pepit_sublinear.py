"""CGD, EF and EF21 on L-smooth convex and nonconvex functions: pepcert's N-step worst cases
against PEPit's (the same methods written on PEPit points, compressor outputs as free points
with ``||C(v) - v||^2 <= (1 - delta)||v||^2``, solved by Clarabel through cvxpy).

Nonconvex: ``min_{k <= N} ||grad f(x_k)||^2`` from ``f(x_0) - f* <= 1``, PEPit's
``SmoothFunction`` with ``x*`` a stationary point and the global-minimum conditions
``f_k - f* >= ||g_k||^2/(2L)`` added by hand (pepcert's class adds them itself). Convex:
``f(x_N) - f*`` from ``||x_0 - x*||^2 <= 1``, PEPit's ``SmoothConvexFunction``. Methods start as
declared: ``e_0 = 0`` (EF), ``d_0 = grad f(x_0)`` (EF21).
"""

from __future__ import annotations

import pytest

pepit = pytest.importorskip("PEPit")
cp = pytest.importorskip("cvxpy")

from PEPit import PEP, Point  # noqa: E402
from PEPit.functions import SmoothConvexFunction, SmoothFunction  # noqa: E402

from pepcert.pep.algorithms import BUILTIN_METHODS  # noqa: E402
from pepcert.pep.compressors import Contractive  # noqa: E402
from pepcert.pep.functions import smooth_convex, smooth_nonconvex  # noqa: E402
from pepcert.pep.problem import ProblemClass, worst_case  # noqa: E402

SETTINGS = {  # (L, delta, eta) per method: three each
    "cgd": [(1.0, 0.5, 0.5), (1.0, 0.9, 1.0), (2.0, 0.3, 0.2)],
    "ef": [(1.0, 0.5, 0.3), (1.0, 0.8, 0.7), (2.0, 0.4, 0.1)],
    "ef21": [(1.0, 0.5, 0.3), (1.0, 0.8, 0.6), (2.0, 0.4, 0.1)],
}


def _compress(problem: PEP, v, delta: float):
    c = Point()
    problem.add_constraint((c - v) ** 2 <= (1 - delta) * v ** 2)
    return c


def _run(name: str, problem: PEP, func, x0, N: int, eta: float, delta: float) -> list:
    """The iterates x_0..x_N of ``name`` on PEPit points."""
    xs, x = [x0], x0
    if name == "cgd":
        for _ in range(N):
            x = x - eta * _compress(problem, func.gradient(x), delta)
            xs.append(x)
    elif name == "ef":
        e = 0 * x0
        for _ in range(N):
            v = e + eta * func.gradient(x)
            c = _compress(problem, v, delta)
            x, e = x - c, v - c
            xs.append(x)
    else:
        d = func.gradient(x0)
        for _ in range(N):
            x = x - eta * d
            d = d + _compress(problem, func.gradient(x) - d, delta)
            xs.append(x)
    return xs


def pepit_value(name: str, L: float, delta: float, eta: float, N: int, convex: bool) -> float:
    problem = PEP()
    func = problem.declare_function(SmoothConvexFunction if convex else SmoothFunction, L=L)
    xs = func.stationary_point()
    fs = func(xs)
    x0 = problem.set_initial_point()
    problem.set_initial_condition((x0 - xs) ** 2 <= 1 if convex else func(x0) - fs <= 1)
    iterates = _run(name, problem, func, x0, N, eta, delta)
    if convex:
        problem.set_performance_metric(func(iterates[-1]) - fs)
    else:
        for x in iterates:
            g = func.gradient(x)
            problem.add_constraint(func(x) - fs >= g ** 2 / (2 * L))
            problem.set_performance_metric(g ** 2)
    return problem.solve(verbose=0, solver=cp.CLARABEL)


def pepcert_value(name: str, L: float, delta: float, eta: float, N: int, convex: bool) -> float:
    classes = ProblemClass(smooth_convex(L) if convex else smooth_nonconvex(L), Contractive(delta))
    measure, initial = ("function", "distance") if convex else ("min-gradient", "function")
    return worst_case(BUILTIN_METHODS[name](eta), classes, N, measure=measure, initial=initial, start="declared").value


@pytest.mark.parametrize("convex", [False, True], ids=["nonconvex", "convex"])
@pytest.mark.parametrize("name", list(SETTINGS))
def test_worst_cases_agree_with_pepit(name, convex):
    worst = 0.0
    for L, delta, eta in SETTINGS[name]:
        for N in range(1, 6):
            ours, theirs = pepcert_value(name, L, delta, eta, N, convex), pepit_value(name, L, delta, eta, N, convex)
            worst = max(worst, abs(ours - theirs) / abs(theirs))
            assert ours == pytest.approx(theirs, rel=1e-6), (name, L, delta, eta, N, ours, theirs)
    print(f"{name} {'convex' if convex else 'nonconvex'}: largest relative difference {worst:.1e}")
