"""Thomsen, Taylor & Dieuleveut (2025): the EF rate is tight, attained by f = h x^2/2 with
C(v) = (1 + s) v. pepcert proves rho_lower <= rho(eta) <= rho_upper in exact rational
arithmetic (a rational Lyapunov certificate and a rational instance) and re-checks the file
without a solver.
"""

import math
from fractions import Fraction

from pepcert import Contractive, ProblemClass, SmoothStronglyConvex, certify, check_certificate
from pepcert.pep.algorithms import error_feedback

classes = ProblemClass(SmoothStronglyConvex(Fraction(1, 10), Fraction(1)), Contractive(Fraction(1, 2)))
eta = Fraction(1, 5)
result = certify(error_feedback, classes, eta)
s = math.sqrt(0.5)
closed = max(((abs(b) + math.sqrt(b * b + 4 * s)) / 2) ** 2 for b in ((1 - s) - 0.2 * h * (1 + s) for h in (0.1, 1.0)))
print(f"{float(result.rho_lower):.15f} <= rho <= {float(result.rho_upper):.15f} (closed form {closed:.15f})")
assert result.verified and float(result.rho_lower) <= closed + 1e-15 and closed <= float(result.rho_upper) + 1e-15
assert result.gap < Fraction(1, 10**7)
assert check_certificate(result.certificate).valid
