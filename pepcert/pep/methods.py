"""Methods as data: a state and a step with oracle calls, written once for every analysis.

A :class:`Method` is a state-space description (the AutoLyap / IQC view of an algorithm): the
names of its state variables, a ``step(state, oracle) -> new state`` that uses only ``+``,
``-``, multiplication by numbers and the oracle (``gradient``, ``value``, ``compress``), and
what its state is at the optimum. The *same* step runs

* on symbolic :class:`~pepcert.pep.expressions.Vector` s (worst-case problems, Lyapunov
  searches), in floats, exact rationals or sympy symbols;
* on numpy arrays with a concrete function and compressor (:mod:`pepcert.pep.simulate`);
* on exact one-dimensional instances (:mod:`pepcert.lowerbounds`).

No analysis branches on a method's name: what an analysis needs to know about a method (its
paper Lyapunov function, its distance measure, its structured Lyapunov families) is carried by
the method itself. Defining a new method is therefore the same few lines as the built-ins::

    def heavy_ball(eta, beta):
        def step(state, oracle):
            x, x_prev = state
            return x - eta * oracle.gradient(x) + beta * (x - x_prev), x
        return Method("HB", state=("x", "x_prev"), step=step,
                      optimum=lambda xstar, oracle: (xstar, xstar))

Conventions: the first state variable is the iterate ``x`` at which ``f`` is measured; a step
may take a third argument, the iteration counter ``k = 0, 1, ...`` (for step schedules).
"""

from __future__ import annotations

import inspect
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pepcert.pep.errors import BadInput
from pepcert.pep.expressions import Scalar, Vector, norm2

RESERVED_FEATURES = ("grad", "gap", "grads")
BASE_MEASURES = ("lyapunov", "distance", "function", "gradient")
MEASURES = BASE_MEASURES + ("min-gradient", "min-function")
INITIALS = BASE_MEASURES
# The initial condition a measure is bounded by when none is named: its own quantity, except
# the gradient norms (bounded from f(x0) - f* <= 1, the nonconvex convention) and the best
# gap (from ||x0 - x*||^2 <= 1, the subgradient convention).
DEFAULT_INITIAL = {"lyapunov": "lyapunov", "distance": "distance", "function": "function",
                   "gradient": "function", "min-gradient": "function", "min-function": "distance"}


QUANTITY_TEXT = {"lyapunov": "V(x)", "distance": "||x - x*||^2 (+ the state's)", "function": "f(x) - f*",
                 "gradient": "||grad f(x)||^2"}


def describe_measure(name: str, iterations: int | str = "N") -> str:
    """``"f(x_N) - f*"``, ``"min over k <= N of ||grad f(x_k)||^2"``, ... (a named measure)."""
    quantity, aggregate = split_measure(name)
    text = QUANTITY_TEXT.get(quantity, quantity)
    if aggregate == "min":
        return f"min over k <= {iterations} of {text.replace('(x)', '(x_k)').replace('x -', 'x_k -')}"
    return text.replace("(x)", f"(x_{iterations})").replace("x -", f"x_{iterations} -")


def split_measure(name: str) -> tuple[str, str]:
    """``(quantity, aggregate)`` of a measure name: ``"min-gradient"`` is ``("gradient", "min")``
    (the smallest value over ``x_0, ..., x_N``), the others ``(name, "last")`` (at ``x_N``)."""
    if name.startswith("min-") and name in MEASURES:
        return name[4:], "min"
    return name, "last"


class Features:
    """What a Lyapunov function or a measure may read at one point of a trajectory.

    * ``z.<state name>``: that state variable shifted by its value at the optimum
      (``z.x`` is ``x - x*``, ``z.e`` is ``e - e*``);
    * ``z.grad``: ``grad f(x)`` at the iterate; ``z.gap``: ``f(x) - f*``;
    * ``z.grads``: with n agents, the tuple of ``grad f_i(x) - grad f_i(x*)`` (agent ``i``'s
      gradient shifted by its value at the optimum; ``(z.grad,)`` for one agent).

    ``grad`` and ``gap`` are computed on first use, so a measure that does not need them does
    not add oracle calls to a worst-case problem.
    """

    __slots__ = ("_shifted", "_gradient", "_gap", "_gradients", "_cache")

    def __init__(self, shifted: Mapping[str, Any], gradient: Callable[[], Any], gap: Callable[[], Any],
                 gradients: Callable[[], tuple] | None = None):
        self._shifted = dict(shifted)
        self._gradient = gradient
        self._gap = gap
        self._gradients = gradients
        self._cache: dict[str, Any] = {}

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        if name == "grad":
            if "grad" not in self._cache:
                self._cache["grad"] = self._gradient()
            return self._cache["grad"]
        if name == "gap":
            if "gap" not in self._cache:
                self._cache["gap"] = self._gap()
            return self._cache["gap"]
        if name == "grads":
            if "grads" not in self._cache:
                self._cache["grads"] = self._gradients() if self._gradients is not None else (self.grad,)
            return self._cache["grads"]
        try:
            return self._shifted[name]
        except KeyError:
            raise AttributeError(f"no state variable named {name!r}") from None

    @property
    def state_names(self) -> tuple[str, ...]:
        return tuple(self._shifted)


def _default_distance(z: Features, classes) -> Any:
    """``sum_i ||state_i - state_i*||^2``."""
    return sum(norm2(getattr(z, name)) for name in z.state_names)


def _zero_optimum(xstar, oracle, n_state: int) -> tuple:
    return (xstar,) + tuple(0 * xstar for _ in range(n_state - 1))


