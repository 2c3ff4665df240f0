r"""LaTeX pieces shared by every result: numbers (exact rationals as ``\frac{p}{q}``), the
state's names as symbols, quadratic forms, matrices, the classes in words, booktabs tables
and the standalone document ``--latex`` prints.

Everything here works on plain data (a result's ``to_dict()``, JSON numbers, ``"p/q"``
strings), so each layer's results can use it; the statements themselves are in
:mod:`pepcert.pep.latex_statements`. No TeX installation is needed to produce the text;
the tests compile it with ``pdflatex`` (or parse it with ``pylatexenc``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

PREAMBLE = r"""\documentclass[11pt]{article}
\usepackage[margin=2.5cm]{geometry}
\usepackage{amsmath,amssymb,amsthm}
\allowdisplaybreaks
\newtheorem{theorem}{Theorem}
\theoremstyle{remark}
\newtheorem*{remark}{Remark}
"""

_EXACT = re.compile(r"^-?\d+(/\d+)?$")
_SPECIALS = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
             "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}


def document(body: str) -> str:
    """A standalone, compilable document around ``body`` (the theorem of a result); it needs
    only the packages of a basic TeX installation (amsmath, amssymb, amsthm, geometry)."""
    return f"{PREAMBLE}\n\\begin{{document}}\n\n{body.strip()}\n\n\\end{{document}}\n"


def escape(text: str) -> str:
    """Text for LaTeX's text mode (special characters escaped)."""
    return "".join(_SPECIALS.get(char, char) for char in str(text))


def exact(value: Any) -> Fraction | None:
    """``value`` as a Fraction when it is exact (a Fraction, an int, a ``"p/q"`` string)."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Fraction(value)
    if isinstance(value, str) and _EXACT.match(value.strip()):
        return Fraction(value.strip())
    return None


def number(value: Any, digits: int = 6) -> str:
    r"""A number in math mode: exact values as ``\frac{p}{q}``, floats with ``digits``
    significant digits (``1.5 \cdot 10^{-8}``), non-finite ones as ``\infty``."""
    rational = exact(value)
    if rational is not None:
        sign = "-" if rational < 0 else ""
        rational = abs(rational)
        if rational.denominator == 1:
            return f"{sign}{rational.numerator}"
        return f"{sign}\\frac{{{rational.numerator}}}{{{rational.denominator}}}"
    if value is None:
        return r"\text{n/a}"
    number_ = float(value)
    if math.isnan(number_):
        return r"\text{NaN}"
    if math.isinf(number_):
        return r"\infty" if number_ > 0 else r"-\infty"
    text = f"{number_:.{digits}g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa} \\cdot 10^{{{int(exponent)}}}"
    return text


def symbol(name: str) -> str:
    r"""A state or feature name as math: ``x - x*`` -> ``x - x^\star``, ``grad f_1(x)`` ->
    ``\nabla f_1(x)``, ``d1`` -> ``d_{1}``, ``x_prev`` -> ``x_{\mathrm{prev}}``."""
    text = str(name).replace("grad ", "\\nabla ")
    text = re.sub(r"\b([A-Za-z]+)(\d+)\b", r"\1_{\2}", text)
    text = re.sub(r"\b([A-Za-z])_([A-Za-z]{2,})\b", r"\1_{\\mathrm{\2}}", text)
    return text.replace("*", "^\\star")


def _coefficient(value, exact_form: bool, digits: int) -> tuple[bool, str]:
    """``(negative, magnitude as math)``; a magnitude of 1 is written as nothing."""
    rational = exact(value) if exact_form else None
    if rational is not None:
        return rational < 0, "" if abs(rational) == 1 else number(abs(rational)) + r"\,"
    magnitude = abs(float(value))
    shown = f"{magnitude:.{digits}g}"
    return float(value) < 0, "" if shown == "1" else number(magnitude, digits) + r"\,"


def quadratic_form(names: Sequence[str], P, p=0, exact_form: bool = False, digits: int = 6,
                   gap: str = r"(f(x) - f^\star)", per_line: int | None = None) -> str:
    r"""``phi^T P phi + p (f - f*)`` written out term by term (``\|a\|^2``, ``\langle a, b\rangle``);
    coefficients below ``10^-digits`` in a float form are left out (they are not exact).
    ``per_line``: break after that many terms (``\\`` and ``&\quad``, for an ``align*``)."""
    floor = 0.0 if exact_form else 10.0 ** (-digits)
    terms = []
    for a in range(len(names)):
        for b in range(a, len(names)):
            value = P[a][b] if a == b else _double(P[a][b], exact_form)
            if _magnitude(value) > floor:
                term = f"\\|{symbol(names[a])}\\|^2" if a == b else \
                    f"\\langle {symbol(names[a])}, {symbol(names[b])}\\rangle"
                terms.append((value, term))
    if _magnitude(p) > floor:
        terms.append((p, gap))
    if not terms:
        return "0"
    out = []
    for index, (value, term) in enumerate(terms):
        negative, coefficient = _coefficient(value, exact_form, digits)
        sign = ("-" if negative else "") if index == 0 else (" - " if negative else " + ")
        if per_line and index and index % per_line == 0:
            sign = " \\\\\n&\\quad" + sign.strip() + " "
        out.append(f"{sign}{coefficient}{term}")
    return "".join(out)


def _double(value, exact_form: bool):
    rational = exact(value) if exact_form else None
    return 2 * rational if rational is not None else 2 * float(value)


def _magnitude(value) -> float:
    rational = exact(value)
    return float(abs(rational)) if rational is not None else abs(float(value or 0))


def matrix_entries(name: str, P) -> list[str]:
    r"""``P_{ij} = \frac{p}{q}`` for ``i <= j``, one line each (exact values stay exact)."""
    return [f"{name}_{{{a + 1}{b + 1}}} &= {number(P[a][b])}" for a in range(len(P)) for b in range(a, len(P))]


def align(lines: Sequence[str]) -> str:
    """An ``align*`` environment of ``lines`` (each with its own ``&``)."""
    return "\\begin{align*}\n" + " \\\\\n".join(lines) + "\n\\end{align*}"


def _class_text(entry: dict, agent: str = "") -> str:
    kind = entry.get("type")
    if kind == "SmoothStronglyConvex":
        mu, L = entry.get("mu"), entry.get("L")
        exact_mu, exact_L = exact(mu), exact(L)
        if exact_mu is not None and exact_L is not None and exact_mu < 0:
            what = "nonconvex: its curvature is in $[-L, L]$" if exact_mu == -exact_L else \
                "hypoconvex: its curvature is in $[\\mu, L]$"
            return f"$f{agent}$ is $L$-smooth and {what}, with $\\mu = {number(mu)}$, $L = {number(L)}$"
        what = "convex" if exact_mu == 0 or mu == 0 else "strongly convex"
        return (f"$f{agent}$ is $L$-smooth and $\\mu$-{what} with $\\mu = {number(mu)}$, "
                f"$L = {number(L)}$")
    if kind == "ConvexLipschitz":
        return f"$f{agent}$ is convex and $M$-Lipschitz with $M = {number(entry.get('M'))}$"
    return f"$f{agent}$ belongs to the class {escape(str(kind))}"


def classes_text(classes: dict) -> str:
    """The function and compressor classes of a result's ``classes`` dict, in words."""
    function = classes.get("function") or {}
    if function.get("type") == "Distributed":
        agents = function.get("agents", [])
        parts = [_class_text(entry, f"_{{{i + 1}}}") for i, entry in enumerate(agents)]
        common = ", with a common minimiser" if function.get("common_minimizer") else ""
        text = (f"$f = \\frac{{1}}{{{len(agents)}}}\\sum_{{i=1}}^{{{len(agents)}}} f_i$ where " + "; ".join(parts)
                + common + ", and each agent has its own independent compressor $C_i$")
    else:
        text = _class_text(function)
    compressor = classes.get("compressor")
    if compressor is None:
        return text
    return text + "; " + compressor_text(compressor)


