"""``pepcert muon train``: Muon (exact polar and Newton-Schulz), EF-Muon and SGD with momentum
in training, on a digits MLP or a character-level language model (docs/muon-training.md).

Every option is read as text and checked exactly before any work; bad input is one line on
stderr and exit 2 (with ``--json`` also a JSON object with ``error`` and ``exit_code``).
"""

from __future__ import annotations

import argparse
import math
import sys
from fractions import Fraction
from typing import Any

from pepcert.cli.common import add_output_options, emit_json
from pepcert.cli.output import emit_error
from pepcert.pep.errors import BadInput

TASKS = ("mlp", "charlm")
DEFAULTS: dict[str, dict[str, Any]] = {  # per task: step grid (every optimiser's best step inside it), iterations, batch size, hidden units
    "mlp": {"steps": "0.001,0.003,0.01,0.03,0.1,0.3,1,3", "iterations": 1000, "batch_size": 64, "hidden": 64},
    "charlm": {"steps": "0.003,0.01,0.03,0.1,0.3,1,3", "iterations": 1500, "batch_size": 128, "hidden": 64},
}
MAX_RUN_ITERATIONS = 2_000_000  # runs x iterations
MAX_WORK = 10**13  # runs x iterations x batch x parameters (the full run of the docs is ~7e11)
COMMAND = "muon train"


def register(subparsers) -> None:
    """Add ``train`` under ``pepcert muon``."""
    parser = subparsers.add_parser(
        "train", help="Muon against EF-Muon and SGD with momentum in training (MLP, character LM)",
        description="Train a small numpy network with Muon (exact polar factor and Newton-Schulz), EF-Muon and "
        "SGD with momentum on one step-size grid and several seeds; report the curves, the best final values "
        "and whether error feedback degrades Muon (Parshakova et al. 2026) at this scale.")
    add = parser.add_argument
    add("--task", default=None, help="mlp (digits or MNIST-5k classifier) or charlm (character model)")
    add("--data", default=None, help="mlp only: digits (default, scikit-learn) or mnist (5,000 x 784; pepcert[train])")
    add("--optimizers", default="muon,muon-ns,ef-muon,sgdm", help="comma list of muon, muon-ns, ef-muon, sgdm")
    add("--steps", default=None, help="the step-size grid of every optimiser, comma list of positive numbers "
        f"(default mlp {DEFAULTS['mlp']['steps']}; charlm {DEFAULTS['charlm']['steps']})")
    add("--seeds", default="5", help="number of seeds 0..S-1 (default 5)")
    add("--iterations", "-T", default=None, help="minibatch steps per run (default 1000 mlp, 1500 charlm)")
    add("--batch-size", dest="batch_size", default=None, help="minibatch size (default 64 mlp, 128 charlm)")
    add("--hidden", default=None, help="hidden units (each of the MLP's two layers; the LM's one) (default 64)")
    add("--beta", default="0.9", help="momentum in [0, 1) of every optimiser (default 0.9)")
    add("--eval-every", dest="eval_every", default=None, help="iterations between evaluations (default T/20)")
    add("--context", default="8", help="charlm: characters of context (default 8)")
    add("--embedding", default="16", help="charlm: embedding width (default 16)")
    add("--corpus-chars", dest="corpus_chars", default="200000", help="charlm: corpus size cap (default 200000)")
    add("--plot", metavar="FILE.png", default=None, help="write loss / accuracy curves and the step sweep")
    add_output_options(parser)
    parser.set_defaults(run=run)


def _integer(text, name: str, low: int, high: int) -> int:
    from pepcert.pep.numerics.numbers import parse_rational

    value = parse_rational(str(text), name)
    if value.denominator != 1 or not low <= value <= high:
        raise BadInput(f"--{name} must be an integer in [{low}, {high}], got {text}")
    return int(value)


def _steps(text: str) -> tuple[float, ...]:
    from pepcert.pep.numerics.numbers import parse_rational

    items = str(text).split(",", 32)
    if len(items) > 16:
        raise BadInput("--steps takes at most 16 step sizes")
    values = []
    for item in items:
        value = parse_rational(item.strip(), "steps")
        if not Fraction(1, 10**9) <= value <= 100:
            raise BadInput(f"--steps: every step size must be in [1e-9, 100], got {item.strip()}")
        values.append(float(value))
    if len(set(values)) != len(values):
        raise BadInput(f"--steps lists a step size twice: {text}")
    return tuple(sorted(values))


def _optimisers(text: str) -> tuple[str, ...]:
    from pepcert.training.optimisers import OPTIMISERS

    names = tuple(item.strip().lower() for item in str(text).split(",", 16))
    unknown = [name for name in names if name not in OPTIMISERS]
    if unknown or not names or len(set(names)) != len(names):
        raise BadInput(f"--optimizers must list distinct names among {', '.join(OPTIMISERS)}, got {text!r}")
    return names


def _beta(text) -> float:
    from pepcert.pep.numerics.numbers import parse_rational

    value = parse_rational(str(text), "beta")
    if not 0 <= value < 1 or (value > 0 and value < Fraction(1, 10**9)):
        raise BadInput(f"--beta must be 0 or in [1e-9, 1), got {text}")
    return float(value)


def _task(args) -> tuple[str, str]:
    if args.task is None:
        raise BadInput("--task is required: mlp or charlm")
    task = str(args.task).strip().lower()
    if task not in TASKS:
        raise BadInput(f"unknown task {args.task!r}; choose mlp or charlm")
    data = "digits" if args.data is None else str(args.data).strip().lower()
    if task == "charlm" and args.data is not None:
        raise BadInput("--data applies to --task mlp (the character model reads the standard-library corpus)")
    if data not in ("digits", "mnist"):
        raise BadInput(f"unknown data set {args.data!r} for mlp; choose digits or mnist")
    return task, data


