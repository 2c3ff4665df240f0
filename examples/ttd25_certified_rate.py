"""Thomsen, Taylor & Dieuleveut (2025): the EF rate is tight, attained by f = h x^2/2 with
C(v) = (1 + s) v. pepcert proves rho_lower <= rho(eta) <= rho_upper in exact rational
arithmetic (a rational Lyapunov certificate, re-checked without a solver, and a rational
instance whose rate is proven by an exact root count).

The theorems are pepcert.papers.theorems.ttd25.certified_rate and .lower_bound_instance
(`pepcert verify --only certified`, `--only lower-bound`); here at mu = 1/10, L = 1,
delta = 1/2, eta = 1/5.
"""

from fractions import Fraction

from pepcert.papers.theorems import show
from pepcert.papers.theorems.ttd25 import certified_rate, lower_bound_instance

setting = {"method": "EF", "mu": Fraction(1, 10), "L": Fraction(1), "delta": Fraction(1, 2), "eta": Fraction(1, 5)}
checks = [show(certified_rate, **setting), show(lower_bound_instance, **setting)]
if not all(checks):
    raise SystemExit(1)
