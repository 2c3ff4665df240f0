"""``pepcert saq``: DCGD, DIANA, DCGD+ and DIANA+ on a data set, measured beside the theory.

Wang, Safaryan & Richtarik 2022 (smoothness-aware quantization): l2-regularised logistic
regression split over --workers workers (rows sorted by norm), the built-in DIANA and
compressed gradient descent run with each compressor; a table of the iterations and bits each
needs to reach --target (or the error it reached) next to the theory's iteration and
communication bounds. --protocol pepcert
(default): l2 dithering with --levels, every coordinate coded, the theory's step sizes, and
pepcert's tight worst-case rate of DIANA beside the theory's. --protocol paper: the authors'
code (l-inf dithering, blocks = --blocks, their levels, steps, bit code and one-time costs,
rows scaled by max-abs); runs stop at the target (docs/saq.md).
"""

from __future__ import annotations

import time
from fractions import Fraction

from pepcert.cli.common import add_output_options, emit_json


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "saq", help="smoothness-aware compression: DCGD/DIANA and DCGD+/DIANA+ on data, measured beside the theory",
        description=__doc__.split("\n\n")[1].replace("\n", " "))
    parser.add_argument("--data", default="builtin:breast-cancer", metavar="FILE|builtin:NAME",
                        help="a LIBSVM file or a built-in data set (default: builtin:breast-cancer)")
    parser.add_argument("--rows", default=None, help="use the first ROWS rows of the data set only (a reduced instance)")
    parser.add_argument("--workers", default="6", help="number of workers n (1 .. number of rows; default 6)")
    parser.add_argument("--methods", default="diana,diana+", help="comma list of dcgd, diana, dcgd+, diana+ (default: diana,diana+)")
    parser.add_argument("--protocol", choices=("pepcert", "paper"), default="pepcert",
                        help="pepcert's compressors and theory steps (default), or the authors' code (docs/saq.md)")
    parser.add_argument("--compressors", default=None,
                        help="pepcert protocol: comma list of dithering, block-dithering, rand-k (default: dithering,block-dithering)")
    parser.add_argument("--iterations", default="5000", help="steps per run at most (default 5000)")
    parser.add_argument("--target", default="1e-6", help="relative error ||x - x*||^2/||x0 - x*||^2 to reach (default 1e-6)")
    parser.add_argument("--levels", default=None,
                        help="pepcert protocol: dithering levels s (default 1); S1:S2:... gives block-dithering one s per block")
    parser.add_argument("--blocks", default=None,
                        help="pepcert: blocks of block-dithering (default: the workers); paper: comma list (default: 1,WORKERS)")
    parser.add_argument("--k", default=None, help="pepcert protocol: coordinates kept by rand-k (default 1)")
    parser.add_argument("--seed", default="0", help="seed of the workers' compressors (default 0)")
    parser.add_argument("--lam", default="1e-3", help="l2 regularisation lambda (default 1e-3, the paper's)")
    parser.add_argument("--plot", metavar="FILE", help="draw the error against bits, iterations and seconds (.png/.pdf/.svg)")
    parser.add_argument("--skip-tight", action="store_true", help="do not compute the tight worst-case rate of DIANA")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--dask", action="store_true", help="run the runs on a local dask cluster")
    where.add_argument("--scheduler", default=None, metavar="ADDRESS", help="run the runs on the dask scheduler at ADDRESS")
    add_output_options(parser)
    parser.set_defaults(run=run)


def _integer(text, name: str, low: int, high: int | None = None) -> int:
    from pepcert.pep.errors import BadInput
    from pepcert.pep.numerics.numbers import parse_rational

    value = parse_rational(str(text), name)
    if value.denominator != 1 or value < low or (high is not None and value > high):
        bound = f"in [{low}, {high}]" if high is not None else f"at least {low}"
        raise BadInput(f"--{name} must be an integer {bound}, got {text}")
    return int(value)


