"""The modelling core of pepcert: expressions, function and compressor classes, methods,
worst-case problems and solver back-ends. It never imports ``lyapunov`` or ``lowerbounds``.
The built-in methods are in :mod:`pepcert.pep.algorithms`.

Names are re-exported lazily (PEP 562) so that importing one submodule (the command line reads
:mod:`pepcert.pep.errors` to build its parser) does not load the solvers and numpy stacks."""

from __future__ import annotations

from pepcert._lazy import lazy_exports

_LAZY = {
    **dict.fromkeys(("Contractive", "Unbiased"), "pepcert.pep.compressors"),
    **dict.fromkeys(("RandK", "RandomDithering", "Scaling", "TopK"), "pepcert.pep.library"),
    **dict.fromkeys(("BadInput", "SolverFailure"), "pepcert.pep.errors"),
    **dict.fromkeys(("Basis", "Scalar", "Vector", "inner", "norm2"), "pepcert.pep.expressions"),
    **dict.fromkeys(
        ("ConvexLipschitz", "Point", "Quadratic", "ScalarQuadratic", "SmoothStronglyConvex"), "pepcert.pep.functions"
    ),
    **dict.fromkeys(("MEASURES", "Features", "Method"), "pepcert.pep.methods"),
    **dict.fromkeys(("ProblemClass", "SymbolicOracle", "Trace", "WorstCaseResult", "worst_case"), "pepcert.pep.problem"),
    **dict.fromkeys(("default_solver_name", "get_solver"), "pepcert.pep.solvers"),
}

__all__ = sorted(_LAZY)


__getattr__, __dir__ = lazy_exports('pepcert.pep', _LAZY, globals())
