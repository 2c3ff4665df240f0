"""Property test (hypothesis) of the command line on hostile arguments (issue 8).

Random argument lists for ``rate``, ``worst-case``, ``certify`` and ``muon``, each with at
least one hostile value (so every answer is a refusal or a cheap check, not a long solve),
plus random junk tokens: the CLI answers within a CPU-time deadline with exit status 0, 1
or 2, at most one line on stderr, and never a traceback or an internal error.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deadline import cpu_deadline
from pepcert.cli import main

ANSWER_SECONDS = 5
FAST = settings(max_examples=30, deadline=None, database=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture])
SLOW = settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

GOOD = {"--mu": ["0.1", "1/10"], "--L": ["1"], "--delta": ["0.5", "1/4"], "--eta": ["0.2", "optimal"],
        "--method": ["ef", "cgd", "ef21"], "-N": ["2"], "--beta": ["0.5", "0"], "--steps": ["1/(t+1)", "0.1"],
        "-T": ["5"]}
HOSTILE = ["-1e-400", "-1/10^400", "1e1000000", "1e400", "1e-400", "nan", "inf", "-inf", "1/0", "", " ",
           "1.00000000000000000001", "1.0000000000000001", "-1", "1e-310", "2e-310", "abc", "1_000",
           "0x1", "t**t**t**t", "exp(-exp(t))", "1e300", "1/(t+1)**64", "-1/(t+1)", "__import__('os')", "x",
           "9" * 5000, "10**10**10", "(t+1)**(t+1)", "log(0)", "sqrt(-1)", "--json", "-", "--", "🙂"]
COMMANDS = {
    "rate": ["--method", "--mu", "--L", "--delta", "--eta"],
    "worst-case": ["--method", "--mu", "--L", "--delta", "--eta", "-N"],
    "certify": ["--method", "--mu", "--L", "--delta", "--eta"],
    "muon": ["--beta", "--steps", "-T"],
}


@st.composite
def hostile_argv(draw):
    command = draw(st.sampled_from(sorted(COMMANDS)))
    options = COMMANDS[command]
    bad = draw(st.sampled_from([o for o in options if o != "--method"]))  # at least one hostile value
    argv = [command]
    for option in options:
        if draw(st.integers(0, 9)) == 0:
            continue  # a missing option
        value = draw(st.sampled_from(HOSTILE)) if option == bad else draw(st.sampled_from(GOOD[option] + HOSTILE[:3]))
        if option == bad and value in GOOD.get(option, []):  # pragma: no cover - HOSTILE and GOOD are disjoint
            value = "nan"
        if draw(st.booleans()):
            argv += [option, value]
        else:
            argv.append(f"{option}={value}")
    if option_after := draw(st.sampled_from([None, "--json", "--random", "--bogus", "-T", "extra"])):
        argv.append(option_after)
    return argv


def assert_answers(argv, capsys):
    with cpu_deadline(ANSWER_SECONDS):
        try:
            code = main(argv)
        except SystemExit as error:  # argparse usage errors (exit 2)
            code = error.code
    captured = capsys.readouterr()
    assert code in (0, 1, 2), (argv, code)
    assert "Traceback" not in captured.err and "internal error" not in captured.err, (argv, captured.err)
    assert len(captured.err.strip().splitlines()) <= 1 or captured.err.startswith("usage:"), (argv, captured.err)


@FAST
@given(argv=hostile_argv())
def test_hostile_command_lines_get_one_line_answers(argv, capsys):
    assert_answers(argv, capsys)


@pytest.mark.slow
@SLOW
@given(argv=hostile_argv())
def test_hostile_command_lines_get_one_line_answers_exhaustive(argv, capsys):
    assert_answers(argv, capsys)
