r"""Thomsen, Taylor & Dieuleveut (2025): the symbolic lemmas around the decrease proofs.

* :func:`instance_lemmas` -- the lower-bound instances ``f = h x^2/2``, ``C(v) = alpha v``,
  run through each method's own step on sympy symbols (Section 4);
* :func:`optimal_step_lemmas` -- ``eta*`` minimises the closed-form rates, with ``rho*``;
* :func:`cgd_faster_than_ef` -- ``rho*_CGD < rho*_EF`` for all ``0 < delta < 1``, ``kappa > 1``.

Each returns ``[(statement, passed)]``; positivity is decided on the exact box of
``0 < s < 1, 0 < mu < L`` (:mod:`pepcert.lyapunov.symbolic.positivity`).
"""

from __future__ import annotations

from functools import cache

import sympy

from pepcert.lyapunov.symbolic import Bound, Range, is_zero
from pepcert.papers.ttd25 import closed_forms
from pepcert.papers.ttd25.charts import ETA, MU, L, S, b
from pepcert.papers.ttd25.proofs import METHODS
from pepcert.pep.instances import ScalingInstance, linear_map

H, ALPHA_C, Z = sympy.symbols("h alpha_C z")  # curvature, compressor scaling C(v) = alpha_C v


def box():
    """The exact box of ``0 < s < 1``, ``0 < mu``, ``mu < L``."""
    return Range([Bound(S, 0, 1), Bound(MU), Bound(L, lower=MU)]).box()


@cache
def instance_polynomial(method: str) -> sympy.Expr:
    """``det(z I - M)`` of the method's one-step map on ``f = h x^2/2``, ``C(v) = alpha_C v``,
    computed by running the method's own step on symbols (:func:`linear_map`)."""
    matrix = sympy.Matrix(linear_map(METHODS[method](ETA), ScalingInstance(H, ALPHA_C), number=sympy.Integer))
    return sympy.expand(matrix.charpoly(Z).as_expr())


def normalise_roots(expression) -> sympy.Expr:
    """Every square root's argument in a canonical rational form (so equal roots written
    differently become the same symbol for ``cancel``)."""
    return sympy.sympify(expression).replace(
        lambda e: e.is_Pow and e.exp == sympy.Rational(1, 2), lambda e: sympy.sqrt(sympy.factor(sympy.cancel(e.base)))
    )


def instance_lemmas() -> list[tuple[str, bool]]:
    r"""EF and EF21 share ``z^2 - (2 - alpha - alpha eta h) z + 1 - alpha`` for every
    ``C(v) = alpha v``; at ``alpha = 1 + s`` it is ``z^2 - b_h z - s`` with spectral radius
    ``r(b_h)`` (``closed_forms.ef_branch``); CGD's map is ``1 - eta alpha h``; ``C(v) = (1 +- s) v``
    is in the class with equality."""
    ef, ef21_, cgd = (instance_polynomial(name) for name in ("EF", "EF21", "CGD"))
    quadratic = Z**2 - b(H) * Z - S
    at = {ALPHA_C: 1 + S}
    bb = sympy.Symbol("b", real=True)
    roots = [(bb + sympy.sqrt(bb**2 + 4 * S)) / 2, (bb - sympy.sqrt(bb**2 + 4 * S)) / 2]
    # Both roots are real, one >= 0 >= the other (product -s); since sqrt(b^2 + 4 s) >= |b|
    # their moduli are (sqrt(b^2 + 4 s) +- b)/2, the larger being r(b).
    root_ok = all(sympy.expand((Z**2 - bb * Z - S).subs(Z, root)) == 0 for root in roots)
    other_ok = sympy.expand(roots[0] * roots[1] + S) == 0
    radius = (sympy.Abs(bb) + sympy.sqrt(bb**2 + 4 * S)) / 2
    delta_of_s = 1 - S**2
    branch_ok = is_zero(normalise_roots(closed_forms.ef_branch(H, delta_of_s, ETA)) - normalise_roots(radius.subs(bb, b(H)) ** 2))
    low, high = closed_forms.cgd_branches(MU, L, delta_of_s, ETA)
    cgd_at = lambda h, alpha: sympy.solve(cgd.subs({H: h, ALPHA_C: alpha}), Z)[0]
    return [
        ("EF and EF21 have the same characteristic polynomial for every C(v) = alpha v", sympy.expand(ef - ef21_) == 0),
        ("EF at alpha = 1 + s: z^2 - b_h z - s", sympy.expand(ef.subs(at) - quadratic) == 0),
        ("EF21 at alpha = 1 + s: z^2 - b_h z - s", sympy.expand(ef21_.subs(at) - quadratic) == 0),
        ("roots (b +- sqrt(b^2 + 4s))/2 with product -s, so the spectral radius is r(b)", root_ok and other_ok),
        ("r(b_h)^2 is closed_forms.ef_branch(h, delta, eta)", branch_ok),
        ("CGD: the map is 1 - eta alpha h", sympy.expand(cgd - (Z - 1 + ETA * ALPHA_C * H)) == 0),
        ("CGD at (h, alpha) = (mu, 1 - s) and (L, 1 + s): the closed-form branches",
         sympy.expand(cgd_at(MU, 1 - S) ** 2 - low) == 0 and sympy.expand(cgd_at(L, 1 + S) ** 2 - high) == 0),
        ("C(v) = (1 +- s) v is delta-contractive with equality",
         all(sympy.expand((alpha - 1) ** 2 - (1 - delta_of_s)) == 0 for alpha in (1 + S, 1 - S))),
    ]


