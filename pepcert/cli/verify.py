"""``pepcert verify``: check every theorem of the catalogue (:mod:`pepcert.papers.theorems`);
one row per theorem (a "claim" in the output's words and keys)."""

from __future__ import annotations

import sys
import time

from pepcert.cli.common import add_output_options, emit_json
from pepcert.pep.errors import BadInput


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "verify",
        help="check the catalogue of theorems (the papers' rates, steps, Lyapunov functions, lower bounds, proofs)",
        description="Checks every theorem of the catalogue pepcert.papers.theorems (each computed by pepcert and "
        "compared with its theory) and prints one row per claim (expected, computed, pass). Exit status 1 if any "
        "claim fails.",
    )
    parser.add_argument("--only", metavar="TEXT", help="run only claims whose id contains TEXT")
    parser.add_argument("--list", action="store_true", help="list the claims without running them")
    add_output_options(parser)
    parser.set_defaults(run=run)


def catalogue():
    """The catalogue's theorems (imported on use: they pull in sympy and the solvers)."""
    from pepcert.papers.theorems import catalogue as theorems

    return theorems()


def run_claims(*args, **kwargs):
    from pepcert.papers.theorems import run_theorems

    return run_theorems(*args, **kwargs)


def run(args) -> int:
    claims = catalogue()
    if args.only:
        claims = [c for c in claims if args.only in c.id]
        if not claims:
            raise BadInput(f"no claim id contains {args.only!r}")
    if args.list:
        if args.json:
            emit_json({"claims": [{"id": c.id, "paper": c.paper, "statement": c.statement, "expected": c.expected} for c in claims]})
        else:
            width = max(len(c.id) for c in claims)
            for c in claims:
                print(f"{c.id:<{width}}  {c.statement}")
        return 0
    start = time.perf_counter()
    results = _run_with_progress(claims, quiet=args.json or args.quiet)
    seconds = time.perf_counter() - start
    failed = [r for r in results if not r.passed]
    if args.json:
        emit_json({"claims": [r.to_dict() for r in results], "passed": not failed, "seconds": seconds})
    else:
        width = max(len(r.id) for r in results)
        for r in results:
            mark = "PASS" if r.passed else "FAIL"
            print(f"{mark}  {r.id:<{width}}  expected {r.expected}; computed {r.computed}  [{r.seconds:.1f} s]")
        papers = sorted({r.paper for r in results})
        print(f"\n{len(results) - len(failed)}/{len(results)} claims pass in {seconds:.1f} s; papers:")
        for paper in papers:
            print(f"  - {paper}")
    return 1 if failed else 0


def _run_with_progress(claims, quiet: bool):
    """A progress bar on stderr when it is a terminal (rich), silent otherwise."""
    if quiet or not sys.stderr.isatty():
        return run_claims(claims)
    from rich.progress import Progress

    with Progress(transient=True) as progress:
        task = progress.add_task("verifying", total=len(claims))

        def advance(claim):
            progress.update(task, description=f"verifying {claim.id}")

        results = []
        for claim in claims:
            results.extend(run_claims([claim], progress=advance))
            progress.advance(task)
        return results
