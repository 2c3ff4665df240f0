"""The methods of Thomsen, Taylor & Dieuleveut (2025), Section 2, written once as data.

CGD, EF and EF21 are ordinary :class:`~pepcert.pep.methods.Method` s: nothing in an analysis
knows their names. :data:`BUILTIN_METHODS` maps the command-line names to their factories
``eta -> Method``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from pepcert.pep.algorithms.agents import agent_count, diana, distributed_cgd, distributed_ef, distributed_ef21
from pepcert.pep.algorithms.momentum import econtrol, ef21_sgdm
from pepcert.pep.errors import BadInput
from pepcert.pep.expressions import norm2
from pepcert.pep.methods import Method
from pepcert.pep.numerics.numbers import exact_number, is_symbolic, require, show


def check_step_size(eta, name: str = "eta") -> None:
    """``eta > 0``, compared exactly (symbolic step sizes pass: their assumptions decide)."""
    value = exact_number(eta, name)
    if not is_symbolic(value):
        require(value > 0, lambda: f"{name} must be a positive number, got {show(eta)}")


def compressed_gradient_descent(eta, n=1) -> Method:
    r"""CGD: ``x+ = x - eta C(grad f(x))`` (``n > 1``: :func:`distributed_cgd`).

    Tight rate for ``f - f*`` (Thomsen et al. 2025):
    ``rho(eta) = max{(1 - eta mu (1 - s))^2, (1 - eta L (1 + s))^2}``, ``s = sqrt(1 - delta)``.
    Optimal Lyapunov function: ``V = f(x) - f*``. With an omega-unbiased compressor the tight
    rate of ``||x - x*||^2`` (family ``distance``) is ``max_{h in {mu, L}} (1 - eta h)^2 +
    omega eta^2 h^2``.
    """
    check_step_size(eta)
    if agent_count(n) > 1:
        return distributed_cgd(eta, n)

    def step(state, oracle):
        (x,) = state
        return (x - eta * oracle.compress(oracle.gradient(x)),)

    return Method(
        "CGD",
        state=("x",),
        step=step,
        start=lambda x0, oracle: (x0,),
        lyapunov=lambda z, classes: z.gap,
        families={"paper": (("f(x) - f*", lambda z, classes: z.gap),),
                  "distance": (("||x - x*||^2", lambda z, classes: norm2(z.x)),)},
        parameters={"eta": eta},
    )


def _ef_lyapunov(z, classes):
    """``V = ||x - x* - e||^2 + ||e||^2 / s``; undefined at ``delta = 1`` where ``s = 0``."""
    s = classes.compressor.s
    if s == 0 and getattr(z.e, "is_zero", lambda: False)():
        return norm2(z.x - z.e)  # delta = 1 and e = 0 exactly (the start, and C = identity)
    if s == 0:
        raise BadInput("EF's Lyapunov function ||x - x* - e||^2 + ||e||^2/s is undefined at delta = 1 "
                       "(s = 0) unless e = 0: use --measure distance")
    return norm2(z.x - z.e) + norm2(z.e) / s


def error_feedback(eta, n=1) -> Method:
    r"""EF: ``c = C(e + eta g)``, ``x+ = x - c``, ``e+ = e + eta g - c`` with ``g = grad f(x)``.

    Tight rate (Thomsen et al. 2025): ``rho(eta) = max_{h in {mu, L}} ((|b_h| + sqrt(b_h^2 +
    4 s))/2)^2`` with ``b_h = (1 - s) - eta h (1 + s)``. Optimal Lyapunov function:
    ``V = ||x - x* - e||^2 + ||e||^2 / s``; family ``||x - x* - e||^2 + a ||e||^2``.
    ``n > 1``: :func:`distributed_ef`.
    """
    check_step_size(eta)
    if agent_count(n) > 1:
        return distributed_ef(eta, n)

    def step(state, oracle):
        x, e = state
        g = oracle.gradient(x)
        c = oracle.compress(e + eta * g)
        return x - c, e + eta * g - c

    return Method(
        "EF",
        state=("x", "e"),
        step=step,
        start=lambda x0, oracle: (x0, 0 * x0),
        lyapunov=_ef_lyapunov,
        families={
            "paper": (
                ("||x - x* - e||^2", lambda z, classes: norm2(z.x - z.e)),
                ("||e||^2", lambda z, classes: norm2(z.e)),
            )
        },
        parameters={"eta": eta},
    )


def ef21(eta, n=1) -> Method:
    r"""EF21: ``x+ = x - eta d``, ``d+ = d + C(grad f(x+) - d)``.

    Same tight rate as EF at every step size (Thomsen et al. 2025). Optimal Lyapunov function:
    ``V = ||grad f(x) - d||^2 + s ||grad f(x)||^2``; family ``||g - d||^2 + a ||g||^2``. Its
    distance measure is ``||x - x*||^2 + ||d - grad f(x)||^2``. ``n > 1``: :func:`distributed_ef21`.
    """
    check_step_size(eta)
    if agent_count(n) > 1:
        return distributed_ef21(eta, n)

    def step(state, oracle):
        x, d = state
        x_next = x - eta * d
        return x_next, d + oracle.compress(oracle.gradient(x_next) - d)

    return Method(
        "EF21",
        state=("x", "d"),
        step=step,
        start=lambda x0, oracle: (x0, oracle.gradient(x0)),
        lyapunov=lambda z, classes: norm2(z.grad - z.d) + classes.compressor.s * norm2(z.grad),
        distance=lambda z, classes: norm2(z.x) + norm2(z.d - z.grad),
        families={
            "paper": (
                ("||grad f(x) - d||^2", lambda z, classes: norm2(z.grad - z.d)),
                ("||grad f(x)||^2", lambda z, classes: norm2(z.grad)),
            )
        },
        parameters={"eta": eta},
    )


BUILTIN_METHODS: Mapping[str, Callable[..., Method]] = {  # eta (, n agents, ...) -> Method
    "cgd": compressed_gradient_descent,
    "ef": error_feedback,
    "ef21": ef21,
    "diana": diana,
    "ef21-sgdm": ef21_sgdm,
    "econtrol": econtrol,
}


def method_factory(name: str) -> Callable[..., Method]:
    """The built-in method family ``eta -> Method`` called ``name`` (case-insensitive)."""
    try:
        return BUILTIN_METHODS[name.lower()]
    except KeyError:
        raise BadInput(f"unknown method {name!r}; choose one of {', '.join(BUILTIN_METHODS)}") from None
