r"""A high-precision cross-check: the same conic problem solved by SDPA-GMP (200-bit floats).

``sdpa-multiprecision`` (optional extra ``pepcert[verify]``) is SDPA with GMP arithmetic
(Nakata, *A numerical evaluation of highly accurate multiple-precision arithmetic version of
semidefinite programming solver: SDPA-GMP, -QD and -DD*, 2010). pepcert's problems
(:class:`~pepcert.pep.conic.ConicProblem`: ``min c.x`` with ``A x + s = b``, ``s`` in zero x
nonnegative x PSD cones, PSD blocks in scaled ``svec`` coordinates) are rewritten in SDPAP's
form ``min c.x`` subject to ``A' x - b' in J``, ``x`` free, with every PSD block unscaled to
its full ``m x m`` vectorisation. The answer is a *second opinion* computed with 200-bit
arithmetic and tolerances near 1e-30, reported beside pepcert's own; it proves nothing (the
exact certificates do), but a tolerance that pepcert reports can be checked against it.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
from dataclasses import dataclass

import numpy as np

from pepcert.pep.conic import ConicProblem, svec_indices
from pepcert.pep.errors import BadInput

PRECISION_BITS = 200
EPSILON = 1e-30


@dataclass(frozen=True)
class PrecisionAnswer:
    """SDPA-GMP's primal and dual objectives (of ``min c.x``) and its status."""

    primal: float
    dual: float
    status: str
    seconds: float

    @property
    def solved(self) -> bool:
        return self.status in ("pdOPT", "pdFEAS")


def _full_rows(problem: ConicProblem):
    """``(A', b', J)``: the rows of ``b - A x`` in SDPAP's cones, PSD blocks unscaled."""
    import scipy.sparse as sp

    A = sp.csc_matrix(problem.A.to_scipy())
    b = np.asarray(problem.b, dtype=float)
    linear = problem.zero + problem.nonneg
    blocks_A, blocks_b = [-A[:linear]], [-b[:linear]]
    row = linear
    for m in problem.psd:
        rows, cols = svec_indices(m)
        size = len(rows)
        block_A, block_b = A[row:row + size], b[row:row + size]
        scale = np.where(rows == cols, 1.0, 1.0 / math.sqrt(2.0))
        full = np.zeros((m * m, size))
        for k, (i, j) in enumerate(zip(rows, cols)):
            full[i * m + j, k] = scale[k]
            full[j * m + i, k] = scale[k]
        expand = sp.csr_matrix(full)
        blocks_A.append(-(expand @ block_A))
        blocks_b.append(-(expand @ block_b))
        row += size
    return sp.vstack(blocks_A).tocsc(), np.concatenate(blocks_b)


def solve_high_precision(problem: ConicProblem, seconds_limit: float = 600.0) -> PrecisionAnswer:
    """Solve ``problem`` with SDPA-GMP; ``BadInput`` when the extra is not installed."""
    import time

    try:
        import sdpap
        from sdpap.symcone import SymCone
    except ImportError:
        raise BadInput("the high-precision check needs SDPA-GMP: pip install 'pepcert[verify]' "
                       "(the sdpa-multiprecision package)") from None
    import scipy.sparse as sp

    A, b = _full_rows(problem)
    c = sp.csc_matrix(np.asarray(problem.c, dtype=float).reshape(-1, 1))
    K = SymCone(f=problem.n_variables)
    J = SymCone(f=problem.zero, l=problem.nonneg, s=tuple(problem.psd))
    option = {"epsilonStar": EPSILON, "epsilonDash": EPSILON, "mpfPrecision": PRECISION_BITS, "print": "no",
              "maxIteration": 200, "lowerBound": -1e12, "upperBound": 1e12, "numThreads": os.cpu_count() or 1}
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        _, _, info, _, sdpa_info = sdpap.solve(A, sp.csc_matrix(b.reshape(-1, 1)), c, K, J, option)
    return PrecisionAnswer(float(info["primalObj"]), float(info["dualObj"]), str(sdpa_info.get("phasevalue", "")),
                           time.perf_counter() - start)
