"""Thomsen, Taylor & Dieuleveut 2026, *A tight theory of error feedback algorithms in
distributed optimization*, with f = (1/n) sum_i f_i and independent delta-contractive compressors,
s = sqrt(1 - delta):

1. n identical agents: EF21 keeps the single-agent step eta* = 2/(L + mu) (1 - s)/(1 + s) and
   rate rho* = ((B + sqrt(B^2 + 4 s))/2)^2, B = (1 - s)(kappa - 1)/(kappa + 1), for every n.
2. Two agents with different (L_i, mu_i): at eta* = 2n/sum_i(L_i + mu_i) (1 - s)/(1 + s), the
   paper's Lyapunov function V = (s/n)||sum_i grad f_i||^2 + sum_i (S/(n S_i))||grad f_i - d_i||^2
   contracts by the largest root of the paper's cubic (0.8011631 at the example below).
   pepcert's best quadratic Lyapunov function proves a smaller rate there (docs/agents.md).
"""

from pepcert import tight_rate, worst_case
from pepcert.papers.ttd26 import classes_of, optimal_step, paper_lyapunov, single_agent_rate, two_agent_rate
from pepcert.pep.algorithms import BUILTIN_METHODS

L, mu, delta = 1.0, 0.1, 0.5
eta = optimal_step((L,), (mu,), delta)
for n in (1, 2, 3):
    rate = tight_rate(BUILTIN_METHODS["ef21"](eta, n), classes_of((L,) * n, (mu,) * n, delta), family="paper")
    print(f"n = {n}: EF21 rate {rate.rho:.12f} (single-agent rho* {single_agent_rate(L, mu, delta):.12f})")
    assert abs(rate.rho - single_agent_rate(L, mu, delta)) < 1e-8

Ls, mus = (1, 1), (0.9, 0.1)
eta = optimal_step(Ls, mus, delta)
paper = worst_case(BUILTIN_METHODS["ef21"](eta, 2), classes_of(Ls, mus, delta), 1, measure=paper_lyapunov(Ls, mus, delta))
best = tight_rate(BUILTIN_METHODS["ef21"](eta, 2), classes_of(Ls, mus, delta))
print(f"two agents L = {Ls}, mu = {mus}: paper's V contracts by {paper.value:.9f}, cubic root {two_agent_rate(Ls, mus, delta):.9f}; "
      f"best quadratic V: {best.rho:.6f}")
assert abs(paper.value - two_agent_rate(Ls, mus, delta)) < 1e-7 and best.rho < paper.value
