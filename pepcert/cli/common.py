"""Helpers shared by the subcommands: common options, JSON output, parameter parsing."""

from __future__ import annotations

import argparse
from fractions import Fraction

from pepcert.cli.output import add_output_options, emit_json, emit_latex, progress_bar  # noqa: F401 (re-exported)
from pepcert.pep.numerics.numbers import parse_rational, show


def rational_arg(name: str):
    """argparse ``type=`` that parses an exact rational; errors become one usage line."""

    def parse(text: str) -> Fraction:
        from pepcert.pep.errors import BadInput

        try:
            return parse_rational(text, name)
        except BadInput as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    parse.__name__ = name
    return parse


def class_numbers(classes) -> dict:
    """The classes' numbers as floats at the top level of a JSON payload (``mu``, ``L``,
    ``delta`` / ``omega``), as the command-line contract lists them."""
    numbers = dict(classes.function.numbers())
    if classes.compressor is not None:
        numbers.update(classes.compressor.numbers())
    return {name: float(value) for name, value in numbers.items()}


# -- the problem every analysis command shares ----------------------------------------------


class LazyChoices:
    """argparse ``choices`` read from ``module.attribute`` on first use: building the parser
    (``pepcert --version``) must not import the method definitions (numpy)."""

    def __init__(self, module: str, attribute: str):
        self.module, self.attribute = module, attribute

    def _names(self) -> list[str]:
        import importlib

        return sorted(getattr(importlib.import_module(self.module), self.attribute))

    def __iter__(self):
        return iter(self._names())

    def __contains__(self, name) -> bool:
        return name in self._names()


def add_problem_options(parser: argparse.ArgumentParser, eta: bool = True, nstep: bool = False) -> None:
    group = parser.add_argument_group("problem")
    group.add_argument("--method", required=True, type=str.lower, choices=LazyChoices("pepcert.pep.algorithms", "BUILTIN_METHODS"),
                       help="the method to analyse")
    group.add_argument("--mu", required=True, help="strong convexity, 0 <= mu < L (with --agents: one value or a comma list)")
    group.add_argument("--L", required=True, help="smoothness constant, L > 0 (with --agents: one value or a comma list)")
    group.add_argument("--agents", default="1", help="number of agents n (f = (1/n) sum f_i, independent compressors)")
    group.add_argument("--delta", default=None,
                       help="contractive class: ||C(v) - v||^2 <= (1 - delta)||v||^2, 0 < delta <= 1")
    group.add_argument("--omega", default=None,
                       help="unbiased class: E C(v) = v, E||C(v)||^2 <= (1 + omega)||v||^2, omega >= 0")
    group.add_argument("--compressor", default=None, metavar="SPEC",
                       help="a library compressor, e.g. top-k:k=3,d=10 (see 'pepcert compressors'); analysed in its class")
    group.add_argument("--random", action="store_true",
                       help="with --delta: the compressor is random and contractive only in expectation")
    group.add_argument("--scaled", action="store_true",
                       help="send C(v)/(1 + omega) for an unbiased class: contractive in expectation with "
                       "delta = 1/(1 + omega) (the composition rule of docs/compressors.md, identity first); "
                       "how error-feedback methods use an unbiased compressor")
    if eta:
        group.add_argument("--eta", default="optimal",
                           help="step size (a positive number) or 'optimal' (default: optimal)")
    group.add_argument("--budget-seconds", type=float, default=None, metavar="S",
                       help="refuse an analysis estimated to take longer than S seconds here (default 120)")
    group.add_argument("--budget-memory", type=float, default=None, metavar="GB",
                       help="refuse an analysis estimated to need more than GB gigabytes (default 2)")
    if nstep:
        parser.add_argument("--solver", choices=("clarabel", "scs", "mosek", "lowrank"), default=None,
                            help="SDP back-end (default: MOSEK when licensed, else the low-rank method from 8 steps "
                            "on where it applies and Clarabel otherwise; docs/worst-case.md)")
    else:
        parser.add_argument("--solver", choices=("clarabel", "scs", "mosek"), default=None,
                            help="SDP back-end (default: MOSEK when licensed, else Clarabel)")


class time_limit:
    """Give up with one line (``BadInput``, exit 2) after ``seconds`` of work: the backstop that
    keeps an untrusted input from holding the command (the CLI's main thread only; exact
    arithmetic is bounded per operation by the input's digit limits, so the alarm is seen)."""

    def __init__(self, seconds: float, what: str):
        self.seconds, self.what = seconds, what

    def _expired(self, signum, frame):
        from pepcert.pep.errors import BadInput

        raise BadInput(f"{self.what} took more than {self.seconds:g} s; gave up (raise the limit with --max-seconds)")

    def __enter__(self):
        import signal
        import threading

        self._active = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
        if self._active:
            self._previous = signal.signal(signal.SIGALRM, self._expired)
            signal.setitimer(signal.ITIMER_REAL, self.seconds)
        return self

    def __exit__(self, *exc):
        import signal

        if self._active:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self._previous)
        return False


