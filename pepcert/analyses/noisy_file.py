"""The shape of a noise-pair certificate (``"kind": "noisy"``), checked before anything is built.

The same bounded-work rules as the rate certificates (:mod:`pepcert.analyses.certificate_file`:
size, depth, digits per number and in all, duplicate keys, rationals as strings parsed
exactly), plus: exactly the fields of :mod:`pepcert.analyses.noisy_certificates`, a noise class
among the classes, ``outcomes`` an integer from 1 to ``MAX_OUTCOMES``. Each violation raises
:class:`~pepcert.pep.errors.BadInput` (exit 2).
"""

from __future__ import annotations

from pepcert.analyses.certificate_file import (
    MAX_NAME,
    MAX_OUTCOMES,
    _kind,
    _name,
    _names,
    _object,
    _rational,
    _rationals,
    validate_header,
)
from pepcert.pep.errors import BadInput

KEYS = ("format", "kind", "claim", "method", "builtin", "parameters", "classes", "outcomes", "digest", "rho", "C",
        "lyapunov", "step", "domination")


def _exact_keys(entry: dict, keys: tuple[str, ...], where: str) -> None:
    if set(entry) != set(keys):
        raise BadInput(f"{where} must have exactly the fields {', '.join(keys)}")


def validate_noisy(document: dict, source: str = "the certificate") -> None:
    """``document`` has the shape of a noise-pair certificate (module docstring), else BadInput."""
    from pepcert.analyses.noisy_certificates import IDENTITY_KEYS, LYAPUNOV_KEYS

    unknown = sorted(set(document) - set(KEYS))
    if unknown:
        raise BadInput(f"{source} has unknown fields {unknown[:5]} (a noise-pair certificate has {', '.join(KEYS)})")
    classes = validate_header(document, source, ("outcomes", "digest", "rho", "C", "lyapunov", "step", "domination"))
    if classes.get("noise") is None:
        raise BadInput(f"{source} is a noise-pair certificate whose classes have no noise class")
    outcomes = document["outcomes"]
    if isinstance(outcomes, bool) or not isinstance(outcomes, int) or not 1 <= outcomes <= MAX_OUTCOMES:
        raise BadInput(f"outcomes must be an integer from 1 to {MAX_OUTCOMES}, got {_kind(outcomes)}")
    if document.get("claim") is not None and (not isinstance(document["claim"], str)
                                              or len(document["claim"]) > 5 * MAX_NAME):
        raise BadInput(f"claim must be a string of at most {5 * MAX_NAME} characters")
    _name(document["digest"], "digest")
    parts = ("rho", "C", "lyapunov", "step", "domination")
    present = [document[key] is not None for key in parts]
    if any(present) and not all(present):
        raise BadInput(f"{source} must give all of {', '.join(parts)} or none of them")
    if not all(present):
        return
    _rational(document["rho"], "rho")
    _rational(document["C"], "C")
    lyapunov = _object(document["lyapunov"], "lyapunov")
    _exact_keys(lyapunov, LYAPUNOV_KEYS, "lyapunov")
    for key in LYAPUNOV_KEYS[:5]:
        _names(lyapunov[key], f"lyapunov.{key}")
    _rationals(lyapunov["P"], "lyapunov.P", matrix=True)
    _rational(lyapunov["p"], "lyapunov.p")
    for part in ("step", "domination"):
        entry = _object(document[part], part)
        _exact_keys(entry, IDENTITY_KEYS, part)
        for key in ("multipliers", "equality_multipliers", "residual_pivots"):
            if key != "residual_pivots" or entry[key] is not None:  # the pivots may be left out (null)
                _rationals(entry[key], f"{part}.{key}")
        _rational(entry["kappa"], f"{part}.kappa")
