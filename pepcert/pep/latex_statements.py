r"""Results as theorems (``--latex``) and as notebook displays (``_repr_latex_``,
``_repr_html_``), from their ``to_dict()`` data.

* :func:`rate_theorem` -- a tight linear rate and its Lyapunov function (floating point,
  coefficients to 6 digits);
* :func:`worst_case_theorem` -- an N-step worst case (floating point, to the solver's
  tolerance);
* :func:`certified_theorem` -- ``rho_lower <= rate <= rho_upper`` proven in exact rational
  arithmetic, with the Lyapunov matrix's entries exact (``\frac{p}{q}``) when the certificate
  is given;
* :func:`method_equations` -- a method's update written out by running its step once on
  sympy symbols (the same step every analysis runs).

What a statement claims is what the data says was computed: a floating-point rate is never
called proven, and a rate of 1 or more is never called convergence.
"""

from __future__ import annotations

import html
from typing import Any

from pepcert.pep.latex import align, classes_text, escape, exact, matrix_entries, number, quadratic_form, symbol

MEASURES = {
    "lyapunov": "the method's own Lyapunov function $V$",
    "distance": r"$\|x - x^\star\|^2$ plus the squared distances of the other state variables to their values at "
                r"the optimum",
    "function": r"$f(x) - f^\star$",
}


def _parameters(data: dict) -> str:
    items = [(k, v) for k, v in (data.get("parameters") or {}).items() if not k.endswith(("_float", "_reason"))]
    if not items:
        return ""
    return ", ".join(f"${_parameter_name(k)} = {number(v, 15)}$" for k, v in items)


GREEK = {"alpha", "beta", "gamma", "delta", "eta", "theta", "kappa", "lambda", "mu", "nu", "rho", "sigma", "tau",
         "omega"}


def _parameter_name(name: str) -> str:
    if name in GREEK:
        return "\\" + name
    return name if len(name) == 1 else f"\\mathrm{{{escape(name)}}}"


def method_equations(method, agents: int = 1) -> str | None:
    r"""The update of ``method`` as an ``align*`` block (``x_{k+1} = ...``), its step run once
    on sympy symbols; None when the step does not run on them (nothing is guessed)."""
    try:
        import sympy

        return _equations(sympy, method, agents)
    except Exception:  # noqa: BLE001 - an optional rendering: a user's step may not take symbols
        return None


def _equations(sympy, method, agents: int) -> str:
    class NablaF(sympy.Function):  # not 'Gradient': sympy's printer knows that name (sympy.vector)
        precedence = 1000

        def _latex(self, printer):
            index = f"_{{{int(self.args[1]) + 1}}}" if len(self.args) > 1 else ""
            return f"\\nabla f{index}({printer._print(self.args[0])})"

    class Compressed(sympy.Function):
        precedence = 1000

        def _latex(self, printer):
            index = f"_{{{int(self.args[1]) + 1}}}" if len(self.args) > 1 else ""
            return f"C{index}({printer._print(self.args[0])})"

    class ValueOf(sympy.Function):
        precedence = 1000

        def _latex(self, printer):
            return f"f({printer._print(self.args[0])})"

    class Oracle:
        def __init__(self, n):
            self.agents = n

        def gradient(self, x, agent=None):
            return NablaF(x) if agent is None else NablaF(x, agent)

        def compress(self, v, agent=None):
            return Compressed(v) if agent is None else Compressed(v, agent)

        def value(self, x, agent=None):
            return ValueOf(x)

    names = {}
    state = []
    for index, name in enumerate(method.state):
        variable = sympy.Symbol(f"s{index}")
        names[variable] = _indexed(name, "k")
        state.append(variable)
    k = sympy.Symbol("k", integer=True, nonnegative=True)
    new = method.advance(tuple(state), Oracle(agents), k)
    lines = [f"{_indexed(name, 'k+1')} &= {sympy.latex(expression, symbol_names=names)}"
             for name, expression in zip(method.state, new)]
    return align(lines)


def _indexed(name: str, index: str) -> str:
    """``x`` -> ``x_{k}``, ``d1`` -> ``d_{1,k}``."""
    text = symbol(name)
    if text.endswith("}") and "_{" in text:
        base, inner = text.split("_{", 1)
        return f"{base}_{{{inner[:-1]},{index}}}"
    return f"{text}_{{{index}}}"


def _method_sentence(data: dict, equations: str | None) -> str:
    name = escape(data.get("method", "the method"))
    parameters = _parameters(data)
    head = f"Consider the method {name}" + (f" with {parameters}" if parameters else "")
    if equations:
        return f"{head},\n{equations}\nfrom any starting point."
    return head + "."


