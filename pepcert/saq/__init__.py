"""Smoothness-aware compression (Wang, Safaryan & Richtarik 2022, *Theoretically better and
numerically faster distributed optimization with smoothness-aware quantization techniques*):
data sets, the distributed logistic problem with its smoothness matrices, the compressors and
their data-dependent constants, the built-in DIANA and compressed gradient descent run as DCGD,
DIANA, DCGD+ and DIANA+, the authors' protocol and the block claim measured
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
    **dict.fromkeys(("LinfDithering", "baseline_levels", "baseline_omega", "dcgd_plus_steps", "diana_plus_steps",
                     "paper_blocks"), "pepcert.saq.paper"),
    **dict.fromkeys(("PaperSetup", "paper_problem", "paper_setup", "paper_theory"), "pepcert.saq.paper_setup"),
    **dict.fromkeys(("block_ratio", "measure", "measure_instance", "run_paper"), "pepcert.saq.blockclaim"),
    **dict.fromkeys(("Theory", "parameters"), "pepcert.saq.theory"),
    **dict.fromkeys(("Identity", "QuadraticProblem", "quadratic_problem", "random_quadratics"), "pepcert.saq.quadratic"),
}

__all__ = sorted(_LAZY)


__getattr__, __dir__ = lazy_exports("pepcert.saq", _LAZY, globals())
