"""The catalogue of theorems: what ``pepcert verify``, the tests and ``examples/`` run.

Each theorem is a function (PEPit's convention) that computes something with pepcert's analyses
and returns ``(computed, theory)`` -- numbers, exact numbers, tuples of them, or for a symbolic
proof ``(proved, True)`` -- with a docstring stating the theorem, its source and the tolerance
it is checked to. A :class:`Theorem` entry registers it: id, paper, statement, the settings it
is checked at and the comparison (:mod:`.compare`: a tolerance, or an order for bounds). One
module per paper (:mod:`.ttd25`, :mod:`.ttd25_symbolic`, :mod:`.wsr22`, :mod:`.muon26`,
:mod:`.ttd26`) and one for classical results (:mod:`.classical`) each end with their
``THEOREMS``; :func:`catalogue` lists them all, :func:`run_theorems` checks them and
:func:`show` prints one at the user's parameters (docs/theorems.md).
"""

from pepcert.papers.theorems.compare import (
           AtLeast,
           AtMost,
           Close,
           Comparison,
           Encloses,
           LowerBound,
           Proved,
)
from pepcert.papers.theorems.core import (
           Theorem,
           TheoremError,
           TheoremResult,
           catalogue,
           find,
           run_theorems,
           show,
)

__all__ = ["AtLeast", "AtMost", "Close", "Comparison", "Encloses", "LowerBound", "Proved", "Theorem", "TheoremError",
           "TheoremResult", "catalogue", "find", "run_theorems", "show"]