def setup_from_args(args):
    """The checked :class:`~pepcert.training.experiment.Setup` (``BadInput`` on any bad value)."""
    from pepcert.training.experiment import Setup

    task, data = _task(args)
    defaults = DEFAULTS[task]
    iterations = _integer(args.iterations or defaults["iterations"], "iterations", 1, 100_000)
    setup = Setup(
        task=task, data=data, optimisers=_optimisers(args.optimizers), steps=_steps(args.steps or defaults["steps"]),
        seeds=_integer(args.seeds, "seeds", 1, 100), iterations=iterations,
        batch=_integer(args.batch_size or defaults["batch_size"], "batch-size", 1, 4096),
        hidden=_integer(args.hidden or defaults["hidden"], "hidden", 1, 1024), beta=_beta(args.beta),
        eval_every=_integer(args.eval_every or max(1, iterations // 20), "eval-every", 1, iterations),
        context=_integer(args.context, "context", 1, 64), embedding=_integer(args.embedding, "embedding", 1, 256),
        corpus_chars=_integer(args.corpus_chars, "corpus-chars", 1000, 2_000_000),
    )
    _check_work(setup)
    return setup


def _check_work(setup) -> None:
    """Refuse runs beyond the work caps before anything is allocated."""
    if setup.runs() * setup.iterations > MAX_RUN_ITERATIONS:
        raise BadInput(f"{setup.runs()} runs x {setup.iterations} iterations exceeds the cap of "
                       f"{MAX_RUN_ITERATIONS:,} iterations in all; use fewer seeds, steps, optimisers or iterations")
    h = setup.hidden
    if setup.task == "mlp":
        parameters = (784 if setup.data == "mnist" else 64) * h + h * h + 10 * h
    else:
        parameters = 97 * setup.embedding + setup.context * setup.embedding * h + 97 * h
    work = setup.runs() * setup.iterations * setup.batch * parameters
    if work > MAX_WORK:
        raise BadInput(f"the run needs about {work:.1e} multiply-adds, over the cap of {MAX_WORK:.0e} "
                       "(hours on a CPU); reduce --iterations, --batch-size, --hidden or the grid")


def _check_plot(path) -> None:
    from pathlib import Path

    if path is None:
        return
    if not str(path).lower().endswith(".png"):
        raise BadInput(f"--plot needs a .png file name, got {path!r}")
    parent = Path(path).expanduser().resolve().parent
    if not parent.is_dir():
        raise BadInput(f"--plot: the folder {parent} does not exist")


def run(args: argparse.Namespace) -> int:
    try:
        setup = setup_from_args(args)
        _check_plot(args.plot)
        from pepcert.training.tasks import build_task

        task = build_task(setup.task, setup.data, setup.hidden, setup.context, setup.embedding, setup.corpus_chars)
    except BadInput as error:
        emit_error(str(error), 2)  # with --json: the JSON error object
        print(f"pepcert {COMMAND}: error: {error}", file=sys.stderr)
        return 2
    return _execute(setup, task, args)


def _execute(setup, task, args) -> int:
    """Run every training run (one BLAS thread: the matrices are small), then report."""
    from threadpoolctl import threadpool_limits

    from pepcert.training.experiment import run_experiment
    from pepcert.training.report import payload, text_report
    from pepcert.training.summary import best_rows, finding

    show = not args.quiet and sys.stderr.isatty()
    with _progress(setup, show) as advance, threadpool_limits(1):
        experiment = run_experiment(setup, task, advance)
    table = best_rows(experiment)
    verdict = finding(experiment, table)
    if args.plot is not None:
        from pepcert.training.plotting import plot_experiment

        plot_experiment(experiment, table, args.plot)
    if args.json:
        nulls: list = []
        body = finite_or_null(payload(experiment, table, verdict), "", nulls)
        emit_json(_versioned({**body, "nulls": nulls}))
    else:
        print(text_report(experiment, table, verdict))
        if args.plot is not None:
            print(f"plot written to {args.plot}")
    return 0


class _progress:
    """A rich progress bar on stderr over every run's iterations, or a no-op."""

    def __init__(self, setup, show: bool):
        self.total, self.show = setup.runs() * setup.iterations, show
        self.bar: Any = None  # a rich Progress while shown

    def __enter__(self):
        if not self.show:
            return None
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                            TimeRemainingColumn(), console=Console(stderr=True), transient=True)
        self.bar.start()
        task = self.bar.add_task("training", total=self.total)
        return lambda done, label: self.bar.update(task, advance=done, description=label)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.stop()
        return False


def _versioned(payload: dict) -> dict:
    from pepcert._version import __version__

    return {"pepcert_version": __version__, "command": COMMAND, **payload}


def finite_or_null(value, path: str = "", nulls: list | None = None):
    """``value`` with every non-finite float replaced by ``None`` (its path noted in ``nulls``)."""
    if isinstance(value, float) and not math.isfinite(value):
        if nulls is not None:
            nulls.append({"path": path, "reason": f"non-finite value {value}"})
        return None
    if isinstance(value, dict):
        return {k: finite_or_null(v, f"{path}.{k}", nulls) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite_or_null(v, f"{path}[{i}]", nulls) for i, v in enumerate(value)]
    return value
