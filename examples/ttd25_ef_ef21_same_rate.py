"""Thomsen, Taylor & Dieuleveut (2025): EF and EF21 have the same tight rate at every step size,

    rho(eta) = max_{h in {mu, L}} ((|b_h| + sqrt(b_h^2 + 4 s)) / 2)^2,  b_h = (1 - s) - eta h (1 + s),

with s = sqrt(1 - delta), and the optimal step eta* = 2/(L + mu) (1 - s)/(1 + s).

The theorems are pepcert.papers.theorems.ttd25.ef_equals_ef21 and .optimal_step_and_rate (their
docstrings state them and their tolerances; `pepcert verify --only ef` checks them at more
settings). This script runs them at mu = 0.1, L = 1, delta = 1/2 and prints computed beside theory.
"""

from pepcert.papers.theorems import show
from pepcert.papers.theorems.ttd25 import ef_equals_ef21, optimal_step_and_rate

checks = [show(ef_equals_ef21, mu=0.1, L=1.0, delta=0.5, eta=eta) for eta in (0.1, 0.3, 0.6)]
checks.append(show(optimal_step_and_rate, method="EF", mu=0.1, L=1.0, delta=0.5))
if not all(checks):
    raise SystemExit(1)
