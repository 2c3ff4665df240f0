"""The result of a Lyapunov search: the rate, the function in feature coordinates, and how it
reads (split from :mod:`pepcert.lyapunov.search`, which re-exports these names)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from pepcert.pep.conic import smat, svec_length
from pepcert.pep.serialise import jsonable

#: A floating-point rate within this of 1 is "no linear rate" (a certificate would need
#: rho_upper = rho + gap >= 1, which proves nothing).
RATE_ONE_TOLERANCE = 1e-9
#: A rate is tight when a worst-case instance proves a lower bound within this of it.
TIGHT_TOLERANCE = 1e-9
#: ``V >= c ||state - state*||^2`` counts with ``c`` above this (V normalised to tr P + p = 1).
DOMINANCE_FLOOR = 1e-9


@dataclass(frozen=True)
class LyapunovResult:
    """The smallest rate a Lyapunov function of the family certifies, and that function.

    ``rho`` is the rate the returned function satisfies in floating point (to the solver's
    accuracy; nothing here is an exact proof: that is :mod:`pepcert.lyapunov.upper`).
    ``rho_lower`` is where the evidence
    that nothing smaller is possible comes from: a worst-case instance (``lower_source ==
    "instance"``, a proof once checked exactly) or a conclusively negative margin
    (``"margin"``).
    """

    method: str
    parameters: Mapping[str, object]
    classes: Mapping[str, object]
    state_names: tuple[str, ...]
    family: str
    rho: float
    rho_lower: float
    lower_source: str
    feature_names: tuple[str, ...]
    P: np.ndarray  # over feature_names (scaled: see features_form)
    p: float
    term_names: tuple[str, ...]
    weights: np.ndarray | None
    multipliers: Mapping[str, float]
    # The margin of the solve the function came from. A function moved onto its face (lyapunov.face)
    # comes from a round without interior: about 0, possibly -1e-11; rho is its float re-check's.
    margin: float
    coefficients: np.ndarray  # raw solution (normalised as solved)
    multiplier_values: np.ndarray
    worst_cases: tuple
    solver: str
    solves: int
    seconds: float
    strongly_convex: bool = True  # the function class admits linear rates (f is strongly convex)
    dominance: float = 0.0  # a c > 0 found with V >= c ||state - state*||^2, not always the largest (0: none)

    def __post_init__(self):
        for array in (self.P, self.weights, self.coefficients, self.multiplier_values):
            if isinstance(array, np.ndarray):
                array.setflags(write=False)

    # -- verdicts: decided here once, used by every caller ---------------------------------
    @property
    def diverges(self) -> bool:
        """A worst-case instance grows by more than 1 per step."""
        return self.rho_lower > 1 + RATE_ONE_TOLERANCE

    @property
    def controls_state(self) -> bool:
        """``V >= c ||state - state*||^2`` with ``c > 0``: the rate of V is a rate of the method."""
        return self.dominance > DOMINANCE_FLOOR

    @property
    def converges(self) -> bool:
        """A linear rate of the method: ``rho < 1 - RATE_ONE_TOLERANCE`` on a strongly convex
        class, proven by a V that controls the whole state. A rate of 1 is no linear rate (with
        ``mu = 0`` the class contains functions as flat as one likes, so no method contracts
        linearly; sublinear bounds are N-step worst cases)."""
        return (self.strongly_convex and self.controls_state and not self.diverges
                and self.rho < 1 - RATE_ONE_TOLERANCE)

    @property
    def tight(self) -> bool:
        """A worst-case instance proves a lower bound within :data:`TIGHT_TOLERANCE` of the
        rate of a V that controls the state, and the rate is a rate (below 1) or the instance
        proves divergence."""
        return (self.lower_source == "instance" and self.controls_state and self.bracket_width <= TIGHT_TOLERANCE
                and (self.converges or self.rho_lower >= 1))

    @property
    def note(self) -> str:
        """Why there is no linear rate, in words ('' when it converges)."""
        if self.diverges:
            return f"no convergence: the worst case grows by a factor {self.rho_lower:.10g} per step"
        if self.converges:
            return ""
        if not self.controls_state:
            why = "the Lyapunov function found does not control the whole state (rho is the rate of that V only)"
        elif not self.strongly_convex:
            why = "the function class is not strongly convex"
        else:
            why = f"rho = {self.rho:.15g} is 1 to within {RATE_ONE_TOLERANCE:g}"
        return f"no linear rate: {why}; see 'pepcert worst-case' for sublinear bounds"

    @property
    def bracket_width(self) -> float:
        return self.rho - self.rho_lower

    def formula(self, digits: int = 6) -> str:
        """``V`` as text: in the features, or, for a structured family of more than
        :data:`FORMULA_TERMS` terms (many agents), as its weighted terms, equal weights together."""
        if self.weights is not None and len(self.term_names) > FORMULA_TERMS:
            return terms_formula(self.term_names, self.weights, digits)
        return lyapunov_formula(self.feature_names, self.P, self.p, digits)

    def value(self, z) -> float:
        """``V`` at numeric (or symbolic) :class:`~pepcert.pep.methods.Features` ``z``:
        ``phi^T P phi + p (f - f*)`` with ``phi = (state - state*, grad f(x))``."""
        from pepcert.pep.expressions import inner

        phi = [getattr(z, name) for name in self.state_names] + [z.grad]
        total = self.p * z.gap
        for a in range(len(phi)):
            for b in range(len(phi)):
                if self.P[a, b] != 0:
                    total = total + self.P[a, b] * inner(phi[a], phi[b])
        return total


    def _repr_latex_(self) -> str:
        """Jupyter's display (:mod:`pepcert.pep.latex_statements`)."""
        from pepcert.pep.latex_statements import notebook_latex

        return notebook_latex(self.to_dict(), "rate")

    def _repr_html_(self) -> str:
        from pepcert.pep.latex_statements import notebook_html

        return notebook_html(self.to_dict(), "rate")

    def latex(self) -> str:
        """The result as a LaTeX theorem (paste into a paper; ``pepcert ... --latex`` prints it as a document)."""
        from pepcert.pep.latex_statements import rate_theorem
        return rate_theorem(self.to_dict())

    def to_dict(self) -> dict:
        lyapunov = {"basis": list(self.feature_names), "P": self.P.tolist(), "p": self.p, "formula": self.formula()}
        if self.weights is not None:
            lyapunov.update(terms=list(self.term_names), weights=self.weights.tolist())
        return jsonable({
            "method": self.method,
            "parameters": dict(self.parameters),
            "classes": dict(self.classes),
            "family": self.family,
            "rho": self.rho,
            "rho_lower": self.rho_lower,
            "lower_source": self.lower_source,
            "tight": self.tight,
            "converges": self.converges,
            "linear_rate": self.converges,
            "controls_state": self.controls_state,
            "note": self.note,
            "lyapunov": lyapunov,
            "multipliers": dict(self.multipliers),
            "margin": self.margin,
            "worst_cases": [w.to_dict() for w in self.worst_cases],
            "solver": self.solver,
            "solves": self.solves,
            "seconds": self.seconds,
        })


