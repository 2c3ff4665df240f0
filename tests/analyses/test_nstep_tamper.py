"""Tampered N-step certificates: each edit is rejected for its own reason, and each of the
checker's guards is needed (tools/mutants.py removes them one at a time; these tests kill them).

The certificate is gradient descent at step 1/L on L-smooth convex functions, N = 5: its worst
case f(x_5) - f* = L ||x_0 - x*||^2 / 22 (Drori & Teboulle 2014) lies in the certified bracket,
whose width is below 1e-7 relative; the moves below are sized against that.
"""

from __future__ import annotations

import copy
import json
from fractions import Fraction

import pytest

from pepcert.analyses import certify_nstep, check_certificate
from pepcert.analyses.certificate_file import parse_certificate_text
from pepcert.pep import ProblemClass, SmoothStronglyConvex
from pepcert.pep.errors import BadInput
from pepcert.pep.numerics.numbers import rational_to_str
from user_methods import gradient_descent

WORST = Fraction(1, 22)  # L/(4N + 2) at h = 1, N = 5, L = 1


@pytest.fixture(scope="module")
def certificate() -> dict:
    result = certify_nstep(gradient_descent, ProblemClass(SmoothStronglyConvex(0, 1)), 1, 5, measure="function",
                           initial="distance")
    assert result.verified and result.lower < WORST < result.upper, result.reason
    return json.loads(json.dumps(result.certificate))


def check(document: dict):
    return check_certificate(parse_certificate_text(json.dumps(document)), method=gradient_descent)


def edited(document: dict, edit) -> dict:
    copied = copy.deepcopy(document)
    edit(copied)
    return copied


def multiplier(document: dict, name: str) -> Fraction:
    upper = document["upper"]
    return Fraction(upper["multipliers"][upper["constraints"].index(name)])


def set_multiplier(document: dict, name: str, value: Fraction) -> None:
    upper = document["upper"]
    upper["multipliers"][upper["constraints"].index(name)] = rational_to_str(value)


def test_the_file_as_written_is_valid(certificate):
    report = check(certificate)
    assert report.valid and report.reasons == ()


def test_weaker_claims_still_hold(certificate):
    def weaker(doc):
        doc["upper_bound"] = rational_to_str(2 * Fraction(doc["upper_bound"]))
        doc["lower_bound"] = rational_to_str(Fraction(doc["lower_bound"]) / 2)

    stale = check(edited(certificate, weaker))  # the residual's pivots were stated at the old bound
    assert not stale.valid and len(stale.reasons) == 1 and "upper.residual_pivots[" in stale.reasons[0]

    def weaker_without_pivots(doc):
        weaker(doc)
        doc["upper"]["residual_pivots"] = None

    assert check(edited(certificate, weaker_without_pivots)).valid

    def without_lower(doc):
        doc["lower_bound"], doc["lower"] = None, None

    report = check(edited(certificate, without_lower))
    assert report.valid and report.lower_bound is None


def test_a_changed_multiplier_breaks_the_identity(certificate):
    def edit(doc):
        name = "interpolation(x4,x5)"
        set_multiplier(doc, name, multiplier(doc, name) + Fraction(1, 10**6))

    report = check(edited(certificate, edit))
    assert not report.valid
    assert report.reasons == ("upper bound rejected: the residual keeps the function value f(x4) (coefficient 1e-06): "
                              "the identity does not hold",)


def test_a_negative_multiplier_is_refused_even_when_the_identity_holds(certificate):
    """``a(x0,x*) = a(x0,x1) - a(x*,x1)`` (function-value rows), so moving ``t`` from
    ``(x0,x*)`` to ``(x0,x1)`` and taking ``t`` off ``(x*,x1)`` keeps every function value out of
    the residual; with ``U`` doubled the residual stays negative semidefinite. Only the sign of
    ``lambda(x0,x*)`` is wrong."""
    def edit(doc):
        t = 2 * multiplier(doc, "interpolation(x0,x*)")
        for name, change in (("interpolation(x0,x*)", -t), ("interpolation(x0,x1)", t), ("interpolation(x*,x1)", -t)):
            set_multiplier(doc, name, multiplier(doc, name) + change)
        doc["upper_bound"] = rational_to_str(2 * Fraction(doc["upper_bound"]))

    report = check(edited(certificate, edit))
    assert report.reasons == ("upper bound rejected: the multiplier of interpolation(x0,x*) is negative",)


def test_an_upper_bound_below_the_worst_case_is_refused(certificate):
    def edit(doc):
        doc["upper_bound"] = rational_to_str(WORST * (1 - Fraction(1, 10**9)))

    tampered = edited(certificate, edit)
    assert Fraction(tampered["lower_bound"]) < Fraction(tampered["upper_bound"])  # not caught by the bracket
    report = check(tampered)
    assert len(report.reasons) == 1
    assert report.reasons[0].startswith("upper bound rejected: the residual matrix is not negative semidefinite")


def test_a_changed_function_value_of_the_instance_violates_interpolation(certificate):
    def edit(doc):
        values = doc["lower"]["function_values"]
        values[2] = rational_to_str(Fraction(values[2]) + Fraction(1, 1000))

    report = check(edited(certificate, edit))
    assert report.reasons == ("lower bound rejected: the instance violates interpolation(x*,x2)",)


