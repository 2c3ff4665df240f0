"""``pepcert bench`` figures for worst cases that no scaling instance closes (classes without a
linear rate, and measures whose worst case no scaling instance attains), each run in a fresh
interpreter beside PEPit + Clarabel on the same problem (``tests/pepit_models.py`` of a source
checkout), stopped at ``--cap`` seconds:

* EF21 on L-smooth nonconvex functions, ``min_k ||grad f(x_k)||^2`` from ``f(x_0) - f* <= 1``,
  at the EF21 theorem's step, ``delta = 1/2``, N = 20, 50 and 200 (goal: N = 200 under 60 s,
  within 1e-6 of PEPit where PEPit finishes);
* gradient descent at step ``1/L`` on the same functions and measure, N = 50, 200 and 500,
  beside ``4 L (f(x_0) - f*) / (3N + 2)`` (the full problem's value at N = 1..12, to 3e-10:
  ``tests/pep/test_chordal_sublinear.py``);
* gradient descent on L-smooth convex functions, ``f(x_N) - f*`` from ``||x_0 - x*||^2 <= 1``,
  step ``1/L``, N = 50 and 100 (goal: N = 100 under 10 s), beside Drori & Teboulle's
  ``L/(4N + 2)``;
* EF at its optimal step on L-smooth mu-strongly convex functions (``mu = 0.1``, ``delta =
  1/2``), ``||x_N - x*||^2 + ||e_N||^2`` from the same at the start (``e_0`` free), N = 20, 30
  and 40: the best scaling instance is 46 % below this worst case, so the low-rank method's
  constraint generation answers (docs/worst-case.md; goal: N = 200 under 60 s).

PEPit runs up to :data:`PEPIT_UNTIL` steps (beyond, its dense problem is out of reach).
"""

from __future__ import annotations

GOALS = {"ef21-nonconvex": (200, 60.0), "gd-nonconvex": (500, 60.0), "gd-convex": (100, 10.0),
         "ef-distance": (200, 60.0)}
PEPIT_UNTIL = 50

_OURS = """
import json, time
from pepcert.papers.theorems.sublinear import ef21_theorem_step, gradient_descent
from pepcert.pep import Contractive, ProblemClass, SmoothStronglyConvex, worst_case
from pepcert.pep.algorithms import BUILTIN_METHODS
from pepcert.pep.functions import smooth_convex, smooth_nonconvex
begin = "declared"
if {name!r} == "ef21-nonconvex":
    method = BUILTIN_METHODS["ef21"](ef21_theorem_step(1.0, 0.5))
    classes, measure, initial = ProblemClass(smooth_nonconvex(1.0), Contractive(0.5)), "min-gradient", "function"
elif {name!r} == "gd-nonconvex":
    method, classes, measure, initial = gradient_descent(1.0), ProblemClass(smooth_nonconvex(1.0)), "min-gradient", "function"
elif {name!r} == "ef-distance":
    from pepcert.papers.ttd25.closed_forms import optimal_step
    method = BUILTIN_METHODS["ef"](float(optimal_step("ef", 0.1, 1.0, 0.5)))
    classes, measure, initial = ProblemClass(SmoothStronglyConvex(0.1, 1.0), Contractive(0.5)), "distance", "distance"
    begin = "free"
else:
    method, classes, measure, initial = gradient_descent(1.0), ProblemClass(smooth_convex(1.0)), "function", "distance"
start = time.perf_counter()
result = worst_case(method, classes, {N}, measure=measure, initial=initial, start=begin)
seconds = time.perf_counter() - start
from pepcert.pep.budget import peak_resident_mb
peak = peak_resident_mb()
print(json.dumps({{"seconds": seconds, "value": result.value, "tolerance": result.tolerance, "solver": result.solver,
                  "source": result.tolerance_source, "peak_mb": peak}}))
"""

_PEPIT = """
import json, time
from pepcert.papers.theorems.sublinear import ef21_theorem_step
from pepit_models import pepit_sublinear
start = time.perf_counter()
if {name!r} == "ef21-nonconvex":
    value = pepit_sublinear("ef21", 1.0, 0.5, ef21_theorem_step(1.0, 0.5), {N}, convex=False)
elif {name!r} == "gd-nonconvex":
    value = pepit_sublinear("gd", 1.0, 1.0, 1.0, {N}, convex=False)
elif {name!r} == "ef-distance":
    from pepcert.papers.ttd25.closed_forms import optimal_step
    from pepit_models import pepit_ef_distance
    value = pepit_ef_distance(0.1, 1.0, 0.5, float(optimal_step("ef", 0.1, 1.0, 0.5)), {N}, solver="clarabel")
else:
    value = pepit_sublinear("gd", 1.0, 1.0, 1.0, {N}, convex=True)
print(json.dumps({{"seconds": time.perf_counter() - start, "value": value}}))
"""

SIZES = {"ef21-nonconvex": (20, 50, 200), "gd-nonconvex": (50, 200, 500), "gd-convex": (50, 100),
         "ef-distance": (20, 30, 40)}

#: How ``pepcert bench`` names each problem (``pepcert/cli/bench_report.py``), in full and in
#: its Markdown table.
LABELS = {"ef21-nonconvex": "EF21, nonconvex, min ||grad f||^2 from f(x0) - f* <= 1, delta = 1/2",
          "gd-nonconvex": "gradient descent, nonconvex, min ||grad f||^2 from f(x0) - f* <= 1, step 1/L",
          "gd-convex": "gradient descent, convex, f(x_N) - f* from ||x0 - x*||^2 <= 1, step 1/L",
          "ef-distance": "EF, strongly convex (mu = 0.1), ||x_N - x*||^2 + ||e_N||^2 from the same <= 1, optimal step"}
SHORT_LABELS = {"ef21-nonconvex": "EF21 nonconvex worst case (min ||grad f||^2)",
                "gd-nonconvex": "gradient descent nonconvex worst case (min ||grad f||^2)",
                "gd-convex": "gradient descent convex worst case (f - f*)",
                "ef-distance": "EF strongly convex worst case (distance, no instance closes it)"}


def bench_sublinear(run_child, cap: float, pepit: bool, quick: bool = False) -> dict:
    """Each problem's pepcert and PEPit runs (time, value, tolerance, peak memory);
    ``run_child(code, cap)`` runs code in a fresh interpreter (``pepcert.cli.bench_jobs``),
    ``pepit`` says whether PEPit's models are available."""
    report = {}
    for name, sizes in SIZES.items():
        rows = []
        for N in sizes[:1] if quick else sizes:
            ours = run_child(_OURS.format(name=name, N=N), cap) or {"not_run": f"> {cap:g} s"}
            theirs: dict = {"not_run": "PEPit skipped" if not pepit else f"only to N = {PEPIT_UNTIL}"}
            if pepit and N <= PEPIT_UNTIL:
                theirs = run_child(_PEPIT.format(name=name, N=N), cap) or {"not_run": f"> {cap:g} s"}
            row = {"N": N, "pepcert": ours, "pepit": theirs}
            if "value" in ours and "value" in theirs:
                row["relative_difference"] = ours["value"] / theirs["value"] - 1
            if name == "gd-convex" and "value" in ours:
                row["relative_error_drori_teboulle"] = ours["value"] * (4 * N + 2) - 1
            if name == "gd-nonconvex" and "value" in ours:
                row["relative_error_closed_form"] = ours["value"] * (3 * N + 2) / 4 - 1
            rows.append(row)
        report[name] = {"rows": rows, "goal": {"N": GOALS[name][0], "seconds": GOALS[name][1]}}
    return report
