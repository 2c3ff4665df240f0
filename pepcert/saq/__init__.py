"""Smoothness-aware compression (Wang, Safaryan & Richtarik 2022, *Theoretically better and
numerically faster distributed optimization with smoothness-aware quantization techniques*):
data sets, the distributed logistic problem with its smoothness matrices, the compressors and
their data-dependent constants, and the methods DCGD, DIANA, DCGD+ and DIANA+
([docs/saq.md](../../docs/saq.md)).

Names are re-exported lazily (PEP 562): importing :mod:`pepcert.saq` loads neither numpy
stacks nor scikit-learn."""

from __future__ import annotations

from pepcert._lazy import lazy_exports

_LAZY = {
    **dict.fromkeys(("BUILTINS", "Dataset", "builtin_names", "load_dataset"), "pepcert.saq.data"),
    **dict.fromkeys(("LogisticProblem", "logistic_problem"), "pepcert.saq.problem"),
    **dict.fromkeys(("Dithering", "FLOAT_BITS", "OmegaPlus", "RandK", "SmoothnessAware", "elias_omega_bits"),
                    "pepcert.saq.compressors"),
    **dict.fromkeys(("METHODS", "SAQRun", "iterate", "run_method"), "pepcert.saq.methods"),
    **dict.fromkeys(("Theory", "parameters"), "pepcert.saq.theory"),
    **dict.fromkeys(("Identity", "QuadraticProblem", "quadratic_problem", "random_quadratics"), "pepcert.saq.quadratic"),
}

__all__ = sorted(_LAZY)


__getattr__, __dir__ = lazy_exports("pepcert.saq", _LAZY, globals())
