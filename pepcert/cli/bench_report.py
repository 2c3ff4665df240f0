"""How ``pepcert bench`` shows its report: the text of every figure beside its baseline, and
(``--markdown``) one Markdown table of the headline figures with the machine's load.

Both read the report defensively: a figure the run did not measure (an older or a partial
report, a baseline that is not installed) prints "not measured", never a traceback. The
method names come from the papers' workload data (:mod:`pepcert.papers.ttd25.bench`,
:mod:`pepcert.papers.sublinear_bench`), not from this module.
"""

from __future__ import annotations

import re
from typing import Any

NOT_MEASURED = "not measured"

#: The worst-case series after pepcert's own (the default, low-rank from 8 steps on): the
#: baselines, in the order they are shown.
WORST_CASE_BASELINES = (("pepit_clarabel", "PEPit + Clarabel"), ("pepit_scs", "PEPit + SCS"),
                        ("pepcert_clarabel", "pepcert on Clarabel"))

#: The one-step rate's baselines: (report key in milliseconds, label).
RATE_BASELINES = (("bare_solver_median_ms", "one bare Clarabel solve of the same conic problem"),
                  ("cvxpy_compiled_median_ms", "cvxpy compiled once (parameters updated), bisection to 1e-6"),
                  ("cvxpy_bisection_median_ms", "cvxpy rebuilt at every bisection step, to 1e-6"))
#: Their short names in the text report.
RATE_BASELINE_SHORT = {"bare_solver_median_ms": "bare Clarabel solve, same problem",
                       "cvxpy_compiled_median_ms": "cvxpy compiled once, bisection",
                       "cvxpy_bisection_median_ms": "cvxpy rebuilt each bisection step"}


# -- reading the report ----------------------------------------------------------------------


def get(report: Any, *path) -> Any:
    """``report[path[0]][path[1]]...``, or ``None`` where a key (or a level) is missing."""
    for key in path:
        if not isinstance(report, dict) or key not in report:
            return None
        report = report[key]
    return report


def mapping(value: Any) -> dict:
    """``value`` if it is a dict, else ``{}`` (a section the run did not measure)."""
    return value if isinstance(value, dict) else {}


def records(value: Any) -> list[dict]:
    """The dicts of ``value`` if it is a list (rows of a table), else ``[]``."""
    return [row for row in value if isinstance(row, dict)] if isinstance(value, list) else []


def number(value: Any) -> float | None:
    """``value`` as a float if it is a number (not a bool), else ``None``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def rows_of_steps(throughput: dict) -> str:
    """`` (15 rows of 200 steps)``: the shape of the throughput figure's work ("" when a report lacks it)."""
    rows, steps = number(throughput.get("rows")), number(throughput.get("steps"))
    return "" if rows is None or steps is None else f" ({rows:g} rows of {steps:g} steps)"


def seconds(value: Any, digits: int = 2) -> str:
    """``0.25 s`` (``digits`` decimals), ``34 ms`` below a tenth of a second; "not measured"
    if not a number."""
    x = number(value)
    if x is None:
        return NOT_MEASURED
    if x < 0.1:
        return f"{1000 * x:.{1 if x < 0.01 else 0}f} ms"
    return f"{x:.{digits}f} s"


def millis(value: Any, digits: int = 2) -> str:
    x = number(value)
    return NOT_MEASURED if x is None else f"{x:.{digits}f} ms"


def ratio(baseline: Any, ours: Any) -> str:
    """``baseline / ours`` as ``12x`` (``1.8x`` below 10), ``""`` when either is missing."""
    b, o = number(baseline), number(ours)
    if b is None or o is None or o <= 0 or b <= 0:
        return ""
    value = b / o
    return f"{value:.0f}x" if value >= 10 else f"{value:.1f}x"


def faster(baseline: Any, ours: Any) -> str:
    """pepcert against a baseline time: ``116x faster`` or ``1.1x slower``; ``""`` if either is
    missing."""
    if not ratio(baseline, ours):
        return ""
    b, o = float(baseline), float(ours)
    return f"{ratio(b, o)} faster" if b >= o else f"{ratio(o, b)} slower"


