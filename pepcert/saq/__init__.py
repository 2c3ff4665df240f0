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
    **dict.fromkeys(("AgentCompressor", "Dithering", "OmegaPlus", "RandK", "SmoothnessAware"), "pepcert.saq.compressors"),
    **dict.fromkeys(("FLOAT_BITS", "Message", "elias_omega", "elias_omega_bits", "paper_bits", "pepcert_bits"),
                    "pepcert.saq.encoding"),
    **dict.fromkeys(("METHODS", "SAQRun", "Schedule", "run_compressed", "run_method", "trajectory"), "pepcert.saq.methods"),
    **dict.fromkeys(("SAQOracle",), "pepcert.saq.oracle"),
    **dict.fromkeys(("Theory", "parameters"), "pepcert.saq.theory"),
    **dict.fromkeys(("Identity", "QuadraticProblem", "quadratic_problem", "random_quadratics"), "pepcert.saq.quadratic"),
}

__all__ = sorted(_LAZY)


__getattr__, __dir__ = lazy_exports("pepcert.saq", _LAZY, globals())
