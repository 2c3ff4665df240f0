"""``pepcert sweep``: one analysis over a grid of parameters, cached, on dask.

Each parameter option takes the grid syntax of :mod:`pepcert.sweeps.grid` (``0.1``,
``0.1,0.5``, ``0.1:0.9:9``, ``1e-3:1:20:log``); the grid is every combination.
"""

from __future__ import annotations

import inspect

from pepcert.cli.common import add_output_options, emit_json

ANALYSIS_NAMES = ("rate", "optimal-rate", "worst-case")
PARAMETERS = {  # option -> (parameter name, help)
    "--method": ("method", "built-in method names, comma-separated (as for pepcert rate)"),
    "--mu": ("mu", "strong convexity values"),
    "--L": ("L", "smoothness values"),
    "--delta": ("delta", "compressor contraction values, 0 < delta <= 1"),
    "--eta": ("eta", "step sizes (rate, worst-case)"),
    "--family": ("family", "Lyapunov family: full or paper (rate, optimal-rate)"),
    "--iterations": ("iterations", "numbers of steps N (worst-case)"),
    "--measure": ("measure", "lyapunov, distance or function (worst-case)"),
}


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "sweep",
        help="evaluate an analysis over a parameter grid (cached, parallel on dask)",
        description="Evaluate an analysis at every combination of the given values and write one "
        "row a point (inputs and outputs) as CSV. Values: '0.1', '0.1,0.5', 'a:b:n' (n points from a "
        "to b), 'a:b:n:log' (geometric). Results are cached on disk ($PEPCERT_CACHE or "
        "~/.cache/pepcert): re-running is instant and an interrupted sweep resumes.",
    )
    parser.add_argument("--analysis", required=True, choices=ANALYSIS_NAMES, help="what to compute at each point")
    for option, (dest, text) in PARAMETERS.items():
        parser.add_argument(option, dest=f"grid_{dest}", default=None, help=text)
    parser.add_argument("--random", action="store_true", help="compressors contractive only in expectation")
    parser.add_argument("--out", default=None, help="CSV file to write (default: print the table)")
    parser.add_argument("--scheduler", default=None, metavar="ADDRESS",
                        help="address of a running dask scheduler (tcp://host:port); default: a local cluster")
    parser.add_argument("--workers", type=int, default=None, help="local worker processes (default: all cores; 1: no dask)")
    parser.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    parser.add_argument("--cache-dir", default=None, help="cache directory (default: $PEPCERT_CACHE or ~/.cache/pepcert)")
    add_output_options(parser)
    parser.set_defaults(run=run)


def _grid(args, analysis) -> dict:
    from pepcert.pep.errors import BadInput
    from pepcert.sweeps.grid import parse_values

    signature = inspect.signature(analysis)
    grid = {}
    for option, (name, _) in PARAMETERS.items():
        text = getattr(args, f"grid_{name}")
        if name not in signature.parameters:
            if text is not None:
                raise BadInput(f"--analysis {args.analysis} does not take {option}")
            continue
        if text is None:
            if signature.parameters[name].default is inspect.Parameter.empty:
                raise BadInput(f"--analysis {args.analysis} needs {option}")
            continue
        grid[name] = parse_values(text, option)
    if "random" in signature.parameters and args.random:
        grid["random"] = [True]
    _validate(grid)
    return grid


def _validate(grid: dict) -> None:
    """Every value is checked before any work starts (one line, exit 2 on the first bad one)."""
    from pepcert.pep.algorithms import BUILTIN_METHODS
    from pepcert.pep.errors import BadInput
    from pepcert.pep.methods import MEASURES
    from pepcert.sweeps.analyses import _classes

    for method in grid.get("method", []):
        if not isinstance(method, str) or method.lower() not in BUILTIN_METHODS:
            raise BadInput(f"--method: unknown method {method!r} (choose from {', '.join(sorted(BUILTIN_METHODS))})")
    if "method" in grid:
        grid["method"] = [m.lower() for m in grid["method"]]
    for family in grid.get("family", []):
        if family not in ("full", "paper"):
            raise BadInput(f"--family: {family!r} is not 'full' or 'paper'")
    for measure in grid.get("measure", []):
        if measure not in MEASURES:
            raise BadInput(f"--measure: {measure!r} is not one of {', '.join(MEASURES)}")
    for eta in grid.get("eta", []):
        if isinstance(eta, str) or eta <= 0:
            raise BadInput(f"--eta: step sizes must be positive numbers, got {eta!r}")
    for n in grid.get("iterations", []):
        if isinstance(n, str) or n != int(n) or not 1 <= n <= 200:
            raise BadInput(f"--iterations: must be integers from 1 to 200, got {n!r}")
    if "iterations" in grid:
        grid["iterations"] = [int(n) for n in grid["iterations"]]
    for name in ("mu", "L", "delta"):
        if any(isinstance(v, str) for v in grid.get(name, [])):
            raise BadInput(f"--{name}: values must be numbers")
    for mu in grid.get("mu", []):
        for L in grid.get("L", []):
            for delta in grid.get("delta", []):
                _classes(mu, L, delta)  # raises BadInput on a bad combination


def run(args) -> int:
    from pepcert.pep.errors import BadInput
    from pepcert.sweeps import sweep
    from pepcert.sweeps.analyses import ANALYSES

    analysis = ANALYSES[args.analysis]
    grid = _grid(args, analysis)
    if args.workers is not None and args.workers < 1:
        raise BadInput(f"--workers must be at least 1, got {args.workers}")
    result = sweep(analysis, grid, cache=not args.no_cache, cache_dir=args.cache_dir, workers=args.workers,
                   scheduler=args.scheduler, progress=None if not args.json else False)
    if args.out:
        result.to_csv(args.out)
    payload = {"analysis": args.analysis, "points": len(result.frame), "computed": result.computed,
               "cached": result.cached, "workers": result.workers, "seconds": result.seconds, "out": args.out}
    if args.json:
        if not args.out:
            payload["rows"] = result.frame.astype(object).where(result.frame.notna(), None).to_dict(orient="records")
        emit_json(payload)
        return 0
    if not args.out:
        print(result.frame.to_string(index=False))
    print(f"{len(result.frame)} points: {result.computed} computed, {result.cached} from the cache, "
          f"{result.seconds:.2f} s" + (f"; wrote {args.out}" if args.out else ""))
    return 0
