"""Parshakova, Khaled, Crawshaw, Garrigos & Gower 2026: Muon does not converge on convex
Lipschitz functions, while its error-feedback variant does.

On f(W) = c |tr W| + |W_11 - W_22| with c = (1 - beta)/(2(1 + beta)), Muon with momentum beta
keeps tr W_t = 2, so f(W_t) - f* >= (1 - beta)/(1 + beta) for every t; pepcert proves it for
t <= T by an exact replay of the same Muon definition the simulations run (bounded rigorous
enclosures, every transition checked). EF-Muon on the same instance drives the gap to zero.
"""

from fractions import Fraction

import numpy as np

from pepcert.analyses.ef_muon import simulate
from pepcert.analyses.muon import certify_muon, muon_instance
from pepcert.pep.algorithms.muon import ef_muon
from pepcert.pep.numerics.matrix2 import Mat2

beta, schedule, T = Fraction(9, 10), "1/sqrt(t+1)", 1000
certificate = certify_muon(beta, schedule, T)
level = (1 - beta) / (1 + beta)
print(f"Muon, beta = {beta}, steps {schedule}: f(W_t) - f* >= {float(certificate.certified_lower_bound):.6f} "
      f"for t <= {T} (level {float(level):.6f}), certified: {certificate.certified}")
assert certificate.certified and certificate.certified_lower_bound >= level

instance = muon_instance(beta, schedule)
gammas = instance.schedule.floats(np.arange(3000))
run = simulate(ef_muon(gammas), instance.oracle(), Mat2.from_array(instance.W0_float()), 3000)
first = run.first_below(1e-3)
print(f"EF-Muon on the same instance: gap below 1e-3 at t = {first}")
assert first is not None
