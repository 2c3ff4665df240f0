"""Tampered certificates (issue 8): moves of 1e-12 (the certified gap is ~1e-12 here, so a
1e-7 move would prove nothing about the checker's precision), on every field a claim depends
on. Each test below fails under at least one mutant of the checker (recorded in the issue 8
report): instance membership always true, the root count relaxed by 1e-9, the upper bound
checked at rho_upper + 1e-9, compressor membership with delta/2.

The reference is the closed form of Thomsen, Taylor & Dieuleveut (2025) (``papers.ttd25``),
compared rigorously (``ttd25.compare``): an accepted file must have
``rho_lower <= rho(eta) <= rho_upper`` for the parameters it states.
"""

from __future__ import annotations

import copy
import json
from fractions import Fraction

import pytest

from pepcert.analyses import certify, check_certificate
from pepcert.papers import ttd25
from pepcert.pep import Contractive, ProblemClass, SmoothStronglyConvex
from pepcert.pep.algorithms import method_factory
from pepcert.pep.errors import BadInput

MU, L, DELTA, ETA = Fraction(1, 10), Fraction(1), Fraction(1, 2), Fraction(1, 5)
TINY = Fraction(1, 10**12)
TIGHT_GAPS = (1e-12, 1e-11, 1e-10)  # rho_upper within ~1e-12 of the rate


def _certificate(name: str) -> dict:
    classes = ProblemClass(SmoothStronglyConvex(MU, L), Contractive(DELTA))
    result = certify(method_factory(name), classes, ETA, gaps=TIGHT_GAPS)
    assert result.verified, result.reason
    return json.loads(json.dumps(result.certificate))


@pytest.fixture(scope="module")
def ef21():
    return _certificate("ef21")


@pytest.fixture(scope="module")
def cgd():
    return _certificate("cgd")


def closed_form(document: dict):
    """The closed-form rate for the parameters a document states (``None`` if not a TTD25 case)."""
    function, compressor = document["classes"]["function"], document["classes"]["compressor"]
    return ttd25.rate(document["builtin"], Fraction(function["mu"]), Fraction(function["L"]),
                      Fraction(compressor["delta"]), Fraction(document["parameters"]["eta"]))


def consistent(document: dict) -> bool:
    """``rho_lower <= closed form <= rho_upper`` (rigorous comparison)."""
    closed = closed_form(document)
    return ttd25.compare(Fraction(document["rho_lower"]), closed) <= 0 <= ttd25.compare(Fraction(document["rho_upper"]), closed)


def verdict(document: dict):
    """The checker's verdict, or ``"unreadable"`` when it refuses the file as a certificate."""
    try:
        return check_certificate(document)
    except BadInput:
        return "unreadable"


def rational_near(expression, offset: Fraction) -> Fraction:
    """A rational within 1e-30 of ``expression + offset`` (the closed form is irrational)."""
    import sympy

    return Fraction(str(sympy.N(expression, 40))) + offset


def test_tight_certificates_pass_and_sandwich_the_closed_form(ef21, cgd):
    for document in (ef21, cgd):
        assert check_certificate(copy.deepcopy(document)).valid
        assert consistent(document)
        gap = Fraction(document["rho_upper"]) - Fraction(document["rho_lower"])
        assert gap <= 10 * TINY  # the premise of 1e-12 tampering: the proof is that tight


@pytest.mark.parametrize("name", ["ef21", "cgd"])
def test_rho_upper_below_the_rate_by_1e12_is_rejected(name, ef21, cgd):
    """Kills 'upper bound checked at rho_upper + 1e-9'."""
    tampered = copy.deepcopy({"ef21": ef21, "cgd": cgd}[name])
    tampered["rho_upper"] = str(rational_near(closed_form(tampered), -TINY))
    tampered["rho_lower"] = "0"  # only the upper claim is at stake
    report = check_certificate(tampered)
    assert not report.valid and any("upper bound rejected" in r for r in report.reasons)


@pytest.mark.parametrize("name", ["ef21", "cgd"])
def test_rho_lower_above_the_rate_by_1e12_is_rejected(name, ef21, cgd):
    """Kills 'root count relaxed by 1e-9'."""
    tampered = copy.deepcopy({"ef21": ef21, "cgd": cgd}[name])
    tampered["rho_lower"] = str(rational_near(closed_form(tampered), TINY))
    tampered["rho_upper"] = "2"  # only the lower claim is at stake
    report = check_certificate(tampered)
    assert not report.valid and any("lower bound rejected" in r for r in report.reasons)


def _instance_rate(document: dict, h: Fraction, alpha: Fraction) -> Fraction:
    """Squared spectral radius of EF21/CGD's map on f = h x^2/2, C = alpha (high precision)."""
    import mpmath

    from pepcert.pep.instances import ScalingInstance, linear_map

    method = method_factory(document["builtin"])(Fraction(document["parameters"]["eta"]))
    matrix = linear_map(method, ScalingInstance(h, alpha), number=Fraction)
    ctx = mpmath.mp.clone()
    ctx.dps = 50
    values = ctx.eig(ctx.matrix([[ctx.mpf(v.numerator) / v.denominator for v in row] for row in matrix]), left=False, right=False)
    return Fraction(str(max(abs(z) ** 2 for z in values)))