@dataclass(frozen=True)
class Method:
    """A first-order method as a state-space step with oracle calls (immutable).

    Attributes:
        name: display name.
        state: names of the state variables; the first one is the iterate ``x``.
        step: ``step(state, oracle) -> new state`` (or ``step(state, oracle, k)``).
        optimum: ``optimum(xstar, oracle) -> state at the optimum``; default ``(x*, 0, ...)``.
        start: ``start(x0, oracle) -> initial state``, how the method starts from a point
            (``(x0, 0)`` for an error term, ``(x0, grad f(x0))`` for a gradient estimate, heavy ball ``(x0, x0)``); worst cases
            from a declared start bound only ``x0``. ``None``: the method declares no start.
        lyapunov: the paper's (optimal) Lyapunov function, ``lyapunov(z, classes) -> scalar``
            with ``z`` a :class:`Features`; used by the ``lyapunov`` measure.
        distance: ``distance(z, classes)``; default ``sum ||state - state*||^2``.
        families: structured Lyapunov families, name -> tuple of ``(label, term)`` with
            ``term(z, classes)`` a nonnegative scalar (a squared norm, ``z.gap``); the family is
            every nonnegative combination of its terms.
        parameters: the numbers the method was built with (for display and certificates).
    """

    name: str
    state: tuple[str, ...]
    step: Callable
    optimum: Callable | None = None
    start: Callable | None = None
    lyapunov: Callable | None = None
    distance: Callable | None = None
    families: Mapping[str, tuple[tuple[str, Callable], ...]] = field(default_factory=dict)
    parameters: Mapping[str, Any] = field(default_factory=dict)
    takes_iteration: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "state", tuple(self.state))
        if not self.state:
            raise BadInput("a method needs at least one state variable (the iterate)")
        if len(set(self.state)) != len(self.state):
            raise BadInput(f"state variable names must be distinct: {self.state}")
        for name in self.state:
            if name in RESERVED_FEATURES or not name.isidentifier() or name.startswith("_"):
                raise BadInput(f"invalid state variable name {name!r} (reserved: {RESERVED_FEATURES})")
        # step(state, oracle, k): a third *required* argument receives the iteration counter
        # (parameters with defaults, e.g. closures written as gamma=gamma, are left alone).
        object.__setattr__(self, "takes_iteration", _required_positional(self.step) >= 3)

    # -- running --------------------------------------------------------------------------
    def state_at_optimum(self, xstar, oracle) -> tuple:
        if self.optimum is None:
            return _zero_optimum(xstar, oracle, len(self.state))
        return self._checked(self._run(self.optimum, "optimum", (xstar,), xstar, oracle), "optimum")

    def initial(self, x0, oracle) -> tuple:
        """The declared initial state from ``x0`` (:class:`BadInput` if none is declared)."""
        if self.start is None:
            raise BadInput(f"method {self.name} declares no start (Method(..., start=lambda x0, oracle: ...))")
        return self._checked(self._run(self.start, "start", (x0,), x0, oracle), "start")

    def advance(self, state: tuple, oracle, iteration: int) -> tuple:
        """One step from ``state`` (a tuple in the order of :attr:`state`)."""
        arguments = (state, oracle, iteration) if self.takes_iteration else (state, oracle)
        return self._checked(self._run(self.step, "step", state, *arguments), "step")

    def _run(self, function: Callable, what: str, state, *arguments):
        """``function(*arguments)``; on pepcert's symbolic vectors a type error means the user's
        code is not linear (one line naming what to change, :mod:`pepcert.pep.user_code`)."""
        try:
            return function(*arguments)
        except TypeError as error:
            if any(isinstance(item, (Vector, Scalar)) for item in state):
                from pepcert.pep.user_code import nonlinear_step

                raise nonlinear_step(self.name, what, error) from None
            raise

    def _checked(self, result, what: str) -> tuple:
        if not isinstance(result, (tuple, list)):
            if len(self.state) == 1:
                return (result,)
            raise BadInput(f"{self.name}: {what} must return a tuple of {len(self.state)} state variables")
        if len(result) != len(self.state):
            raise BadInput(f"{self.name}: {what} returned {len(result)} values for state {self.state}")
        return tuple(result)

    # -- measures -------------------------------------------------------------------------
    def measure(self, name: str, z: Features, classes) -> Any:
        """Evaluate the measure ``name`` (one of :data:`MEASURES`) on features ``z``."""
        if name == "lyapunov":
            if self.lyapunov is None:
                raise BadInput(f"method {self.name} has no registered Lyapunov function; use another measure")
            return self.lyapunov(z, classes)
        if name == "distance":
            return (self.distance or _default_distance)(z, classes)
        if name == "function":
            return z.gap
        if name == "gradient":
            return norm2(z.grad)
        raise BadInput(f"unknown measure {name!r}; choose one of {', '.join(BASE_MEASURES)}")


def _required_positional(function: Callable) -> int:
    """How many positional parameters ``function`` requires (2 when it cannot be told). A plain
    function is read from its code object (``inspect.signature`` costs ~30 us, paid by every
    method a sweep builds); anything else (a partial, a wrapped or callable object) by
    ``inspect.signature``."""
    if isinstance(function, types.FunctionType) and not hasattr(function, "__wrapped__") \
            and not hasattr(function, "__signature__"):
        return function.__code__.co_argcount - len(function.__defaults__ or ())
    try:
        return sum(1 for p in inspect.signature(function).parameters.values()
                   if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty)
    except (TypeError, ValueError):
        return 2
