"""Helpers shared by the subcommands: common options, JSON output, parameter parsing."""

from __future__ import annotations

import argparse
from fractions import Fraction
from typing import Any

from pepcert.cli.output import add_output_options, emit_json, emit_latex, progress_bar  # noqa: F401 (re-exported)
from pepcert.pep.numerics.numbers import parse_rational


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


def add_problem_options(parser: argparse.ArgumentParser, eta: bool = True, nstep: bool = False,
                        grid: bool = False) -> None:
    """The options that state a problem, for ``rate``, ``worst-case``, ``certify`` and (``grid``:
    each option a grid of values) ``sweep``: one definition, so every option reaches all four."""
    group = parser.add_argument_group("problem" + (" (each option a grid: 0.1 | 0.1,0.5 | a:b:n | a:b:n:log)"
                                                   if grid else ""))
    method: dict[str, Any] = (
        {"required": True, "type": str.lower, "choices": LazyChoices("pepcert.pep.algorithms", "BUILTIN_METHODS")}
        if not grid else {"help": "built-in methods, comma-separated (as for pepcert rate)"})
    group.add_argument("--method", **{"help": "the method to analyse", **method})
    per_agent = ("; with --agents: one value for every agent, or '[0.1,0.5]' for one per agent" if grid else
                 " (with --agents: one value or a comma list; VALUE*COUNT for COUNT agents)")
    group.add_argument("--mu", required=not grid, help="lower curvature bound, -L <= mu <= L: strongly convex (mu > 0), "
                       "convex (0), hypoconvex (mu < 0), nonconvex (-L), quadratic (L)" + per_agent)
    group.add_argument("--L", required=not grid, help="smoothness constant, L > 0" + per_agent)
    group.add_argument("--agents", default=None if grid else "1",
                       help="number of agents n (f = (1/n) sum f_i, independent compressors)")
    group.add_argument("--delta", default=None,
                       help="contractive class: ||C(v) - v||^2 <= (1 - delta)||v||^2, 0 < delta <= 1")
    group.add_argument("--omega", default=None,
                       help="unbiased class: E C(v) = v, E||C(v)||^2 <= (1 + omega)||v||^2, omega >= 0")
    group.add_argument("--compressor", default=None, metavar="SPEC",
                       help="a library compressor, e.g. top-k:k=3,d=10 (see 'pepcert compressors'); "
                       "analysed in its class"
                       + ("; several specifications separated by ';'" if grid else ""))
    group.add_argument("--random", action="store_true",
                       help="with --delta: the compressor is random and contractive only in expectation")
    group.add_argument("--scaled", action="store_true",
                       help="send C(v)/(1 + omega) for an unbiased class: contractive in expectation with "
                       "delta = 1/(1 + omega) (the composition rule of docs/compressors.md, identity first); "
                       "how error-feedback methods use an unbiased compressor")
    group.add_argument("--sigma", default=None, metavar="S",
                       help="stochastic gradients: unbiased noise with E||xi||^2 <= S^2 (docs/noise.md)")
    group.add_argument("--noise", default=None, metavar="MODEL",
                       help="with --sigma: 'bounded' (default) or 'state:B=b' (E||xi||^2 <= S^2 + b ||grad f(x)||^2)")
    group.add_argument("--param", action="append", default=None, metavar="NAME=VALUE",
                       help="a parameter of the method besides its step (repeatable), e.g. momentum=0.1; "
                       "an unknown name lists the method's parameters" + ("; the same at every point" if grid else ""))
    if eta:
        group.add_argument("--eta", default=None if grid else "optimal",
                           help="step size (a positive number) or 'optimal' (default: optimal)")
    if not grid:
        group.add_argument("--verify-precision", action="store_true",
                           help="also re-solve with SDPA-GMP at 200 bits (needs pepcert[verify]) and report the difference")
    group.add_argument("--budget-seconds", type=float, default=None, metavar="S",
                       help="refuse an analysis estimated to take longer than S seconds here (default 120)")
    group.add_argument("--budget-memory", type=float, default=None, metavar="GB",
                       help="refuse an analysis estimated to need more than GB gigabytes (default 2)")
    if nstep:
        parser.add_argument("--solver", choices=("clarabel", "scs", "mosek", "lowrank"), default=None,
                            help="SDP back-end (default: MOSEK when licensed, else the low-rank method from 8 steps "
                            "on where it applies and Clarabel otherwise, a loose Clarabel answer sought again by the "
                            "low-rank method; docs/worst-case.md)"
                            + ("; lowrank solves N-step worst cases only" if grid else ""))
    else:
        parser.add_argument("--solver", choices=("clarabel", "scs", "mosek"), default=None,
                            help="SDP back-end (default: MOSEK when licensed, else Clarabel)")


