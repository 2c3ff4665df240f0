r"""The ``--plot FILE`` pictures of ``pepcert rate`` and ``pepcert worst-case``.

* :func:`plot_rate`: the tight rate ``rho(eta)`` (:func:`~pepcert.analyses.tight_rate` on a
  61-point geometric grid from ``eta/30`` to ``3 eta``, through the cached sweep), the chosen
  (or optimal) step, and the worst linear instances at that step -- the scalings
  ``f = h x^2/2``, ``C(v) = alpha v`` whose squared spectral radius is the rate -- with their
  spectral-radius curves ``rho_inst(eta)`` across the grid (each a lower bound on ``rho``;
  the rate is their upper envelope where it is tight).
* :func:`plot_worst_case`: the ``k``-step worst case for ``k = 1..N`` (at most 25 values of
  ``k``, geometrically spaced; cached) against ``rho^k`` with ``rho`` the tight one-step rate.

The image format follows the file name's extension (``.png``, ``.pdf``, ``.svg``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pepcert.papers.figures.base import SweepOptions
from pepcert.pep.errors import BadInput
from pepcert.plotting import new_figure, plain_log_ticks

FORMATS = {".png", ".pdf", ".svg"}


def _check_path(path) -> Path:
    path = Path(path)
    if path.suffix.lower() not in FORMATS:
        raise BadInput(f"--plot: the file name must end in {', '.join(sorted(FORMATS))}, got {str(path)!r}")
    return path


def _write(figure, path: Path) -> str:
    try:
        figure.savefig(path, format=path.suffix.lower()[1:])
    except OSError as error:
        raise BadInput(f"cannot write the plot to {str(path)!r}: {error.strerror or error}") from None
    return str(path)


def _key(instance) -> tuple[float, float]:
    """One agent's deterministic instance as ``(h, alpha)`` (the plots draw one agent)."""
    return float(instance.hs[0]), float(instance.alphas[0][0])


def _instances_along(factory, etas, worst_cases, mu, L, delta, random):
    """The worst linear instances at the chosen step, then those at 7 steps across the grid."""
    from pepcert.lowerbounds.linear import worst_linear_instances
    from pepcert.sweeps.analyses import _classes

    found = {_key(c.instance): c.instance for c in worst_cases}
    classes = _classes(mu, L, delta, random)
    for e in etas[:: max(1, len(etas) // 6)]:
        try:
            cases = worst_linear_instances(factory(float(e)), classes)
        except ValueError:  # not linear on quadratics: no instances to draw
            break
        for case in cases:
            found.setdefault(_key(case.instance), case.instance)
    return list(found.values())


def plot_rate(path, method: str, mu: float, L: float, delta: float, eta: float, rho: float, worst_cases,
              optimal: bool = False, family: str = "full", random: bool = False,
              options: SweepOptions = SweepOptions(workers=1, progress=False)) -> str:
    """Draw ``rho(eta)`` around ``eta`` with the step and its worst instances marked."""
    from pepcert.lowerbounds.linear import spectral_rate
    from pepcert.pep.algorithms import method_factory
    from pepcert.sweeps.analyses import rate

    path = _check_path(path)
    etas = np.geomspace(eta / 30, eta * 3, 61)
    grid = {"method": [method], "mu": [mu], "L": [L], "delta": [delta], "eta": [float(e) for e in etas],
            "family": [family], "random": [bool(random)]}
    frame = options.run(rate, grid, "rate curve").frame
    curve = frame["rho"].to_numpy(dtype=float)
    figure = new_figure(7, 4.8)
    axes = figure.subplots()
    axes.plot(etas, curve, color="tab:blue", linewidth=5, alpha=0.35, label=r"tight rate $\rho(\eta)$", zorder=3)
    factory = method_factory(method)
    active = {_key(c.instance) for c in worst_cases}
    for instance in _instances_along(factory, etas, worst_cases, mu, L, delta, random):
        key = _key(instance)
        bound = [spectral_rate(factory(float(e)), instance).rho for e in etas]
        state = "worst at this step" if key in active else "worst elsewhere"
        line, = axes.plot(etas, bound, "--", linewidth=1.2, zorder=4,
                          label=f"instance h = {key[0]:.4g}, C(v) = {key[1]:.4g} v ({state})")
        if key in active:
            axes.plot([eta], [spectral_rate(factory(eta), instance).rho], "o", color=line.get_color(), markersize=7, zorder=4)
    axes.axvline(eta, color="red", linewidth=1, label=(r"$\eta^\star$" if optimal else r"$\eta$") + f" = {eta:.6g}")
    axes.plot([eta], [rho], "*", color="red", markersize=12, zorder=5, label=rf"$\rho$ = {rho:.10g}")
    axes.axhline(1, color="black", linewidth=0.8, linestyle=":")
    finite = curve[np.isfinite(curve)]
    top = min(float(finite.max()), max(1.2, 1.05 * rho)) if finite.size else 1.2
    low = float(finite.min()) if finite.size else 0.0
    axes.set_ylim(low - 0.05 * (top - low), top + 0.02 * (top - low))
    axes.set_xscale("log")
    axes.set_xlabel(r"step size $\eta$")
    axes.set_ylabel(r"rate $\rho$")
    kind = "in expectation" if random else "deterministic"
    axes.set_title(f"{method.upper()}: mu = {mu:g}, L = {L:g}, delta = {delta:g} ({kind}), {family} family", fontsize=10)
    axes.grid(alpha=0.3, which="both")
    axes.legend(fontsize=8)
    return _write(figure, path)


def plot_worst_case(path, method: str, mu: float, L: float, delta: float, eta: float, iterations: int,
                    measure: str, final_value: float, start: str = "auto",
                    options: SweepOptions = SweepOptions(workers=1, progress=False)) -> str:
    """Draw the ``k``-step worst case against ``rho^k`` for ``k <= iterations``."""
    from pepcert.sweeps.analyses import rate, worst_case_value

    path = _check_path(path)
    steps = sorted({int(round(k)) for k in np.geomspace(1, iterations, min(iterations, 25))} - {iterations})
    base = {"method": method, "mu": mu, "L": L, "delta": delta, "eta": eta}
    frame = options.run(worst_case_value, [{**base, "iterations": k, "measure": measure, "start": start} for k in steps], "worst cases").frame
    ks = np.array(steps + [iterations])
    values = np.append(frame["value"].to_numpy(dtype=float) if steps else np.array([]), final_value)
    rho = float(options.run(rate, [base], "rate").frame["rho"].iloc[0])
    figure = new_figure(7, 4.8)
    axes = figure.subplots()
    axes.plot(ks, values, "o", color="tab:blue", label=f"worst case of {measure} after k steps")
    dense = np.arange(1, iterations + 1)
    axes.plot(dense, rho ** dense, "-", color="tab:red", label=rf"$\rho^k$, $\rho$ = {rho:.10g} (tight rate)")
    if np.all(values[np.isfinite(values)] > 0):
        axes.set_yscale("log")
        plain_log_ticks(axes)
    axes.set_xlabel("k (iterations)")
    axes.set_ylabel(f"worst-case {measure} given {measure} <= 1 at the start")
    axes.set_title(f"{method.upper()}: mu = {mu:g}, L = {L:g}, delta = {delta:g}, eta = {eta:.6g}", fontsize=10)
    axes.grid(alpha=0.3, which="both")
    axes.legend(fontsize=8)
    return _write(figure, path)
