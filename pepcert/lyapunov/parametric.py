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
from pepcert.pep.expressions import Scalar, inner, norm2
from pepcert.pep.methods import Method
from pepcert.pep.parametric import NotRebindable, Program, Tape, TraceEscape, as_poly, enabled, lookup_key, method_key
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
        """The trace replayed on ``instance`` from ``state`` (:meth:`pepcert.pep.trace.Trace.evaluate`,
        on the filled coefficient rows)."""
        state = [np.asarray(component, dtype=float) for component in state]
        vectors = np.zeros((len(self.origins),) + state[0].shape)
        for index, origin in enumerate(self.origins):
            kind = origin[0]
            if kind == "state":
                vectors[index] = state[origin[1]]
            elif kind == "gradient":
                vectors[index] = instance.gradient(np.tensordot(origin[1], vectors, axes=1), agent=origin[2])
            elif kind == "compress":
                vectors[index] = instance.compress(np.tensordot(origin[1], vectors, axes=1), origin[3], agent=origin[2])
        values = np.array([instance.value(np.tensordot(row, vectors, axes=1), agent=agent)
                           for row, agent in self.value_origins])
        return vectors, values


class _Slots:
    """Polynomials by position in one flat output vector, accumulated."""

    def __init__(self) -> None:
        self.polys: dict[int, dict] = {}
        self.size = 0

    def region(self, count: int) -> int:
        start, self.size = self.size, self.size + count
        return start

    def add(self, position: int, poly: dict, scale: float = 1.0) -> None:
        target = self.polys.setdefault(position, {})
        for mono, c in poly.items():
            target[mono] = target.get(mono, 0.0) + scale * c

    def scalar(self, scalar: Scalar, mats: int, rows: int, n: int, scale: float = 1.0) -> None:
        """A Scalar's Gram matrix at ``mats`` (``n x n``) and value row at ``rows``."""
        for (i, j), q in scalar._quadratic.items():
            poly = as_poly(q)
            if i == j:
                self.add(mats + i * n + i, poly, scale)
            else:
                self.add(mats + i * n + j, poly, scale / 2)
                self.add(mats + j * n + i, poly, scale / 2)
        for k, c in scalar._linear.items():
            self.add(rows + k, as_poly(c), scale)

    def vector(self, vector, start: int) -> None:
        for k, c in vector._coefficients.items():
            self.add(start + k, as_poly(c))


def _terms(step: OneStep, side) -> list[Scalar]:
    """The family's terms on one side, as :func:`pepcert.lyapunov.search.lmi_data` orders them."""
    if not step.is_full:
        return list(side.terms)
    rows, cols = svec_indices(len(side.vectors))
    out = [inner(side.vectors[a], side.vectors[b]) * (1 if a == b else SQRT2) for a, b in zip(rows, cols)]
    return out + [side.gap]


