r"""A generic symbolic (sympy) verifier of Lyapunov decreases, for any method.

Give it a method's one-step problem built with sympy parameters
(:func:`pepcert.lyapunov.onestep.one_step`) and a :class:`Proof` (closed-form rate, Lyapunov
function and multipliers over a stated :class:`Range` of parameters, optionally split into
cases and written in charts); :func:`verify` returns an immutable :class:`Verdict`. The
papers' proofs are data for it (:mod:`pepcert.papers`); see ``docs/symbolic.md``.

Example (gradient descent, ``V = ||x - x*||^2``; the proof is in ``docs/symbolic.md``)::

    step = one_step(gradient_descent(eta), ProblemClass(SmoothStronglyConvex(mu, L)), family="distance")
    verdict = verify(step, proof)
    verdict.proved, verdict.reason
"""

from pepcert.lyapunov.symbolic.check import RHO, PieceVerdict, Verdict, verify
from pepcert.lyapunov.symbolic.positivity import Box, is_zero
from pepcert.lyapunov.symbolic.proof import Chart, Lemma, Lyapunov, Piece, Proof, Split
from pepcert.lyapunov.symbolic.ranges import Bound, Range

__all__ = [
    "RHO", "Bound", "Box", "Chart", "Lemma", "Lyapunov", "Piece", "PieceVerdict", "Proof", "Range", "Split",
    "Verdict", "is_zero", "verify",
]
