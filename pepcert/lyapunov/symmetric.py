r"""The one-step Lyapunov problem of ``n`` identical agents (or groups of them), reduced by their symmetry.

When the agents' classes are the same and the method treats them alike, relabelling the agents
maps the one-step problem onto itself (checked term by term: :mod:`pepcert.pep.symmetry`). The
problem is convex, so averaging any certificate over the relabellings gives one that is
invariant, with the same rate: nothing is lost by looking only for invariant certificates
(Gatermann & Parrilo 2004, *Symmetry groups, semidefinite programs, and sums of squares*,
Section 3). An invariant certificate has one multiplier per *orbit* of constraints (it
multiplies the orbit's average; each member's multiplier is that divided by the orbit's size:
measured better conditioned than orbit sums, which stopped a solve at margin -2.3e-8 where the
averages give 1.7e-10), one weight per orbit of family terms and one value multiplier per orbit
of function values. Its matrix
``S`` (basis vectors: ``s`` shared ones, and ``a`` kinds of agent vectors, one per agent) has
blocks ``A`` (shared), ``B`` (shared against each agent's), ``D`` (an agent's own) and ``E``
(two different agents'), and in the symmetry-adapted basis (shared vectors, agent means
``n^{-1/2} sum_j b_{k,j}``, and ``n - 1`` copies of the agent differences)

.. math:: S \simeq \begin{pmatrix} A & \sqrt n B \\ \sqrt n B^\top & D + (n-1)E \end{pmatrix}
          \oplus \bigl(I_{n-1} \otimes (D - E)\bigr),

so ``S >= 0`` is two small conditions, of sizes ``s + a`` and ``a``, whatever ``n`` (de Klerk,
Pasechnik & Schrijver 2007). The reduced problem is an ordinary
:class:`~pepcert.lyapunov.search.LMIData` on the ``s + 2a`` coordinates of the two blocks, and
the rate search runs on it unchanged; for the pairing with an instance's Gram factor ``Z``,

.. math:: \langle S, Z Z^\top\rangle = \langle S_1, Z_1 Z_1^\top\rangle
          + \langle D - E, Z_c^\top Z_c\rangle,

``Z_1`` the shared rows and agent means of ``Z``, ``Z_c`` an agent's rows minus their mean.
The answer is expanded back (every member of an orbit gets the orbit's multiplier or weight):
a certificate of the whole problem, in its names.

Agents in several groups of identical classes (``Distributed.groups``) are relabelled within
their groups only (the product of the groups' symmetric groups). The first block then holds the
shared vectors and every group's agent means (``sqrt(n_g n_h)`` times the average cross block
``F_gh`` between two groups), and each group of two or more adds its own ``D_g - E_g``
(multiplicity ``n_g - 1``); ``Z_c`` is centred group by group. docs/agents.md, "Agents in groups
of identical classes".
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from pepcert.lyapunov.onestep import FULL, OneStep, one_step
from pepcert.lyapunov.parametric import family_terms
from pepcert.pep.classes import MAX_AGENTS, MAX_GROUPS
from pepcert.pep.conic import SQRT2, svec, svec_indices, svec_length
from pepcert.pep.methods import Method
from pepcert.pep.problem import ProblemClass
from pepcert.pep.switches import ThreadSwitch
from pepcert.pep.symmetry import generators, orbits, permutation_of, relabelling, scalar_key, vector_owners


@dataclass(frozen=True)
class AgentBlocks:
    """Where the agents sit in the basis: ``shared`` vectors; for each group of identical agents,
    ``kinds[g][k][j]`` the group's ``j``-th agent's vector of kind ``k``; the orbits of function
    values."""

    agents: int
    shared: np.ndarray
    kinds: tuple[np.ndarray, ...]  # per group: a_g x n_g
    value_orbits: tuple[tuple[int, ...], ...]

    @property
    def means(self) -> int:
        """``s + sum_g a_g``: the first block (shared vectors and each group's agent means)."""
        return len(self.shared) + sum(kind.shape[0] for kind in self.kinds)

    @property
    def size(self) -> int:
        """The blocks side by side: the first, then ``D_g - E_g`` of each group of two or more."""
        return self.means + sum(kind.shape[0] for kind in self.kinds if kind.shape[1] > 1)

    def _columns(self):
        """``(kind, first-block column, D - E column or None)`` of each group."""
        column, difference = len(self.shared), self.means
        for kind in self.kinds:
            yield kind, column, (difference if kind.shape[1] > 1 else None)
            column += kind.shape[0]
            difference += kind.shape[0] if kind.shape[1] > 1 else 0

    def matrix(self, mat: np.ndarray) -> np.ndarray:
        """The blocks of the group average of ``mat`` as one block-diagonal matrix: first the
        shared vectors and each group's kind means (``A``, ``sqrt(n_g) B_g``, ``D_g + (n_g - 1)
        E_g``, and ``(n_g n_h)^{-1/2}`` times the sum of two groups' cross block), then ``D_g - E_g``
        of each group of two or more."""
        s, out = len(self.shared), np.zeros((self.size, self.size))
        out[:s, :s] = mat[np.ix_(self.shared, self.shared)]
        placed = list(self._columns())
        for kind, column, difference in placed:
            (a, n), K = kind.shape, kind.ravel()
            agent = mat[np.ix_(K, K)].reshape(a, n, a, n)
            B = mat[np.ix_(self.shared, K)].reshape(s, a, n).sum(axis=2) / n
            out[:s, column:column + a] = math.sqrt(n) * B
            out[column:column + a, :s] = math.sqrt(n) * B.T
            if difference is None:
                out[column:column + a, column:column + a] = agent.reshape(a, a)
                continue
            D = np.einsum("ajbj->ab", agent) / n
            E = (agent.sum(axis=(1, 3)) - n * D) / (n * (n - 1))
            out[column:column + a, column:column + a] = D + (n - 1) * E
            out[difference:difference + a, difference:difference + a] = D - E
        for g, (kind, column, _) in enumerate(placed):
            for other, other_column, _ in placed[g + 1:]:
                (a, n), (b, m) = kind.shape, other.shape
                cross = mat[np.ix_(kind.ravel(), other.ravel())].reshape(a, n, b, m).sum(axis=(1, 3)) / math.sqrt(n * m)
                out[column:column + a, other_column:other_column + b] = cross
                out[other_column:other_column + b, column:column + a] = cross.T
        return out

    def row(self, row: np.ndarray) -> np.ndarray:
        """The group average of a value row on each value orbit."""
        return np.array([row[list(o)].mean() for o in self.value_orbits])

    def factor(self, vectors: np.ndarray) -> np.ndarray:
        """A factor ``Z_red`` with ``<S_red, Z_red Z_red^T> = <S, Z Z^T>`` for every invariant
        ``S`` (``Z = vectors``, basis x r)."""
        Z = np.asarray(vectors, dtype=float).reshape(vectors.shape[0], -1)
        r, s = Z.shape[1], len(self.shared)
        out = np.zeros((self.size, r + sum(kind.shape[1] for kind in self.kinds if kind.shape[1] > 1) * r))
        out[:s, :r] = Z[self.shared]
        extra = r
        for kind, column, difference in self._columns():
            (a, n), per_agent = kind.shape, Z[kind]  # a x n x r
            out[column:column + a, :r] = per_agent.sum(axis=1) / math.sqrt(n)
            if difference is not None:
                centred = per_agent - per_agent.mean(axis=1, keepdims=True)
                out[difference:difference + a, extra:extra + n * r] = centred.reshape(a, n * r)
                extra += n * r
        return out

    def values(self, values: np.ndarray) -> np.ndarray:
        """Function values summed over each orbit (the pairing with an orbit's value multiplier)."""
        return np.array([float(np.sum(values[list(o)])) for o in self.value_orbits])


@dataclass(frozen=True)
class SymmetricView:
    """What the rate search reads besides the arrays (the fields of
    :class:`~pepcert.lyapunov.parametric.StepView` it uses), in reduced coordinates."""

    method: Method
    classes: ProblemClass
    family: str
    step: OneStep = field(repr=False)
    blocks: AgentBlocks = field(repr=False)
    feature_names: tuple[str, ...]
    term_names: tuple[str, ...]
    multiplier_names: tuple[str, ...]
    distance_mat: np.ndarray = field(repr=False)
    distance_row: np.ndarray = field(repr=False)
    gap_row: np.ndarray = field(repr=False)
    local: tuple[int, ...]
    local_equalities: tuple[int, ...]
    term_orbit: tuple[int, ...]  # the orbit of each family term
    multiplier_orbit: tuple[int, ...]  # the orbit of each multiplier (inequalities, then equalities)
    term_sizes: tuple[int, ...]  # the size of each orbit of terms
    multiplier_sizes: tuple[int, ...]  # and of multipliers

    @property
    def is_full(self) -> bool:
        return self.family == FULL

    def evaluate(self, instance, state: Sequence) -> tuple[np.ndarray, np.ndarray]:
        """The whole trace replayed on ``instance``, then mapped to reduced coordinates."""
        vectors, values = self.step.evaluate(instance, state)
        return self.blocks.factor(vectors), self.blocks.values(values)

    def expand(self, coefficients: np.ndarray, multipliers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """An invariant certificate in the whole problem's coordinates: a variable multiplies an
        orbit's average, so each member gets it divided by the orbit's size."""
        def spread(values, orbit_of, sizes):
            values = np.asarray(values, dtype=float) / np.asarray(sizes, dtype=float)
            return values[list(orbit_of)]

        return (spread(coefficients, self.term_orbit, self.term_sizes),
                spread(multipliers, self.multiplier_orbit, self.multiplier_sizes))


_WHOLE = ThreadSwitch()


def whole_problems() -> contextlib.AbstractContextManager[None]:
    """Inside, no problem is reduced: the whole one is solved (the reference the reduced one
    must match; tests and the bench compare the two). Per thread."""
    return _WHOLE.on()


def eligible(classes: ProblemClass, family: str, outcomes: int | None) -> bool:
    """Two or more agents with the same class, in at most :data:`~pepcert.pep.classes.MAX_GROUPS`
    groups of identical agents (:attr:`~pepcert.pep.classes.Distributed.groups`), one compressor
    outcome, no noise (and not inside :func:`whole_problems`)."""
    if _WHOLE:
        return False
    function = classes.function
    if classes.agents < 2 or len(function.groups) == classes.agents or len(function.groups) > MAX_GROUPS:
        return False
    if classes.noise is not None or not function.common_minimizer:
        return False
    outcomes = classes.default_outcomes if outcomes is None else outcomes
    return classes.branches(outcomes) == 1


def symmetric_data(method: Method, classes: ProblemClass, family: str, outcomes: int | None = None):
    """``(view, data)`` of the reduced one-step problem, or ``None`` when the problem is not
    invariant under relabelling the agents (checked for both generators of the group)."""
    if not eligible(classes, family, outcomes):
        return None
    step = one_step(method, classes, family, outcomes, exact=False, max_agents=MAX_AGENTS)  # floats: a float search
    structure = _structure(step)
    if structure is None:
        return None
    return _reduced(step, *structure)


def _structure(step: OneStep):
    """``(blocks, term orbits, inequality orbits, equality orbits)`` or ``None``."""
    n, groups = step.classes.agents, step.classes.function.groups
    origins, value_origins = step.trace.vector_origins, step.trace.value_origins
    owners = vector_owners(origins, value_origins, n)
    if owners is None or len(step.after) != 1:
        return None
    from pepcert.lyapunov.dominance import distance as distance_of

    distance = distance_of(step)
    inequalities = [c for _, c in step.constraints]
    equalities = [e for _, e in step.equalities]
    terms = {"before": family_terms(step, step.before), "after": family_terms(step, step.after[0])}
    keys = {name: [scalar_key(s) for s in scalars] for name, scalars in
            (("ineq", inequalities), ("eq", equalities), ("before", terms["before"]), ("after", terms["after"]))}
    perms: dict[str, list] = {"ineq": [], "eq": [], "terms": [], "values": []}
    cycles = {}  # a group of two or more -> its cycle's action on the basis vectors
    for group in (g for g in groups if len(g) > 1):
        for sigma in generators(group, n):
            action = relabelling(origins, value_origins, owners, sigma)
            if action is None:
                return None
            maps = {name: permutation_of(keys[name], [action.scalar_key(s) for s in scalars]) for name, scalars in
                    (("ineq", inequalities), ("eq", equalities), ("before", terms["before"]), ("after", terms["after"]))}
            if any(m is None for m in maps.values()) or maps["before"] != maps["after"]:
                return None
            if any(action.scalar_key(s) != scalar_key(s) for s in (step.before.gap, distance)):
                return None  # f - f* and the state's distance (dominance) are the agents' alike
            perms["ineq"].append(maps["ineq"])
            perms["eq"].append(maps["eq"])
            perms["terms"].append(maps["before"])
            perms["values"].append(action.values)
            cycles[group] = action.vectors
    blocks = _blocks(n, owners, groups, cycles, orbits(step.basis.n_values, perms["values"]))
    if blocks is None:
        return None
    return (blocks, orbits(len(terms["before"]), perms["terms"]), orbits(len(inequalities), perms["ineq"]),
            orbits(len(equalities), perms["eq"]))


def _blocks(n: int, owners: Sequence, groups, cycles: dict, value_orbits) -> AgentBlocks | None:
    """Shared vectors and each group's kinds: its first agent's vectors and their images under
    the group's cycle (a group of one: its agent's vectors)."""
    shared = [k for k, owner in enumerate(owners) if owner is None]
    kinds = []
    for group in groups:
        first = [k for k, owner in enumerate(owners) if owner == group[0]]
        members = [[k] for k in first]
        for kind in members:
            for _ in range(len(group) - 1):
                kind.append(cycles[group][kind[-1]])
        if any(owners[kind[j]] != agent for kind in members for j, agent in enumerate(group)):
            return None
        kinds.append(np.array(members, dtype=np.int64).reshape(len(members), len(group)))
    covered = sorted(int(i) for kind in kinds for i in kind.ravel())
    if covered != [k for k, owner in enumerate(owners) if owner is not None]:
        return None
    return AgentBlocks(n, np.array(shared, dtype=np.int64), tuple(kinds), tuple(value_orbits))


def _reduced(step: OneStep, blocks: AgentBlocks, term_orbits, inequality_orbits, equality_orbits):
    from pepcert.lyapunov.dominance import distance, local_constraints, local_equalities
    from pepcert.lyapunov.search import LMIData

    d, nf = step.basis.n_vectors, step.basis.n_values

    def arrays(scalars, groups):
        mats = np.array([blocks.matrix(scalars[g[0]].gram_matrix(d)) for g in groups]).reshape(
            len(groups), blocks.size, blocks.size)
        rows = np.array([blocks.row(scalars[g[0]].value_row(nf)) for g in groups]).reshape(
            len(groups), len(blocks.value_orbits))
        return mats, rows

    before_mats, before_rows = arrays(family_terms(step, step.before), term_orbits)
    after_mats, after_rows = arrays(family_terms(step, step.after[0]), term_orbits)
    constraints = [c for _, c in step.constraints] + [e for _, e in step.equalities]
    offset = len(step.constraints)
    groups = list(inequality_orbits) + [tuple(offset + k for k in g) for g in equality_orbits]
    constraint_mats, constraint_rows = arrays(constraints, groups)
    local, local_eq = set(local_constraints(step)), set(local_equalities(step))
    names = step.multiplier_names
    view = SymmetricView(
        method=step.method, classes=step.classes, family=step.family, step=step, blocks=blocks,
        feature_names=step.feature_names,
        term_names=tuple(f"{(step.term_names or _svec_names(step))[g[0]]} (x{len(g)})" for g in term_orbits),
        multiplier_names=tuple(f"{names[g[0]]} (x{len(g)})" for g in groups),
        distance_mat=blocks.matrix(distance(step).gram_matrix(d)),
        distance_row=blocks.row(distance(step).value_row(nf)),
        gap_row=blocks.row(step.before.gap.value_row(nf)),
        local=tuple(i for i, g in enumerate(inequality_orbits) if g[0] in local),
        local_equalities=tuple(i for i, g in enumerate(equality_orbits) if g[0] in local_eq),
        term_orbit=_orbit_of(sum(map(len, term_orbits)), term_orbits),
        multiplier_orbit=_orbit_of(len(constraints), groups),
        term_sizes=tuple(len(g) for g in term_orbits),
        multiplier_sizes=tuple(len(g) for g in groups),
    )
    used = np.abs(before_rows).sum(0) + np.abs(after_rows).sum(0) + np.abs(constraint_rows).sum(0)
    cones = _full_family(step, blocks, term_orbits) if step.is_full else \
        {"psd_size": None, "psd_map": None, "nonneg_terms": tuple(range(len(term_orbits))),
         "normalisation": np.ones(len(term_orbits))}
    if cones is None:
        return None
    data = LMIData(step=view, n=blocks.size, before_mats=before_mats, before_rows=before_rows, after_mats=after_mats,
                   after_rows=after_rows, constraint_mats=constraint_mats, constraint_rows=constraint_rows,
                   active_values=np.flatnonzero(used), n_equalities=len(equality_orbits), **cones)
    return view, data


def _full_family(step: OneStep, blocks: AgentBlocks, term_orbits) -> dict | None:
    """The full family's cones in orbit coordinates: ``P = sum_O w_O avg_O(E_t)`` (``E_t`` the
    svec basis matrices of the features' Gram) is invariant, so ``P >= 0`` is its two blocks
    ``>= 0`` (features: shared ones and kinds of agent ones, as for the basis); ``tr P + p = 1``
    weighs an orbit of diagonal entries by 1; the gap's weight (its own orbit) is ``>= 0``."""
    index = []
    for v in step.before.vectors:
        items = list(v.coefficients.items())
        if len(items) != 1 or items[0][1] != 1:
            return None  # a feature that is not a basis vector: no feature blocks
        index.append(items[0][0])
    position = {b: a for a, b in enumerate(index)}
    shared = [position[b] for b in blocks.shared if b in position]
    kinds = []
    for group in blocks.kinds:
        read = [kind for kind in group.tolist() if kind[0] in position]  # kinds that are features
        if any(b not in position for kind in read for b in kind):
            return None
        kinds.append(np.array([[position[b] for b in kind] for kind in read], dtype=np.int64).reshape(
            len(read), group.shape[1]))
    if len(shared) + sum(kind.size for kind in kinds) != len(index):
        return None
    features = AgentBlocks(blocks.agents, np.array(shared, dtype=np.int64), tuple(kinds), ())
    k = len(index)
    rows, cols = svec_indices(k)
    gap = svec_length(k)  # the gap term comes after svec(P)
    psd_map = np.zeros((svec_length(features.size), len(term_orbits)))
    normalisation = np.zeros(len(term_orbits))
    for o, group in enumerate(term_orbits):
        t = group[0]
        if t == gap:
            normalisation[o] = 1.0
            continue
        basis = np.zeros((k, k))
        a, b = rows[t], cols[t]
        basis[a, b] = basis[b, a] = 1.0 if a == b else 1 / SQRT2
        psd_map[:, o] = svec(features.matrix(basis))
        normalisation[o] = 1.0 if a == b else 0.0
    nonneg = tuple(o for o, group in enumerate(term_orbits) if gap in group)
    return {"psd_size": features.size, "psd_map": psd_map, "nonneg_terms": nonneg, "normalisation": normalisation}


def _svec_names(step: OneStep) -> tuple[str, ...]:
    """``<phi_a, phi_b>`` for each svec coordinate of the features' Gram, then ``f - f*``."""
    rows, cols = svec_indices(len(step.feature_names))
    names = step.feature_names
    return tuple(f"<{names[a]}, {names[b]}>" for a, b in zip(rows, cols)) + ("f(x) - f*",)


def _orbit_of(size: int, groups) -> tuple[int, ...]:
    where = [0] * size
    for index, group in enumerate(groups):
        for member in group:
            where[member] = index
    return tuple(where)


__all__ = ["AgentBlocks", "SymmetricView", "eligible", "symmetric_data", "whole_problems"]