def test_a_changed_coordinate_of_the_instance_is_refused(certificate):
    def edit(doc):
        row = doc["lower"]["gram_factor"][-1]
        row[1] = rational_to_str(Fraction(row[1]) * (1 + Fraction(1, 1000)))  # the largest row, g(x0)

    report = check(edited(certificate, edit))
    assert len(report.reasons) == 1 and report.reasons[0].startswith("lower bound rejected: the instance violates")


def test_a_lower_bound_above_the_instance_is_refused(certificate):
    def edit(doc):
        doc["lower_bound"] = rational_to_str(WORST)  # the worst case itself: the instance is strictly inside

    report = check(edited(certificate, edit))
    assert len(report.reasons) == 1
    assert report.reasons[0].startswith("lower bound rejected: the instance's measure is ")
    assert report.reasons[0].endswith(", below the claimed lower bound 0.04545454545")


def test_an_instance_beyond_the_initial_condition_is_refused(certificate):
    def edit(doc):
        doc["lower"]["gram_factor"] = [[rational_to_str(2 * Fraction(v)) for v in row] for row in doc["lower"]["gram_factor"]]
        doc["lower"]["function_values"] = [rational_to_str(4 * Fraction(v)) for v in doc["lower"]["function_values"]]

    report = check(edited(certificate, edit))
    assert len(report.reasons) == 1 and report.reasons[0].startswith("lower bound rejected: the instance's initial "
                                                                      "condition is 4")


@pytest.mark.parametrize("edit", [
    lambda doc: doc["parameters"].update(eta="99/100"),
    lambda doc: doc.update(digest="sha256:" + "0" * 64),
    lambda doc: doc["classes"]["function"].update(L="2"),
    lambda doc: doc.update(iterations=4),
], ids=["eta", "digest", "L", "iterations"])
def test_other_parameters_or_digest_are_a_mismatch(certificate, edit):
    report = check(edited(certificate, edit))
    assert report.reasons == ("the method's N-step problem does not match the certificate's (digest mismatch)",)


def test_a_renamed_method_or_constraint_is_refused(certificate):
    report = check(edited(certificate, lambda doc: doc.update(method="Nesterov")))
    assert report.reasons == ("the file names the method 'Nesterov' but its definition (user factory "
                              "gradient_descent) builds 'GD'",)

    def rename(doc):
        doc["upper"]["constraints"][0] = "interpolation(x0,x*)"

    report = check(edited(certificate, rename))
    assert report.reasons == ("the file's basis, function values or inequalities do not match the rebuilt problem",)


def test_the_weights_of_a_last_iterate_measure_are_one(certificate):
    report = check(edited(certificate, lambda doc: doc["upper"].update(measure_weights=["1/2"])))
    assert report.reasons == ("upper bound rejected: the weights of the tracked measures must be >= 0 and sum to 1",)


@pytest.mark.parametrize("edit, message", [
    (lambda doc: doc.update(iterations=51), "iterations must be an integer from 1 to 50"),
    (lambda doc: doc.update(iterations=True), "iterations must be an integer"),
    (lambda doc: doc.update(kind="rate"), "unknown kind"),
    (lambda doc: doc.update(extra="1"), "unknown fields"),
    (lambda doc: doc.update(measure="speed"), "measure must be one of"),
    (lambda doc: doc.update(start="anywhere"), "start must be one of"),
    (lambda doc: doc.update(upper_bound=0.05), "upper_bound must be a rational string"),
    (lambda doc: doc["upper"]["multipliers"].__setitem__(0, "1e99999"), "digits"),
    (lambda doc: doc["lower"].update(gram_factor=[["1/0"]]), "zero denominator"),
    (lambda doc: doc["upper"].pop("residual_pivots"), "upper must have exactly the fields"),
])
def test_unreadable_files_are_bad_input(certificate, edit, message):
    with pytest.raises(BadInput, match=message):
        check(edited(certificate, edit))


def test_a_compressor_with_two_outputs_for_one_input_is_refused():
    """CGD, delta = 1/2, eta = 1, two steps on the Huber function (|x| - 1/2 beyond 1, x^2/2
    inside: 1-smooth convex) from x0 = 3, scaled by 1/3: g(x0) = g(x1) = 1 but C returns 1.3
    and 0.5 (both within sqrt(1/2) of 1). Every inequality holds, the initial condition is 1;
    only no compressor is such a function of its input."""
    from pepcert.pep import Contractive
    from pepcert.pep.algorithms import method_factory

    classes = ProblemClass(SmoothStronglyConvex(0, 1), Contractive(Fraction(1, 2)))
    result = certify_nstep(method_factory("cgd"), classes, 1, 2, measure="function", initial="distance")
    document = json.loads(json.dumps(result.certificate))
    assert document["upper"]["basis"] == ["x0-x*", "g(x0)", "c0", "g(x1)", "c1", "g(x2)"]
    assert document["upper"]["function_values"] == ["f(x0)", "f(x1)", "f(x2)"]
    third = Fraction(1, 3)
    row = [1, third, Fraction(13, 30), third, Fraction(1, 6), third]
    document["lower"] = {"gram_factor": [[rational_to_str(v) for v in row]],
                         "function_values": [rational_to_str(v) for v in (Fraction(5, 18), Fraction(2, 15), Fraction(7, 90))]}
    document["lower_bound"] = "0"
    report = check_certificate(parse_certificate_text(json.dumps(document)))
    assert report.reasons == ("lower bound rejected: the compressor calls c0 and c1 have one input and two outputs",)
