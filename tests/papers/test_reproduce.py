"""``pepcert reproduce``: every figure's data against the papers' closed forms (small grids),
every image exists, has its pixel size and is not blank, and a second run is all cache."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from conftest import cgd_rate, check_image, ef_optimal, ef_rate, reference_rows
from pepcert.cli import main
from pepcert.papers import ttd26
from pepcert.papers.figures import TARGETS, reproduce
from pepcert.papers.figures.base import SweepOptions
from pepcert.papers.figures.closed_forms import closed_forms, ef21_paper_rate

TOL = 1e-8  # the acceptance tolerance on rho


def closed_rate(method: str, mu: float, L: float, delta: float, eta: float) -> float:
    return cgd_rate(mu, L, delta, eta) if method == "cgd" else ef_rate(mu, L, delta, eta)


def cgd_optimal(mu: float, L: float, delta: float) -> tuple[float, float]:
    s = math.sqrt(1 - delta)
    kappa_s = L / mu * (1 + s) / (1 - s)
    return 2 / ((1 - s) * mu + (1 + s) * L), ((kappa_s - 1) / (kappa_s + 1)) ** 2


def optimal(method: str, mu: float, L: float, delta: float) -> tuple[float, float]:
    return cgd_optimal(mu, L, delta) if method == "cgd" else ef_optimal(mu, L, delta)


@pytest.fixture(scope="module")
def options(tmp_path_factory):
    return SweepOptions(cache_dir=str(tmp_path_factory.mktemp("cache")), workers=1, progress=False)


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    return tmp_path_factory.mktemp("figures")


def test_closed_forms_match_the_reference_table():
    """The lambdified TTD25 forms the CSVs carry agree with ``rates.csv``."""
    for row in reference_rows():
        method, mu, L, delta = row["method"].lower(), float(row["mu"]), float(row["L"]), float(row["delta"])
        forms = closed_forms(method)
        if row["step"] == "optimal":
            assert float(forms.optimal_step(mu, L, delta)) == pytest.approx(float(row["eta"]), rel=1e-12)
            assert float(forms.optimal_rate(mu, L, delta)) == pytest.approx(float(row["rho"]), rel=1e-12)
        else:
            assert float(forms.rate(mu, L, delta, float(row["eta"]))) == pytest.approx(float(row["rho"]), rel=1e-12)


def test_ef21_paper_rate_formula():
    # delta = 3/4: s = 1/2, theta = 1/2, sqrt(2 beta/theta) = sqrt(2); gamma = min(1/(1 + sqrt 2), 1/(4 mu)).
    assert float(ef21_paper_rate(0.1, 1.0, 0.75)) == pytest.approx(1 - 0.1 / (1 + math.sqrt(2)), rel=1e-15)
    assert float(ef21_paper_rate(0.9, 1.0, 0.75)) == pytest.approx(1 - 0.9 * 0.5 / (2 * 0.9), rel=1e-15)  # theta/(2 mu) binds


def test_fig1_data_images_and_second_run(out, options):
    result = reproduce("ttd25-fig1", out / "fig1", grid=6, options=options)
    rates = pd.read_csv(out / "fig1" / "ttd25-fig1-rates.csv")
    assert len(rates) == 3 * 36 and rates["method"].value_counts().to_dict() == {"cgd": 36, "ef": 36, "ef21": 36}
    assert rates["one_minus_delta"].min() == pytest.approx(0.01) and rates["eta"].max() == pytest.approx(2 / 1.1)
    checked = 0
    for row in rates.itertuples():
        reference = closed_rate(row.method, row.mu, row.L, row.delta, row.eta)
        assert row.rho_closed_form == pytest.approx(reference, abs=1e-12)
        if reference < 1:
            assert abs(row.rho - reference) <= TOL, row
            checked += 1
        else:
            assert row.rho >= 1 - TOL  # the no-convergence region is reported as such
    assert checked >= 30
    steps = pd.read_csv(out / "fig1" / "ttd25-fig1-optimal-steps.csv")
    for row in steps.itertuples():
        eta, rho = optimal(row.method, row.mu, row.L, row.delta)
        assert abs(row.eta - eta) <= TOL and abs(row.rho - rho) <= TOL
    check_image(out / "fig1" / "ttd25-fig1.png", (1500, 480))
    assert result.checks["max_abs_gap_rho_lt_1"] <= TOL and result.checks["failed_points"] == 0
    assert result.computed == 108 + 18
    again = reproduce("ttd25-fig1", out / "fig1", grid=6, options=options)
    assert again.computed == 0 and again.cached == 108 + 18


def test_fig11_grid_best_step_brackets_eta_star(out, options):
    reproduce("ttd25-fig11", out / "fig11", grid=6, options=options)
    table = pd.read_csv(out / "fig11" / "ttd25-fig11.csv")
    etas = np.linspace(0.01, 2 / 1.1, 6)
    for row in table.itertuples():
        closed = [closed_rate(row.method, 0.1, 1.0, 1 - row.one_minus_delta, e) for e in etas]
        assert row.eta_grid_best == pytest.approx(etas[int(np.argmin(closed))], abs=1e-15)
        assert row.eta_closed_form == pytest.approx(optimal(row.method, 0.1, 1.0, 1 - row.one_minus_delta)[0], abs=1e-12)
    check_image(out / "fig11" / "ttd25-fig11.png", (700, 480))


def _ratio_tolerance(numerator: float, denominator: float) -> float:
    """``ln a / ln b`` with ``a``, ``b`` each known to ``TOL``: its error bound (first order)."""
    ratio = math.log(numerator) / math.log(denominator)
    return abs(ratio) * (TOL / (numerator * abs(math.log(numerator))) + TOL / (denominator * abs(math.log(denominator))))


def test_figs_2_to_5(out, options):
    for number in (2, 3, 4, 5):
        result = reproduce(f"ttd25-fig{number}", out / "opt", grid=2, options=options)
        check_image(out / "opt" / f"ttd25-fig{number}.png", (1500, 480) if number in (3, 5) else (700, 480))
        assert result.computed + result.cached == 18
        assert number == 2 or result.computed == 0  # figs 3-5 reuse fig 2's sweep
    table = pd.read_csv(out / "opt" / "ttd25-fig5.csv")
    assert sorted(set(table["kappa"])) == [2, 4, 10] and len(table) == 6
    for row in table.itertuples():
        for method in ("cgd", "ef", "ef21"):
            eta, rho = optimal(method, row.mu, row.L, row.delta)
            assert abs(getattr(row, f"rho_{method}") - rho) <= TOL
            assert abs(getattr(row, f"eta_{method}") - eta) <= TOL
        # The paper's orientation (the authors' experiments.py): Fig. 3 ln rho_Richtarik / ln rho_star,
        # Fig. 5 ln rho_EF / ln rho_CGD, both below 1.
        paper, tight = ef21_theorem_one_agent(row.mu, row.L, row.delta), optimal("ef21", row.mu, row.L, row.delta)[1]
        assert row.rho_ef21_paper == pytest.approx(paper, rel=1e-14) and paper > tight
        assert abs(row.log_ratio_ef21_paper_over_tight - math.log(paper) / math.log(tight)) <= _ratio_tolerance(paper, tight)
        assert 0 < row.log_ratio_ef21_paper_over_tight < 1  # the EF21 theory needs more iterations
        ef, cgd = optimal("ef", row.mu, row.L, row.delta)[1], optimal("cgd", row.mu, row.L, row.delta)[1]
        assert abs(row.log_ratio_ef_over_cgd - math.log(ef) / math.log(cgd)) <= _ratio_tolerance(ef, cgd)
        assert 0 < row.log_ratio_ef_over_cgd < 1  # CGD beats EF at optimal steps
        if row.kappa == 2:  # = TTD26 Fig. 3 (a): two identical agents L = 1, mu = 0.5 follow the cubic
            assert abs(row.rho_ef21 - ttd26.cubic_roots((1, 1), (0.5, 0.5), row.delta).rate) <= TOL


def ef21_theorem_one_agent(mu: float, L: float, delta: float) -> float:
    """EF21 paper, Thm. 2 (PL), one agent, in its own ``alpha, theta, beta`` notation."""
    theta = 1 - math.sqrt(1 - delta)
    beta = (1 - delta) / theta
    return 1 - mu * min(1 / (L + L * math.sqrt(2 * beta / theta)), theta / (2 * mu))


def test_figs_9_10_worst_case_is_rho_power_k(out, options):
    reproduce("ttd25-fig9-10", out / "worst", grid=3, options=options)
    frame = pd.read_csv(out / "worst" / "ttd25-fig9-10.csv")
    assert len(frame) == 2 * 3 * 3 and (frame["status"] == "solved").all()
    for row in frame.itertuples():
        rho_star = optimal(row.method, 0.1, 1.0, row.delta)[1]
        assert row.value == pytest.approx(rho_star ** row.iterations, rel=1e-12)
    check_image(out / "worst" / "ttd25-fig9.png", (700, 480))
    check_image(out / "worst" / "ttd25-fig10.png", (700, 480))


def test_sublinear_methods_gradient_descent_is_its_closed_form(out, options):
    """CGD with delta = 1 is gradient descent: Rotaru-Glineur-Patrinos (nonconvex) and
    Drori-Teboulle (convex) at the EF21 theorem's step; EF21 below its Theorem 1 everywhere."""
    result = reproduce("sublinear-methods", out / "sublinear", grid=3, options=options)
    frame = pd.read_csv(out / "sublinear" / "sublinear-methods.csv")
    assert len(frame) == 2 * 4 * 3 and (frame["status"] == "solved").all()
    gd = frame[frame["method"] == "gd"]
    assert np.allclose(gd["value"], gd["gd_closed_form"], rtol=1e-7, atol=0)
    gamma = 1 / (1 + math.sqrt(0.5 / (1 - math.sqrt(0.5)) / (1 - math.sqrt(0.5))))
    ef21 = frame[(frame["method"] == "ef21") & (frame["class"] == "nonconvex")]
    assert np.allclose(ef21["ef21_theorem_1"], 2 / (gamma * (ef21["N"] + 1)), rtol=1e-14)
    assert (ef21["value"] < ef21["ef21_theorem_1"]).all() and result.checks["ef21_ratio_to_theorem_1_max"] < 1
    check_image(out / "sublinear" / "sublinear-methods.png", (1200, 480))


