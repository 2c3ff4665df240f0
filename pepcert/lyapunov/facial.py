r"""Facial reduction at the worst linear instances: the one-step problem at the instances' rate
``rho_L`` has no interior (every certificate vanishes on the instances' directions), so those
directions, then each round's common kernel, are removed before the margin problem is solved;
the answer is accepted only through its floating-point threshold. docs/lyapunov.md, "Path 1".
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from pepcert.lyapunov.face import onto_face
from pepcert.lyapunov.margin import MarginSolution, float_threshold_rho
from pepcert.pep.errors import SolverFailure

if TYPE_CHECKING:  # annotations only: search imports this module
    from pepcert.lyapunov.search import LMIData

MARGIN_THRESHOLD = 1e-8  # a margin (relative to a unit-norm normaliser) that counts as strict
#: A facial-reduction round's margin below minus this is conclusively negative (no certificate in
#: that round's problem). A round without interior has margin 0, which the solver meets only to
#: about 1e-8 although it reports 1e-9: measured at the instances' rate, 8 agents in two groups
#: (tests/lyapunov/test_face.py), -4.1e-9, -6.0e-9 and -1.2e-8 under OpenBLAS's Prescott,
#: Sandybridge and Haswell kernels; the last, read as negative at MARGIN_THRESHOLD, skipped the
#: round that removes the kernel (tight in 4 solves with it, a 3.2e-8 bracket after 26 without).
#: An over-constrained round is far below (-5.6e10 there). Any answer still passes the float re-check.
NEGATIVE_ROUND = 1e-6


@dataclass(frozen=True)
class Reduction:
    """Directions every certificate at the tight rate must respect (from instances)."""

    directions: np.ndarray  # n x r, orthonormal: S U = 0
    complement: np.ndarray  # n x (n - r), orthonormal
    zero_values: tuple[int, ...]  # positions in active_values with ell = 0
    inactive: tuple[int, ...]  # constraints with lambda = 0 (slack on the instances)


def reduction_from_instances(data: LMIData, worst_cases: Sequence) -> Reduction:
    """Replay the one-step trace on each worst-case instance started at its worst states.

    ``case.start_factor`` holds states whose second moment is the worst one: ``(Re u, Im u)``
    for a complex eigenvector ``u`` (Gram matrix ``Re u Re u^T + Im u Im u^T``), the columns
    of ``Sigma^{1/2}`` for the Perron eigen-matrix of a random instance.
    """
    step = data.step
    factors, values = [], []
    gram = np.zeros((data.n, data.n))
    for case in worst_cases:
        vectors, fvalues = step.evaluate(case.instance, list(case.start_factor))
        factors.append(vectors)
        values.append(fvalues)
        gram += vectors @ vectors.T
    stacked = np.concatenate(factors, axis=1)
    U, singular, _ = np.linalg.svd(stacked, full_matrices=True)
    rank = int(np.sum(singular > 1e-9 * singular[0]))
    directions, complement = U[:, :rank], U[:, rank:]
    fsum = np.sum(values, axis=0)
    scale = max(float(np.abs(fsum).max(initial=0)), float(np.trace(gram)), 1e-300)
    zero_values = tuple(
        i for i, index in enumerate(data.active_values) if fsum[index] > 1e-9 * scale
    )
    slack = np.einsum("kij,ij->k", data.constraint_mats, gram) + data.constraint_rows @ fsum
    inactive = tuple(int(k) for k in np.flatnonzero(slack < -1e-7 * scale) if k < data.n_inequalities)
    return Reduction(directions, complement, zero_values, inactive)


def free_directions(data: LMIData) -> Reduction | None:
    r"""The directions no certificate can make positive, at every ``rho``: a reduction for the
    general search, or ``None`` when there are none.

    Let ``K`` span the common kernel of every term of ``V`` before and after the step
    (``B_t K = A_t K = 0``), and ``F`` the part of ``K`` in the kernel of every restricted
    constraint matrix, ``K^T Q_k K F = 0`` (e.g. a Gram direction only the agents'
    interpolation inequalities touch, each of them linearly). Then for every ``V`` and multipliers

    .. math:: (KF)^\top S (KF) = \sum_t y_t (KF)^\top (\rho B_t - A_t)(KF)
              + \sum_k \lambda_k F^\top K^\top Q_k K F = 0,

    and ``S >= 0`` forces ``S KF = 0``: the one-step problem has no interior at any ``rho``.
    A margin ``S >= t N`` with ``N = V_0 + floor I`` is then pinned at ``t = 0`` by ``KF``
    (whatever ``rho``), so Dinkelbach's step is the solver's arbitrary feasible point and its
    progress depends on the last bits of the solve. Removing ``KF`` (``S KF = 0`` imposed,
    ``S >= t N`` on the complement) keeps exactly the same certificates.
    """
    terms = np.concatenate([data.before_mats, data.after_mats]).reshape(-1, data.n)
    K = _kernel(terms, max(float(np.abs(terms).max(initial=0.0)), 1e-300))
    if K.shape[1] == 0:
        return None
    restricted = np.einsum("ai,kab,bj->kij", K, data.constraint_mats, K).reshape(-1, K.shape[1])
    scale = max(float(np.abs(data.constraint_mats).max(initial=0.0)), 1e-300)
    F = _kernel(restricted, scale) if len(restricted) else np.eye(K.shape[1])
    if F.shape[1] == 0:
        return None
    directions = np.linalg.qr(K @ F)[0]
    U = np.linalg.svd(directions, full_matrices=True)[0]
    return Reduction(U[:, : directions.shape[1]], U[:, directions.shape[1]:], (), ())


def _kernel(rows: np.ndarray, scale: float) -> np.ndarray:
    """An orthonormal basis of ``{v: rows v = 0}``; singular values below ``1e-9 scale`` count as
    zero (``scale``: the largest entry of the data the rows come from, exact to rounding)."""
    _, singular, vt = np.linalg.svd(rows, full_matrices=True)
    return vt[int(np.sum(singular > 1e-9 * scale)):].T


def certify_at_instances(data: LMIData, solve, worst_cases: Sequence, tolerance: float):
    """A Lyapunov function at the instances' rate ``rho_L``, by facial reduction.

    The instances' directions are removed first. If the reduced problem still has no
    interior (margin ~ 0), the solution's kernel on the remaining space is common to every
    certificate (an interior-point solution has maximal rank on the optimal face), so it is
    removed too and the problem solved again (:func:`_facially_reduced`). The answer is accepted
    only if the floating-point threshold of the returned certificate
    (:func:`float_threshold_rho`) is within ``tolerance`` of ``rho_L``; an infeasible or
    inaccurate solve means "not tight here" and returns ``None``.
    """
    rho_lower = max(case.rho for case in worst_cases)
    tight = [case for case in worst_cases if case.rho >= rho_lower * (1 - 1e-9)]
    # Several instances tie at a crossing of their rates (an optimal step size). Removing the
    # directions of one that is tight only to ~1e-16 (not exactly) over-constrains the reduced
    # problem (margins ~ -1e-7 were measured), so the top instance alone is tried next.
    attempts = [tight, tight[:1]] if len(tight) > 1 else [tight]
    for instances in attempts:
        found = _certify_reduced(data, solve, reduction_from_instances(data, instances), rho_lower, tolerance)
        if found is not None:
            return found
    return None


def _certify_reduced(data: LMIData, solve, reduction: Reduction, rho_lower: float, tolerance: float):
    """:func:`certify_at_instances` for one reduction: the facially reduced solve
    (:func:`_facially_reduced`), then the certificate's floating-point threshold (a second
    solve, normalised by the first function's ``V_0``, only when the first is not already at
    ``rho_L``). When neither is within ``tolerance`` of ``rho_L``, or no round has an interior,
    every solution seen is moved onto its face (:func:`_on_face`) and re-checked."""
    seen: list[MarginSolution] = []
    try:
        first, reduction = _facially_reduced(data, solve, reduction, rho_lower, seen)
    except SolverFailure:
        first = None
    if first is None or first.margin < MARGIN_THRESHOLD:
        return _accepted(_on_face(data, seen, rho_lower, (math.inf, None)), rho_lower, tolerance)
    candidates = [(float_threshold_rho(data, first.coefficients, first.multipliers, eig_slack=1e-9, hint=rho_lower), first)]
    if candidates[0][0] - rho_lower > 1e-3 * tolerance:
        with contextlib.suppress(SolverFailure):
            second = solve(rho_lower, first.coefficients, reduction)
            candidates.append(
                (float_threshold_rho(data, second.coefficients, second.multipliers, eig_slack=1e-9, hint=rho_lower), second)
            )
    best = min(candidates, key=lambda candidate: candidate[0])
    if best[0] - rho_lower > tolerance:
        best = _on_face(data, [solution for _, solution in candidates] + seen, rho_lower, best)
    return _accepted(best, rho_lower, tolerance)


def _accepted(best, rho_lower: float, tolerance: float):
    """``(solution, rho)`` when the threshold ``best[0]`` is within ``tolerance`` of ``rho_L``."""
    rho, solution = best
    return None if solution is None or rho - rho_lower > tolerance else (solution, max(rho, rho_lower))


def _on_face(data: LMIData, solutions: list[MarginSolution], rho_lower: float, best):
    """``(threshold, solution)``: the best of ``best``, the ``solutions`` and the same moved
    exactly onto their face (:func:`pepcert.lyapunov.face.onto_face`), each through the same
    float re-check (a round without interior is not re-checked elsewhere).
    The solver meets the face's equalities only to about 1e-9, which was measured to cost up to
    2.7e-8 (8 identical agents, the full family: docs/agents.md); and a round without interior
    (margin ~0) may hold a certificate whose kernel, once removed, leaves the next solve failing
    (8 agents in two groups)."""
    for solution in solutions:
        moved = onto_face(data, rho_lower, solution.coefficients, solution.multipliers)
        for coefficients, multipliers in ((solution.coefficients, solution.multipliers), moved):
            rho = float_threshold_rho(data, coefficients, multipliers, eig_slack=1e-9, hint=rho_lower)
            if rho < best[0]:
                best = (rho, replace(solution, coefficients=coefficients, multipliers=multipliers))
    return best


def _negative(solution: MarginSolution) -> bool:
    """Conclusively no certificate in this round's problem (:data:`NEGATIVE_ROUND`)."""
    return solution.margin < -NEGATIVE_ROUND


