"""Your own method, every analysis: gradient descent written in five lines gets its tight rate
(max((1 - eta mu)^2, (1 - eta L)^2)), its optimal step 2/(L + mu), the N-step worst case of
f - f* from its declared start (de Klerk, Glineur & Taylor 2017: the same rate per step), and
an exact certificate that check_certificate accepts with the same definition.

The theorems are those of pepcert.papers.theorems.classical, which take the method as a
parameter: here they run on the definition below (`pepcert verify --only gradient-descent` runs
them on the catalogue's own).
"""

from fractions import Fraction

from pepcert import Method
from pepcert.papers.theorems import show
from pepcert.papers.theorems.classical import (
    certified_rate,
    function_value_worst_case,
    optimal_step_size,
    rate,
)


def gradient_descent(eta):
    def step(state, oracle):
        (x,) = state
        return (x - eta * oracle.gradient(x),)

    return Method("GD", state=("x",), step=step, start=lambda x0, oracle: (x0,))


checks = [
    show(rate, mu=0.1, L=1.0, eta=0.5, method=gradient_descent),
    show(optimal_step_size, mu=0.1, L=1.0, method=gradient_descent),
    show(function_value_worst_case, mu=0.1, L=1.0, eta=0.5, N=3, method=gradient_descent),
    show(certified_rate, mu=Fraction(1, 10), L=Fraction(1), eta=Fraction(20, 11), method=gradient_descent),
]
if not all(checks):
    raise SystemExit(1)
