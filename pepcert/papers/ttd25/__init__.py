"""Thomsen, Taylor & Dieuleveut, *Tight analyses of first-order methods with error feedback*
(2025): closed forms (:mod:`.closed_forms`, re-exported here), the symbolic proofs as data for
the generic verifier (:mod:`.proofs`, :mod:`.charts`), and the instance and optimal-step lemmas
(:mod:`.lemmas`). The theorems that check them are in :mod:`pepcert.papers.theorems.ttd25` and
:mod:`pepcert.papers.theorems.ttd25_symbolic`."""

from pepcert.papers.ttd25.closed_forms import (
    cgd_branches,
    compare,
    ef_branch,
    interval,
    optimal_rate,
    optimal_step,
    rate,
    s_of,
)

PAPER = "Thomsen, Taylor & Dieuleveut 2025 (Tight analyses of first-order methods with error feedback)"

__all__ = ["PAPER", "cgd_branches", "compare", "ef_branch", "interval", "optimal_rate", "optimal_step", "rate", "s_of"]
