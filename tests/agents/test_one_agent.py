"""One agent is the n = 1 case of n agents: a class given plainly and the same class given as
``Distributed((fn,))`` are one problem, with the same rates, worst cases and certificates."""

from fractions import Fraction as Q

import pytest

from pepcert.analyses import certify, check_certificate, tight_rate
from pepcert.pep import Contractive, ProblemClass, SmoothStronglyConvex, Unbiased, worst_case
from pepcert.pep.algorithms import BUILTIN_METHODS, diana
from pepcert.pep.classes import Distributed

CASES = [("cgd", Contractive(Q(1, 2))), ("ef", Contractive(Q(1, 2))), ("ef21", Contractive(Q(1, 3))),
         ("ef", Contractive(Q(1, 2), in_expectation=True))]


def both(function, compressor):
    return ProblemClass(function, compressor), ProblemClass(Distributed((function,)), compressor)


@pytest.mark.parametrize("name,compressor", CASES)
def test_rates_and_worst_cases_agree(name, compressor):
    plain, distributed = both(SmoothStronglyConvex(0.1, 1.0), compressor.converted(float))
    assert plain == distributed and plain.to_dict() == distributed.to_dict()
    method = BUILTIN_METHODS[name](0.2)
    a, b = tight_rate(method, plain), tight_rate(method, distributed)
    assert abs(a.rho - b.rho) <= 1e-12 and abs(a.rho_lower - b.rho_lower) <= 1e-12
    wa, wb = worst_case(method, plain, 3, "distance"), worst_case(method, distributed, 3, "distance")
    assert abs(wa.value - wb.value) <= 1e-12 * max(1.0, wa.value)


def test_certificates_agree_and_check_both_ways():
    plain, distributed = both(SmoothStronglyConvex(Q(1, 10), Q(1)), Contractive(Q(1, 2)))
    factory = BUILTIN_METHODS["ef21"]
    a, b = certify(factory, plain, Q(1, 5)), certify(factory, distributed, Q(1, 5))
    assert a.verified and b.verified and (a.rho_lower, a.rho_upper) == (b.rho_lower, b.rho_upper)
    assert a.certificate["digest"] == b.certificate["digest"]
    assert a.certificate["classes"]["function"] == {"type": "SmoothStronglyConvex", "mu": "1/10", "L": "1"}
    assert check_certificate(b.certificate).valid


def test_the_n_agent_definitions_with_one_agent_are_the_single_agent_ones():
    classes = ProblemClass(SmoothStronglyConvex(0.1, 1.0), Unbiased(1.0))
    one, default = tight_rate(diana(0.25, 1.0, 1), classes), tight_rate(diana(0.25, 1.0), classes)
    assert abs(one.rho - default.rho) <= 1e-12
