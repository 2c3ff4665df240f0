"""Compressed gradient descent with an omega-unbiased compressor (E C(v) = v,
E||C(v)||^2 <= (1 + omega)||v||^2; e.g. Wang, Safaryan & Richtarik 2022) contracts
E||x - x*||^2 at the tight rate

    rho(gamma) = max_{h in {mu, L}} (1 - gamma h)^2 + omega gamma^2 h^2,

optimal at gamma* = 2/((1 + omega)(L + mu)). The worst case over N steps models the
compressor's random outcomes explicitly (a tree of outcomes).
"""

from pepcert import ProblemClass, SmoothStronglyConvex, Unbiased, tight_rate, worst_case
from pepcert.pep.algorithms import compressed_gradient_descent

mu, L, omega = 0.1, 1.0, 0.5
classes = ProblemClass(SmoothStronglyConvex(mu, L), Unbiased(omega))
for gamma in (0.3, 2 / ((1 + omega) * (L + mu))):
    closed = max((1 - gamma * h) ** 2 + omega * gamma**2 * h**2 for h in (mu, L))
    rate = tight_rate(compressed_gradient_descent(gamma), classes)
    three = worst_case(compressed_gradient_descent(gamma), classes, 3, measure="distance")
    print(f"gamma = {gamma:.6f}: rate {rate.rho:.10f} (closed form {closed:.10f}), 3 steps {three.value:.10f} = rate^3 {closed**3:.10f}")
    assert abs(rate.rho - closed) < 1e-8 and abs(three.value - closed**3) < 1e-6