def _instance(case: dict) -> str:
    if not case:
        return ""
    h, alpha = case.get("h"), case.get("alpha")
    if isinstance(h, list):
        return (r"the quadratics $f_i(x) = \frac{h_i}{2}x^2$ with $h = ("
                + ", ".join(number(v) for v in h) + ")$ and compressors $C_i(v) = \\alpha_i v$")
    alphas = alpha if isinstance(alpha, list) else [alpha]
    alpha_text = (f"= {number(alphas[0])}" if len(alphas) == 1 else
                  "\\in \\{" + ", ".join(number(a) for a in alphas) + "\\}")
    return (f"the quadratic $f(x) = \\frac{{h}}{{2}}x^2$ with $h = {number(h)}$ and the compressor $C(v) = \\alpha v$, "
            f"$\\alpha {alpha_text}$")


def rate_theorem(data: dict, equations: str | None = None) -> str:
    """The theorem of a Lyapunov rate (``pepcert rate``'s data or ``LyapunovResult.to_dict()``)."""
    lyapunov = data.get("lyapunov") or {}
    names = lyapunov.get("basis", [])
    form = quadratic_form(names, lyapunov.get("P", []), lyapunov.get("p", 0), per_line=3 if len(names) <= 3 else 2)
    V = align([f"V &= {form}"])
    rho, lower = data.get("rho"), data.get("rho_lower")
    body = [f"\\begin{{theorem}}[{escape(data.get('method', ''))}: linear rate]",
            f"Assume that {classes_text(data.get('classes') or {})}. {_method_sentence(data, equations)}"]
    if data.get("converges"):
        body.append(f"Then $V_{{k+1}} \\le \\rho\\, V_k$ for every $k \\ge 0$, every such $f$ and every admissible "
                    f"compressor output, with\n\\[ \\rho = {number(rho, 15)} \\]\nand\n{V}\n"
                    "where $x^\\star$ minimises $f$, the other variables are shifted by their values at the optimum "
                    "and $V$ controls the whole state.")
        if data.get("tight") and data.get("worst_cases"):
            body.append(f"The rate is tight: {_instance(data['worst_cases'][0])} attains it.")
        elif lower is not None:
            why = {"instance": "a worst-case instance proves it", "margin": "no Lyapunov function of this family "
                   "certifies less"}.get(data.get("lower_source", ""), escape(data.get("lower_source", "")))
            body.append(f"No rate below ${number(lower, 15)}$ is possible here ({why}).")
    else:
        body.append(f"This method has no linear rate here: {escape(data.get('note', ''))}. The best Lyapunov "
                    f"function found contracts by $\\rho = {number(rho, 15)}$ with\n{V}")
    body.append("\\end{theorem}")
    body.append("\\begin{remark}Computed in floating point by pepcert (SDP solver "
                f"{escape(data.get('solver', ''))}); coefficients are shown to 6 significant digits. "
                "\\texttt{pepcert certify} proves the bounds in exact rational arithmetic.\\end{remark}")
    return "\n".join(body)


def worst_case_theorem(data: dict, equations: str | None = None) -> str:
    """The theorem of an N-step worst case (``WorstCaseResult.to_dict()`` or the command's data)."""
    N, measure = data.get("iterations"), data.get("measure", "")
    what = MEASURES.get(measure, escape(measure))
    start = "the method's declared start" if data.get("start") == "declared" else "any initial state"
    body = [f"\\begin{{theorem}}[{escape(data.get('method', ''))}: worst case after {N} steps]",
            f"Assume that {classes_text(data.get('classes') or {})}. {_method_sentence(data, equations)}"]
    if data.get("status") == "unbounded" or data.get("value") is None:
        body.append(f"From {start} with {what} at most $1$, {what} after {N} steps is unbounded.")
    else:
        body.append(f"From {start} with {what} at most $1$, after $N = {N}$ steps\n"
                    f"\\[ \\text{{{escape(measure)}}}(x_N) \\le {number(data.get('value'), 12)}, \\]\n"
                    f"that is ${number(data.get('rate_per_step'), 12)}$ per step, and this bound is attained "
                    "(the exact worst case of the performance-estimation problem).")
    body.append("\\end{theorem}")
    body.append(f"\\begin{{remark}}Computed in floating point by pepcert (solver {escape(data.get('solver', ''))}, "
                f"tolerance ${number(data.get('tolerance'), 2)}$); not an exact certificate.\\end{{remark}}")
    return "\n".join(body)


