"""Independent formulations of the papers' worst-case problems in PEPit (a cross-check).

PEPit (Goujaud, Moucer, Glineur, Hendrickx, Taylor & Dieuleveut, *PEPit: computer-assisted
worst-case analyses of first-order optimization methods in Python*, Math. Prog. Comp. 2024)
builds the same performance-estimation problems with its own expression machinery and
cvxpy. These hand-written models do not share any code with :mod:`pepcert.pep`, so agreement
between the two is evidence that both are right. PEPit is an optional (test) dependency.
"""

from __future__ import annotations

import math
import warnings


def _pep(mu: float, L: float):
    """A PEP with one function of ``F_{mu,L}``; ``mu = L``: PEPit's quadratic class (Bousselmi,
    Hendrickx & Glineur 2023: ``<x_i, g_j>`` symmetric and a PSD matrix, which at ``mu = L`` forces
    ``g = L (x - x*)``), an independent formulation of pepcert's equalities."""
    from PEPit import PEP
    from PEPit.functions import SmoothStronglyConvexFunction, SmoothStronglyConvexQuadraticFunction

    problem = PEP()
    kind = SmoothStronglyConvexQuadraticFunction if mu == L else SmoothStronglyConvexFunction
    function = problem.declare_function(kind, mu=mu, L=L)
    return problem, function


def _solve(problem, solver: str | None) -> float:
    options = {"verbose": 0}
    if solver is not None:
        options["solver"] = solver.upper()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # cvxpy's "solution may be inaccurate" (PEPit reports its own)
        return float(problem.solve(**options))


def _ef_steps(problem, function, x, e, eta: float, delta: float, iterations: int):
    """EF's steps, each compressor output a free point with ``||c - v||^2 <= (1 - delta)||v||^2``."""
    from PEPit import Point

    for _ in range(iterations):
        v = e + eta * function.gradient(x)
        c = Point()
        problem.add_constraint((c - v) ** 2 <= (1 - delta) * v**2)
        x, e = x - c, v - c
    return x, e


def _ef21_steps(problem, function, x, d, eta: float, delta: float, iterations: int):
    """EF21's steps; returns the last iterate, direction and gradient."""
    from PEPit import Point

    g = function.gradient(x)
    for _ in range(iterations):
        x = x - eta * d
        g = function.gradient(x)
        c = Point()
        problem.add_constraint((c - (g - d)) ** 2 <= (1 - delta) * (g - d) ** 2)
        d = d + c
    return x, d, g


def pepit_ef(mu: float, L: float, delta: float, eta: float, iterations: int, solver: str | None = None) -> float:
    """N-step worst case of EF with ``V = ||x - x* - e||^2 + ||e||^2 / s`` (``V_0 <= 1``)."""
    s = math.sqrt(1 - delta)
    problem, function = _pep(mu, L)
    xs = function.stationary_point()
    x, e = problem.set_initial_point(), problem.set_initial_point()
    problem.set_initial_condition((x - xs - e) ** 2 + e**2 / s <= 1)
    x, e = _ef_steps(problem, function, x, e, eta, delta, iterations)
    problem.set_performance_metric((x - xs - e) ** 2 + e**2 / s)
    return _solve(problem, solver)


def pepit_ef21(mu: float, L: float, delta: float, eta: float, iterations: int, solver: str | None = None) -> float:
    """N-step worst case of EF21 with ``V = ||grad f(x) - d||^2 + s ||grad f(x)||^2``."""
    s = math.sqrt(1 - delta)
    problem, function = _pep(mu, L)
    function.stationary_point()
    x, d = problem.set_initial_point(), problem.set_initial_point()
    g = function.gradient(x)
    problem.set_initial_condition((g - d) ** 2 + s * g**2 <= 1)
    x, d, g = _ef21_steps(problem, function, x, d, eta, delta, iterations)
    problem.set_performance_metric((g - d) ** 2 + s * g**2)
    return _solve(problem, solver)


def pepit_ef_distance(mu: float, L: float, delta: float, eta: float, iterations: int, solver: str | None = None) -> float:
    """Worst ``||x_N - x*||^2 + ||e_N||^2`` of EF given ``||x_0 - x*||^2 + ||e_0||^2 <= 1`` (``e_0`` free)."""
    problem, function = _pep(mu, L)
    xs = function.stationary_point()
    x, e = problem.set_initial_point(), problem.set_initial_point()
    problem.set_initial_condition((x - xs) ** 2 + e**2 <= 1)
    x, e = _ef_steps(problem, function, x, e, eta, delta, iterations)
    problem.set_performance_metric((x - xs) ** 2 + e**2)
    return _solve(problem, solver)


