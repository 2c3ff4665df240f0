"""Gradient descent contracts ||x - x*||^2 by max((1 - eta mu)^2, (1 - eta L)^2) for every
0 < mu < L and every step eta > 0 (the classical bound; e.g. Nesterov 2004, Thm 2.1.15),
proved symbolically by pepcert's generic verifier from a user's method definition and a
proof written as data: split at eta = 2/(L + mu); below it the multiplier of the two
interpolation inequalities between x and x* is 2 eta (1 - eta mu), above it 2 eta (eta L - 1).
"""

import sympy

from pepcert import Method, ProblemClass, SmoothStronglyConvex, norm2
from pepcert.lyapunov.onestep import one_step
from pepcert.lyapunov.symbolic import Bound, Lyapunov, Piece, Proof, Range, Split, verify

eta, mu, L = sympy.symbols("eta mu L", positive=True)


def gradient_descent(eta):
    def step(state, oracle):
        (x,) = state
        return (x - eta * oracle.gradient(x),)

    return Method("GD", ("x",), step, families={"distance": (("||x - x*||^2", lambda z, c: norm2(z.x)),)})


def piece(lam):
    return Piece(Lyapunov(weights=(1,)), {"interpolation(x*,x0)": lam, "interpolation(x0,x*)": lam})


problem = one_step(gradient_descent(eta), ProblemClass(SmoothStronglyConvex(mu, L)), family="distance")
proof = Proof(
    Range([Bound(mu), Bound(L, lower=mu), Bound(eta)]),
    Split(eta, 2 / (L + mu), below=piece(2 * eta * (1 - eta * mu)), above=piece(2 * eta * (eta * L - 1))),
    rate=sympy.Max((1 - eta * mu) ** 2, (1 - eta * L) ** 2),
)
verdict = verify(problem, proof)
for result in verdict.pieces:
    print(f"{result.range}: rho = {sympy.factor(result.rate)}, residual = {result.squares}")
print(verdict.summary())
assert verdict.proved, verdict.reason

wrong = Proof(proof.parameters, proof.body, rate=sympy.Max((1 - eta * mu) ** 2, (1 - eta * L) ** 2) * sympy.Rational(999, 1000))
assert not verify(problem, wrong).proved  # a rate 0.1% smaller is rejected