def certified_theorem(data: dict, certificate: dict | None = None, equations: str | None = None) -> str:
    """``rho_lower <= rate <= rho_upper`` in exact arithmetic (``CertifiedRate.to_dict()``, a
    check report's data, or a certificate file); the Lyapunov matrix exact when
    ``certificate`` (the file's data) is given."""
    valid = data.get("verified", data.get("valid", False))
    upper, lower = data.get("rho_upper"), data.get("rho_lower")
    classes = data.get("classes")
    if not isinstance(classes, dict) and certificate is not None:
        classes = certificate.get("classes")
    premise = (f"Assume that {classes_text(classes)}." if isinstance(classes, dict)
               else f"Assume the classes {escape(classes or '')}.")
    subject = "rate" if data.get("claim", "rate of the method") == "rate of the method" else "rate of $V$"
    body = [f"\\begin{{theorem}}[{escape(data.get('method', ''))}: certified {subject}]",
            f"{premise} {_method_sentence(data, equations)}"]
    if not valid:
        reason = data.get("reason") or "; ".join(data.get("reasons") or [])
        body.append(f"No certificate was verified: {escape(reason)}.")
        return "\n".join(body + ["\\end{theorem}"])
    body.append(f"Then the worst-case linear {subject} $\\rho$ satisfies\n\\[ {number(lower)} \\le \\rho \\le "
                f"{number(upper)}, \\]\n"
                f"i.e. ${number(_float(lower), 15)} \\le \\rho \\le {number(_float(upper), 15)}$.")
    if _float(upper) >= 1:
        body.append("Since the upper bound is not below $1$, this does not prove convergence.")
    body.append(_certificate_lyapunov(certificate))
    body.append("\\end{theorem}")
    body.append("\\begin{remark}Both bounds are checked in exact rational arithmetic by pepcert: the upper bound by "
                "an $LDL^\\top$ factorisation of the residual with nonnegative pivots, the lower bound by a worst-case "
                "instance whose rate is proven by an exact root count; \\texttt{pepcert check} re-verifies the "
                "certificate file without a solver.\\end{remark}")
    return "\n".join(part for part in body if part)


def _float(value) -> float:
    rational = exact(value)
    return float(rational) if rational is not None else float(value)


def _certificate_lyapunov(certificate: dict | None) -> str:
    if not certificate or not (certificate.get("upper") or {}).get("P"):
        return ""
    upper = certificate["upper"]
    names = upper.get("features", [])
    phi = ", ".join(symbol(n) for n in names)
    lines = matrix_entries("P", upper["P"]) + [f"p &= {number(upper.get('p', '0'))}"]
    return (f"The upper bound is proven by $V_{{k+1}} \\le \\rho_{{\\mathrm{{upper}}}} V_k$ for\n"
            f"\\[ V = \\varphi^\\top P \\varphi + p\\,(f(x) - f^\\star), \\qquad \\varphi = ({phi}), \\]\n"
            f"with the symmetric matrix $P$ and the weight $p$ exactly\n{align(lines)}")


# -- notebooks -------------------------------------------------------------------------------


def notebook_latex(data: dict, kind: str) -> str:
    """A short display for Jupyter's ``_repr_latex_`` (inline math only; MathJax renders it)."""
    method = escape(data.get("method", ""))
    if kind == "rate":
        lyapunov = data.get("lyapunov") or {}
        V = quadratic_form(lyapunov.get("basis", []), lyapunov.get("P", []), lyapunov.get("p", 0))
        verdict = "tight" if data.get("tight") else ("converges" if data.get("converges") else "no linear rate")
        return f"{method}: $\\rho = {number(data.get('rho'), 12)}$ ({verdict}), $V = {V}$"
    if kind == "worst-case":
        return (f"{method}: worst case of {escape(data.get('measure', ''))} after $N = {data.get('iterations')}$ "
                f"steps $= {number(data.get('value'), 12)}$")
    return (f"{method}: ${number(data.get('rho_lower'))} \\le \\rho \\le {number(data.get('rho_upper'))}$ "
            f"({'verified' if data.get('verified', data.get('valid')) else 'not verified'} in exact arithmetic)")


def notebook_html(data: dict, kind: str) -> str:
    """An HTML table of a result's main numbers for Jupyter's ``_repr_html_``."""
    rows: list[tuple[str, Any]] = [("method", data.get("method")), ("parameters", {
        k: v for k, v in (data.get("parameters") or {}).items() if not k.endswith("_float")})]
    keys = {"rate": ("rho", "rho_lower", "tight", "converges", "solver"),
            "worst-case": ("iterations", "measure", "value", "rate_per_step", "status", "solver"),
            "certified": ("rho_lower", "rho_upper", "verified", "valid", "claim", "reason")}[kind]
    rows += [(key, data[key]) for key in keys if key in data]
    if kind == "rate":
        rows.append(("V", (data.get("lyapunov") or {}).get("formula")))
    cells = "".join(f"<tr><th style='text-align:left'>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>"
                    for k, v in rows)
    return f"<table>{cells}</table>"
