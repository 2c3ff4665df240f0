"""Every sign, membership and consistency check of the exact checker, each broken alone and
rejected for its own reason (the reason is asserted, not a word another check also prints).
``tools/mutants.py`` removes each check in turn and confirms that one of these tests fails."""

from __future__ import annotations

import copy
from fractions import Fraction as Q

import pytest

from pepcert import ProblemClass, SmoothStronglyConvex, certify, check_certificate
from pepcert.lowerbounds.certified import second_moment_polynomial
from pepcert.lyapunov.onestep import one_step
from pepcert.lyapunov.upper import UpperCertificate, check_upper
from pepcert.pep import Contractive, ConvexLipschitz, Method, Unbiased
from pepcert.pep.algorithms import BUILTIN_METHODS, compressed_gradient_descent
from pepcert.pep.classes import Distributed
from pepcert.pep.instances import ScalingInstance

CONTRACTIVE = ProblemClass(SmoothStronglyConvex(Q(1, 10), Q(1)), Contractive(Q(1, 2)))
TINY = "-1/1000000000000000000000000000000"


@pytest.fixture(scope="module")
def cgd():
    return certify(BUILTIN_METHODS["cgd"], CONTRACTIVE, Q(1, 5)).certificate


@pytest.fixture(scope="module")
def ef_paper():
    result = certify(BUILTIN_METHODS["ef"], CONTRACTIVE, Q(1, 5), family="paper")
    assert result.certificate["upper"]["family"] == "paper"
    return result.certificate


def reasons(document, method=None) -> str:
    report = check_certificate(document, method=method)
    assert not report.valid
    return " | ".join(report.reasons)


def forged(document, edit):
    changed = copy.deepcopy(document)
    edit(changed)
    return changed


# -- the upper bound -------------------------------------------------------------------------

def test_the_last_multiplier_a_compressor_inequality_may_not_be_negative(cgd):
    assert cgd["upper"]["constraints"][-1].startswith("compressor(")
    document = forged(cgd, lambda d: d["upper"]["multipliers"].__setitem__(-1, TINY))
    assert "upper bound rejected: a multiplier is negative" in reasons(document)


def test_the_first_multiplier_may_not_be_negative(cgd):
    document = forged(cgd, lambda d: d["upper"]["multipliers"].__setitem__(0, TINY))
    assert "upper bound rejected: a multiplier is negative" in reasons(document)


def test_the_weight_of_f_minus_f_star_may_not_be_negative(cgd):
    document = forged(cgd, lambda d: d["upper"].__setitem__("p", TINY))
    assert "upper bound rejected: the weight p of f - f* is negative" in reasons(document)


def test_a_family_weight_may_not_be_negative(ef_paper):
    document = forged(ef_paper, lambda d: d["upper"]["weights"].__setitem__(-1, TINY))
    assert "upper bound rejected: a family weight is negative" in reasons(document)


def test_v_equal_to_zero_certifies_nothing(cgd, ef_paper):
    def zero_full(d):
        d["upper"]["P"] = [["0"] * len(row) for row in d["upper"]["P"]]
        d["upper"]["p"] = "0"
        d["upper"]["multipliers"] = ["0"] * len(d["upper"]["multipliers"])
        d["upper"]["dominance"] = None
        d["rho_lower"] = "0"
        d.pop("lower")

    assert "upper bound rejected: V = 0 certifies nothing" in reasons(forged(cgd, zero_full))

    def zero_weights(d):
        d["upper"]["weights"] = ["0"] * len(d["upper"]["weights"])
        d["upper"]["multipliers"] = ["0"] * len(d["upper"]["multipliers"])
        d["upper"]["dominance"] = None
        d["rho_lower"] = "0"
        d.pop("lower")

    assert "upper bound rejected: V = 0 certifies nothing" in reasons(forged(ef_paper, zero_weights))


def test_a_constant_term_of_the_residual_is_not_ignored():
    """Only classes with constants (M-Lipschitz: ||g||^2 - M^2 <= 0) can leave one: a
    multiplier on such an inequality makes the residual's constant -lambda M^2 < 0."""
    def gd(eta):
        return Method("GD", ("x",), lambda s, o: (s[0] - eta * o.gradient(s[0]),))

    step = one_step(gd(Q(1, 2)), ProblemClass(ConvexLipschitz(Q(1))))
    names = [name for name, _ in step.constraints]
    lipschitz = [k for k, name in enumerate(names) if name.startswith("lipschitz")]
    assert lipschitz
    multipliers = [Q(0)] * len(names)
    multipliers[lipschitz[0]] = Q(1)
    P = tuple(tuple(Q(int(a == b == 0)) for b in range(2)) for a in range(2))
    verdict = check_upper(step, UpperCertificate(Q(2), "full", P, Q(0), None, tuple(multipliers)))
    assert not verdict.valid and verdict.reason == "the residual has a constant term"


# -- the claims ------------------------------------------------------------------------------

def test_rho_lower_above_rho_upper_is_refused(cgd):
    document = forged(cgd, lambda d: d.__setitem__("rho_lower", str(Q(d["rho_upper"]) + Q(1, 10**20))))
    assert "rho_lower exceeds rho_upper" in reasons(document)


