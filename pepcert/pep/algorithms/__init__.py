"""Built-in method definitions (the only modules that name a built-in method)."""

from pepcert.pep.algorithms.agents import diana, distributed_cgd, distributed_ef, distributed_ef21
from pepcert.pep.algorithms.compressed import (
    BUILTIN_METHODS,
    compressed_gradient_descent,
    ef21,
    error_feedback,
    method_factory,
)

__all__ = ["BUILTIN_METHODS", "compressed_gradient_descent", "diana", "distributed_cgd", "distributed_ef",
           "distributed_ef21", "ef21", "error_feedback", "method_factory"]
