"""The classes' protocol checks (``pep/classes.py``, ``conforms``): remembered per type once
they pass, never once they fail, and a problem refuses what is not a class."""

from __future__ import annotations

import pytest

from pepcert.pep import Contractive, ProblemClass, SmoothStronglyConvex
from pepcert.pep.classes import CompressorClass, FunctionClass, conforms
from pepcert.pep.errors import BadInput


class _NotAClass:
    def interpolation(self, points):
        return []


def test_conforms_agrees_with_isinstance_and_remembers_only_success():
    assert conforms(SmoothStronglyConvex(0.1, 1), FunctionClass) and conforms(SmoothStronglyConvex(0.2, 1), FunctionClass)
    assert conforms(Contractive(0.5), CompressorClass) and not conforms(Contractive(0.5), FunctionClass)
    assert not conforms(_NotAClass(), FunctionClass) and not conforms(_NotAClass(), FunctionClass)
    assert not conforms(object(), FunctionClass) and not conforms(object(), FunctionClass)


@pytest.mark.parametrize("build", [lambda: ProblemClass(object()), lambda: ProblemClass(SmoothStronglyConvex(0.1, 1), object()),
                                   lambda: ProblemClass(Contractive(0.5))])
def test_a_problem_refuses_what_is_not_a_class(build):
    with pytest.raises(BadInput, match="not a"):
        build()
