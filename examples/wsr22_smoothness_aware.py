"""Smoothness-aware quantization (Wang, Safaryan & Richtarik 2022): on l2-regularised logistic
regression over breast cancer's rows split across 6 workers, worker i sends
Q(L_i^{-1/2} v) and the server uses L_i^{1/2} Q(L_i^{-1/2} v). Its variance constant
omega_i^+ = sup_w tr(L_i Cov Q(w)) / ||w||^2 is far below the scalar omega lambda_max(L_i), so
DIANA+ takes a larger step than DIANA and needs fewer bits for the same accuracy (the bits of
Q are the same per round).

A measurement: pepcert.papers.theorems.wsr22.smoothness_aware_bits, here on a short run (to a
relative error of 0.5; `pepcert verify --only smoothness-aware` runs it to 0.3, `pepcert saq`
the full experiment).
"""

from pepcert.papers.theorems import show
from pepcert.papers.theorems.wsr22 import smoothness_aware_bits

if not show(smoothness_aware_bits, iterations=600, target=0.5):
    raise SystemExit(1)
