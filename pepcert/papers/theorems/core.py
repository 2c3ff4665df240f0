"""The catalogue's types: a :class:`Theorem` (a function returning ``(computed, theory)``, the
settings it is checked at and how the two are compared), running them (:func:`run_theorems`,
what ``pepcert verify`` and the tests call) and showing one (:func:`show`, what the examples
call)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pepcert.papers.theorems.compare import Comparison, Proved, show_value

__all__ = ["Theorem", "TheoremError", "TheoremResult", "catalogue", "find", "run_theorems", "show"]


class TheoremError(RuntimeError):
    """A theorem's computation could not certify what it would return (an instance not
    verified, a certificate rejected, a solver not solved): the theorem fails."""


@dataclass(frozen=True)
class Theorem:
    """One entry of the catalogue.

    ``function(**setting)`` returns ``(computed, theory)`` for each of ``settings``;
    ``comparison`` decides whether they agree (a tolerance or an order); ``theory`` says in
    words what the second value is (the ``expected`` column reads ``comparison.expected(theory)``).
    The function's docstring states the theorem, its source and its tolerance.
    """

    id: str
    paper: str
    statement: str
    function: Callable[..., tuple[Any, Any]]
    settings: tuple[Mapping[str, Any], ...]
    comparison: Comparison
    theory: str

    @property
    def expected(self) -> str:
        return self.comparison.expected(self.theory)

    def evaluate(self) -> list[tuple[Any, Any]]:
        return [self.function(**setting) for setting in self.settings]

    def check(self) -> tuple[str, bool]:
        """``(what was computed, passed)`` over every setting."""
        pairs = self.evaluate()
        passed = all(self.comparison.holds(c, t) for c, t in pairs)
        return self.comparison.describe(pairs), passed


@dataclass(frozen=True)
class TheoremResult:
    """One row of ``pepcert verify``."""

    id: str
    paper: str
    statement: str
    expected: str
    computed: str
    passed: bool
    seconds: float

    def to_dict(self) -> dict:
        return {"id": self.id, "paper": self.paper, "statement": self.statement, "expected": self.expected,
                "computed": self.computed, "passed": self.passed, "seconds": self.seconds}


def run_theorems(theorems: Sequence[Theorem], progress: Callable[[Theorem], None] | None = None) -> list[TheoremResult]:
    """Check each theorem; one that raises has failed (its error is what was computed)."""
    results = []
    for theorem in theorems:
        if progress is not None:
            progress(theorem)
        start = time.perf_counter()
        try:
            computed, passed = theorem.check()
        except Exception as error:  # noqa: BLE001 -- a theorem that cannot be computed has failed
            computed, passed = f"error: {type(error).__name__}: {error}", False
        results.append(TheoremResult(theorem.id, theorem.paper, theorem.statement, theorem.expected, computed,
                                     bool(passed), time.perf_counter() - start))
    return results


def catalogue() -> list[Theorem]:
    """Every theorem, in the order ``pepcert verify`` prints them (the paper modules are
    imported on use: they pull in sympy and the solvers)."""
    from pepcert.papers.theorems import (
        classical,
        muon26,
        noise,
        sublinear,
        ttd25,
        ttd25_symbolic,
        ttd26,
        wsr22,
    )

    return [*ttd25.THEOREMS, *ttd25_symbolic.THEOREMS, *wsr22.THEOREMS, *muon26.THEOREMS, *ttd26.THEOREMS,
            *classical.THEOREMS, *sublinear.THEOREMS,
            *noise.THEOREMS]


def find(function: Callable[..., tuple[Any, Any]]) -> Theorem:
    """The first catalogue entry of ``function`` (entries sharing a function share its
    comparison: a test checks it)."""
    for theorem in catalogue():
        if theorem.function is function:
            return theorem
    raise LookupError(f"{getattr(function, '__qualname__', function)!r} is not a theorem of the catalogue")


def show(function: Callable[..., tuple[Any, Any]], **parameters: Any) -> bool:
    """Run a theorem of the catalogue at ``parameters``, print computed beside theory and the
    verdict of its comparison, and return that verdict (what ``examples/`` does)."""
    theorem = find(function)
    computed, theory = function(**parameters)
    holds = theorem.comparison.holds(computed, theory)
    arguments = ", ".join(f"{name}={_argument(value)}" for name, value in parameters.items())
    print(f"{function.__module__.rsplit('.', 1)[-1]}.{function.__name__}({arguments})")
    print(f"    computed {show_value(computed)}")
    print(f"    theory   {show_value(theory)}")
    comparison = theorem.comparison
    detail = "" if isinstance(comparison, Proved) else f" ({comparison.summary([comparison.measure(computed, theory)])})"
    print(f"    {'holds' if holds else 'FAILS'}: {theorem.expected}{detail}")
    return holds


def _argument(value: Any) -> str:
    """A parameter as the call would be written (a function by its name)."""
    if callable(value):
        return getattr(value, "__name__", repr(value))
    return repr(value) if isinstance(value, str) else str(value)
