"""``--verify-precision``: re-solve a worst case, or the one-step problem of a rate's Lyapunov
function, with SDPA-GMP at 200 bits (:mod:`pepcert.pep.sdpa_check`) and report the difference
from pepcert's answer. A second opinion, not a proof: the exact certificates are that."""

from __future__ import annotations

from dataclasses import dataclass

from pepcert.pep.serialise import jsonable


@dataclass(frozen=True)
class PrecisionCheck:
    """pepcert's value, SDPA-GMP's, their difference and whether it is within the tolerance
    pepcert reported (``within`` None when pepcert reported none)."""

    computed: float
    reference: float
    tolerance: float | None
    status: str
    seconds: float

    @property
    def difference(self) -> float:
        return self.computed - self.reference

    @property
    def relative(self) -> float:
        return abs(self.difference) / max(abs(self.reference), 1e-300)

    @property
    def within(self) -> bool | None:
        return None if self.tolerance is None else self.relative <= self.tolerance

    def to_dict(self) -> dict:
        return jsonable({"computed": self.computed, "reference": self.reference, "difference": self.difference,
                         "relative_difference": self.relative, "reported_tolerance": self.tolerance,
                         "within_reported_tolerance": self.within, "solver": "SDPA-GMP (200 bits)",
                         "status": self.status, "seconds": self.seconds})


def _high_precision_value(method, classes, iterations: int, measure, start: str, initial=None,
                          aggregate: str = "last") -> tuple[float, str, float]:
    from pepcert.pep.backends import _assemble
    from pepcert.pep.problem import _symbolic_run
    from pepcert.pep.sdpa_check import solve_high_precision

    trace, first, tracked, _ = _symbolic_run(method, classes, iterations, measure, initial, aggregate, start)
    assembled = _assemble(trace, first, tracked, aggregate)
    answer = solve_high_precision(assembled.problem)
    return -answer.primal + assembled.offset, answer.status, answer.seconds


def verify_worst_case(method, classes, result) -> PrecisionCheck:
    """SDPA-GMP's value of the same N-step problem as ``result`` (a WorstCaseResult: its
    measure, initial condition and start)."""
    from pepcert.pep.methods import split_measure

    quantity, aggregate = split_measure(result.measure)
    value, status, seconds = _high_precision_value(method, classes, result.iterations, quantity, result.start,
                                                   result.initial, aggregate)
    return PrecisionCheck(result.value, value, result.tolerance, status, seconds)


def verify_rate(method, classes, result) -> PrecisionCheck:
    """SDPA-GMP's one-step worst case of the rate's own Lyapunov function ``V`` (``max E V_1``
    given ``V_0 <= 1`` from a free state): the rate ``V`` certifies, to 200 bits."""
    value, status, seconds = _high_precision_value(method, classes, 1, lambda z, c: result.value(z), "free")
    return PrecisionCheck(result.rho, value, 1e-9 if result.tight else None, status, seconds)
