"""Shared test fixtures: the reference rates and the papers' closed forms."""

from __future__ import annotations

import copy
import csv
import math
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "reference" / "rates.csv"


def tampered(document: dict, path: tuple, value) -> dict:
    """A deep copy of a certificate ``document`` with the field at ``path`` (keys and list
    indices) set to ``value``: the one edit a tampering test makes."""
    changed = copy.deepcopy(document)
    target = changed
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return changed


def reference_rows() -> list[dict]:
    """``rates.csv`` (a copy of ``../shared/reference/rates.csv`` kept with the tests so a
    clean checkout can run them; ``test_reference_copy_is_current`` keeps the two equal)."""
    with open(DATA / "rates.csv", newline="") as handle:
        return list(csv.DictReader(handle))


def ef_rate(mu: float, L: float, delta: float, eta: float) -> float:
    """EF / EF21 tight rate (Thomsen, Taylor & Dieuleveut 2025)."""
    s = math.sqrt(1 - delta)
    return max(((abs(b) + math.sqrt(b * b + 4 * s)) / 2) ** 2 for b in ((1 - s) - eta * h * (1 + s) for h in (mu, L)))


def cgd_rate(mu: float, L: float, delta: float, eta: float) -> float:
    """CGD tight rate for f - f* (Thomsen, Taylor & Dieuleveut 2025)."""
    s = math.sqrt(1 - delta)
    return max((1 - eta * mu * (1 - s)) ** 2, (1 - eta * L * (1 + s)) ** 2)


def ef_optimal(mu: float, L: float, delta: float) -> tuple[float, float]:
    s = math.sqrt(1 - delta)
    eta = 2 / (L + mu) * (1 - s) / (1 + s)
    return eta, ef_rate(mu, L, delta, eta)


def check_image(path, size: tuple[int, int]) -> None:
    """A figure's PNG has ``size`` pixels and is not blank; its PDF beside it is a PDF."""
    import numpy as np
    from PIL import Image

    with Image.open(path) as image:
        assert image.size == size
        pixels = np.asarray(image.convert("RGB"))
    assert pixels.std() > 10
    colours = pixels.reshape(-1, 3).astype(np.uint32) @ np.array([1 << 16, 1 << 8, 1], dtype=np.uint32)
    assert len(np.unique(colours)) > 20  # lines, fills and text, not one colour
    pdf = str(path)[:-4] + ".pdf"
    with open(pdf, "rb") as handle:
        assert handle.read(5) == b"%PDF-"


@pytest.fixture(scope="session")
def rows():
    return reference_rows()
