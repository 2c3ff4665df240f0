"""The custom-method path: each misuse is one line naming what to change (exit 2 on the command
line, :class:`BadInput` in Python), never a raw Python error; and the small wording fixes."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

from pepcert import Method, ProblemClass, SmoothStronglyConvex, certify, tight_rate, worst_case
from pepcert.cli import main
from pepcert.pep.errors import BadInput

CLASSES = ProblemClass(SmoothStronglyConvex(Fraction(1, 10), Fraction(1)))
USER_FILE = '''
from pepcert import Method

def gd_gamma(gamma):
    def step(state, oracle):
        (x,) = state
        return (x - gamma * oracle.gradient(x),)
    return Method("GD", state=("x",), step=step)

def gd_two(eta, beta):
    def step(state, oracle):
        (x,) = state
        return (x - eta * oracle.gradient(x),)
    return Method("GD", state=("x",), step=step)

def squared(eta):
    def step(state, oracle):
        (x,) = state
        g = oracle.gradient(x)
        return (x - eta * g * g,)
    return Method("GD", state=("x",), step=step)

def by_value(eta):
    def step(state, oracle):
        (x,) = state
        return (x - (eta / (1 + oracle.value(x))) * oracle.gradient(x),)
    return Method("GD", state=("x",), step=step)
'''


@pytest.fixture(scope="module")
def user(tmp_path_factory):
    import importlib.util

    path = tmp_path_factory.mktemp("user") / "methods.py"
    path.write_text(USER_FILE)
    spec = importlib.util.spec_from_file_location("user_methods_for_errors", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return path, module


def test_a_step_argument_not_named_eta_is_named(user):
    with pytest.raises(BadInput) as error:
        certify(user[1].gd_gamma, CLASSES, Fraction(1, 5))
    message = str(error.value)
    assert "rename its step-size argument gamma to eta" in message and "\n" not in message


def test_a_missing_parameter_is_named(user):
    with pytest.raises(BadInput, match="also needs beta"):
        certify(user[1].gd_two, CLASSES, Fraction(1, 5))


@pytest.mark.parametrize("name, operation", [("squared", "'Vector' and 'Vector'"), ("by_value", "'Scalar'")])
def test_a_nonlinear_step_is_one_line(user, name, operation):
    factory = getattr(user[1], name)
    for run in (lambda: certify(factory, CLASSES, Fraction(1, 5)), lambda: tight_rate(factory(0.2), CLASSES),
                lambda: worst_case(factory(0.2), CLASSES, 2, measure="distance")):
        with pytest.raises(BadInput) as error:
            run()
        message = str(error.value)
        assert "not linear in the state and the oracle outputs" in message and operation in message
        assert "\n" not in message


def test_a_nonlinear_step_still_runs_on_numbers():
    """Only pepcert's symbolic vectors turn a type error into that message; numeric runs are
    the user's own business."""
    def bad(state, oracle):
        raise TypeError("a bug of the user's")

    method = Method("M", state=("x",), step=bad)
    with pytest.raises(TypeError, match="a bug"):
        method.advance((1.0,), None, 0)


@pytest.fixture(scope="module")
def gd_certificate(tmp_path_factory):
    from user_methods import gradient_descent

    path = tmp_path_factory.mktemp("cert") / "gd.json"
    path.write_text(json.dumps(certify(gradient_descent, CLASSES, Fraction(20, 11)).certificate))
    return path


@pytest.mark.parametrize("factory, fragment", [
    ("gd_two", "also needs beta, which is not among the certificate's parameters"),
    ("gd_gamma", "rename its step-size argument gamma to eta"),
])
def test_check_with_the_wrong_factory_is_one_line_and_exit_2(user, gd_certificate, factory, fragment, capsys):
    assert main(["check", str(gd_certificate), "--method-from", f"{user[0]}:{factory}"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1 and fragment in captured.err


def test_muon_with_the_sign_lmo_is_labelled_signed_momentum(capsys):
    assert main(["muon", "--beta", "0.5", "--steps", "1/(t+1)", "--iterations", "3", "--lmo", "sign"]) == 0
    out = capsys.readouterr().out
    assert "Signed momentum:" in out and "  Muon:" not in out


def test_singular_counts_and_exact_steps(capsys):
    assert main(["worst-case", "--method", "ef", "--mu", "0.1", "--L", "1", "--delta", "0.5", "--iterations", "1",
                 "--eta", "0.2"]) == 0
    assert "after 1 step\n" in capsys.readouterr().out
    assert main(["rate", "--method", "cgd", "--mu", "0.1", "--L", "1", "--delta", "0.5", "--eta", "1"]) == 0
    assert ", 1 solve," in capsys.readouterr().out
    assert main(["certify", "--method", "cgd", "--mu", "0.1", "--L", "1", "--delta", "0.5", "--eta", "1"]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first.endswith("eta = 1")
    assert main(["certify", "--method", "cgd", "--mu", "0.1", "--L", "1", "--delta", "0.5", "--eta", "1/3"]) == 0
    assert capsys.readouterr().out.splitlines()[0].endswith("eta = 1/3 ~ 0.333333333333")
