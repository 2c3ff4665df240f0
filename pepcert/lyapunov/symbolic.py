r"""Symbolic proofs (sympy) of the tight rates of CGD, EF and EF21, for all parameters.

Thomsen, Taylor & Dieuleveut, *Tight analyses of first-order methods with error feedback*
(2025) prove their rates with computer-algebra scripts. This module re-derives those proofs
with sympy only, in exact arithmetic, from the *method definitions* of :mod:`pepcert.pep.methods`
(the same ``step`` functions the solvers use). Write ``s = sqrt(1 - delta)``, ``kappa = L/mu``,
``b_h = (1 - s) - eta h (1 + s)`` and ``r(b) = (|b| + sqrt(b^2 + 4 s))/2``.

What is proved, and how
-----------------------

1. *Instances* (:func:`instance_lemmas`): on ``f = h x^2/2`` with ``C(v) = alpha v`` every
   method is a linear map (:func:`pepcert.pep.instances.linear_map`, run on sympy symbols).
   Its characteristic polynomial is ``z^2 - b_h z - s`` for EF and for EF21 at
   ``alpha = 1 + s`` (so both have the squared spectral radius ``r(b_h)^2``), and
   ``z - (1 - eta alpha h)`` for CGD.
2. *Optimal steps* (:func:`optimal_step_lemmas`): the closed-form rates are decreasing for
   ``eta < eta*`` and increasing for ``eta > eta*``; their two branches cross at ``eta*``.
3. *Lyapunov decrease for all parameters* (:func:`decrease_proofs`, :func:`verify_decrease`):
   for each method and each *branch* (``eta <= eta*``, where the curvature ``mu`` is active,
   and ``eta >= eta*``, where ``L`` is) the residual of the one-step problem built by
   :func:`pepcert.lyapunov.onestep.one_step`,

   .. math:: R = \rho V(\text{before}) - V(\text{after}) + \sum_k \lambda_k c_k ,
             \qquad c_k \le 0 \text{ the interpolation and compressor inequalities},

   is written as ``sum_i d_i (w_i^T z)^2`` (``z`` the basis vectors, ``R`` has no function-value
   part). The multipliers ``lambda_k`` are closed forms given below; the ``d_i``, ``w_i`` are
   the exact LDL^T factors of the residual's Gram matrix. Then
   ``rho V0 - V1 = sum_i d_i (w_i^T z)^2 - sum_k lambda_k c_k >= 0``. sympy checks

   * the identity ``R - sum_i d_i w_i w_i^T = 0`` entrywise, as rational functions;
   * that every ``lambda_k`` and ``d_i`` is *manifestly* nonnegative: after the substitution
     of the branch's chart (below) by positive variables (and a slack ``theta >= 0``), it is a
     ratio of polynomials whose coefficients are all nonnegative (a denominator with a
     positive term free of the slack);
   * the chart lemmas: the chart covers every parameter of the branch, and there the paper's
     closed-form rate (:mod:`pepcert.papers.ttd25`) equals the ``rho`` used;
   * that the residual's entries are continuous on the whole box (denominators manifestly
     nonzero, the slack ``theta = 0`` included). The identity holds wherever the pivots
     ``d_i`` are nonzero, a dense set; the residual is PSD there, hence everywhere on the box
     by continuity (this covers ``eta = eta*``, where a pivot vanishes).

   The square roots of the EF/EF21 rates disappear in the chart: on the branch where ``h`` is
   active, the dominant eigenvalue ``z`` of the ``h``-instance is a coordinate and
   ``eta h (1 + s) = (1 - z)(z + s)/z``; with ``s = sigma^2`` everything is rational.
4. *CGD beats EF/EF21 at the optimal steps* (:func:`cgd_faster_than_ef`), for all
   ``0 < delta < 1`` and ``kappa > 1``, reduced to a polynomial with positive coefficients.

Not covered: ``delta = 1`` (no compression; EF's ``V`` has ``||e||^2/s`` and the compressor
multipliers below divide by ``s``) and ``mu = 0``. See ``docs/symbolic.md``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field as dataclass_field, replace
from functools import cached_property, lru_cache
from typing import Callable, Mapping, Sequence

import sympy
from sympy.polys.fields import field

from pepcert.pep.compressors import Contractive
from pepcert.pep.functions import SmoothStronglyConvex
from pepcert.pep.instances import ScalingInstance, linear_map
from pepcert.pep.methods import Method
from pepcert.pep.algorithms import compressed_gradient_descent, ef21, error_feedback
from pepcert.pep.problem import ProblemClass
from pepcert.papers import ttd25 as closed_forms
from pepcert.lyapunov.onestep import one_step

TTD25 = "Thomsen, Taylor & Dieuleveut 2025 (Tight analyses of first-order methods with error feedback)"

# The parameters of the one-step problems (the method definitions are run on these).
ETA, MU, L, DELTA, RHO = sympy.symbols("eta mu L delta rho", positive=True)
# Chart coordinates: s = sqrt(1 - delta); a = -z_L (L-branch of EF/EF21, z_L < 0 the dominant
# eigenvalue); w = z_mu (mu-branch); q = mu/L; k = L/mu.
S, A, W, Q, K = sympy.symbols("s a w q k", positive=True)
# Free variables of the positive parametrisations (all > 0) and the branch slack (>= 0).
T, ALPHA, OMEGA, ELL = sympy.symbols("t alpha omega ell", positive=True)
THETA = sympy.Symbol("theta", nonnegative=True)
SIGMA = 1 / (1 + T)  # sigma in (0, 1); s = sigma^2 for EF/EF21, s = sigma for CGD

METHODS: Mapping[str, Callable[[object], Method]] = {
    "CGD": compressed_gradient_descent,
    "EF": error_feedback,
    "EF21": ef21,
}


# ---------------------------------------------------------------------------------------
# Manifest nonnegativity and charts
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Chart:
    """Coordinates in which one branch's rate and multipliers are rational.

    Attributes:
        coordinates: the chart's symbols.
        parameters: ``eta, mu, L, delta, rho`` as expressions in the coordinates.
        box: every coordinate as an expression in free variables (``t, alpha, ...`` > 0 and
            the slack ``theta >= 0``) whose image contains the branch's parameter set.
        description: the branch's parameter set, in words.
    """

    coordinates: tuple
    parameters: Mapping
    box: Mapping
    description: str

    def in_box(self, expression) -> sympy.Expr:
        """``expression`` (in coordinates or parameters) in the free variables."""
        expression = sympy.sympify(expression).subs(self.parameters, simultaneous=True)
        return sympy.sympify(expression).subs(self.box, simultaneous=True)

    @cached_property
    def field(self):
        """The field of rational functions of the coordinates over the rationals."""
        return field(self.coordinates, sympy.QQ)[0]

    def element(self, expression):
        """``expression`` (in parameters or coordinates) as an element of :attr:`field`."""
        expression = sympy.sympify(expression).subs(self.parameters, simultaneous=True)
        return self.field.from_expr(expression)

    @cached_property
    def _images(self):
        """The box as (numerator, denominator) polynomials in the free variables."""
        symbols = set().union(*(sympy.sympify(v).free_symbols for v in self.box.values()))
        free_field = field(_free_variables(symbols), sympy.QQ)[0]
        images = []
        for coordinate in self.coordinates:
            value = free_field.from_expr(sympy.sympify(self.box[coordinate]))
            images.append((value.numer, value.denom))
        return free_field, images

    def _in_free_variables(self, value):
        """``(field, numerator, denominator)`` of ``value`` composed with the chart's images
        (polynomials in the free variables, without intermediate cancellation)."""
        if not hasattr(value, "numer"):
            value = self.element(value)
        free_field, images = self._images
        ring = free_field.ring
        top, top_scale = _compose(value.numer, images, ring)
        bottom, bottom_scale = _compose(value.denom, images, ring)
        return free_field, top * bottom_scale, bottom * top_scale

    def nonnegative(self, value) -> bool:
        """Whether ``value`` (an expression in the coordinates or an element of
        :attr:`field`) is manifestly ``>= 0`` on the box (see :func:`manifestly_nonnegative`)."""
        free_field, numerator, denominator = self._in_free_variables(value)
        if _signs_allow(numerator, denominator):
            return True
        reduced = free_field(numerator) / free_field(denominator)  # cancel common factors
        return _signs_allow(reduced.numer, reduced.denom)

    def continuous(self, value) -> bool:
        """Whether ``value`` has a denominator that is manifestly nonzero on the whole box,
        slack ``theta = 0`` included (so it is continuous there)."""
        free_field, numerator, denominator = self._in_free_variables(value)
        one = free_field.ring.one
        if _signs_allow(one, denominator):
            return True
        reduced = free_field(numerator) / free_field(denominator)
        return _signs_allow(one, reduced.denom)

    def box_defined(self) -> bool:
        """Every coordinate's image has a denominator manifestly nonzero on the box."""
        _, images = self._images
        return all(_signs_allow(denominator.ring.one, denominator) for _, denominator in images)


