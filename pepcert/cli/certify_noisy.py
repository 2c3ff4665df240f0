"""``pepcert certify --sigma S [--noise MODEL] [--rho R]``: prove the noise pair ``(rho, C)`` of
``E V_{k+1} <= rho V_k + C sigma^2`` (with ``V >= ||x - x*||^2``) exactly and write the
certificate (:mod:`pepcert.analyses.noisy_certificates`)."""

from __future__ import annotations

from fractions import Fraction

from pepcert.cli.common import emit_json, problem_payload
from pepcert.pep.errors import BadInput
from pepcert.pep.numerics.numbers import decimal_string


def run_noisy(args, classes, eta) -> int:
    from pepcert.analyses.noisy_certificates import certify_noise_pair, neighbourhood
    from pepcert.cli.certify import _write
    from pepcert.pep.numerics.numbers import parse_rational

    if getattr(args, "latex", False) or args.family != "full":
        raise BadInput("--latex and --family are not available with --sigma (a noise pair is certified in the full family)")
    rho = None if args.rho is None else parse_rational(args.rho, "--rho")
    result = certify_noise_pair(args.base_factory, classes, eta, rho=rho, parameters=args.factory_parameters,
                                solver=args.solver)
    _write(args.out, result.certificate)
    if args.json:
        emit_json({**result.to_dict(), "eta": eta, "compressor": problem_payload(args)["compressor"]})
        return 0 if result.verified else 1
    approximately = "" if f"{float(eta):.12g}" == str(eta) else f" ~ {float(eta):.12g}"
    print(f"{result.method}  ({classes.function.describe()}), eta = {eta}{approximately}")
    print(f"  compressor: {args.choice.describe()}")
    print(f"  noise:      {classes.noise.describe()}")
    print(f"  {'VERIFIED' if result.verified else 'NOT VERIFIED'} in exact rational arithmetic")
    if result.rho is not None and result.C is not None:
        print(f"  rho       = {decimal_string(result.rho, 15)}   ({result.rho_choice})")
        print(f"  C         = {decimal_string(result.C, 15)}")
        print("  proven    E V_{k+1} <= rho V_k + C sigma^2 and V >= ||x - x*||^2 (both identities exact, LDL^T)")
        radius = neighbourhood(result.rho, result.C, result.sigma2)
        print(f"  hence     E||x_k - x*||^2 <= rho^k V_0 + C sigma^2 (1 - rho^k)/(1 - rho); "
              f"C sigma^2/(1 - rho) = {decimal_string(Fraction(radius), 10)}")
    if result.reason:
        print(f"  reason: {result.reason}")
    if args.out:
        print(f"  certificate written to {args.out} (re-check: pepcert check {args.out})")
    print(f"  {result.seconds * 1000:.0f} ms")
    return 0 if result.verified else 1
