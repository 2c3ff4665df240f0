"""``pepcert check`` on a user-defined method's certificate: the method comes from the command
line (``--method-from``), never from the file."""

from __future__ import annotations

import json
import sys
from fractions import Fraction
from pathlib import Path

import pytest

from pepcert import ProblemClass, SmoothStronglyConvex, certify
from pepcert.cli import main
from user_methods import gradient_descent

USER_FILE = Path(__file__).resolve().parents[1] / "user_methods.py"


@pytest.fixture(scope="module")
def document():
    classes = ProblemClass(SmoothStronglyConvex(Fraction(1, 10), Fraction(1)))
    return certify(gradient_descent, classes, Fraction(20, 11)).certificate


def write(tmp_path, document) -> str:
    path = tmp_path / "certificate.json"
    path.write_text(json.dumps(document))
    return str(path)


def test_user_method_needs_method_from(tmp_path, document, capsys):
    assert main(["check", write(tmp_path, document)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--method-from" in err


def test_method_from_checks_it(tmp_path, document, capsys):
    assert main(["check", write(tmp_path, document), "--method-from", f"{USER_FILE}:gradient_descent", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["valid"] and report["method"] == "GD"


def test_method_from_rejects_a_tampered_claim(tmp_path, document, capsys):
    forged = dict(document, rho_upper="80/121")  # below the tight rate 81/121
    assert main(["check", write(tmp_path, forged), "--method-from", f"{USER_FILE}:gradient_descent"]) == 1
    assert "INVALID" in capsys.readouterr().out


@pytest.mark.parametrize("spec", ["nofile.py:gradient_descent", f"{USER_FILE}:missing", f"{USER_FILE}", ":x"])
def test_bad_method_from_is_one_line(tmp_path, document, capsys, spec):
    assert main(["check", write(tmp_path, document), "--method-from", spec]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_a_file_that_names_a_module_never_imports_it(tmp_path, document, monkeypatch, capsys):
    marker = tmp_path / "imported"
    (tmp_path / "evil_module.py").write_text(f"open({str(marker)!r}, 'w').write('ran')\ndef factory(**k):\n    raise SystemExit(3)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    forged = dict(document, method="evil_module", builtin="evil_module", module="evil_module", factory="evil_module:factory")
    for argv in (["check", write(tmp_path, forged)], ["check", write(tmp_path, forged), "--json"]):
        assert main(argv) == 2
    capsys.readouterr()
    assert not marker.exists() and "evil_module" not in sys.modules
