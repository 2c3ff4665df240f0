r"""Bounded work: an analysis estimates its size before it solves, and refuses beyond a budget.

The one-step Lyapunov problem of ``n`` agents has a Gram block of side ``b ~ 4n`` and
``~b^2/8`` family coefficients; the N-step problem a block of side ``b ~ (N + 1)(2n + 1)``.
Interior-point time grows with a high power of ``b``, so a problem that is only a few times
larger can take hours; pepcert estimates the seconds and bytes of an analysis from the sizes of
the problem it has built (symbolically, in milliseconds) and refuses, with one line, an
analysis beyond the budget (default: :data:`DEFAULT_SECONDS` and :data:`DEFAULT_BYTES`),
instead of running for minutes with no answer or exhausting the machine. The estimates are
calibrated on this project's reference machine (2 cores) with Clarabel and are deliberately
rough: they decide refusals, never results.

Measured (error feedback with n agents, one margin solve of the one-step problem): b = 33: 0.59 s,
b = 49: 3.9 s, b = 65: 13 s, hence ``3.2e-7 b^4.2`` seconds per solve; N-step (Clarabel, the
worst-case ladder): 239 variables 0.24 s, 877: 1.9 s, 1915: 6.0 s, hence ``3e-6 v^2``.
Identical agents reduced by symmetry (:mod:`pepcert.lyapunov.symmetric`): the solves are of a
fixed small size, the symbolic build and its check grow as ``n^3`` (measured at n = 64: 2.3 to
5.0 s and 310 MB at the peak for the error-feedback methods), hence :data:`SYMMETRIC_RATE`.
"""

from __future__ import annotations

from dataclasses import dataclass

from pepcert.pep.errors import BadInput

DEFAULT_SECONDS = 120.0
DEFAULT_BYTES = 2 * 1024**3
SOLVE_SECONDS = (3.2e-7, 4.2)  # one margin solve: a * basis^p
NSTEP_SECONDS = 3e-6  # one N-step solve: a * variables^2
SOLVES_PER_RATE = 12  # a tight rate with its fallbacks (measured up to 13 with n agents)
RATES_PER_STEP_SEARCH = 25  # rates solved by the step search after pruning (measured 6-30)
SYMMETRIC_RATE = (2.5e-5, 1500)  # a symmetry-reduced rate of n agents: (seconds, bytes) per n^3
SYMMETRIC_STEP_RATES = 80  # rates an optimal-step search of identical agents costs (measured 32 agents: 51.5 s)


@dataclass(frozen=True)
class Budget:
    """The most an analysis may take: estimated seconds and bytes."""

    seconds: float = DEFAULT_SECONDS
    bytes: int = DEFAULT_BYTES

    def __post_init__(self):
        if not self.seconds > 0 or not self.bytes > 0:
            raise BadInput("a work budget must be positive")


@dataclass(frozen=True)
class Work:
    """An estimate of what an analysis will cost, and what it is."""

    seconds: float
    bytes: int
    what: str


def _gb(count: float) -> str:
    return f"{count / 1024**3:.1f} GB"


def require(work: Work, budget: Budget, how_to_raise: str = "--budget-seconds / --budget-memory") -> None:
    """Refuse (``BadInput``, one line) an analysis whose estimate exceeds the budget."""
    if work.bytes > budget.bytes:
        raise BadInput(f"{work.what} needs about {_gb(work.bytes)} of memory, over the budget of {_gb(budget.bytes)} "
                       f"(raise it with {how_to_raise}, or make the problem smaller)")
    if work.seconds > budget.seconds:
        raise BadInput(f"{work.what} would take about {work.seconds:.0f} s here, over the budget of "
                       f"{budget.seconds:.0f} s (raise it with {how_to_raise}, or make the problem smaller)")


def nstep_work(trace, iterations: int, omitted_rows: int = 0) -> Work:
    """The estimated cost of the conic N-step problem of a traced run (Clarabel: dense
    assembly of one row per inequality, and a factorisation of that size), without
    ``omitted_rows`` of its inequalities (constraint generation)."""
    n = trace.basis.n_vectors
    variables = n * (n + 1) // 2 + trace.basis.n_values
    rows = len(trace.constraints()) - omitted_rows + n * (n + 1) // 2
    what = f"the {iterations}-step worst case ({variables} variables)"
    return Work(NSTEP_SECONDS * variables**2, 8 * 4 * rows * variables, what)


#: Interpolation pairs a symbolic N-step run may build (each a quadratic form in the basis).
MAX_PAIRS = 250_000
#: The same for a deterministic run (no outcome tree): the chordal path handles the pairs as index
#: arrays and builds O(N) of them (N = 500 for one agent: 252,004 pairs).
MAX_DETERMINISTIC_PAIRS = 300_000


def require_traceable(agents: int, iterations: int, branches: int = 1) -> None:
    """Before tracing: ``agents (points)^2`` interpolation pairs with ``points ~ branches^N
    (N + 2)`` must stay below :data:`MAX_PAIRS` (:data:`MAX_DETERMINISTIC_PAIRS` without
    branches; else ``BadInput``, one line)."""
    points = (iterations + 2) * max(1, branches) ** min(iterations, 64)
    pairs = agents * points * points
    limit = MAX_PAIRS if branches > 1 else MAX_DETERMINISTIC_PAIRS
    if pairs > limit:
        raise BadInput(f"the {iterations}-step problem of {agents} agent(s) has about {pairs:,} interpolation pairs, "
                       f"more than pepcert builds ({limit:,}); use fewer steps or agents")


def peak_resident_mb() -> float:
    """This process's peak resident memory in MB: ``VmHWM`` of ``/proc/self/status`` (the
    high-water mark of its own address space since its ``exec``), else ``ru_maxrss``. On Linux
    ``ru_maxrss`` keeps the parent's size at the fork: a child started by a 640 MB parent read
    637 MB by ``ru_maxrss`` and 13.6 MB by ``VmHWM`` (measured)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

