"""``pepcert compressors``: the library with each class and constant (--json), one
``--spec``, and a bad specification as one line with exit status 2."""

from __future__ import annotations

import json

from pepcert.cli import main

NAMES = {"top-k", "rand-k", "rand-k (unbiased)", "dithering (QSGD, l2)", "dithering (l-infinity)",
         "natural compression", "natural dithering", "block dithering", "scaled sign", "EF-Muon",
         "composition", "dithering, smoothness-aware", "block dithering, smoothness-aware",
         "rand-k, smoothness-aware"}
SMOOTHNESS_AWARE = {name for name in NAMES if name.endswith("smoothness-aware")}


def test_compressors_json_lists_every_compressor_with_class_and_constant(capsys):
    assert main(["compressors", "--json"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    rows = {row["name"]: row for row in json.loads(out)["compressors"]}
    assert set(rows) == NAMES
    for row in rows.values():
        assert row["class"] in ("contractive", "unbiased")
        assert row["constant"] == ("omega" if row["class"] == "unbiased" else "delta")
        assert row["formula"] and row["source"] and row["syntax"] and isinstance(row["deterministic"], bool)
    assert rows["top-k"]["example_value"] == "3/10" and rows["top-k"]["deterministic"] is True
    assert rows["rand-k"]["deterministic"] is False and rows["rand-k (unbiased)"]["example_value"] == "4"
    assert rows["natural compression"]["example_value"] == "1/8"
    assert rows["dithering (l-infinity)"]["example_value"] == "-1/2 + sqrt(115)/8"
    assert rows["composition"]["example_value"] == "37/8"
    for name in SMOOTHNESS_AWARE:  # omega of the base in the L_i^+ norm; omega_i^+ depends on the data
        assert "depends on the data set" in rows[name]["note"] and "Wang, Safaryan" in rows[name]["source"]
        assert rows[name]["syntax"].startswith("pepcert saq")
    assert rows["rand-k, smoothness-aware"]["example_value"] == "9"
    assert all("note" not in rows[name] for name in NAMES - SMOOTHNESS_AWARE)


def test_compressors_text_and_one_spec(capsys):
    assert main(["compressors"]) == 0
    text = capsys.readouterr().out
    assert all(name in text for name in NAMES) and "every compressor of the class" in text
    assert text.count("note:     ") == len(SMOOTHNESS_AWARE)
    assert main(["compressors", "--spec", "dithering:s=4,d=100", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data == {**data, "class": "unbiased", "omega": "3/2", "spec": "dithering:s=4,d=100"}


def test_bad_spec_is_one_line_and_exit_2(capsys):
    for spec in ("top-k:k=11,d=10", "foo", "dithering:s=0,d=4", "rand-k:k=2"):
        assert main(["compressors", "--spec", spec]) == 2
        captured = capsys.readouterr()
        assert captured.out == "" and captured.err.count("\n") == 1 and "error:" in captured.err