def compressor_text(entry: dict) -> str:
    r"""``C`` satisfies ``\|C(v) - v\|^2 <= (1 - delta)\|v\|^2`` (or its unbiased form)."""
    if entry.get("type") == "Contractive":
        expectation = entry.get("in_expectation", False)
        left = r"\mathbb{E}\|C(v) - v\|^2" if expectation else r"\|C(v) - v\|^2"
        return (f"the compressor $C$ is {'random and ' if expectation else ''}contractive: ${left} \\le (1 - \\delta)"
                f"\\|v\\|^2$ for all $v$, with $\\delta = {number(entry.get('delta'))}$")
    if entry.get("type") == "Unbiased":
        return (r"the compressor $C$ is unbiased: $\mathbb{E}\, C(v) = v$ and $\mathbb{E}\|C(v)\|^2 \le (1 + \omega)"
                f"\\|v\\|^2$ for all $v$, with $\\omega = {number(entry.get('omega'))}$")
    return f"the compressor belongs to the class {escape(str(entry.get('type')))}"


def booktabs_table(columns: Sequence[str], rows: Sequence[Sequence[Any]], caption: str = "", label: str = "",
                   digits: int = 6) -> str:
    """A booktabs table (``longtable`` beyond 40 rows, scaled to the text width beyond 8
    columns) of ``rows``: numbers in math mode, text escaped. A fragment to ``\\input`` into a
    paper (needs ``booktabs``, ``longtable`` and ``graphicx``)."""
    def cell(value):
        if isinstance(value, bool) or value is None or (isinstance(value, str) and exact(value) is None):
            return escape("" if value is None else str(value))
        try:
            return f"${number(value, digits)}$"
        except (TypeError, ValueError):
            return escape(value)

    spec = "l" * len(columns)
    head = " & ".join(escape(c) for c in columns) + r" \\"
    body = "\n".join(" & ".join(cell(v) for v in row) + r" \\" for row in rows)
    label_text = f"\\label{{{label}}}\n" if label else ""
    if len(rows) > 40:
        caption_line = f"\\caption{{{escape(caption)}}}{label_text.strip()}\\\\\n" if caption else ""
        return (f"{{\\footnotesize\n\\begin{{longtable}}{{{spec}}}\n{caption_line}"
                f"\\toprule\n{head}\n\\midrule\n\\endhead\n"
                f"{body}\n\\bottomrule\n\\end{{longtable}}\n}}\n")
    caption_line = f"\\caption{{{escape(caption)}}}\n{label_text}" if caption else ""
    tabular = f"\\begin{{tabular}}{{{spec}}}\n\\toprule\n{head}\n\\midrule\n{body}\n\\bottomrule\n\\end{{tabular}}"
    if len(columns) > 8:  # a wide table is scaled to the text width (graphicx)
        tabular = f"\\resizebox{{\\textwidth}}{{!}}{{%\n{tabular}}}"
    return f"\\begin{{table}}[ht]\n\\centering\n{caption_line}{tabular}\n\\end{{table}}\n"
