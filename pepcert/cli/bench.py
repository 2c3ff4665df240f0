"""``pepcert bench``: every speed figure beside its baseline, measured in the same run.

(a) start-up: ``python -m pepcert --version`` and ``pepcert rate ... --eta 0.2`` end to end,
    against the bare interpreter and the old eager import of every dependency;
(b) one tight rate (the workloads of ``papers/ttd25/bench.py`` at three steps): :func:`tight_rate` to 1e-9 against a cvxpy
    bisection on rho to 1e-6 that rebuilds the same one-step LMI at every step;
(c) the benchmark method's N-step worst case at N = 10, 50, 100 (``--quick``: N = 10): pepcert's
    low-rank method (the default from 8 steps on) against pepcert on Clarabel and PEPit
    (``tests/pepit_models.py`` of a source checkout) with Clarabel and with SCS, each run in a
    fresh interpreter (time, relative error to rho*^N, peak memory) and stopped at ``--cap``
    seconds;
(d) Fig. 1 throughput: tight rates per second over a small grid, extrapolated (clearly
    labelled) to the paper's 3 x 200 x 200 = 120,000 rates;
(f) smoothness-aware compression: DCGD, DIANA, DCGD+, DIANA+ x 5000 iterations x 6 workers on
    the built-in breast-cancer set (goal < 60 s; ``bench_saq.py``);
(h) classes without a linear rate: the compressed method of ``papers/sublinear_bench.py`` on
    nonconvex functions and gradient descent on convex ones beside PEPit + Clarabel;
(i) N-step worst cases at scale (``papers/ttd25/nstep_bench.py``): the 2025 paper's three methods
    with their Lyapunov measures at N = 100, 200, 500 (``--quick``: 100), the default (chordal) path beside
    the low-rank method, against rho*^N.

The machine's load average is printed with the figures: compare ratios, not absolute times.
"""

from __future__ import annotations

import os
from typing import Any

from pepcert.cli.common import add_output_options, emit_json


def register(subparsers) -> None:
    parser = subparsers.add_parser("bench", help="speed against interpreter, cvxpy and PEPit baselines, in one run")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions per timing (median is reported)")
    parser.add_argument("--quick", action="store_true", help="a short run: N = 10 only, a 3 x 3 throughput grid")
    parser.add_argument("--cap", type=float, default=60.0, help="seconds after which a worst-case run is stopped")
    parser.add_argument("--skip-pepit", action="store_true", help="no PEPit baselines")
    add_output_options(parser)
    parser.set_defaults(run=run)


def _load() -> str:
    try:
        return "load average {:.2f}, {:.2f}, {:.2f} (1, 5, 15 min) on {} cores".format(*os.getloadavg(), os.cpu_count() or 0)
    except OSError:  # pragma: no cover - platforms without getloadavg
        return "load average unavailable"


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
    from pepcert.cli.bench_agents import bench_agents
    from pepcert.cli.bench_jobs import bench_rates, bench_throughput
    from pepcert.pep.errors import BadInput

    if args.repeat < 1:
        raise BadInput("--repeat must be at least 1")
    if not args.cap > 0:
        raise BadInput("--cap must be positive")
    sizes = (10,) if args.quick else (10, 50, 100)
    report = {"machine": _load(), "startup": _startup(args.repeat), "rate": bench_rates(args.repeat)}
    report["worst_case"] = _worst_cases(sizes, args.cap, not args.skip_pepit)
    report["throughput"] = bench_throughput(3 if args.quick else 5)
    report["agents"] = bench_agents(args.repeat)["agents"]
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
    if args.json:
        emit_json(report)
    else:
        _print(report)
    return 0


