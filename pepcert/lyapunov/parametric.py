r"""The one-step problem traced once per structure, its numbers filled per call.

:func:`one_step_data` returns what the rate search needs -- the floating-point arrays of the
one-step inequality (:class:`~pepcert.lyapunov.search.LMIData`) and a :class:`StepView` (names,
the features' positions, the distance of the state, the inequalities local to the state, and a
replay of the trace on an instance) -- without rebuilding the problem symbolically at every
setting. The first call for a (method structure, classes, family, outcomes) runs
:func:`~pepcert.lyapunov.onestep.one_step` on the method with its numbers replaced by
:class:`~pepcert.pep.parametric.Param` s and compiles every coefficient into one
:class:`~pepcert.pep.parametric.Program`; later calls with other numbers (another step size, another
momentum) evaluate that program: one matrix product. Where the trace cannot be parametrised, or a
guard of the traced build changes sign at the new numbers (a comparison the build made, a
coefficient that vanishes), the problem is built afresh, exactly as before.

The class constants are part of the structure (the classes decide exactly, on their constants,
which inequalities exist: ``mu = L``, ``delta = 1``, ``mu < 0``), so a setting with other
classes is traced once for those classes. The cache holds compiled programs only (immutable
after construction), under a lock: problems may be built from several threads.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from pepcert.lyapunov.onestep import FULL, OneStep, one_step
from pepcert.pep.conic import SQRT2, svec_indices, svec_length
from pepcert.pep.expressions import Scalar, inner
from pepcert.pep.methods import Method
from pepcert.pep.parametric import NotRebindable, Program, Tape, TraceEscape, enabled, lookup_key, method_key
from pepcert.pep.problem import ProblemClass

CACHE_SIZE = 256


@dataclass(frozen=True)
class StepView:
    """What the rate search reads of a one-step problem besides its arrays."""

    method: Method
    classes: ProblemClass
    family: str
    feature_names: tuple[str, ...]
    term_names: tuple[str, ...]
    multiplier_names: tuple[str, ...]
    feature_index: tuple[int, ...]  # the basis vector of each feature (structured families)
    gap_index: int
    distance_mat: np.ndarray = field(repr=False)  # ||state - state*||^2 before the step
    distance_row: np.ndarray = field(repr=False)
    gap_row: np.ndarray = field(repr=False)  # f - f* before the step (>= 0 where f is strongly convex)
    local: tuple[int, ...]  # inequalities on the point before the step and the optimum
    local_equalities: tuple[int, ...]
    origins: tuple = field(repr=False)  # per basis vector: ("state", k) | ("gradient", row, agent) | ...
    value_origins: tuple = field(repr=False)  # per basis value: (row, agent)

    @property
    def is_full(self) -> bool:
        return self.family == FULL

    def evaluate(self, instance, state: Sequence) -> tuple[np.ndarray, np.ndarray]:
        """The trace replayed on ``instance`` from ``state``: :meth:`pepcert.pep.trace.Trace.evaluate`,
        operation for operation, on the filled coefficients."""
        state = [np.asarray(component) for component in state]
        vectors: list[np.ndarray] = []

        def value_of(row) -> np.ndarray:
            total = np.zeros_like(state[0])
            for index, coefficient in row:
                total = total + coefficient * vectors[index]
            return total

        for origin in self.origins:
            kind = origin[0]
            if kind == "state":
                vectors.append(state[origin[1]])
            elif kind == "gradient":
                vectors.append(np.asarray(instance.gradient(value_of(origin[1]), agent=origin[2])))
            elif kind in ("optimum gradient", "noise"):  # a common minimiser; noise-free instances
                vectors.append(np.zeros_like(state[0]))
            else:  # ("compress", row, agent, outcome)
                vectors.append(np.asarray(instance.compress(value_of(origin[1]), origin[3], agent=origin[2])))
        values = np.array([instance.value(value_of(row), agent=agent) for row, agent in self.value_origins])
        return np.array(vectors), values


class _Outputs:
    """The coefficients a problem needs, each once, and where each goes (program outputs)."""

    def __init__(self) -> None:
        self.values: list = []  # Param or plain number, in output order

    def add(self, value) -> int:
        self.values.append(value)
        return len(self.values) - 1

    def group(self, scalars: list[Scalar]) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
        """Positions ``(diagonal (t, i, out), off-diagonal (t, i, j, out), linear (t, k, out),
        count)`` of the Gram matrices and value rows of ``scalars``, as
        :meth:`~pepcert.pep.expressions.Scalar.gram_matrix` and ``value_row`` place them."""
        diagonal, off, linear = [], [], []
        for t, scalar in enumerate(scalars):
            for (i, j), q in scalar._quadratic.items():
                (diagonal.append((t, i, self.add(q))) if i == j else off.append((t, i, j, self.add(q))))
            for k, c in scalar._linear.items():
                linear.append((t, k, self.add(c)))
        as_array = lambda rows, width: np.array(rows, dtype=np.int64).reshape(len(rows), width)
        return as_array(diagonal, 3), as_array(off, 4), as_array(linear, 3), len(scalars)

    def vector(self, vector) -> tuple[tuple[int, int], ...]:
        """``(basis index, output)`` of a vector's coefficients, in its own order."""
        return tuple((k, self.add(c)) for k, c in vector._coefficients.items())