#: A structured family with more terms than this is written as its terms (:meth:`LyapunovResult.formula`).
FORMULA_TERMS = 8


def terms_formula(names: Sequence[str], weights: np.ndarray, digits: int = 6) -> str:
    """``a ||sum_i e_i||^2 + b (||x - x* - e_1||^2 + ... + ||x - x* - e_n||^2)``: consecutive terms
    of equal weight (to ``10^-digits`` relative) written once, their sum shortened past three."""
    floor = 10.0 ** (-digits) * max(float(np.abs(weights).max(initial=0.0)), 1e-300)
    groups: list[tuple[float, list[str]]] = []
    for name, weight in zip(names, weights):
        if groups and abs(groups[-1][0] - weight) <= floor:
            groups[-1][1].append(name)
        else:
            groups.append((float(weight), [name]))
    parts = []
    for weight, members in groups:
        if abs(weight) < floor:
            continue
        body = members[0] if len(members) == 1 else " + ".join(members) if len(members) <= 3 else \
            f"{members[0]} + ... + {members[-1]}"
        body = body if len(members) == 1 else f"({body})"
        parts.append(body if abs(weight - 1) < floor else f"{weight:.{digits}g} {body}")
    return " + ".join(parts) or "0"


def lyapunov_formula(names: Sequence[str], P: np.ndarray, p: float, digits: int = 6) -> str:
    """``V`` as text, e.g. ``||x - x* - e||^2``-style terms with coefficients."""
    floor = 10.0 ** (-digits)
    parts = []
    k = len(names)
    for a in range(k):
        for b in range(a, k):
            value = P[a, b] if a == b else 2 * P[a, b]
            if abs(value) >= floor:
                parts.append((value, f"||{names[a]}||^2" if a == b else f"<{names[a]}, {names[b]}>"))
    if abs(p) >= floor:
        parts.append((p, "(f(x) - f*)"))
    if not parts:
        return "0"
    text = []
    for index, (value, term) in enumerate(parts):
        magnitude = abs(value)
        coefficient = "" if abs(magnitude - 1) < floor else f"{magnitude:.{digits}g} "
        sign = ("-" if value < 0 else "") if index == 0 else (" - " if value < 0 else " + ")
        text.append(f"{sign}{coefficient}{term}")
    return "".join(text)


def features_form(step, coefficients: np.ndarray, data=None) -> tuple[np.ndarray, float, np.ndarray | None]:
    """``(P, p, weights)`` of a solution in feature coordinates, scaled for reading. ``step`` is
    a :class:`OneStep` or a :class:`~pepcert.lyapunov.parametric.StepView` (then ``data``, its
    arrays, gives the terms' matrices)."""
    k = len(step.feature_names)
    if step.is_full:
        P = smat(coefficients[: svec_length(k)])
        p = float(coefficients[-1])
        weights = None
    else:
        # Family terms are quadratic forms of the features, which are basis vectors before
        # the step: restricting a term's Gram matrix to them gives its matrix in features.
        if data is None:
            index = [next(iter(v.coefficients)) for v in step.before.vectors]
            gap_index = next(iter(step.before.gap.linear))
            mats = [term.gram_matrix(step.basis.n_vectors) for term in step.before.terms]
            gaps = [float(term.linear.get(gap_index, 0.0)) for term in step.before.terms]
        else:
            index, gap_index = list(step.feature_index), step.gap_index
            mats = list(data.before_mats)
            gaps = [float(row[gap_index]) if gap_index >= 0 else 0.0 for row in data.before_rows]
        P = np.zeros((k, k))
        p = 0.0
        for weight, mat, gap in zip(coefficients, mats, gaps):
            P += weight * mat[np.ix_(index, index)]
            p += weight * gap
        weights = np.array(coefficients, dtype=float)
    if weights is not None:
        # A structured family reads best in the paper's form: first nonzero weight 1.
        scale = next((w for w in weights if w > 1e-9 * max(weights.max(), 1e-300)), 1.0)
    else:
        # The full family: largest diagonal entry (or the weight of f - f*) equal to 1.
        scale = max(float(np.diag(P).max(initial=0.0)), p, 1e-300)
    return P / scale, p / scale, (weights / scale if weights is not None else None)
