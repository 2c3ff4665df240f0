"""``pepcert reproduce``: the papers' figures and tables, recomputed (PNG, PDF, CSV, and a
booktabs ``.tex`` table beside each CSV)."""

from __future__ import annotations

from pepcert.cli.common import add_output_options, emit_json
from pepcert.cli.output import showing_progress


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "reproduce",
        help="redraw a paper's figure or table from pepcert's analyses (PNG, PDF, CSV, LaTeX tables)",
        description="Recompute a figure or table of the papers pepcert stands on and write it as "
        "PNG and PDF with its data as CSV (computed values beside the papers' closed forms) and each CSV as a "
        "booktabs LaTeX table (.tex). "
        "Sweeps are cached ($PEPCERT_CACHE or ~/.cache/pepcert): a second run is instant.",
    )
    parser.add_argument("target", nargs="?", help="the figure to build (see --list)")
    parser.add_argument("--list", action="store_true", help="list the targets and exit")
    parser.add_argument("--out", default=None, help="output directory (default: ./pepcert-figures/TARGET)")
    parser.add_argument("--grid", type=int, default=None, help="grid size N (its meaning per target: see --list)")
    parser.add_argument("--scheduler", default=None, metavar="ADDRESS", help="address of a running dask scheduler")
    parser.add_argument("--workers", type=int, default=None, help="local worker processes (default: all cores; 1: no dask)")
    parser.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    parser.add_argument("--cache-dir", default=None, help="cache directory (default: $PEPCERT_CACHE or ~/.cache/pepcert)")
    add_output_options(parser)
    parser.set_defaults(run=run)


def _list(args) -> int:
    from pepcert.papers.figures import TARGETS

    if args.json:
        emit_json({"targets": [{"name": t.name, "paper": t.paper, "description": t.description,
                                "default_grid": t.default_grid, "grid": t.grid_meaning or None}
                               for t in TARGETS.values()]})
        return 0
    for t in TARGETS.values():
        grid = f"  [--grid {t.default_grid}: {t.grid_meaning}]"
        print(f"{t.name:<15} {t.paper}: {t.description}{grid}")
    return 0


def run(args) -> int:
    from pepcert.papers.figures import reproduce
    from pepcert.papers.figures.base import SweepOptions
    from pepcert.pep.errors import BadInput

    if args.list:
        return _list(args)
    if not args.target:
        raise BadInput("give a TARGET or --list")
    if args.workers is not None and args.workers < 1:
        raise BadInput(f"--workers must be at least 1, got {args.workers}")
    from pepcert.sweeps.run import SharedCluster

    with SharedCluster(args.workers) as shared:  # started only if a sweep needs it
        options = SweepOptions(cache=not args.no_cache, cache_dir=args.cache_dir, workers=args.workers,
                               scheduler=args.scheduler, progress=showing_progress(args), shared=shared)
        result = reproduce(args.target, args.out, args.grid, options)
    tables, skipped = latex_tables(result.target, result.files)
    if args.json:
        emit_json({**result.to_dict(), "files": list(result.files) + tables, "tables_skipped": skipped})
        return 0
    print(f"{result.target}: {result.computed} analyses computed, {result.cached} from the cache, {result.seconds:.1f} s")
    for name, value in result.checks.items():
        print(f"  {name:<40} {value:.6g}")
    for path in list(result.files) + tables:
        print(f"  wrote {path}")
    for path in skipped:
        print(f"  no table for {path} (more than {MAX_TABLE_ROWS} rows; the CSV has them all)")
    return 0


#: A CSV with more rows than this gets no LaTeX table (a figure's grid, not a table).
MAX_TABLE_ROWS = 500


def latex_tables(target: str, files) -> tuple[list[str], list[str]]:
    """A booktabs ``.tex`` table beside each CSV a target wrote (``(written, skipped)``): a
    fragment to ``\\input`` into a paper, numbers to 6 significant digits."""
    from pathlib import Path

    import pandas as pd

    from pepcert.pep.errors import BadInput
    from pepcert.pep.latex import booktabs_table

    written, skipped = [], []
    for name in files:
        path = Path(name)
        if path.suffix != ".csv":
            continue
        frame = pd.read_csv(path)
        if len(frame) > MAX_TABLE_ROWS:
            skipped.append(str(path))
            continue
        rows = frame.astype(object).where(frame.notna(), None).values.tolist()
        text = booktabs_table(list(frame.columns), rows, caption=f"pepcert reproduce {target}: {path.stem}",
                              label=f"tab:{path.stem}")
        tex = path.with_suffix(".tex")
        header = (f"% {path.name} as a booktabs table (pepcert reproduce {target}); "
                  "needs \\usepackage{booktabs,longtable,graphicx}\n")
        try:
            tex.write_text(header + text)
        except OSError as error:
            raise BadInput(f"cannot write {tex}: {error.strerror or error}") from None
        written.append(str(tex))
    return written, skipped
