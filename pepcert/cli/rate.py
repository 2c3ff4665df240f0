"""``pepcert rate``: the tight linear rate, its Lyapunov function and (optionally) the best step; where no
linear rate exists (``mu <= 0``), the sublinear answer (:mod:`pepcert.analyses.sublinear`)."""

from __future__ import annotations

import time

from pepcert.cli.common import (
    LazyChoices,
    add_family_option,
    add_output_options,
    add_problem_options,
    budget_from_args,
    emit_json,
    plot_problem,
    problem_from_args,
    problem_payload,
)
from pepcert.cli.output import count, start_progress, stop_progress
from pepcert.pep.errors import SolverFailure


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "rate",
        help="tight linear rate and optimal Lyapunov function of a compressed method",
        description="The smallest rho such that a quadratic Lyapunov function decreases by rho "
        "at every step, for every L-smooth mu-strongly convex function and every admissible "
        "compressor output; with --eta optimal, the step size that minimises it.",
    )
    add_problem_options(parser)
    add_family_option(parser)
    parser.add_argument("--plot", metavar="FILE", help="also draw rho against eta (eta and the worst instances marked)")
    sub = parser.add_argument_group("sublinear answers (mu <= 0: no linear rate exists)")
    sub.add_argument("--horizon", type=int, default=10, metavar="N",
                     help="worst cases after 1..N steps, and --eta optimal minimises the one after N (default 10)")
    sub.add_argument("--measure", choices=LazyChoices("pepcert.pep.methods", "MEASURES"), default=None,
                     help="what to bound (default: function on convex classes, min-gradient on nonconvex ones)")
    sub.add_argument("--initial", choices=LazyChoices("pepcert.pep.methods", "INITIALS"), default=None,
                     help="the quantity bounded by 1 at the start (default: distance, resp. function)")
    noisy = parser.add_argument_group("stochastic gradients (--sigma)")
    noisy.add_argument("--target-rho", default=None, metavar="R",
                       help="also the step minimising C at the rate R: the smallest noise floor C sigma^2/(1 - R) "
                       "among the steps that keep E V_{k+1} <= R V_k + C sigma^2 (docs/noise.md)")
    add_output_options(parser, latex=True)
    parser.set_defaults(run=run)


def _instance_text(instance) -> str:
    """``h = 0.1, alpha = 1.70711`` (per agent and per outcome where there are several; more
    than four agents with equal values as ``(0.1 x 64)``)."""
    def number(value):
        if isinstance(value, float):
            return f"{value:.6g}"
        items = [number(v) for v in value]
        if len(items) > 4:
            runs: list[list] = []
            for item in items:
                if runs and runs[-1][0] == item:
                    runs[-1][1] += 1
                else:
                    runs.append([item, 1])
            return "(" + ", ".join(f"{item} x {count}" if count > 1 else item for item, count in runs) + ")"
        return "(" + ", ".join(items) + ")"

    return ", ".join(f"{key} = {number(value)}" for key, value in instance.to_dict().items())


def _paper_family(method, classes, args, result, progress=None):
    """The paper's structured family's result when it attains the same rate (else None)."""
    from pepcert.analyses.rates import tight_rate

    if args.family != "full" or "paper" not in method.families:
        return None
    if result.family == "paper":  # the answer already is the paper family's (many agents, structured fallback)
        return result
    try:
        paper = tight_rate(method, classes, family="paper", solver=args.solver, progress=progress)
    except SolverFailure:
        return None  # the note is optional; the rate above stands on its own
    if paper.lower_source == "instance" and abs(paper.rho - result.rho) <= 1e-9 * max(1.0, result.rho):
        return paper
    return None


