"""The scaling curves of docs/worst-case.md: each method's Lyapunov worst case at its optimal
step against N, pepcert's default beside the low-rank method, one fresh interpreter per cell
(:func:`pepcert.papers.ttd25.nstep_bench.bench_nstep`), drawn to docs/nstep-scaling.png with
the Markdown table printed.

    python tools/nstep_scaling.py                  # measure (about 10 minutes), draw, print the table
    python tools/nstep_scaling.py --from FILE      # draw and print from a saved --json FILE
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIZES = (50, 100, 200, 300, 400, 500)
CAP = 120.0
STYLE = {"default": ("-", "o"), "lowrank": ("--", "^")}
COLOURS = {"ef": "tab:blue", "ef21": "tab:green", "cgd": "tab:purple"}


def _points(rows: list[dict], key: str) -> tuple[list[int], list[float]]:
    found = [(row["N"], row[key]) for row in rows if isinstance(row.get(key), (int, float))]
    return [n for n, _ in found], [abs(v) if key == "relative_error" else v for _, v in found]


def draw(report: dict, path: Path, load: str) -> None:
    from pepcert.plotting import DPI, new_figure

    figure = new_figure(14, 4.2)
    time_axes, memory_axes, accuracy_axes = figure.subplots(1, 3)
    for name, series in report["methods"].items():
        for solver, rows in series.items():
            line, marker = STYLE[solver]
            label = f"{name.upper()} ({'chordal, the default' if solver == 'default' else 'low-rank'})"
            style = {"color": COLOURS[name], "linestyle": line, "marker": marker}
            time_axes.plot(*_points(rows, "seconds"), label=label, **style)
            memory_axes.plot(*_points(rows, "peak_mb"), label=label, **style)
            if solver == "default":
                accuracy_axes.semilogy(*_points(rows, "tolerance"), label=f"{name.upper()} tolerance stated", **style)
                accuracy_axes.semilogy(*_points(rows, "relative_error"), color=COLOURS[name], linestyle=":",
                                       marker="s", label=f"{name.upper()} |value/rho*^N - 1|")
    time_axes.axhline(60, color="0.5", linewidth=0.8)
    for axes, title in ((time_axes, "time (s, fresh interpreter; line: 60 s)"),
                        (memory_axes, "peak memory (MB, whole process)"), (accuracy_axes, "accuracy")):
        axes.set_title(title)
        axes.set_xlabel("N")
        axes.legend(fontsize=7)
    figure.suptitle(f"Lyapunov worst cases at optimal steps (mu = 0.1, L = 1, delta = 1/2); 2 cores, {load}; "
                    f"low-rank capped at {CAP:g} s", fontsize=9)
    figure.savefig(path, format="png", dpi=DPI)


def _cell(run: dict) -> str:
    if "seconds" not in run:
        if "not_run" in run:  # "> CAP s" where it ran past the cap, "> CAP s at N = M" after
            return "not run" if " at N" in run["not_run"] else f"past {CAP:g} s"
        return "failed"  # the reason is in the --json report
    text = f"{run['seconds']:.1f} s, $10^{{{round(math.log10(run['tolerance']))}}}$"
    return text + (f", {run['peak_mb']:.0f} MB" if "peak_mb" in run else "")


def table(report: dict) -> list[str]:
    names = list(report["methods"])
    head = "| N | " + " | ".join(f"{n.upper()} chordal | {n.upper()} low-rank" for n in names) + " |"
    lines = [head, "|---" * (1 + 2 * len(names)) + "|"]
    for k, N in enumerate(report["sizes"]):
        cells = []
        for n in names:
            cells += [_cell(report["methods"][n]["default"][k]), _cell(report["methods"][n]["lowrank"][k])]
        lines.append(f"| {N} | " + " | ".join(cells) + " |")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="source", type=Path, help="a report saved by --json")
    parser.add_argument("--json", type=Path, help="also save the measured report here")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "nstep-scaling.png", help="the figure's path")
    arguments = parser.parse_args(argv)
    if arguments.source is not None:
        report = json.loads(arguments.source.read_text())
    else:
        from pepcert.cli.bench_jobs import run_child
        from pepcert.papers.ttd25.nstep_bench import bench_nstep

        start = os.getloadavg()[0]
        report = bench_nstep(run_child, CAP, sizes=SIZES)
        report.update(sizes=list(SIZES), load=f"load average {start:.1f} to {os.getloadavg()[0]:.1f} (1 min)")
        if arguments.json is not None:
            arguments.json.write_text(json.dumps(report, indent=1))
    draw(report, arguments.out, report.get("load", ""))
    print("\n".join(table(report)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
