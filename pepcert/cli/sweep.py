"""``pepcert sweep``: one analysis over a grid of parameters, cached, on dask.

Every option of ``rate``, ``worst-case`` and ``certify`` (one definition:
:func:`pepcert.cli.common.add_problem_options`) takes the grid syntax of
:mod:`pepcert.sweeps.grid` (``0.1``, ``0.1,0.5``, ``0.1:0.9:9``, ``1e-3:1:20:log``); the grid
is every combination. Compressor specifications contain commas, so several are separated by
``;``; with ``--agents``, ``[0.1,0.5]`` is one per-agent value of ``--mu`` or ``--L``.
"""

from __future__ import annotations

import inspect
import itertools

from pepcert.cli.common import (
    LazyChoices,
    add_family_option,
    add_nstep_options,
    add_output_options,
    add_problem_options,
    add_rho_option,
    emit_json,
)

#: Options that take a grid of values, options that are flags, options given once.
GRID = ("method", "mu", "L", "agents", "delta", "omega", "compressor", "sigma", "eta", "family", "iterations",
        "measure", "initial", "start", "rho")
FLAGS = ("random", "scaled")
FIXED = ("solver", "budget_seconds", "budget_memory", "noise", "param")
PROBLEM = ("method", "mu", "L", "agents", "delta", "omega", "compressor", "random", "scaled", "sigma", "noise",
           "param")


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "sweep",
        help="evaluate an analysis over a parameter grid (cached, parallel on dask)",
        description="Evaluate an analysis (rate, optimal-rate, worst-case, certify, neighbourhood) at every combination of the "
        "given values and write one row a point (inputs and outputs) as CSV. Every option of pepcert rate, "
        "worst-case and certify is accepted. Values: '0.1', '0.1,0.5', 'a:b:n' (n points from a to b), "
        "'a:b:n:log' (geometric); compressor specifications separated by ';'. Results are cached on disk "
        "($PEPCERT_CACHE or ~/.cache/pepcert): re-running is instant and an interrupted sweep resumes.",
    )
    # metavar: argparse lists the choices while the parser is built, which would import the sweeps
    parser.add_argument("--analysis", required=True, choices=LazyChoices("pepcert.sweeps.analyses", "ANALYSES"),
                        metavar="ANALYSIS",
                        help="what to compute at each point: rate, optimal-rate, worst-case, certify or neighbourhood "
                        "(with --sigma: the noise pair and neighbourhood of pepcert rate --sigma)")
    add_problem_options(parser, nstep=True, grid=True)
    add_family_option(parser, grid=True)
    add_nstep_options(parser, grid=True)
    add_rho_option(parser, grid=True)
    parser.add_argument("--out", default=None, help="CSV file to write (default: print the table)")
    parser.add_argument("--scheduler", default=None, metavar="ADDRESS",
                        help="address of a running dask scheduler (tcp://host:port); default: a local cluster")
    parser.add_argument("--workers", type=int, default=None,
                        help="local worker processes (default: all cores; 1: no dask)")
    parser.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    parser.add_argument("--cache-dir", default=None,
                        help="cache directory (default: $PEPCERT_CACHE or ~/.cache/pepcert)")
    add_output_options(parser)
    parser.set_defaults(run=run)


def _option(name: str) -> str:
    return "--" + name.replace("_", "-")


def _split_outside_brackets(text: str) -> list[str]:
    items, depth, current = [], 0, ""
    for char in text:
        depth += (char == "[") - (char == "]")
        if char == "," and depth == 0:
            items.append(current)
            current = ""
        else:
            current += char
    return items + [current]