def _print_bounds(result, tight: bool) -> None:
    """The rate and its lower end: tight (a worst instance attains it) or a bracket."""
    print(f"  rate          rho = {result.rho:.15g}")
    if tight:
        case = result.worst_cases[0]
        print(f"  tight         lower bound {result.rho_lower:.15g} from f = h x^2/2, C(v) = alpha v ({_instance_text(case.instance)})")
        print("                (floating point; 'pepcert certify' proves both bounds in exact arithmetic)")
        return
    print(f"  bracket       [{result.rho_lower:.15g}, {result.rho:.15g}] (lower bound: {result.lower_source})")
    if result.lower_source == "margin":
        instance = f"{result.worst_cases[0].rho:.6g}" if result.worst_cases else "nothing (no instance)"
        print(f"                (margin: no Lyapunov function of the family certifies less; the method's worst "
              f"case itself is proven only >= {instance} by its worst linear instance)")


def latex_output(args, payload: dict, classes) -> int:
    """``--latex``: the rate as a theorem (a standalone document)."""
    from pepcert.cli.output import emit_latex, method_latex
    from pepcert.pep.latex_statements import rate_theorem
    from pepcert.pep.serialise import jsonable

    equations = method_latex(args.base_factory, {"eta": payload["eta"], **args.factory_parameters}, classes.agents)
    emit_latex(rate_theorem(jsonable(payload), equations))
    return 0


def run(args) -> int:
    from pepcert.analyses.rates import optimal_step, tight_rate

    start = time.perf_counter()
    factory, classes, eta = problem_from_args(args)
    from pepcert.analyses.sublinear import has_linear_rate

    if args.target_rho is not None:
        _check_target_rho(args.target_rho, classes)

    if not has_linear_rate(classes):
        return _run_sublinear(args, factory, classes, eta, start)
    if classes.noise is not None:
        return _run_noisy(args, factory, classes, eta, start)
    plotted = plot_problem(args)
    failures, at_edge = 0, False
    budget = budget_from_args(args)
    progress = start_progress(args, "rate")
    if eta == "optimal":
        step = optimal_step(factory, classes, family=args.family, solver=args.solver, structured_fallback=True,
                            budget=budget, progress=progress)
        eta_value, result, optimal, proven = step.eta, step.rate, True, step.proven_optimal
        failures, at_edge = step.failed_evaluations, step.at_search_edge
    else:
        eta_value = float(eta)
        result = tight_rate(factory(eta_value), classes, family=args.family, solver=args.solver, structured_fallback=True,
                            budget=budget, progress=progress)
        optimal, proven = False, False
    if not result.converges:
        proven = False  # every step is as good when none converges: "optimal" would mislead
    structured = _paper_family(factory(eta_value), classes, args, result, progress)
    stop_progress()
    from pepcert.papers.laws import paper_laws

    laws = paper_laws(args.method, classes)  # what a paper states for this method and these classes
    if args.plot:
        from pepcert.papers.figures.plots import plot_rate

        assert plotted is not None  # set with --plot
        plot_rate(args.plot, args.method, *plotted, eta_value, result.rho,
                  result.worst_cases, optimal=optimal, family=args.family, random=args.random)
    check = None
    if args.verify_precision:
        from pepcert.analyses.precision import verify_rate

        check = verify_rate(factory(eta_value), classes, result)
    seconds = time.perf_counter() - start
    payload = {
        **({"high_precision": check.to_dict()} if check is not None else {}),
        **result.to_dict(),
        **problem_payload(args),
        "eta": eta_value,
        "eta_optimal": optimal and not at_edge and result.converges,
        "eta_proven_optimal": proven,
        "eta_at_search_edge": at_edge,
        "eta_search_failures": failures,
        "paper_lyapunov": None if structured is None else structured.to_dict()["lyapunov"],
        "paper_laws": laws,
        "seconds": seconds,
    }
    if args.json:
        emit_json(payload)
        return 0
    if args.latex:
        return latex_output(args, payload, classes)
    _print_rate(args, classes, result, eta_value, (optimal, proven, at_edge, failures), structured, laws, check)
    print(f"  solver        {result.solver}, {count(result.solves, 'solve')}, {seconds * 1000:.1f} ms")
    return 0


