r"""The authors' experiment on one problem: data preparation, the per-worker quantizers, the
step sizes and shift rates, and the re-derived theory's bounds beside them.

Re-written from ``bokun-wang/Paper_9107_code`` (file names below); the rules themselves are in
:mod:`pepcert.saq.paper`. Scalars: ``L_i`` the worker's matrix smoothness,
``L_max = max_i lambda_max(L_i)`` (their ``max_Li``), ``L = lambda_max((1/n) sum_i L_i)`` (their
``L`` of the whole data, ``preprocessing.py``), ``n`` workers, ``B`` blocks.

=========  ==================================================  ======================  =================
method     quantizer of worker ``i``                           ``gamma``               ``alpha``
=========  ==================================================  ======================  =================
DCGD       ``h = 1/s`` per block (``BL-DCGD.py``)              ``1/(L + 2 L_max w/n)``  --
DIANA      ``h = 1/s`` per block (``BL-DIANA.py``)             ``1/(L_max (1 + 2 w/n))``  ``1/(w + 1)``
DCGD+      :func:`~pepcert.saq.paper.dcgd_plus_steps`           ``1/(L + 2 Lt/n)``       --
DIANA+     :func:`~pepcert.saq.paper.diana_plus_steps`          ``1/(L + 6 Lt/n)``       ``1/(w+ + 1)``
=========  ==================================================  ======================  =================

with ``s = floor(sqrt(d)/n)``, ``w`` the authors' :func:`~pepcert.saq.paper.baseline_omega`,
``w+ = max_i max_l h_il sqrt(d_l)``, ``Lt = max_i max_l h_il ||diag(L_i)_l||_2``; the ``+``
methods wrap worker ``i``'s quantizer as ``L_i^{1/2} Q(L_i^{-1/2} v)`` and charge
``(d^2 + B) x 32`` bits once per worker.

**Theory beside the runs** (:func:`paper_theory`): the bounds of :mod:`pepcert.saq.theory`
(re-derived DIANA/DCGD theorem) with the proven constants of the same quantizers
(:meth:`~pepcert.saq.paper.LinfDithering.omega`, :meth:`~pepcert.saq.paper.LinfDithering.plus_constant`),
at the theory's own ``gamma = 1/(L + 6 W/n)`` (DIANA; ``2 W/n`` for DCGD) and
``alpha = 1/(1 + omega)``, times the worst-case bits of a round
(:meth:`~pepcert.saq.paper.LinfDithering.max_bits`), plus the one-time bits.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from pepcert.pep.errors import BadInput
from pepcert.saq.encoding import FLOAT_BITS
from pepcert.saq.methods import Schedule, check_method, smoothness_aware, uses_shifts
from pepcert.saq.paper import (
    LinfDithering,
    baseline_levels,
    baseline_omega,
    dcgd_plus_steps,
    diana_plus_steps,
    paper_blocks,
)

#: The authors' regulariser (``config.py``: ``l2_weights`` is 1e-3 for every data set).
PAPER_LAMBDA = 1e-3


def paper_problem(dataset, workers: int, lam=PAPER_LAMBDA):
    """Rows scaled by max-abs, sorted by norm, ``floor(m/n) n`` rows in ``n`` equal parts
    (``preprocessing.py``), then the logistic problem of :mod:`pepcert.saq.problem`."""
    from pepcert.saq.data import scale_rows_maxabs
    from pepcert.saq.problem import logistic_problem

    return logistic_problem(scale_rows_maxabs(dataset), workers, lam, split="equal")


@dataclass(frozen=True, eq=False)
class PaperSetup:
    """One method with ``blocks`` blocks on one problem, as the authors run it."""

    method: str
    blocks: int
    sizes: tuple
    compressors: tuple  # one per worker
    quantizers: tuple  # the base l-inf dithering of each worker
    gamma: float
    alpha: float | None
    omega: float  # the authors' (w or w+)
    once: float  # one-time bits per worker
    constants: dict = field(default_factory=dict)

    def schedule(self, stop_below: float | None = None) -> Schedule:
        return Schedule(self.gamma, self.alpha, self.omega, self.once, stop_below)

    @property
    def name(self) -> str:
        label = self.quantizers[0].describe() if not smoothness_aware(self.method) else \
            f"l-inf dithering, per-block steps, {'one block' if self.blocks == 1 else f'{self.blocks} blocks'}"
        return ("smoothness-aware " if smoothness_aware(self.method) else "") + label


def _baseline(problem, method: str, sizes: tuple) -> PaperSetup:
    n, d, B = problem.n, problem.d, len(sizes)
    s = baseline_levels(d, n)
    quantizer = LinfDithering((1.0 / s,) * B, sizes)
    omega = baseline_omega(d, B, s)
    if uses_shifts(method):
        gamma, alpha = 1.0 / (problem.L_max * (1 + 2 * omega / n)), 1.0 / (omega + 1)
    else:
        gamma, alpha = 1.0 / (problem.L + 2 * problem.L_max * omega / n), None
    return PaperSetup(method, B, sizes, (quantizer,) * n, (quantizer,) * n, gamma, alpha, omega, 0.0,
                      {"levels": s, "omega_authors": omega, "L_max": problem.L_max, "L": problem.L})


def _smoothness_aware(problem, method: str, sizes: tuple) -> PaperSetup:
    from pepcert.saq.compressors import AgentCompressor

    n, d, B = problem.n, problem.d, len(sizes)
    roots = np.sqrt(np.asarray(sizes, dtype=float))
    quantizers, omegas, tildes = [], [], []
    for i in range(n):
        diag = np.diagonal(problem.smoothness[i])
        steps = diana_plus_steps(diag, sizes, problem.lam, n) if uses_shifts(method) else dcgd_plus_steps(diag, sizes)
        norms = np.sqrt(np.add.reduceat(diag * diag, np.concatenate(([0], np.cumsum(sizes)[:-1]))))
        quantizers.append(LinfDithering(tuple(steps), sizes))
        omegas.append(float(np.max(steps * roots)))
        tildes.append(float(np.max(steps * norms)))
    omega, tilde = max(omegas), max(tildes)
    if uses_shifts(method):
        gamma, alpha = 1.0 / (problem.L + 6 * tilde / n), 1.0 / (omega + 1)
    else:
        gamma, alpha = 1.0 / (problem.L + 2 * tilde / n), None
    compressors = tuple(AgentCompressor(q, *problem.agent_roots(i))
                        for i, q in enumerate(quantizers))
    per_block_steps = [list(q.steps) for q in quantizers]
    return PaperSetup(method, B, sizes, compressors, tuple(quantizers), gamma, alpha, omega,
                      float((d * d + B) * FLOAT_BITS),
                      {"omega_authors": omega, "L_tilde_max": tilde, "L": problem.L, "steps": per_block_steps})


def paper_setup(problem, method: str, blocks: int) -> PaperSetup:
    """The authors' quantizers, ``gamma`` and ``alpha`` for ``method`` with ``blocks`` blocks."""
    method = check_method(method)
    if getattr(problem, "split", "equal") != "equal":
        raise BadInput("the paper protocol needs the authors' equal split (pepcert.saq.paper_setup.paper_problem)")
    sizes = paper_blocks(problem.d, blocks)
    return _smoothness_aware(problem, method, sizes) if smoothness_aware(method) else _baseline(problem, method, sizes)


def paper_theory(problem, setup: PaperSetup):
    """The re-derived bounds with the proven constants of ``setup``'s quantizers (module docstring)."""
    from pepcert.saq.theory import bounds

    omega = max(q.omega() for q in setup.quantizers)
    if smoothness_aware(setup.method):
        W = [q.plus_constant(np.diagonal(L)) for q, L in zip(setup.quantizers, problem.smoothness)]
    else:
        W = [omega * problem.L_max] * problem.n
    bits = float(max(q.max_bits() for q in setup.quantizers))
    return bounds(problem, setup.method, omega, W, bits, setup.name, once=setup.once)
