r"""n-agent built-ins: distributed CGD, EF, EF21 and DIANA, written through the same Method API.

Setting (Thomsen, Taylor & Dieuleveut 2026, *A tight theory of error feedback algorithms in
distributed optimization*): ``f = (1/n) sum_i f_i``; agent ``i`` computes
``g_i = oracle.gradient(x, agent=i)`` and sends ``oracle.compress(v, agent=i)`` through its own,
independent compressor; the server averages. With ``n = 1`` each factory in
:mod:`pepcert.pep.algorithms.compressed` keeps its single-agent definition.

* distributed CGD: ``x+ = x - eta (1/n) sum_i C_i(g_i)`` (common minimiser).
* EF: ``c_i = C_i(e_i + eta g_i)``, ``e_i+ = e_i + eta g_i - c_i``, ``x+ = x - (1/n) sum_i c_i``
  (common minimiser). Paper Lyapunov ``V = (1/(n s))||sum_i e_i||^2 + sum_i ||x - x* - e_i||^2``.
* EF21: ``x+ = x - eta (1/n) sum_i d_i``, ``d_i+ = d_i + C_i(grad f_i(x+) - d_i)``. Paper
  Lyapunov ``V = (s/n)||sum_i grad f_i(x)||^2 + sum_i ||grad f_i(x) - d_i||^2``.
* DIANA (Mishchenko, Gorbunov, Takac & Richtarik 2019, *Distributed learning with compressed
  gradient differences*, Algorithm 1 with full local gradients and no prox):
  ``Delta_i = C_i(g_i - h_i)``, ``h_i+ = h_i + alpha Delta_i``,
  ``x+ = x - eta (1/n) sum_i (h_i + Delta_i)``, shift rate ``alpha = 1/(1 + omega)``.
"""

from __future__ import annotations

from fractions import Fraction

from pepcert.pep.classes import MAX_AGENTS
from pepcert.pep.errors import BadInput
from pepcert.pep.expressions import Vector, norm2
from pepcert.pep.methods import Method
from pepcert.pep.numerics.numbers import exact_number, is_symbolic, require, show


def agent_count(n) -> int:
    """``n`` as an integer in ``[1, MAX_AGENTS]`` (exact: ``Fraction(2)`` is 2, ``2.5`` is refused)."""
    try:
        value = Fraction(n)
    except (TypeError, ValueError):
        raise BadInput(f"the number of agents must be an integer, got {n!r}") from None
    if value.denominator != 1 or not 1 <= value <= MAX_AGENTS:
        raise BadInput(f"the number of agents must be an integer in [1, {MAX_AGENTS}], got {show(n)}")
    return int(value)


def _check_agents(oracle, n: int, name: str) -> None:
    agents = oracle.agents
    if agents != n:
        raise BadInput(f"{name} is built for {n} agents but the function class has {agents}")


def _common_minimiser(xstar, oracle, n: int, name: str) -> None:
    for i in range(n):
        g = oracle.gradient(xstar, agent=i)
        if isinstance(g, Vector) and not g.is_zero():
            raise BadInput(f"{name} needs a common minimiser of the agents' functions (its state at the "
                           "optimum is not a fixed point otherwise)")


def _mean(vectors):
    return sum(vectors[1:], vectors[0]) / len(vectors)


def distributed_cgd(eta, n) -> Method:
    n = agent_count(n)

    def step(state, oracle):
        _check_agents(oracle, n, "CGD")
        (x,) = state
        return (x - eta * _mean([oracle.compress(oracle.gradient(x, agent=i), agent=i) for i in range(n)]),)

    def optimum(xstar, oracle):
        _check_agents(oracle, n, "CGD")
        _common_minimiser(xstar, oracle, n, "distributed CGD")
        return (xstar,)

    return Method(
        f"CGD[{n} agents]", state=("x",), step=step, optimum=optimum,
        start=lambda x0, oracle: (x0,),
        lyapunov=lambda z, classes: z.gap,
        families={"paper": (("f(x) - f*", lambda z, classes: z.gap),),
                  "distance": (("||x - x*||^2", lambda z, classes: norm2(z.x)),)},
        parameters={"eta": eta, "n": n},
    )


def distributed_ef(eta, n) -> Method:
    n = agent_count(n)
    names = tuple(f"e{i + 1}" for i in range(n))

    def step(state, oracle):
        _check_agents(oracle, n, "EF")
        x, errors = state[0], state[1:]
        sent, new_errors = [], []
        for i, e in enumerate(errors):
            v = e + eta * oracle.gradient(x, agent=i)
            c = oracle.compress(v, agent=i)
            sent.append(c)
            new_errors.append(v - c)
        return (x - _mean(sent), *new_errors)

    def optimum(xstar, oracle):
        _check_agents(oracle, n, "EF")
        _common_minimiser(xstar, oracle, n, "EF")
        return (xstar,) + tuple(0 * xstar for _ in range(n))

    def errors(z):
        return [getattr(z, name) for name in names]

    def lyapunov(z, classes):
        e = errors(z)
        return norm2(sum(e[1:], e[0])) / (n * classes.compressor.s) + sum(norm2(z.x - ei) for ei in e)

    return Method(
        f"EF[{n} agents]", state=("x", *names), step=step, optimum=optimum,
        start=lambda x0, oracle: (x0,) + tuple(0 * x0 for _ in range(n)),
        lyapunov=lyapunov,
        families={"paper": (
            ("||sum_i e_i||^2", lambda z, classes: norm2(sum(errors(z)[1:], errors(z)[0]))),
            *((f"||x - x* - e_{i + 1}||^2", lambda z, classes, i=i: norm2(z.x - errors(z)[i])) for i in range(n)),
        )},
        parameters={"eta": eta, "n": n},
    )


