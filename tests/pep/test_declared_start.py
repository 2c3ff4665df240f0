"""Worst cases from a method's declared start (issue 7): the ``function`` measure of EF
(``e_0 = 0``) and EF21 (``d_0 = grad f(x_0)``) agree with independent PEPit models."""

from __future__ import annotations

import pytest

from pepcert import Contractive, Method, ProblemClass, SmoothStronglyConvex, worst_case
from pepcert.pep.algorithms import ef21, error_feedback
from pepcert.pep.errors import BadInput
from pepit_models import pepit_ef21_function, pepit_ef_distance, pepit_ef_function

CLASSES = ProblemClass(SmoothStronglyConvex(0.1, 1.0), Contractive(0.5))


@pytest.mark.parametrize("iterations", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("factory, model", [(error_feedback, pepit_ef_function), (ef21, pepit_ef21_function)])
def test_function_measure_from_the_declared_start_matches_pepit(factory, model, iterations):
    ours = worst_case(factory(0.3), CLASSES, iterations, measure="function")
    assert ours.start == "declared" and ours.status == "solved"
    theirs = model(0.1, 1.0, 0.5, 0.3, iterations, solver="clarabel")
    assert ours.value == pytest.approx(theirs, rel=1e-6)


@pytest.mark.parametrize("iterations", [2, 6])
def test_distance_measure_from_a_free_start_matches_pepit(iterations):
    """EF's ``||x_N - x*||^2 + ||e_N||^2`` from the same at most 1 (``e_0`` free): PEPit's model
    is the baseline of ``pepcert bench``'s strongly convex ``distance`` row."""
    ours = worst_case(error_feedback(0.3), CLASSES, iterations, measure="distance")
    assert ours.start == "free" and ours.status == "solved"
    theirs = pepit_ef_distance(0.1, 1.0, 0.5, 0.3, iterations, solver="clarabel")
    assert ours.value == pytest.approx(theirs, rel=1e-6)


def test_a_free_start_leaves_the_function_measure_unbounded():
    result = worst_case(error_feedback(0.3), CLASSES, 2, measure="function", start="free")
    assert result.status == "unbounded" and result.start == "free"


def test_declared_start_needs_a_declaration():
    bare = Method("bare", state=("x", "y"), step=lambda s, o: (s[0] - 0.1 * o.gradient(s[0]), s[1]))
    with pytest.raises(BadInput, match="declares no start"):
        worst_case(bare, CLASSES, 1, measure="function", start="declared")