def test_tables(out, options):
    result = reproduce("ttd25-tables", out / "tables", grid=4, options=options)
    points = pd.read_csv(out / "tables" / "ttd25-tables-points.csv")
    full = points[(points["family"] == "full") & (points["rho_closed_form"] < 1)]
    assert len(full) > 0
    for row in full.itertuples():
        assert abs(row.rho - closed_rate(row.method, 0.1, 1.0, row.delta, row.eta)) <= TOL
    checks = result.checks
    assert checks["table1: EF - EF21: max abs(rho_EF - rho_EF21) (rho < 1)"] <= 2 * TOL
    assert checks["table2: CGD: max rho_paper - rho_full (rho < 1)"] <= TOL  # f - f* is optimal for CGD
    assert checks["table3: EF: max rho_paper - rho_full (rho < 1)"] <= TOL  # the paper family is optimal for EF
    assert "| 1 | EF - EF21 |" in (out / "tables" / "ttd25-tables.md").read_text()
    check_image(out / "tables" / "ttd25-tables.png", (1500, 480))


def test_muon_gaps(out, options):
    result = reproduce("muon26-gaps", out / "muon", grid=60, options=options)
    table = pd.read_csv(out / "muon" / "muon26-gaps.csv", dtype={"beta": str})
    momentum = table[table["method"] != "EF-Muon"]
    beta = momentum["beta"].map(lambda b: float(b.split("/")[0]) / float(b.split("/")[1]))
    assert np.allclose(momentum["level_closed_form"], (1 - beta) / (1 + beta), rtol=1e-15)
    assert (momentum["gap"] >= momentum["level_closed_form"]).all() and momentum["certified"].all()
    for (_beta, steps), part in table.groupby(["beta", "steps"]):
        if steps != "1/10":  # decreasing steps: EF-Muon gets below Muon's floor
            assert part[part["method"] == "EF-Muon"]["gap"].min() < part[part["method"] == "Muon"]["gap"].min()
    assert result.checks["all_certified"] == 1.0
    check_image(out / "muon" / "muon26-gaps.png", (1500, 800))


