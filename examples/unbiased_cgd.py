"""Compressed gradient descent with an omega-unbiased compressor (E C(v) = v,
E||C(v)||^2 <= (1 + omega)||v||^2; e.g. Wang, Safaryan & Richtarik 2022) contracts
E||x - x*||^2 at the tight rate

    rho(gamma) = max_{h in {mu, L}} (1 - gamma h)^2 + omega gamma^2 h^2,

optimal at gamma* = 2/((1 + omega)(L + mu)); the worst case over N steps (the compressor's
random outcomes modelled explicitly, a tree of outcomes) is rho(gamma)^N.

The theorems are pepcert.papers.theorems.wsr22.unbiased_rate and .unbiased_worst_case
(`pepcert verify --only unbiased`, which also proves the rate for all parameters with sympy).
"""

from pepcert.papers.theorems import show
from pepcert.papers.theorems.wsr22 import unbiased_rate, unbiased_worst_case

mu, L, omega = 0.1, 1.0, 0.5
checks = []
for gamma in (0.3, 2 / ((1 + omega) * (L + mu))):
    checks.append(show(unbiased_rate, mu=mu, L=L, omega=omega, gamma=gamma))
    checks.append(show(unbiased_worst_case, mu=mu, L=L, omega=omega, gamma=gamma, N=3))
if not all(checks):
    raise SystemExit(1)