def cap_of(text: Any) -> float | None:
    """The cap of a "not run (> 60 s ...)" reason, in seconds."""
    match = re.search(r">\s*([0-9.]+)\s*s\b", str(text))
    return float(match.group(1)) if match else None


def load(machine: Any) -> str:
    """The 1-minute load average and the cores of a ``machine`` line (the line itself if it is
    not of that form)."""
    if not isinstance(machine, str):
        return NOT_MEASURED
    match = re.match(r"load average ([0-9.]+), [0-9.]+, [0-9.]+ \(1, 5, 15 min\) on (\d+) cores", machine)
    return f"{match.group(1)} (1 min) on {match.group(2)} cores" if match else machine


def run_cell(run: Any, relative: str = "relative_error") -> str:
    """One fresh-interpreter run: time, accuracy, memory; or why it did not run."""
    if not isinstance(run, dict):
        return NOT_MEASURED
    if "not_run" in run:
        return f"not run ({run['not_run']})"
    if "error" in run:
        return f"failed: {run['error']}"
    text = seconds(run.get("seconds"))
    notes = []
    if number(run.get(relative)) is not None:
        notes.append(f"rel. error {run[relative]:+.1e}")
    if number(run.get("tolerance")) is not None:
        notes.append(f"tolerance {run['tolerance']:.0e}")
    if number(run.get("peak_mb")) is not None:
        notes.append(f"{run['peak_mb']:.0f} MB")
    return text + (f" ({', '.join(notes)})" if notes else "")


def worst_case_rows(report: dict) -> dict[Any, dict[str, dict]]:
    """``{N: {series key: row}}`` of the N-step worst cases, in the order measured."""
    table: dict[Any, dict[str, dict]] = {}
    for key, rows in (mapping(get(report, "worst_case"))).items():
        if isinstance(rows, list):
            for row in rows:
                if isinstance(row, dict) and "N" in row:
                    table.setdefault(row["N"], {})[key] = row
    return table


def versions(report: dict) -> str:
    found = get(report, "versions")
    if not isinstance(found, dict) or not found:
        return ""
    return ", ".join(f"{name} {version}" for name, version in found.items())


# -- the text report -------------------------------------------------------------------------


def text(report: dict) -> list[str]:
    """Every figure of ``report`` beside its baseline, one section a letter, as printed by
    ``pepcert bench``."""
    lines = [f"machine: {get(report, 'machine') or NOT_MEASURED}"]
    host = mapping(get(report, "host"))
    if host:
        lines.append("run: " + ", ".join(f"{key} {value}" for key, value in host.items()))
    if versions(report):
        lines.append(f"versions: {versions(report)}")
    for section in (startup_lines, rate_lines, worst_case_lines, throughput_lines, agents_lines, saq_lines, muon_lines,
                    sublinear_lines, nstep_lines):
        lines.extend(section(report))
    lines.append(f"machine after: {get(report, 'machine_after') or NOT_MEASURED}")
    return lines


def _line(label: str, value: str, note: str = "") -> str:
    return f"    {label:<46} {value}" + (f"   ({note})" if note else "")


def startup_lines(report: dict) -> list[str]:
    from pepcert.papers.ttd25.bench import WORST_CASE_METHOD

    s = mapping(get(report, "startup"))
    floor, version = s.get("python_seconds"), s.get("version_seconds")
    eager = s.get("eager_import_seconds")
    return [
        "(a) start-up, median wall time of a fresh interpreter (sys.executable, no PATH shim)",
        _line("python -c pass (the floor)", seconds(floor, 3)),
        _line("python -m pepcert --version", seconds(version, 3), faster(floor, version)),
        _line(f"pepcert rate --method {WORST_CASE_METHOD} ... --eta 0.2", seconds(s.get("rate_seconds"), 3),
              faster(floor, s.get("rate_seconds"))),
        _line("baseline: importing every dependency eagerly", seconds(eager, 3),
              ratio(eager, version) and f"--version is {faster(eager, version)}"),
    ]


