"""``pepcert bench``: every speed figure beside its baseline, measured in the same run.

(a) start-up: ``python -m pepcert --version`` and ``pepcert rate ... --eta 0.2`` end to end,
    against the bare interpreter and an eager import of every dependency;
(b) one tight rate (the workloads of ``papers/ttd25/bench.py`` at three steps): :func:`tight_rate` to 1e-9 against a cvxpy
    bisection on rho to 1e-6 that rebuilds the same one-step LMI at every step; and (``bench_rates.py``) the same
    settings plus heavy ball and error feedback with momentum written as a user writes them, each
    beside one bare Clarabel solve of the same conic problem (the floor) and cvxpy compiled once
    with rho a Parameter;
(c) the benchmark method's N-step worst case at N = 10, 20, 30, 50, 100 (``--quick``: N = 10): pepcert's
    low-rank method (the default from 8 steps on) against pepcert on Clarabel and PEPit
    (``tests/pepit_models.py`` of a source checkout) with Clarabel and with SCS, each run in a
    fresh interpreter (time, relative error to rho*^N, peak memory) and stopped at ``--cap``
    seconds; pepcert's Clarabel path beside PEPit's model on the same Clarabel at each N both ran;
(d) Fig. 1 throughput: tight rates per second over a few of the figure's rows (its 200 steps
    each), extrapolated (clearly labelled) to the paper's 3 x 200 x 200 = 120,000 rates;
(e) n agents: tight rates at 2 and 4 agents, identical agents reduced by symmetry to 64 and
    agents in two groups (8 and 64) beside the whole problem, and the peak memory (``bench_agents.py``);
(f) smoothness-aware compression: DCGD, DIANA, DCGD+, DIANA+ x 5000 iterations x 6 workers on
    the built-in breast-cancer set (``bench_saq.py``);
(g) the Muon exact replay at T = 10^5 beside the same replay on exact rationals (``bench_muon.py``);
(h) worst cases no scaling instance closes (``papers/sublinear_bench.py``): a compressed method
    and gradient descent on nonconvex functions, gradient descent on convex ones, and a
    compressed method's ``distance`` on strongly convex ones, beside PEPit + Clarabel;
(i) N-step worst cases at scale (``papers/ttd25/nstep_bench.py``): the 2025 paper's three methods
    with their Lyapunov measures at N = 100, 200, 500 (``--quick``: 100), the default (chordal) path beside
    the low-rank method, against rho*^N.

The report is printed as text (``bench_report.py``), as JSON (``--json``) or as one Markdown
table of the headline figures (``--markdown``, ``bench_markdown.py``); each reads it
defensively, so a figure a run did not measure prints "not measured". The machine's load
average is printed with the figures: compare ratios, not absolute times.
"""

from __future__ import annotations

import os
from typing import Any

from pepcert.cli.common import add_output_options, emit_json


def register(subparsers) -> None:
    parser = subparsers.add_parser("bench", help="speed against interpreter, cvxpy and PEPit baselines, in one run")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions per timing (median is reported)")
    parser.add_argument("--quick", action="store_true", help="a short run: N = 10 only, one throughput row a method")
    parser.add_argument("--cap", type=float, default=60.0, help="seconds after which a worst-case run is stopped")
    parser.add_argument("--skip-pepit", action="store_true", help="no PEPit baselines")
    parser.add_argument("--markdown", action="store_true",
                        help="print the headline figures as one Markdown table (each beside its baseline) and the load")
    add_output_options(parser)
    parser.set_defaults(run=run)


def _load() -> str:
    try:
        return "load average {:.2f}, {:.2f}, {:.2f} (1, 5, 15 min) on {} cores".format(*os.getloadavg(), os.cpu_count() or 0)
    except OSError:  # pragma: no cover - platforms without getloadavg
        return "load average unavailable"


def _versions() -> dict:
    """The versions the figures depend on: pepcert, Python, the solvers, PEPit when installed."""
    import contextlib
    import platform
    from importlib import metadata

    from pepcert._version import __version__

    found = {"Python": platform.python_version(), "pepcert": __version__}  # a source checkout has no metadata
    for name, label in (("clarabel", "Clarabel"), ("cvxpy", "cvxpy"), ("scs", "SCS"),
                        ("pepit", "PEPit")):
        with contextlib.suppress(metadata.PackageNotFoundError):
            found[label] = metadata.version(name)
    return found