def _facially_reduced(data: LMIData, solve, reduction: Reduction, rho: float, seen: list[MarginSolution]):
    """``(solution, reduction)``: the margin solve at ``rho`` after up to three more
    facial-reduction rounds (``solution`` None when a round fails). While the margin is ~0, the
    solution's kernel on the remaining space is common to every certificate (an interior-point
    solution has maximal rank on the optimal face) and is removed too. Every round's solution is
    appended to ``seen``: when removing a kernel leaves the next solve failing or conclusively
    negative (a numerical kernel read too wide, or too inexactly), the round before may still
    hold a certificate, on its face (:func:`_on_face`)."""
    first = _probe(solve, rho, reduction)
    seen.append(first)
    for _ in range(3):
        if first.margin >= MARGIN_THRESHOLD or _negative(first):
            break
        kernel = _reduced_kernel(data, first, reduction)
        if kernel is None:
            return None, reduction
        trial = _extend(reduction, kernel)
        try:
            attempt = _probe(solve, rho, trial)
        except SolverFailure:
            return None, reduction
        seen.append(attempt)
        if _negative(attempt):
            return None, reduction
        reduction, first = trial, attempt
    return first, reduction


#: The tolerances a facial-reduction round may stop at when none of the usual ones is met: the
#: problem has no interior until its kernel is removed, and Clarabel may stall there ("almost
#: solved") while its point still shows the kernel (measured on three identical agents at eta =
#: 0.05, tests/lyapunov/test_facial_reduction.py: tight in 3 solves instead of a 6e-6 bracket after 14).
PROBE_GAPS = (1e-8, 1e-7, 1e-6)


