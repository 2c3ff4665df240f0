"""The compressor library: concrete numpy compressors with proven constants.

Each compressor is a frozen dataclass: ``C(v, rng)`` (vectorised, seeded
``numpy.random.Generator``), ``compressor_class()`` (``Contractive(delta)`` or
``Unbiased(omega)`` with an exact constant), ``source`` and ``describe()``. Proofs of the
constants: the module docstrings and ``docs/compressors.md``. ``parse_compressor`` reads a
``--compressor SPEC``; ``compressor_class_from_args`` is what the analysis commands call;
``catalog()`` is what ``pepcert compressors`` lists.
"""

from pepcert.pep.library.base import Scaling
from pepcert.pep.library.catalog import catalog
from pepcert.pep.library.compose import Compose
from pepcert.pep.library.matrix import EFMuon
from pepcert.pep.library.quantizers import (
    BlockDithering,
    NaturalCompression,
    NaturalDithering,
    RandomDithering,
    ScaledSign,
    dithering_omega,
    natural_dithering_omega,
)
from pepcert.pep.library.sparsifiers import RandK, TopK
from pepcert.pep.library.spec import (
    CompressorChoice,
    compressor_choice_from_args,
    compressor_class_from_args,
    parse_compressor,
)

__all__ = [
    "BlockDithering", "Compose", "CompressorChoice", "EFMuon", "NaturalCompression",
    "NaturalDithering", "RandK", "RandomDithering", "ScaledSign", "Scaling", "TopK", "catalog",
    "compressor_choice_from_args", "compressor_class_from_args", "dithering_omega",
    "natural_dithering_omega", "parse_compressor",
]
