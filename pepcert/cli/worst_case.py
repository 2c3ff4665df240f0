"""``pepcert worst-case``: the exact N-step worst case of a measure (performance estimation)."""

from __future__ import annotations

import time

from pepcert.cli.common import (
    add_nstep_options,
    add_output_options,
    add_problem_options,
    budget_from_args,
    emit_json,
    plot_problem,
    problem_from_args,
    problem_payload,
)
from pepcert.cli.output import count, start_progress, stop_progress
from pepcert.pep.errors import BadInput, SolverFailure

MAX_ITERATIONS = 500  # the chordal path's reach (docs/worst-case.md); the trace itself allows ~545


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "worst-case",
        help="exact N-step worst case of a measure by performance estimation",
        description="The largest value of the measure after N steps over every L-smooth "
        "mu-strongly convex function and every admissible compressor output, given measure <= 1 "
        "at the start. 'lyapunov' is the paper's optimal Lyapunov function of the method "
        "(its own 'lyapunov' field); 'distance' is ||x - x*||^2 plus the squared norm of the method's "
        "extra state (its 'distance' field); 'function' is f(x) - f*.",
    )
    add_problem_options(parser, nstep=True)
    add_nstep_options(parser)
    parser.add_argument("--plot", metavar="FILE", help="also draw the worst case against N with rho^N")
    add_output_options(parser, latex=True)
    parser.set_defaults(run=run)


def run(args) -> int:
    from pepcert.analyses.noisy import without_noise
    from pepcert.analyses.rates import optimal_step
    from pepcert.pep.methods import describe_measure
    from pepcert.pep.problem import worst_case

    if args.iterations < 1:
        raise BadInput(f"--iterations must be at least 1, got {args.iterations}")
    if args.iterations > MAX_ITERATIONS:
        raise BadInput(f"--iterations {args.iterations} is too large for one SDP here (at most {MAX_ITERATIONS})")
    start = time.perf_counter()
    factory, classes, eta = problem_from_args(args)
    plotted = plot_problem(args)
    rate_solver = None if args.solver == "lowrank" else args.solver  # lowrank solves N-step problems only
    budget = budget_from_args(args)
    progress = start_progress(args, "worst case")
    eta_value = (optimal_step(factory, without_noise(classes), solver=rate_solver, budget=budget, progress=progress).eta
                 if eta == "optimal" else float(eta))
    try:
        result = worst_case(factory(eta_value), classes, args.iterations, measure=args.measure, initial=args.initial,
                            solver=args.solver, start=args.start, budget=budget, progress=progress)
    except SolverFailure as error:
        raise SolverFailure(f"{error}{_divergence_note(factory(eta_value), classes, eta_value, args.iterations)}") from None
    stop_progress()
    if args.plot:
        from pepcert.papers.figures.plots import plot_worst_case

        assert plotted is not None  # set with --plot
        plot_worst_case(args.plot, args.method, *plotted, eta_value,
                        args.iterations, args.measure, result.value, start=args.start)
    check = None
    if args.verify_precision and result.status == "solved":
        from pepcert.analyses.precision import verify_worst_case

        check = verify_worst_case(factory(eta_value), classes, result)
    seconds = time.perf_counter() - start
    from pepcert.analyses.noisy import noise_split

    split = noise_split(result) if classes.noise is not None and result.status == "solved" else None
    payload = {**result.to_dict(), **problem_payload(args), "eta": eta_value, "seconds": seconds,
               **({"high_precision": check.to_dict()} if check is not None else {}),
               **({"noise_split": {"initial": split[0], "sigma2": split[1]}} if split is not None else {})}
    if args.json:
        emit_json(payload)
        return 0
    if args.latex:
        from pepcert.cli.output import emit_latex, method_latex
        from pepcert.pep.latex_statements import worst_case_theorem
        from pepcert.pep.serialise import jsonable

        equations = method_latex(args.base_factory, {"eta": eta_value, **args.factory_parameters}, classes.agents)
        emit_latex(worst_case_theorem(jsonable(payload), equations))
        return 0
    print(f"{result.method}  ({classes.function.describe()}), eta = {eta_value:.15g}")
    print(f"  compressor    {args.choice.describe()}")
    if classes.noise is not None:
        print(f"  noise         {classes.noise.describe()} (the worst case of the expected measure)")
    origin = "the method's declared start from x0" if result.start == "declared" else "a free initial state"
    measured, given = describe_measure(result.measure, result.iterations), describe_measure(result.initial, 0)
    print(f"  worst case of {measured} ({result.measure}) after {count(result.iterations, 'step')}")
    print(f"  given         {given} <= 1 ({result.initial}), from {origin}")
    if result.status == "unbounded":
        print(f"  value         unbounded: {given} <= 1 does not bound {measured}")
        print(f"  solver        {result.solver}, {seconds * 1000:.1f} ms")
        return 0
    print(f"  value         {result.value:.12g}")
    if split is not None:
        print(f"  in general    <= {split[0]:.9g} x initial + {split[1]:.9g} x sigma^2, for every initial value "
              "and sigma^2 (the proof's multipliers; equal here)")
    if result.rate_per_step == result.rate_per_step:  # not NaN: a last-iterate measure
        print(f"  per step      {result.rate_per_step:.12g}")
    loose = " (low accuracy: the solver met no tighter tolerance)" if result.tolerance > 1e-7 else ""
    print(f"  tolerance     {result.tolerance:.0e}, {result.tolerance_source} met{loose}")
    if check is not None:
        print(f"  200-bit check {check.reference:.15g} (SDPA-GMP): difference {check.difference:.2e}, "
              f"{'within' if check.within else 'OUTSIDE'} the reported tolerance")
    active = {k: v for k, v in result.multipliers.items() if v > 1e-7}
    print(f"  multipliers   {len(active)} of {len(result.multipliers)} inequalities active in the proof")
    print(f"  solver        {result.solver}, {seconds * 1000:.1f} ms")
    return 0


def _divergence_note(method, classes, eta: float, iterations: int) -> str:
    """Why the SDP may fail: at a diverging step the N-step worst case grows like rho^N.

    The worst linear instance (f = h x^2/2, C(v) = alpha v) gives rho, the squared spectral
    radius of one step; when rho > 1 the worst case grows geometrically and the SDP is badly
    scaled, so the honest answer is that rate (``pepcert rate`` computes it)."""
    from pepcert.lowerbounds.linear import worst_linear_instances

    try:
        rho = max(case.rho for case in worst_linear_instances(method, classes))
    except (ValueError, ArithmeticError):
        return ""
    if rho <= 1:
        return ""
    return (f"; at eta = {eta:.6g} the method diverges: the worst linear instance grows by rho = {rho:.6g} "
            f"per step, so the {iterations}-step worst case is of order rho^{iterations} (see pepcert rate)")