def _print_rate(args, classes, result, eta_value, step, structured, laws, check) -> None:
    """The text answer of a linear rate (``step``: optimal asked, proven, at the edge, failures)."""
    from pepcert.analyses.rates import STEP_RANGE

    optimal, proven, at_edge, failures = step
    print(f"{result.method}  ({classes.function.describe()})")
    print(f"  compressor    {args.choice.describe()}")
    label = ("optimal step" if proven else "best step") if optimal else "step size"
    note = " (optimal: the certified rate meets the minimum of the worst-instance bound)" if proven else ""
    print(f"  {label:<13} eta = {eta_value:.15g}{note}")
    if optimal and at_edge:
        print(f"  warning       not an optimum: the best step is at an end of the searched range "
              f"[{STEP_RANGE[0]:g}, {STEP_RANGE[1]:g}]/L")
    elif optimal and not result.converges:
        print("  warning       no step size converges linearly here, so no step is optimal")
    elif optimal and not proven:
        print("  warning       not proven optimal: the best Lyapunov rate over a step-size search"
              + (f"; {failures} step sizes could not be solved" if failures else ""))
    _print_bounds(result, result.tight)
    if not result.converges:
        head, tail = result.note.split(": ", 1)
        print(f"  {head.upper()}: {tail}")
    print(f"  Lyapunov      V = {result.formula()}")
    if structured is not None:
        print(f"  paper family  V = {structured.formula()}  (attains the same rate)")
    for law in laws:
        print(f"  paper law     eta = {law['eta']:.15g}, rho = {law['rho']:.15g}: {law['statement']}")
    if check is not None:
        print(f"  200-bit check the one-step worst case of this V is {check.reference:.15g} (SDPA-GMP): "
              f"difference {check.difference:.2e}")


def _run_sublinear(args, factory, classes, eta, start: float) -> int:
    """``rate`` where no linear rate exists (``mu <= 0``): the worst cases after ``1..N`` steps,
    their ``C/(N + a)`` fit and, with ``--eta optimal``, the step minimising the one after N."""
    from pepcert.analyses.sublinear import SUBLINEAR_STEP_RANGE, sublinear_rate
    from pepcert.pep.errors import BadInput

    if args.plot or args.family != "full" or args.verify_precision:
        raise BadInput("--plot, --family and --verify-precision are for linear rates (mu > 0); "
                       "here use pepcert worst-case for one N")
    result = sublinear_rate(factory, classes, eta, horizon=args.horizon, measure=args.measure, initial=args.initial,
                            solver=args.solver, budget=budget_from_args(args))
    seconds = time.perf_counter() - start
    if args.json:
        emit_json({**result.to_dict(), **problem_payload(args), "seconds": seconds})
        return 0
    print(f"{result.method}  ({classes.function.describe()})")
    print(f"  compressor    {args.choice.describe()}")
    print(f"  linear rate   none: {result.reason}")
    print(f"  sublinear     {result.statement}")
    print("                w(N): the exact worst case after N steps")
    low, high = SUBLINEAR_STEP_RANGE
    label = {"given": "step size", "optimal": "best step", "at the edge of the search": "best step"}[result.step]
    note = {"given": "", "optimal": f" (minimises w({args.horizon}) over [{low:g}, {high:g}]/L)",
            "at the edge of the search": ""}[result.step]
    print(f"  {label:<13} eta = {result.eta:.15g}{note}")
    if result.step == "at the edge of the search":
        print(f"  warning       not an optimum: the best step is at an end of the searched range [{low:g}, {high:g}]/L")
    print("  N    w(N)               tolerance")
    for N, value, tolerance in zip(result.iterations, result.values, result.tolerances):
        print(f"  {N:<4} {value:<18.12g} {tolerance:.0e}")
    if result.fit is not None:
        fit = result.fit
        poor = "; poor: the worst cases are not of this form here" if fit.max_deviation > 1e-2 else ""
        print(f"  fit           w(N) ~ C / (N + a), C = {fit.C:.6g}, a = {fit.a:.6g} (least squares on N = {fit.first}.."
              f"{args.horizon}, largest relative deviation {fit.max_deviation:.1e}; a fit, not a bound{poor})")
    if result.potential is not None:
        print(f"  potential     {result.potential.statement}")
        print("                (a potential function of Taylor & Bach's kind proves it for every N; floating point)")
    else:
        print(f"  potential     none: {result.potential_note}")
    print(f"  solver        {result.solver}, {result.evaluations + len(result.values)} solves, {seconds * 1000:.1f} ms")
    return 0


