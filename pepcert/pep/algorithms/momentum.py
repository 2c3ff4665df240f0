r"""Error feedback for stochastic gradients: EF21-SGDM and EControl, written once for n agents.

Both are ordinary :class:`~pepcert.pep.methods.Method` s (``n = 1`` is one agent); with a noise
class (:mod:`pepcert.pep.noise`) every ``oracle.gradient`` call in their step returns a fresh
stochastic gradient ``grad f_i(x) + xi_i``, without one the exact gradient. Their start uses
exact gradients (a large first batch, as in the papers' analyses of the transient).

* **EF21-SGDM** (Fatkhullin, Tyurin & Richtarik, *Momentum provably improves error feedback!*,
  NeurIPS 2023, Algorithm 2): momentum on the gradient estimator before it is compressed,

  .. math:: x^+ = x - \eta \tfrac1n\textstyle\sum_i d_i,\quad
            v_i^+ = (1 - \nu) v_i + \nu\, g_i(x^+),\quad
            d_i^+ = d_i + \mathcal C_i(v_i^+ - d_i),

  ``nu`` (the paper's ``eta``) in ``(0, 1]``; ``nu = 1`` is EF21 with stochastic gradients
  (EF21-SGD). Start ``v_i = d_i = grad f_i(x_0)``; optimum ``v_i = d_i = grad f_i(x*)``.
* **EControl** (Gao, Islamov & Stich, *EControl: fast distributed optimization with
  compression and error control*, ICLR 2024, Algorithm 1): the error ``e_i`` is fed back with
  strength ``eta_e`` (the paper's ``eta``) into a compressed correction of the shift ``h_i``,

  .. math:: c_i = \mathcal C_i(\eta_e e_i + g_i - h_i),\quad
            x^+ = x - \eta \tfrac1n\textstyle\sum_i (h_i + c_i),\quad
            e_i^+ = e_i + g_i - h_i - c_i,\quad h_i^+ = h_i + c_i,

  with ``g_i`` the (stochastic) gradient at ``x`` and the step ``eta`` (the paper's
  ``gamma``). Start ``e_i = 0``, ``h_i = grad f_i(x_0)``; optimum ``e_i = 0``,
  ``h_i = grad f_i(x*)``. With ``eta_e = 0`` the ``h`` recursion is EF21's with the
  compression before the step.
"""

from __future__ import annotations

from fractions import Fraction

from pepcert.pep.algorithms.agents import _check_agents, _mean, agent_count
from pepcert.pep.methods import Method
from pepcert.pep.numerics.numbers import exact_number, is_symbolic, require, show


def _check_weight(value, name: str, low_open: bool) -> None:
    """``value`` in ``(0, 1]`` (``low_open``) or ``[0, inf)``, compared exactly."""
    number = exact_number(value, name)
    if is_symbolic(number):
        return
    if low_open:
        require(0 < number <= 1, lambda: f"{name} must be in (0, 1], got {show(value)}")
    else:
        require(number >= 0, lambda: f"{name} must be nonnegative, got {show(value)}")


def _per_agent_calls(n: int):
    """``gradient(oracle, x, i)`` and ``compress(oracle, v, i)``: agent ``None`` for one agent."""

    def gradient(oracle, x, i):
        return oracle.gradient(x) if n == 1 else oracle.gradient(x, agent=i)

    def compress(oracle, v, i):
        return oracle.compress(v) if n == 1 else oracle.compress(v, agent=i)

    return gradient, compress


def _names(letter: str, n: int) -> tuple[str, ...]:
    return (letter,) if n == 1 else tuple(f"{letter}{i + 1}" for i in range(n))


def _label(name: str, n: int) -> str:
    return name if n == 1 else f"{name}[{n} agents]"


def ef21_sgdm(eta, n=1, momentum=Fraction(1, 2)) -> Method:
    """EF21-SGDM with step ``eta`` and momentum ``nu = momentum`` (module docstring)."""
    from pepcert.pep.algorithms.compressed import check_step_size

    check_step_size(eta)
    _check_weight(momentum, "momentum", low_open=True)
    n = agent_count(n)
    vs, ds = _names("v", n), _names("d", n)
    gradient, compress = _per_agent_calls(n)

    def step(state, oracle):
        _check_agents(oracle, n, "EF21-SGDM")
        x, v, d = state[0], state[1:1 + n], state[1 + n:]
        x_next = x - eta * _mean(list(d))
        v_next = [(1 - momentum) * v[i] + momentum * gradient(oracle, x_next, i) for i in range(n)]
        return (x_next, *v_next, *(d[i] + compress(oracle, v_next[i] - d[i], i) for i in range(n)))

    def at(x, oracle):
        grads = tuple(gradient(oracle, x, i) for i in range(n))
        return (x, *grads, *grads)

    def optimum(xstar, oracle):
        _check_agents(oracle, n, "EF21-SGDM")
        return at(xstar, oracle)

    return Method(
        _label("EF21-SGDM", n), state=("x", *vs, *ds), step=step, optimum=optimum, start=at,
        parameters={"eta": eta, "momentum": momentum, **({"n": n} if n > 1 else {})},
    )


def econtrol(eta, n=1, eta_e=0) -> Method:
    """EControl with step ``eta`` (the paper's gamma) and feedback ``eta_e`` (module docstring).

    With ``eta_e = 0`` exactly the error never feeds back: ``e`` does not influence ``x`` or
    ``h`` and does not converge (it sums the compression residuals), so the method is built
    without it, state ``(x, h)``."""
    from pepcert.pep.algorithms.compressed import check_step_size

    check_step_size(eta)
    _check_weight(eta_e, "eta_e", low_open=False)
    n = agent_count(n)
    number = exact_number(eta_e, "eta_e")
    feedback = is_symbolic(number) or number != 0
    es, hs = (_names("e", n) if feedback else ()), _names("h", n)
    gradient, compress = _per_agent_calls(n)

    def step(state, oracle):
        _check_agents(oracle, n, "EControl")
        x, e, h = state[0], state[1:1 + len(es)], state[1 + len(es):]
        g = [gradient(oracle, x, i) for i in range(n)]
        c = [compress(oracle, (eta_e * e[i] if feedback else 0 * x) + g[i] - h[i], i) for i in range(n)]
        x_next = x - eta * _mean([h[i] + c[i] for i in range(n)])
        errors = (e[i] + g[i] - h[i] - c[i] for i in range(n)) if feedback else ()
        return (x_next, *errors, *(h[i] + c[i] for i in range(n)))

    def at(x, oracle):
        _check_agents(oracle, n, "EControl")
        return (x, *(0 * x for _ in es), *(gradient(oracle, x, i) for i in range(n)))

    return Method(
        _label("EControl", n), state=("x", *es, *hs), step=step, optimum=at, start=at,
        parameters={"eta": eta, "eta_e": eta_e, **({"n": n} if n > 1 else {})},
    )
