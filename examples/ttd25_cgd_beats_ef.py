"""Thomsen, Taylor & Dieuleveut (2025): at their optimal steps, compressed gradient descent
(Lyapunov f - f*) is strictly faster than EF and EF21:

    rho*_CGD = ((kappa_s - 1)/(kappa_s + 1))^2,  kappa_s = kappa (1 + s)/(1 - s),
    rho*_EF  = ((B + sqrt(B^2 + 4 s))/2)^2,      B = (1 - s)(kappa - 1)/(kappa + 1).
"""

import math

from pepcert import Contractive, ProblemClass, SmoothStronglyConvex, optimal_step
from pepcert.pep.algorithms import compressed_gradient_descent, error_feedback

for kappa, delta in ((2, 0.5), (10, 0.5), (10, 0.1)):
    classes = ProblemClass(SmoothStronglyConvex(1 / kappa, 1.0), Contractive(delta))
    s = math.sqrt(1 - delta)
    cgd = optimal_step(compressed_gradient_descent, classes).rate.rho
    ef = optimal_step(error_feedback, classes).rate.rho
    kappa_s = kappa * (1 + s) / (1 - s)
    B = (1 - s) * (kappa - 1) / (kappa + 1)
    print(f"kappa = {kappa}, delta = {delta}: CGD {cgd:.10f}  EF {ef:.10f}")
    assert abs(cgd - ((kappa_s - 1) / (kappa_s + 1)) ** 2) < 1e-9
    assert abs(ef - ((B + math.sqrt(B * B + 4 * s)) / 2) ** 2) < 1e-9
    assert cgd < ef
