"""``pepcert muon``: certify that Muon does not converge on a convex Lipschitz instance and
show that EF-Muon does (Parshakova, Khaled, Crawshaw, Garrigos, Gower 2026).

Exit status 0 when the exact certificate holds, 1 when a check fails, 2 on bad input.
"""

from __future__ import annotations

import argparse
from fractions import Fraction

from pepcert.cli.common import add_output_options, emit_json
from pepcert.cli.output import start_progress, stop_progress
from pepcert.pep.errors import BadInput


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "muon",
        help="certify Muon's non-convergence on c|tr W| + |W11 - W22| and run EF-Muon",
        description=(
            "Build the instance f(W) = c|tr W| + |W11 - W22| for the momentum beta and the step "
            "schedule, certify by an exact replay that Muon stays (1 - beta)/(1 + beta) away from "
            "f* = 0 for T iterations, and simulate EF-Muon on the same instance."
        ),
    )
    # Required unless the subcommand ``train`` is given (checked in ``_certify``, with the
    # message argparse gives for a missing required option).
    parser.add_argument("--beta", default=None, help="momentum in [0, 1), e.g. 0.9 or 9/10 (required)")
    parser.add_argument("--steps", default=None, help="positive nonincreasing step schedule in t, e.g. '1/(t+1)' (required)")
    parser.add_argument("--iterations", "-T", default=None, type=int, help="number of Muon steps T > 0 (required)")
    parser.add_argument("--ef-muon-steps", dest="ef_muon_steps", default=None, help="step schedule for EF-Muon (default: --steps)")
    parser.add_argument(
        "--start",
        choices=("auto", "series", "horizon"),
        default="auto",
        help="W0 from the infinite alternating sum of the steps (series) or from the horizon T",
    )
    parser.add_argument(
        "--lmo",
        choices=("polar", "sign", "newton-schulz"),
        default="polar",
        help="Muon's step direction: exact polar factor (default), signed momentum, or Newton-Schulz "
        "(an approximation: the certificate then fails, exit 1)",
    )
    parser.add_argument("--plot", metavar="FILE.png", default=None, help="write f(W_t) - f* of Muon and EF-Muon")
    add_output_options(parser)

    def _certify(args: argparse.Namespace) -> int:
        missing = [name for name, value in (("--beta", args.beta), ("--steps", args.steps),
                                            ("--iterations/-T", args.iterations)) if value is None]
        if missing:
            parser.error(f"the following arguments are required: {', '.join(missing)}")
        return run(args)

    parser.set_defaults(run=_certify)
    from pepcert.cli import muon_train

    actions = parser.add_subparsers(dest="muon_action", metavar="{train}", parser_class=type(parser),
                                    title="also", description="pepcert muon train --task {mlp,charlm} ... "
                                    "(Muon against EF-Muon in training; see docs/muon-training.md)")
    muon_train.register(actions)


#: The row label of each --lmo: the momentum method it makes (sign: signed momentum, not Muon).
LABELS = {"polar": "Muon", "sign": "Signed momentum", "newton-schulz": "Muon (Newton-Schulz)"}


def _number(value):
    """Readable number: exact rationals as p/q, floats with 6 significant digits."""
    if isinstance(value, Fraction):
        return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    return f"{value:.6g}"


def run(args: argparse.Namespace) -> int:
    from pepcert.analyses.muon import analyse_muon, plot_gaps

    if args.iterations <= 0:
        raise BadInput(f"--iterations must be positive, got {args.iterations}")
    if args.plot is not None and not args.plot.lower().endswith(".png"):
        raise BadInput(f"--plot needs a .png file name, got {args.plot!r}")
    report = analyse_muon(
        args.beta, args.steps, args.iterations, ef_steps=args.ef_muon_steps, start=args.start, lmo=args.lmo,
        progress=start_progress(args, "muon", args.iterations),
    )
    stop_progress()
    if args.plot is not None:
        plot_gaps(report, args.plot)
    certificate = report.certificate
    if args.json:
        emit_json(report.to_dict())
    else:
        instance = report.instance
        W0 = report.W0()
        print(f"{certificate.method} on f(W) = c|tr W| + |W11 - W22|: beta = {_number(instance.beta)}, steps {instance.schedule.text}, T = {certificate.iterations}")
        print(f"  c = {_number(instance.c)}, f* = 0, W0 = [[{_number(W0[0][0])}, 0], [0, {_number(W0[1][1])}]]")
        print(f"  W0 = I + R0 diag(1, -1), R0 = {instance.offset_symbolic} ({instance.start} start)")
        verdict = "CERTIFIED" if certificate.certified else "NOT CERTIFIED"
        print(
            f"  {LABELS[args.lmo] + ':':<8} min_t f(W_t) - f* = {certificate.min_gap:.6g}; "
            f"claim >= (1 - beta)/(1 + beta) = {_number(certificate.claimed_bound)} "
            f"({float(certificate.claimed_bound):.6g}): {verdict}"
        )
        if certificate.certified:
            assert certificate.certified_lower_bound is not None  # set when certified
            print(
                f"           certified lower bound {float(certificate.certified_lower_bound):.12g} "
                f"(exact replay, tr W_t = 2 for all t <= T, {certificate.seconds:.2f} s)"
            )
        for failure in certificate.failures[:5]:
            print(f"           failed: {failure}")
        ef_min = report.ef_min_gap
        print(
            f"  EF-Muon: min_t f(W_t) - f* = {ef_min:.3g} (steps {report.ef_steps}; "
            f"EF-Muon bound at T: {report.ef_bound:.3g})"
        )
        if args.plot is not None:
            print(f"  plot written to {args.plot}")
    return 0 if certificate.certified else 1