def _values(name: str, text, option: str) -> list:
    """The values one option stands for (module docstring)."""
    from pepcert.pep.errors import BadInput
    from pepcert.sweeps.grid import parse_values

    if name in FLAGS:
        return [True]
    if name == "param":
        return [",".join(text)]  # repeated --param NAME=VALUE, one text for every point
    if name in FIXED:
        return [text]
    if name == "compressor":
        return [spec.strip() for spec in str(text).split(";") if spec.strip()] or parse_values("", option)
    if name in ("mu", "L"):
        values = []
        for item in _split_outside_brackets(str(text)):
            if item.strip().startswith("["):
                if not item.strip().endswith("]"):
                    raise BadInput(f"{option}: unbalanced brackets in {text!r}")
                values.append(tuple(parse_values(item.strip()[1:-1], option)))
            else:
                values.extend(parse_values(item, option))
        return values
    parsed: list = parse_values(text, option)
    if name in ("agents", "iterations"):
        if any(isinstance(v, str) or v != int(v) for v in parsed):
            raise BadInput(f"{option}: values must be integers, got {text!r}")
        return [int(v) for v in parsed]
    if name == "method":
        return [str(v).lower() for v in parsed]
    return parsed


def _grid(args, analysis) -> dict:
    from pepcert.pep.errors import BadInput

    parameters = inspect.signature(analysis).parameters
    grid = {}
    for name in GRID + FLAGS + FIXED:
        value = getattr(args, name, None)
        if value is None or value is False:
            continue
        if name not in parameters:
            raise BadInput(f"--analysis {args.analysis} does not take {_option(name)}")
        grid[name] = _values(name, value, _option(name))
    missing = [_option(name) for name in ("method", "mu", "L", "iterations") if name in parameters and name not in grid]
    if missing:
        raise BadInput(f"--analysis {args.analysis} needs {', '.join(missing)}")
    _validate(grid)
    return grid


def _validate(grid: dict) -> None:
    """Every value is checked before any work starts (one line, exit 2 on the first bad one):
    each combination of the problem's options is built as ``pepcert rate`` builds it."""
    from pepcert.analyses.problems import build_problem, parse_params
    from pepcert.pep.errors import BadInput
    from pepcert.pep.methods import INITIALS, MEASURES

    for measure in grid.get("measure", []):
        if measure not in MEASURES:
            raise BadInput(f"--measure: {measure!r} is not one of {', '.join(MEASURES)}")
    for initial in grid.get("initial", []):
        if initial not in INITIALS:
            raise BadInput(f"--initial: {initial!r} is not one of {', '.join(INITIALS)}")
    for start in grid.get("start", []):
        if start not in ("auto", "declared", "free"):
            raise BadInput(f"--start: {start!r} is not auto, declared or free")
    if "rho" in grid and "sigma" not in grid:
        raise BadInput("--rho chooses the rate of a noise pair: give --sigma too")
    for n in grid.get("iterations", []):
        if not 1 <= n <= 200:
            raise BadInput(f"--iterations: must be integers from 1 to 200, got {n!r}")
    names = [name for name in PROBLEM if name in grid]
    for combination in itertools.islice(itertools.product(*(grid[name] for name in names)), 100_000):
        point = dict(zip(names, combination))
        problem = build_problem(point["method"], point["mu"], point["L"], point.get("agents", 1), point.get("delta"),
                                point.get("omega"), point.get("compressor"), point.get("random", False),
                                point.get("scaled", False), point.get("sigma"), point.get("noise"),
                                parse_params(str(point["param"]).split(",")) if point.get("param") else None)
        for eta in grid.get("eta", []):
            problem.step(eta)  # raises BadInput naming eta
        families = ("full", *problem.factory(1 / float(max(problem.L))).families)
        for family in grid.get("family", []):
            if family not in families:
                raise BadInput(f"--family: {family!r} is not a family of {problem.method} ({', '.join(families)})")


def run(args) -> int:
    from pepcert.cli.output import showing_progress
    from pepcert.pep.errors import BadInput
    from pepcert.sweeps import sweep
    from pepcert.sweeps.analyses import ANALYSES

    analysis = ANALYSES[args.analysis]
    grid = _grid(args, analysis)
    if args.workers is not None and args.workers < 1:
        raise BadInput(f"--workers must be at least 1, got {args.workers}")
    result = sweep(analysis, grid, cache=not args.no_cache, cache_dir=args.cache_dir, workers=args.workers,
                   scheduler=args.scheduler, progress=showing_progress(args))
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
