"""``--compressor SPEC`` / ``--delta`` / ``--omega`` parsing: every documented specification
gives its compressor and the class with the exact constant; every bad one is a single
``BadInput`` line naming the problem."""

from __future__ import annotations

from fractions import Fraction

import pytest
import sympy

from pepcert.pep.compressors import Contractive, Unbiased
from pepcert.pep.errors import BadInput
from pepcert.pep.library import (
    BlockDithering,
    Compose,
    EFMuon,
    NaturalCompression,
    NaturalDithering,
    RandK,
    RandomDithering,
    ScaledSign,
    TopK,
    catalog,
    compressor_choice_from_args,
    compressor_class_from_args,
    parse_compressor,
)

GOOD = [
    ("top-k:k=1,d=10", TopK(1, 10), Contractive(Fraction(1, 10))),
    ("top-k:k=3,d=10", TopK(3, 10), Contractive(Fraction(3, 10))),
    ("rand-k:k=2,d=10", RandK(2, 10), Contractive(Fraction(1, 5), in_expectation=True)),
    ("rand-k:k=2,d=10,unbiased", RandK(2, 10, True), Unbiased(Fraction(4))),
    ("dithering:s=4,d=100", RandomDithering(4, 100), Unbiased(Fraction(3, 2))),
    ("qsgd:s=2,d=10", RandomDithering(2, 10), Unbiased(Fraction(5, 8))),
    ("dithering:s=4,d=100,norm=linf", RandomDithering(4, 100, "linf"), Unbiased((sympy.sqrt(115) - 4) / 8)),
    ("natural", NaturalCompression(), Unbiased(Fraction(1, 8))),
    ("natural:d=5", NaturalCompression(5), Unbiased(Fraction(1, 8))),
    ("natural-dithering:s=3,d=100", NaturalDithering(3, 100), Unbiased(Fraction(3, 2))),
    ("block-dithering:blocks=4,s=2,d=100", BlockDithering(4, (2, 2, 2, 2), 100), Unbiased(Fraction(3, 2))),
    ("block-dithering:blocks=2,s=1:3,d=10", BlockDithering(2, (1, 3), 10), Unbiased(sympy.sqrt(5) - 1)),
    ("sign:d=10", ScaledSign(10), Contractive(Fraction(1, 10))),
    ("ef-muon:m=3,n=5", EFMuon(3, 5), Contractive(Fraction(1, 3))),
    (" Top-K : k = 2.0 , d = 4 ", TopK(2, 4), Contractive(Fraction(1, 2))),  # exact 2.0 == 2
    ("compose:rand-k(k=2,d=10,unbiased)+natural",
     Compose((RandK(2, 10, True), NaturalCompression())), Unbiased(Fraction(37, 8))),
    ("compose:top-k(k=1,d=2)+rand-k(k=1,d=2,unbiased)",
     Compose((TopK(1, 2), RandK(1, 2, True))), Contractive(Fraction(1, 4), in_expectation=True)),
]


@pytest.mark.parametrize("spec,compressor,klass", GOOD)
def test_good_specs(spec, compressor, klass):
    assert parse_compressor(spec) == compressor
    got = compressor_class_from_args(compressor=spec)
    assert type(got) is type(klass) and got.deterministic == klass.deterministic
    constant = (got.omega, klass.omega) if isinstance(klass, Unbiased) else (got.delta, klass.delta)
    assert type(constant[0]) is type(constant[1]) or not isinstance(constant[1], Fraction)
    assert sympy.simplify(sympy.sympify(constant[0]) - sympy.sympify(constant[1])) == 0


