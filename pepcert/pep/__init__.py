"""The modelling core of pepcert: expressions, function and compressor classes, methods,
worst-case problems and solver back-ends. It never imports ``lyapunov`` or ``lowerbounds``.
The built-in methods are in :mod:`pepcert.pep.algorithms`.

Names are re-exported lazily (PEP 562) so that importing one submodule (the command line reads
:mod:`pepcert.pep.errors` to build its parser) does not load the solvers and numpy stacks."""

from __future__ import annotations

import importlib

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


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'pepcert.pep' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
