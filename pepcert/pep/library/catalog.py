"""What ``pepcert compressors`` lists: one entry per compressor of the library, with its
specification syntax, class, constant formula, an example and its value, and its source."""

from __future__ import annotations

from dataclasses import dataclass

from pepcert.pep.library.spec import compressor_choice_from_args


@dataclass(frozen=True)
class CatalogEntry:
    name: str
    syntax: str
    kind: str  # "contractive, deterministic" / "contractive, in expectation" / "unbiased"
    formula: str
    example: str
    tight: str

    def to_dict(self) -> dict:
        choice = compressor_choice_from_args(compressor=self.example)
        example = choice.to_dict()
        return {"name": self.name, "syntax": self.syntax, "class": example["class"],
                "deterministic": example["deterministic"], "kind": self.kind,
                "constant": "omega" if example["class"] == "unbiased" else "delta",
                "formula": self.formula, "tight": self.tight, "example": self.example,
                "example_value": example.get("omega", example.get("delta")),
                "example_float": example["constant_float"], "source": example["source"]}


_ENTRIES = (
    CatalogEntry("top-k", "top-k:k=K,d=D", "contractive, deterministic", "delta = k/d",
                 "top-k:k=3,d=10", "attained at equal-magnitude entries"),
    CatalogEntry("rand-k", "rand-k:k=K,d=D", "contractive, in expectation", "delta = k/d",
                 "rand-k:k=2,d=10", "attained at every v"),
    CatalogEntry("rand-k (unbiased)", "rand-k:k=K,d=D,unbiased", "unbiased", "omega = d/k - 1",
                 "rand-k:k=2,d=10,unbiased", "attained at every v"),
    CatalogEntry("dithering (QSGD, l2)", "dithering:s=S,d=D", "unbiased",
                 "omega = d/(4 s^2) if d <= 4 s^2, else sqrt(d)/s - 1 (<= min(d/s^2, sqrt(d)/s))",
                 "dithering:s=4,d=100", "attained at v = (1,...,1) when d >= 4 s^2"),
    CatalogEntry("dithering (l-infinity)", "dithering:s=S,d=D,norm=linf", "unbiased",
                 "omega = (sqrt(s^2 + d - 1) - s)/(2 s)", "dithering:s=4,d=100,norm=linf",
                 "attained at v = (1, t, ..., t), t = 1/(s + sqrt(s^2 + d - 1))"),
    CatalogEntry("natural compression", "natural[:d=D]", "unbiased", "omega = 1/8", "natural",
                 "attained at v = (4/3, ..., 4/3)"),
    CatalogEntry("natural dithering", "natural-dithering:s=S,d=D", "unbiased",
                 "b = 2^(1-s): omega = b sqrt(d) - 1 if b^2 d >= 81/16, else 2 d b^2/9 + 1/8",
                 "natural-dithering:s=3,d=100", "attained at v = (1,...,1) when b^2 d >= 81/16"),
    CatalogEntry("block dithering", "block-dithering:blocks=B,s=S[:S2:...],d=D[,norm=linf]", "unbiased",
                 "omega = max over blocks of the dithering omega(d_j, s_j)",
                 "block-dithering:blocks=4,s=2,d=100", "attained when the worst block's bound is"),
    CatalogEntry("scaled sign", "sign:d=D", "contractive, deterministic", "delta = 1/d", "sign:d=10",
                 "infimum, approached by v = (1, eps, ..., eps)"),
    CatalogEntry("EF-Muon", "ef-muon:m=M,n=N", "contractive, deterministic", "delta = 1/min(m, n)",
                 "ef-muon:m=4,n=6", "infimum, approached by sigma = (1, eps, ..., eps)"),
    CatalogEntry("composition", "compose:A(args)+B(args)[+...]", "unbiased, or contractive in expectation",
                 "U(w1) then U(w2): omega = (1 + w1)(1 + w2) - 1; contractive(delta) then U(w), "
                 "rescaled by 1/(1 + w): delta/(1 + w)",
                 "compose:rand-k(k=2,d=10,unbiased)+natural", "attained when both parts are"),
)


def catalog() -> tuple[CatalogEntry, ...]:
    return _ENTRIES