def _host() -> dict:
    """When and where the run was made: the UTC date, the processor, the system."""
    import datetime
    import platform

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as handle:
            cpu = next((line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")), cpu)
    except OSError:  # pragma: no cover - not Linux
        pass
    return {"date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"), "cpu": cpu,
            "cores": os.cpu_count() or 0, "system": f"{platform.system()} {platform.machine()}"}


def _startup(repeat: int) -> dict:
    from pepcert.cli.bench_jobs import command_seconds, eager_import_seconds
    from pepcert.papers.ttd25.bench import WORST_CASE_METHOD

    rate = ["rate", "--method", WORST_CASE_METHOD, "--mu", "0.1", "--L", "1", "--delta", "0.5", "--eta", "0.2"]
    return {
        "python_seconds": command_seconds([], repeat),
        "version_seconds": command_seconds(["--version"], repeat),
        "rate_seconds": command_seconds(rate, repeat),
        "eager_import_seconds": eager_import_seconds(repeat),
    }


def _worst_cases(sizes, cap: float, pepit: bool) -> dict:
    from pepcert.cli.bench_jobs import pepit_models_path, worst_case_series

    report: dict[str, Any] = {
        "pepcert_lowrank": worst_case_series("pepcert", "lowrank", sizes, cap),
        "pepcert_clarabel": worst_case_series("pepcert", "clarabel", sizes, cap),
    }
    if not pepit:
        report["pepit"] = "skipped (--skip-pepit)"
    elif pepit_models_path() is None:
        report["pepit"] = "PEPit baseline unavailable (not a source checkout)"
    else:
        import importlib.util

        if importlib.util.find_spec("PEPit") is None:
            report["pepit"] = "PEPit baseline unavailable (PEPit is not installed: pip install -e '.[test]')"
        else:
            report["pepit_clarabel"] = worst_case_series("pepit", "clarabel", sizes, cap)
            report["pepit_scs"] = worst_case_series("pepit", "scs", sizes, cap)
    return report


def run(args) -> int:
    from pepcert.cli import bench_rates
    from pepcert.cli.bench_agents import bench_agents
    from pepcert.cli.bench_jobs import bench_throughput
    from pepcert.pep.errors import BadInput

    if args.json and args.markdown:
        raise BadInput("--markdown and --json exclude each other: give one")
    if args.repeat < 1:
        raise BadInput("--repeat must be at least 1")
    if not args.cap > 0:
        raise BadInput("--cap must be positive")
    sizes = (10,) if args.quick else (10, 20, 30, 50, 100)
    tight = bench_rates.bench_tight_rates(args.repeat)
    report = {"host": _host(), "machine": _load(), "startup": _startup(args.repeat),
              "rate": bench_rates.rate_summary(tight), "tight_rates": tight}
    report["worst_case"] = _worst_cases(sizes, args.cap, not args.skip_pepit)
    report["throughput"] = bench_throughput(1 if args.quick else 5)
    if not args.quick:
        from pepcert.cli.bench_jobs import bench_figure

        report["figure"] = bench_figure()
    report.update(bench_agents(args.repeat, quick=args.quick))
    from pepcert.cli.bench_saq import bench_saq

    report["saq"] = bench_saq(1000 if args.quick else 5000)
    from pepcert.cli.bench_muon import bench_muon

    report["muon"] = bench_muon(10_000 if args.quick else 100_000, 2_000 if args.quick else 20_000)
    from pepcert.cli.bench_jobs import pepit_models_path, run_child
    from pepcert.papers.sublinear_bench import bench_sublinear

    pepit = not args.skip_pepit and pepit_models_path() is not None
    report["sublinear"] = bench_sublinear(run_child, args.cap, pepit, args.quick)
    from pepcert.papers.ttd25.nstep_bench import bench_nstep

    report["nstep"] = bench_nstep(run_child, args.cap, args.quick)
    report["machine_after"] = _load()
    report["versions"] = _versions()
    return _show(report, args)


def _show(report: dict, args) -> int:
    """The report as JSON, as one Markdown table (``--markdown``) or as text."""
    if args.json:
        emit_json(report)
    elif args.markdown:
        from pepcert.cli.bench_markdown import markdown

        print(markdown(report, {"quick": args.quick, "cap": args.cap}), end="")
    else:
        from pepcert.cli.bench_report import text

        print("\n".join(text(report)))
    return 0