def _compose(polynomial, images, ring):
    """``polynomial(N_1/D_1, ..., N_n/D_n)`` as ``(numerator, prod_i D_i^{deg_i})``."""
    count = len(images)
    degrees = [max((m[i] for m in polynomial.monoms()), default=0) for i in range(count)]
    powers: dict = {}

    def power(i: int, which: int, exponent: int):
        key = (i, which, exponent)
        if key not in powers:
            powers[key] = images[i][which] ** exponent if exponent else ring.one
        return powers[key]

    numerator = ring.zero
    for monomial, coefficient in polynomial.terms():
        term = ring.ground_new(coefficient)
        for i, exponent in enumerate(monomial):
            if degrees[i]:
                term = term * power(i, 0, exponent) * power(i, 1, degrees[i] - exponent)
        numerator += term
    denominator = ring.one
    for i in range(count):
        if degrees[i]:
            denominator = denominator * power(i, 1, degrees[i])
    return numerator, denominator


def _free_variables(symbols) -> list:
    allowed = (T, ALPHA, OMEGA, ELL, THETA, L, MU)
    return [v for v in allowed if v in symbols]


def _signs_allow(numerator, denominator) -> bool:
    """Sign test on polynomials (ring elements) in free variables: both with nonnegative
    coefficients (or both nonpositive), the denominator with a nonzero monomial free of
    ``theta`` (it is then positive for positive variables and ``theta >= 0``)."""
    if numerator == 0:
        return True
    ring = denominator.ring
    slack = [i for i, v in enumerate(ring.symbols) if v == THETA]
    num = [c for c in numerator.coeffs()]
    den = list(denominator.terms())
    free_of_slack = any(all(monomial[i] == 0 for i in slack) for monomial, _ in den)
    if all(c >= 0 for c in num) and all(c >= 0 for _, c in den):
        return free_of_slack
    if all(c <= 0 for c in num) and all(c <= 0 for _, c in den):
        return free_of_slack
    return False


def manifestly_nonnegative(expression) -> bool:
    """Whether ``expression`` (in the free variables ``t, alpha, omega, ell, L, mu > 0`` and
    ``theta >= 0``) is, after cancellation, a ratio of polynomials with nonnegative
    coefficients whose denominator has a positive monomial free of ``theta``.

    Such an expression is ``>= 0`` wherever the variables are in range: this is the exact,
    solver-free test every multiplier and every square weight of a proof must pass.
    """
    expression = sympy.sympify(expression)
    if expression.free_symbols - set(_free_variables(expression.free_symbols)):
        return False  # a coordinate was left unsubstituted: nothing is manifest
    variables = _free_variables(expression.free_symbols)
    if not variables:
        return bool(expression >= 0)
    fraction_field, *_ = field(variables, sympy.QQ)
    value = fraction_field.from_expr(expression)
    return _signs_allow(value.numer, value.denom)


def is_zero(expression) -> bool:
    """Exact test that a rational expression vanishes identically."""
    return sympy.cancel(sympy.together(sympy.sympify(expression))) == 0


# ---------------------------------------------------------------------------------------
# The charts of the six branches
# ---------------------------------------------------------------------------------------


def _ef_type_chart_L() -> Chart:
    r"""``eta >= eta*`` for EF/EF21: the L-instance's dominant eigenvalue is ``-a < 0``.

    ``eta L (1 + s) = (1 + a)(a - s)/a``, ``mu = q L``, ``rho = a^2``. Box: ``s = sigma^2``,
    ``a = sigma + alpha``, ``q = (q0 + theta)/(1 + theta)`` with
    ``q0 = (1 - a)(a + s)/((1 + a)(a - s))``, the value of ``mu/L`` at which ``eta = eta*``.
    """
    s_box = SIGMA**2
    a_box = SIGMA + ALPHA
    q0 = (1 - A) * (A + S) / ((1 + A) * (A - S))
    q_box = ((q0 + THETA) / (1 + THETA)).subs({A: a_box, S: s_box}, simultaneous=True)
    return Chart(
        coordinates=(A, S, Q, L),
        parameters={ETA: (1 + A) * (A - S) / (A * L * (1 + S)), MU: Q * L, L: L, DELTA: 1 - S**2, RHO: A**2},
        box={S: s_box, A: a_box, Q: q_box, L: L},
        description="0 < delta < 1, 0 < mu < L, eta >= eta* = 2(1 - s)/((L + mu)(1 + s))",
    )


def _ef_type_chart_mu() -> Chart:
    r"""``eta <= eta*`` for EF/EF21: the mu-instance's dominant eigenvalue is ``w in (0, 1)``.

    ``eta mu (1 + s) = (1 - w)(w + s)/w``, ``L = k mu``, ``rho = w^2``. Box: ``s = sigma^2``,
    ``w = (sigma + omega)/(1 + omega)``, ``k = 1 + (k0 - 1)/(1 + theta)`` with
    ``k0 = (1 + w)(w - s)/((1 - w)(w + s))``, the value of ``L/mu`` at which ``eta = eta*``.
    """
    s_box = SIGMA**2
    w_box = (SIGMA + OMEGA) / (1 + OMEGA)
    k0 = (1 + W) * (W - S) / ((1 - W) * (W + S))
    k_box = (1 + (k0 - 1) / (1 + THETA)).subs({W: w_box, S: s_box}, simultaneous=True)
    return Chart(
        coordinates=(W, S, K, MU),
        parameters={ETA: (1 - W) * (W + S) / (W * MU * (1 + S)), MU: MU, L: K * MU, DELTA: 1 - S**2, RHO: W**2},
        box={S: s_box, W: w_box, K: k_box, MU: MU},
        description="0 < delta < 1, 0 < mu < L, 0 < eta <= eta* = 2(1 - s)/((L + mu)(1 + s))",
    )


