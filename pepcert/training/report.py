"""The experiment as a JSON payload and as readable text (the table and the verdict)."""

from __future__ import annotations

from pepcert.training.experiment import Experiment
from pepcert.training.optimisers import OPTIMISERS

MATRIX_METHODS = {
    "muon": "muon(beta, gamma): W - gamma polar(M), exact SVD polar factor",
    "muon-ns": "muon(beta, gamma, NewtonSchulzLMO(5, quintic (3.4445, -4.7750, 2.0315))): W - gamma NS5(M)",
    "ef-muon": "ef_muon(gamma, beta): P = gamma M + E, W - C(P), E = P - C(P), C(P) = (||P||_nuc / rank P) polar(P)",
    "sgdm": "sgd_momentum(beta, gamma): W - gamma M",
}
VECTORS = "sgd_momentum(beta, gamma) for every bias (non-matrix parameter), in every optimiser"
MOMENTUM = "M_t = beta M_{t-1} + (1 - beta) G_t, M_{-1} = 0 (G_t: the minibatch gradient)"


def payload(experiment: Experiment, table: list[dict], verdict: dict) -> dict:
    """Inputs, data, the optimisers' definitions, per-seed curves, the table and the finding."""
    setup = experiment.setup
    return {
        "inputs": setup.to_dict(),
        "data": experiment.data,
        "optimisers": {name: {"label": OPTIMISERS[name].label, "matrices": MATRIX_METHODS[name]}
                       for name in setup.optimisers},
        "momentum": MOMENTUM,
        "vectors": VECTORS,
        "selection": "best step = smallest mean final test loss over seeds among steps where no seed diverged",
        "runs": [run.to_dict() for run in experiment.runs],
        "table": table,
        "finding": verdict,
        "python": experiment.python,
        "seconds": round(experiment.seconds, 3),
    }


def _cell(spread: dict, percent: bool = False) -> str:
    scale = 100 if percent else 1
    digits = 2 if percent else 4
    return (f"{scale * spread['mean']:.{digits}f} +- {scale * spread['std']:.{digits}f} "
            f"[{scale * spread['min']:.{digits}f}, {scale * spread['max']:.{digits}f}]")


def table_lines(table: list[dict]) -> list[str]:
    """The table: best step, final test loss and accuracy, final training loss."""
    header = f"{'optimiser':<22} {'best step':>9}  {'final test loss (mean +- std [min, max])':<42} " \
             f"{'test accuracy %':<30} {'train loss':>10}"
    lines = [header, "-" * len(header)]
    for row in table:
        if row["best_step"] is None:
            lines.append(f"{row['label']:<22} {'-':>9}  {row['reason']}")
            continue
        edge = "*" if row["at_grid_edge"] else " "
        lines.append(f"{row['label']:<22} {row['best_step']:>8g}{edge}  {_cell(row['final_test_loss']):<42} "
                     f"{_cell(row['final_test_accuracy'], True):<30} {row['final_train_loss']['mean']:>10.4f}")
    if any(row.get("at_grid_edge") for row in table):
        lines.append("* best step at the edge of the grid: the best of the grid, not shown to be the best step")
    diverged = []
    for row in table:
        steps = [f"{g['step']:g}" for g in row["grid"] if g["diverged_seeds"]]
        if steps:
            diverged.append(f"{row['label']} at {', '.join(steps)}")
    if diverged:
        lines.append("diverged (some seed): " + "; ".join(diverged))
    return lines


def text_report(experiment: Experiment, table: list[dict], verdict: dict) -> str:
    setup = experiment.setup
    data = experiment.data
    if setup.task == "mlp":
        what = (f"MLP {data['features']}-{setup.hidden}-{setup.hidden}-{data['classes']} (tanh) on {data['name']} "
                f"({data['train']} train / {data['test']} test)")
    else:
        what = (f"character MLP LM (context {setup.context}, embedding {setup.embedding}, hidden {setup.hidden}) on "
                f"{len(data['files'])} standard-library files of Python {data['python']} "
                f"({data['train_chars']} train / {data['test_chars']} test characters, sha256 {data['sha256'][:12]})")
    lines = [
        f"pepcert muon train: {what}",
        f"  {setup.seeds} seeds x {len(setup.steps)} steps {', '.join(f'{s:g}' for s in setup.steps)} x "
        f"{len(setup.optimisers)} optimisers, {setup.iterations} iterations of batch {setup.batch}, beta = {setup.beta:g}; "
        f"{experiment.seconds:.1f} s",
        "",
        *table_lines(table),
        "",
        verdict["statement"],
    ]
    return "\n".join(lines)
