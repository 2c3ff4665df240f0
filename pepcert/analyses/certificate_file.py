"""Reading an untrusted certificate file with bounded work (``pepcert check``).

A certificate file comes from someone else, so reading it must neither hang, nor exhaust
memory, nor crash, nor be ambiguous. Every limit is a named constant here and stated in
``docs/certificates.md``:

* the file has at most :data:`MAX_FILE_BYTES` bytes and is valid UTF-8 JSON;
* arrays and objects nest at most :data:`MAX_DEPTH` deep (checked before parsing, so deep
  nesting is refused instead of raising ``RecursionError``);
* an object has no duplicate keys (a reader taking the first value and one taking the last
  would see different claims);
* ``NaN``/``Infinity`` are not JSON; numbers written as text have at most
  :data:`~pepcert.pep.numerics.numbers.MAX_DIGITS` digits, exponents counted, and are
  refused *before* ``"1e1000000"`` is expanded into a million-digit integer;
* the document has the shape of a certificate (:func:`validate_document`): the right
  ``format``, a method name, classes as objects of rational strings, rational strings where
  rationals belong, at most :data:`MAX_OUTCOMES` compressor outcomes and
  :data:`MAX_PARAMETERS` parameters, and at most ``MAX_BRANCHES`` (16) joint outcomes of the
  agents' compressors per step, before any problem is built.

Each violation raises :class:`~pepcert.pep.errors.BadInput` (the command line answers with
one line and exit status 2: the file cannot be read as a certificate). A file that passes
is a certificate; whether its proof holds is decided by
:func:`~pepcert.analyses.certificates.check_certificate` (exit 0 or 1).
"""

from __future__ import annotations

import json
from fractions import Fraction
from typing import Any

from pepcert.pep.errors import BadInput
from pepcert.pep.numerics.numbers import MAX_DIGITS, _preview, parse_rational
from pepcert.pep.trace import MAX_BRANCHES

#: Largest certificate file read (bytes). pepcert's own certificates are ~5 kB.
MAX_FILE_BYTES = 1_000_000
#: Deepest nesting of arrays/objects (a certificate nests 4 deep: document, upper, P, row).
MAX_DEPTH = 16
#: Most compressor outcomes a one-step problem is rebuilt with (pepcert writes 1 or 2).
MAX_OUTCOMES = 8
#: Most parameters of a method, or numbers of a class.
MAX_PARAMETERS = 32
#: Longest method, family or label string.
MAX_NAME = 200
#: Digits of all the numbers of a file together: checking costs grow with them (pepcert's own
#: certificates: 2,910 for one agent, 142,476 for eight; a file of 10^6 digits with unrelated
#: denominators would keep exact arithmetic busy for minutes).
MAX_TOTAL_DIGITS = 300_000

#: The fields of a rate certificate, its ``upper`` and ``lower`` sections and the instance.
RATE_KEYS = ("format", "claim", "method", "builtin", "parameters", "classes", "outcomes", "digest", "rho_upper",
             "rho_lower", "upper", "lower")
UPPER_KEYS = ("family", "basis", "function_values", "features", "terms", "constraints", "equalities", "P", "p",
              "weights", "multipliers", "equality_multipliers", "residual_pivots", "dominance")
LOWER_KEYS = ("instance", "characteristic_polynomial", "rho_lower")
INSTANCE_KEYS = ("function", "compressor", "h", "alpha")


def read_certificate(path: str) -> dict:
    """The certificate document in ``path``, read within the limits above (else BadInput).
    Only a regular file is read (a FIFO or a device would block or never end)."""
    import os
    import stat

    try:
        handle = open(path, "rb", opener=lambda name, flags: os.open(name, flags | os.O_NONBLOCK))  # noqa: SIM115 - `with` below
    except OSError as error:
        raise BadInput(f"cannot read {path}: {error.strerror or error}") from None
    with handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise BadInput(f"{path} is not a regular file: not a pepcert certificate")
        try:
            data = handle.read(MAX_FILE_BYTES + 1)
        except OSError as error:
            raise BadInput(f"cannot read {path}: {error.strerror or error}") from None
    if len(data) > MAX_FILE_BYTES:
        raise BadInput(f"{path} is larger than {MAX_FILE_BYTES} bytes: not a pepcert certificate")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadInput(f"{path} is not UTF-8 text (byte {error.start}): not a pepcert certificate") from None
    return parse_certificate_text(text, path)


