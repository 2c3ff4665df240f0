"""Thomsen, Taylor & Dieuleveut (2025): EF and EF21 have the same tight rate at every step size,

    rho(eta) = max_{h in {mu, L}} ((|b_h| + sqrt(b_h^2 + 4 s)) / 2)^2,  b_h = (1 - s) - eta h (1 + s),

with s = sqrt(1 - delta), and the optimal step eta* = 2/(L + mu) (1 - s)/(1 + s).
pepcert computes both rates by semidefinite programming (no closed form used) and compares.
"""

import math

from pepcert import Contractive, ProblemClass, SmoothStronglyConvex, optimal_step, tight_rate
from pepcert.pep.algorithms import ef21, error_feedback

mu, L, delta = 0.1, 1.0, 0.5
s = math.sqrt(1 - delta)
classes = ProblemClass(SmoothStronglyConvex(mu, L), Contractive(delta))


def closed_form(eta: float) -> float:
    return max(((abs(b) + math.sqrt(b * b + 4 * s)) / 2) ** 2 for b in ((1 - s) - eta * h * (1 + s) for h in (mu, L)))


for eta in (0.1, 0.3, 0.6):
    ef, ef21_ = tight_rate(error_feedback(eta), classes).rho, tight_rate(ef21(eta), classes).rho
    print(f"eta = {eta}: EF {ef:.12f}  EF21 {ef21_:.12f}  closed form {closed_form(eta):.12f}")
    assert abs(ef - closed_form(eta)) < 1e-9 and abs(ef21_ - closed_form(eta)) < 1e-9

best = optimal_step(error_feedback, classes)
eta_star = 2 / (L + mu) * (1 - s) / (1 + s)
print(f"optimal step {best.eta:.12f} (closed form {eta_star:.12f}), proven optimal: {best.proven_optimal}")
assert best.proven_optimal and abs(best.eta - eta_star) < 1e-9
