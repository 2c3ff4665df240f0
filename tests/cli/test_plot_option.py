"""``--plot FILE`` on ``pepcert rate`` and ``pepcert worst-case``: an image is written, the
JSON answer is unchanged, a bad file name is bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import ef_rate
from pepcert.cli import main

BASE = ["--method", "ef", "--mu", "0.1", "--L", "1", "--delta", "0.5"]


def image(path) -> np.ndarray:
    from PIL import Image

    with Image.open(path) as picture:
        assert picture.size == (700, 480)
        pixels = np.asarray(picture.convert("RGB"))
    assert pixels.std() > 10 and len(np.unique(pixels.reshape(-1, 3), axis=0)) > 20
    return pixels


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("PEPCERT_CACHE", str(tmp_path / "cache"))


def test_rate_plot(tmp_path, capsys):
    path = tmp_path / "rate.png"
    assert main(["rate"] + BASE + ["--eta", "0.2", "--plot", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["rho"] == pytest.approx(ef_rate(0.1, 1, 0.5, 0.2), abs=1e-9)
    image(path)


def test_worst_case_plot(tmp_path, capsys):
    path = tmp_path / "wc.png"
    assert main(["worst-case"] + BASE + ["--eta", "0.2", "-N", "3", "--plot", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["value"] == pytest.approx(ef_rate(0.1, 1, 0.5, 0.2) ** 3, rel=1e-12)
    image(path)


def test_plot_needs_an_image_extension(tmp_path, capsys):
    assert main(["rate"] + BASE + ["--eta", "0.2", "--plot", str(tmp_path / "rate.txt")]) == 2
    assert "--plot" in capsys.readouterr().err