BAD = [
    ("foo:d=3", "unknown compressor 'foo'"),
    ("top-k:k=11,d=10", "k = 11 exceeds the dimension d = 10"),
    ("top-k:k=1", "top-k needs d="),
    ("top-k:d=10", "top-k needs k="),
    ("top-k:k=2.5,d=10", "k must be an integer, got 2.5"),
    ("top-k:k=0,d=10", "k must be at least 1"),
    ("top-k:k=-1,d=10", "k must be at least 1"),
    ("top-k:k=1,d=10,k=2", "k given twice"),
    ("top-k:k=1,d=10,x=2", "unknown parameter 'x'"),
    ("top-k:k=abc,d=10", "must be a number"),
    ("top-k:k=,d=10", "k has no value"),
    ("top-k:k=1,d", "d needs a value"),
    ("rand-k:k=2,d=10,unbiased=yes", "unbiased is a flag"),
    ("dithering:s=0,d=100", "s must be at least 1"),
    ("dithering:s=-2,d=100", "s must be at least 1"),
    ("dithering:s=4", "dithering needs d="),
    ("dithering:s=4,d=100,norm=l1", "norm must be one of l2, linf"),
    ("natural-dithering:s=70,d=4", "s must be at most 64"),
    ("block-dithering:blocks=5,s=2,d=4", "blocks must be at most 4"),
    ("block-dithering:blocks=2,s=1:2:3,d=10", "s has 3 values for 2 blocks"),
    ("block-dithering:blocks=2,s=1:0,d=10", "s must be at least 1"),
    ("ef-muon:m=3", "ef-muon needs n="),
    ("sign:d=0", "d must be at least 1"),
    ("top-k:k=1,d=10000000000", "d must be at most 1000000000"),
    ("compose:rand-k(k=2,d=10,unbiased)+top-k(k=1,d=10)", "no proven constant"),
    ("compose:rand-k(k=2,d=10", "cannot read"),
    ("compose:natural", "at least two compressors"),
    ("compose:", "compose needs its parts"),
    ("compose:natural+compose(natural)", "cannot be nested"),
    ("top-k(k=1,d=10)", "cannot read compressor name"),
    ("natural+natural", "cannot read compressor name"),
    ("top-k:k=1,d=10+natural", "belong to compose"),
    ("", "empty compressor specification"),
    ("x" * 2000, "longer than 1000"),
]


@pytest.mark.parametrize("spec,message", BAD)
def test_bad_specs_one_clear_line(spec, message):
    with pytest.raises(BadInput) as error:
        compressor_class_from_args(compressor=spec)
    assert message in str(error.value) and "\n" not in str(error.value)


def test_delta_omega_and_exactly_one():
    assert compressor_class_from_args(delta="0.3") == Contractive(Fraction(3, 10))
    assert compressor_class_from_args(delta=Fraction(1, 2), random=True) == Contractive(Fraction(1, 2), True)
    assert compressor_class_from_args(omega="1/3") == Unbiased(Fraction(1, 3))
    assert compressor_class_from_args(omega=0) == Unbiased(Fraction(0))
    for kwargs, message in [
        ({}, "exactly one of --delta, --omega, --compressor (got none)"),
        ({"delta": "0.5", "omega": "1"}, "(got --delta and --omega)"),
        ({"omega": "1", "compressor": "natural"}, "(got --omega and --compressor)"),
        ({"omega": "-1/10"}, "omega must be >= 0, got -0.1"),
        ({"omega": "-1e-400"}, "omega must be >= 0, got -1e-400"),  # exact: float() would say -0.0
        ({"delta": "1e400"}, "delta must be in (0, 1], got 1e+400"),  # not its 401 digits
        ({"omega": "nan"}, "omega must be a finite number"),
        ({"delta": "0"}, "delta must be in (0, 1]"),
        ({"delta": "1.0000000000000000001"}, "got 10000000000000000001/10000000000000000000"),  # not "1"
        ({"compressor": "natural", "random": True}, "--random applies to --delta"),
    ]:
        with pytest.raises(BadInput) as error:
            compressor_class_from_args(**kwargs)
        assert message in str(error.value), (kwargs, str(error.value))


def test_choice_names_the_compressor_and_says_the_rate_holds_for_the_class():
    choice = compressor_choice_from_args(compressor="top-k:k=3,d=10")
    assert choice.compressor == TopK(3, 10) and choice.spec == "top-k:k=3,d=10"
    assert "top-k" in choice.describe() and "every compressor of that class" in choice.describe()
    data = choice.to_dict()
    assert data["class"] == "contractive" and data["delta"] == "3/10" and data["deterministic"] is True
    bare = compressor_choice_from_args(omega="2")
    assert bare.compressor is None and bare.to_dict() == {
        "class": "unbiased", "deterministic": False, "omega": "2", "omega_float": 2.0}


def test_catalog_examples_parse_and_cover_every_compressor():
    entries = catalog()
    kinds = {type(parse_compressor(entry.example)) for entry in entries}
    assert kinds == {TopK, RandK, RandomDithering, NaturalCompression, NaturalDithering, BlockDithering,
                     ScaledSign, EFMuon, Compose}
    for entry in entries:
        row = entry.to_dict()
        assert row["class"] in ("contractive", "unbiased") and row["formula"] and row["source"]
