r"""``--protocol paper``: smoothness-aware quantization as its authors ran it.

Every rule below is re-written from what the authors' code computes
(``bokun-wang/Paper_9107_code``; file named in each docstring), not copied from it. The
experiment (their ``BL-DIANA``, ``BL-DIANA-plus``, ``BL-DCGD``, ``BL-DCGD-plus`` with the
number of blocks ``B`` as a parameter; ``B = 1`` is one block):

* **data** (``preprocessing.py``): every row divided by its largest absolute entry
  (``maxabs_scale(A, axis=1)``), rows sorted by Euclidean norm (ascending), the first
  ``m n`` kept (``m = floor(N/n)``; the largest-norm remainder is dropped) and cut into ``n``
  equal contiguous parts; l2-regularised logistic regression, ``lambda = 1e-3``
  (``config.py``), ``L_i = A_i^T A_i/(4 m) + lambda I``, ``x^0 = 0``.
* **quantizer** (``utils.py``, ``standard_dithering`` / ``standard_dithering_plus``):
  l-infinity dithering per block, :class:`LinfDithering`.
* **blocks** (``BL-*.py``): ``B`` contiguous blocks of ``floor(d/B)`` coordinates, the last
  one taking the remainder (:func:`paper_blocks`); the paper's block quantization takes
  ``B = n``.
* **levels of the baselines** (DCGD, DIANA): ``s = floor(sqrt(d)/n)`` levels, step ``1/s``
  in every block, for one block and for ``B`` blocks alike (:func:`baseline_levels`), with
  ``omega = (sqrt(d_b)/s) min(1, sqrt(d_b)/s)``, ``d_b = floor(d/B)`` (:func:`baseline_omega`).
* **steps of DIANA+ / DCGD+**: per worker and block, from a closed-form budget
  ``beta = d/B + B`` (:func:`diana_plus_steps`, :func:`dcgd_plus_steps`).
* **step sizes and shift rates** (:func:`step_sizes`).
* **bits** (:func:`pepcert.saq.encoding.paper_bits`), and once per worker for DIANA+ /
  DCGD+ ``(d^2 + B) x 32`` bits for ``L_i^{1/2}`` and the steps (``BL-DIANA-plus.py``:
  ``n_bits = (dim * dim + n_blocks) * 32 * n_workers`` before the first iteration).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from pepcert.pep.errors import BadInput
from pepcert.pep.library.quantizers import dither_levels
from pepcert.saq.encoding import FLOAT_BITS, Message, block_starts, elias_omega_bits, paper_bits


def paper_blocks(d: int, blocks: int) -> tuple[int, ...]:
    """Block sizes: ``B - 1`` blocks of ``floor(d/B)``, the last one ``d - (B - 1) floor(d/B)``
    (``BL-DIANA.py``: ``coord_idx = arange(bl * dim_b, (bl + 1) * dim_b)``, the last to ``dim``)."""
    if isinstance(blocks, bool) or not isinstance(blocks, (int, np.integer)) or not 1 <= blocks <= d:
        raise BadInput(f"the paper's blocks need 1 <= B <= d = {d}, got B = {blocks!r}")
    size = d // blocks
    return (size,) * (blocks - 1) + (d - size * (blocks - 1),)


def baseline_levels(d: int, workers: int) -> int:
    """``s = floor(sqrt(d)/n)`` (``SD-DIANA.py``/``BL-DIANA.py``: ``n_levels = sqrt(dim) // n_workers``),
    computed exactly as ``isqrt(d) // n`` (``floor(x/n) = floor(floor(x)/n)`` for integer n)."""
    s = math.isqrt(d) // workers
    if s < 1:
        raise BadInput(f"the paper's levels floor(sqrt(d)/n) are 0 for d = {d} and n = {workers} workers "
                       "(its baselines need d >= n^2)")
    return s


def baseline_omega(d: int, blocks: int, s: int) -> float:
    """The authors' ``omega = (sqrt(d_b)/s) min(1, sqrt(d_b)/s)``, ``d_b = floor(d/B)``
    (``BL-DIANA.py``, ``omega_sd``; with ``nu = min(inf, 2) = 2``). The last block may be larger
    than ``d_b``; :meth:`LinfDithering.omega` is the proven constant with the true sizes."""
    ratio = math.sqrt(d // blocks) / s
    return ratio * min(1.0, ratio)


def _block_norms(diag: np.ndarray, sizes) -> np.ndarray:
    """``||diag(L_i) restricted to block l||_2`` for each block."""
    return np.sqrt(np.add.reduceat(diag * diag, block_starts(sizes)))


def diana_plus_steps(diag: np.ndarray, sizes, lam: float, workers: int) -> np.ndarray:
    r"""DIANA+'s per-block steps of one worker (``BL-DIANA-plus.py``), ``diag = diag(L_i)``:

    ``A_l = sqrt(d_l) + ||diag_l||/(lambda n)``, ``T_1 = 1 + ||diag||/(lambda n sqrt(d))``,
    ``T_B = sum_l sqrt(d_l) A_l / d``, ``beta = d/B + B``,
    ``delta = d T_B / (2 (beta - B)) + sqrt(d^2 T_B^2 / (4 (beta - B)^2) + d T_1^2 / (beta - B))``,
    ``h_l = delta / A_l``. With ``B = 1``: ``T_B = T_1`` and ``h = (1 + sqrt 5)/(2 sqrt d)``."""
    diag = np.asarray(diag, dtype=float)
    d, B = len(diag), len(sizes)
    roots = np.sqrt(np.asarray(sizes, dtype=float))
    A = roots + _block_norms(diag, sizes) / (lam * workers)
    t1 = 1 + float(np.linalg.norm(diag)) / (lam * workers * math.sqrt(d))
    tb = float(np.sum(roots * A)) / d
    room = d / B + B - B
    delta = d * tb / (2 * room) + math.sqrt(d * d * tb * tb / (4 * room * room) + d * t1 * t1 / room)
    return delta / A


def dcgd_plus_steps(diag: np.ndarray, sizes) -> np.ndarray:
    r"""DCGD+'s per-block steps of one worker (``BL-DCGD-plus.py``): ``T_1 = ||diag||/sqrt(d)``,
    ``T_B = sum_l sqrt(d_l) ||diag_l|| / d``, ``delta = d T_B/(beta - B) + sqrt(d/(beta - B)) T_1``,
    ``h_l = delta / ||diag_l||`` (``beta = d/B + B``). With ``B = 1``: ``h = 2/sqrt(d)``."""
    diag = np.asarray(diag, dtype=float)
    d, B = len(diag), len(sizes)
    norms = _block_norms(diag, sizes)
    if not np.all(norms > 0):
        raise BadInput("DCGD+'s steps need every block of diag(L_i) to be nonzero")
    t1 = float(np.linalg.norm(diag)) / math.sqrt(d)
    tb = float(np.sum(np.sqrt(np.asarray(sizes, dtype=float)) * norms)) / d
    room = d / B + B - B
    return (d * tb / room + math.sqrt(d / room) * t1) / norms


@dataclass(frozen=True)
class LinfDithering:
    r"""l-infinity dithering with one step per block (the authors' ``standard_dithering_plus``;
    ``standard_dithering`` is the case ``h = 1/s`` in every block).

    In block ``B`` with ``r = ||w_B||_inf`` and ``y_j = |w_j| / (r h_B)``, the level is
    ``floor(y_j) + Bernoulli(y_j - floor(y_j))`` (the library's
    :func:`~pepcert.pep.library.quantizers.dither_levels` with ``s = 1/h_B``) and ``Q_j = r h_B sign(w_j) level_j``, so
    ``E Q(w) = w``. The worker sends ``r`` (32 bits) and the nonzero levels with their index
    gaps and signs (:func:`pepcert.saq.encoding.paper_bits`). Differences from the authors'
    code, none of which changes the law: no ``eps`` guards (a zero block sends its norm and no
    level), levels are int64 (the authors' ``int8`` wraps above 127), randomness from the
    worker's own seeded generator.

    **Variance** (re-derived): ``Var Q_j = r^2 h^2 theta_j (1 - theta_j)`` with
    ``theta (1 - theta) <= min(1/4, y_j)``, ``r <= ||w_B||_2`` and
    ``sum_j |w_j| <= sqrt(d_B) ||w_B||_2``, so
    ``E||Q(w) - w||^2 <= max_B min(d_B h_B^2 / 4, sqrt(d_B) h_B) ||w||^2`` (:meth:`omega`) and
    ``E||L^{1/2}(Q(w) - w)||^2 <= max_B min(h_B ||diag L_B||_2, h_B^2 tr L_B / 4) ||w||^2``
    (:meth:`plus_constant`).
    """

    steps: tuple  # one positive float per block
    sizes: tuple  # block sizes

    def __post_init__(self):
        object.__setattr__(self, "steps", tuple(float(h) for h in self.steps))
        object.__setattr__(self, "sizes", tuple(int(b) for b in self.sizes))
        if len(self.steps) != len(self.sizes) or not self.sizes or min(self.sizes) < 1:
            raise BadInput(f"l-infinity dithering needs one step per nonempty block, got {self.steps} for {self.sizes}")
        if not all(math.isfinite(h) and h > 0 for h in self.steps):
            raise BadInput(f"dithering steps must be positive and finite, got {self.steps}")

    name = "l-inf dithering"

    @property
    def d(self) -> int:
        return sum(self.sizes)

    def encode(self, w, rng) -> Message:
        """``w`` (..., d) -> the message: block norms (..., B), signed levels (..., d), bits (...)."""
        w = np.asarray(w, dtype=float)
        if w.shape[-1] != self.d:
            raise BadInput(f"l-infinity dithering acts on vectors of dimension {self.d}, got shape {w.shape}")
        norms, levels = dither_levels(w, tuple(1.0 / h for h in self.steps), self.sizes, rng, norm="linf")
        levels = levels.astype(np.int64)
        signed = np.where(w < 0, -levels, levels)
        return Message((norms, signed), paper_bits(levels, self.sizes))

    def decode(self, message: Message) -> np.ndarray:
        norms, signed = message.payload
        return np.repeat(norms * np.asarray(self.steps), self.sizes, axis=-1) * signed

    def __call__(self, w, rng) -> np.ndarray:
        return self.decode(self.encode(w, rng))

    def omega(self, d: int | None = None) -> float:
        """The proven ``omega``: ``max_B min(d_B h_B^2/4, sqrt(d_B) h_B)`` (class docstring)."""
        return max(min(b * h * h / 4, math.sqrt(b) * h) for b, h in zip(self.sizes, self.steps))

    def plus_constant(self, diag: np.ndarray) -> float:
        """The proven ``sup_w E||L^{1/2}(Q(w) - w)||^2 / ||w||^2`` from ``diag = diag(L)``."""
        diag = np.asarray(diag, dtype=float)
        norms, traces = _block_norms(diag, self.sizes), np.add.reduceat(diag, block_starts(self.sizes))
        return float(max(min(h * n, h * h * t / 4) for h, n, t in zip(self.steps, norms, traces)))

    def max_level(self, block: int) -> int:
        """A bound on the levels block ``block`` sends: ``y <= 1/h`` rounds to at most
        ``floor(1/h) + 1`` (one more than ``ceil`` when ``1/h`` is an integer, which covers
        ``1/h`` rounded up in floating point, e.g. ``1/(1/3) = 3.0000000000000004``)."""
        return math.floor(1.0 / self.steps[block]) + 1

    def max_bits(self) -> int:
        """Bits of one message at most: ``32 B + sum_B d_B (2 + |omega(ell_max,B)|)``. Every
        coordinate nonzero is the worst case, since a gap ``g`` costs ``|omega(g)| <= 3 g - 2``
        bits and replaces ``g - 1`` nonzero levels of at least ``2 + |omega(1)| = 3`` bits."""
        return int(sum(FLOAT_BITS + b * (2 + int(elias_omega_bits(self.max_level(k))))
                       for k, b in enumerate(self.sizes)))

    def describe(self) -> str:
        steps = sorted(set(round(h, 6) for h in self.steps))
        shown = f"1/{round(1 / steps[0])}" if len(steps) == 1 and abs(1 / steps[0] - round(1 / steps[0])) < 1e-9 else \
            ", ".join(f"{h:.4g}" for h in steps)
        blocks = "one block" if len(self.sizes) == 1 else f"{len(self.sizes)} blocks"
        return f"l-inf dithering, step {shown}, {blocks}"
