"""``pepcert reproduce ttd26-fig1..3`` (Thomsen, Taylor & Dieuleveut 2026, two agents) at the
paper's own settings (the authors' experiments.py): every CSV value against references computed
here independently -- the cubic's roots by ``numpy.roots`` on coefficients transcribed from the
issue, or by the cubic's factorisation where roots repeat (the figures use 50-digit ``mpmath``),
the single-agent rates by the TTD 2025 closed form of ``conftest``, the EF21 paper's rate in its
own ``alpha, theta, beta`` notation -- the SDP markers against the closed forms, and the images."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from conftest import check_image, ef_optimal
from pepcert.papers import ttd26
from pepcert.papers.figures import reproduce, ttd26_agents
from pepcert.papers.figures.base import SweepOptions
from pepcert.papers.figures.closed_forms import ef21_paper_distributed_rate, ef21_paper_rate
from pepcert.papers.figures.ttd26_drawing import DRAW
from pepcert.papers.ttd26 import cubic_roots, monic_cubic_roots
from pepcert.plotting import new_figure

ROOTS_TOL = 1e-9  # numpy.roots against 50-digit roots (the closest roots on the grid are 3e-4 apart)


def numpy_roots(L, mu, delta) -> np.ndarray:
    """The cubic of issue 9, item 5, solved by ``numpy.roots``; sorted by decreasing real part."""
    s = math.sqrt(1 - delta)
    r = (1 - s) ** 2 / (1 + s)
    S1, S2, D1, D2 = L[0] + mu[0], L[1] + mu[1], L[0] - mu[0], L[1] - mu[1]
    K1 = (D2 * D2 * S1 + D1 * D1 * S2) / (S1 * S2 * (S1 + S2))
    K2 = (D1 + D2) ** 2 / (S1 + S2) ** 2
    roots = np.roots([1, -(s * (2 + s) + r * (s * K1 + K2)), s * s * (1 + 2 * s + r * (K1 + s * K2)), -s**4])
    return roots[np.argsort(-roots.real)]


def ef21_theorem(L_mean, L_tilde, mu, delta) -> float:
    """EF21 paper, Thm. 2 (PL): ``gamma = min{1/(L + L~ sqrt(2 beta/theta)), theta/(2 mu)}``, rate ``1 - gamma mu``."""
    alpha = delta
    theta = 1 - math.sqrt(1 - alpha)
    beta = (1 - alpha) / (1 - math.sqrt(1 - alpha))
    return 1 - mu * min(1 / (L_mean + L_tilde * math.sqrt(2 * beta / theta)), theta / (2 * mu))


@pytest.fixture(scope="module")
def options(tmp_path_factory):
    return SweepOptions(cache_dir=str(tmp_path_factory.mktemp("cache")), workers=1, progress=False)


@pytest.fixture(scope="module")
def built(tmp_path_factory, options):
    out = tmp_path_factory.mktemp("ttd26")
    return out, {n: reproduce(f"ttd26-fig{n}", out, grid=GRID, options=options) for n in (1, 2, 3)}


def test_cubic_roots_against_numpy_roots():
    rng = np.random.default_rng(7)
    settings = [((1.0, 1.0), (0.9, 0.1), 0.5)] + [
        (tuple(m * np.exp(rng.uniform(0, 4, 2))), tuple(m), float(rng.uniform(0.01, 0.99)))
        for m in rng.uniform(0.01, 1, (30, 2))]
    for L, mu, delta in settings:
        found = cubic_roots(L, mu, delta)
        assert found.discriminant > 0 and all(r.imag == 0 for r in found.roots)
        assert np.allclose([r.real for r in found.roots], numpy_roots(L, mu, delta).real, rtol=0, atol=ROOTS_TOL)
        assert abs(ttd26.two_agent_rate(L, mu, delta) - numpy_roots(L, mu, delta).real[0]) <= ROOTS_TOL
    assert round(cubic_roots((1, 1), (0.9, 0.1), 0.5).rate, 7) == 0.8011631  # the example


def test_cubic_solver_branches():
    """Viète (three real roots), Cardano (a complex pair) and repeated roots against numpy.roots."""
    for coefficients in ([-1, 2, 5], [0, 0, -1], [3, 1, 7], [-6, 11, -6], [-0.5, -0.3, 0.2]):
        found = monic_cubic_roots(*coefficients)
        expected = sorted(np.roots([1, *coefficients]), key=lambda z: (-z.real, -z.imag))
        assert np.allclose(found.roots, expected, rtol=0, atol=1e-12)
        assert (found.discriminant < 0) == any(abs(z.imag) > 1e-9 for z in expected)
    assert monic_cubic_roots(-3, 3, -1).roots == (1, 1, 1) and monic_cubic_roots(-3, 3, -1).discriminant == 0
    assert monic_cubic_roots(0, 0, -1).rate == 1.0  # the real root of rho^3 - 1, beside a complex pair
    assert cubic_roots((1, 1), (0.9, 0.1), 0.0).roots == (1, 1, 1)  # s = 1: (rho - 1)^3


def test_ef21_paper_rate_with_several_agents():
    # L = (1, 7): mean 4, quadratic mean 5; delta = 3/4 (s = 1/2).
    assert float(ef21_paper_distributed_rate((1, 7), (0.1, 0.3), 0.75)) == pytest.approx(ef21_theorem(4, 5, 0.2, 0.75), rel=1e-14)
    assert float(ef21_paper_rate(0.2, 4, 0.75, 5)) == pytest.approx(1 - 0.2 / (4 + 5 * math.sqrt(2)), rel=1e-14)
    assert float(ef21_paper_rate(0.1, 1.0, 0.3)) == float(ef21_paper_rate(0.1, 1.0, 0.3, 1.0))  # one agent: L~ = L
    assert float(ef21_paper_distributed_rate((1, 1), (0.9, 0.9), 0.99)) == pytest.approx(ef21_theorem(1, 1, 0.9, 0.99), rel=1e-14)


GRID = 3  # epsilon in {0, 1/2, 1} for Figs. 1-2 (both degenerate ends), {0.01, 0.5, 0.99} for Fig. 3


def reference_roots(L, mu, epsilon) -> np.ndarray:
    """The cubic's roots, smallest first, from factorisations where roots repeat (``numpy.roots``
    loses half the digits there) and from ``numpy.roots`` elsewhere: ``epsilon = 0`` (``s = 0``):
    ``rho^2 (rho - K2)``; ``epsilon = 1``: ``(rho - 1)^3``; two quadratic agents (``D1 = D2 = 0``):
    ``(rho - s)^2 (rho - s^2)``."""
    s = math.sqrt(epsilon)
    S1, S2, D1, D2 = L[0] + mu[0], L[1] + mu[1], L[0] - mu[0], L[1] - mu[1]
    if epsilon == 0:
        return np.sort([0.0, 0.0, (D1 + D2) ** 2 / (S1 + S2) ** 2])
    if epsilon == 1:
        return np.ones(3)
    if D1 == D2 == 0:
        return np.sort([s * s, s, s])
    return np.sort(numpy_roots(L, mu, 1 - epsilon).real)


def test_the_panels_are_the_papers():
    """The settings of the authors' experiments.py (commit 24d0ff5), transcribed here again."""
    expected = {1: ([((1, 1), (1, m)) for m in (1, 0.1, 0.001)], (0, 1)),
                2: ([((1, 1), (0.9, m)) for m in (1, 0.1, 0.01)], (0, 1)),
                3: ([((1, L2), (0.5, 0.5)) for L2 in (1, 5, 500)], (0.01, 0.99))}
    for number, (settings, span) in expected.items():
        figure = ttd26_agents.FIGURES[number]
        assert [(p.L, p.mu) for p in figure.panels] == settings and figure.epsilons == span
        assert list(figure.grid(100)) == list(np.linspace(*span, 100))