def rate_lines(report: dict) -> list[str]:
    from pepcert.cli.bench_rates import format_tight_rates
    from pepcert.papers.ttd25 import bench

    r = mapping(get(report, "rate"))
    ours = r.get("pepcert_median_ms")
    head = (f"(b) one tight rate, median over {r.get('settings', '?')} settings ({bench.label(bench.RATE_METHODS)} at eta = "
            f"{', '.join(map(str, bench.RATE_STEPS))}; mu = 0.1, L = 1, delta = 0.5)")
    cpu = number(r.get("pepcert_median_cpu_ms"))
    lines = [head, _line("pepcert tight_rate to 1e-9", millis(ours), "" if cpu is None else f"CPU {cpu:.2f} ms")]
    for key, _ in RATE_BASELINES:
        value = r.get(key)
        lines.append(_line(f"baseline: {RATE_BASELINE_SHORT[key]}", millis(value, 1), faster(value, ours)))
    if number(r.get("speedup_median")) is not None:
        lines.append(_line("median of the ratios to the rebuilt cvxpy", f"{r['speedup_median']:.1f}x"))
    if number(r.get("max_disagreement")) is not None:
        lines.append(_line("largest disagreement with a cvxpy baseline", f"{r['max_disagreement']:.1e}"))
    return lines + format_tight_rates(report)


def worst_case_lines(report: dict) -> list[str]:
    from pepcert.papers.ttd25 import bench

    wc = get(report, "worst_case")
    lines = [f"(c) {bench.label([bench.WORST_CASE_METHOD])} N-step worst case (mu = 0.1, L = 1, delta = 0.5, eta*), "
             "fresh interpreter each, rel. error against rho*^N"]
    if not isinstance(wc, dict):
        return [*lines, f"    {NOT_MEASURED}"]
    labels = dict((("pepcert_lowrank", "pepcert (default)"), *WORST_CASE_BASELINES))
    for key, rows in wc.items():
        if isinstance(rows, list):
            for row in rows:
                N = row.get("N", "?") if isinstance(row, dict) else "?"
                lines.append(f"    {labels.get(key, key):<22} N = {N!s:<4} {run_cell(row)}")
        elif isinstance(rows, str):
            lines.append(f"    {rows}")
    return lines


def throughput_lines(report: dict) -> list[str]:
    from pepcert.papers.ttd25 import bench

    t, r = mapping(get(report, "throughput")), mapping(get(report, "rate"))
    per_second = number(t.get("rates_per_second"))
    head = (f"(d) Fig. 1 throughput: tight rates of {bench.label(bench.THROUGHPUT_METHODS)}, rows of the figure's "
            f"steps at values of 1 - delta")
    if per_second is None:
        return [head, f"    {NOT_MEASURED}"]
    lines = [head, f"    {t.get('rates', '?')} rates{rows_of_steps(t)} in {seconds(t.get('seconds'))}: {per_second:.0f} rates/s; "
                   f"EXTRAPOLATED to 120,000 rates: {120_000 / per_second / 60:.1f} min ({t.get('failures', '?')} solver failures)"]
    for key, label in RATE_BASELINES[1:]:
        if number(r.get(key)) is not None:
            minutes = 120_000 * r[key] / 1000 / 60
            lines.append(f"    baseline EXTRAPOLATED: {label}, at its median: {minutes:.0f} min")
    f = mapping(get(report, "figure"))
    if number(f.get("seconds")) is not None:
        lines.append(f"    the whole figure MEASURED (reproduce ttd25-fig1 --grid 200, {f.get('workers', '?')} workers, "
                     f"no cache): {seconds(f['seconds'], 1)}")
    return lines


def agents_lines(report: dict) -> list[str]:
    rows = records(get(report, "agents"))
    lines = ["(e) n-agent tight rates (mu = 0.1, L = 1, delta = 1/2, eta*)"]
    if not rows:
        return [*lines, f"    {NOT_MEASURED}"]
    for row in rows:
        rho = number(row.get("rho"))
        lines.append(f"    {row.get('agents', '?')} agents {str(row.get('method', '?')).upper():<5} {row.get('family', '')!s:<6} "
                     f"{millis(row.get('median_ms'), 1):>10}" + ("" if rho is None else f"  rho {rho:.12f}")
                     + ("  (not tight)" if row.get("tight") is False else ""))
    from pepcert.cli.bench_agents import scaling_lines

    return lines + scaling_lines(report)