def budget_from_args(args):
    """The work budget of ``--budget-seconds`` / ``--budget-memory`` (defaults otherwise)."""
    import math

    from pepcert.pep.budget import DEFAULT_BYTES, DEFAULT_SECONDS, Budget
    from pepcert.pep.errors import BadInput

    seconds = DEFAULT_SECONDS if getattr(args, "budget_seconds", None) is None else args.budget_seconds
    memory = DEFAULT_BYTES / 1024**3 if getattr(args, "budget_memory", None) is None else args.budget_memory
    if not (math.isfinite(seconds) and seconds > 0 and math.isfinite(memory) and 0 < memory <= 1e6):
        raise BadInput("--budget-seconds and --budget-memory must be positive finite numbers")
    return Budget(seconds, int(memory * 1024**3))


def _per_agent(text: str, name: str, agents: int) -> list[Fraction]:
    from pepcert.pep.errors import BadInput

    items = [item for item in str(text).split(",")]
    if any(not item.strip() for item in items):
        raise BadInput(f"--{name}: empty entry in {text!r}")
    values = [parse_rational(item.strip(), name) for item in items]
    if len(values) == 1:
        return values * agents
    if len(values) != agents:
        raise BadInput(f"--{name} has {len(values)} values for {agents} agents (give one value or one per agent)")
    return values


def _agents(text: str) -> int:
    from pepcert.pep.errors import BadInput
    from pepcert.pep.classes import MAX_AGENTS

    value = parse_rational(text, "agents")
    if value.denominator != 1 or not 1 <= value <= MAX_AGENTS:
        raise BadInput(f"--agents must be an integer in [1, {MAX_AGENTS}], got {text}")
    return int(value)


def _scaled(choice):
    """``C/(1 + omega)`` of an unbiased class: :func:`compose_classes` (identity, then the
    unbiased compressor, rescaled) gives contractive in expectation, ``delta = 1/(1 + omega)``."""
    import dataclasses

    from pepcert.pep.compressors import Contractive, Unbiased
    from pepcert.pep.errors import BadInput
    from pepcert.pep.library.compose import compose_classes

    if not isinstance(choice.compressor_class, Unbiased):
        raise BadInput("--scaled applies to an unbiased class (--omega or an unbiased --compressor)")
    return dataclasses.replace(choice, compressor_class=compose_classes(Contractive(1), choice.compressor_class),
                               spec=None if choice.spec is None else f"{choice.spec} scaled by 1/(1 + omega)")


def class_parameters(factory, classes) -> dict:
    """The numbers a built-in factory takes from the classes, by parameter name: ``n`` (the
    number of agents, when > 1) and any compressor constant it names (DIANA's ``omega``)."""
    import inspect

    from pepcert.pep.errors import BadInput

    parameters = inspect.signature(factory).parameters
    found = {}
    if "n" in parameters and classes.agents > 1:
        found["n"] = classes.agents
    elif classes.agents > 1:
        raise BadInput("this method is defined for one agent only")
    numbers = classes.compressor.numbers() if classes.compressor is not None else {}
    for name, parameter in parameters.items():
        if name in ("eta", "n") or parameter.default is not parameter.empty:
            continue
        if name not in numbers:
            raise BadInput(f"this method needs the compressor constant {name} (give a compressor class that has it, "
                           f"e.g. --omega for an unbiased one)")
        found[name] = numbers[name]
    return found