def _check_target_rho(text: str, classes):
    """``--target-rho``: a rational in (0, 1), decided exactly, and only with a noise class."""
    from pepcert.pep.errors import BadInput
    from pepcert.pep.numerics.numbers import parse_rational

    if classes.noise is None:
        raise BadInput("--target-rho needs --sigma (the noise floor it minimises)")
    rho = parse_rational(text, "--target-rho")
    if not 0 < rho < 1:
        raise BadInput(f"--target-rho must be in (0, 1), got {text}")
    return rho


def _run_noisy(args, factory, classes, eta, start: float) -> int:
    """``rate --sigma S``: the exact-gradient rate, the pair ``(rho, C)`` and the neighbourhood
    of ``||x - x*||^2`` with its lower end (:mod:`pepcert.analyses.noisy`)."""
    from pepcert.analyses.noisy import noisy_rate
    from pepcert.pep.errors import BadInput

    if args.plot or args.family != "full" or args.verify_precision:
        raise BadInput("--plot, --family and --verify-precision are not available with --sigma")
    result = noisy_rate(factory, classes, eta, solver=args.solver)
    target = None
    if args.target_rho is not None:
        from pepcert.analyses.noisy import step_for_rate

        target = step_for_rate(factory, classes, float(_check_target_rho(args.target_rho, classes)), result.eta)
    seconds = time.perf_counter() - start
    if args.json:
        emit_json({**result.to_dict(), **problem_payload(args), "seconds": seconds,
                   **({"target": target.to_dict()} if target is not None else {})})
        return 0
    print(f"{result.method}  ({classes.function.describe()})")
    print(f"  compressor    {args.choice.describe()}")
    print(f"  noise         {classes.noise.describe()}")
    print(f"  step size     eta = {result.eta:.15g}" + (" (the exact-gradient optimal step)" if eta == "optimal" else ""))
    print(f"  rate          rho = {result.rho:.15g} with exact gradients" + (" (tight)" if result.rate.tight else ""))
    print("  with noise    E||x_k - x*||^2 <= E V_k <= rho^k V_0 + C sigma^2 (1 - rho^k)/(1 - rho), V >= ||x - x*||^2")
    if result.pair is not None:
        print(f"    at rho*     C = {result.pair.C:.9g}: neighbourhood C sigma^2/(1 - rho) = {result.pair.neighbourhood:.9g}")
    else:
        print("    at rho*     no quadratic V bounds the noise at the exact-gradient rate itself")
    best = result.best
    # the neighbourhood is flat at its minimum: rho and C there are known to fewer digits than it
    print(f"    best        rho = {best.rho:.6g}, C = {best.C:.6g}: neighbourhood {best.neighbourhood:.9g}")
    verdict = "tight" if result.tight else "a bracket"
    print(f"  neighbourhood [{result.lower:.9g}, {best.neighbourhood:.9g}] for lim sup E||x_k - x*||^2 ({verdict}; the lower "
          "end is the stationary value on the worst instance found, Gaussian noise)")
    if target is not None:
        edge = " (at the search's edge: the best step may lie beyond)" if target.at_search_edge else ""
        print(f"  at rho = {args.target_rho} the step eta = {target.eta:.6g} minimises C: C = {target.pair.C:.9g}, "
              f"neighbourhood {target.pair.neighbourhood:.9g}{edge}")
    print(f"  solver        clarabel, {seconds * 1000:.1f} ms")
    return 0