def _cgd_chart(branch: str) -> Chart:
    r"""CGD: coordinates ``(eta, s, mu, L)``; box ``s = sigma``, ``L = mu + ell``,
    ``eta = eta* / (1 + theta)`` (mu-branch) or ``eta = eta* (1 + theta)`` (L-branch),
    ``eta* = 2/((1 - s) mu + (1 + s) L)``."""
    s_box = SIGMA
    l_box = MU + ELL
    star = 2 / ((1 - s_box) * MU + (1 + s_box) * l_box)
    if branch == "mu":
        eta_box, rho = star / (1 + THETA), (1 - ETA * MU * (1 - S)) ** 2
        description = "0 < delta < 1, 0 < mu < L, 0 < eta <= eta* = 2/((1 - s) mu + (1 + s) L)"
    else:
        eta_box, rho = star * (1 + THETA), (1 - ETA * L * (1 + S)) ** 2
        description = "0 < delta < 1, 0 < mu < L, eta >= eta* = 2/((1 - s) mu + (1 + s) L)"
    return Chart(
        coordinates=(ETA, S, MU, L),
        parameters={ETA: ETA, MU: MU, L: L, DELTA: 1 - S**2, RHO: rho},
        box={ETA: eta_box, S: s_box, MU: MU, L: l_box},
        description=description,
    )


# ---------------------------------------------------------------------------------------
# The one-step residual, its LDL^T, and the proof object
# ---------------------------------------------------------------------------------------


def symbolic_classes() -> ProblemClass:
    """``F_{mu,L}`` and a deterministic ``delta``-contractive compressor, with symbols."""
    return ProblemClass(SmoothStronglyConvex(MU, L), Contractive(DELTA))


@lru_cache(maxsize=None)
def symbolic_step(method_name: str):
    """One step of the built-in method ``method_name`` with symbolic ``eta, mu, L, delta``,
    for the one-term family ``V`` = the method's registered (paper) Lyapunov function."""
    method = METHODS[method_name](ETA)
    fixed = replace(method, families={"paper V": (("V", method.lyapunov),)})
    return one_step(fixed, symbolic_classes(), family="paper V")


def _basis_index(step, reference) -> int:
    """A basis vector of ``step``: a basis name (``"c0"``), or ``("before"|"after", i)`` for
    the i-th Lyapunov feature (state variables, then ``grad f(x)``) when it is a basis vector."""
    if isinstance(reference, str):
        return step.basis.vector_names.index(reference)
    side, position = reference
    vector = (step.before if side == "before" else step.after[0]).vectors[position]
    (index,) = vector.coefficients  # must be a single basis vector
    return index


@dataclass(frozen=True)
class BranchProof:
    """The closed-form data of one Lyapunov-decrease proof (a method on one branch).

    Attributes:
        method: ``"CGD"``, ``"EF"`` or ``"EF21"``.
        branch: ``"mu"`` (``eta <= eta*``) or ``"L"`` (``eta >= eta*``).
        chart: coordinates, parameters in them, and the positive parametrisation.
        multipliers: constraint name (as named by the one-step problem) -> closed form.
        pivots: elimination order of the LDL^T of the residual (basis references).
        lemmas: ``chart -> [(statement, passed)]``, the chart lemmas (coverage and the rate).
        statement: what is proved, in words.
    """

    method: str
    branch: str
    chart: Chart
    multipliers: Mapping[str, sympy.Expr]
    pivots: tuple
    lemmas: Callable[[Chart], list]
    statement: str

    @property
    def rate(self) -> sympy.Expr:
        return self.chart.parameters[RHO]

    def with_multiplier(self, name: str, value) -> "BranchProof":
        """A copy with one multiplier replaced (to see a wrong proof rejected)."""
        return replace(self, multipliers={**self.multipliers, name: sympy.sympify(value)})

    def with_rate(self, value) -> "BranchProof":
        """A copy claiming another rate (to see a wrong proof rejected)."""
        return replace(self, chart=replace(self.chart, parameters={**self.chart.parameters, RHO: sympy.sympify(value)}))


@dataclass(frozen=True)
class DecreaseCheck:
    """The outcome of :func:`verify_decrease`: every part of the proof, checked by sympy."""

    method: str
    branch: str
    statement: str
    rate: sympy.Expr
    multipliers: Mapping[str, sympy.Expr]
    squares: tuple  # ((d_i, {basis name: coefficient}), ...)
    identity: bool  # R - sum_i d_i w_i w_i^T == 0 and R has no function-value / constant part
    continuous: bool  # the chart's box is well defined and R's entries are continuous on it
    multipliers_nonnegative: Mapping[str, bool]
    squares_nonnegative: tuple
    lemmas: tuple  # ((statement, passed), ...)
    seconds: float
    reason: str = ""
    field_squares: tuple = dataclass_field(default=(), repr=False, compare=False)  # (d_i, w_i) exact

    @property
    def passed(self) -> bool:
        return (
            self.identity
            and self.continuous
            and all(self.multipliers_nonnegative.values())
            and all(self.squares_nonnegative)
            and all(ok for _, ok in self.lemmas)
        )

    def summary(self) -> str:
        parts = [f"{self.method} ({self.branch}-branch): identity {'ok' if self.identity else 'FAILS'}"]
        parts.append("residual continuous on the box" if self.continuous else "residual NOT continuous on the box")
        parts.append(f"{sum(self.multipliers_nonnegative.values())}/{len(self.multipliers_nonnegative)} multipliers >= 0")
        parts.append(f"{sum(self.squares_nonnegative)}/{len(self.squares_nonnegative)} square weights >= 0")
        parts.append(f"{sum(ok for _, ok in self.lemmas)}/{len(self.lemmas)} chart lemmas")
        return ", ".join(parts) + (f" ({self.reason})" if self.reason else "")


def residual(proof: BranchProof):
    """``(step, S, l, c)``: the residual ``rho V0 - V1 + sum_k lambda_k c_k`` of the method's
    one-step problem as its Gram matrix ``S`` (rows of elements of the chart's field of
    rational functions), function-value row ``l`` and constant ``c``, in the chart's
    coordinates: exact."""
    step = symbolic_step(proof.method)
    return (step,) + _residual_of(step, proof.multipliers, proof.chart)


def _residual_of(step, multipliers: Mapping, chart: Chart) -> tuple:
    """``(S, l, c)`` of ``rho V0 - mean V1 + sum_k lambda_k c_k`` for a one-step problem."""
    constraints = dict(step.constraints)
    unknown = set(multipliers) - set(constraints)
    if unknown:
        raise KeyError(f"no constraint named {sorted(unknown)} in the one-step problem of {step.method.name}")
    total = step.decrease(RHO, weights=[1])
    for name, value in multipliers.items():
        total = total + value * constraints[name]
    element = chart.element
    n, m = step.basis.n_vectors, step.basis.n_values
    gram = [[element(v) for v in row] for row in total.gram_matrix(n, dtype=object).tolist()]
    values = [element(v) for v in total.value_row(m, dtype=object)]
    return gram, values, element(total.constant)


def ldl_squares(gram, order: Sequence[int]) -> list:
    """Exact LDL^T of the symmetric ``gram`` (a list of rows of field elements) along
    ``order``: ``[(d_i, w_i)]`` with ``gram = sum d_i w_i w_i^T`` when the remainder vanishes.
    A zero pivot with a nonzero row stops the elimination (the identity check then fails)."""
    size = len(gram)
    remainder = [row[:] for row in gram]
    squares = []
    for index in order:
        pivot = remainder[index][index]
        if pivot == 0:
            if all(x == 0 for x in remainder[index]):
                continue
            break
        column = [remainder[i][index] / pivot for i in range(size)]
        squares.append((pivot, column))
        remainder = [[remainder[i][j] - pivot * column[i] * column[j] for j in range(size)] for i in range(size)]
    return squares


