"""A built-in method and its classes from plain values: the one place where the command line
(``pepcert rate``, ``worst-case``, ``certify``) and the sweeps (``pepcert sweep``, every point)
build what they analyse, and check it exactly before any float is formed.

``build_problem(method, mu, L, agents=1, delta=None, omega=None, compressor=None,
random=False, scaled=False)``: ``mu`` and ``L`` are one number (every agent) or one per agent;
exactly one of ``delta`` (contractive), ``omega`` (unbiased) and ``compressor`` (a library
specification, analysed in its class) names the compressor class. Numbers may be text
(``"1/10"``), ints, Fractions or floats (read through their shortest decimal form).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from typing import Any

from pepcert.pep.errors import BadInput
from pepcert.pep.numerics.numbers import parse_rational, show

#: Magnitudes the floating-point analyses (SDP solvers, step search) handle: L within this
#: range, and mu / L either 0 or above its lower end. The rates of the built-in methods depend
#: on mu / L and eta L only, so a problem outside it can be rescaled.
FLOAT_RANGE = (1e-100, 1e100)


@dataclasses.dataclass(frozen=True)
class Problem:
    """What an analysis command is run for (immutable).

    ``factory(eta)`` builds the method with every other parameter bound (``parameters``: the
    number of agents, compressor constants such as DIANA's ``omega``); ``base_factory`` is the
    built-in definition itself (what a certificate names)."""

    method: str
    base_factory: Callable[..., Any]
    parameters: Mapping[str, Any]
    classes: Any  # ProblemClass
    choice: Any  # CompressorChoice
    mu: tuple[Fraction, ...]
    L: tuple[Fraction, ...]

    @property
    def factory(self) -> Callable[..., Any]:
        return functools.partial(self.base_factory, **self.parameters) if self.parameters else self.base_factory

    @property
    def agents(self) -> int:
        return len(self.mu)

    def step(self, eta) -> Fraction | str:
        """``eta`` checked: ``"optimal"`` or a positive rational the float analyses can use."""
        if isinstance(eta, str) and eta.strip().lower() == "optimal":
            return "optimal"
        value = parse_rational(eta, "eta")
        if value <= 0:
            raise BadInput(f"eta must be a positive number or 'optimal', got {eta}")
        if value > 1000 * self.agents / sum(self.L):
            raise BadInput(f"eta = {eta} is far beyond any useful step (at most 1000/L)")
        if value * max(self.L) < FLOAT_RANGE[0]:
            raise BadInput(f"eta L = {show(value * max(self.L))} is below {FLOAT_RANGE[0]:g}: too small for the "
                           "floating-point solvers (the method barely moves; its rate is 1 to double precision)")
        return value


def build_problem(method: str, mu, L, agents: int | str = 1, delta=None, omega=None, compressor=None,
                  random: bool = False, scaled: bool = False, sigma=None, noise: str | None = None,
                  params: Mapping[str, Any] | None = None) -> Problem:
    """The :class:`Problem` of a built-in method (module docstring); :class:`BadInput` names
    the option to change when the values do not make one."""
    from pepcert.pep.algorithms import BUILTIN_METHODS, method_factory
    from pepcert.pep.classes import Distributed
    from pepcert.pep.functions import SmoothStronglyConvex
    from pepcert.pep.library import compressor_choice_from_args
    from pepcert.pep.numerics.numbers import finite_float
    from pepcert.pep.problem import ProblemClass

    n = _agents(agents)
    if not isinstance(method, str) or method.lower() not in BUILTIN_METHODS:
        raise BadInput(f"unknown method {method!r} (choose from {', '.join(sorted(BUILTIN_METHODS))})")
    mus, Ls = _per_agent(mu, "mu", n), _per_agent(L, "L", n)
    choice = compressor_choice_from_args(delta, omega, compressor, random)
    if scaled:
        choice = _scaled(choice)
    functions = tuple(SmoothStronglyConvex(m, l) for m, l in zip(mus, Ls))
    from pepcert.pep.noise import noise_from_args

    classes = ProblemClass(functions[0] if n == 1 else Distributed(functions), choice.compressor_class,
                           noise_from_args(sigma, noise))
    base = method_factory(method.lower())
    parameters = {**class_parameters(base, classes), **method_parameters(base, params or {})}
    for m, l in zip(mus, Ls):
        _check_float_range(m, l)
    for name, value in (choice.compressor_class.numbers() if choice.compressor_class is not None else {}).items():
        if not getattr(value, "free_symbols", None):  # exact irrational constants are checked by sympy
            finite_float(value, name)
    delta_value = choice.compressor_class.numbers().get("delta")
    if delta_value is not None and delta_value < Fraction(1, 10**300):
        raise BadInput(f"delta = {show(delta_value)} underflows in floating point (below 1e-300)")
    return Problem(method.lower(), base, parameters, classes, choice, mus, Ls)


@functools.lru_cache(maxsize=64)
def _signature_parameters(factory) -> Mapping[str, Any]:
    """The factory's parameters (read once per built-in factory: a sweep builds one problem a point)."""
    import inspect

    return inspect.signature(factory).parameters


def class_parameters(factory, classes) -> dict:
    """The numbers a built-in factory takes from the classes, by parameter name: ``n`` (the
    number of agents, when > 1) and any compressor constant it names (DIANA's ``omega``)."""
    parameters = _signature_parameters(factory)
    found = {}
    if "n" in parameters and classes.agents > 1:
        found["n"] = classes.agents
    elif classes.agents > 1:
        raise BadInput("this method is defined for one agent only (drop --agents)")
    numbers = classes.compressor.numbers() if classes.compressor is not None else {}
    for name, parameter in parameters.items():
        if name in ("eta", "n") or parameter.default is not parameter.empty:
            continue
        if name not in numbers:
            raise BadInput(f"this method needs the compressor constant {name} of an unbiased class: give --{name} "
                           f"(or an unbiased --compressor) instead of "
                           f"{'--delta' if 'delta' in numbers else 'this compressor class'}")
        found[name] = numbers[name]
    return found


def method_parameters(factory, given: Mapping[str, Any]) -> dict:
    """The method's own keyword parameters (``--param momentum=0.1``: a momentum, a feedback
    weight), each an exact rational; only names the factory has a default for."""
    parameters = _signature_parameters(factory)
    free = [name for name, p in parameters.items() if name not in ("eta", "n") and p.default is not p.empty]
    found = {}
    for name, value in given.items():
        if name not in free:
            raise BadInput(f"--param {name}: this method has no parameter {name!r}"
                           f" ({'its parameters: ' + ', '.join(free) if free else 'it has none'})")
        found[name] = parse_rational(value, name)
    return found


def parse_params(items) -> dict[str, str]:
    """``["momentum=0.1", ...]`` (repeated ``--param``) as a dict; one clear error otherwise."""
    found: dict[str, str] = {}
    for item in items or ():
        name, equals, value = str(item).partition("=")
        if not equals or not name.strip() or not value.strip():
            raise BadInput(f"--param expects NAME=VALUE, got {item!r}")
        if name.strip() in found:
            raise BadInput(f"--param {name.strip()} given twice")
        found[name.strip()] = value.strip()
    return found


def _agents(value) -> int:
    from pepcert.pep.classes import MAX_AGENTS

    number = parse_rational(value if not isinstance(value, float) else repr(value), "agents")
    if number.denominator != 1 or not 1 <= number <= MAX_AGENTS:
        raise BadInput(f"--agents must be an integer in [1, {MAX_AGENTS}], got {value}")
    return int(number)


def _per_agent(value, name: str, agents: int) -> tuple[Fraction, ...]:
    """One value for every agent, or one per agent (a sequence, or text ``"0.1,0.5"``, where
    ``VALUE*COUNT`` stands for ``COUNT`` agents with that value: ``"1*32,2*32"``)."""
    if isinstance(value, str):
        values = _listed(value, name)
    elif isinstance(value, Sequence):
        values = [parse_rational(item, name) for item in value]
    else:
        values = [parse_rational(value, name)]
    if len(values) == 1:
        return tuple(values) * agents
    if len(values) != agents:
        raise BadInput(f"--{name} has {len(values)} values for {agents} agents (give one value or one per agent)")
    return tuple(values)


def _listed(text: str, name: str) -> list[Fraction]:
    """The values of ``"0.1,0.5"`` or ``"0.1*32,0.5*32"``, at most :data:`MAX_AGENTS` of them."""
    from pepcert.pep.classes import MAX_AGENTS

    values: list[Fraction] = []
    items = text.split(",", MAX_AGENTS)
    for item in items:
        number, star, count = item.partition("*")
        if not number.strip() or (star and not count.strip()):
            raise BadInput(f"--{name}: empty entry in {text!r}")
        repeat = parse_rational(count.strip(), f"{name} count") if star else Fraction(1)
        if repeat.denominator != 1 or repeat < 1:
            raise BadInput(f"--{name}: the count in {item.strip()!r} must be a positive whole number of agents")
        if len(items) > MAX_AGENTS or len(values) + repeat > MAX_AGENTS:
            raise BadInput(f"--{name} lists more than {MAX_AGENTS} values")
        values += [parse_rational(number.strip(), name)] * int(repeat)
    return values


def _scaled(choice):
    """``C/(1 + omega)`` of an unbiased class: :func:`compose_classes` (identity, then the
    unbiased compressor, rescaled) gives contractive in expectation, ``delta = 1/(1 + omega)``."""
    from pepcert.pep.compressors import Contractive, Unbiased
    from pepcert.pep.library.compose import compose_classes

    if not isinstance(choice.compressor_class, Unbiased):
        raise BadInput("--scaled applies to an unbiased class (--omega or an unbiased --compressor)")
    return dataclasses.replace(choice, compressor_class=compose_classes(Contractive(1), choice.compressor_class),
                               spec=None if choice.spec is None else f"{choice.spec} scaled by 1/(1 + omega)")


def _check_float_range(mu, L) -> None:
    """Refuse (exactly, before any float is formed) magnitudes that floats would corrupt:
    ``L = 2e-310`` is subnormal and ``1/L`` overflows; the analysis would see nonsense."""
    low, high = (parse_rational(repr(bound), "bound") for bound in FLOAT_RANGE)
    if not low <= L <= high:
        raise BadInput(f"L = {show(L)} is outside [{FLOAT_RANGE[0]:g}, {FLOAT_RANGE[1]:g}], the range of the "
                       "floating-point analyses; rescale the problem (rates depend on mu/L and eta L only)")
    if mu != 0 and abs(mu) / L < low:
        raise BadInput(f"|mu| / L = {show(abs(mu) / L)} is below {FLOAT_RANGE[0]:g}: indistinguishable from mu = 0 in "
                       "floating point; use --mu 0")
