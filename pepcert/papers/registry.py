"""The papers' claims, registered and re-computed: what ``pepcert verify`` runs.

Each :class:`Claim` names its paper and statement, says what is expected, and computes the
value with pepcert's own analyses (never by evaluating the closed form it is checked
against). Each paper's module contributes its claims (:mod:`pepcert.papers.ttd25`,
:mod:`pepcert.papers.wsr22`, :mod:`pepcert.papers.muon26`); :func:`registry` lists them in
a fixed order. ``pepcert verify`` prints one row per claim and exits 1 if any fails; the test
suite runs the same registry.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Claim:
    id: str
    paper: str
    statement: str
    expected: str
    check: Callable[[], tuple[str, bool]]  # -> (what was computed, passed)


@dataclass(frozen=True)
class ClaimResult:
    id: str
    paper: str
    statement: str
    expected: str
    computed: str
    passed: bool
    seconds: float

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "paper": self.paper,
            "statement": self.statement,
            "expected": self.expected,
            "computed": self.computed,
            "passed": self.passed,
            "seconds": self.seconds,
        }


def registry() -> list[Claim]:
    """Every registered claim: the TTD25 numeric claims, WSR22, the TTD25 symbolic proofs,
    then Muon (imported here, so that the paper modules can import :class:`Claim`)."""
    from pepcert.papers.muon26 import muon_claims
    from pepcert.papers.ttd25.claims import ttd25_claims
    from pepcert.papers.ttd25.symbolic_claims import symbolic_claims
    from pepcert.papers.wsr22 import wsr22_claims

    claims = ttd25_claims() + wsr22_claims()
    claims.extend(Claim(*spec) for spec in symbolic_claims())
    claims.extend(Claim(*spec) for spec in muon_claims())
    from pepcert.papers.ttd26 import ttd26_claims

    claims.extend(Claim(*spec) for spec in ttd26_claims())
    return claims


def run_claims(claims: list[Claim], progress: Callable[[Claim], None] | None = None) -> list[ClaimResult]:
    results = []
    for claim in claims:
        if progress is not None:
            progress(claim)
        start = time.perf_counter()
        try:
            computed, passed = claim.check()
        except Exception as error:  # a claim that cannot be computed has failed
            computed, passed = f"error: {type(error).__name__}: {error}", False
        results.append(ClaimResult(claim.id, claim.paper, claim.statement, claim.expected, computed, bool(passed),
                                   time.perf_counter() - start))
    return results
