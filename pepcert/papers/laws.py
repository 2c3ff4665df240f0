"""Closed-form laws the papers state for a built-in method on given classes (e.g. the two-agent
EF21 step and rate of Thomsen, Taylor & Dieuleveut 2026), for display beside pepcert's own
answer. The papers attach them here; the method definitions know no paper."""

from __future__ import annotations


def paper_laws(method: str, classes) -> list[dict]:
    """``[{"paper", "eta", "rho", "statement"}]`` for the built-in ``method`` on ``classes``
    (empty when no paper states a law there)."""
    from pepcert.papers import ttd26

    found: list[dict] = []
    for table in (ttd26.LAWS,):
        law = table.get(method)
        if law is not None:
            found.extend(law(classes))
    return found