@pytest.mark.parametrize("field", ["alpha", "h"])
def test_instance_just_outside_the_classes_is_rejected(field, ef21):
    """Move the instance 1e-9 outside its class, where it proves a rate *above* the closed
    form, and claim that rate: a checker that skips membership (or uses delta/2) accepts a
    false lower bound. Kills 'membership always true' and 'compressor membership with delta/2'
    (alpha), and 'membership always true' (h when it is the binding curvature)."""
    tampered = copy.deepcopy(ef21)
    instance = tampered["lower"]["instance"]
    h, alpha = Fraction(instance["h"]), Fraction(instance["alpha"][0])
    s = ttd25.s_of(DELTA)
    if field == "alpha":
        # 1 + s or 1 - s, pushed 1e-12 further from 1 (outside: (alpha - 1)^2 > 1 - delta).
        edge = rational_near(1 + s, 1000 * TINY) if alpha > 1 else rational_near(1 - s, -1000 * TINY)
        alpha = edge
        instance["alpha"] = [str(alpha)]
    else:
        h = (L + 1000 * TINY) if h == L else (MU - 1000 * TINY)
        instance["h"] = str(h)
    closed = closed_form(tampered)
    excess = _instance_rate(tampered, h, alpha) - rational_near(closed, 0)
    assert excess > Fraction(1, 10**18), excess  # the moved instance forces more than the rate...
    claimed = rational_near(closed, excess / 2)
    assert ttd25.compare(claimed, closed) > 0  # ...so claiming half of the excess is false
    tampered["rho_lower"] = str(claimed)
    tampered["rho_upper"] = str(max(Fraction(tampered["rho_upper"]), claimed))
    report = check_certificate(tampered)
    assert not report.valid
    assert any("not in the function or compressor class" in r for r in report.reasons)


@pytest.mark.parametrize("key", ["mu", "L", "delta", "eta"])
@pytest.mark.parametrize("sign", [1, -1])
def test_parameters_moved_by_1e12_never_give_an_accepted_false_claim(key, sign, ef21):
    """A parameter moved by 1e-12: the file is either rejected, or still true for the
    parameters it now states (a valid proof may survive a tiny move: it had room)."""
    tampered = copy.deepcopy(ef21)
    where = tampered["parameters"] if key == "eta" else (
        tampered["classes"]["compressor"] if key == "delta" else tampered["classes"]["function"])
    where[key] = str(Fraction(where[key]) + sign * TINY)
    report = verdict(tampered)
    if report != "unreadable" and report.valid:
        assert consistent(tampered)
    else:
        assert report == "unreadable" or report.reasons


def test_rate_increasing_parameter_moves_are_rejected(ef21):
    """Moves that raise the true rate above rho_upper (which is within ~1e-12 of it) must be
    rejected: here delta - 1e-9 and eta + 1e-9 (the binding branches of EF21 at this step)."""
    rejected = 0
    for key, change in (("delta", -1000 * TINY), ("eta", 1000 * TINY), ("eta", -1000 * TINY), ("mu", -1000 * TINY)):
        tampered = copy.deepcopy(ef21)
        where = tampered["parameters"] if key == "eta" else (
            tampered["classes"]["compressor"] if key == "delta" else tampered["classes"]["function"])
        where[key] = str(Fraction(where[key]) + change)
        if ttd25.compare(Fraction(tampered["rho_upper"]), closed_form(tampered)) < 0:
            assert not check_certificate(tampered).valid, (key, change)
            rejected += 1
    assert rejected >= 1  # at least one of the moves makes the claim false


@pytest.mark.parametrize("method", ["ef", "cgd", "EF21", "ef21 ", "nesterov", "", 5, None])
def test_method_tampering(method, ef21):
    tampered = copy.deepcopy(ef21)
    tampered["builtin"] = method
    report = verdict(tampered)
    if report == "unreadable":
        return
    if report.valid:  # only the same method may pass, with a true claim
        assert str(method).strip().lower() == "ef21" and consistent(ef21)
    else:
        assert report.reasons


@pytest.mark.parametrize("outcomes", [2, 3, 8, 9, 0, -1, 2000, "1", 1.5, True, None])
def test_outcomes_tampering(outcomes, ef21):
    tampered = copy.deepcopy(ef21)
    tampered["outcomes"] = outcomes
    report = verdict(tampered)
    if outcomes in (9, 0, -1, 2000, "1", True, None) or isinstance(outcomes, float):
        assert report == "unreadable"
    else:
        assert report != "unreadable" and not report.valid


@pytest.mark.parametrize("change", [
    {"in_expectation": True}, {"in_expectation": "yes"}, {"type": "Unbiased"}, {"type": "Random"},
    {"delta": "1/4"}, {"delta": str(Fraction(1, 2) - TINY)}, {"delta": "1"}, {"delta": "100000000000000000001/100000000000000000000"},
])
def test_compressor_field_tampering(change, ef21):
    tampered = copy.deepcopy(ef21)
    tampered["classes"]["compressor"].update(change)
    report = verdict(tampered)
    if report == "unreadable" or not report.valid:
        return
    # Accepted: the claim must hold for the class it now states. A deterministic proof with
    # one outcome is also a proof for compressors contractive in expectation (the identity
    # behind it holds for every output; averaging keeps it), so that change may pass.
    compressor = tampered["classes"]["compressor"]
    assert compressor["type"] == "Contractive" and consistent(tampered)


def test_mu_below_minus_L_by_less_than_float_resolution_is_rejected(cgd):
    """mu = -L - 1/10^400 is outside every class although float() says -L; mu = -1/10^400
    is a hypoconvex class, whose problem is not the certified one."""
    tampered = copy.deepcopy(cgd)
    L = Fraction(tampered["classes"]["function"]["L"])
    tampered["classes"]["function"]["mu"] = str(-L - Fraction(1, 10**400))
    report = check_certificate(tampered)
    assert not report.valid and "mu must be at least -L" in report.reasons[0]
    tampered["classes"]["function"]["mu"] = "-1/1" + "0" * 400
    report = check_certificate(tampered)
    assert not report.valid and "does not match the certificate's" in report.reasons[0]
