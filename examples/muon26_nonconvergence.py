"""Parshakova, Khaled, Crawshaw, Garrigos & Gower 2026: Muon does not converge on convex
Lipschitz functions, while its error-feedback variant does.

On f(W) = c |tr W| + |W_11 - W_22| with c = (1 - beta)/(2(1 + beta)), Muon with momentum beta
keeps tr W_t = 2, so f(W_t) - f* >= (1 - beta)/(1 + beta) for every t; pepcert proves it for
t <= T by an exact replay of the same Muon definition the simulations run (bounded rigorous
enclosures, every transition checked). EF-Muon on the same instance drives the gap to zero,
within its proven bound.

The theorems are pepcert.papers.theorems.muon26.nonconvergence and .ef_muon_converges
(`pepcert verify --only muon` runs them and the induction, the LP bound and the worst-case SDP).
"""

from fractions import Fraction

from pepcert.papers.theorems import show
from pepcert.papers.theorems.muon26 import ef_muon_converges, nonconvergence

instance = {"beta": Fraction(9, 10), "schedule": "1/sqrt(t+1)"}
checks = [show(nonconvergence, **instance, T=1000), show(ef_muon_converges, **instance, steps=2500)]
if not all(checks):
    raise SystemExit(1)