def distributed_ef21(eta, n) -> Method:
    n = agent_count(n)
    names = tuple(f"d{i + 1}" for i in range(n))

    def step(state, oracle):
        _check_agents(oracle, n, "EF21")
        x, directions = state[0], state[1:]
        x_next = x - eta * _mean(list(directions))
        return (x_next, *(d + oracle.compress(oracle.gradient(x_next, agent=i) - d, agent=i)
                          for i, d in enumerate(directions)))

    def optimum(xstar, oracle):
        _check_agents(oracle, n, "EF21")
        return (xstar,) + tuple(oracle.gradient(xstar, agent=i) for i in range(n))

    def residuals(z):
        return [g - getattr(z, name) for g, name in zip(z.grads, names)]

    def lyapunov(z, classes):
        total = sum(z.grads[1:], z.grads[0])
        return classes.compressor.s * norm2(total) / n + sum(norm2(r) for r in residuals(z))

    return Method(
        f"EF21[{n} agents]", state=("x", *names), step=step, optimum=optimum,
        start=lambda x0, oracle: (x0,) + tuple(oracle.gradient(x0, agent=i) for i in range(n)),
        lyapunov=lyapunov,
        distance=lambda z, classes: norm2(z.x) + sum(norm2(r) for r in residuals(z)),
        families={"paper": (
            ("||sum_i grad f_i(x)||^2", lambda z, classes: norm2(sum(z.grads[1:], z.grads[0]))),
            *((f"||grad f_{i + 1}(x) - d_{i + 1}||^2", lambda z, classes, i=i: norm2(residuals(z)[i]))
              for i in range(n)),
        )},
        parameters={"eta": eta, "n": n},
    )


def diana(eta, omega, n=1, alpha=None) -> Method:
    r"""DIANA with ``n`` agents and shift rate ``alpha`` (default ``1/(1 + omega)``, the rate of
    Mishchenko et al. 2019 for an ``omega``-unbiased compressor). ``omega`` is the compressor
    class's constant (the command line passes it). Optimum: ``h_i* = grad f_i(x*)``, so agents'
    minimisers may differ."""
    from pepcert.pep.algorithms.compressed import check_step_size

    check_step_size(eta)
    n = agent_count(n)
    for name, value, low in (("omega", omega, ">= 0"), ("alpha", alpha, "> 0")):
        exact = None if value is None else exact_number(value, name)  # exact, never float()
        if exact is not None and not is_symbolic(exact):
            require(exact >= 0 if name == "omega" else exact > 0, f"{name} must be {low}, got {show(value)}")
    alpha = 1 / (1 + omega) if alpha is None else alpha
    names = ("h",) if n == 1 else tuple(f"h{i + 1}" for i in range(n))

    def gradient(oracle, x, i):
        return oracle.gradient(x) if n == 1 else oracle.gradient(x, agent=i)

    def compress(oracle, v, i):
        return oracle.compress(v) if n == 1 else oracle.compress(v, agent=i)

    def optimum(xstar, oracle):
        _check_agents(oracle, n, "DIANA")
        return (xstar, *(gradient(oracle, xstar, i) for i in range(n)))

    def step(state, oracle):
        _check_agents(oracle, n, "DIANA")
        x, shifts = state[0], state[1:]
        estimates, new_shifts = [], []
        for i, h in enumerate(shifts):
            delta = compress(oracle, gradient(oracle, x, i) - h, i)
            estimates.append(h + delta)
            new_shifts.append(h + alpha * delta)
        return (x - eta * _mean(estimates), *new_shifts)

    def shifts(z):
        return [getattr(z, name) for name in names]

    parameters = {"eta": eta, "omega": omega, **({"n": n} if n > 1 else {})}
    return Method(
        "DIANA" if n == 1 else f"DIANA[{n} agents]", state=("x", *names), step=step,
        optimum=optimum,
        start=lambda x0, oracle: (x0,) + tuple(0 * x0 for _ in range(n)),
        families={"paper": (
            ("||x - x*||^2", lambda z, classes: norm2(z.x)),
            ("sum_i ||h_i - h_i*||^2", lambda z, classes: sum(norm2(h) for h in shifts(z))),
        )},
        parameters=parameters,
    )