def add_family_option(parser: argparse.ArgumentParser, grid: bool = False) -> None:
    """``--family`` of ``rate`` and ``certify`` (and ``sweep``)."""
    parser.add_argument("--family", default=None if grid else "full",
                        help="Lyapunov family: 'full' (every quadratic form, the default) or one of the method's "
                        "structured families ('paper', ...)")


def add_rho_option(parser, grid: bool = False) -> None:
    """``--rho`` of ``certify --sigma`` (and ``sweep --analysis certify``): the rate of the noise pair."""
    parser.add_argument("--rho", default=None, metavar="R",
                        help="with --sigma: the rate of the noise pair (rho, C) to certify, a rational in [0, 1) "
                        "(default: just above the exact-gradient rate; docs/certificates.md, 'Noise pairs')"
                        + ("; a grid of values" if grid else ""))


def add_nstep_options(parser: argparse.ArgumentParser, grid: bool = False) -> None:
    """``--iterations``, ``--measure`` and ``--start`` of ``worst-case`` (and ``sweep``)."""
    parser.add_argument("--iterations", "-N", required=not grid, type=str if grid else int,
                        help="number of steps N >= 1")
    parser.add_argument("--measure", default=None if grid else "lyapunov",
                        choices=None if grid else LazyChoices("pepcert.pep.methods", "MEASURES"),
                        help="what to bound after N steps: lyapunov (default), distance, function, gradient; "
                        "min-gradient and min-function are the smallest value over x_0..x_N")
    parser.add_argument("--initial", default=None, choices=None if grid else LazyChoices("pepcert.pep.methods", "INITIALS"),
                        help="the quantity bounded by 1 at the start: distance, function, lyapunov or gradient "
                        "(default: the measure itself; function for gradient and min-gradient, distance for min-function)")
    parser.add_argument("--start", default=None if grid else "auto",
                        choices=None if grid else ("auto", "declared", "free"),
                        help="free: every state variable free; declared: the method's own start from x0 "
                        "(Method(start=...)); auto (default): declared when the initial condition is function or "
                        "gradient")


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


def problem_from_args(args):
    """``(factory, classes, eta)``: ``eta`` is a Fraction or the string ``"optimal"``
    (:func:`pepcert.analyses.problems.build_problem`, the builder the sweeps use too).

    Also sets ``args.choice`` (the compressor choice), ``args.base_factory`` and
    ``args.factory_parameters`` (what ``factory`` binds: the number of agents, class constants).
    """
    from pepcert.analyses.problems import build_problem, parse_params

    problem = build_problem(args.method, args.mu, args.L, args.agents, args.delta, args.omega, args.compressor,
                            args.random, getattr(args, "scaled", False), getattr(args, "sigma", None),
                            getattr(args, "noise", None), parse_params(getattr(args, "param", None)))
    args.choice, args.base_factory, args.factory_parameters = problem.choice, problem.base_factory, problem.parameters
    args.mu_values, args.L_values = list(problem.mu), list(problem.L)
    return problem.factory, problem.classes, problem.step(getattr(args, "eta", "optimal"))


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