def optimal_step_lemmas() -> list[tuple[str, bool]]:
    r"""``eta*`` is the unique minimiser of the closed-form rates, with the papers' ``rho*``:
    ``b_h`` decreases in ``eta`` and ``r`` increases in ``|b|``, the branches cross at ``eta*``
    (``b_mu(eta*) = -b_L(eta*) = B``); for CGD the bases of the two branches are opposite at
    ``eta*`` and ``1 - eta* mu (1 - s) = (kappa_s - 1)/(kappa_s + 1)``."""
    beta = sympy.Symbol("beta", nonnegative=True)
    kappa = L / MU
    delta_of_s = 1 - S**2
    ef_star = closed_forms.optimal_step("EF", MU, L, delta_of_s)
    cgd_star = closed_forms.optimal_step("CGD", MU, L, delta_of_s)
    r = (beta + sympy.sqrt(beta**2 + 4 * S)) / 2
    B = (1 - S) * (kappa - 1) / (kappa + 1)
    kappa_s = kappa * (1 + S) / (1 - S)
    domain = box()
    ef_at_star = domain.resolve(closed_forms.ef_branch(MU, delta_of_s, ef_star), roots=False)
    ef_rho_ok = is_zero(normalise_roots(ef_at_star) - normalise_roots(closed_forms.optimal_rate("EF", MU, L, delta_of_s)))
    cgd_low, cgd_high = closed_forms.cgd_branches(MU, L, delta_of_s, cgd_star)
    return [
        ("EF/EF21: eta* = 2(1 - s)/((L + mu)(1 + s)) (closed_forms.optimal_step)",
         is_zero(ef_star - 2 * (1 - S) / ((L + MU) * (1 + S)))),
        ("EF/EF21: the branches cross at eta*: b_mu(eta*) + b_L(eta*) = 0", is_zero(b(MU, ef_star) + b(L, ef_star))),
        ("EF/EF21: d b_h/d eta = -h (1 + s) < 0", is_zero(sympy.diff(b(H), ETA) + H * (1 + S))),
        ("EF/EF21: r'(beta) > 0 for beta >= 0 (sympy assumptions)", bool(sympy.diff(r, beta).is_positive)),
        ("EF/EF21: b_mu(eta*) = B = (1 - s)(kappa - 1)/(kappa + 1)", is_zero(b(MU, ef_star) - B)),
        ("EF/EF21: closed_forms.optimal_rate = r(B)^2 = rho(eta*)", ef_rho_ok),
        ("CGD: eta* = 2/((1 - s) mu + (1 + s) L) (closed_forms.optimal_step)",
         is_zero(cgd_star - 2 / ((1 - S) * MU + (1 + S) * L))),
        ("CGD: the branches cross at eta*: (1 - eta* mu (1 - s)) + (1 - eta* L (1 + s)) = 0",
         is_zero((1 - cgd_star * MU * (1 - S)) + (1 - cgd_star * L * (1 + S)))),
        ("CGD: d/d eta (1 - eta mu (1 - s)) = -mu (1 - s) < 0, d/d eta (eta L (1 + s) - 1) = L (1 + s) > 0",
         domain.positive_value(MU * (1 - S)) and domain.positive_value(L * (1 + S))),
        ("CGD: 1 - eta* mu (1 - s) = (kappa_s - 1)/(kappa_s + 1) and rho* = closed_forms.optimal_rate",
         is_zero(1 - cgd_star * MU * (1 - S) - (kappa_s - 1) / (kappa_s + 1))
         and is_zero(cgd_low - closed_forms.optimal_rate("CGD", MU, L, delta_of_s))
         and is_zero(cgd_low - cgd_high)),
    ]


def cgd_faster_than_ef() -> list[tuple[str, bool]]:
    r"""``rho*_CGD < rho*_EF`` for all ``0 < delta < 1``, ``kappa > 1``.

    With ``c = (kappa_s - 1)/(kappa_s + 1)`` (``rho*_CGD = c^2``) and ``r(B)`` the positive root
    of ``y^2 - B y - s``: for ``c >= 0``, ``c < r(B)`` iff ``s + B c - c^2 > 0``, which is
    manifestly positive on the box.
    """
    delta_of_s = 1 - S**2
    kappa = L / MU
    kappa_s = kappa * (1 + S) / (1 - S)
    c = (kappa_s - 1) / (kappa_s + 1)
    B = (1 - S) * (kappa - 1) / (kappa + 1)
    domain = box()
    cgd_rho = closed_forms.optimal_rate("CGD", MU, L, delta_of_s)
    ef_rho = closed_forms.optimal_rate("EF", MU, L, delta_of_s)
    return [
        ("rho*_CGD = c^2 with c = (kappa_s - 1)/(kappa_s + 1) (closed_forms.optimal_rate)", is_zero(cgd_rho - c**2)),
        ("rho*_EF = ((B + sqrt(B^2 + 4s))/2)^2 (closed_forms.optimal_rate)",
         is_zero(normalise_roots(ef_rho) - normalise_roots(((B + sympy.sqrt(B**2 + 4 * S)) / 2) ** 2))),
        ("c >= 0 and B >= 0", domain.nonnegative_value(sympy.cancel(c)) and domain.nonnegative_value(sympy.cancel(B))),
        ("s + B c - c^2 > 0 (positive coefficients after s = 1/(1+t), L = mu + t_L)",
         domain.positive_value(sympy.cancel(S + B * c - c**2))),
    ]
