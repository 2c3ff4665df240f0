"""The one JSON rule (pepcert/pep/serialise.py): exact values as text with a float twin,
non-finite floats as null with a reason, numpy as plain numbers, and an exact-only mode for
certificate files."""

import json
import math
from fractions import Fraction as Q

import numpy as np
import pytest
import sympy

from pepcert.pep.serialise import jsonable


def test_exact_rationals_get_text_and_a_float_twin():
    out = jsonable({"rho": Q(1, 3), "eta": Q(2), "P": [[Q(1, 2), Q(-3, 4)]]})
    assert out == {"rho": "1/3", "rho_float": 1 / 3, "eta": "2", "eta_float": 2.0,
                   "P": [["1/2", "-3/4"]], "P_float": [[0.5, -0.75]]}
    json.dumps(out, allow_nan=False)


def test_an_existing_twin_is_kept():
    assert jsonable({"rho": Q(1, 3), "rho_float": 0.25}) == {"rho": "1/3", "rho_float": 0.25}


def test_irrational_constants_are_written_exactly():
    out = jsonable({"omega": sympy.sqrt(30) / 2 - 1})
    assert out["omega"] == "-1 + sqrt(30)/2" and out["omega_float"] == pytest.approx(math.sqrt(30) / 2 - 1, rel=1e-15)


@pytest.mark.parametrize("value,reason", [(math.inf, "infinite (+inf)"), (-math.inf, "infinite (-inf)"),
                                          (math.nan, "not a number")])
def test_non_finite_floats_are_null_with_a_reason(value, reason):
    assert jsonable({"value": value}) == {"value": None, "value_reason": reason}
    assert jsonable({"value": value, "value_reason": "unbounded"}) == {"value": None, "value_reason": "unbounded"}
    assert jsonable({"curve": [1.0, value]}) == {"curve": [1.0, None], "curve_reason": "contains non-finite values (null)"}


def test_numpy_values_become_plain_numbers():
    out = jsonable({"a": np.float64(0.5), "b": np.arange(3), "c": np.array([[1.0, np.inf]])})
    assert out == {"a": 0.5, "b": [0, 1, 2], "c": [[1.0, None]], "c_reason": "contains non-finite values (null)"}
    assert type(out["a"]) is float and type(out["b"][0]) is int


def test_exact_mode_writes_every_number_as_text_and_refuses_floats():
    assert jsonable({"h": Q(1, 10), "alpha": [1, Q(3, 2)], "in_expectation": True}, twins=False) == \
        {"h": "1/10", "alpha": ["1", "3/2"], "in_expectation": True}
    with pytest.raises(TypeError, match="float"):
        jsonable({"h": 0.1}, twins=False)


def test_unknown_objects_are_an_error_not_a_string():
    with pytest.raises(TypeError, match="no JSON form"):
        jsonable({"x": object()})
