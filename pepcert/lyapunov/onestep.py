r"""One step of a method from a free state: the data of the Lyapunov inequality.

A quadratic Lyapunov function (Taylor, Van Scoy & Lessard, *Lyapunov functions for first-order
methods*, ICML 2018; Thomsen, Taylor & Dieuleveut 2025, Section 3) is

.. math:: V(\xi) = \phi^\top P \phi + p\,(f(x) - f_*), \qquad
          \phi = (\text{state} - \text{state}_*,\ \nabla f(x)),

and it certifies the rate ``rho`` when ``E V(after one step) <= rho V(before)`` for every
function of the class and every admissible compressor output. This module runs the method's
step once, on symbolic vectors, from a free state and records what both sides of that
inequality and the class's inequalities are, over one problem basis:

* the feature vectors ``phi`` and the gap ``f - f*`` before the step and, for each outcome of
  a random compressor, after it;
* every interpolation and compressor inequality (``<= 0``) the step touched, and every
  interpolation equality (``== 0``; quadratic classes ``mu = L``), whose multipliers are free.

A *family* of Lyapunov functions is either the full quadratic family above or a finite set of
named nonnegative terms (the papers' structured families, e.g. ``||x - x* - e||^2 + a||e||^2``)
combined with nonnegative weights. Everything is kept in the number type the method was built
with, so the same object feeds the floating-point search and the exact certificate check.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pepcert.pep.errors import BadInput
from pepcert.pep.expressions import Basis, Scalar, Vector, inner
from pepcert.pep.methods import Method
from pepcert.pep.problem import ProblemClass, SymbolicOracle, Trace, features, initial_state

FULL = "full"


@dataclass(frozen=True)
class Side:
    """The Lyapunov features at one time: feature vectors ``phi``, the gap, family terms."""

    vectors: tuple[Vector, ...]
    gap: Scalar
    terms: tuple[Scalar, ...]  # only for structured families


@dataclass(frozen=True)
class OneStep:
    """Everything the one-step Lyapunov inequality of a method needs (exact or float)."""

    method: Method
    classes: ProblemClass
    family: str
    outcomes: int
    basis: Basis
    feature_names: tuple[str, ...]
    term_names: tuple[str, ...]
    before: Side
    after: tuple[Side, ...]  # one per outcome, averaged with equal weights
    constraints: tuple[tuple[str, Scalar], ...]  # inequalities <= 0: multipliers >= 0
    trace: Trace
    initial: tuple  # the symbolic initial state (optimum + free shifts)
    equalities: tuple[tuple[str, Scalar], ...] = ()  # equalities == 0: free multipliers

    @property
    def multiplier_names(self) -> tuple[str, ...]:
        """The inequalities' names, then the equalities' (the order of every multiplier vector)."""
        return tuple(name for name, _ in self.constraints) + tuple(name for name, _ in self.equalities)

    @property
    def is_full(self) -> bool:
        return self.family == FULL

    # -- V as a Scalar, given coefficients (used by exact checks and by displays) ---------
    def value(self, side: Side, matrix=None, gap_weight=0, weights: Sequence = ()) -> Scalar:
        """``V`` on ``side``: ``phi^T P phi + p gap`` (full) or ``sum a_i term_i``."""
        total = self.basis.zero_scalar()
        if self.is_full:
            k = len(side.vectors)
            for a in range(k):
                for b in range(k):
                    if matrix[a][b] != 0:
                        total = total + matrix[a][b] * inner(side.vectors[a], side.vectors[b])
            return total + gap_weight * side.gap
        for weight, term in zip(weights, side.terms):
            total = total + weight * term
        return total

    def evaluate(self, instance, state: Sequence) -> tuple:
        """The trace replayed on a concrete instance (:meth:`pepcert.pep.trace.Trace.evaluate`)."""
        return self.trace.evaluate(instance, state)

    def decrease(self, rho, matrix=None, gap_weight=0, weights: Sequence = ()) -> Scalar:
        """``rho V(before) - mean over outcomes of V(after)`` as a Scalar."""
        before = self.value(self.before, matrix, gap_weight, weights)
        after = sum(
            (self.value(side, matrix, gap_weight, weights) for side in self.after), self.basis.zero_scalar()
        )
        return rho * before - after / len(self.after)


def one_step(method: Method, classes: ProblemClass, family: str = FULL, outcomes: int | None = None,
             exact: bool = True, max_agents: int | None = None) -> OneStep:
    """Run one step of ``method`` from a free state and record the Lyapunov inequality's data.

    Args:
        family: ``"full"`` (every quadratic form in the state, ``grad f(x)`` and ``f - f*``),
            or the name of one of the method's structured families.
        outcomes: outcomes per compressor call (random compressors); default from the class.
        exact: ``False`` divides by integers in floating point (a float-only build: no
            rational arithmetic in the means over many agents).
        max_agents: the most agents accepted (default :data:`pepcert.pep.classes.MAX_WHOLE_AGENTS`;
            the symmetry-reduced rate builds up to ``MAX_AGENTS``).
    """
    if family != FULL and family not in method.families:
        known = ", ".join((FULL,) + tuple(method.families))
        raise BadInput(f"method {method.name} has no Lyapunov family {family!r}; choose one of {known}")
    outcomes = classes.default_outcomes if outcomes is None else outcomes
    if outcomes < 1:
        raise BadInput("the number of compressor outcomes must be at least 1")
    trace = Trace(classes, outcomes=outcomes, exact=exact, **({} if max_agents is None else {'max_agents': max_agents}))
    oracle = SymbolicOracle(trace, branch=0)
    state, optimum = initial_state(method, trace, oracle)
    trace.label(state[0], "x0")

    agents = classes.agents

    def side(z) -> Side:
        gradients = (z.grad,) if agents == 1 else tuple(z.grads)
        vectors = tuple(getattr(z, name) for name in method.state) + gradients
        terms: tuple[Scalar, ...] = ()
        if family != FULL:
            terms = tuple(_as_scalar(term(z, classes), trace.basis) for _, term in _labelled(method.families[family]))
        return Side(vectors, z.gap, terms)

    before = side(features(method, state, optimum, oracle))
    after = []
    for branch in range(classes.branches(outcomes)):
        branch_oracle = SymbolicOracle(trace, branch=branch)
        new_state = method.advance(state, SymbolicOracle(trace, branch=branch, stochastic=True), 0)
        trace.label(new_state[0], "x1" if outcomes == 1 else f"x1^{branch}")
        after.append(side(features(method, new_state, optimum, branch_oracle)))
    feature_names = _feature_names(method, agents)
    term_names = tuple(label for label, _ in _labelled(method.families[family])) if family != FULL else ()
    return OneStep(
        method=method,
        classes=classes,
        family=family,
        outcomes=outcomes,
        basis=trace.basis,
        feature_names=feature_names,
        term_names=term_names,
        before=before,
        after=tuple(after),
        constraints=tuple(trace.constraints()),
        trace=trace,
        initial=state,
        equalities=tuple(trace.equalities()),
    )


class _OptimumProbe:
    """An oracle at a symbolic optimum ``x*`` (gradient 0) used to name the features."""

    def __init__(self, basis: Basis):
        self.basis = basis
        self.agents = 1

    def gradient(self, x, agent=None):
        return self.basis.zero_vector()

    def compress(self, v, agent=None):
        return self.basis.zero_vector()

    def value(self, x, agent=None):
        return 0


def _feature_names(method: Method, agents: int = 1) -> tuple[str, ...]:
    """``x - x*`` for the iterate, ``name - x*`` / ``name`` / ``name - name*`` for the rest
    (depending on whether the state's value at the optimum is ``x*``, zero or something else),
    and ``grad f(x)``."""
    basis = Basis()
    xstar = basis.new_vector("x*")
    probe = _OptimumProbe(basis)
    names = []
    probe.agents = agents
    for name, star in zip(method.state, method.state_at_optimum(xstar, probe)):
        if isinstance(star, Vector) and star.is_zero():
            names.append(name)
        elif isinstance(star, Vector) and star.key() == xstar.key():
            names.append(f"{name} - x*")
        else:
            names.append(f"{name} - {name}*")
    if agents > 1:
        return tuple(names) + tuple(f"grad f_{i + 1}(x) - grad f_{i + 1}(x*)" for i in range(agents))
    return tuple(names) + ("grad f(x)",)


def _labelled(terms) -> list[tuple[str, Callable]]:
    """Family terms as ``(label, callable)``; a bare callable is labelled by position."""
    return [term if isinstance(term, tuple) else (f"term{k}", term) for k, term in enumerate(terms)]


def _as_scalar(value, basis: Basis) -> Scalar:
    if isinstance(value, Scalar):
        return value
    raise BadInput("a Lyapunov family term must be a scalar such as a squared norm or f - f*")