def verify_decrease(proof: BranchProof) -> DecreaseCheck:
    """Check one Lyapunov-decrease proof exactly (see the module docstring)."""
    start = time.perf_counter()
    step, gram, values, constant = residual(proof)
    names = step.basis.vector_names
    order = [_basis_index(step, p) for p in proof.pivots]
    squares = ldl_squares(gram, order)
    # The identity, recomputed from the residual: R - sum_i d_i w_i w_i^T == 0 (exact
    # arithmetic in the field of rational functions: an element is zero iff it cancels).
    size = len(gram)
    identity = all(
        gram[i][j] - sum((d * w[i] * w[j] for d, w in squares), proof.chart.field.zero) == 0
        for i in range(size) for j in range(size)
    ) and all(v == 0 for v in values) and constant == 0
    chart = proof.chart
    continuous = chart.box_defined() and all(chart.continuous(x) for row in gram for x in row if x != 0)
    multipliers_ok = {name: chart.nonnegative(value) for name, value in proof.multipliers.items()}
    squares_ok = tuple(chart.nonnegative(weight) for weight, _ in squares)
    lemmas = tuple(proof.lemmas(proof.chart))
    readable = tuple(
        (sympy.factor(weight.as_expr()), {names[i]: sympy.factor(c.as_expr()) for i, c in enumerate(column) if c != 0})
        for weight, column in squares
    )
    return DecreaseCheck(
        method=proof.method,
        branch=proof.branch,
        statement=proof.statement,
        rate=proof.rate,
        multipliers={k: sympy.factor(v) for k, v in proof.multipliers.items()},
        squares=readable,
        identity=identity,
        continuous=continuous,
        multipliers_nonnegative=multipliers_ok,
        squares_nonnegative=squares_ok,
        lemmas=lemmas,
        seconds=time.perf_counter() - start,
        reason="" if identity else "the residual is not the sum of squares (nonzero remainder)",
        field_squares=tuple(squares),
    )


# ---------------------------------------------------------------------------------------
# Chart lemmas: the chart covers the branch, and there the paper's rate is the rho used
# ---------------------------------------------------------------------------------------