def _options(args) -> dict:
    """Every option checked exactly before any work (one BadInput line each)."""
    from pepcert.pep.errors import BadInput
    from pepcert.pep.numerics.numbers import parse_rational
    from pepcert.saq.experiment import COMPRESSORS, parse_list
    from pepcert.saq.methods import METHODS

    target = parse_rational(str(args.target), "target")
    if not 0 < target < 1:
        raise BadInput(f"--target must be in (0, 1), got {args.target}")
    lam = parse_rational(str(args.lam), "lam")
    if not Fraction(1, 10**12) <= lam <= 10**6:
        raise BadInput(f"--lam must be in [1e-12, 1e6], got {args.lam}")
    if args.plot:
        from pepcert.saq.plot import check_plot_path

        check_plot_path(args.plot)
    common = {"methods": parse_list(args.methods, METHODS, "methods"),
              "iterations": _integer(args.iterations, "iterations", 1, 10**6),
              "workers": _integer(args.workers, "workers", 1), "seed": _integer(args.seed, "seed", 0, 2**63 - 1),
              "target": float(target), "lam": float(lam),
              "rows": None if args.rows is None else _integer(args.rows, "rows", 1)}
    if args.protocol == "paper":
        for name in ("compressors", "levels", "k"):
            if getattr(args, name) is not None:
                raise BadInput(f"--{name} is a pepcert-protocol option: the paper protocol uses the authors' quantizer")
        if args.skip_tight or args.dask or args.scheduler:
            raise BadInput("--skip-tight, --dask and --scheduler are pepcert-protocol options")
        blocks = str(args.blocks) if args.blocks is not None else f"1,{common['workers']}"
        values = [_integer(part, "blocks", 1) for part in blocks.split(",", 16)]
        if len(set(values)) != len(values):
            raise BadInput(f"--blocks: {blocks!r} names one twice")
        return {**common, "blocks": values}
    return {**common, "compressors": parse_list(args.compressors or "dithering,block-dithering", COMPRESSORS, "compressors"),
            "levels": tuple(_integer(part, "levels", 1, 2**20) for part in str(args.levels or "1").split(":", 64)),
            "blocks": None if args.blocks is None else _integer(args.blocks, "blocks", 1),
            "k": _integer(args.k or "1", "k", 1)}


def _compressors(options, d: int) -> dict:
    from pepcert.pep.errors import BadInput
    from pepcert.saq.experiment import make_compressor

    levels = options["levels"]
    per_block = len(levels) > 1
    blocks = options["blocks"] or (len(levels) if per_block else min(options["workers"], d))
    if blocks > d:
        raise BadInput(f"--blocks {blocks} exceeds the dimension d = {d}")
    if options["k"] > d:
        raise BadInput(f"--k {options['k']} exceeds the dimension d = {d}")
    if per_block and len(levels) != blocks:
        raise BadInput(f"--levels gives {len(levels)} per-block levels for {blocks} blocks")
    if per_block and "dithering" in options["compressors"]:
        raise BadInput("--levels S1:S2:... is for block-dithering; dithering (one block) takes one s")
    one = levels[0]
    return {key: make_compressor(key, levels if per_block and key == "block-dithering" else one, blocks, options["k"])
            for key in options["compressors"]}


def _progress_bar(args, total: int):
    """``(bar, advance)``: the command line's progress bar over every run's steps (off with
    ``--quiet`` or when stderr is not a terminal)."""
    from pepcert.cli.output import progress_bar

    bar = progress_bar(args, "saq runs", total)
    shown = bar.__enter__()
    return (bar, shown.advance) if shown is not None else (None, None)


def tight_rates(problem, compressors: dict) -> list[dict]:
    """DIANA with one worker in the scalar-smoothness class (``f`` ``mu``-strongly convex and
    ``L_max``-smooth, an ``omega``-unbiased compressor) at the theory's one-worker step
    ``gamma = 1/(L_max (1 + 6 omega))``, ``alpha = 1/(1 + omega)``: the theory's rate
    ``max(1 - gamma mu, 1 - alpha/2)`` beside pepcert's tight Lyapunov rate at the same
    ``gamma`` (what ``pepcert rate --method diana --compressor SPEC --mu MU --L L_MAX --eta GAMMA``
    prints). One worker: with 6 workers the joint compressor outcomes (2^6) exceed what the
    n-agent model bounds (16)."""
    from pepcert.analyses import tight_rate
    from pepcert.pep.algorithms import diana
    from pepcert.pep.errors import SolverFailure
    from pepcert.pep.functions import SmoothStronglyConvex
    from pepcert.pep.numerics.numbers import parse_rational
    from pepcert.pep.problem import ProblemClass
    from pepcert.saq.compressors import Dithering

    rows = []
    mu, L = repr(float(problem.mu)), repr(float(problem.L_max))
    for key, compressor in compressors.items():
        if not isinstance(compressor, Dithering):
            continue
        library = compressor.library(problem.d)
        spec = (f"dithering:s={compressor.s},d={problem.d}" if compressor.blocks == 1
                else f"block-dithering:blocks={compressor.blocks},s={':'.join(map(str, compressor.levels))},d={problem.d}")
        cls = library.compressor_class()
        omega = float(cls.omega)
        gamma = 1.0 / (float(L) * (1.0 + 6.0 * omega))
        alpha = 1.0 / (1.0 + omega)
        bound = max(1.0 - gamma * float(mu), 1.0 - alpha / 2)
        row = {"compressor": key, "spec": spec, "omega": omega, "mu": float(mu), "L": float(L), "gamma": gamma,
               "alpha": alpha, "rate_bound": bound,
               "command": f"pepcert rate --method diana --compressor {spec} --mu {mu} --L {L} --eta {gamma!r}"}
        try:
            classes = ProblemClass(SmoothStronglyConvex(parse_rational(mu, "mu"), parse_rational(L, "L")), cls)
            result = tight_rate(diana(gamma, cls.omega), classes, structured_fallback=True)
            row.update(rate_tight=result.rho, rate_tight_lower=result.rho_lower,
                       tight=result.tight)
        except SolverFailure as error:
            row.update(rate_tight=None, error=str(error))
        rows.append(row)
    return rows


