"""The workloads ``pepcert bench`` times, as data (Thomsen, Taylor & Dieuleveut 2025's methods
and settings), so that the benchmark code names no method itself."""

RATE_METHODS = ("ef", "ef21", "cgd")  # one tight rate at each of RATE_STEPS
RATE_STEPS = (0.05, 0.2, 0.6)
WORST_CASE_METHOD = "ef"  # the N-step worst case against PEPit (tests/pepit_models.py: pepit_ef)
THROUGHPUT_METHODS = ("cgd", "ef", "ef21")  # the Fig. 1 grid


def label(names) -> str:
    """``"EF, EF21, CGD"`` for display."""
    return ", ".join(name.upper() for name in names)


# Methods written as a user writes them (the public Method type only): the tight-rate figure of
# ``pepcert bench`` is a median over these too (issue 21), at USER_STEPS with momentum MOMENTUM.
MOMENTUM = 0.3
USER_STEPS = (0.2, 0.6)


def heavy_ball(eta, beta):
    """Polyak's heavy ball: ``x+ = x - eta grad f(x) + beta (x - x_prev)``."""
    from pepcert.pep.methods import Method

    def step(state, oracle):
        x, x_prev = state
        return x - eta * oracle.gradient(x) + beta * (x - x_prev), x

    return Method("HB", state=("x", "x_prev"), step=step, optimum=lambda xs, oracle: (xs, xs),
                  start=lambda x0, oracle: (x0, x0), parameters={"eta": eta, "beta": beta})


def ef_momentum(eta, beta):
    """Error feedback with heavy-ball momentum: ``c = C(e + eta g)``, ``x+ = x - c + beta (x - x_prev)``,
    ``e+ = e + eta g - c``."""
    from pepcert.pep.methods import Method

    def step(state, oracle):
        x, x_prev, e = state
        g = oracle.gradient(x)
        c = oracle.compress(e + eta * g)
        return x - c + beta * (x - x_prev), x, e + eta * g - c

    return Method("EF-HB", state=("x", "x_prev", "e"), step=step, optimum=lambda xs, oracle: (xs, xs, 0 * xs),
                  start=lambda x0, oracle: (x0, x0, 0 * x0), parameters={"eta": eta, "beta": beta})


USER_METHODS = ((heavy_ball, False), (ef_momentum, True))  # (factory, takes a compressor)