def _exact_sqrt(expression) -> sympy.Expr:
    """``sqrt(expression)`` for a rational function that is the square of a manifestly
    nonnegative one (found by factorisation and checked: ``root^2 == expression``)."""
    expression = sympy.cancel(sympy.together(expression))
    numerator, denominator = sympy.fraction(expression)
    root = sympy.Integer(1)
    for part, sign in ((numerator, 1), (denominator, -1)):
        coefficient, factors = sympy.factor_list(part)
        if not coefficient.is_Rational or coefficient < 0:
            raise ArithmeticError(f"not a square: {expression}")
        root *= sympy.sqrt(coefficient) ** sign
        for factor, power in factors:
            if power % 2:
                raise ArithmeticError(f"not a square: {expression}")
            root *= factor ** (sign * (power // 2))
    if not (manifestly_nonnegative(root) and is_zero(root**2 - expression)):
        raise ArithmeticError(f"no manifestly nonnegative square root of {expression}")
    return root


def resolve(expression, roots: bool = True) -> sympy.Expr:
    """Remove ``Abs`` (by a manifest sign) and, if ``roots``, square roots (of exact squares)
    from an expression in the free variables; raises ``ArithmeticError`` when a step is not
    proven."""
    expression = sympy.sympify(expression)
    if expression.is_Atom:
        return expression
    arguments = [resolve(argument, roots) for argument in expression.args]
    if isinstance(expression, sympy.Abs):
        (inner,) = arguments
        if manifestly_nonnegative(inner):
            return inner
        if manifestly_nonnegative(-inner):
            return -inner
        raise ArithmeticError(f"sign of {inner} not manifest")
    if roots and expression.is_Pow and expression.exp == sympy.Rational(1, 2):
        return _exact_sqrt(arguments[0])
    return expression.func(*arguments)


def _b(h, eta, s):
    """``b_h = (1 - s) - eta h (1 + s)``."""
    return (1 - s) - eta * h * (1 + s)


def _ef_type_lemmas(active: str) -> Callable[[Chart], list]:
    """Coverage and rate lemmas of an EF/EF21 branch (``active`` curvature ``"L"`` or ``"mu"``).

    With ``z`` the chart's eigenvalue (``-a`` or ``w``) and ``b = b_active``:
    (1) ``z^2 - b z - s = 0``: ``z`` is a root of the active instance's polynomial, so the
        chart's ``eta`` is the one whose dominant eigenvalue is ``z`` (inverse of the chart);
    (2) the slack ``theta`` is ``>= 0`` exactly on the branch: its defining factor equals
        ``z (1 + s)(L + mu)(eta - eta*)`` up to sign;
    (3) the paper's branch ``r(b_active)^2`` (``closed_forms.ef_branch``) equals ``rho``
        (``Abs`` and the square root resolved exactly), and ``rho^{1/2}`` is ``>=`` the other
        branch's ``r(b_other)``: ``z^2 - |b_other| |z| - s >= 0`` for both signs of
        ``b_other`` (a positive number ``y`` is ``>= r(b)`` iff ``y^2 - |b| y - s >= 0``).
    """

    def lemmas(chart: Chart) -> list:
        p = chart.parameters
        eta, mu, big_l, delta, rho = p[ETA], p[MU], p[L], p[DELTA], p[RHO]
        s = S
        star = 2 * (1 - s) / ((big_l + mu) * (1 + s))
        if active == "L":
            z, other = -A, "mu"
            b_active, b_other = _b(big_l, eta, s), _b(mu, eta, s)
            q0 = (1 - A) * (A + S) / ((1 + A) * (A - S))
            slack = ((Q - q0) * (1 + A) * (A - S), A * (1 + s) * (big_l + mu) * (eta - star))
            slack_text = "(q - q0)(1 + a)(a - s) = a (1 + s)(L + mu)(eta - eta*): theta >= 0 iff eta >= eta*"
        else:
            z, other = W, "L"
            b_active, b_other = _b(mu, eta, s), _b(big_l, eta, s)
            k0 = (1 + W) * (W - S) / ((1 - W) * (W + S))
            slack = ((k0 - K) * (1 - W) * (W + S), W * (1 + s) * (big_l + mu) * (star - eta))
            slack_text = "(k0 - k)(1 - w)(w + s) = w (1 + s)(L + mu)(eta* - eta): theta >= 0 iff eta <= eta*"
        results = [
            (f"z = {z} solves z^2 - b z - s = 0 for the active curvature ({active})", is_zero(z**2 - b_active * z - s)),
            (slack_text, is_zero(slack[0] - slack[1])),
            ("b_mu - b_L = eta (L - mu)(1 + s) and b_mu + b_L = (1 + s)(L + mu)(eta* - eta)",
             is_zero(_b(MU, ETA, S) - _b(L, ETA, S) - ETA * (L - MU) * (1 + S))
             and is_zero(_b(MU, ETA, S) + _b(L, ETA, S) - (1 + S) * (L + MU) * (2 * (1 - S) / ((L + MU) * (1 + S)) - ETA))),
        ]
        try:
            branch = resolve(chart.in_box(closed_forms.ef_branch(big_l if active == "L" else mu, delta, eta)))
            results.append((f"closed_forms.ef_branch({active}) = rho on the chart", is_zero(branch - chart.in_box(rho))))
        except ArithmeticError as error:
            results.append((f"closed_forms.ef_branch({active}) = rho on the chart ({error})", False))
        y = abs(z)
        dominated = all(manifestly_nonnegative(chart.in_box(y**2 - sign * b_other * y - s)) for sign in (1, -1))
        results.append((f"r(b_{other}) <= sqrt(rho): the other branch is not larger", dominated))
        return results

    return lemmas


def _cgd_lemmas(active: str) -> Callable[[Chart], list]:
    """CGD: the chart is ``eta = eta*/(1 + theta)`` or ``eta*(1 + theta)`` (so it covers the
    branch by construction); the paper's active branch (``closed_forms.cgd_branches``) is
    ``rho`` and dominates the other one (their difference is manifestly ``>= 0``)."""

    def lemmas(chart: Chart) -> list:
        p = chart.parameters
        low, high = closed_forms.cgd_branches(p[MU], p[L], p[DELTA], p[ETA])
        active_value, other_value = (low, high) if active == "mu" else (high, low)
        star = 2 / ((1 - S) * MU + (1 + S) * L)
        theta = (star / ETA - 1) if active == "mu" else (ETA / star - 1)
        return [
            ("theta = eta*/eta - 1 (mu-branch) or eta/eta* - 1 (L-branch) on the chart",
             is_zero(chart.in_box(theta) - THETA)),
            (f"closed_forms.cgd_branches: the {active}-branch value is rho", is_zero(chart.in_box(active_value - p[RHO]))),
            ("the other branch is not larger", manifestly_nonnegative(chart.in_box(active_value - other_value))),
        ]

    return lemmas


# ---------------------------------------------------------------------------------------
# The six proofs (closed-form multipliers)
# ---------------------------------------------------------------------------------------

_INTERP = "interpolation({},{})"


def _ef_proof(branch: str) -> BranchProof:
    r"""EF, ``V = ||x - x* - e||^2 + ||e||^2/s``.

    Compressor multiplier ``1/s``: ``c`` cancels and ``R`` is a quadratic form in
    ``(x - x*, e, g)``. Interpolation between ``x0`` and ``x*`` both ways with the same
    multiplier ``lambda`` (the function values cancel; together they give
    ``-(lambda/(L - mu)) <g - mu (x - x*), L (x - x*) - g>``). ``lambda`` is pinned by the
    active instance (its state must be in the kernel of the residual):

    * L-branch: ``lambda = 2 (a - s)(1 + a) / (L (1 + s))``;
    * mu-branch: ``lambda = 2 (w + s)(1 - w) / (mu (1 + s))``.
    """
    if branch == "L":
        chart = _ef_type_chart_L()
        lam = 2 * (A - S) * (1 + A) / (L * (1 + S))
    else:
        chart = _ef_type_chart_mu()
        lam = 2 * (W + S) * (1 - W) / (MU * (1 + S))
    return BranchProof(
        method="EF",
        branch=branch,
        chart=chart,
        multipliers={_INTERP.format("x*", "x0"): lam, _INTERP.format("x0", "x*"): lam, "compressor(c0)": 1 / S},
        pivots=(("before", 1), ("before", 0), ("before", 2)),  # e, x - x*, g
        lemmas=_ef_type_lemmas(branch),
        statement=f"EF: V(x+, e+) <= rho(eta) V(x, e) for {chart.description}",
    )


def _ef21_proof(branch: str) -> BranchProof:
    r"""EF21, ``V = ||grad f(x) - d||^2 + s ||grad f(x)||^2``.

    Compressor multiplier ``1``: ``c`` cancels. Interpolation between ``x0`` and ``x1`` both
    ways with the same multiplier (function values cancel); ``x`` itself drops out:

    * L-branch: ``lambda = 2 a^2 s (1 + s) L / ((a - s)(1 + a))``;
    * mu-branch: ``lambda = 2 s w^2 (1 + s) mu / ((w + s)(1 - w))``.
    """
    if branch == "L":
        chart = _ef_type_chart_L()
        lam = 2 * A**2 * S * (1 + S) * L / ((A - S) * (1 + A))
    else:
        chart = _ef_type_chart_mu()
        lam = 2 * S * W**2 * (1 + S) * MU / ((W + S) * (1 - W))
    return BranchProof(
        method="EF21",
        branch=branch,
        chart=chart,
        multipliers={_INTERP.format("x0", "x1"): lam, _INTERP.format("x1", "x0"): lam, "compressor(c0)": sympy.Integer(1)},
        pivots=(("before", 1), ("before", 2), ("after", 2)),  # d, grad f(x0), grad f(x1)
        lemmas=_ef_type_lemmas(branch),
        statement=f"EF21: V(x+, d+) <= rho(eta) V(x, d) for {chart.description}",
    )


def _cgd_proof(branch: str) -> BranchProof:
    r"""CGD, ``V = f(x) - f*``; ``m = eta mu``, ``p = eta L (1 + s)``.

    * mu-branch, ``r = 1 - eta mu (1 - s)``: interpolation ``(x*, x0)``: ``r (1 - r)``,
      ``(x*, x1)``: ``1 - r``, ``(x0, x1)``: ``r``, compressor ``eta r / (2 s)``.
    * L-branch, ``l = (p - 1)/(p - 1 + m (1 - s))``: ``(x*, x0)``: ``(1 - l)(p - 1)``,
      ``(x*, x1)``: ``1 - l``, ``(x0, x*)``: ``p (p - 1 - l)``, ``(x0, x1)``: ``l``,
      compressor ``eta (p - 1)/(2 s)``. (On this branch the multipliers are not unique; this
      ``l`` is the one that stays in ``[0, 1]`` for every ``eta >= eta*``.)
    """
    chart = _cgd_chart(branch)
    if branch == "mu":
        r = 1 - ETA * MU * (1 - S)
        multipliers = {
            _INTERP.format("x*", "x0"): r * (1 - r),
            _INTERP.format("x*", "x1"): 1 - r,
            _INTERP.format("x0", "x1"): r,
            "compressor(c0)": ETA * r / (2 * S),
        }
    else:
        p, m = ETA * L * (1 + S), ETA * MU
        ell = (p - 1) / (p - 1 + m * (1 - S))
        multipliers = {
            _INTERP.format("x*", "x0"): (1 - ell) * (p - 1),
            _INTERP.format("x*", "x1"): 1 - ell,
            _INTERP.format("x0", "x*"): p * (p - 1 - ell),
            _INTERP.format("x0", "x1"): ell,
            "compressor(c0)": ETA * (p - 1) / (2 * S),
        }
    return BranchProof(
        method="CGD",
        branch=branch,
        chart=chart,
        multipliers=multipliers,
        pivots=(("after", 1), ("before", 1), "c0", ("before", 0)),  # g1, g0, c0, x0 - x*
        lemmas=_cgd_lemmas(branch),
        statement=f"CGD: f(x+) - f* <= rho(eta) (f(x) - f*) for {chart.description}",
    )


def decrease_proofs() -> dict[tuple[str, str], BranchProof]:
    """The six proofs, keyed by ``(method, branch)``."""
    proofs = {}
    for branch in ("mu", "L"):
        proofs[("EF", branch)] = _ef_proof(branch)
        proofs[("EF21", branch)] = _ef21_proof(branch)
        proofs[("CGD", branch)] = _cgd_proof(branch)
    return proofs


@lru_cache(maxsize=None)
def checked_decrease(method: str, branch: str) -> DecreaseCheck:
    """:func:`verify_decrease` of the registered proof, computed once per process."""
    return verify_decrease(decrease_proofs()[(method, branch)])


# ---------------------------------------------------------------------------------------
# 1. Instances: characteristic polynomials of the one-step maps on f = h x^2 / 2
# ---------------------------------------------------------------------------------------

H, ALPHA_C, Z = sympy.symbols("h alpha_C z")  # curvature, compressor scaling C(v) = alpha_C v


@lru_cache(maxsize=None)
def instance_polynomial(method_name: str) -> sympy.Expr:
    """``det(z I - M)`` of the method's one-step map on ``f = h x^2/2``, ``C(v) = alpha_C v``,
    computed by running the method's own step on symbols (:func:`linear_map`)."""
    matrix = sympy.Matrix(linear_map(METHODS[method_name](ETA), ScalingInstance(H, ALPHA_C), number=sympy.Integer))
    return sympy.expand(matrix.charpoly(Z).as_expr())


def _normalise_roots(expression) -> sympy.Expr:
    """Bring every square root's argument to a canonical rational form (so equal roots
    written differently become the same symbol for ``cancel``)."""
    return sympy.sympify(expression).replace(
        lambda e: e.is_Pow and e.exp == sympy.Rational(1, 2), lambda e: sympy.sqrt(sympy.factor(sympy.cancel(e.base)))
    )


def instance_lemmas() -> list[tuple[str, bool]]:
    r"""The lower-bound instances, symbolically (Thomsen et al. 2025, Section 4).

    * EF and EF21 have the *same* characteristic polynomial ``z^2 - (2 - alpha - alpha eta h) z
      + 1 - alpha`` for every scaling compressor ``C(v) = alpha v``;
    * at ``alpha = 1 + s`` it is ``z^2 - b_h z - s``, whose roots ``(b_h +- sqrt(b_h^2 + 4s))/2``
      have largest modulus ``r(b_h)``: the squared spectral radius is
      ``closed_forms.ef_branch(h, delta, eta)``;
    * CGD's map is ``1 - eta alpha h``: ``(1 - eta (1 - s) mu)^2`` and ``(1 - eta (1 + s) L)^2`` at
      ``alpha = 1 - s``, ``1 + s``, the two branches of ``closed_forms.cgd_branches``;
    * ``C(v) = (1 +- s) v`` is in the class: ``||C(v) - v||^2 = s^2 ||v||^2 = (1 - delta)||v||^2``.
    """
    ef, ef21_, cgd = (instance_polynomial(name) for name in ("EF", "EF21", "CGD"))
    b = _b(H, ETA, S)
    at = {ALPHA_C: 1 + S}
    quadratic = Z**2 - b * Z - S
    bb = sympy.Symbol("b", real=True)
    roots = [(bb + sympy.sqrt(bb**2 + 4 * S)) / 2, (bb - sympy.sqrt(bb**2 + 4 * S)) / 2]
    # Both roots are real, one >= 0 >= the other (their product is -s); since
    # sqrt(b^2 + 4 s) >= |b| their moduli are (sqrt(b^2 + 4 s) +- b)/2, the larger being r(b).
    root_ok = all(sympy.expand((Z**2 - bb * Z - S).subs(Z, root)) == 0 for root in roots)
    other_ok = sympy.expand(roots[0] * roots[1] + S) == 0
    radius = (sympy.Abs(bb) + sympy.sqrt(bb**2 + 4 * S)) / 2
    delta_of_s = 1 - S**2
    branch_ok = is_zero(
        _normalise_roots(closed_forms.ef_branch(H, delta_of_s, ETA)) - _normalise_roots(radius.subs(bb, b) ** 2)
    )
    low, high = closed_forms.cgd_branches(MU, L, delta_of_s, ETA)
    cgd_at = lambda h, alpha: sympy.solve(cgd.subs({H: h, ALPHA_C: alpha}), Z)[0]  # noqa: E731
    return [
        ("EF and EF21 have the same characteristic polynomial for every C(v) = alpha v", sympy.expand(ef - ef21_) == 0),
        ("EF at alpha = 1 + s: z^2 - b_h z - s", sympy.expand(ef.subs(at) - quadratic) == 0),
        ("EF21 at alpha = 1 + s: z^2 - b_h z - s", sympy.expand(ef21_.subs(at) - quadratic) == 0),
        ("roots (b +- sqrt(b^2 + 4s))/2 with product -s, so the spectral radius is r(b)", root_ok and other_ok),
        ("r(b_h)^2 is closed_forms.ef_branch(h, delta, eta)", branch_ok),
        ("CGD: the map is 1 - eta alpha h", sympy.expand(cgd - (Z - 1 + ETA * ALPHA_C * H)) == 0),
        ("CGD at (h, alpha) = (mu, 1 - s) and (L, 1 + s): the closed-form branches",
         sympy.expand(cgd_at(MU, 1 - S) ** 2 - low) == 0 and sympy.expand(cgd_at(L, 1 + S) ** 2 - high) == 0),
        ("C(v) = (1 +- s) v is delta-contractive with equality", all(sympy.expand((alpha - 1) ** 2 - (1 - delta_of_s)) == 0 for alpha in (1 + S, 1 - S))),
    ]


# ---------------------------------------------------------------------------------------
# 2. The optimal steps minimise the closed-form rates
# ---------------------------------------------------------------------------------------


def optimal_step_lemmas() -> list[tuple[str, bool]]:
    r"""``eta*`` is the unique minimiser of the closed-form rates, with the papers' ``rho*``.

    EF/EF21: ``b_h`` decreases in ``eta`` (``d b_h / d eta = -h (1 + s) < 0``) and
    ``r(beta) = (beta + sqrt(beta^2 + 4 s))/2`` increases in ``beta >= 0``. For ``eta <= eta*``
    the rate is ``r(b_mu)^2`` with ``b_mu >= 0`` (branch lemmas), decreasing in ``eta``; for
    ``eta >= eta*`` it is ``r(-b_L)^2`` with ``-b_L >= 0``, increasing. At ``eta*``:
    ``b_mu = -b_L = B = (1 - s)(kappa - 1)/(kappa + 1)``.
    CGD: for ``eta <= eta*`` the rate is ``(1 - eta mu (1 - s))^2`` with a positive base
    decreasing in ``eta``; for ``eta >= eta*`` it is ``(eta L (1 + s) - 1)^2`` with a
    nonnegative base increasing in ``eta``; at ``eta*`` the bases are opposite, and
    ``1 - eta* mu (1 - s) = (kappa_s - 1)/(kappa_s + 1)``.
    """
    beta = sympy.Symbol("beta", nonnegative=True)
    kappa = L / MU
    delta_of_s = 1 - S**2
    ef_star = closed_forms.optimal_step("EF", MU, L, delta_of_s)
    cgd_star = closed_forms.optimal_step("CGD", MU, L, delta_of_s)
    r = (beta + sympy.sqrt(beta**2 + 4 * S)) / 2
    B = (1 - S) * (kappa - 1) / (kappa + 1)
    kappa_s = kappa * (1 + S) / (1 - S)
    # rho* of closed_forms equals the branch value at eta* (Abs resolved on the CGD chart's box)
    box = {S: SIGMA, L: MU + ELL}
    ef_at_star = resolve(closed_forms.ef_branch(MU, delta_of_s, ef_star).subs(box), roots=False)
    ef_rho_ok = is_zero(_normalise_roots(ef_at_star) - _normalise_roots(closed_forms.optimal_rate("EF", MU, L, delta_of_s).subs(box)))
    cgd_low, cgd_high = closed_forms.cgd_branches(MU, L, delta_of_s, cgd_star)
    return [
        ("EF/EF21: eta* = 2(1 - s)/((L + mu)(1 + s)) (closed_forms.optimal_step)",
         is_zero(ef_star - 2 * (1 - S) / ((L + MU) * (1 + S)))),
        ("EF/EF21: the branches cross at eta*: b_mu(eta*) + b_L(eta*) = 0",
         is_zero(_b(MU, ef_star, S) + _b(L, ef_star, S))),
        ("EF/EF21: d b_h/d eta = -h (1 + s) < 0", is_zero(sympy.diff(_b(H, ETA, S), ETA) + H * (1 + S))),
        ("EF/EF21: r'(beta) > 0 for beta >= 0 (sympy assumptions)", bool(sympy.diff(r, beta).is_positive)),
        ("EF/EF21: b_mu(eta*) = B = (1 - s)(kappa - 1)/(kappa + 1)", is_zero(_b(MU, ef_star, S) - B)),
        ("EF/EF21: closed_forms.optimal_rate = r(B)^2 = rho(eta*)", ef_rho_ok),
        ("CGD: eta* = 2/((1 - s) mu + (1 + s) L) (closed_forms.optimal_step)",
         is_zero(cgd_star - 2 / ((1 - S) * MU + (1 + S) * L))),
        ("CGD: the branches cross at eta*: (1 - eta* mu (1 - s)) + (1 - eta* L (1 + s)) = 0",
         is_zero((1 - cgd_star * MU * (1 - S)) + (1 - cgd_star * L * (1 + S)))),
        ("CGD: d/d eta (1 - eta mu (1 - s)) = -mu (1 - s) < 0, d/d eta (eta L (1 + s) - 1) = L (1 + s) > 0",
         manifestly_nonnegative((MU * (1 - S)).subs(box)) and manifestly_nonnegative((L * (1 + S)).subs(box))),
        ("CGD: 1 - eta* mu (1 - s) = (kappa_s - 1)/(kappa_s + 1) and rho* = closed_forms.optimal_rate",
         is_zero(1 - cgd_star * MU * (1 - S) - (kappa_s - 1) / (kappa_s + 1))
         and is_zero(cgd_low - closed_forms.optimal_rate("CGD", MU, L, delta_of_s))
         and is_zero(cgd_low - cgd_high)),
    ]


# ---------------------------------------------------------------------------------------
# 4. CGD is strictly faster than EF/EF21 at the optimal steps
# ---------------------------------------------------------------------------------------


def manifestly_positive(expression) -> bool:
    """:func:`manifestly_nonnegative` with a nonzero numerator that has a monomial free of
    ``theta`` (so the value is ``> 0`` for positive variables)."""
    expression = sympy.sympify(expression)
    if not manifestly_nonnegative(expression) or is_zero(expression):
        return False
    variables = _free_variables(expression.free_symbols)
    if not variables:
        return bool(expression > 0)
    value = field(variables, sympy.QQ)[0].from_expr(expression)
    return _signs_allow(value.denom.ring.one, value.numer)


def cgd_faster_than_ef() -> list[tuple[str, bool]]:
    r"""``rho*_CGD < rho*_EF`` for all ``0 < delta < 1``, ``kappa > 1`` (Thomsen et al. 2025).

    With ``c = (kappa_s - 1)/(kappa_s + 1)`` (so ``rho*_CGD = c^2``) and
    ``rho*_EF = r(B)^2``, ``r(B)`` the positive root of ``y^2 - B y - s``: for ``c >= 0``,
    ``c < r(B)`` iff ``s + B c - c^2 > 0`` (the quadratic is negative exactly between its roots,
    and its other root is negative). Substituting ``s = 1/(1 + t)``, ``kappa = 1 + ell/mu``
    (``t, ell, mu > 0``), ``s + B c - c^2`` and ``c`` are ratios of polynomials with positive
    coefficients.
    """
    delta_of_s = 1 - S**2
    kappa = L / MU
    kappa_s = kappa * (1 + S) / (1 - S)
    c = (kappa_s - 1) / (kappa_s + 1)
    B = (1 - S) * (kappa - 1) / (kappa + 1)
    box = {S: SIGMA, L: MU + ELL}
    cgd_rho = closed_forms.optimal_rate("CGD", MU, L, delta_of_s)
    ef_rho = closed_forms.optimal_rate("EF", MU, L, delta_of_s)
    return [
        ("rho*_CGD = c^2 with c = (kappa_s - 1)/(kappa_s + 1) (closed_forms.optimal_rate)", is_zero(cgd_rho - c**2)),
        ("rho*_EF = ((B + sqrt(B^2 + 4s))/2)^2 (closed_forms.optimal_rate)",
         is_zero(_normalise_roots(ef_rho) - _normalise_roots(((B + sympy.sqrt(B**2 + 4 * S)) / 2) ** 2))),
        ("c >= 0 and B >= 0", manifestly_nonnegative(c.subs(box)) and manifestly_nonnegative(B.subs(box))),
        ("s + B c - c^2 > 0 (positive coefficients after s = 1/(1+t), kappa = 1 + ell/mu)",
         manifestly_positive(sympy.cancel((S + B * c - c**2).subs(box)))),
    ]


# ---------------------------------------------------------------------------------------
# 5. Random compressors (contractive in expectation)
# ---------------------------------------------------------------------------------------


@lru_cache(maxsize=None)
def symbolic_random_step(method_name: str, outcomes: int):
    """:func:`symbolic_step` with a compressor contractive *in expectation*, modelled by
    ``outcomes`` equally likely outputs per call."""
    method = METHODS[method_name](ETA)
    fixed = replace(method, families={"paper V": (("V", method.lyapunov),)})
    classes = ProblemClass(SmoothStronglyConvex(MU, L), Contractive(DELTA, in_expectation=True))
    return one_step(fixed, classes, family="paper V", outcomes=outcomes)


def _embedding(deterministic, random, outcome: int) -> dict:
    """Images of the deterministic problem's basis vectors in the random problem on one
    outcome, matched through the Lyapunov features before and after the step (solved one
    unknown at a time): ``{deterministic index: {random index: coefficient}}``."""
    pairs = list(zip(deterministic.before.vectors, random.before.vectors))
    pairs += list(zip(deterministic.after[0].vectors, random.after[outcome].vectors))
    images: dict = {}
    progress = True
    while progress:
        progress = False
        for det_vector, rnd_vector in pairs:
            unknown = [i for i in det_vector.coefficients if i not in images]
            if len(unknown) != 1:
                continue
            (index,) = unknown
            rest = dict(rnd_vector.coefficients)
            for j, coefficient in det_vector.coefficients.items():
                if j != index:
                    for r, value in images[j].items():
                        rest[r] = rest.get(r, 0) - coefficient * value
            scale = det_vector.coefficients[index]
            images[index] = {r: sympy.cancel(v / scale) for r, v in rest.items() if sympy.cancel(v) != 0}
            progress = True
    if len(images) != deterministic.basis.n_vectors:
        raise ValueError("the deterministic basis is not determined by the Lyapunov features")
    return images


def _point_names(deterministic, random, images: dict) -> dict:
    """Deterministic oracle-point name -> the random problem's point at the image of ``x``."""
    names = {}
    for point in deterministic.trace.points:
        image: dict = {}
        for i, coefficient in point.x.coefficients.items():
            for r, value in images[i].items():
                image[r] = image.get(r, 0) + coefficient * value
        for candidate in random.trace.points:
            keys = set(image) | set(candidate.x.coefficients)
            if all(is_zero(image.get(r, 0) - candidate.x.coefficients.get(r, 0)) for r in keys):
                names[point.name] = candidate.name
                break
        else:
            raise ValueError(f"no image of the point {point.name} in the random problem")
    return names


def _mapped_constraint(name: str, points: dict) -> str:
    if name.startswith("interpolation(") and name.endswith(")"):
        first, second = name[len("interpolation("):-1].split(",")
        return f"interpolation({points[first]},{points[second]})"
    return name  # compressor(c_j): the random problem's constraint is the mean over outcomes


@dataclass(frozen=True)
class RandomCheck:
    """The deterministic proof, averaged over the outcomes of a random compressor."""

    method: str
    branch: str
    outcomes: int
    multipliers: Mapping[str, sympy.Expr]
    identity: bool
    multipliers_nonnegative: bool
    deterministic_passed: bool
    seconds: float

    @property
    def passed(self) -> bool:
        return self.identity and self.multipliers_nonnegative and self.deterministic_passed


def verify_random(method: str, branch: str, outcomes: int = 2, proof: BranchProof | None = None) -> RandomCheck:
    r"""The same rate for compressors contractive in expectation (Thomsen et al. 2025).

    The deterministic identity ``R(c) = sum_i d_i (w_i^T z)^2`` is an identity in the
    vectors, valid for *any* ``c``; averaging it over the outcomes ``c_1, ..., c_K`` turns its
    compressor term into the in-expectation constraint (same multiplier) and each
    outcome-dependent interpolation inequality into ``K`` copies with multipliers
    ``lambda/K``. This builds the random one-step problem with ``outcomes`` outcomes from the
    method definition and checks that identity exactly: residual ``= (1/K) sum_k sum_i d_i
    (w_i^{(k)T} z)^2``, with the deterministic proof's ``d_i >= 0``. ``proof`` replaces the
    registered proof (e.g. a deliberately wrong one).
    """
    start = time.perf_counter()
    if proof is None:
        proof, deterministic_check = decrease_proofs()[(method, branch)], checked_decrease(method, branch)
    else:
        deterministic_check = verify_decrease(proof)
    deterministic, random = symbolic_step(method), symbolic_random_step(method, outcomes)
    chart = proof.chart
    size = random.basis.n_vectors
    multipliers: dict = {}
    squares = []
    for outcome in range(outcomes):
        images = _embedding(deterministic, random, outcome)
        points = _point_names(deterministic, random, images)
        for name, value in proof.multipliers.items():
            mapped = _mapped_constraint(name, points)
            multipliers[mapped] = multipliers.get(mapped, 0) + value / outcomes
        for weight, column in deterministic_check.field_squares:
            image = [chart.field.zero] * size
            for i, coefficient in enumerate(column):
                if coefficient != 0:
                    for r, value in images[i].items():
                        image[r] += coefficient * chart.element(value)
            squares.append((weight / outcomes, image))
    gram, values, constant = _residual_of(random, multipliers, chart)
    identity = all(
        gram[i][j] - sum((d * w[i] * w[j] for d, w in squares), chart.field.zero) == 0
        for i in range(size) for j in range(size)
    ) and all(v == 0 for v in values) and constant == 0
    return RandomCheck(
        method=method,
        branch=branch,
        outcomes=outcomes,
        multipliers={k: sympy.factor(v) for k, v in multipliers.items()},
        identity=identity,
        multipliers_nonnegative=all(chart.nonnegative(v) for v in multipliers.values()),
        deterministic_passed=deterministic_check.passed,
        seconds=time.perf_counter() - start,
    )


# ---------------------------------------------------------------------------------------
# Claims for ``pepcert verify``
# ---------------------------------------------------------------------------------------


def _lemma_check(lemmas: Callable[[], list]) -> Callable[[], tuple[str, bool]]:
    def check() -> tuple[str, bool]:
        results = lemmas()
        failed = [text for text, ok in results if not ok]
        if failed:
            return f"{len(failed)} of {len(results)} identities fail: {failed[0]}", False
        return f"{len(results)} identities checked exactly", True

    return check


def _decrease_check(method: str) -> Callable[[], tuple[str, bool]]:
    def check() -> tuple[str, bool]:
        parts, passed = [], True
        for branch in ("mu", "L"):
            result = checked_decrease(method, branch)
            passed = passed and result.passed
            squares = len(result.squares)
            state = "proved" if result.passed else "NOT proved: " + result.summary()
            parts.append(f"{branch}-branch {state} ({len(result.multipliers)} multipliers, {squares} squares)")
        return "; ".join(parts), passed

    return check


def _ef_equals_ef21() -> tuple[str, bool]:
    same_polynomial = sympy.expand(instance_polynomial("EF") - instance_polynomial("EF21")) == 0
    checks = [checked_decrease(m, b) for m in ("EF", "EF21") for b in ("mu", "L")]
    same_rates = all(
        sympy.simplify(checked_decrease("EF", b).rate - checked_decrease("EF21", b).rate) == 0 for b in ("mu", "L")
    )
    instance_rate = all(ok for text, ok in instance_lemmas() if "ef_branch" in text or "alpha = 1 + s" in text)
    passed = same_polynomial and same_rates and instance_rate and all(c.passed for c in checks)
    computed = (
        f"same instance polynomial: {same_polynomial}; instance rate = closed form: {instance_rate}; "
        f"upper bounds proved on both branches: {sum(c.passed for c in checks)}/4 (same rho: {same_rates})"
    )
    return computed, passed


def _random_check() -> tuple[str, bool]:
    results = [verify_random(m, b) for m in ("EF", "EF21", "CGD") for b in ("mu", "L")]
    passed = sum(r.passed for r in results)
    return f"{passed}/{len(results)} branch proofs hold for 2-outcome random compressors", passed == len(results)


def symbolic_claims() -> list[tuple]:
    """The symbolic claims, as ``(id, paper, statement, expected, check)`` for
    :mod:`pepcert.papers.claims` (``check() -> (computed, passed)``)."""
    every = "for all 0 < delta < 1, 0 < mu < L"
    return [
        ("symbolic-instances", TTD25,
         "f = h x^2/2, C(v) = alpha v: EF and EF21 share the polynomial z^2 - b_h z - s at alpha = 1 + s; "
         "CGD's map is 1 - eta alpha h (sympy, symbolic parameters)",
         "all identities exact", _lemma_check(instance_lemmas)),
        ("symbolic-optimal-steps", TTD25,
         "eta* = 2(1-s)/((L+mu)(1+s)) (EF/EF21) and 2/((1-s)mu + (1+s)L) (CGD) minimise the closed-form rates; "
         "rho* as in the paper (sympy)",
         "all identities exact", _lemma_check(optimal_step_lemmas)),
        ("symbolic-ef-decrease", TTD25,
         f"EF: ||x-x*-e||^2 + ||e||^2/s decreases by the closed-form rho(eta) {every}, every eta > 0 "
         "(closed-form multipliers + exact SOS, sympy)",
         "both branches proved", _decrease_check("EF")),
        ("symbolic-ef21-decrease", TTD25,
         f"EF21: ||grad f(x) - d||^2 + s ||grad f(x)||^2 decreases by the closed-form rho(eta) {every}, every eta > 0 "
         "(closed-form multipliers + exact SOS, sympy)",
         "both branches proved", _decrease_check("EF21")),
        ("symbolic-cgd-decrease", TTD25,
         f"CGD: f - f* decreases by max{{(1 - eta mu (1-s))^2, (1 - eta L (1+s))^2}} {every}, every eta > 0 "
         "(closed-form multipliers + exact SOS, sympy)",
         "both branches proved", _decrease_check("CGD")),
        ("symbolic-ef-equals-ef21", TTD25,
         f"EF and EF21 have the same tight rate at every eta > 0, {every} (instance identity + both upper-bound proofs)",
         "proved", _ef_equals_ef21),
        ("symbolic-random-compressors", TTD25,
         f"the three decrease proofs hold for compressors contractive in expectation {every}, every eta > 0 "
         "(deterministic SOS averaged over outcomes, checked on the 2-outcome problem, sympy)",
         "6/6 branch proofs", _random_check),
        ("symbolic-cgd-faster", TTD25,
         "at their optimal steps rho*_CGD < rho*_EF = rho*_EF21 for all 0 < delta < 1 and kappa > 1 (sympy)",
         "all identities exact", _lemma_check(cgd_faster_than_ef)),
    ]