def parse_certificate_text(text: str, source: str = "the certificate") -> dict:
    """Parse JSON text with the limits above; the result is a dict of the certificate shape."""
    if len(text) > MAX_FILE_BYTES:
        raise BadInput(f"{source} is larger than {MAX_FILE_BYTES} characters")
    depth = nesting_depth(text)
    if depth > MAX_DEPTH:
        raise BadInput(f"{source} nests arrays or objects {depth} deep (at most {MAX_DEPTH}): not a pepcert certificate")
    try:
        document = json.loads(
            text,
            object_pairs_hook=_unique_keys,
            parse_constant=_no_constant,
            parse_int=_json_int,
            parse_float=_json_float,
        )
    except json.JSONDecodeError as error:
        raise BadInput(f"{source} is not JSON: {error.msg} (line {error.lineno})") from None
    except RecursionError:  # pragma: no cover - excluded by the depth check
        raise BadInput(f"{source} nests too deeply") from None
    validate_document(document, source)
    return document


def digit_total(value) -> int:
    """The digits of every number written in the document (its size as arithmetic)."""
    if isinstance(value, str):
        return sum(char.isdigit() for char in value) if len(value) <= 2 * MAX_DIGITS + 8 else len(value)
    if isinstance(value, dict):
        return sum(digit_total(v) for v in value.values())
    if isinstance(value, list):
        return sum(digit_total(v) for v in value)
    return 0


