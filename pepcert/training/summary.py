"""The table of best final values and the verdict on the paper's training finding.

**Table.** For each optimiser and each step ``gamma`` of the grid, the final test loss of
every seed; the optimiser's *best step* is the ``gamma`` with the smallest mean final test
loss over seeds, among the steps where no seed diverged (the same rule for every optimiser).
A best step at either end of the grid is flagged (``at_grid_edge``): it is the best *of the
grid*, not shown to be the best step.

**Finding.** Parshakova, Khaled, Crawshaw, Garrigos & Gower (2026) report that error
feedback, which restores convergence in theory, degrades Muon in training (CIFAR-10,
nanoGPT). Here it is tested on paired seeds (same initial weights and minibatches), each
optimiser at its own best step: with ``d_s`` = EF-Muon's final test loss minus Muon's and
``a_s`` the same difference of test accuracies, the finding *holds* when ``d_s > 0`` and
``a_s < 0`` for every seed (EF-Muon worse on both), is *reversed* when ``d_s < 0`` and
``a_s > 0`` for every seed, and is *inconclusive* otherwise, including when the two metrics
disagree and when there are fewer than 5 seeds (with 5 seeds, "every seed" is a one-sided
sign test at level ``2^-5 ~ 0.03``; with fewer it cannot reach 5 %). It is measured against
exact-polar Muon (the paper's definition) and against Newton-Schulz Muon (what is run in
practice) when both are in the run; the overall verdict is theirs when they agree, *mixed*
otherwise.
"""

from __future__ import annotations

import math
import statistics
from typing import Any

from pepcert.training.experiment import Experiment
from pepcert.training.optimisers import OPTIMISERS

COMPARED = "ef-muon"
MIN_SEEDS = 5  # "every seed" of fewer than 5 is not significant at 5 % (sign test)
BASELINES = ("muon", "muon-ns")


def _spread(values: list) -> dict:  # floats (no seed diverged at the best step)
    return {"mean": statistics.fmean(values), "std": statistics.pstdev(values) if len(values) > 1 else 0.0,
            "min": min(values), "max": max(values)}


def _by_step(experiment: Experiment, optimiser: str) -> list[dict]:
    rows = []
    for step in experiment.setup.steps:
        runs = experiment.select(optimiser, step)
        finals: list = [run.final("test_loss") for run in runs]
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
        row: dict[str, Any] = {"optimiser": optimiser, "label": OPTIMISERS[optimiser].label, "grid": grid}
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
    # floats: no seed diverged at a best step
    ours: dict[int, Any] = {r.seed: r.final(metric) for r in experiment.select(COMPARED, rows[COMPARED]["best_step"])}
    theirs: dict[int, Any] = {r.seed: r.final(metric) for r in experiment.select(baseline, rows[baseline]["best_step"])}
    return [ours[seed] - theirs[seed] for seed in sorted(ours)]


def _sign_verdict(worse: list[bool], better: list[bool]) -> str:
    if len(worse) < MIN_SEEDS:
        return "inconclusive"
    return "holds" if all(worse) else "reversed" if all(better) else "inconclusive"


def _verdicts(loss: list[float], accuracy: list[float]) -> dict:
    """Per metric (EF-Muon worse = higher loss / lower accuracy on every seed) and together."""
    by_loss = _sign_verdict([d > 0 for d in loss], [d < 0 for d in loss])
    by_accuracy = _sign_verdict([d < 0 for d in accuracy], [d > 0 for d in accuracy])
    return {"verdict": by_loss if by_loss == by_accuracy else "inconclusive",
            "verdict_test_loss": by_loss, "verdict_test_accuracy": by_accuracy}


def finding(experiment: Experiment, table: list[dict]) -> dict:
    """The verdict against each baseline present (``holds`` / ``reversed`` / ``inconclusive``)."""
    rows = {row["optimiser"]: row for row in table}
    comparisons: list[dict[str, Any]] = []
    for baseline in BASELINES:
        if COMPARED not in rows or baseline not in rows:
            continue
        if rows[COMPARED]["best_step"] is None or rows[baseline]["best_step"] is None:
            comparisons.append({"baseline": baseline, "verdict": None,
                                "reason": "an optimiser diverged at every step of the grid"})
            continue
        loss = _paired(experiment, rows, baseline, "test_loss")
        accuracy = _paired(experiment, rows, baseline, "test_accuracy")
        verdicts = _verdicts(loss, accuracy)
        comparisons.append({
            "baseline": baseline, **verdicts, "holds": verdicts["verdict"] == "holds",
            "test_loss_differences": loss, "mean_test_loss_difference": statistics.fmean(loss),
            "test_accuracy_differences": accuracy, "mean_test_accuracy_difference": statistics.fmean(accuracy),
            "reason": None,
        })
    if not comparisons:
        return {"statement": "Paper's finding (error feedback degrades Muon in training): not tested, the run needs "
                             "ef-muon and muon or muon-ns", "comparisons": [], "verdict": None, "holds": None,
                "reason": "ef-muon or both Muon variants missing from --optimizers"}
    found = {c["verdict"] for c in comparisons}
    overall = None if None in found else (found.pop() if len(found) == 1 else "mixed")
    return {"statement": statement(experiment, comparisons, overall), "comparisons": comparisons,
            "verdict": overall, "holds": None if overall is None else overall == "holds",
            "reason": None if overall is not None else "an optimiser diverged at every step of the grid"}


def statement(experiment: Experiment, comparisons: list[dict], overall: str | None) -> str:
    """One plain sentence: the overall verdict, then one clause per baseline."""
    setup = experiment.setup
    parts = []
    for c in comparisons:
        name = OPTIMISERS[c["baseline"]].label
        if c["verdict"] is None:
            parts.append(f"against {name}: not decided ({c['reason']})")
            continue
        seeds = len(c["test_loss_differences"])
        higher = sum(d > 0 for d in c["test_loss_differences"])
        lower = sum(d < 0 for d in c["test_accuracy_differences"])
        parts.append(f"against {name} {c['verdict'].upper()}: EF-Muon ends with a higher test loss on {higher} of "
                     f"{seeds} seeds (mean {c['mean_test_loss_difference']:+.4f}) and a lower test accuracy on "
                     f"{lower} of {seeds} (mean {100 * c['mean_test_accuracy_difference']:+.2f} points)")
    head = {"holds": "HOLDS", "reversed": "DOES NOT HOLD (reversed)", "inconclusive": "is NOT SHOWN (inconclusive)",
            "mixed": "is MIXED", None: "is NOT DECIDED"}[overall]
    few = f" (fewer than {MIN_SEEDS} seeds decide nothing)" if setup.seeds < MIN_SEEDS else ""
    return (f"Paper's finding (error feedback degrades Muon in training) {head} on {setup.task} at this scale "
            f"({setup.seeds} seeds, {setup.iterations} iterations, each optimiser at its best step){few}: "
            + "; ".join(parts) + ".")
