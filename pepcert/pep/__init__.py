"""The modelling core of pepcert: expressions, function and compressor classes, methods,
worst-case problems and solver back-ends. It never imports ``lyapunov`` or ``lowerbounds``.
The built-in methods are in :mod:`pepcert.pep.algorithms`."""

from pepcert.pep.compressors import Contractive, Unbiased
from pepcert.pep.library import RandK, RandomDithering, Scaling, TopK
from pepcert.pep.errors import BadInput, SolverFailure
from pepcert.pep.expressions import Basis, Scalar, Vector, inner, norm2
from pepcert.pep.functions import ConvexLipschitz, Point, Quadratic, ScalarQuadratic, SmoothStronglyConvex
from pepcert.pep.methods import MEASURES, Features, Method
from pepcert.pep.problem import ProblemClass, SymbolicOracle, Trace, WorstCaseResult, worst_case
from pepcert.pep.solvers import default_solver_name, get_solver

__all__ = [
    "MEASURES", "BadInput", "Basis", "Contractive", "ConvexLipschitz",
    "Features", "Method", "Point", "ProblemClass", "Quadratic", "RandK", "RandomDithering",
    "Scalar", "ScalarQuadratic", "Scaling", "SmoothStronglyConvex", "SolverFailure",
    "SymbolicOracle", "TopK", "Trace", "Unbiased", "Vector", "WorstCaseResult",
    "default_solver_name", "get_solver", "inner", "norm2", "worst_case",
]
