"""``pepcert bench --markdown``: the headline figures of one run as one Markdown table, each
speed figure beside its baseline and the ratio baseline / pepcert, then the machine's load.

Every cell is read defensively (:mod:`pepcert.cli.bench_report`): what the run did not measure
is "not measured". The method names come from the papers' workload data.
"""

from __future__ import annotations

from typing import Any

from pepcert.cli.bench_report import (
    NOT_MEASURED,
    RATE_BASELINES,
    WORST_CASE_BASELINES,
    cap_of,
    faster,
    get,
    load,
    mapping,
    millis,
    number,
    ratio,
    records,
    rows_of_steps,
    run_cell,
    seconds,
    versions,
    worst_case_rows,
)

HEADER = ("what", "pepcert", "baseline", "pepcert against it")

Row = tuple[str, str, str, str]


def markdown(report: dict, settings: dict | None = None) -> str:
    """The table, a blank line and one paragraph: how the run was made and the load."""
    rows: list[Row] = []
    for section in (_startup, _rate, _worst_cases, _clarabel_parity, _sublinear, _nstep, _throughput, _agents, _saq, _muon):
        rows.extend(section(report))
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(_escape(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines) + "\n\n" + _footer(report, settings or {}) + "\n"


def _escape(cell: str) -> str:
    return cell.replace("|", "\\|").replace("\n", " ") or " "


def _footer(report: dict, settings: dict) -> str:
    """When, where and how the run was made: date, processor, the run's options, the load, the versions."""
    host = mapping(get(report, "host"))
    when = ""
    if host:
        where = ", ".join(str(host[key]) for key in ("cpu", "system") if host.get(key))
        when = f" on {host.get('date', 'an unrecorded date')}" + (f" ({where})" if where else "")
    how = "one run of `pepcert bench" + (" --quick" if settings.get("quick") else "") + "`"
    if number(settings.get("cap")) is not None:
        how += f" (worst cases stopped at {settings['cap']:g} s)"
    text = (f"Measured{when} in {how}, every timing a median of wall times and every worst case in a fresh "
            f"interpreter; load average {load(get(report, 'machine'))} at the start, "
            f"{load(get(report, 'machine_after')).split(' on ')[0]} at the end.")
    return text + (f" {versions(report)}." if versions(report) else "")


def _startup(report: dict) -> list[Row]:
    from pepcert.papers.ttd25.bench import WORST_CASE_METHOD

    s = mapping(get(report, "startup"))
    floor, version, rate = s.get("python_seconds"), s.get("version_seconds"), s.get("rate_seconds")
    eager = s.get("eager_import_seconds")
    return [
        ("start-up: `pepcert --version`", seconds(version, 3), f"`python -c pass`: {seconds(floor, 3)}",
         faster(floor, version)),
        ("", "", f"importing the dependencies (sympy, scipy, cvxpy) eagerly: {seconds(eager, 3)}", faster(eager, version)),
        (f"`pepcert rate --method {WORST_CASE_METHOD} ... --eta 0.2` end to end", seconds(rate, 3),
         f"`python -c pass`: {seconds(floor, 3)}", faster(floor, rate)),
    ]


def _rate(report: dict) -> list[Row]:
    r = mapping(get(report, "rate"))
    ours = r.get("pepcert_median_ms")
    cpu = number(r.get("pepcert_median_cpu_ms"))
    cell = millis(ours) + ("" if cpu is None else f" (CPU {cpu:.2f} ms)")
    rows = []
    for index, (key, label) in enumerate(RATE_BASELINES):
        what = f"one tight rate to 1e-9, median of {r.get('settings', '?')} settings" if index == 0 else ""
        rows.append((what, cell if index == 0 else "", f"{label}: {millis(r.get(key), 1)}", faster(r.get(key), ours)))
    return rows


def _worst_cases(report: dict) -> list[Row]:
    from pepcert.papers.ttd25 import bench

    name = bench.label([bench.WORST_CASE_METHOD])
    rows: list[Row] = []
    for N, series in worst_case_rows(report).items():
        ours = series.get("pepcert_lowrank")
        if ours is None:
            continue
        what, cell = f"{name} worst case, N = {N} (rel. error to rho*^N)", run_cell(ours)
        baselines: list[tuple[str, Any]] = [(label, series[key]) for key, label in WORST_CASE_BASELINES if key in series]
        pepit = get(report, "worst_case", "pepit")
        if isinstance(pepit, str):  # PEPit skipped or not installed: say so in its place
            baselines.insert(0, ("PEPit", pepit))
        reasons = {str(run.get("not_run")) for _, run in baselines if isinstance(run, dict) and "not_run" in run}
        if len(baselines) > 1 and len(reasons) == 1 and all(isinstance(run, dict) and "not_run" in run for _, run in baselines):
            reason = reasons.pop()
            rows.append((what, cell, f"{', '.join(label for label, _ in baselines)}: not run ({reason})",
                         _capped(cap_of(reason), ours)))
            continue
        for index, (label, run) in enumerate(baselines or [("PEPit", NOT_MEASURED)]):
            rows.append((what if index == 0 else "", cell if index == 0 else "",
                         f"{label}: {run if isinstance(run, str) else run_cell(run)}", _run_ratio(run, ours)))
    if not rows:
        rows.append((f"{name} N-step worst cases", NOT_MEASURED, "PEPit + Clarabel, PEPit + SCS", ""))
    return rows


def _clarabel_parity(report: dict) -> list[Row]:
    """pepcert's own Clarabel path against PEPit's model solved by the same Clarabel, at each N
    both ran (same problem, same solver; the time and the error of each)."""
    from pepcert.papers.ttd25 import bench

    name = bench.label([bench.WORST_CASE_METHOD])
    rows: list[Row] = []
    for N, series in worst_case_rows(report).items():
        ours, theirs = series.get("pepcert_clarabel"), series.get("pepit_clarabel")
        if not (isinstance(ours, dict) and isinstance(theirs, dict)) or "seconds" not in ours:
            continue
        rows.append((f"{name} worst case on Clarabel, N = {N}: pepcert's path", run_cell(ours),
                     f"PEPit + Clarabel: {run_cell(theirs)}", _run_ratio(theirs, ours)))
    return rows


def _run_ratio(run: Any, ours: dict) -> str:
    """baseline / pepcert for two runs; ``> x`` when the baseline hit the cap."""
    if not isinstance(run, dict):
        return ""
    if "not_run" in run:
        return _capped(cap_of(run["not_run"]), ours)
    return faster(run.get("seconds"), ours.get("seconds"))


def _capped(cap: float | None, ours: dict) -> str:
    """A baseline stopped at ``cap`` seconds: pepcert is more than cap / its time faster."""
    found = ratio(cap, ours.get("seconds"))
    return f"> {found} faster" if cap and found and cap >= ours["seconds"] else ""


def _sublinear(report: dict) -> list[Row]:
    from pepcert.papers.sublinear_bench import SHORT_LABELS

    rows: list[Row] = []
    parts = get(report, "sublinear")
    for name, part in (parts.items() if isinstance(parts, dict) else ()):
        for row in records(get(part, "rows")):
            if not isinstance(row, dict):
                continue
            ours, theirs = row.get("pepcert"), row.get("pepit")
            difference = number(row.get("relative_difference"))
            baseline = "PEPit + Clarabel: " + run_cell(theirs)
            if difference is not None:
                baseline += f"; pepcert / PEPit - 1 = {difference:+.1e}"
            if number(row.get("relative_error_drori_teboulle")) is not None:
                baseline += f"; pepcert against Drori & Teboulle's L/(4N + 2): {row['relative_error_drori_teboulle']:+.1e}"
            if number(row.get("relative_error_closed_form")) is not None:
                baseline += f"; pepcert against 4L/(3N + 2): {row['relative_error_closed_form']:+.1e}"
            rows.append((f"{SHORT_LABELS.get(name, name)}, N = {row.get('N', '?')}", run_cell(ours), baseline,
                         _run_ratio(theirs, ours) if isinstance(ours, dict) else ""))
    return rows or [("worst cases no scaling instance closes", NOT_MEASURED, "PEPit + Clarabel", "")]


def _nstep(report: dict) -> list[Row]:
    """Section (i): the Lyapunov worst cases at scale beside the low-rank method."""
    rows: list[Row] = []
    methods = get(report, "nstep", "methods")
    for name, series in (methods.items() if isinstance(methods, dict) else ()):
        if not isinstance(series, dict):
            continue
        for ours, theirs in zip(records(series.get("default")), records(series.get("lowrank"))):
            if isinstance(ours, dict) and isinstance(theirs, dict):
                rows.append((f"{name.upper()} Lyapunov worst case, N = {ours.get('N', '?')}", run_cell(ours),
                             "pepcert's low-rank method: " + run_cell(theirs), _run_ratio(theirs, ours)))
    return rows or [("Lyapunov worst cases at N = 100 to 500", NOT_MEASURED, "pepcert's low-rank method", "")]


def _throughput(report: dict) -> list[Row]:
    t, r = mapping(get(report, "throughput")), mapping(get(report, "rate"))
    per_second = number(t.get("rates_per_second"))
    what = f"throughput: {t.get('rates', '?')} tight rates{rows_of_steps(t)}, extrapolated to Fig. 1's 120,000 (Thomsen et al. 2025)"
    if per_second is None:
        return [(what, NOT_MEASURED, "", "")]
    minutes = 120_000 / per_second / 60
    ours = f"{per_second:.0f} rates/s: {minutes:.1f} min"
    rows: list[Row] = []
    for key, label in RATE_BASELINES[1:]:
        base = number(r.get(key))
        if base is not None:
            theirs = 120_000 * base / 1000 / 60
            rows.append(("" if rows else what, "" if rows else ours, f"{label}, at its median: {theirs:.0f} min",
                         faster(theirs, minutes)))
    return (rows or [(what, ours, NOT_MEASURED, "")]) + _figure(report)


def _figure(report: dict) -> list[Row]:
    """The whole Fig. 1, measured (``bench_jobs.bench_figure``), beside the throughput row's
    extrapolation of the same rates in one process."""
    f = mapping(get(report, "figure"))
    if not f:
        return []
    what = f"Fig. 1 whole: `pepcert reproduce ttd25-fig1 --grid 200 --no-cache --workers {f.get('workers', '?')}`"
    if number(f.get("seconds")) is None:
        return [(what, str(f.get("not_run") or f.get("error") or NOT_MEASURED), "", "")]
    checks = mapping(f.get("checks"))
    ours = (f"{seconds(f['seconds'], 1)} ({f.get('analyses', '?')} analyses, "
            f"{checks.get('failed_points', '?'):g} failed, {checks.get('not_tight_rho_lt_1', '?'):g} not tight)"
            if checks else seconds(f["seconds"], 1))
    per_second = number(mapping(get(report, "throughput")).get("rates_per_second"))
    if per_second is None:
        return [(what, ours, "", "")]
    extrapolated = 120_000 / per_second
    return [(what, ours, f"the throughput row, one process, extrapolated: {seconds(extrapolated, 1)}",
             faster(extrapolated, f["seconds"]))]


def _agents(report: dict) -> list[Row]:
    rows = [row for row in records(get(report, "agents")) if number(row.get("median_ms")) is not None]
    by_n: dict[Any, list[dict]] = {}
    for row in rows:
        by_n.setdefault(row.get("agents", "?"), []).append(row)
    out: list[Row] = []
    for n, group in by_n.items():
        times = [row["median_ms"] for row in group]
        methods = ", ".join(dict.fromkeys(str(row.get("method", "?")).upper() for row in group))
        families = " and ".join(dict.fromkeys(str(row.get("family", "?")) for row in group))
        tight = sum(1 for row in group if row.get("tight"))
        span = millis(min(times), 1) if min(times) == max(times) else f"{min(times):.1f}-{max(times):.1f} ms"
        out.append((f"tight rate, {n} agents ({methods}; {families} family)", f"{span}, {tight} of {len(group)} tight",
                    "", ""))
    from pepcert.cli.bench_agents import scaling_rows_markdown

    out += scaling_rows_markdown(report)
    return out or [("n-agent tight rates", NOT_MEASURED, "", "")]


def _saq(report: dict) -> list[Row]:
    s = mapping(get(report, "saq"))
    what = f"saq: 4 methods x {s.get('iterations', '?')} iterations x {s.get('workers', '?')} workers"
    total = number(s.get("total_seconds"))
    if total is None:
        return [(what, NOT_MEASURED, "", "")]
    steps = [run["seconds"] / s["iterations"] for run in records(s.get("runs"))
             if number(run.get("seconds")) is not None and number(s.get("iterations"))]
    per_step = f" ({1e6 * min(steps):.0f}-{1e6 * max(steps):.0f} us a step)" if steps else ""
    return [(what, seconds(total) + per_step, "", "")]


def _muon(report: dict) -> list[Row]:
    m = mapping(get(report, "muon"))
    c, b = mapping(m.get("certify")), mapping(m.get("baseline"))
    T = m.get("iterations")
    what = f"Muon exact replay, T = {T:,}" if isinstance(T, int) else "Muon exact replay"
    if number(c.get("seconds")) is None:
        ours = str(c.get("not_run") or c.get("error") or NOT_MEASURED)
    else:
        ours = f"{seconds(c['seconds'])} ({seconds(c.get('cpu_seconds'))} CPU"
        ours += f", {c['peak_mb']:.0f} MB" if number(c.get("peak_mb")) is not None else ""
        ours += ", certified)" if c.get("certified") else ", NOT certified)"
    rational, balls = number(b.get("rational_cpu")), number(b.get("enclosure_cpu"))
    if rational is None or balls is None:
        return [(what, ours, f"exact Fractions: {b.get('not_run') or b.get('error') or NOT_MEASURED}", "")]
    at = m.get("baseline_iterations")
    at = f" at T = {at:,}" if isinstance(at, int) else ""
    return [(what, ours, f"the same replay on exact Fractions{at}: {seconds(rational)} CPU against {seconds(balls)} "
             "on balls", faster(rational, balls))]
