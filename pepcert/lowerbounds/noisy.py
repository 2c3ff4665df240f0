r"""Lower bounds on the noise neighbourhood: stationary second moments on explicit instances.

On a scaling instance (:mod:`pepcert.pep.instances`: ``f = h x^2/2``, ``C(v) = alpha_k v``)
a method with noisy gradients ``h x + xi`` is a random linear system
``z_{k+1} = M_k z_k + N_k xi_k``, ``xi_k`` independent with variance ``sigma^2`` (one column
of ``N_k`` per gradient call of the step). Its second moment ``Sigma = E z z^T`` evolves by

.. math:: \Sigma_{k+1} = \operatorname{mean}_k (M_k \Sigma_k M_k^\top) + \sigma^2 \operatorname{mean}_k N_k N_k^\top,

and when the map ``Sigma -> mean M Sigma M^T`` has spectral radius below 1 it converges to the
unique fixed point. Its ``(x, x)`` entry is ``lim E ||x_k - x*||^2`` on a member of the classes
(Gaussian noise of variance ``sigma^2`` satisfies every noise class here), so the largest over
instances is a lower bound on the worst neighbourhood; :mod:`pepcert.lyapunov.noisy` gives
the upper bound.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from pepcert.pep.expressions import Basis, Vector
from pepcert.pep.instances import NotLinear, ScalingInstance, symmetric_lift
from pepcert.pep.methods import Method
from pepcert.pep.problem import ProblemClass


class _NoisyOracle:
    """The linear oracle of a scaling instance whose gradients carry a fresh noise vector."""

    def __init__(self, instance: ScalingInstance, outcome: int, basis: Basis):
        self.instance, self.outcome, self.basis = instance, outcome, basis
        self.agents = instance.agents
        self.noises: list[Vector] = []
        self.noisy = False  # the optimum's state reads exact gradients; the step's are noisy

    def gradient(self, x, agent=None):
        if not self.noisy:
            return self.instance.gradient(x, agent=agent)
        xi = self.basis.new_vector(f"xi{len(self.noises)}")
        self.noises.append(xi)
        return self.instance.gradient(x, agent=agent) + xi

    def compress(self, v, agent=None):
        return self.instance.compress(v, self.instance.digit(self.outcome, 0 if agent is None else agent), agent)

    def value(self, x, agent=None):
        raise NotLinear("this method uses function values")


def _maps(method: Method, instance: ScalingInstance, outcome: int) -> tuple[np.ndarray, np.ndarray]:
    """``(M, N)`` of one outcome: the state's and the noise's coefficients in the next state."""
    basis = Basis()
    oracle = _NoisyOracle(instance, outcome, basis)
    zero = basis.zero_vector()
    optimum = method.state_at_optimum(zero, oracle)
    oracle.noisy = True
    shifts = [basis.new_vector(name) for name in method.state]
    state = tuple(star + shift for star, shift in zip(optimum, shifts))
    new_state = method.advance(state, oracle, 0)
    size, columns = len(method.state), [next(iter(xi.coefficients)) for xi in oracle.noises]
    first = next(iter(shifts[0].coefficients))
    M, N = np.zeros((size, size)), np.zeros((size, len(columns)))
    for row, (component, star) in enumerate(zip(new_state, optimum)):
        shifted = component - star
        if not isinstance(shifted, Vector):
            raise NotLinear("a step must return vectors")
        for index, coefficient in shifted.coefficients.items():
            if index in columns:
                N[row, columns.index(index)] = float(coefficient)
            else:
                M[row, index - first] = float(coefficient)
    return M, N


def stationary_distance(method: Method, instance: ScalingInstance, sigma2: float) -> float:
    """``lim E ||x_k - x*||^2`` on ``instance`` (``inf`` when the second moment diverges)."""
    maps = [_maps(method, instance, k) for k in range(instance.n_outcomes)]
    size = maps[0][0].shape[0]
    lifted = np.array(symmetric_lift([M.tolist() for M, _ in maps]), dtype=float)
    if max(abs(np.linalg.eigvals(lifted))) >= 1:
        return math.inf
    source = sum(N @ N.T for _, N in maps) / len(maps) * sigma2
    pairs = [(i, j) for i in range(size) for j in range(i, size)]
    rhs = np.array([source[i, j] for i, j in pairs])
    solution = np.linalg.solve(np.eye(len(pairs)) - lifted, rhs)
    return float(solution[pairs.index((0, 0))])


def _curvatures(classes: ProblemClass, grid: int) -> list[tuple]:
    """Per-agent curvature choices: a grid for one agent, each agent's ends (``max(mu_i, 0)``
    and ``L_i``) combined for several (at most 2^6 combinations)."""
    functions = classes.function.functions
    if len(functions) == 1:
        return [(float(h),) for h in functions[0].scaling_curvatures(thorough=True)[:grid]]
    ends = [sorted({float(h) for h in f.scaling_curvatures()[:1] + f.scaling_curvatures()[-1:]}) for f in functions]
    return list(itertools.islice(itertools.product(*ends), 64))


def instance_neighbourhood(method: Method, classes: ProblemClass, grid: int = 17) -> tuple[float, ScalingInstance | None]:
    """The largest stationary ``E ||x - x*||^2`` over scaling instances (:func:`_curvatures`;
    every agent the same scaling of the compressor's family, on a grid of it), and the
    instance attaining it. Each agent's gradient carries its own noise sample."""
    if classes.noise is None:
        return 0.0, None
    sigma2 = float(classes.noise.numbers()["sigma2"])
    family = classes.scaling_family()
    low, high = family.parameter_range()
    thetas = sorted(set(np.linspace(low, high, 9).tolist()) | set(family.ends()))
    best, where = 0.0, None
    for hs in _curvatures(classes, grid):
        for theta in thetas:
            alphas = family.scalings(float(theta))
            instance = (ScalingInstance(hs[0], alphas) if len(hs) == 1
                        else ScalingInstance(hs, tuple(alphas for _ in hs)))
            try:
                value = stationary_distance(method, instance, sigma2)
            except (NotLinear, TypeError, ValueError, ArithmeticError):
                return 0.0, None
            if math.isfinite(value) and value > best:
                best, where = value, instance
    return best, where