PEPIT_MODELS = {"EF": pepit_ef, "EF21": pepit_ef21}


def pepit_ef_function(mu: float, L: float, delta: float, eta: float, iterations: int, solver: str | None = None) -> float:
    """Worst ``f(x_N) - f*`` of EF started at ``e_0 = 0`` with ``f(x_0) - f* <= 1``."""
    problem, function = _pep(mu, L)
    xs = function.stationary_point()
    fs = function(xs)
    x = problem.set_initial_point()
    e = 0 * x
    problem.set_initial_condition(function(x) - fs <= 1)
    x, e = _ef_steps(problem, function, x, e, eta, delta, iterations)
    problem.set_performance_metric(function(x) - fs)
    return _solve(problem, solver)


def pepit_ef21_function(mu: float, L: float, delta: float, eta: float, iterations: int, solver: str | None = None) -> float:
    """Worst ``f(x_N) - f*`` of EF21 started at ``d_0 = grad f(x_0)`` with ``f(x_0) - f* <= 1``."""
    problem, function = _pep(mu, L)
    xs = function.stationary_point()
    fs = function(xs)
    x = problem.set_initial_point()
    d = function.gradient(x)
    problem.set_initial_condition(function(x) - fs <= 1)
    x, d, _g = _ef21_steps(problem, function, x, d, eta, delta, iterations)
    problem.set_performance_metric(function(x) - fs)
    return _solve(problem, solver)


# -- classes without a linear rate (docs/sublinear.md) ------------------------------------------


def _compress(problem, v, delta: float):
    from PEPit import Point

    c = Point()
    problem.add_constraint((c - v) ** 2 <= (1 - delta) * v**2)
    return c


def _sublinear_iterates(name: str, problem, function, x0, iterations: int, eta: float, delta: float) -> list:
    """``x_0, ..., x_N`` of ``gd``, ``cgd``, ``ef`` (``e_0 = 0``) or ``ef21`` (``d_0 = grad f(x_0)``)."""
    xs, x = [x0], x0
    if name in ("gd", "cgd"):
        for _ in range(iterations):
            g = function.gradient(x)
            x = x - eta * (g if name == "gd" else _compress(problem, g, delta))
            xs.append(x)
    elif name == "ef":
        e = 0 * x0
        for _ in range(iterations):
            v = e + eta * function.gradient(x)
            c = _compress(problem, v, delta)
            x, e = x - c, v - c
            xs.append(x)
    else:
        d = function.gradient(x0)
        for _ in range(iterations):
            x = x - eta * d
            d = d + _compress(problem, function.gradient(x) - d, delta)
            xs.append(x)
    return xs


def pepit_sublinear(name: str, L: float, delta: float, eta: float, iterations: int, convex: bool,
                    solver: str | None = "clarabel") -> float:
    """Nonconvex: the worst ``min_k ||grad f(x_k)||^2`` from ``f(x_0) - f* <= 1`` (PEPit's
    ``SmoothFunction``, ``x*`` stationary, with ``f_k - f* >= ||g_k||^2/(2L)`` added by hand);
    convex: the worst ``f(x_N) - f*`` from ``||x_0 - x*||^2 <= 1`` (``SmoothConvexFunction``)."""
    from PEPit import PEP
    from PEPit.functions import SmoothConvexFunction, SmoothFunction

    problem = PEP()
    function = problem.declare_function(SmoothConvexFunction if convex else SmoothFunction, L=L)
    xs = function.stationary_point()
    fs = function(xs)
    x0 = problem.set_initial_point()
    problem.set_initial_condition((x0 - xs) ** 2 <= 1 if convex else function(x0) - fs <= 1)
    iterates = _sublinear_iterates(name, problem, function, x0, iterations, eta, delta)
    if convex:
        problem.set_performance_metric(function(iterates[-1]) - fs)
    else:
        for x in iterates:
            g = function.gradient(x)
            problem.add_constraint(function(x) - fs >= g**2 / (2 * L))
            problem.set_performance_metric(g**2)
    return _solve(problem, solver)
