"""Smoothness-aware quantization (Wang, Safaryan & Richtarik 2022): on l2-regularised logistic
regression over breast cancer's rows split across 6 workers, worker i sends
Q(L_i^{-1/2} v) and the server uses L_i^{1/2} Q(L_i^{-1/2} v). Its variance constant
omega_i^+ = sup_w tr(L_i Cov Q(w)) / ||w||^2 is far below the scalar omega lambda_max(L_i), so
DIANA+ takes a larger step than DIANA and needs fewer bits for the same accuracy (the bits of
Q are the same per round). A short run; `pepcert saq` runs the full experiment.
"""

from pepcert.saq.compressors import Dithering
from pepcert.saq.data import load_dataset
from pepcert.saq.methods import run_method
from pepcert.saq.problem import logistic_problem
from pepcert.saq.theory import theory

problem = logistic_problem(load_dataset("builtin:breast-cancer"), workers=6)
quantizer, target = Dithering(s=1), 0.3
bits = {}
for method in ("diana", "diana+"):
    bound = theory(problem, method, quantizer)
    run = run_method(problem, method, quantizer, iterations=1400, seed=0)
    bits[method] = run.bits_to(target)
    print(f"{method:<7} gamma = {run.gamma:.4f} (noise constant {max(bound.noise):.4f}): relative error {target} "
          f"after {run.reached(target)} iterations, {bits[method]:.0f} bits per worker")
print(f"DIANA / DIANA+ bits: {bits['diana'] / bits['diana+']:.2f}")
assert bits["diana+"] < bits["diana"] / 4
