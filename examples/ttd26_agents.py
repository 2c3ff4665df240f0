"""Thomsen, Taylor & Dieuleveut 2026, *A tight theory of error feedback algorithms in
distributed optimization*, with f = (1/n) sum_i f_i and independent delta-contractive compressors,
s = sqrt(1 - delta):

1. n identical agents: EF21 keeps the single-agent step eta* = 2/(L + mu) (1 - s)/(1 + s) and
   rate rho* = ((B + sqrt(B^2 + 4 s))/2)^2, B = (1 - s)(kappa - 1)/(kappa + 1), for every n.
2. Two agents with different (L_i, mu_i): at eta* = 2n/sum_i(L_i + mu_i) (1 - s)/(1 + s), the
   paper's Lyapunov function V = (s/n)||sum_i grad f_i||^2 + sum_i (S/(n S_i))||grad f_i - d_i||^2
   contracts by the largest root of the paper's cubic (0.8011631 at the example below), and
   pepcert's best quadratic Lyapunov function proves a smaller rate there (docs/agents.md).

The theorems are in pepcert.papers.theorems.ttd26 (`pepcert verify --only ttd26`).
"""

from pepcert.papers.theorems import show
from pepcert.papers.theorems.ttd26 import (
    best_lyapunov_below_cubic,
    same_rate_every_n,
    two_agent_cubic,
)

checks = [show(same_rate_every_n, method="ef21", n=n, L=1.0, mu=0.1, delta=0.5) for n in (1, 2, 3)]
example = {"L": (1, 1), "mu": (0.9, 0.1), "delta": 0.5}
checks += [show(two_agent_cubic, **example), show(best_lyapunov_below_cubic, **example)]
if not all(checks):
    raise SystemExit(1)
