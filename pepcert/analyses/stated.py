"""What a certificate file states beside its proof, compared with what ``pepcert check`` derives.

A certificate carries fields a reader may quote but the proof does not use: the claim in words,
the names of the function values and Lyapunov features, the pivots of the exact ``LDL^T`` of the
residual, the characteristic polynomial of the lower-bound instance, the instance described in
words. ``check`` recomputes each of them; a file whose stated value differs from the recomputed
one is rejected (exit 1), so a valid file says nothing that was not proven. Rationals are
compared exactly (``"2/4"`` equals ``"1/2"``), never through ``float()``; names and words as text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from fractions import Fraction

from pepcert.pep.errors import BadInput
from pepcert.pep.numerics.numbers import str_to_rational


def text_differs(where: str, stated, derived: str) -> str | None:
    """The reason to reject a stated text (the claim, a description) that is not ``derived``."""
    return None if stated == derived else f"the file's {where} is not what the proof establishes ({derived!r})"


def names_differ(where: str, stated, derived: Iterable[str]) -> str | None:
    """The reason to reject a stated list of names that is not the rebuilt problem's."""
    return None if stated == list(derived) else f"the file's {where} do not match the rebuilt problem's"


def rationals_differ(where: str, stated, derived: Sequence[Fraction]) -> str | None:
    """The reason to reject a stated list of rationals that is not ``derived`` exactly."""
    if not isinstance(stated, list) or len(stated) != len(derived):
        return f"the file's {where} are not the {len(derived)} values check recomputes"
    for index, (text, value) in enumerate(zip(stated, derived)):
        try:
            same = isinstance(text, str) and str_to_rational(text) == value
        except BadInput:
            same = False
        if not same:
            return f"the file's {where}[{index}] is not the value check recomputes"
    return None


def pivots_differ(where: str, stated, derived: Sequence[Fraction]) -> str | None:
    """The pivots of the residual's exact ``LDL^T`` at the file's claim: optional (``null`` or
    absent: a claim edited to a weaker one drops them), else exactly the recomputed ones."""
    if stated is None:
        return None
    reason = rationals_differ(where, stated, derived)
    return None if reason is None else f"{reason} at the file's claim (set them to null, or to what check derives)"


def first(*reasons: str | None) -> list[str]:
    """The reasons that are not None (each check above answers None when the field agrees)."""
    return [reason for reason in reasons if reason is not None]