@pytest.mark.parametrize("number", [1, 2, 3])
def test_curves_equal_the_cubic_and_the_closed_forms(built, number):
    out, _ = built
    table = pd.read_csv(out / f"ttd26-fig{number}.csv")
    figure = ttd26_agents.FIGURES[number]
    assert len(table) == 3 * GRID and list(table["epsilon"]) == [float(e) for p in figure.panels for e in figure.grid(GRID)]
    for row in table.itertuples():
        L, mu, delta, epsilon = (row.L1, row.L2), (row.mu1, row.mu2), row.delta, row.epsilon
        assert delta == 1 - epsilon
        roots = reference_roots(L, mu, epsilon)
        assert np.allclose([row.root1_real, row.root2_real, row.root3_real], roots, rtol=0, atol=ROOTS_TOL)
        assert not row.complex_pair and row.root1_imag == row.root2_imag == row.root3_imag == 0
        assert row.rho_cubic == row.root3_real and abs(row.rho_cubic - roots[-1]) <= ROOTS_TOL
        assert row.rho_cubic == cubic_roots(L, mu, delta).rate  # the law, at every point
        s = math.sqrt(epsilon)
        assert row.eta_star == pytest.approx(4 / (sum(L) + sum(mu)) * (1 - s) / (1 + s), rel=1e-14, abs=1e-300)
        assert row.rho_worst_constant == pytest.approx(ef_optimal(min(mu), max(L), delta)[1], abs=1e-13)
        assert row.rho_averaged_constant == pytest.approx(ef_optimal(np.mean(mu), np.mean(L), delta)[1], abs=1e-13)
        L_tilde = math.sqrt((L[0] ** 2 + L[1] ** 2) / 2)
        paper = 1.0 if delta == 0 else ef21_theorem(np.mean(L), L_tilde, np.mean(mu), delta)
        assert row.rho_ef21_paper == pytest.approx(paper, rel=1e-14)
        if 0 < row.rho_cubic < 1 and row.rho_ef21_paper < 1:
            # the reference root is known to ROOTS_TOL, so its log to ROOTS_TOL / rho (near rho = 1 that
            # is a large part of ln rho): the ratio's tolerance follows
            ratio = math.log(paper) / math.log(roots[-1])
            tolerance = ratio * ROOTS_TOL / (roots[-1] * abs(math.log(roots[-1]))) + 1e-14
            assert abs(row.log_ratio_ef21_paper_over_cubic - ratio) <= tolerance
            assert row.log_ratio_ef21_paper_over_cubic == math.log(row.rho_ef21_paper) / math.log(row.rho_cubic)
            assert 0 < row.log_ratio_ef21_paper_over_cubic < 1  # the EF21 paper's guarantee is slower
        else:
            assert math.isnan(row.log_ratio_ef21_paper_over_cubic)
        if number == 1:  # the figure's message: averaged <= heterogeneous <= worst
            assert row.rho_averaged_constant - 1e-12 <= row.rho_cubic <= row.rho_worst_constant + 1e-12