@pytest.mark.parametrize("value", ["1/2", "99/100", "1", "3"])
def test_a_positive_rho_lower_needs_an_instance(cgd, value):
    def edit(d):
        d.pop("lower")
        d["rho_lower"] = value
        d["rho_upper"] = "1000"

    assert "rho_lower > 0 but the file has no lower-bound instance" in reasons(forged(cgd, edit))


# -- class membership of the instance --------------------------------------------------------

NOT_IN_CLASS = "lower bound rejected: the instance is not in the function or compressor class"


def _with_instance(document, h, alpha, rho_lower="1/1000000", classes=None):
    def edit(d):
        d["lower"]["instance"]["h"], d["lower"]["instance"]["alpha"] = h, alpha
        d["rho_lower"] = rho_lower
        if classes is not None:
            d["classes"] = classes
    return forged(document, edit)


def test_a_deterministic_class_needs_every_outcome_inside(cgd):
    """(alpha - 1)^2 = 0.64 > 1 - delta = 0.5 for one outcome, 0.09 for the other: inside on
    average, outside surely; also with in_expectation written false explicitly."""
    document = _with_instance(cgd, "1/10", ["9/5", "7/10"])
    assert NOT_IN_CLASS in reasons(document)
    explicit = forged(document, lambda d: d["classes"]["compressor"].__setitem__("in_expectation", False))
    assert NOT_IN_CLASS in reasons(explicit)


def test_a_class_in_expectation_averages_and_no_more(cgd):
    random = {"type": "Contractive", "delta": "1/2", "in_expectation": True}
    inside = _with_instance(cgd, "1/10", ["9/5", "7/10"], classes={**cgd["classes"], "compressor": random})
    assert NOT_IN_CLASS not in " | ".join(check_certificate(inside).reasons)
    outside = _with_instance(cgd, "1/10", ["9/5", "2/10"], classes={**cgd["classes"], "compressor": random})
    assert NOT_IN_CLASS in reasons(outside)  # mean error (0.64 + 0.64)/2 > 0.5


def test_the_curvature_must_be_in_the_function_class(cgd):
    assert NOT_IN_CLASS in reasons(_with_instance(cgd, "11/10", ["3/2"]))
    assert NOT_IN_CLASS in reasons(_with_instance(cgd, "1/20", ["3/2"]))


def test_an_unbiased_instance_must_be_unbiased():
    classes = ProblemClass(SmoothStronglyConvex(Q(1, 10), Q(1)), Unbiased(Q(1)))
    biased = ScalingInstance(Q(1), (Q(1, 2), Q(1, 2)))  # second moment 1/4 <= 2, mean 1/2 != 1
    assert not biased.belongs_to(classes)
    assert ScalingInstance(Q(1), (Q(0), Q(2))).belongs_to(classes)
    assert not ScalingInstance(Q(1), (Q(-1, 10), Q(21, 10))).belongs_to(classes)  # second moment 2.21 > 2


def test_every_agent_curvature_must_be_in_its_class():
    classes = ProblemClass(Distributed((SmoothStronglyConvex(Q(1, 10), Q(1)), SmoothStronglyConvex(Q(1), Q(2)))),
                           Contractive(Q(1, 2)))
    assert ScalingInstance((Q(1, 10), Q(2)), ((Q(3, 2),), (Q(3, 2),))).belongs_to(classes)
    assert not ScalingInstance((Q(1, 10), Q(1, 2)), ((Q(3, 2),), (Q(3, 2),))).belongs_to(classes)
    assert not ScalingInstance((Q(3, 2), Q(2)), ((Q(3, 2),), (Q(3, 2),))).belongs_to(classes)
    assert not ScalingInstance((Q(1, 10), Q(2)), ((Q(3, 2),), (Q(9, 5),))).belongs_to(classes)


def test_agents_draw_their_outcomes_independently():
    """Distributed CGD, eta = 1/2, f_i = x^2/2, C_i(v) in {v/2, 3v/2} independently: the one-step
    factor 1 - (a_1 + a_2)/4 is 3/4, 1/2, 1/2, 1/4 with probability 1/4 each, so the second
    moment contracts by (9 + 4 + 4 + 1)/64 = 9/32 (fully correlated outcomes would give 5/16)."""
    instance = ScalingInstance((Q(1), Q(1)), ((Q(1, 2), Q(3, 2)), (Q(1, 2), Q(3, 2))))
    assert second_moment_polynomial(compressed_gradient_descent(Q(1, 2), 2), instance) == (Q(1), Q(-9, 32))


def test_the_residual_must_be_positive_semidefinite(ef_paper):
    """Half the rate: every sign is right (V reads no function value), the residual matrix is
    not PSD."""
    document = forged(ef_paper, lambda d: d.__setitem__("rho_upper", str(Q(d["rho_upper"]) / 2)))
    assert "upper bound rejected: the residual matrix S is not positive semidefinite" in reasons(document)


def test_p_must_be_positive_semidefinite(cgd):
    def negate(d):
        d["upper"]["P"] = [[str(-Q(v)) for v in row] for row in d["upper"]["P"]]
        d["upper"]["P"][0][0] = "1"

    assert "upper bound rejected: P is not positive semidefinite" in reasons(forged(cgd, negate))