def saq_lines(report: dict) -> list[str]:
    s = mapping(get(report, "saq"))
    head = (f"(f) smoothness-aware compression: 4 methods x {s.get('iterations', '?')} iterations x "
            f"{s.get('workers', '?')} workers, builtin:breast-cancer, dithering s = 1")
    if number(s.get("total_seconds")) is None:
        return [head, f"    {NOT_MEASURED}"]
    lines = [head, f"    {seconds(s['total_seconds'])} in all (data and x* {seconds(s.get('setup_seconds'))})"]
    iterations = number(s.get("iterations"))
    for row in records(s.get("runs")):
        step = "" if iterations is None or number(row.get("seconds")) is None else \
            f"  {1e6 * row['seconds'] / iterations:6.1f} us/step"
        error = "" if number(row.get("final_error")) is None else f"  final error {row['final_error']:.3e}"
        lines.append(f"    {row.get('method', '?')!s:<7} {seconds(row.get('seconds')):>8}{step}{error}")
    return lines


def muon_lines(report: dict) -> list[str]:
    m = mapping(get(report, "muon"))
    c, b = mapping(m.get("certify")), mapping(m.get("baseline"))
    T = m.get("iterations")
    lines = [f"(g) Muon exact replay: certify_muon(beta = 0.99, 1/sqrt(t+1), T = {T:,}), fresh interpreter"
             if isinstance(T, int) else "(g) Muon exact replay"]
    if number(c.get("seconds")) is not None:
        peak, bound = number(c.get("peak_mb")), number(c.get("lower_bound"))
        lines.append(f"    Arb balls            {seconds(c['seconds'])} wall, {seconds(c.get('cpu_seconds'))} CPU, "
                     + ("" if peak is None else f"peak {peak:.0f} MB, ") + f"certified {c.get('certified')}"
                     + ("" if bound is None else f" (lower bound {bound:.6f})"))
    else:
        lines.append(f"    Arb balls            {c.get('not_run') or c.get('error') or NOT_MEASURED}")
    if number(b.get("rational_cpu")) is not None and number(b.get("enclosure_cpu")) is not None:
        bits = b.get("denominator_bits")
        lines.append(f"    baseline at T = {m.get('baseline_iterations', '?')} (beta = 0.99, step 1/10, all rational): "
                     f"exact Fractions {seconds(b['rational_cpu'])} CPU ({bits}-bit denominators) "
                     f"against balls {seconds(b['enclosure_cpu'])}: balls {faster(b['rational_cpu'], b['enclosure_cpu'])}")
    else:
        lines.append(f"    baseline             {b.get('not_run') or b.get('error') or NOT_MEASURED}")
    return lines


def sublinear_lines(report: dict) -> list[str]:
    from pepcert.papers.sublinear_bench import LABELS

    lines = ["(h) worst cases no scaling instance closes, fresh interpreter each, beside PEPit + Clarabel"]
    parts = get(report, "sublinear")
    if not isinstance(parts, dict) or not parts:
        return [*lines, f"    {NOT_MEASURED}"]
    for name, part in parts.items():
        lines.append(f"    {LABELS.get(name, name)}")
        for row in records(get(part, "rows")):
            lines.append(f"      N = {row.get('N', '?')!s:<4} pepcert {run_cell(row.get('pepcert'))}")
            lines.append(f"               PEPit   {run_cell(row.get('pepit'))}")
            if number(row.get("relative_difference")) is not None:
                lines.append(f"               pepcert / PEPit - 1 = {row['relative_difference']:+.1e}")
            if number(row.get("relative_error_drori_teboulle")) is not None:
                lines.append(f"               pepcert against L/(4N + 2): {row['relative_error_drori_teboulle']:+.1e}")
            if number(row.get("relative_error_closed_form")) is not None:
                lines.append(f"               pepcert against 4L/(3N + 2): {row['relative_error_closed_form']:+.1e}")
    return lines


def nstep_lines(report: dict) -> list[str]:
    from pepcert.papers.ttd25.nstep_bench import format_nstep

    part = get(report, "nstep")
    if not isinstance(part, dict) or not isinstance(part.get("methods"), dict):
        return ["(i) N-step worst cases at scale", f"    {NOT_MEASURED}"]
    return format_nstep(report)