def _arrays(group, values: np.ndarray, n: int, nf: int) -> tuple[np.ndarray, np.ndarray]:
    """``(mats, rows)`` of one group from the program's outputs (``gram_matrix``'s arithmetic)."""
    diagonal, off, linear, count = group
    mats, rows = np.zeros((count, n, n)), np.zeros((count, nf))
    mats[diagonal[:, 0], diagonal[:, 1], diagonal[:, 1]] = values[diagonal[:, 2]]
    half = values[off[:, 3]] / 2
    mats[off[:, 0], off[:, 1], off[:, 2]] = half
    mats[off[:, 0], off[:, 2], off[:, 1]] = half
    rows[linear[:, 0], linear[:, 1]] = values[linear[:, 2]]
    return mats, rows


def family_terms(step: OneStep, side) -> list[Scalar]:
    """The family's terms on one side: ``svec`` of the feature Gram (off-diagonal entries
    times sqrt 2) and the gap for the full family, the named terms otherwise (the columns of
    :func:`pepcert.lyapunov.search.lmi_data`)."""
    if not step.is_full:
        return list(side.terms)
    rows, cols = svec_indices(len(side.vectors))
    out = []
    for a, b in zip(rows, cols):
        scalar = inner(side.vectors[a], side.vectors[b])
        out.append(scalar if a == b else scalar * SQRT2)
    return out + [side.gap]


class CompiledStep:
    """A traced one-step problem and the program of every number it needs (module docstring)."""

    def __init__(self, step: OneStep, tape: Tape, numbers: list[float]):
        from pepcert.lyapunov.dominance import distance, local_constraints, local_equalities

        self.numbers = list(numbers)
        self.n, self.nf = step.basis.n_vectors, step.basis.n_values
        outputs = _Outputs()
        self.groups = {
            "before": outputs.group(family_terms(step, step.before)),
            "after": [outputs.group(family_terms(step, side)) for side in step.after],
            "constraints": outputs.group([c for _, c in step.constraints] + [e for _, e in step.equalities]),
            "distance": outputs.group([distance(step)]),
            "gap": outputs.group([step.before.gap]),
        }
        self.origins = tuple((o[0], outputs.vector(o[1])) + tuple(o[2:]) if o[0] in ("gradient", "compress") else o
                             for o in step.trace._vector_origins)
        self.value_origins = tuple((outputs.vector(o[1]), o[2]) for o in step.trace._value_origins)
        self.program = Program(tape, outputs.values)
        self.n_equalities = len(step.equalities)
        self.psd_size = len(step.before.vectors) if step.is_full else None
        self.names = (step.feature_names, step.term_names, step.multiplier_names)
        self.feature_index = tuple(next(iter(v.coefficients)) for v in step.before.vectors)
        self.gap_index = next(iter(step.before.gap.linear), -1)
        self.local = (tuple(local_constraints(step)), tuple(local_equalities(step)))

    def fill(self, numbers: Sequence[float], method: Method, classes: ProblemClass, family: str):
        """``(view, data)`` at ``numbers`` (the method's, in its tape's order), or None when a
        guard of the traced build does not hold there."""
        values = self.program.run(numbers)
        if values is None:
            return None
        n, nf = self.n, self.nf
        before_mats, before_rows = _arrays(self.groups["before"], values, n, nf)
        afters = [_arrays(group, values, n, nf) for group in self.groups["after"]]
        after_mats = sum(a[0] for a in afters) / len(afters)  # lmi_data's average, operation for operation
        after_rows = sum(a[1] for a in afters) / len(afters)
        constraint_mats, constraint_rows = _arrays(self.groups["constraints"], values, n, nf)
        distance_mat, distance_row = _arrays(self.groups["distance"], values, n, nf)
        gap_row = _arrays(self.groups["gap"], values, n, nf)[1][0]
        origins = tuple((o[0], tuple((k, float(values[out])) for k, out in o[1])) + o[2:]
                        if o[0] in ("gradient", "compress") else o for o in self.origins)
        value_origins = tuple((tuple((k, float(values[out])) for k, out in row), agent)
                              for row, agent in self.value_origins)
        view = StepView(method, classes, family, *self.names, self.feature_index, self.gap_index, distance_mat[0],
                        distance_row[0], gap_row, *self.local, origins, value_origins)
        return view, _lmi(view, self, before_mats, before_rows, after_mats, after_rows, constraint_mats, constraint_rows)


