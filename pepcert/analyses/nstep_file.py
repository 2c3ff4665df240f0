"""The shape of an N-step certificate (``"kind": "nstep"``), checked before anything is built.

The same bounded-work rules as the rate certificates (:mod:`pepcert.analyses.certificate_file`:
size, depth, digits per number and in all, duplicate keys, regular files, rationals as strings
parsed exactly), plus: ``iterations`` an integer from 1 to
:data:`~pepcert.analyses.nstep_exact.MAX_NSTEP_ITERATIONS` (checked before the problem is
rebuilt), ``measure``/``initial``/``start`` from their fixed lists, no unknown keys. Each
violation raises :class:`~pepcert.pep.errors.BadInput` (exit 2).
"""

from __future__ import annotations

from pepcert.analyses.certificate_file import (
    MAX_NAME,
    _kind,
    _name,
    _names,
    _object,
    _rational,
    _rationals,
    validate_header,
)
from pepcert.pep.errors import BadInput

KEYS = ("format", "kind", "claim", "method", "builtin", "parameters", "classes", "iterations", "measure", "initial",
        "start", "digest", "upper_bound", "lower_bound", "upper", "lower", "lower_note")
UPPER_KEYS = ("basis", "function_values", "constraints", "multipliers", "measure_weights", "residual_pivots")
LOWER_KEYS = ("gram_factor", "function_values")


def _exact_keys(entry: dict, keys: tuple[str, ...], where: str) -> None:
    if set(entry) != set(keys):
        raise BadInput(f"{where} must have exactly the fields {', '.join(keys)}")


def validate_nstep(document: dict, source: str = "the certificate") -> None:
    """``document`` has the shape of an N-step certificate (module docstring), else BadInput."""
    from pepcert.analyses.nstep_certificates import NSTEP_KIND
    from pepcert.analyses.nstep_exact import MAX_NSTEP_ITERATIONS
    from pepcert.pep.methods import INITIALS, MEASURES

    if document.get("kind") != NSTEP_KIND:
        raise BadInput(f"{source} is of an unknown kind {_kind(document.get('kind'))} (known: {NSTEP_KIND!r})")
    unknown = sorted(set(document) - set(KEYS))
    if unknown:
        raise BadInput(f"{source} has unknown fields {unknown[:5]} (an N-step certificate has {', '.join(KEYS)})")
    validate_header(document, source, ("iterations", "measure", "initial", "start", "digest", "upper_bound",
                                       "lower_bound", "upper", "lower"))
    iterations = document["iterations"]
    if isinstance(iterations, bool) or not isinstance(iterations, int) or not 1 <= iterations <= MAX_NSTEP_ITERATIONS:
        raise BadInput(f"iterations must be an integer from 1 to {MAX_NSTEP_ITERATIONS}, got {_kind(iterations)}")
    for key, allowed in (("measure", MEASURES), ("initial", INITIALS), ("start", ("free", "declared"))):
        if document[key] not in allowed:
            raise BadInput(f"{key} must be one of {', '.join(allowed)}, got {_kind(document[key])}")
    for key in ("upper_bound", "lower_bound"):
        if document[key] is not None:
            _rational(document[key], key)
    for key in ("claim", "lower_note"):
        if document.get(key) is not None and (not isinstance(document[key], str) or len(document[key]) > 5 * MAX_NAME):
            raise BadInput(f"{key} must be a string of at most {5 * MAX_NAME} characters")
    if document["upper"] is not None:
        upper = _object(document["upper"], "upper")
        _exact_keys(upper, UPPER_KEYS, "upper")
        for key in UPPER_KEYS[:3]:
            _names(upper[key], f"upper.{key}")
        for key in UPPER_KEYS[3:]:
            if key != "residual_pivots" or upper[key] is not None:  # the pivots may be left out (null)
                _rationals(upper[key], f"upper.{key}")
    if document["lower"] is not None:
        lower = _object(document["lower"], "lower")
        _exact_keys(lower, LOWER_KEYS, "lower")
        _rationals(lower["gram_factor"], "lower.gram_factor", matrix=True)
        _rationals(lower["function_values"], "lower.function_values")
    _name(document["digest"], "digest")
