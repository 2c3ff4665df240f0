"""``--latex`` on rate, worst-case, certify and check: a compilable theorem (compiled with
pdflatex when it is installed -- ``.ci/run`` installs it -- and parsed strictly with pylatexenc
otherwise: both paths check something, none is skipped); exact numbers where certified;
``reproduce`` writes booktabs tables; results display themselves in notebooks."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from fractions import Fraction
from pathlib import Path

import pytest

from pepcert.cli import main
from pepcert.pep.latex import number

BASE = ["--method", "ef", "--mu", "0.1", "--L", "1", "--delta", "0.5"]
PDFLATEX = shutil.which("pdflatex")


def _has_package(name: str) -> bool:
    kpsewhich = shutil.which("kpsewhich")
    found = subprocess.run([kpsewhich, f"{name}.sty"], capture_output=True, text=True).stdout if kpsewhich else ""
    return bool(found.strip())


def compiles(text: str, tmp_path, packages=()) -> None:
    """pdflatex when it (and the packages) are installed, else a strict parse."""
    if PDFLATEX and all(_has_package(p) for p in packages):
        (tmp_path / "doc.tex").write_text(text)
        run = subprocess.run([PDFLATEX, "-interaction=nonstopmode", "-halt-on-error", "doc.tex"], cwd=tmp_path,
                             capture_output=True, text=True, timeout=120)
        assert run.returncode == 0 and (tmp_path / "doc.pdf").exists(), run.stdout[-2000:]
        return
    from pylatexenc.latexwalker import LatexWalker

    nodes, _, _ = LatexWalker(text, tolerant_parsing=False).get_latex_nodes()
    assert nodes
    assert text.count("\\begin{") == text.count("\\end{") and text.count("{") == text.count("}")


def _latex(capsys, argv) -> str:
    assert main(argv + ["--latex"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("\\documentclass") and "\\begin{theorem}" in out and out.rstrip().endswith("\\end{document}")
    return out


@pytest.mark.parametrize("argv", [
    ["rate"] + BASE,
    ["rate"] + BASE + ["--eta", "0.5"],  # no linear rate: said so
    ["rate", "--method", "ef21", "--agents", "2", "--mu", "0.1", "--L", "1,2", "--delta", "0.5", "--eta", "0.2"],
    ["worst-case"] + BASE + ["--iterations", "3", "--eta", "0.2"],
    ["worst-case", "--method", "ef", "--mu", "0", "--L", "1", "--delta", "0.5", "--eta", "0.5", "--iterations", "2",
     "--measure", "function", "--start", "free"],
    ["certify"] + BASE + ["--eta", "1/5"],
])
def test_latex_output_compiles(argv, capsys, tmp_path):
    compiles(_latex(capsys, argv), tmp_path)


def test_rate_statement_has_the_rate_the_step_and_the_update(capsys):
    _, data = main(["rate"] + BASE + ["--eta", "0.2", "--json"]), json.loads(capsys.readouterr().out)
    text = _latex(capsys, ["rate"] + BASE + ["--eta", "0.2"])
    assert f"\\rho = {data['rho']:.15g}" in text and "\\eta = 0.2" in text and "The rate is tight" in text
    assert "x_{k+1} &= x_{k} - C(\\eta \\nabla f(x_{k}) + e_{k})" in text  # the step, run on symbols
    assert "\\delta = \\frac{1}{2}" in text and "\\mu = \\frac{1}{10}" in text
    no_rate = _latex(capsys, ["rate"] + BASE + ["--eta", "0.5"])
    assert "no linear rate" in no_rate and "V_{k+1} \\le \\rho" not in no_rate


def test_certified_statement_is_exact(capsys, tmp_path):
    path = tmp_path / "c.json"
    text = _latex(capsys, ["certify"] + BASE + ["--eta", "1/5", "--out", str(path)])
    certificate = json.loads(path.read_text())
    assert f"\\le \\rho \\le {number(certificate['rho_upper'])}" in text
    for row in certificate["upper"]["P"]:
        for entry in row:
            assert number(entry) in text  # every entry of P as \frac{p}{q}
    assert re.search(r"P_\{11\} &= \\frac\{\d+\}\{\d+\}", text)
    checked = _latex(capsys, ["check", str(path)])
    assert number(certificate["rho_lower"]) in checked and "P_{33}" in checked
    compiles(checked, tmp_path)


def test_an_invalid_certificate_says_so(capsys, tmp_path):
    path = tmp_path / "c.json"
    assert main(["certify"] + BASE + ["--eta", "1/5", "--out", str(path)]) == 0
    document = json.loads(path.read_text())
    document["rho_upper"] = "9/10"
    path.write_text(json.dumps(document))
    capsys.readouterr()
    assert main(["check", str(path), "--latex"]) == 1
    assert "No certificate was verified" in capsys.readouterr().out


def test_latex_and_json_exclude_each_other(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["rate"] + BASE + ["--latex", "--json"])
    assert stop.value.code == 2


def test_notebook_displays():
    from pepcert import (
        Contractive,
        ProblemClass,
        SmoothStronglyConvex,
        certify,
        check_certificate,
        tight_rate,
        worst_case,
    )
    from pepcert.pep.algorithms import error_feedback

    classes = ProblemClass(SmoothStronglyConvex(Fraction(1, 10), Fraction(1)), Contractive(Fraction(1, 2)))
    rate = tight_rate(error_feedback(0.2), classes)
    worst = worst_case(error_feedback(0.2), classes, 2)
    certified = certify(error_feedback, classes, Fraction(1, 5))
    report = check_certificate(certified.certificate)
    assert "\\rho = " in rate._repr_latex_() and "(tight)" in rate._repr_latex_()
    assert "N = 2" in worst._repr_latex_()
    assert number(certified.rho_upper) in certified._repr_latex_() and "verified" in report._repr_latex_()
    for result in (rate, worst, certified, report):
        assert result._repr_html_().startswith("<table>") and "\\begin{theorem}" in result.latex()


@pytest.fixture
def reproduced(tmp_path, monkeypatch):
    """``pepcert reproduce`` with a target that writes three CSVs at once (a short, a long and
    a too long one): the tables are the command's, the figure is not needed."""
    import pepcert.papers.figures as figures
    from pepcert.papers.figures.base import TargetResult

    def fake(target, out, grid, options):
        files = []
        for name, rows in (("short", 3), ("long", 60), ("grid", 501)):
            path = tmp_path / f"{target}-{name}.csv"
            path.write_text("method,eta,rho,tight\n" + "".join(f"m_{i},{i / 7},{1 - 1 / (i + 2)},{i % 2 == 0}\n"
                                                              for i in range(rows)))
            files.append(str(path))
        return TargetResult(target, tuple(files), {}, 0, 0, 0.0)

    monkeypatch.setattr(figures, "reproduce", fake)
    return tmp_path


def test_reproduce_writes_booktabs_tables(reproduced, capsys):
    assert main(["reproduce", "some-figure", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    tables = [f for f in data["files"] if f.endswith(".tex")]
    assert [Path(t).name for t in tables] == ["some-figure-short.tex", "some-figure-long.tex"]
    assert [Path(t).name for t in data["tables_skipped"]] == ["some-figure-grid.csv"]
    short, long = (Path(t).read_text() for t in tables)
    assert "\\begin{tabular}" in short and "$\\frac{" not in short and "m\\_1" in short and "$0.142857$" in short
    assert "\\begin{longtable}" in long and "\\endhead" in long
    for text in (short, long):
        assert "\\toprule" in text and "\\bottomrule" in text
        document = ("\\documentclass{article}\\usepackage{booktabs,longtable,graphicx}\\begin{document}\n"
                    + text + "\n\\end{document}\n")
        compiles(document, reproduced, packages=("booktabs", "longtable", "graphicx"))