def run(args) -> int:
    from pepcert.saq.experiment import ratios, run_experiment
    from pepcert.saq.problem import logistic_problem

    start = time.perf_counter()
    options = _options(args)
    if args.protocol == "paper":
        return _run_paper(args, options, start)
    problem = logistic_problem(_dataset(args.data, options), options["workers"], options["lam"])
    compressors = _compressors(options, problem.d)
    total = options["iterations"] * len(options["methods"]) * len(compressors)
    bar, advance = _progress_bar(args, total)
    try:
        results = run_experiment(problem, options["methods"], compressors, options["iterations"], options["seed"],
                                 progress=advance, dask=args.dask, scheduler=args.scheduler)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    diana_standard = "diana" in options["methods"] and not args.skip_tight
    tight = tight_rates(problem, compressors) if diana_standard else []
    target = options["target"]
    plot = None
    if args.plot:
        from pepcert.saq.plot import plot_runs

        plot = plot_runs(args.plot, results, target, problem.describe())
    payload = {"protocol": "pepcert", "data": args.data, "problem": _problem_dict(problem), "target": target,
               "iterations": options["iterations"], "seed": options["seed"],
               "runs": [r.to_dict(target) for r in results], "ratios": ratios(results, target),
               "tight": tight, "plot": plot, "seconds": time.perf_counter() - start}
    if args.json:
        emit_json(payload)
    else:
        from pepcert.cli.saq_table import print_report

        print_report(payload)
    return 0


def _run_paper(args, options: dict, start: float) -> int:
    """``--protocol paper``: each method with each number of blocks, as the authors run it."""
    from pepcert.saq.blockclaim import paper_ratios, run_paper
    from pepcert.saq.paper import paper_blocks
    from pepcert.saq.paper_setup import paper_problem

    problem = paper_problem(_dataset(args.data, options), options["workers"], options["lam"])
    for blocks in options["blocks"]:
        paper_blocks(problem.d, blocks)
    target, total = options["target"], options["iterations"] * len(options["methods"]) * len(options["blocks"])
    bar, advance = _progress_bar(args, total)
    try:
        results = [run_paper(problem, method, blocks, target, options["iterations"], options["seed"], advance)
                   for method in options["methods"] for blocks in options["blocks"]]
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    plot = None
    if args.plot:
        from pepcert.saq.plot import plot_runs

        plot = plot_runs(args.plot, results, target, problem.describe() + " (the authors' protocol)")
    payload = {"protocol": "paper", "data": args.data, "problem": _problem_dict(problem), "target": target,
               "iterations": options["iterations"], "seed": options["seed"],
               "runs": [r.to_dict(target) for r in results], "ratios": paper_ratios(results, target),
               "plot": plot, "seconds": time.perf_counter() - start}
    if args.json:
        emit_json(payload)
    else:
        from pepcert.cli.saq_table import print_paper_report

        print_paper_report(payload)
    return 0


def _dataset(spec: str, options: dict):
    from pepcert.saq.data import first_rows, load_dataset

    dataset = load_dataset(spec)
    return dataset if options["rows"] is None else first_rows(dataset, options["rows"])


def _problem_dict(problem) -> dict:
    return {"description": problem.describe(), "n": problem.n, "d": problem.d, "sizes": list(problem.sizes),
            "lam": problem.lam, "mu": problem.mu, "L": problem.L, "L_max": problem.L_max,
            "grad_norm_at_star": problem.grad_norm_at_star}
