"""The catalogue of theorems (pepcert.papers.theorems): every theorem holds at its settings (the
one place the tests run them; `pepcert verify` runs the same list), the catalogue's shape, and
the comparisons, including that each rejects what it must."""

from __future__ import annotations

import inspect
import re
from fractions import Fraction

import pytest
import sympy

from conftest import ef_rate
from pepcert.papers.theorems import (
    AtLeast,
    AtMost,
    Close,
    Encloses,
    LowerBound,
    Proved,
    Theorem,
    TheoremError,
    catalogue,
    find,
    run_theorems,
    show,
    ttd25,
)
from pepcert.papers.theorems.compare import show_value, sign_of_difference

CATALOGUE = catalogue()


@pytest.mark.parametrize("theorem", CATALOGUE, ids=lambda t: t.id)
def test_theorem_holds(theorem):
    (result,) = run_theorems([theorem])
    assert result.passed, result.computed


def test_ids_are_unique_and_settings_nonempty():
    ids = [t.id for t in CATALOGUE]
    assert len(ids) == len(set(ids))
    assert all(t.settings for t in CATALOGUE)


def _tolerance_text(value: float) -> str:
    return f"{value:.0e}".replace("e-0", "e-")  # 1e-09 -> 1e-9


@pytest.mark.parametrize("theorem", CATALOGUE, ids=lambda t: t.id)
def test_each_function_states_its_theorem_and_tolerance(theorem):
    """PEPit's convention: the function's docstring states the theorem and how it is checked;
    its module lives in the catalogue and its module docstring names the source."""
    function = theorem.function
    assert function.__module__.startswith("pepcert.papers.theorems."), function.__module__
    doc = inspect.getdoc(function) or ""
    assert len(doc) > 80, theorem.id
    module_doc = inspect.getdoc(inspect.getmodule(function)) or ""
    assert re.search(r"\b(19|20)\d\d\b", module_doc), function.__module__  # the sources, dated
    comparison = theorem.comparison
    if isinstance(comparison, Close):
        assert _tolerance_text(comparison.rtol or comparison.atol) in doc, (theorem.id, doc)
        assert ("relative" in doc) == bool(comparison.rtol), theorem.id
    elif isinstance(comparison, (LowerBound, Encloses)):
        assert _tolerance_text(getattr(comparison, "within", None) or comparison.width) in doc
    elif not isinstance(comparison, Proved):
        assert "computed <" in doc or "computed >=" in doc, (theorem.id, doc)


def test_entries_sharing_a_function_share_its_comparison():
    """:func:`show` finds a function's comparison by the function alone."""
    for theorem in CATALOGUE:
        first = find(theorem.function)
        assert (first.comparison, first.theory) == (theorem.comparison, theorem.theory), theorem.id


def test_show_prints_computed_beside_theory_and_the_verdict(capsys):
    assert show(ttd25.rate, method="EF", mu=0.1, L=1.0, delta=0.5, eta=0.2)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "ttd25.rate(method='EF', mu=0.1, L=1.0, delta=0.5, eta=0.2)"
    computed, theory = float(lines[1].split()[1]), float(lines[2].split()[1])
    assert abs(computed - theory) <= 1e-9 * theory and abs(theory - ef_rate(0.1, 1.0, 0.5, 0.2)) < 1e-11
    assert lines[3].startswith("    holds: the closed form rho(eta) to 1e-09 (relative) (max rel. error ")


def test_show_refuses_a_function_outside_the_catalogue():
    with pytest.raises(LookupError):
        show(lambda: (1, 1))


# -- breaking the theory (or the computation) makes the theorem fail -------------------------


def _entry(theorem_id: str) -> Theorem:
    (theorem,) = [t for t in CATALOGUE if t.id == theorem_id]
    return theorem


def test_a_closed_form_off_by_1e_8_fails_the_rate(monkeypatch):
    real = ttd25.closed_forms.rate
    monkeypatch.setattr(ttd25.closed_forms, "rate", lambda *a: real(*a) * (1 + sympy.Rational(1, 10**8)))
    (result,) = run_theorems([_entry("ef-rate")])
    assert not result.passed and result.computed.startswith("max rel. error 1.0e-08")


