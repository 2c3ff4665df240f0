r"""Rates with stochastic gradients: the exact-gradient rate, the pair ``(rho, C)`` and the
noise neighbourhood of ``||x - x*||^2`` with its lower end (``docs/noise.md``).

For classes with a noise class (:mod:`pepcert.pep.noise`) and a linear rate:

1. ``rho*``: the tight rate of the method with exact gradients (:func:`pepcert.analyses.tight_rate`;
   with noise the contraction is the same, the noise adds a constant);
2. ``C`` at ``rho*`` and the best neighbourhood ``C sigma^2/(1 - rho)`` over ``rho`` in
   ``[rho*, 1)`` (:mod:`pepcert.lyapunov.noisy`): ``E ||x_k - x*||^2 <= rho^k V_0 +
   C sigma^2 (1 - rho^k)/(1 - rho)``;
3. the largest stationary ``E ||x - x*||^2`` on explicit instances
   (:mod:`pepcert.lowerbounds.noisy`): the neighbourhood is proven to lie in
   ``[instance, C sigma^2/(1 - rho)]``, tight when the two meet.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Any

from pepcert.pep.errors import BadInput, SolverFailure
from pepcert.pep.serialise import jsonable


def without_noise(classes):
    """The classes with exact gradients."""
    return replace(classes, noise=None)


@dataclass(frozen=True)
class NoisyRateResult:
    method: str
    classes: dict
    eta: float
    rho: float  # exact-gradient tight rate
    rate: Any  # its LyapunovResult
    pair: Any  # NoisePair at rho* (None when no V proves one there)
    best: Any  # NoisePair of the smallest neighbourhood
    lower: float  # the instances' stationary E||x - x*||^2
    lower_instance: Any
    seconds: float

    @property
    def tight(self) -> bool:
        """The neighbourhood's two ends meet (relative 1e-6)."""
        upper = self.best.neighbourhood
        return self.lower > 0 and abs(upper - self.lower) <= 1e-6 * upper

    def to_dict(self) -> dict:
        def pair(p):
            return None if p is None else {"rho": p.rho, "C": p.C, "neighbourhood": p.neighbourhood}

        return jsonable({
            "kind": "noisy", "method": self.method, "classes": self.classes, "eta": self.eta, "rho": self.rho,
            "rate": self.rate, "pair_at_rho": pair(self.pair), "best_pair": pair(self.best),
            "neighbourhood_upper": self.best.neighbourhood, "neighbourhood_lower": self.lower,
            "neighbourhood_tight": self.tight,
            "lower_instance": None if self.lower_instance is None else self.lower_instance.to_dict(),
            "statement": "E||x_k - x*||^2 <= rho^k V_0 + C sigma^2 (1 - rho^k)/(1 - rho)",
            "seconds": self.seconds,
        })


def noisy_rate(factory, classes, eta: Any = "optimal", solver: str | None = None) -> NoisyRateResult:
    """Module docstring. ``eta="optimal"`` takes the exact-gradient optimal step."""
    from pepcert.analyses.rates import optimal_step, tight_rate
    from pepcert.analyses.sublinear import has_linear_rate
    from pepcert.lowerbounds.noisy import instance_neighbourhood
    from pepcert.lyapunov.noisy import best_neighbourhood, noise_pair

    if classes.noise is None:
        raise BadInput("noisy_rate needs a noise class (give --sigma)")
    if not has_linear_rate(classes):
        raise BadInput("no linear rate over this class: use worst_case with the noise for N steps")
    start = time.perf_counter()
    exact = without_noise(classes)
    if eta == "optimal":
        step = optimal_step(factory, exact, solver=solver, structured_fallback=True)
        eta, rate = step.eta, step.rate
    else:
        rate = tight_rate(factory(float(eta)), exact, solver=solver, structured_fallback=True)
    method = factory(float(eta))
    if not rate.converges:
        raise BadInput(f"{method.name} does not converge at eta = {float(eta):.6g} (rho = {rate.rho:.6g}) even "
                       "with exact gradients: no neighbourhood")
    try:
        at_rho = noise_pair(method, classes, rate.rho)
    except SolverFailure:
        at_rho = None
    best = best_neighbourhood(method, classes, rate.rho)
    lower, instance = instance_neighbourhood(method, classes)
    return NoisyRateResult(method.name, classes.to_dict(), float(eta), rate.rho, rate, at_rho, best, lower, instance,
                           time.perf_counter() - start)