def nesting_depth(text: str) -> int:
    """The deepest ``[``/``{`` nesting of JSON text, ignoring brackets inside strings."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_DEPTH:
                    return deepest
        elif char in "]}":
            depth -= 1
    return deepest


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict:
    document: dict = {}
    for key, value in pairs:
        if key in document:
            raise BadInput(f"duplicate key {_preview(key)} in the certificate (ambiguous claim)")
        document[key] = value
    return document


def _no_constant(name: str):
    raise BadInput(f"{name} is not a number in a certificate")


def _json_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_DIGITS:
        raise BadInput(f"a number in the certificate has more than {MAX_DIGITS} digits")
    return int(text)


def _json_float(text: str):
    return parse_rational(text, "a number in the certificate")  # exact, digits bounded


# -- the shape of a certificate -------------------------------------------------------------


def _rational(value, where: str) -> None:
    if not isinstance(value, str):
        raise BadInput(f"{where} must be a rational string 'p/q', got {_kind(value)}")
    parse_rational(value, where)  # digits bounded; raises BadInput on malformed text


def _name(value, where: str) -> None:
    if not isinstance(value, str) or not value or len(value) > MAX_NAME:
        raise BadInput(f"{where} must be a non-empty string of at most {MAX_NAME} characters, got {_kind(value)}")


def _rationals(value, where: str, matrix: bool = False) -> None:
    if not isinstance(value, list):
        raise BadInput(f"{where} must be a list, got {_kind(value)}")
    for index, entry in enumerate(value):
        if matrix:
            _rationals(entry, f"{where}[{index}]")
        else:
            _rational(entry, f"{where}[{index}]")


def _names(value, where: str) -> None:
    if not isinstance(value, list):
        raise BadInput(f"{where} must be a list of names, got {_kind(value)}")
    for index, entry in enumerate(value):
        _name(entry, f"{where}[{index}]")


def _object(value, where: str) -> dict:
    if not isinstance(value, dict):
        raise BadInput(f"{where} must be a JSON object, got {_kind(value)}")
    return value


def _key(key: str) -> str:
    return key if len(key) <= 40 else key[:37] + "..."


def _kind(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, (bool, int)):
        return f"{type(value).__name__} {value!r}" if abs(int(value)) < 10**20 else "a huge integer"
    if isinstance(value, Fraction):
        return "a JSON number (write rationals as strings \"p/q\")"
    if isinstance(value, (list, dict)):
        return "a list" if isinstance(value, list) else "an object"
    return _preview(value)


def validate_document(document, source: str = "the certificate") -> None:
    """Check that ``document`` has the certificate's shape, before anything is built.

    Raises :class:`BadInput` naming the first field that is missing or of the wrong type.
    Values are not judged here (``mu = -1`` is a certificate that fails, not unreadable).
    """
    from pepcert.analyses.certificates import CERTIFICATE_FORMAT

    if not isinstance(document, dict):
        raise BadInput(f"{source} is not a pepcert certificate (a JSON object is expected, got {_kind(document)})")
    if document.get("format") != CERTIFICATE_FORMAT:
        raise BadInput(f"{source} is not a pepcert certificate (format {_kind(document.get('format'))}, "
                       f"expected {CERTIFICATE_FORMAT!r})")
    if document.get("kind") == "noisy":  # a noise pair (rho, C)
        from pepcert.analyses.noisy_file import validate_noisy

        validate_noisy(document, source)
        return
    if "kind" in document:
        from pepcert.analyses.nstep_file import validate_nstep

        validate_nstep(document, source)
        return
    classes = validate_header(document, source, ("rho_upper", "rho_lower"))
    outcomes = document.get("outcomes", 1)
    if isinstance(outcomes, bool) or not isinstance(outcomes, int) or not 1 <= outcomes <= MAX_OUTCOMES:
        raise BadInput(f"outcomes must be an integer from 1 to {MAX_OUTCOMES}, got {_kind(outcomes)}")
    function = classes["function"]  # validated above
    agents = len(function["agents"]) if function.get("type") == "Distributed" else 1
    if outcomes > 1 and outcomes**agents > MAX_BRANCHES:  # the one-step problem's joint outcomes
        raise BadInput(f"{outcomes} outcomes for {agents} agents are {outcomes}^{agents} joint outcomes per step "
                       f"(at most {MAX_BRANCHES})")
    _rational(document["rho_upper"], "rho_upper")
    _rational(document["rho_lower"], "rho_lower")
    _known(document, RATE_KEYS, source)
    if document.get("upper") is not None:
        _validate_upper(_object(document["upper"], "upper"))
    if document.get("lower") is not None:
        lower = _object(document["lower"], "lower")
        _known(lower, LOWER_KEYS, "lower")
        instance = _object(lower.get("instance"), "lower.instance")
        _known(instance, INSTANCE_KEYS, "lower.instance")
        if isinstance(instance.get("h"), list):
            _validate_agent_instance(instance)
            return
        _rational(instance.get("h"), "lower.instance.h")
        alpha = instance.get("alpha")
        if isinstance(alpha, list):
            if not 1 <= len(alpha) <= MAX_OUTCOMES:
                raise BadInput(f"lower.instance.alpha must list 1 to {MAX_OUTCOMES} outcomes, got {len(alpha)}")
            _rationals(alpha, "lower.instance.alpha")
        else:
            _rational(alpha, "lower.instance.alpha")


def validate_header(document: dict, source: str, claims: tuple[str, ...]) -> dict:
    """The fields every certificate kind has (method, definition, parameters, classes, its
    ``claims``) and the digit limit; returns the classes object."""
    for key in ("method", "parameters", "classes", *claims):
        if key not in document:
            raise BadInput(f"{source} has no {key!r} field")
    digits = digit_total(document)
    if digits > MAX_TOTAL_DIGITS:
        raise BadInput(f"{source} holds {digits:,} digits in its numbers (at most {MAX_TOTAL_DIGITS:,}): "
                       "more than pepcert checks")
    _name(document["method"], "method")
    for key in ("builtin", "digest"):
        if document.get(key) is not None:
            _name(document[key], key)
    parameters = _object(document["parameters"], "parameters")
    if len(parameters) > MAX_PARAMETERS:
        raise BadInput(f"parameters has {len(parameters)} entries (at most {MAX_PARAMETERS})")
    for key, value in parameters.items():
        _rational(value, f"parameters.{_key(key)}")
    classes = _object(document["classes"], "classes")
    _validate_class(classes.get("function"), "classes.function")
    if classes.get("compressor") is not None:
        _validate_class(classes["compressor"], "classes.compressor")
    if classes.get("noise") is not None:
        _validate_class(classes["noise"], "classes.noise", nested=False)
    return classes


def _validate_agent_instance(instance: dict) -> None:
    """n agents: ``h`` one rational per agent, ``alpha`` one list of outcomes per agent."""
    from pepcert.pep.classes import MAX_WHOLE_AGENTS

    hs, alphas = instance["h"], instance.get("alpha")
    if not 1 <= len(hs) <= MAX_WHOLE_AGENTS:
        raise BadInput(f"lower.instance.h must list 1 to {MAX_WHOLE_AGENTS} curvatures, got {len(hs)}")
    _rationals(hs, "lower.instance.h")
    if not isinstance(alphas, list) or len(alphas) != len(hs):
        raise BadInput("lower.instance.alpha must list one outcome list per agent")
    for index, agent in enumerate(alphas):
        if not isinstance(agent, list) or not 1 <= len(agent) <= MAX_OUTCOMES:
            raise BadInput(f"lower.instance.alpha[{index}] must list 1 to {MAX_OUTCOMES} outcomes")
        _rationals(agent, f"lower.instance.alpha[{index}]")


def _validate_distributed(entry: dict, where: str) -> None:
    """``{"type": "Distributed", "agents": [classes], "common_minimizer": bool}``."""
    from pepcert.pep.classes import MAX_WHOLE_AGENTS

    extra = set(entry) - {"type", "agents", "common_minimizer"}
    if extra:
        raise BadInput(f"{where} has unexpected fields {sorted(_key(k) for k in extra)}")
    agents = entry.get("agents")
    if not isinstance(agents, list) or not 1 <= len(agents) <= MAX_WHOLE_AGENTS:
        raise BadInput(f"{where}.agents must list 1 to {MAX_WHOLE_AGENTS} function classes")
    for index, agent in enumerate(agents):
        _validate_class(agent, f"{where}.agents[{index}]", nested=False)
    if not isinstance(entry.get("common_minimizer", True), bool):
        raise BadInput(f"{where}.common_minimizer must be true or false")


def _validate_class(entry, where: str, nested: bool = True) -> None:
    """``{"type": name, number: "p/q", ..., "in_expectation": bool}`` (or a Distributed class
    of such entries, one level deep)."""
    entry = _object(entry, where)
    _name(entry.get("type"), f"{where}.type")
    if nested and entry.get("type") == "Distributed":
        _validate_distributed(entry, where)
        return
    if len(entry) > MAX_PARAMETERS:
        raise BadInput(f"{where} has {len(entry)} fields (at most {MAX_PARAMETERS})")
    for key, value in entry.items():
        if key == "type":
            continue
        if key == "in_expectation":
            if not isinstance(value, bool):
                raise BadInput(f"{where}.in_expectation must be true or false, got {_kind(value)}")
            continue
        _rational(value, f"{where}.{_key(key)}")


def _known(entry: dict, keys: tuple[str, ...], where: str) -> None:
    """Refuse fields pepcert does not write (a reader could take them for part of the claim)."""
    unknown = sorted(_key(key) for key in set(entry) - set(keys))
    if unknown:
        raise BadInput(f"{where} has unknown fields {unknown[:5]} (it has {', '.join(keys)})")


def _validate_upper(upper: dict) -> None:
    _known(upper, UPPER_KEYS, "upper")
    _name(upper.get("family"), "upper.family")
    _names(upper.get("basis"), "upper.basis")
    _names(upper.get("constraints"), "upper.constraints")
    if "equalities" in upper or "equality_multipliers" in upper:  # absent from files without equalities
        _names(upper.get("equalities"), "upper.equalities")
        _rationals(upper.get("equality_multipliers"), "upper.equality_multipliers")
    for key in ("P", "p", "weights"):
        if key not in upper:
            raise BadInput(f"upper has no {key!r} field")
    if upper.get("P") is not None:
        _rationals(upper["P"], "upper.P", matrix=True)
    _rational(upper["p"], "upper.p")
    if upper.get("weights") is not None:
        _rationals(upper["weights"], "upper.weights")
    _rationals(upper.get("multipliers"), "upper.multipliers")
    if upper.get("dominance") is not None:
        dominance = _object(upper["dominance"], "upper.dominance")
        if set(dominance) - {"equality_multipliers"} != {"c", "multipliers"}:
            raise BadInput("upper.dominance must have exactly the fields c, multipliers (and equality_multipliers)")
        _rational(dominance["c"], "upper.dominance.c")
        _rationals(dominance["multipliers"], "upper.dominance.multipliers")
        if "equality_multipliers" in dominance:
            _rationals(dominance["equality_multipliers"], "upper.dominance.equality_multipliers")
