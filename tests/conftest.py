"""Shared test fixtures: the reference rates and the papers' closed forms."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "reference" / "rates.csv"


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


@pytest.fixture(scope="session")
def rows():
    return reference_rows()
