r"""Facial reduction at the worst linear instances: the one-step problem at the instances' rate
``rho_L`` has no interior (every certificate vanishes on the instances' directions), so those
directions, then each round's common kernel, are removed before the margin problem is solved;
the answer is accepted only through its floating-point threshold. docs/lyapunov.md, "Path 1".
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from pepcert.lyapunov.margin import MarginSolution, float_threshold_rho
from pepcert.pep.errors import SolverFailure

if TYPE_CHECKING:  # annotations only: search imports this module
    from pepcert.lyapunov.search import LMIData

MARGIN_THRESHOLD = 1e-8  # a margin (relative to a unit-norm normaliser) that counts as strict


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
    ``rho_L``)."""
    try:
        first, reduction = _facially_reduced(data, solve, reduction, rho_lower)
        if first is None or first.margin < MARGIN_THRESHOLD:
            return None
        candidates = [(float_threshold_rho(data, first.coefficients, first.multipliers, eig_slack=1e-9, hint=rho_lower), 0, first)]
    except SolverFailure:
        return None
    if candidates[0][0] - rho_lower > 1e-3 * tolerance:
        with contextlib.suppress(SolverFailure):
            second = solve(rho_lower, first.coefficients, reduction)
            candidates.append(
                (float_threshold_rho(data, second.coefficients, second.multipliers, eig_slack=1e-9, hint=rho_lower), 1, second)
            )
    rho, _, best = min(candidates)
    if rho - rho_lower > tolerance:
        return None
    return best, max(rho, rho_lower)


def _negative(solution: MarginSolution) -> bool:
    """Conclusively no certificate. A margin within ten times the solve's own tolerance of 0 is
    not: the problem may just have no interior yet (a solve that stalled at 1e-8 was measured
    at -2.9e-8 where the whole problem's, at 1e-9, reads -6e-10)."""
    return solution.margin < -max(MARGIN_THRESHOLD, 10 * solution.tolerance)


def _facially_reduced(data: LMIData, solve, reduction: Reduction, rho: float):
    """``(solution, reduction)``: the margin solve at ``rho`` after up to three more
    facial-reduction rounds (``solution`` None when none can be solved). While the margin is ~0, the solution's kernel on the
    remaining space is common to every certificate (an interior-point solution has maximal rank
    on the optimal face) and is removed too. When removing it over-constrains the problem (the
    next solve fails or is conclusively negative: eigenvalues of 2e-8 counted as kernel beside
    true ones of 5e-12 were measured), only the kernel's first cluster is removed instead."""
    first = _probe(solve, rho, reduction)
    for _ in range(3):
        if first.margin >= MARGIN_THRESHOLD or _negative(first):
            break
        for kernel in _reduced_kernels(data, first, reduction):
            trial = _extend(reduction, kernel)
            try:
                attempt = _probe(solve, rho, trial)
            except SolverFailure:
                continue
            if not _negative(attempt):
                reduction, first = trial, attempt
                break
        else:
            return None, reduction
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


def _reduced_kernels(data: LMIData, solution: MarginSolution, reduction: Reduction) -> list[np.ndarray]:
    """Directions (in basis coordinates) where the solution's ``S`` vanishes on ``U^perp``:
    the eigenvectors below ``1e-6`` of the largest eigenvalue, then (when they differ) those of
    the first cluster of them, up to the first jump by a factor of 100 (eigenvalues below
    ``1e-12`` of the largest counted as that)."""
    S, _ = data.residual(solution.rho, solution.coefficients, solution.multipliers)
    W = reduction.complement
    if W.shape[1] == 0:
        return []
    values, vectors = np.linalg.eigh(W.T @ S @ W)
    top = max(abs(values[-1]), 1e-300)
    count = int(np.sum(values < 1e-6 * top))
    if count == 0 or count == len(values):
        return []
    floored = np.maximum(values[:count], 1e-12 * top)
    jumps = np.flatnonzero(floored[1:] > 100 * floored[:-1])
    counts = [count] + ([int(jumps[0]) + 1] if len(jumps) else [])
    return [W @ vectors[:, :k] for k in counts]


def _extend(reduction: Reduction, kernel: np.ndarray) -> Reduction:
    U, singular, _ = np.linalg.svd(np.concatenate([reduction.directions, kernel], axis=1), full_matrices=True)
    rank = int(np.sum(singular > 1e-9 * singular[0]))
    return Reduction(U[:, :rank], U[:, rank:], reduction.zero_values, reduction.inactive)


__all__ = ["MARGIN_THRESHOLD", "PROBE_GAPS", "Reduction", "certify_at_instances", "reduction_from_instances"]