def _lmi(view, compiled, before_mats, before_rows, after_mats, after_rows, constraint_mats, constraint_rows):
    from pepcert.lyapunov.search import LMIData

    T = before_mats.shape[0]
    normalisation = np.ones(T)
    if compiled.psd_size:
        k = compiled.psd_size
        rows, cols = svec_indices(k)
        normalisation[: svec_length(k)] = (rows == cols).astype(float)
        nonneg: tuple[int, ...] = (T - 1,)
    else:
        nonneg = tuple(range(T))
    used = np.abs(before_rows).sum(0) + np.abs(after_rows).sum(0) + np.abs(constraint_rows).sum(0)
    return LMIData(step=view, n=compiled.n, before_mats=before_mats, before_rows=before_rows, after_mats=after_mats,
                   after_rows=after_rows, constraint_mats=constraint_mats, constraint_rows=constraint_rows,
                   psd_size=compiled.psd_size, nonneg_terms=nonneg, normalisation=normalisation,
                   active_values=np.flatnonzero(used), n_equalities=compiled.n_equalities)


_CACHE: OrderedDict = OrderedDict()  # key -> tuple of CompiledStep (one per guard region met), or None
_SEEN: OrderedDict = OrderedDict()  # structures built afresh once, not yet traced
_LOCK = threading.Lock()
#: Traces kept per structure: a setting outside every kept trace's guards is traced anew (beta = 0
#: after beta = 0.5, say: the zero coefficient drops terms, a different problem), up to this many.
TRACES_PER_KEY = 4


def _trace(method: Method, classes: ProblemClass, family: str, outcomes: int | None) -> CompiledStep | None:
    tape = Tape()
    try:
        _, numbers, traced = method_key(method, tape)
        return CompiledStep(one_step(traced, classes, family, outcomes), tape, numbers)
    except Exception:  # noqa: BLE001 - any failure of the traced build: build afresh (which reports errors)
        return None


def _filled(key: tuple, numbers: list[float], method: Method, classes: ProblemClass, family: str,
            outcomes: int | None):
    """Fill from a kept trace of ``key`` whose guards hold at ``numbers``, tracing anew when none
    does (at most :data:`TRACES_PER_KEY` per key); None when the structure cannot be traced."""
    with _LOCK:
        if key not in _CACHE and key not in _SEEN:  # the first sighting is built afresh: a one-off
            _SEEN[key] = None                       # rate (the command line's) pays no tracing
            while len(_SEEN) > CACHE_SIZE:
                _SEEN.popitem(last=False)
            return None
        kept = _CACHE.get(key, ())
        if key in _CACHE:
            _CACHE.move_to_end(key)
    if kept is None:
        return None
    for compiled in kept:
        filled = compiled.fill(numbers, method, classes, family)
        if filled is not None:
            return filled
    if len(kept) >= TRACES_PER_KEY:
        return None
    compiled = _trace(method, classes, family, outcomes)
    with _LOCK:
        if compiled is None:
            if not kept:
                _CACHE[key] = None  # the structure is not traceable
        else:
            _CACHE[key] = (*(_CACHE.get(key) or ()), compiled)
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
    return None if compiled is None else compiled.fill(numbers, method, classes, family)


def fresh_data(method: Method, classes: ProblemClass, family: str = FULL, outcomes: int | None = None):
    """``(view, data)`` of a fresh symbolic build (the reference the parametrised one must match)."""
    from dataclasses import replace

    from pepcert.lyapunov.search import lmi_data

    step = one_step(method, classes, family, outcomes)
    view = view_of(step)
    return view, replace(lmi_data(step), step=view)


def filled_data(method: Method, classes: ProblemClass, family: str = FULL, outcomes: int | None = None):
    """``(view, data)`` filled from the structure's compiled program, or None where there is
    none (a step that cannot be traced, one reading the iteration counter, unhashable classes),
    where a guard of the traced build fails at the method's numbers (module docstring), or at the
    first sighting of a structure (traced at the second: a single rate is not worth tracing)."""
    if method.takes_iteration:
        return None
    try:
        key, numbers = lookup_key(method)
        key = (key, classes, family, outcomes)
        hash(key)
    except (NotRebindable, TypeError, TraceEscape):
        return None
    return _filled(key, numbers, method, classes, family, outcomes)


def one_step_data(method: Method, classes: ProblemClass, family: str = FULL, outcomes: int | None = None):
    """``(view, data)`` of the one-step problem: :func:`filled_data` when it answers (and
    problems are not forced fresh, :func:`pepcert.pep.parametric.fresh_builds`), else built afresh."""
    filled = filled_data(method, classes, family, outcomes) if enabled() else None
    return filled if filled is not None else fresh_data(method, classes, family, outcomes)


def view_of(step: OneStep) -> StepView:
    """The :class:`StepView` of a fresh :class:`OneStep` (its trace replays instances)."""
    compiled = CompiledStep(step, Tape(), [])
    view, _ = compiled.fill([], step.method, step.classes, step.family)
    return view


__all__ = ["CACHE_SIZE", "CompiledStep", "StepView", "filled_data", "fresh_data", "one_step_data", "view_of"]
