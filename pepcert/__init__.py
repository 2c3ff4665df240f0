"""pepcert: tight, certified worst-case analyses of compressed first-order methods.

Three packages with one direction of dependency (see ``docs/architecture.md``):

* :mod:`pepcert.pep` -- the modelling core: expressions, function and compressor classes,
  methods, worst-case problems and solver back-ends;
* :mod:`pepcert.lyapunov` -- optimal quadratic Lyapunov functions, step sizes and exact
  certificates (uses ``pep``);
* :mod:`pepcert.lowerbounds` -- explicit worst-case instances checked in exact arithmetic
  (uses ``pep``).

:mod:`pepcert.analyses`, :mod:`pepcert.papers` and :mod:`pepcert.cli` are the composition layer.
The public API below is imported lazily (PEP 562), so ``import pepcert`` stays cheap::

    from pepcert import Method, ProblemClass, SmoothStronglyConvex, Contractive, tight_rate
"""

from __future__ import annotations

from pepcert._lazy import lazy_exports
from pepcert._version import __version__

_PUBLIC = {
    "Method": "pepcert.pep.methods",
    "Features": "pepcert.pep.methods",
    "ProblemClass": "pepcert.pep.problem",
    "worst_case": "pepcert.pep.problem",
    "SmoothStronglyConvex": "pepcert.pep.functions",
    "ConvexLipschitz": "pepcert.pep.functions",
    "Contractive": "pepcert.pep.compressors",
    "Unbiased": "pepcert.pep.compressors",
    "norm2": "pepcert.pep.expressions",
    "inner": "pepcert.pep.expressions",
    "BadInput": "pepcert.pep.errors",
    "SolverFailure": "pepcert.pep.errors",
    "tight_rate": "pepcert.analyses.rates",
    "optimal_step": "pepcert.analyses.rates",
    "certify": "pepcert.analyses.certificates",
    "certify_nstep": "pepcert.analyses.nstep_certificates",
    "certify_noise_pair": "pepcert.analyses.noisy_certificates",
    "check_certificate": "pepcert.analyses.checking",
}

__all__ = sorted(_PUBLIC) + ["__version__"]


__getattr__, __dir__ = lazy_exports('pepcert', _PUBLIC, globals())