def test_a_closed_form_below_the_exact_lower_bound_fails(monkeypatch):
    """The exact ``rho_lower <= theory`` is not vacuous: a closed form 1e-12 too small (inside
    the 1e-9 tolerance) is caught."""
    real = ttd25.closed_forms.rate
    monkeypatch.setattr(ttd25.closed_forms, "rate", lambda *a: real(*a) - sympy.Rational(1, 10**12))
    (result,) = run_theorems([_entry("cgd-lower-bound")])
    assert not result.passed


def test_a_closed_form_outside_the_certified_bracket_fails(monkeypatch):
    real = ttd25.closed_forms.rate
    monkeypatch.setattr(ttd25.closed_forms, "rate", lambda *a: real(*a) + sympy.Rational(1, 10**7))
    (result,) = run_theorems([_entry("cgd-certified")])
    assert not result.passed


def test_an_unverified_instance_raises(monkeypatch):
    from dataclasses import replace

    real = ttd25.exact_lower_bound
    monkeypatch.setattr(ttd25, "exact_lower_bound", lambda *a: replace(real(*a), verified=False, reason="mutated"))
    with pytest.raises(TheoremError, match="mutated"):
        ttd25.lower_bound_instance("EF", Fraction(1, 10), 1, Fraction(1, 2), Fraction(1, 5))


# -- the comparisons ----------------------------------------------------------------------------


def test_close_relative_and_absolute():
    assert Close(rtol=1e-9)(1.0 + 0.9e-9, 1.0) and not Close(rtol=1e-9)(1.0 + 1.1e-9, 1.0)
    assert Close(rtol=1e-9)(2e-10, 1e-10) is False  # relative to the theory, not to 1
    assert Close(atol=1e-7)((0.5, 0.2), (0.5 + 9e-8, 0.2)) and not Close(atol=1e-7)((0.5, 0.2), (0.5, 0.2 + 2e-7))
    assert not Close(atol=1.0)(float("nan"), 0.0)
    with pytest.raises(ValueError):
        Close(rtol=1e-9, atol=1e-9)
    with pytest.raises(ValueError):
        Close()


def test_orders_are_exact_between_exact_values():
    tiny = Fraction(1, 10**400)  # float() says 0
    third = sympy.Rational(1, 3)
    assert AtLeast()(Fraction(1, 3), third) and not AtLeast()(Fraction(1, 3) - tiny, third)
    assert AtMost()(Fraction(1, 3), third) and not AtMost(strict=True)(Fraction(1, 3), third)
    root = sympy.sqrt(2)
    assert sign_of_difference(Fraction(14142135623730951, 10**16), root) == 1
    assert sign_of_difference(Fraction(14142135623730950, 10**16), root) == -1
    assert sign_of_difference(root, Fraction(3, 2)) == -1 and sign_of_difference(root + tiny, root) == 1
    assert AtMost(slack=1e-6)(1.0 + 0.9e-6, 1.0) and not AtMost(slack=1e-6)(1.0 + 1.1e-6, 1.0)


def test_lower_bound_and_bracket():
    rho = sympy.sqrt(2) / 2
    below = Fraction(7071067811, 10**10)
    assert LowerBound(within=1e-9)(below, rho)
    assert not LowerBound(within=1e-12)(below, rho)  # too far below
    assert not LowerBound(within=1e-9)(below + Fraction(1, 10**9), rho)  # above the theory
    upper = Fraction(7071067812, 10**10)
    assert Encloses(width=1e-9)((below, upper), rho) and not Encloses(width=1e-11)((below, upper), rho)
    assert not Encloses(width=1e-6)((upper, upper + 1), rho)


def test_proved_wants_true_not_truthy():
    assert Proved()(True, True) and not Proved()(False, True) and not Proved()(1, True)
    assert Proved().describe([(True, True)]) == "proved" and Proved().describe([(False, True)]) == "not proved"
    assert Proved().describe([(True, True), (False, True)]) == "1 of 2 proved"


def test_values_are_shown_with_their_kind():
    assert show_value(0.25) == "0.25" and show_value(Fraction(1, 3)) == "0.333333333333 (exact)"
    assert show_value((Fraction(1, 4), 0.5)) == "(0.25 (exact), 0.5)" and show_value(True) == "proved"