def test_cli_list_and_bad_targets(capsys, tmp_path):
    assert main(["reproduce", "--list", "--json"]) == 0
    listed = {t["name"]: t for t in json.loads(capsys.readouterr().out)["targets"]}
    assert set(listed) == set(TARGETS) and {"ttd26-fig1", "ttd26-fig2", "ttd26-fig3"} <= set(listed)
    assert all(callable(t.build) for t in TARGETS.values())
    assert main(["reproduce", "no-such-figure"]) == 2
    assert main(["reproduce", "ttd25-fig1", "--grid", "1", "--out", str(tmp_path)]) == 2
    assert "error" in capsys.readouterr().err


def test_cli_sweep_bad_input_and_csv(capsys, tmp_path):
    base = ["sweep", "--analysis", "rate", "--method", "ef", "--mu", "0.1", "--L", "1", "--cache-dir", str(tmp_path)]
    assert main(base + ["--delta", "1.5", "--eta", "0.1"]) == 2
    assert main(base + ["--delta", "0.5", "--eta", "-0.1"]) == 2
    assert main(base + ["--delta", "0.5", "--eta", "0.1", "--iterations", "3"]) == 2
    assert main(base + ["--delta", "0.5", "--family", "cubic"]) == 2  # not a family of the method
    capsys.readouterr()
    csv = tmp_path / "t.csv"
    assert main(base + ["--delta", "0.25,0.75", "--eta", "0.1:0.2:2", "--out", str(csv), "--workers", "1", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["points"] == 4 and payload["computed"] == 4
    table = pd.read_csv(csv)
    assert list(table.columns[:5]) == ["method", "mu", "L", "delta", "eta"]
    for row in table.itertuples():
        assert abs(row.rho - ef_rate(0.1, 1.0, row.delta, row.eta)) <= TOL
