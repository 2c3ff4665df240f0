"""``pepcert bench``: speed against baselines measured in the same run (no timed tests).

(a) One tight rate (EF, EF21, CGD at several step sizes): pepcert's :func:`tight_rate` to
    1e-9 against a straightforward cvxpy formulation of the same one-step LMI, rebuilt at
    every step of a bisection on rho down to 1e-6 (feasibility from the solver status).
(b) The N = 10 EF worst case: :func:`pepcert.pep.worst_case` against PEPit on the same problem
    (PEPit with its default solver, and with Clarabel, the solver pepcert uses).
"""

from __future__ import annotations

import math
import statistics
import time
import warnings

from pepcert.cli.common import add_output_options, emit_json


def register(subparsers) -> None:
    parser = subparsers.add_parser("bench", help="speed against cvxpy and PEPit baselines, measured in one run")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions per timing (median is reported)")
    parser.add_argument("--skip-pepit", action="store_true", help="skip part (b)")
    add_output_options(parser)
    parser.set_defaults(run=run)


def cvxpy_bisection_rate(method, classes, tolerance: float = 1e-6) -> float:
    """The baseline: bisection on rho, each step a new cvxpy feasibility problem."""
    import cvxpy as cp

    data = lmi_data(one_step(method, classes))
    k = data.psd_size
    rows, cols = np.triu_indices(k)
    low, high = 0.0, 1.0

    def feasible(rho: float) -> bool:
        P = cp.Variable((k, k), symmetric=True)
        p = cp.Variable(nonneg=True)
        lam = cp.Variable(data.n_constraints, nonneg=True)
        # y in the order of lmi_data: svec(P) (upper triangle, column-major) then p.
        order = sorted(range(len(rows)), key=lambda i: (cols[i], rows[i]))
        y = [P[rows[i], cols[i]] * (1.0 if rows[i] == cols[i] else math.sqrt(2.0)) for i in order] + [p]
        S = sum(y[t] * (rho * data.before_mats[t] - data.after_mats[t]) for t in range(len(y)))
        S = S + sum(lam[j] * data.constraint_mats[j] for j in range(data.n_constraints))
        ell = sum(y[t] * (rho * data.before_rows[t] - data.after_rows[t]) for t in range(len(y)))
        ell = ell + sum(lam[j] * data.constraint_rows[j] for j in range(data.n_constraints))
        problem = cp.Problem(cp.Minimize(0), [S >> 0, P >> 0, ell[data.active_values] >= 0, cp.trace(P) + p == 1])
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # "solution may be inaccurate": judged by status
                problem.solve(solver=cp.CLARABEL)
        except cp.error.SolverError:
            return False  # what a straightforward script does: a failed solve is "infeasible"
        return problem.status == cp.OPTIMAL

    while not feasible(high):
        low, high = high, 2 * high
    while high - low > tolerance:
        middle = 0.5 * (low + high)
        if feasible(middle):
            high = middle
        else:
            low = middle
    return high


def _median_time(function, repeat: int):
    times, value = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        value = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), value


def run(args) -> int:
    if args.repeat < 1:
        from pepcert.pep.errors import BadInput

        raise BadInput("--repeat must be at least 1")
    classes = ProblemClass(SmoothStronglyConvex(0.1, 1.0), Contractive(0.5))
    settings = [(factory, eta) for factory in (error_feedback, ef21, compressed_gradient_descent) for eta in (0.05, 0.2, 0.6)]
    ours, base, errors = [], [], []
    for factory, eta in settings:
        method = factory(eta)
        t_ours, result = _median_time(lambda: tight_rate(method, classes), args.repeat)
        t_base, value = _median_time(lambda: cvxpy_bisection_rate(method, classes), 1)
        ours.append(t_ours)
        base.append(t_base)
        errors.append(abs(value - result.rho))
    report = {
        "rate": {
            "settings": len(settings),
            "pepcert_median_ms": 1000 * statistics.median(ours),
            "cvxpy_bisection_median_ms": 1000 * statistics.median(base),
            "speedup_median": statistics.median(b / o for b, o in zip(base, ours)),
            "pepcert_precision": 1e-9,
            "cvxpy_precision": 1e-6,
            "max_disagreement": max(errors),
        }
    }
    if not args.skip_pepit:
        report["worst_case"] = _bench_worst_case(args.repeat)
    if args.json:
        emit_json(report)
        return 0
    rate = report["rate"]
    print(f"(a) one tight rate, median over {rate['settings']} settings (EF, EF21, CGD at eta = 0.05, 0.2, 0.6)")
    print(f"    pepcert tight_rate to 1e-9      {rate['pepcert_median_ms']:9.1f} ms")
    print(f"    cvxpy bisection to 1e-6         {rate['cvxpy_bisection_median_ms']:9.1f} ms")
    print(f"    speed-up (median of ratios)     {rate['speedup_median']:9.1f} x   (goal: >= 20x and < 10 ms)")
    print(f"    largest disagreement            {rate['max_disagreement']:.1e}")
    if "worst_case" in report:
        wc = report["worst_case"]
        if "error" in wc:
            print(f"(b) skipped: {wc['error']}")
        else:
            print("(b) N = 10 EF worst case (mu = 0.1, L = 1, delta = 0.5, optimal eta)")
            print(f"    pepcert worst_case              {wc['pepcert_ms']:9.1f} ms  value {wc['pepcert_value']:.10f}")
            print(f"    PEPit, default solver           {wc['pepit_default_ms']:9.1f} ms  value {wc['pepit_default_value']:.10f}")
            print(f"    PEPit, Clarabel                 {wc['pepit_clarabel_ms']:9.1f} ms  value {wc['pepit_clarabel_value']:.10f}")
            print(f"    speed-up vs PEPit default       {wc['speedup_vs_default']:9.1f} x   (goal: >= 10x)")
            print(f"    speed-up vs PEPit + Clarabel    {wc['speedup_vs_clarabel']:9.1f} x")
    return 0


def _bench_worst_case(repeat: int) -> dict:
    try:
        from pepit_models import pepit_ef
    except ImportError as error:  # pragma: no cover
        return {"error": str(error)}
    import importlib.util

    if importlib.util.find_spec("PEPit") is None:
        return {"error": "PEPit is not installed (pip install -e '.[test]')"}
    mu, L, delta = 0.1, 1.0, 0.5
    s = math.sqrt(1 - delta)
    eta = 2 / (L + mu) * (1 - s) / (1 + s)
    classes = ProblemClass(SmoothStronglyConvex(mu, L), Contractive(delta))
    t_ours, ours = _median_time(lambda: worst_case(error_feedback(eta), classes, 10).value, repeat)
    t_default, default = _median_time(lambda: pepit_ef(mu, L, delta, eta, 10), repeat)
    t_clarabel, clarabel = _median_time(lambda: pepit_ef(mu, L, delta, eta, 10, solver="clarabel"), repeat)
    return {
        "pepcert_ms": 1000 * t_ours,
        "pepcert_value": ours,
        "pepit_default_ms": 1000 * t_default,
        "pepit_default_value": default,
        "pepit_clarabel_ms": 1000 * t_clarabel,
        "pepit_clarabel_value": clarabel,
        "speedup_vs_default": t_default / t_ours,
        "speedup_vs_clarabel": t_clarabel / t_ours,
    }