def _probe(solve, rho: float, reduction: Reduction) -> MarginSolution:
    """A facial-reduction round's solve at ``rho``, retried at :data:`PROBE_GAPS` when it meets
    none of the usual tolerances. Only a starting point: what it returns is accepted as a
    certificate only through its floating-point threshold (:func:`_certify_reduced`)."""
    try:
        return solve(rho, None, reduction)
    except SolverFailure:
        return solve(rho, None, reduction, gaps=PROBE_GAPS)


def _reduced_kernel(data: LMIData, solution: MarginSolution, reduction: Reduction) -> np.ndarray | None:
    """Directions (in basis coordinates) where the solution's ``S`` vanishes on ``U^perp``: the
    eigenvectors below ``1e-6`` of the largest eigenvalue (None when there are none, or only)."""
    S, _ = data.residual(solution.rho, solution.coefficients, solution.multipliers)
    W = reduction.complement
    if W.shape[1] == 0:
        return None
    values, vectors = np.linalg.eigh(W.T @ S @ W)
    count = int(np.sum(values < 1e-6 * max(abs(values[-1]), 1e-300)))
    return None if count in (0, len(values)) else W @ vectors[:, :count]


def _extend(reduction: Reduction, kernel: np.ndarray) -> Reduction:
    U, singular, _ = np.linalg.svd(np.concatenate([reduction.directions, kernel], axis=1), full_matrices=True)
    rank = int(np.sum(singular > 1e-9 * singular[0]))
    return Reduction(U[:, :rank], U[:, rank:], reduction.zero_values, reduction.inactive)


__all__ = ["MARGIN_THRESHOLD", "PROBE_GAPS", "Reduction", "certify_at_instances", "reduction_from_instances"]
