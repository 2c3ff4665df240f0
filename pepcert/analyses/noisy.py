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

import math
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


def noise_split(result) -> tuple[float, float] | None:
    r"""``(a, b)`` with ``E[measure_N] <= a * initial + b * sigma^2`` for *every* initial value and
    ``sigma^2``, from an N-step worst case's proof: ``a`` is the multiplier of the initial
    condition and ``b`` the sum of the variance constraints' (each ``E||xi||^2 - sigma^2
    (- B||g||^2) <= 0``, the only constraints with a constant; the rest is homogeneous, so the
    same multipliers prove the line). Equal at the solved point (``a + b sigma^2`` is the value,
    to the solver's tolerance). ``None`` without noise or multipliers."""
    initial = result.multipliers.get("initial")
    variances = [v for name, v in result.multipliers.items() if name.startswith("variance(")]
    if initial is None or not variances:
        return None
    return float(initial), float(sum(variances))


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


@dataclass(frozen=True)
class TargetStep:
    """The step minimising ``C`` at a required rate ``rho``: the noise floor
    ``C sigma^2/(1 - rho)`` is smallest there among the steps that keep the rate."""

    eta: float
    pair: Any  # NoisePair at rho
    evaluations: int
    at_search_edge: bool

    def to_dict(self) -> dict:
        return jsonable({"eta": self.eta, "rho": self.pair.rho, "C": self.pair.C,
                         "neighbourhood": self.pair.neighbourhood, "evaluations": self.evaluations,
                         "at_search_edge": self.at_search_edge})


def step_for_rate(factory, classes, rho: float, eta_star: float, grid: int = 16) -> TargetStep:
    """The step ``eta`` minimising ``C(eta)`` at the fixed rate ``rho`` (the smallest noise
    floor among the steps whose ``E V_{k+1} <= rho V_k + C sigma^2`` holds): ``C`` on a
    logarithmic grid from ``eta*/1000`` to ``3 eta*`` (``eta*`` the exact-gradient optimal step;
    a step where no ``V`` proves ``rho`` counts as infinite), then a bounded scalar search
    between the best point's neighbours. Floating point, like every pair."""
    import numpy as np
    from scipy.optimize import minimize_scalar

    from pepcert.lyapunov.noisy import noise_pair

    if not 0 < rho < 1:
        raise BadInput(f"--target-rho must be in (0, 1), got {rho:g}")
    count = 0

    def C(t: float) -> float:
        nonlocal count
        count += 1
        try:
            return noise_pair(factory(math.exp(t)), classes, rho).C
        except SolverFailure:
            return math.inf

    logs = np.linspace(math.log(eta_star / 1000), math.log(3 * eta_star), grid)
    values = [C(float(t)) for t in logs]
    best = int(np.argmin(values))
    if not math.isfinite(values[best]):
        raise BadInput(f"no step in [eta*/1000, 3 eta*] has a Lyapunov function proving rho = {rho:g} with noise "
                       "(ask for a larger --target-rho)")
    low, high = logs[max(best - 1, 0)], logs[min(best + 1, grid - 1)]
    found = minimize_scalar(C, bounds=(float(low), float(high)), method="bounded", options={"xatol": 1e-9})
    t = float(found.x) if found.fun < values[best] else float(logs[best])
    return TargetStep(math.exp(t), noise_pair(factory(math.exp(t)), classes, rho), count + 1,
                      best in (0, grid - 1))
