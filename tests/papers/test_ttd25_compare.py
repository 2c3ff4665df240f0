"""``ttd25.compare`` decides ``rational <=> closed form`` rigorously, also for rationals closer
to the (irrational) closed form than the first precision it tries."""

from __future__ import annotations

from fractions import Fraction

import sympy

from pepcert.papers.ttd25 import closed_forms
from pepcert.pep.numerics.intervals import lower, upper


def test_compare_separates_rationals_within_1e_60_of_an_algebraic_closed_form():
    for expression in (sympy.sqrt(2), closed_forms.optimal_rate("EF", Fraction(1, 10), 1, Fraction(1, 2)),
                       sympy.Max(sympy.Abs(1 - sympy.sqrt(3)), sympy.sqrt(5) / 3)):
        scaled = int(sympy.floor(expression * 10**60))  # sympy decides the floor exactly
        below, above = Fraction(scaled, 10**60), Fraction(scaled + 1, 10**60)
        assert closed_forms.compare(below, expression) == -1
        assert closed_forms.compare(above, expression) == 1
        ball = closed_forms.interval(expression, 80)
        low, high = (sympy.Rational(q.numerator, q.denominator) for q in (lower(ball), upper(ball)))
        assert low <= expression <= high and high - low < sympy.Rational(1, 10**75)  # decided by sympy, exactly
    assert closed_forms.compare(Fraction(3, 2), sympy.sqrt(Fraction(9, 4))) == 0  # rational closed form: exact
