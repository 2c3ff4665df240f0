"""``pepcert certify --iterations N``: prove ``Lo <= N-step worst case <= U`` exactly and write
the certificate (:mod:`pepcert.analyses.nstep_certificates`)."""

from __future__ import annotations

from pepcert.cli.common import emit_json, problem_payload
from pepcert.pep.errors import BadInput
from pepcert.pep.methods import describe_measure
from pepcert.pep.numerics.numbers import decimal_string


def run_nstep(args, classes, eta) -> int:
    from pepcert.analyses.nstep_certificates import certify_nstep
    from pepcert.analyses.nstep_exact import MAX_NSTEP_ITERATIONS
    from pepcert.cli.certify import _write

    if getattr(args, "latex", False):
        raise BadInput("--latex states rate certificates; an N-step certificate is printed as text or --json")
    if not 1 <= args.iterations <= MAX_NSTEP_ITERATIONS:
        raise BadInput(f"--iterations must be from 1 to {MAX_NSTEP_ITERATIONS} for a certificate, got {args.iterations}")
    result = certify_nstep(args.base_factory, classes, eta, args.iterations, measure=args.measure or "lyapunov",
                           initial=args.initial, start=args.start or "auto", parameters=args.factory_parameters,
                           solver=args.solver)
    _write(args.out, result.certificate)
    if args.json:
        emit_json({**result.to_dict(), "eta": eta, "compressor": problem_payload(args)["compressor"]})
        return 0 if result.verified else 1
    measured, given = describe_measure(result.measure, result.iterations), describe_measure(result.initial, 0)
    origin = "the method's declared start from x0" if result.start == "declared" else "a free initial state"
    approximately = "" if f"{float(eta):.12g}" == str(eta) else f" ~ {float(eta):.12g}"
    print(f"{result.method}  ({classes.function.describe()}), eta = {eta}{approximately}")
    print(f"  compressor: {args.choice.describe()}")
    print(f"  worst case of {measured} after {result.iterations} steps, given {given} <= 1, from {origin}")
    print(f"  {'VERIFIED' if result.verified else 'NOT VERIFIED'} in exact rational arithmetic")
    upper, lower = result.upper, result.lower
    if upper is not None:
        low = "" if lower is None else f"{decimal_string(lower, 13)} <= "
        print(f"  proven    {low}worst case <= {decimal_string(upper, 13)}")
        print(f"  upper     {result.statement} for every function and compressor of the classes "
              "(exact dual, LDL^T of the residual)")
    if lower is not None:
        print(f"  lower     an instance with {given} <= 1 and {measured} >= {decimal_string(lower, 13)} "
              "(rational, every constraint checked exactly)")
    if result.gap is not None and upper:
        print(f"  gap       {decimal_string(result.gap, 3)} ({decimal_string(result.gap / upper, 2)} relative)")
    if upper is not None and result.value > 0:
        above = (float(upper) - result.value) / result.value
        print(f"  float     {result.value:.13g} (the solver's worst case; U is {above:.1e} relative above it)")
    if result.reason:
        print(f"  note: {result.reason}")
    if args.out:
        print(f"  certificate written to {args.out} (re-check: pepcert check {args.out})")
    print(f"  {result.seconds * 1000:.0f} ms")
    return 0 if result.verified else 1