class CompiledStep:
    """A traced one-step problem and the program of every number it needs (module docstring)."""

    def __init__(self, step: OneStep, tape: Tape, numbers: list[float]):
        from pepcert.lyapunov.dominance import distance, local_constraints, local_equalities

        self.numbers = list(numbers)
        n, nf = step.basis.n_vectors, step.basis.n_values
        self.n, self.nf = n, nf
        slots = _Slots()
        before, after = _terms(step, step.before), [_terms(step, side) for side in step.after]
        self.T, scalars = len(before), [c for _, c in step.constraints] + [e for _, e in step.equalities]
        self.m = len(scalars)
        self.layout = {}
        for name, count in (("before", self.T), ("after", self.T), ("constraints", self.m), ("distance", 1)):
            self.layout[name] = (slots.region(count * n * n), slots.region(count * nf), count)
        for t, term in enumerate(before):
            slots.scalar(term, self.layout["before"][0] + t * n * n, self.layout["before"][1] + t * nf, n)
        for side in after:
            for t, term in enumerate(side):
                slots.scalar(term, self.layout["after"][0] + t * n * n, self.layout["after"][1] + t * nf, n, 1 / len(after))
        for k, scalar in enumerate(scalars):
            slots.scalar(scalar, self.layout["constraints"][0] + k * n * n, self.layout["constraints"][1] + k * nf, n)
        slots.scalar(distance(step), self.layout["distance"][0], self.layout["distance"][1], n)
        slots.scalar(step.before.gap, self.layout["gap"][0], self.layout["gap"][1], n)
        self.origins, self.value_origins = self._origins(step, slots)
        self.targets = np.array(sorted(slots.polys), dtype=np.int64)
        self.program = Program(tape, [slots.polys[k] for k in self.targets])
        self.size = slots.size
        self.n_equalities = len(step.equalities)
        self.psd_size = len(step.before.vectors) if step.is_full else None
        self.names = (step.feature_names, step.term_names, step.multiplier_names)
        self.feature_index = tuple(next(iter(v.coefficients)) for v in step.before.vectors)
        self.gap_index = next(iter(step.before.gap.linear), -1)
        self.local = (tuple(local_constraints(step)), tuple(local_equalities(step)))

    def _origins(self, step: OneStep, slots: _Slots) -> tuple[tuple, tuple]:
        """The trace's replay recipe, its coefficient rows placed in ``slots``."""
        n, origins, values = self.n, [], []
        for origin in step.trace._vector_origins:
            if origin[0] in ("gradient", "compress"):
                start = slots.region(n)
                slots.vector(origin[1], start)
                origins.append((origin[0], start) + tuple(origin[2:]))
            else:
                origins.append(origin)
        for origin in step.trace._value_origins:
            start = slots.region(n)
            slots.vector(origin[1], start)
            values.append((start, origin[2]))
        return tuple(origins), tuple(values)

    def fill(self, numbers: Sequence[float], method: Method, classes: ProblemClass, family: str):
        """``(view, data)`` at ``numbers`` (the method's, in its tape's order), or None when a
        guard of the traced build does not hold there."""

        inputs = np.asarray(numbers, dtype=float)
        monomials = self.program.monomials(inputs)
        if not self.program.guards_hold(monomials):
            return None
        flat = np.zeros(self.size)
        flat[self.targets] = self.program.evaluate(monomials)
        n, nf = self.n, self.nf

        def arrays(name):
            mats, rows, count = self.layout[name]
            return flat[mats: mats + count * n * n].reshape(count, n, n), flat[rows: rows + count * nf].reshape(count, nf)

        before_mats, before_rows = arrays("before")
        after_mats, after_rows = arrays("after")
        constraint_mats, constraint_rows = arrays("constraints")
        distance_mat, distance_row = arrays("distance")
        gap_row = arrays("gap")[1][0]
        origins = tuple((o[0], flat[o[1]: o[1] + n]) + o[2:] if o[0] in ("gradient", "compress") else o for o in self.origins)
        value_origins = tuple((flat[start: start + n], agent) for start, agent in self.value_origins)
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


_CACHE: OrderedDict = OrderedDict()
_LOCK = threading.Lock()


def _compiled(key: tuple, method: Method, classes: ProblemClass, family: str, outcomes: int | None):
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    tape = Tape()
    try:
        _, numbers, traced = method_key(method, tape)
        compiled: CompiledStep | None = CompiledStep(one_step(traced, classes, family, outcomes), tape, numbers)
    except Exception:  # noqa: BLE001 - any failure of the traced build: build afresh (which reports errors)
        compiled = None
    with _LOCK:
        _CACHE[key] = compiled
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
    return compiled


def fresh_data(method: Method, classes: ProblemClass, family: str = FULL, outcomes: int | None = None):
    """``(view, data)`` of a fresh symbolic build (the reference the parametrised one must match)."""
    from dataclasses import replace

    from pepcert.lyapunov.search import lmi_data

    step = one_step(method, classes, family, outcomes)
    view = view_of(step)
    return view, replace(lmi_data(step), step=view)


def one_step_data(method: Method, classes: ProblemClass, family: str = FULL, outcomes: int | None = None,
                  parametric: bool = True):
    """``(view, data)`` of the one-step problem: filled from the structure's compiled program
    when there is one (module docstring), else built afresh (``parametric=False`` always)."""
    if parametric and enabled() and not method.takes_iteration:
        try:
            key, numbers = lookup_key(method)
            key = (key, classes, family, outcomes)
            hash(key)
        except (NotRebindable, TypeError, TraceEscape):
            key = None
        if key is not None:
            compiled = _compiled(key, method, classes, family, outcomes)
            if compiled is not None:
                filled = compiled.fill(numbers, method, classes, family)
                if filled is not None:
                    return filled
    return fresh_data(method, classes, family, outcomes)


def view_of(step: OneStep) -> StepView:
    """The :class:`StepView` of a fresh :class:`OneStep` (its trace replays instances)."""
    compiled = CompiledStep(step, Tape(), [])
    view, _ = compiled.fill([], step.method, step.classes, step.family)
    return view


__all__ = ["CACHE_SIZE", "CompiledStep", "StepView", "fresh_data", "norm2", "one_step_data", "view_of"]
