"""The table of best final values and the verdict on the paper's training finding.

**Table.** For each optimiser and each step ``gamma`` of the grid, the final test loss of
every seed; the optimiser's *best step* is the ``gamma`` with the smallest mean final test
loss over seeds, among the steps where no seed diverged (the same rule for every optimiser).
A best step at either end of the grid is flagged (``at_grid_edge``): it is the best *of the
grid*, not shown to be the best step.

**Finding.** Parshakova, Khaled, Crawshaw, Garrigos & Gower (2026) report that error
feedback, which restores convergence in theory, degrades Muon in training (CIFAR-10,
nanoGPT). Here it is tested on paired seeds (same initial weights and minibatches): with
``d_s`` = EF-Muon's final test loss minus Muon's, each at its own best step, the finding
*holds* when ``d_s > 0`` for every seed, is *reversed* when ``d_s < 0`` for every seed, and is
*inconclusive* otherwise (with 5 seeds, "every seed" is a one-sided sign test at level
``2^-5 ~ 0.03``). It is measured against exact-polar Muon (the paper's definition) and against
Newton-Schulz Muon (what is run in practice) when both are in the run.
"""

from __future__ import annotations

import math
import statistics

from pepcert.training.experiment import Experiment
from pepcert.training.optimisers import OPTIMISERS

COMPARED = "ef-muon"
BASELINES = ("muon", "muon-ns")


def _spread(values: list[float]) -> dict:
    return {"mean": statistics.fmean(values), "std": statistics.pstdev(values) if len(values) > 1 else 0.0,
            "min": min(values), "max": max(values)}


def _by_step(experiment: Experiment, optimiser: str) -> list[dict]:
    rows = []
    for step in experiment.setup.steps:
        runs = experiment.select(optimiser, step)
        finals = [run.final("test_loss") for run in runs]
        ok = all(value is not None and math.isfinite(value) for value in finals)
        rows.append({"step": step, "diverged_seeds": sum(run.diverged_at is not None for run in runs),
                     "mean_final_test_loss": statistics.fmean(finals) if ok else None,
                     "reason": None if ok else "a seed diverged"})
    return rows


def best_rows(experiment: Experiment) -> list[dict]:
    """One row per optimiser: its best step and the final values there (mean, std, min, max)."""
    table = []
    steps = experiment.setup.steps
    for optimiser in experiment.setup.optimisers:
        grid = _by_step(experiment, optimiser)
        candidates = [row for row in grid if row["mean_final_test_loss"] is not None]
        row = {"optimiser": optimiser, "label": OPTIMISERS[optimiser].label, "grid": grid}
        if not candidates:
            table.append({**row, "best_step": None, "reason": "every step of the grid diverged"})
            continue
        best = min(candidates, key=lambda r: r["mean_final_test_loss"])["step"]
        runs = experiment.select(optimiser, best)
        row.update(best_step=best, at_grid_edge=len(steps) > 1 and best in (min(steps), max(steps)),
                   seeds=[run.seed for run in runs], reason=None)
        for metric in ("test_loss", "test_accuracy", "train_loss", "train_accuracy"):
            row[f"final_{metric}"] = _spread([run.final(metric) for run in runs])
        table.append(row)
    return table


def _paired(experiment: Experiment, rows: dict, baseline: str, metric: str) -> list[float]:
    ours = {r.seed: r.final(metric) for r in experiment.select(COMPARED, rows[COMPARED]["best_step"])}
    theirs = {r.seed: r.final(metric) for r in experiment.select(baseline, rows[baseline]["best_step"])}
    return [ours[seed] - theirs[seed] for seed in sorted(ours)]


def _verdict(differences: list[float]) -> str:
    if all(d > 0 for d in differences):
        return "holds"
    if all(d < 0 for d in differences):
        return "reversed"
    return "inconclusive"


def finding(experiment: Experiment, table: list[dict]) -> dict:
    """The verdict against each baseline present (``holds`` / ``reversed`` / ``inconclusive``)."""
    rows = {row["optimiser"]: row for row in table}
    comparisons = []
    for baseline in BASELINES:
        if COMPARED not in rows or baseline not in rows:
            continue
        if rows[COMPARED]["best_step"] is None or rows[baseline]["best_step"] is None:
            comparisons.append({"baseline": baseline, "verdict": None,
                                "reason": "an optimiser diverged at every step of the grid"})
            continue
        loss = _paired(experiment, rows, baseline, "test_loss")
        accuracy = _paired(experiment, rows, baseline, "test_accuracy")
        verdict = _verdict(loss)
        comparisons.append({
            "baseline": baseline, "verdict": verdict, "holds": verdict == "holds",
            "test_loss_differences": loss, "mean_test_loss_difference": statistics.fmean(loss),
            "test_accuracy_differences": accuracy, "mean_test_accuracy_difference": statistics.fmean(accuracy),
            "reason": None,
        })
    if not comparisons:
        return {"statement": "not tested: the run needs ef-muon and muon (or muon-ns)", "comparisons": [],
                "holds": None, "reason": "ef-muon or both Muon variants missing from --optimizers"}
    return {"statement": statement(experiment, comparisons), "comparisons": comparisons,
            "holds": all(c["verdict"] == "holds" for c in comparisons)
            if all(c["verdict"] is not None for c in comparisons) else None,
            "reason": None}


def statement(experiment: Experiment, comparisons: list[dict]) -> str:
    """One plain sentence per baseline."""
    setup = experiment.setup
    parts = []
    for c in comparisons:
        name = OPTIMISERS[c["baseline"]].label
        if c["verdict"] is None:
            parts.append(f"against {name}: not decided ({c['reason']})")
            continue
        words = {"holds": "HOLDS: EF-Muon ends with a higher test loss than",
                 "reversed": "DOES NOT HOLD (reversed): EF-Muon ends with a lower test loss than",
                 "inconclusive": "is INCONCLUSIVE: neither EF-Muon nor"}[c["verdict"]]
        tail = "on every seed" if c["verdict"] != "inconclusive" else "is better on every seed"
        parts.append(f"{words} {name} {tail} (mean difference {c['mean_test_loss_difference']:+.4f} in loss, "
                     f"{100 * c['mean_test_accuracy_difference']:+.2f} points of accuracy)")
    return (f"Paper's finding (error feedback degrades Muon in training) on {setup.task}, "
            f"{setup.seeds} seeds, {setup.iterations} iterations: " + "; ".join(parts) + ".")
