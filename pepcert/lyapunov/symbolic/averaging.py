r"""From a deterministic-compressor proof to the same rate for a random compressor.

The identity ``R(c) = sum_i d_i (w_i^T z)^2`` of a verified piece is an identity in the
vectors, valid for *any* compressor output ``c``. Averaging it over the ``K`` equally likely
outcomes of a compressor that is contractive only in expectation (Thomsen, Taylor &
Dieuleveut 2025, Sec. 5) turns the compressor term into the in-expectation constraint (same
multiplier) and each outcome-dependent interpolation inequality into ``K`` copies with
multiplier ``lambda/K``. :func:`averaged_proof` builds that proof for the random one-step
problem (multipliers and explicit squares, mapped through the Lyapunov features); the generic
verifier then checks it like any other.
"""

from __future__ import annotations

from dataclasses import replace

import sympy

from pepcert.lyapunov.symbolic.check import Verdict, coordinates
from pepcert.lyapunov.symbolic.positivity import is_zero
from pepcert.lyapunov.symbolic.proof import Proof
from pepcert.pep.errors import BadInput


def embedding(deterministic, random, outcome: int) -> dict:
    """Images of the deterministic problem's basis vectors in the random problem on one
    outcome, matched through the Lyapunov features before and after the step (solved one
    unknown at a time): ``{deterministic index: {random index: coefficient}}``."""
    pairs = list(zip(deterministic.before.vectors, random.before.vectors))
    pairs += list(zip(deterministic.after[0].vectors, random.after[outcome].vectors))
    images: dict = {}
    progress = True
    while progress:
        progress = False
        for det_vector, rnd_vector in pairs:
            unknown = [i for i in det_vector.coefficients if i not in images]
            if len(unknown) != 1:
                continue
            (index,) = unknown
            rest = dict(rnd_vector.coefficients)
            for j, coefficient in det_vector.coefficients.items():
                if j != index:
                    for r, value in images[j].items():
                        rest[r] = rest.get(r, 0) - coefficient * value
            scale = det_vector.coefficients[index]
            images[index] = {r: sympy.cancel(v / scale) for r, v in rest.items() if sympy.cancel(v) != 0}
            progress = True
    if len(images) != deterministic.basis.n_vectors:
        raise BadInput("the deterministic basis is not determined by the Lyapunov features")
    return images


def point_names(deterministic, random, images: dict) -> dict:
    """Deterministic oracle-point name -> the random problem's point at the image of ``x``."""
    names = {}
    for point in deterministic.trace.points:
        image: dict = {}
        for i, coefficient in point.x.coefficients.items():
            for r, value in images[i].items():
                image[r] = image.get(r, 0) + coefficient * value
        for candidate in random.trace.points:
            keys = set(image) | set(candidate.x.coefficients)
            if all(is_zero(image.get(r, 0) - candidate.x.coefficients.get(r, 0)) for r in keys):
                names[point.name] = candidate.name
                break
        else:
            raise BadInput(f"no image of the point {point.name} in the random problem")
    return names


def _mapped_constraint(name: str, points: dict) -> str:
    if name.startswith("interpolation(") and name.endswith(")"):
        first, second = name[len("interpolation("):-1].split(",")
        return f"interpolation({points[first]},{points[second]})"
    return name  # a compressor constraint: the random problem's is the mean over outcomes


def averaged_proof(deterministic, random, proof: Proof, verdict: Verdict) -> Proof:
    """``proof`` (verified on ``deterministic`` as ``verdict``) averaged over the outcomes of
    ``random``: each piece gets the averaged multipliers and squares ``(d_i/K, w_i^{(k)})``."""
    outcomes = random.outcomes
    maps = []
    for outcome in range(outcomes):
        images = embedding(deterministic, random, outcome)
        maps.append((images, point_names(deterministic, random, images)))
    result = proof
    checked = {p.label: p for p in verdict.pieces}
    for label, within, piece in proof.pieces():
        box, substitution = coordinates(piece, within)
        multipliers: dict = {}
        squares = []
        for images, points in maps:
            for name, value in piece.multipliers.items():
                mapped = _mapped_constraint(name, points)
                multipliers[mapped] = multipliers.get(mapped, 0) + sympy.sympify(value) / outcomes
            for weight, column in checked[label].field_squares:
                image: dict = {}
                for i, coefficient in enumerate(column):
                    if coefficient != 0:
                        for r, value in images[i].items():
                            term = coefficient * box.element(sympy.sympify(value).subs(substitution, simultaneous=True))
                            image[r] = image.get(r, box.field.zero) + term
                squares.append((weight / outcomes, image))
        result = result.replace_piece(label, replace(piece, multipliers=multipliers, squares=tuple(squares), pivots=None))
    return replace(result, statement=f"{proof.statement} (averaged over {outcomes} compressor outcomes)")
