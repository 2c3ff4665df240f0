"""What ``pepcert compressors`` lists: one entry per compressor of the library, with its
specification syntax, class, constant formula, an example and its value, and its source.

The smoothness-aware compressors (Wang, Safaryan & Richtarik 2022; ``pepcert/saq``) are listed
too: ``C_i(v) = L_i^{1/2} Q(L_i^{+1/2} v)`` is unbiased with the ``omega`` of its base ``Q`` in
the ``L_i^+`` norm, which is what the example shows; its Euclidean constant ``omega_i^+``
depends on the data set (each worker's smoothness matrix), so the entry carries a ``note`` and
``pepcert saq`` computes the constant for a given data set."""

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
    note: str = ""
    source: str = ""

    def to_dict(self) -> dict:
        choice = compressor_choice_from_args(compressor=self.example)
        example = choice.to_dict()
        return {"name": self.name, "syntax": self.syntax, "class": example["class"],
                "deterministic": example["deterministic"], "kind": self.kind,
                "constant": "omega" if example["class"] == "unbiased" else "delta",
                "formula": self.formula, "tight": self.tight, "example": self.example,
                "example_value": choice.constant, "source": self.source or example["source"],
                **({"note": self.note} if self.note else {})}


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


_WSR22 = "Wang, Safaryan & Richtarik 2022 (smoothness-aware quantization); omega_i^+ re-derived in docs/saq.md"
_AWARE = ("smoothness-aware: worker i sends Q(L_i^{+1/2} v), the server uses L_i^{1/2} Q(L_i^{+1/2} v); "
          "unbiased with the omega of Q in the L_i^+ norm (the example). Its Euclidean constant omega_i^+ "
          "= sup_w tr(L_i Cov Q(w))/||w||^2 depends on the data set: pepcert saq computes it")
_SAQ_ENTRIES = (
    CatalogEntry("dithering, smoothness-aware", "pepcert saq --methods dcgd+,diana+ --compressors dithering --levels S",
                 "unbiased", "omega of dithering:s=S in ||.||_{L_i^+}; omega_i^+ <= min(tr L_i/(4 s^2), ||diag L_i||_2/s)",
                 "dithering:s=4,d=30", "omega_i^+ attained when d >= 4 s^2; otherwise the bound and an attained "
                 "value from an optimisation", _AWARE, _WSR22),
    CatalogEntry("block dithering, smoothness-aware",
                 "pepcert saq --methods dcgd+,diana+ --compressors block-dithering --levels S[:S2:...] --blocks B", "unbiased",
                 "omega of block-dithering in ||.||_{L_i^+}; omega_i^+ = max over blocks of the block's constant",
                 "block-dithering:blocks=6,s=2,d=30", "as for dithering, per block", _AWARE, _WSR22),
    CatalogEntry("rand-k, smoothness-aware", "pepcert saq --methods dcgd+,diana+ --compressors rand-k", "unbiased",
                 "omega = d/k - 1 in ||.||_{L_i^+}; omega_i^+ = lambda_max((d-k)/k [d/(d-1) Diag(L_i) - L_i/(d-1)]) (exact)",
                 "rand-k:k=3,d=30,unbiased", "omega_i^+ attained by the top eigenvector", _AWARE, _WSR22),
)


def catalog() -> tuple[CatalogEntry, ...]:
    return _ENTRIES + _SAQ_ENTRIES