def problem_from_args(args):
    """``(factory, classes, eta)``: ``eta`` is a Fraction or the string ``"optimal"``.

    Also sets ``args.choice`` (the compressor choice), ``args.base_factory`` and
    ``args.factory_parameters`` (what ``factory`` binds: the number of agents, class constants).
    """
    import functools

    from pepcert.pep.classes import Distributed
    from pepcert.pep.functions import SmoothStronglyConvex
    from pepcert.pep.algorithms import method_factory
    from pepcert.pep.library import compressor_choice_from_args
    from pepcert.pep.problem import ProblemClass
    from pepcert.pep.errors import BadInput

    agents = _agents(args.agents)
    mus, Ls = _per_agent(args.mu, "mu", agents), _per_agent(args.L, "L", agents)
    choice = compressor_choice_from_args(args.delta, args.omega, args.compressor, args.random)
    if getattr(args, "scaled", False):
        choice = _scaled(choice)
    functions = tuple(SmoothStronglyConvex(m, l) for m, l in zip(mus, Ls))
    function = functions[0] if agents == 1 else Distributed(functions)
    classes = ProblemClass(function, choice.compressor_class)
    base = method_factory(args.method)
    parameters = class_parameters(base, classes)
    factory = functools.partial(base, **parameters) if parameters else base
    args.choice, args.base_factory, args.factory_parameters = choice, base, parameters
    args.mu_values, args.L_values = mus, Ls
    for m, l in zip(mus, Ls):
        _check_float_range(m, l)
    from pepcert.pep.numerics.numbers import finite_float

    for name, value in (choice.compressor_class.numbers() if choice.compressor_class is not None else {}).items():
        if not getattr(value, "free_symbols", None):  # exact irrational constants are checked by sympy
            finite_float(value, name)
    delta = choice.compressor_class.numbers().get("delta")
    if delta is not None and delta < Fraction(1, 10**300):
        raise BadInput(f"delta = {show(delta)} underflows in floating point (below 1e-300)")
    eta = getattr(args, "eta", "optimal")
    if isinstance(eta, str) and eta.strip().lower() == "optimal":
        eta = "optimal"
    else:
        eta = parse_rational(eta, "eta")
        if eta <= 0:
            raise BadInput(f"eta must be a positive number or 'optimal', got {args.eta}")
        if eta > 1000 * agents / sum(Ls):
            raise BadInput(f"eta = {args.eta} is far beyond any useful step (at most 1000/L)")
        if eta * max(Ls) < FLOAT_RANGE[0]:
            raise BadInput(f"eta L = {show(eta * max(Ls))} is below {FLOAT_RANGE[0]:g}: too small for the "
                           "floating-point solvers (the method barely moves; its rate is 1 to double precision)")
    return factory, classes, eta


#: Magnitudes the floating-point analyses (SDP solvers, step search) handle: L within this
#: range, and mu / L either 0 or above its lower end. The rates of the built-in methods depend
#: on mu / L and eta L only, so a problem outside it can be rescaled.
FLOAT_RANGE = (1e-100, 1e100)


def _check_float_range(mu, L) -> None:
    """Refuse (exactly, before any float is formed) magnitudes that floats would corrupt:
    ``L = 2e-310`` is subnormal and ``1/L`` overflows; the analysis would see nonsense."""
    from pepcert.pep.errors import BadInput

    low, high = (parse_rational(repr(bound), "bound") for bound in FLOAT_RANGE)
    if not low <= L <= high:
        raise BadInput(f"L = {show(L)} is outside [{FLOAT_RANGE[0]:g}, {FLOAT_RANGE[1]:g}], the range of the "
                       "floating-point analyses; rescale the problem (rates depend on mu/L and eta L only)")
    if mu != 0 and mu / L < low:
        raise BadInput(f"mu / L = {show(mu / L)} is below {FLOAT_RANGE[0]:g}: indistinguishable from mu = 0 in "
                       "floating point; use --mu 0")


def problem_payload(args) -> dict:
    """The JSON keys describing the problem: constants (one per agent with --agents) and the
    compressor (its class and constant; the rate holds for every compressor of the class)."""
    single = len(args.mu_values) == 1
    choice = args.choice
    numbers = choice.compressor_class.numbers() if choice.compressor_class is not None else {}
    return {
        "agents": len(args.mu_values),
        "mu": float(args.mu_values[0]) if single else [float(v) for v in args.mu_values],
        "L": float(args.L_values[0]) if single else [float(v) for v in args.L_values],
        "delta": _float_or_none(numbers.get("delta")),
        "omega": _float_or_none(numbers.get("omega")),
        "compressor": {**choice.to_dict(), "statement": choice.describe(),
                       "holds_for": "every compressor of this class"},
    }


def _float_or_none(value):
    return None if value is None else float(value)


PLOT_FORMATS = (".png", ".pdf", ".svg")


def plot_problem(args) -> tuple[float, float, float] | None:
    """``(mu, L, delta)`` for ``--plot`` (checked before any work), or None without ``--plot``.

    The plots redraw the rate of a built-in method over a range of steps from one agent's
    constants and a contractive class; other problems are refused in one line.
    """
    from pathlib import Path as _Path

    from pepcert.pep.errors import BadInput

    if not getattr(args, "plot", None):
        return None
    if _Path(args.plot).suffix.lower() not in PLOT_FORMATS:
        raise BadInput(f"--plot {args.plot!r}: the file name must end in {', '.join(PLOT_FORMATS)}")
    compressor = args.choice.compressor_class
    if len(args.mu_values) != 1 or len(args.L_values) != 1 or "delta" not in compressor.numbers():
        raise BadInput("--plot draws one agent with a contractive compressor (--delta or a contractive "
                       "--compressor); drop --plot for --agents, --omega or unbiased compressors")
    return float(args.mu_values[0]), float(args.L_values[0]), float(compressor.numbers()["delta"])
