"""``pepcert compressors``: the compressor library, each with its class and proven constant.

``--spec SPEC`` shows one ``--compressor SPEC`` as the analyses will read it (its class and
constant), so a specification can be checked before a long run.
"""

from __future__ import annotations

from pepcert.cli.common import add_output_options, emit_json


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "compressors",
        help="list the compressor library: spec syntax, class, proven constant, source",
        description="Lists every compressor of pepcert's library with its --compressor syntax, its class "
        "(contractive with delta, or unbiased with omega; deterministic or in expectation), the constant's "
        "formula, an example and its exact value, and the source of the constant.",
    )
    parser.add_argument("--spec", metavar="SPEC", help="show the class of one --compressor SPEC instead")
    add_output_options(parser)
    parser.set_defaults(run=run)


def run(args) -> int:
    from pepcert.pep.library import catalog, compressor_choice_from_args

    if args.spec is not None:
        choice = compressor_choice_from_args(compressor=args.spec)
        if args.json:
            emit_json(choice.to_dict())
        else:
            print(choice.describe())
            print(f"source: {choice.compressor.source}")
        return 0
    from pepcert.pep.serialise import jsonable

    rows = [jsonable(entry.to_dict()) for entry in catalog()]
    if args.json:
        emit_json({"compressors": rows})
        return 0
    for row in rows:
        kind = row["kind"]
        print(f"{row['name']}  [{kind}]")
        flag = "" if row["syntax"].startswith("pepcert ") else "--compressor "
        print(f"    syntax:   {flag}{row['syntax']}")
        print(f"    constant: {row['formula']}  ({row['tight']})")
        print(f"    example:  {row['example']}  ->  {row['constant']} = {row['example_value']}"
              f" ({row['example_value_float']:.6g})")
        print(f"    source:   {row['source']}")
        if "note" in row:
            print(f"    note:     {row['note']}")
    print("\nAn analysis run with --compressor SPEC holds for every compressor of the class shown.")
    return 0