def _print(report: dict) -> None:
    from pepcert.papers.ttd25 import bench
    s, r, t = report["startup"], report["rate"], report["throughput"]
    print(f"machine: {report['machine']}")
    print("(a) start-up, median wall time of a fresh interpreter (sys.executable, no PATH shim)")
    print(f"    python -c pass (floor)                     {s['python_seconds']:7.3f} s")
    print(f"    python -m pepcert --version                {s['version_seconds']:7.3f} s   (goal < 0.2 s)")
    print(f"    pepcert rate --method {bench.WORST_CASE_METHOD:<5} ... --eta 0.2 {s['rate_seconds']:6.3f} s   (goal < 0.5 s)")
    print(f"    baseline: eager import of every dependency {s['eager_import_seconds']:7.3f} s   "
          f"(what building the parser used to cost: {s['eager_import_seconds'] / s['version_seconds']:.1f}x --version)")
    print(f"(b) one tight rate, median over {r['settings']} settings ({bench.label(bench.RATE_METHODS)} at eta = "
          f"{', '.join(map(str, bench.RATE_STEPS))})")
    print(f"    pepcert tight_rate to 1e-9                 {r['pepcert_median_ms']:7.2f} ms  "
          f"(CPU {r['pepcert_median_cpu_ms']:.2f} ms; goal < 3 ms)")
    print(f"    baseline: cvxpy bisection to 1e-6          {r['cvxpy_bisection_median_ms']:7.1f} ms")
    print(f"    speed-up (median of ratios)                {r['speedup_median']:7.1f} x   largest disagreement {r['max_disagreement']:.1e}")
    print(f"(c) {bench.label([bench.WORST_CASE_METHOD])} N-step worst case (mu = 0.1, L = 1, delta = 0.5, eta*), fresh interpreter each")
    wc = report["worst_case"]
    series = (("pepcert_lowrank", "pepcert (low-rank)"), ("pepcert_clarabel", "pepcert (Clarabel)"),
              ("pepit_clarabel", "PEPit + Clarabel"), ("pepit_scs", "PEPit + SCS"))
    for key, label in series:
        for row in wc.get(key, []):
            print(f"    {label:<20} N = {row['N']:<4} {_row(row)}")
    if isinstance(wc.get("pepit"), str):
        print(f"    {wc['pepit']}")
    print(f"(d) Fig. 1 throughput: {t['rates']} tight rates ({bench.label(bench.THROUGHPUT_METHODS)} on a grid of 1 - delta, eta) in {t['seconds']:.2f} s")
    print(f"    {t['rates_per_second']:.0f} rates/s; EXTRAPOLATED to 120,000 rates: {t['extrapolated_120000_minutes']:.1f} min "
          f"(goal < 10 min; {t['failures']} solver failures)")
    base_minutes = 120_000 * r["cvxpy_bisection_median_ms"] / 1000 / 60
    print(f"    baseline EXTRAPOLATED: cvxpy bisection at its median {base_minutes:.0f} min")
    from pepcert.cli.bench_agents import format_agents

    for line in format_agents(report):
        print(line.replace("(c) n-agent", "(e) n-agent", 1))
    from pepcert.cli.bench_saq import format_saq

    for line in format_saq(report):
        print(line)
    from pepcert.cli.bench_muon import format_muon

    for line in format_muon(report):
        print(line)
    from pepcert.papers.sublinear_bench import format_sublinear

    for line in format_sublinear(report):
        print(line)
    from pepcert.papers.ttd25.nstep_bench import format_nstep

    for line in format_nstep(report):
        print(line)
    print(f"machine after: {report['machine_after']}")


def _row(row: dict) -> str:
    if "not_run" in row:
        return f"not run ({row['not_run']})"
    if "error" in row:
        return f"failed: {row['error']}"
    text = f"{row['seconds']:8.2f} s  value {row['value']:.10g}  rel. to rho*^N {row['relative_error']:+.1e}"
    if "tolerance" in row:
        text += f"  tolerance {row['tolerance']:.0e}"
    if "peak_mb" in row:
        text += f"  peak {row['peak_mb']:.0f} MB"
    return text
