"""Gradient descent contracts ||x - x*||^2 by max((1 - eta mu)^2, (1 - eta L)^2) for every
0 < mu < L and every step eta > 0 (classical; Nesterov 2004, Theorem 2.1.15 at
eta = 2/(L + mu)), proved symbolically by pepcert's generic verifier from a method definition
and a proof written as data: split at eta = 2/(L + mu); below it the multiplier of the two
interpolation inequalities between x and x* is 2 eta (1 - eta mu), above it 2 eta (eta L - 1).

The theorem is pepcert.papers.theorems.classical.distance_decrease_for_all_parameters, its
proof data classical.distance_proof (read its source to write your own); this script checks
it and prints the proof's pieces.
"""

from pepcert.papers.theorems import show
from pepcert.papers.theorems.classical import (
    distance_decrease_for_all_parameters,
    distance_proof,
)

_, proof = distance_proof()
print(f"rate: {proof.rate}")
for label, _, piece in proof.pieces():
    print(f"{label} 2/(L + mu): multipliers {dict(piece.multipliers)}")
if not show(distance_decrease_for_all_parameters):
    raise SystemExit(1)
