"""``pepcert certify``: prove the rate exactly from both sides and write the certificate."""

from __future__ import annotations

import json
from fractions import Fraction

from pepcert.cli.common import (
    LazyChoices,
    add_family_option,
    add_output_options,
    add_problem_options,
    add_rho_option,
    budget_from_args,
    emit_json,
    problem_from_args,
    problem_payload,
)
from pepcert.cli.output import start_progress, stop_progress
from pepcert.pep.errors import BadInput
from pepcert.pep.numerics.numbers import decimal_string


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "certify",
        help="prove rho_lower <= rate <= rho_upper in exact rational arithmetic",
        description="Upper bound: a rational Lyapunov certificate checked exactly (LDL^T of the "
        "residual). Lower bound: a rational worst-case instance whose rate is proven by an exact "
        "root count. With --eta optimal the (numerically) optimal step is rounded to a rational.",
    )
    add_problem_options(parser)
    add_family_option(parser)
    parser.add_argument("--out", metavar="FILE", help="write the self-contained certificate (JSON) here")
    nstep = parser.add_argument_group("N-step worst case (instead of the rate)")
    nstep.add_argument("--iterations", "-N", type=int, default=None,
                       help="certify the N-step worst case instead: Lo <= worst case <= U (an exact dual and an exact "
                       "instance; docs/certificates.md, 'N-step worst cases')")
    nstep.add_argument("--measure", default=None, choices=LazyChoices("pepcert.pep.methods", "MEASURES"),
                       help="with --iterations: what is bounded after N steps (default: lyapunov)")
    nstep.add_argument("--initial", default=None, choices=LazyChoices("pepcert.pep.methods", "INITIALS"),
                       help="with --iterations: the quantity bounded by 1 at the start (default: as pepcert worst-case)")
    nstep.add_argument("--start", default=None, choices=("auto", "declared", "free"),
                       help="with --iterations: where the run starts (default: auto, as pepcert worst-case)")
    add_rho_option(parser.add_argument_group("stochastic gradients (with --sigma)"))
    add_output_options(parser, latex=True)
    parser.set_defaults(run=run)


def _write(path: str | None, document: dict) -> None:
    if not path:
        return
    try:
        with open(path, "w") as handle:
            json.dump(document, handle, indent=1)
            handle.write("\n")
    except OSError as error:
        raise BadInput(f"cannot write {path}: {error.strerror}") from None


def run(args) -> int:
    from pepcert.analyses import certify, optimal_step
    from pepcert.analyses.rates import rate_work
    from pepcert.pep.budget import require

    factory, classes, eta = problem_from_args(args)
    budget = budget_from_args(args)
    if args.iterations is None and any(v is not None for v in (args.measure, args.initial, args.start)):
        raise BadInput("--measure, --initial and --start choose an N-step worst case: give --iterations too")
    if args.rho is not None and (classes.noise is None or args.iterations is not None):
        raise BadInput("--rho chooses the rate of a noise pair: give --sigma (and no --iterations)")
    if classes.noise is not None and args.iterations is None:
        from pepcert.analyses.noisy import without_noise
        from pepcert.cli.certify_noisy import run_noisy

        if eta == "optimal":  # the exact-gradient optimal step
            step = optimal_step(factory, without_noise(classes), solver=args.solver, budget=budget)
            eta = Fraction(step.eta).limit_denominator(10**9)
        require(rate_work(factory(float(eta)), without_noise(classes)), budget)
        return run_noisy(args, classes, eta)
    progress = start_progress(args, "certify")
    if eta == "optimal":
        step = optimal_step(factory, classes, family=args.family, solver=args.solver, budget=budget, progress=progress)
        eta = Fraction(step.eta).limit_denominator(10**9)
    if args.iterations is not None:
        from pepcert.cli.certify_nstep import run_nstep

        stop_progress()
        return run_nstep(args, classes, eta)
    require(rate_work(factory(float(eta)), classes), budget)
    result = certify(args.base_factory, classes, eta, family=args.family, solver=args.solver,
                     parameters=args.factory_parameters, progress=progress)
    stop_progress()
    _write(args.out, result.certificate)
    payload = {**result.to_dict(), "eta": eta,
               "compressor": problem_payload(args)["compressor"]}
    if args.json:
        emit_json(payload)
    elif args.latex:
        from pepcert.cli.output import emit_latex, method_latex
        from pepcert.pep.latex_statements import certified_theorem
        from pepcert.pep.serialise import jsonable

        equations = method_latex(args.base_factory, {"eta": eta, **args.factory_parameters}, classes.agents)
        emit_latex(certified_theorem(jsonable(payload), result.certificate, equations))
    else:
        status = "VERIFIED" if result.verified else "NOT VERIFIED"
        approximately = "" if f"{float(eta):.12g}" == str(eta) else f" ~ {float(eta):.12g}"
        print(f"{result.method}  ({classes.function.describe()}), eta = {eta}{approximately}")
        print(f"  compressor: {args.choice.describe()}")
        print(f"  {status} in exact rational arithmetic")
        print(f"  rho_lower = {decimal_string(result.rho_lower, 15)}   (worst-case instance, exact root count)")
        print(f"  rho_upper = {decimal_string(result.rho_upper, 15)}   (Lyapunov certificate, exact LDL^T)")
        print(f"  gap       = {decimal_string(result.gap, 3)}")
        if result.verified and result.controls_state:
            c = result.certificate["upper"]["dominance"]["c"]
            print(f"  claim     the rate of the method: V >= {c} ||state - state*||^2 (exact)")
        if result.note:
            print(f"  {result.note}")
        if not result.verified:
            print(f"  reason: {result.reason}")
        if args.out:
            print(f"  certificate written to {args.out} (re-check: pepcert check {args.out})")
        print(f"  {result.seconds * 1000:.0f} ms")
    return 0 if result.verified else 1
