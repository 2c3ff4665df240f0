r"""Exact lower bounds: a rational worst-case instance whose rate is proven in rationals.

Given a numerical worst instance (:mod:`pepcert.lowerbounds.linear`):

1. *Rational instance.* The function class turns the curvature ``h`` into a rational it
   provably contains (``mu`` or ``L`` exactly, or a rational in ``[mu, L]``); the compressor
   class turns the scaling into rational outcomes ``alpha_k`` it provably admits
   (``(alpha - 1)^2 <= 1 - delta``; ``mean alpha = 1``, ``mean alpha^2 <= 1 + omega``). Both
   memberships are then re-checked exactly (:meth:`ScalingInstance.belongs_to`).
2. *Exact map.* The method's own step, run on symbolic state vectors with rational
   coefficients, gives the rational matrix ``M_k`` of one step per outcome
   (:func:`linear_map`), and the second-moment map ``T: Sigma -> mean_k M_k Sigma M_k^T`` on
   symmetric matrices (:func:`symmetric_lift`). For one outcome, ``T``'s eigenvalues are the
   products ``lambda_a lambda_b``; for several, ``T`` maps the PSD cone into itself.
3. *Exact rate.* Sturm's theorem (``sympy``'s exact ``count_roots``) proves that the
   characteristic polynomial of ``T`` has a real root ``>= r > 0``. Then the spectral radius of
   ``T`` is at least ``r``: for one outcome ``max |lambda|^2 >= |lambda_a lambda_b| >= r``; for a
   random instance the Perron eigen-matrix of ``T`` (Krein-Rutman) is a second moment whose
   expected quadratic measures shrink by ``rho(T) >= r`` per step. So no Lyapunov function
   proves a rate below ``r``: ``rho_lower = r``. If ``r >= 1`` the instance proves that the
   method does not converge.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from pepcert.pep.instances import NotLinear, ScalingInstance, linear_maps, symmetric_lift
from pepcert.pep.methods import Method
from pepcert.pep.numerics.psd import to_fraction
from pepcert.pep.problem import ProblemClass
from pepcert.pep.serialise import jsonable


@dataclass(frozen=True)
class ExactLowerBound:
    """A rational instance and the rate it is proven to force (``verified``)."""

    instance: ScalingInstance | None
    characteristic: tuple[Fraction, ...]  # of T, highest degree first
    rho_lower: Fraction
    verified: bool
    reason: str = ""

    def to_dict(self, twins: bool = True) -> dict:
        """The instance in rationals (one agent: ``h`` and ``alpha`` as numbers; n agents: one
        curvature and one list of outcomes per agent), the polynomial and ``rho_lower``
        (``twins=False``: exact values only, as the certificate file writes them)."""
        instance, data = self.instance, None
        if instance is not None:
            function, compressor = instance_words(instance.agents)
            one = instance.agents == 1
            data = {"function": function, "compressor": compressor, "h": instance.hs[0] if one else list(instance.hs),
                    "alpha": list(instance.alphas[0]) if one else [list(agent) for agent in instance.alphas]}
        return jsonable({"instance": data, "characteristic_polynomial": list(self.characteristic),
                         "rho_lower": self.rho_lower}, twins)


def instance_words(agents: int) -> tuple[str, str]:
    """The scaling instance's function and compressor in words, as a certificate file states them."""
    if agents == 1:
        return "f(x) = h x^2 / 2", "C(v) = alpha_k v, outcomes k equally likely"
    return ("f_i(x) = h_i x^2 / 2 (agent i)",
            "C_i(v) = alpha_{i,k} v, outcomes k equally likely, independent per agent")


def characteristic_polynomial(matrix) -> tuple[Fraction, ...]:
    """``det(z I - A)`` of a rational matrix, highest degree first (FLINT's exact ``fmpq_mat``)."""
    import flint

    n = len(matrix)
    entries = [flint.fmpq(int(Fraction(v).numerator), int(Fraction(v).denominator)) for row in matrix for v in row]
    coefficients = flint.fmpq_mat(n, n, entries).charpoly().coeffs()  # lowest degree first
    return tuple(Fraction(int(c.p), int(c.q)) for c in reversed(coefficients))


#: Degree up to which an undecided root comparison falls back to Sturm's exact count (sympy).
STURM_DEGREE = 60