def test_quadratic_agents_are_drawn(built):
    """``mu_i = L_i``: both agents quadratic give ``(rho - s)^2 (rho - s^2)``, the rate ``s``
    (Fig. 1 (a)); Fig. 2 (a) has ``mu_2 = L_2``."""
    out, _ = built
    table = pd.read_csv(out / "ttd26-fig1.csv")
    both = table[table["panel"] == "a"]
    assert (both["mu1"] == both["L1"]).all() and (both["mu2"] == both["L2"]).all()
    assert np.allclose(both["rho_cubic"], np.sqrt(both["epsilon"]), rtol=0, atol=1e-15)
    assert (pd.read_csv(out / "ttd26-fig2.csv").query("panel == 'a'")["mu2"] == 1).all()


@pytest.mark.parametrize("number", [1, 2, 3])
def test_sdp_markers_agree(built, number):
    out, results = built
    points = pd.read_csv(out / f"ttd26-fig{number}-sdp.csv")
    assert len(points) == 3 * GRID and set(points["epsilon"]) == {0.1, 0.5, 0.9}
    for row in points.itertuples():
        panel = next(p for p in ttd26_agents.FIGURES[number].panels if p.key == row.panel)
        assert row.sdp_status == "solved" and row.sdp_agrees
        assert abs(row.sdp_paper_lyapunov - reference_roots(panel.L, panel.mu, 1 - row.delta)[-1]) <= ttd26_agents.AGREE
        if number != 1:
            continue
        for kind, (Lk, mk) in (("worst", (max(panel.L), min(panel.mu))), ("averaged", (np.mean(panel.L), np.mean(panel.mu)))):
            eta, rho = ef_optimal(mk, Lk, row.delta)
            assert getattr(row, f"eta_{kind}") == pytest.approx(eta, rel=1e-14)
            drawn = getattr(row, f"{kind}_sdp_agrees")
            assert drawn == (getattr(row, f"tight_{kind}_sdp") and abs(getattr(row, f"rho_{kind}_sdp") - rho) <= 1e-8)
            if panel.key == "a" or kind == "averaged":  # quadratic and well-conditioned agents: every point
                assert drawn
    checks = results[number].checks
    assert checks["two_agent_sdp_points_disagreeing"] == 0 and checks["max_abs_gap_two_agent_sdp_vs_cubic"] <= 1e-6


def test_a_second_run_is_all_cache(built, options, tmp_path):
    # ``built`` ran the first reproduction into the same cache (on this worker, whatever order
    # pytest-xdist gives the tests).
    again = reproduce("ttd26-fig1", tmp_path, grid=GRID, options=options)
    assert again.computed == 0 and again.cached > 0


def test_images(built):
    out, results = built
    for number in (1, 2, 3):
        check_image(out / f"ttd26-fig{number}.png", (1500, 480))
        assert {f"{out}/ttd26-fig{number}.{ext}" for ext in ("csv", "png", "pdf")} <= set(results[number].files)


def test_disagreeing_sdp_is_flagged_not_drawn(options, monkeypatch, built):
    """With a tolerance nothing meets, every marker is reported as disagreeing and none is drawn
    as data (the sweeps are cached)."""
    out, _ = built
    monkeypatch.setattr(ttd26_agents, "AGREE", -1.0)
    points, computed, _ = ttd26_agents.sdp_points(1, GRID, options)
    assert computed == 0 and not points["sdp_agrees"].any()
    assert ttd26_agents._checks(1, pd.read_csv(out / "ttd26-fig1.csv"), points)["two_agent_sdp_points_disagreeing"] == 9
    figure = DRAW[1](new_figure(15, 4.8), pd.read_csv(out / "ttd26-fig1.csv"), points)
    labels = [line.get_label() for axes in figure.axes for line in axes.get_lines()]
    assert not any(label.startswith("pepcert SDP: worst case") for label in labels)
    assert sum(label.startswith("SDP disagrees") for label in labels) == 3
