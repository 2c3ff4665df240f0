"""Property tests (hypothesis) for untrusted input (issue 8).

For random and mutated certificate files and random command lines:

* no traceback: the checker either refuses the file as unreadable (``BadInput``, exit 2) or
  returns a verdict; the CLI answers with exit 0, 1 or 2 and no internal error;
* an answer within a CPU-time deadline (``tests/deadline.py``: a hang fails the test, a slow
  machine does not);
* no file is accepted whose claim contradicts the closed form of Thomsen, Taylor &
  Dieuleveut (2025) for the parameters the file states.

The default run keeps the example counts small (a few seconds); the ``slow`` variants run
many more (``pytest -m slow``).
"""

from __future__ import annotations

import copy
import json
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deadline import cpu_deadline
from pepcert.analyses import check_certificate
from pepcert.analyses.certificate_file import parse_certificate_text
from pepcert.papers import ttd25
from pepcert.pep.errors import BadInput

ANSWER_SECONDS = 5
FAST = settings(max_examples=25, deadline=None, database=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
SLOW = settings(max_examples=400, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.fixture(scope="module")
def certificates():
    from pepcert.analyses import certify
    from pepcert.pep import Contractive, ProblemClass, SmoothStronglyConvex
    from pepcert.pep.algorithms import method_factory

    out = []
    for name, delta in (("ef21", Fraction(1, 2)), ("cgd", Fraction(1, 4))):
        classes = ProblemClass(SmoothStronglyConvex(Fraction(1, 10), Fraction(1)), Contractive(delta))
        result = certify(method_factory(name), classes, Fraction(1, 5), gaps=(1e-12, 1e-11, 1e-10))
        assert result.verified
        out.append(json.loads(json.dumps(result.certificate)))
    return out


# -- strategies ---------------------------------------------------------------------------------

HOSTILE_NUMBERS = ["1e1000000", "-1e-400", "1e400", "-1/1" + "0" * 400, "1/0", "nan", "Infinity", "0e99999999999",
                   "1" * 3000, "1/3", "-0", "2", "1.0000000000000001", "0.5", " 1/2 ", "1_0", "0x10", ""]
rationals = st.builds(lambda p, q: str(Fraction(p, q)), st.integers(-10**40, 10**40), st.integers(1, 10**40))
leaves = (st.none() | st.booleans() | st.integers(-10**30, 10**30) | st.floats(allow_nan=False, allow_infinity=False)
          | st.text(max_size=12) | rationals | st.sampled_from(HOSTILE_NUMBERS))
json_values = st.recursive(leaves, lambda children: st.lists(children, max_size=3)
                           | st.dictionaries(st.text(max_size=6), children, max_size=3), max_leaves=6)


def paths(value, prefix=()):
    """Every path to a value inside a JSON document."""
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from paths(child, prefix + (key,))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from paths(child, prefix + (index,))


def replace_at(document, path, new):
    if not path:
        return new
    parent = document
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = new
    return document


def delete_at(document, path):
    if path:
        parent = document
        for key in path[:-1]:
            parent = parent[key]
        del parent[path[-1]]
    return document


def get_at(document, path):
    for key in path:
        document = document[key]
    return document


@st.composite
def mutated_texts(draw, base_documents):
    document = copy.deepcopy(draw(st.sampled_from(base_documents)))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(list(paths(document))))
        kind = draw(st.sampled_from(["replace", "nudge", "nudge", "delete", "scale"]))
        target = get_at(document, path)
        if kind == "nudge" and isinstance(target, str) and _is_rational(target):
            step = Fraction(draw(st.integers(-1000, 1000)), 10 ** draw(st.integers(3, 15)))
            document = replace_at(document, path, str(Fraction(target) + step))
        elif kind == "scale" and isinstance(target, str) and _is_rational(target):
            document = replace_at(document, path, str(Fraction(target) * Fraction(draw(st.integers(-3, 3)), draw(st.integers(1, 3)))))
        elif kind == "delete" and path:
            document = delete_at(document, path)
        else:
            document = replace_at(document, path, draw(json_values))
    text = json.dumps(document)
    if draw(st.integers(0, 9)) == 0:  # a few text-level edits: truncation, stray bytes
        cut = draw(st.integers(0, len(text)))
        text = text[:cut] + draw(st.text(max_size=4)) + text[cut + draw(st.integers(0, 3)):]
    return text


def _is_rational(text: str) -> bool:
    try:
        Fraction(text)
        return len(text) < 200
    except (ValueError, ZeroDivisionError):
        return False


# -- the property ---------------------------------------------------------------------------

def closed_form_of(document):
    """The TTD25 closed form for the problem a document states, or ``None`` if not one."""
    try:
        function, compressor = document["classes"]["function"], document["classes"]["compressor"]
        if function["type"] != "SmoothStronglyConvex" or compressor["type"] != "Contractive":
            return None
        if document.get("builtin") not in ("cgd", "ef", "ef21") or set(document["parameters"]) != {"eta"}:
            return None
        return ttd25.rate(document["builtin"], Fraction(function["mu"]), Fraction(function["L"]),
                          Fraction(compressor["delta"]), Fraction(document["parameters"]["eta"]))
    except (KeyError, TypeError, ValueError):
        return None


def assert_sound_answer(text: str) -> None:
    """Unreadable, invalid, or valid with a claim the closed form does not contradict."""
    with cpu_deadline(ANSWER_SECONDS):
        try:
            document = parse_certificate_text(text)
            report = check_certificate(document)
        except BadInput:
            return
    if not report.valid:
        assert report.reasons
        return
    closed = closed_form_of(document)
    assert closed is not None, "a valid certificate for a problem without a closed form here"
    assert ttd25.compare(report.rho_lower, closed) <= 0, "accepted a lower bound above the closed form"
    assert ttd25.compare(report.rho_upper, closed) >= 0, "accepted an upper bound below the closed form"


def test_unmutated_certificates_are_sound(certificates):
    for document in certificates:
        assert_sound_answer(json.dumps(document))


@FAST
@given(data=st.data())
def test_mutated_certificates_are_refused_or_sound(certificates, data):
    assert_sound_answer(data.draw(mutated_texts(certificates)))


@FAST
@given(text=st.text(max_size=300) | st.binary(max_size=300).map(lambda b: b.decode("latin-1")))
def test_random_text_is_refused_without_a_traceback(text):
    with cpu_deadline(ANSWER_SECONDS):
        try:
            document = parse_certificate_text(text)
        except BadInput:
            return
        with pytest.raises(BadInput):  # random text is never a certificate
            check_certificate(document)


@pytest.mark.slow
@SLOW
@given(data=st.data())
def test_mutated_certificates_are_refused_or_sound_exhaustive(certificates, data):
    assert_sound_answer(data.draw(mutated_texts(certificates)))
