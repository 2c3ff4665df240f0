"""Thomsen, Taylor & Dieuleveut (2025): at their optimal steps, compressed gradient descent
(Lyapunov f - f*) is strictly faster than EF and EF21:

    rho*_CGD = ((kappa_s - 1)/(kappa_s + 1))^2,  kappa_s = kappa (1 + s)/(1 - s),
    rho*_EF  = ((B + sqrt(B^2 + 4 s))/2)^2,      B = (1 - s)(kappa - 1)/(kappa + 1).

The theorems are pepcert.papers.theorems.ttd25.optimal_step_and_rate (both closed forms) and
.cgd_faster_than_ef (CGD's computed rate below EF's); `pepcert verify --only cgd-faster` checks
the latter at nine settings and `--only symbolic-cgd-faster` proves it for all kappa, delta.
"""

from pepcert.papers.theorems import show
from pepcert.papers.theorems.ttd25 import cgd_faster_than_ef, optimal_step_and_rate

checks = []
for kappa, delta in ((2, 0.5), (10, 0.1)):
    for method in ("CGD", "EF"):
        checks.append(show(optimal_step_and_rate, method=method, mu=1 / kappa, L=1.0, delta=delta))
    checks.append(show(cgd_faster_than_ef, mu=1 / kappa, L=1.0, delta=delta))
if not all(checks):
    raise SystemExit(1)
