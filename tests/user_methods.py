"""Methods a user would write, through the public API only (``from pepcert import ...``).

Used by ``test_user_methods.py`` and, as ``--method-from tests/user_methods.py:NAME``,
by the command-line tests.
"""

from pepcert import Method


def gradient_descent(eta):
    """``x+ = x - eta grad f(x)``."""
    def step(state, oracle):
        (x,) = state
        return (x - eta * oracle.gradient(x),)

    return Method("GD", state=("x",), step=step, start=lambda x0, oracle: (x0,), parameters={"eta": eta})


def heavy_ball(eta, beta):
    """Polyak's heavy ball: ``x+ = x - eta grad f(x) + beta (x - x_prev)``."""
    def step(state, oracle):
        x, x_prev = state
        return x - eta * oracle.gradient(x) + beta * (x - x_prev), x

    return Method(
        "HB", state=("x", "x_prev"), step=step,
        optimum=lambda xs, oracle: (xs, xs), start=lambda x0, oracle: (x0, x0),
        parameters={"eta": eta, "beta": beta},
    )


def ef_heavy_ball(eta, beta):
    """Error feedback with heavy-ball momentum: ``c = C(e + eta g)``,
    ``x+ = x - c + beta (x - x_prev)``, ``e+ = e + eta g - c``."""
    def step(state, oracle):
        x, x_prev, e = state
        g = oracle.gradient(x)
        c = oracle.compress(e + eta * g)
        return x - c + beta * (x - x_prev), x, e + eta * g - c

    return Method(
        "EF-HB", state=("x", "x_prev", "e"), step=step,
        optimum=lambda xs, oracle: (xs, xs, 0 * xs), start=lambda x0, oracle: (x0, x0, 0 * x0),
        parameters={"eta": eta, "beta": beta},
    )


def nesterov(eta, beta):
    """Nesterov's accelerated gradient: ``y = x + beta (x - x_prev)``, ``x+ = y - eta grad f(y)``."""
    def step(state, oracle):
        x, x_prev = state
        y = x + beta * (x - x_prev)
        return y - eta * oracle.gradient(y), x

    return Method(
        "NAG", state=("x", "x_prev"), step=step,
        optimum=lambda xs, oracle: (xs, xs), start=lambda x0, oracle: (x0, x0),
        parameters={"eta": eta, "beta": beta},
    )


def scheduled_gradient_descent(eta):
    """Gradient descent with the step ``eta / (k + 1)`` (reads the iteration counter)."""
    def step(state, oracle, k):
        (x,) = state
        return (x - eta / (k + 1) * oracle.gradient(x),)

    return Method("GD-schedule", state=("x",), step=step, start=lambda x0, oracle: (x0,))
