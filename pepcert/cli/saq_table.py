"""The text reports of ``pepcert saq`` (from the JSON payloads, so both say the same)."""

from __future__ import annotations


def _num(value, fmt: str = ".4g", missing: str = "not reached") -> str:
    return missing if value is None else format(value, fmt)


def _bits(value, missing: str = "not reached") -> str:
    if value is None:
        return missing
    return f"{value:.4g}" if value < 1e4 else f"{value:.3e}"


def _reached(run: dict, what: str) -> str:
    """The measured value to the target, or where the run ended: ``no: 3.1e-03 at 5000``."""
    if run["reached_target"]:
        return _num(run["iterations_to_target"], "d") if what == "iterations" else _bits(run["bits_to_target"])
    if what == "iterations":
        return f"no: {run['final_error']:.1e} @ {run['iterations_run']}"
    return f"({_bits(run['bits_at_end'])} at end)"


def _ratio(row: dict) -> str:
    where = "" if row["at_target"] else f" (at {row['level']:.2e}, the smallest error both runs reached)"
    rounds = "" if row.get("ratio_rounds") in (None, row["ratio"]) else f", {row['ratio_rounds']:.3f} without one-time bits"
    theory = "" if row.get("theory_ratio") is None else f"; theory's bounds {row['theory_ratio']:.3f}"
    return f"{row['ratio']:.3f}{rounds}{where}{theory}"


def print_report(payload: dict) -> None:
    problem, target = payload["problem"], payload["target"]
    print(problem["description"])
    print(f"  ||grad f(x*)|| = {problem['grad_norm_at_star']:.2e}; target ||x - x*||^2/||x0 - x*||^2 <= {target:g}; "
          f"{payload['iterations']} iterations per run, seed {payload['seed']}")
    header = (f"  {'method':<7} {'compressor':<16} {'omega':>7} {'W=omega L_max|max omega_i^+':>28} {'gamma':>9} {'alpha':>7}"
              f" {'iters (measured)':>19} {'iters (bound)':>13} {'bits/worker (measured)':>22} {'bits (bound)':>12}")
    print(header)
    for run in payload["runs"]:
        theory = run["theory"]
        noise = theory["noise_max"]
        label = "omega_i^+" if run["method"].endswith("+") else "omega L_max"
        attained = ""
        if "omega_plus" in run:
            exact = all(run["omega_plus"]["exact"])
            attained = " (attained)" if exact else f" (>= {max(run['omega_plus']['omega_plus_attained']):.4g})"
        alpha = "-" if run["alpha"] is None else f"{run['alpha']:.4g}"
        bound_iterations = _num(theory["iteration_bound"], "d", "none (DCGD)" if run["method"].startswith("dcgd") else "none")
        print(f"  {run['method']:<7} {run['compressor_key']:<16} {theory['omega']:>7.4g} {f'{label} {noise:.4g}{attained}':>28}"
              f" {run['gamma']:>9.4g} {alpha:>7} {_reached(run, 'iterations'):>19} {bound_iterations:>13}"
              f" {_reached(run, 'bits'):>22} {_bits(theory['communication_bound'], '-'):>12}")
    print("  (bounds: docs/saq.md 'Theory', re-derived; bits/worker: mean over workers, Elias omega levels, 32-bit floats;"
          " bits bound: iteration bound x expected bits per round; 'no: E @ K': error E after K iterations)")
    for row in payload["ratios"]:
        what = row.get("compressor") or row.get("method")
        print(f"  measured bits ratio {row['compared']:<20} ({what}): {_ratio(row)}")
    for row in payload["tight"]:
        if row.get("rate_tight") is None:
            print(f"  tight rate of DIANA ({row['spec']}): not computed ({row.get('error', 'solver failure')})")
            continue
        print(f"  DIANA, 1 worker, scalar smoothness (mu = {row['mu']:g}, L = L_max = {row['L']:.6g}, omega = {row['omega']:.6g}), "
              f"gamma = {row['gamma']:.6g}, alpha = {row['alpha']:.4g}:")
        print(f"    theory's rate  1 - {1 - row['rate_bound']:.6e}   tight rate (pepcert)  1 - {1 - row['rate_tight']:.6e}"
              f"{'  (tight: a worst instance attains it)' if row.get('tight') else ''}")
        print(f"    {row['command']}")
    if payload.get("plot"):
        print(f"  plot: {payload['plot']}")
    print(f"  {payload['seconds']:.2f} s")


def print_paper_report(payload: dict) -> None:
    """``--protocol paper``: one row a (method, blocks) run, then the ratios."""
    problem, target = payload["problem"], payload["target"]
    print(problem["description"] + "; the authors' protocol (rows scaled by max-abs, l-inf dithering)")
    print(f"  target ||x - x*||^2/||x0 - x*||^2 <= {target:g}; at most {payload['iterations']} iterations per run "
          f"(a run stops at the target), seed {payload['seed']}")
    print(f"  {'method':<7} {'blocks':>6} {'omega (authors)':>15} {'gamma':>9} {'alpha':>7} {'iters (measured)':>19}"
          f" {'iters (bound)':>13} {'bits/worker (measured)':>22} {'one-time bits':>13} {'bits (bound)':>12}")
    for run in payload["runs"]:
        theory = run["theory"]
        alpha = "-" if run["alpha"] is None else f"{run['alpha']:.4g}"
        print(f"  {run['method']:<7} {run['blocks']:>6} {run['omega_authors']:>15.4g} {run['gamma']:>9.4g} {alpha:>7}"
              f" {_reached(run, 'iterations'):>19} {_num(theory['iteration_bound'], 'd', 'none'):>13}"
              f" {_reached(run, 'bits'):>22} {_bits(run['one_time_bits']):>13} {_bits(theory['communication_bound'], '-'):>12}")
    print("  (bits/worker: the authors' code, 32-bit norm per block and for each nonzero level an Elias omega index gap,"
          " a sign bit and an Elias omega level, one-time bits included; bounds: the re-derived theory at its own step,"
          " worst-case bits per round; 'no: E @ K': error E after K iterations)")
    for row in payload["ratios"]:
        what = row.get("method") or f"{row['blocks']} block(s)"
        print(f"  measured bits ratio {row['compared']:<20} ({what}): {_ratio(row)}")
    if payload.get("plot"):
        print(f"  plot: {payload['plot']}")
    print(f"  {payload['seconds']:.2f} s")