def proves_rate(characteristic, rho_lower: Fraction) -> bool:
    """Exact: the polynomial has a real root ``>= rho_lower`` (trivially true for ``<= 0``).

    FLINT isolates every complex root in a ball (``arb_fmpz_poly_complex_roots``: disjoint
    balls, real roots with an exactly zero imaginary part); a real root whose ball lies at or
    above ``rho_lower`` proves the claim. A ball that straddles ``rho_lower`` is decided by
    Sturm's theorem (sympy's ``count_roots``) up to degree :data:`STURM_DEGREE`, and counts
    as not proven beyond it (never as proven).
    """
    import flint

    from pepcert.pep.numerics.intervals import lower, upper

    rho_lower = Fraction(rho_lower)
    if rho_lower <= 0:
        return True
    scale = math.lcm(*(c.denominator for c in characteristic))
    integer = flint.fmpz_poly([int(c * scale) for c in reversed(characteristic)])
    straddles = False
    # python-flint 0.9's stub says list[acb]; it returns (root, multiplicity) pairs
    roots: list[tuple[Any, int]] = integer.complex_roots()  # type: ignore[assignment]
    for root, _ in roots:
        if root.imag != 0:
            continue
        if lower(root.real) >= rho_lower:
            return True
        straddles = straddles or upper(root.real) >= rho_lower
    if straddles and len(characteristic) - 1 <= STURM_DEGREE:
        return _sturm_count(characteristic, rho_lower) > 0
    return False


def _sturm_count(characteristic, rho_lower: Fraction) -> int:
    import sympy

    z = sympy.Symbol("z")
    poly = sympy.Poly([sympy.Rational(c.numerator, c.denominator) for c in characteristic], z)
    return poly.count_roots(sympy.Rational(rho_lower.numerator, rho_lower.denominator), None)


def second_moment_polynomial(method: Method, instance: ScalingInstance) -> tuple[Fraction, ...]:
    """The exact characteristic polynomial of ``T`` for ``instance`` (rational ``h``, alphas)."""
    matrices = linear_maps(method, instance, number=Fraction)
    lifted = symmetric_lift([[[Fraction(v) for v in row] for row in m] for m in matrices], number=Fraction)
    return characteristic_polynomial(lifted)


def rational_instance(instance: ScalingInstance, classes: ProblemClass) -> ScalingInstance | None:
    """A rational instance the classes provably contain next to the numerical ``instance``;
    ``None`` when a class has no scaling instances."""
    if not classes.function.has_instances():
        return None
    family = classes.scaling_family()
    hs = classes.function.rational_curvatures(instance.hs)
    return ScalingInstance(hs, tuple(_rational_outcomes(agent, family) for agent in instance.alphas))


def _rational_outcomes(alphas, family) -> tuple:
    alphas = tuple(float(a) for a in alphas)
    theta = alphas[0] if len(alphas) == 1 else (alphas[-1] - alphas[0]) / 2
    return tuple(family.rational_scalings(theta))


def exact_lower_bound(method: Method, classes: ProblemClass, instance: ScalingInstance, rho_float: float) -> ExactLowerBound:
    """Rationalise the numerical ``instance``, compute its exact second-moment map and prove
    ``rho_lower``.

    ``method`` and ``classes`` must be built with rational numbers (the step then runs
    exactly). ``rho_lower`` starts just below ``rho_float`` and is lowered until the exact
    root count proves it (a few tries at most; the bound is within ~1e-12 of the true value).
    """
    rational = rational_instance(instance, classes)
    if rational is None:
        return ExactLowerBound(None, (), Fraction(0), False, "the classes have no scaling instances")
    instance = rational
    if not instance.belongs_to(classes):
        return ExactLowerBound(instance, (), Fraction(0), False, "instance not in the classes")
    try:
        characteristic = second_moment_polynomial(method, instance)
    except NotLinear as error:
        return ExactLowerBound(instance, (), Fraction(0), False, str(error))
    relative = Fraction(1, 10**12)
    for _ in range(12):
        candidate = to_fraction(rho_float * (1 - float(relative)), 50)
        if candidate <= 0:
            break
        if proves_rate(characteristic, candidate):
            return ExactLowerBound(instance, characteristic, candidate, True)
        relative *= 10
    return ExactLowerBound(instance, characteristic, Fraction(0), False, "no real eigenvalue of that size")


def check_lower_bound(method: Method, classes: ProblemClass, instance: ScalingInstance,
                      rho_lower: Fraction) -> tuple[bool, str, tuple[Fraction, ...]]:
    """Re-verify a lower-bound claim from scratch, exactly (used by ``pepcert check``): whether
    it holds, why not, and the characteristic polynomial recomputed (empty when not reached)."""
    if not instance.belongs_to(classes):
        return False, "the instance is not in the function or compressor class", ()
    try:
        characteristic = second_moment_polynomial(method, instance)
    except NotLinear as error:
        return False, f"the method is not linear on the instance ({error})", ()
    if not proves_rate(characteristic, Fraction(rho_lower)):
        return False, "no real eigenvalue of the instance's second-moment map is >= rho_lower", characteristic
    return True, "", characteristic
