"""Your own method, every analysis: gradient descent written in five lines gets its tight rate
(max((1 - eta mu)^2, (1 - eta L)^2)), its optimal step 2/(L + mu), the N-step worst case of
f - f* from its declared start (de Klerk, Glineur & Taylor 2017: the same rate per step), and
an exact certificate that check_certificate accepts with the same definition.
"""

from fractions import Fraction

from pepcert import (
    Method,
    ProblemClass,
    SmoothStronglyConvex,
    certify,
    check_certificate,
    optimal_step,
    tight_rate,
    worst_case,
)


def gradient_descent(eta):
    def step(state, oracle):
        (x,) = state
        return (x - eta * oracle.gradient(x),)

    return Method("GD", state=("x",), step=step, start=lambda x0, oracle: (x0,))


mu, L = Fraction(1, 10), Fraction(1)
classes = ProblemClass(SmoothStronglyConvex(mu, L))
rate = tight_rate(gradient_descent(0.5), classes.converted(float))
print(f"rate at eta = 1/2: {rate.rho:.12f} (closed form {max(0.95**2, 0.5**2):.12f}, lower bound from: {rate.lower_source})")
assert abs(rate.rho - 0.95**2) < 1e-9
best = optimal_step(gradient_descent, classes.converted(float))
print(f"optimal step {best.eta:.12f} (2/(L + mu) = {2 / 1.1:.12f})")
assert abs(best.eta - 2 / 1.1) < 1e-9
value = worst_case(gradient_descent(0.5), classes.converted(float), 3, measure="function").value
print(f"f(x_3) - f* <= {value:.10f} (f(x_0) - f*) ; rate^3 = {0.95**6:.10f}")
assert abs(value - 0.95**6) < 1e-6
result = certify(gradient_descent, classes, Fraction(20, 11))
print(f"certified: {result.rho_lower} <= rho <= {result.rho_upper}")
assert result.verified and result.rho_lower <= Fraction(81, 121) <= result.rho_upper
assert check_certificate(result.certificate, method=gradient_descent).valid
