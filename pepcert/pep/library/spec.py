r"""``--compressor SPEC`` and ``--omega W``: from text to a concrete compressor and its class.

Grammar (whitespace is ignored; names and keys are lower case)::

    SPEC  := NAME [":" ARGS]                  e.g.  top-k:k=1,d=10
           | "compose:" ITEM ("+" ITEM)+      e.g.  compose:rand-k(k=2,d=10,unbiased)+natural
    ITEM  := NAME ["(" ARGS ")"]              (no nested compose)
    ARGS  := ARG ("," ARG)*
    ARG   := KEY "=" VALUE | FLAG             VALUE: an integer, a word (norm=linf), or
                                              integers joined by ":" (per-block s=2:3:4:5)

Names: ``top-k`` (k, d), ``rand-k`` (k, d, flag ``unbiased``), ``dithering`` or ``qsgd``
(s, d, ``norm=l2|linf``), ``natural`` (optional d), ``natural-dithering`` (s, d),
``block-dithering`` (blocks, s, d, ``norm``; ``s`` one value or one per block),
``sign`` (d), ``ef-muon`` (m, n), ``compose``. Integers are checked exactly (``k=2.0`` is 2,
``k=2.5`` is refused); every problem is one :class:`BadInput` line naming it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pepcert.pep.compressors import Contractive, Unbiased
from pepcert.pep.errors import BadInput
from pepcert.pep.library.base import positive_int
from pepcert.pep.library.compose import Compose
from pepcert.pep.library.matrix import EFMuon
from pepcert.pep.library.quantizers import (
    NORMS,
    BlockDithering,
    NaturalCompression,
    NaturalDithering,
    RandomDithering,
    ScaledSign,
)
from pepcert.pep.library.sparsifiers import RandK, TopK
from pepcert.pep.numerics.numbers import parse_rational, show
from pepcert.pep.serialise import jsonable

MAX_SPEC_LENGTH = 1000
_NAME = re.compile(r"^[a-z][a-z0-9-]*$")


def _int(params: dict, key: str, name: str, required: bool = True, low: int = 1, high: int | None = None):
    if key not in params:
        if required:
            raise BadInput(f"{name} needs {key}=... ({_MEANING.get(key, key)})")
        return None
    value = params[key]
    if value is True:
        raise BadInput(f"{name}: {key} needs a value ({key}=...)")
    number = parse_rational(value, f"{name}: {key}")
    if number.denominator != 1:
        raise BadInput(f"{name}: {key} must be an integer, got {value}")
    return positive_int(number, f"{name}: {key}", low, **({} if high is None else {"high": high}))


_MEANING = {"d": "the dimension", "k": "entries kept", "s": "levels", "blocks": "number of blocks",
            "m": "rows", "n": "columns"}


def _norm(params: dict, name: str) -> str:
    norm = params.get("norm", "l2")
    if norm not in NORMS:
        raise BadInput(f"{name}: norm must be one of {', '.join(NORMS)}, got {norm!r}")
    return norm


def _k_at_most_d(p, name: str) -> tuple[int, int]:
    d, k = _int(p, "d", name), _int(p, "k", name)
    if k > d:
        raise BadInput(f"{name}: k = {k} exceeds the dimension d = {d}")
    return k, d


def _top_k(p):
    return TopK(*_k_at_most_d(p, "top-k"))


def _rand_k(p):
    if p.get("unbiased", True) is not True:
        raise BadInput("rand-k: unbiased is a flag (write ',unbiased' without a value)")
    return RandK(*_k_at_most_d(p, "rand-k"), unbiased="unbiased" in p)


def _dithering(p):
    return RandomDithering(_int(p, "s", "dithering"), _int(p, "d", "dithering"), _norm(p, "dithering"))


def _natural(p):
    return NaturalCompression(_int(p, "d", "natural", required=False))


def _natural_dithering(p):
    return NaturalDithering(_int(p, "s", "natural-dithering", high=64), _int(p, "d", "natural-dithering"))


def _block_dithering(p):
    name = "block-dithering"
    d = _int(p, "d", name)
    blocks = _int(p, "blocks", name, high=d)
    if "s" not in p or p["s"] is True:
        raise BadInput(f"{name} needs s=... (levels: one value, or one per block joined by ':')")
    texts = p["s"].split(":")
    if len(texts) not in (1, blocks):
        raise BadInput(f"{name}: s has {len(texts)} values for {blocks} blocks (give 1 or {blocks})")
    levels = tuple(_int({"s": t}, "s", name) for t in texts)
    return BlockDithering(blocks, levels * blocks if len(levels) == 1 else levels, d, _norm(p, name))


def _sign(p):
    return ScaledSign(_int(p, "d", "sign"))


def _ef_muon(p):
    return EFMuon(_int(p, "m", "ef-muon", high=10**6), _int(p, "n", "ef-muon", high=10**6))


#: name -> (builder, allowed keys and flags)
BUILDERS = {
    "top-k": (_top_k, {"k", "d"}),
    "rand-k": (_rand_k, {"k", "d", "unbiased"}),
    "dithering": (_dithering, {"s", "d", "norm"}),
    "qsgd": (_dithering, {"s", "d", "norm"}),
    "natural": (_natural, {"d"}),
    "natural-dithering": (_natural_dithering, {"s", "d"}),
    "block-dithering": (_block_dithering, {"blocks", "s", "d", "norm"}),
    "sign": (_sign, {"d"}),
    "ef-muon": (_ef_muon, {"m", "n"}),
}


def _parse_args(name: str, text: str) -> dict:
    params: dict = {}
    if not text:
        return params
    for item in text.split(","):
        key, eq, value = item.partition("=")
        if not key:
            raise BadInput(f"{name}: empty parameter in {text!r}")
        if eq and not value:
            raise BadInput(f"{name}: {key} has no value")
        if key in params:
            raise BadInput(f"{name}: {key} given twice")
        params[key] = value if eq else True
    return params


def _build(name: str, args: str):
    if name == "compose":
        raise BadInput("compose cannot be nested; write compose:A+B+C")
    if name not in BUILDERS:
        raise BadInput(f"unknown compressor {name!r}; known: {', '.join(sorted(BUILDERS))}, compose")
    builder, allowed = BUILDERS[name]
    params = _parse_args(name, args)
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise BadInput(f"{name}: unknown parameter {unknown[0]!r}; allowed: {', '.join(sorted(allowed))}")
    return builder(params)


def _parse_item(text: str):
    match = re.fullmatch(r"([a-z][a-z0-9-]*)(?:\((.*)\))?", text)
    if not match or "(" in (match.group(2) or "") or ")" in (match.group(2) or ""):
        raise BadInput(f"compose: cannot read {text!r}; write NAME or NAME(key=value,...)")
    return _build(match.group(1), match.group(2) or "")


def parse_compressor(spec: str):
    """``spec`` -> the concrete compressor (a library dataclass); see the module grammar."""
    if not isinstance(spec, str):
        raise BadInput(f"a compressor specification is text, got {spec!r}")
    text = re.sub(r"\s+", "", spec).lower()
    if not text:
        raise BadInput("empty compressor specification")
    if len(text) > MAX_SPEC_LENGTH:
        raise BadInput(f"compressor specification longer than {MAX_SPEC_LENGTH} characters")
    name, _, args = text.partition(":")
    if not _NAME.match(name):
        raise BadInput(f"cannot read compressor name {name!r} in {spec!r}")
    if name == "compose":
        if not args:
            raise BadInput("compose needs its parts: compose:A+B, e.g. compose:rand-k(k=2,d=10,unbiased)+natural")
        return Compose(tuple(_parse_item(item) for item in args.split("+")))
    if "(" in args or ")" in args or "+" in args:
        raise BadInput(f"{name}: parentheses and '+' belong to compose:A+B")
    return _build(name, args)


@dataclass(frozen=True)
class CompressorChoice:
    """What an analysis is run for: the compressor class and, when the user named one, the
    concrete compressor and its specification. The rate holds for every compressor of the
    class, not only the named one."""

    compressor_class: Contractive | Unbiased
    compressor: Any = None  # a library compressor
    spec: str | None = None

    @property
    def constant(self):
        klass = self.compressor_class
        return klass.omega if isinstance(klass, Unbiased) else klass.delta

    def describe(self) -> str:
        text = f"analysed in the class: {self.compressor_class.describe()}"
        if self.compressor is None:
            return text
        return (f"{self.compressor.describe()} [{self.spec}]; {text}; the rate holds for every "
                "compressor of that class")

    def to_dict(self) -> dict:
        klass = self.compressor_class
        unbiased = isinstance(klass, Unbiased)
        out: dict[str, Any] = {"class": "unbiased" if unbiased else "contractive",
                               "deterministic": bool(klass.deterministic),
                               "omega" if unbiased else "delta": self.constant}
        if self.compressor is not None:
            out.update(spec=self.spec, compressor=self.compressor.describe(), source=self.compressor.source)
        return jsonable(out)  # the constant exact ("p/q" or sympy's text) with its float twin


def compressor_choice_from_args(delta=None, omega=None, compressor=None, random: bool = False) -> CompressorChoice:
    """Exactly one of ``--delta D`` (contractive; ``random`` for in expectation), ``--omega W``
    (unbiased) or ``--compressor SPEC`` (the class of the named compressor)."""
    given = [flag for flag, value in (("--delta", delta), ("--omega", omega), ("--compressor", compressor))
             if value is not None]
    if len(given) != 1:
        which = " and ".join(given) if given else "none"
        raise BadInput(f"give exactly one of --delta, --omega, --compressor (got {which})")
    if delta is not None:
        delta = parse_rational(delta, "delta")
        if not 0 < delta <= 1:
            raise BadInput(f"delta must be in (0, 1], got {show(delta)}")
        return CompressorChoice(Contractive(delta, in_expectation=bool(random)))
    if omega is not None:
        omega = parse_rational(omega, "omega")
        if omega < 0:
            raise BadInput(f"omega must be >= 0, got {show(omega)}")
        return CompressorChoice(Unbiased(omega))
    if random:
        raise BadInput("--random applies to --delta; a compressor's class already says whether it is random")
    concrete = parse_compressor(compressor)
    return CompressorChoice(concrete.compressor_class(), concrete, re.sub(r"\s+", "", compressor).lower())


def compressor_class_from_args(delta=None, omega=None, compressor=None, random: bool = False):
    """The class (:class:`Contractive` or :class:`Unbiased`) of :func:`compressor_choice_from_args`."""
    return compressor_choice_from_args(delta, omega, compressor, random).compressor_class
