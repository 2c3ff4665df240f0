r"""The charts of the EF/EF21 proofs (Thomsen, Taylor & Dieuleveut 2025): square roots removed.

On the branch where the curvature ``h`` is active, the dominant eigenvalue ``z`` of the
``h``-instance (``f = h x^2/2``, ``C(v) = (1 + s) v``) solves ``z^2 - b_h z - s = 0`` with
``b_h = (1 - s) - eta h (1 + s)``, so ``eta h (1 + s) = (1 - z)(z + s)/z`` and ``rho = z^2``:
everything is rational in ``(z, s)``.

* L-branch (``eta >= eta*``): coordinates ``a = -z_L > 0``, ``s``, ``q = mu/L``, ``L``; box
  ``s = sigma^2``, ``a = sigma + alpha``, ``q = (q0 + theta)/(1 + theta)`` with
  ``q0 = (1 - a)(a + s)/((1 + a)(a - s))`` (the value of ``mu/L`` at which ``eta = eta*``).
* mu-branch (``eta <= eta*``): ``w = z_mu in (0, 1)``, ``s``, ``k = L/mu``, ``mu``; box
  ``s = sigma^2``, ``w = (sigma + omega)/(1 + omega)``, ``k = 1 + (k0 - 1)/(1 + theta)`` with
  ``k0 = (1 + w)(w - s)/((1 - w)(w + s))``.

(``sigma = 1/(1 + t)``; ``t, alpha, omega, mu, L > 0``, ``theta >= 0``.) The coverage lemmas
below, with the argument in ``docs/symbolic.md``, show that each chart reaches every
parameter of its branch, and that there the chart's ``rho`` is the paper's closed form.
"""

from __future__ import annotations

import sympy

from pepcert.lyapunov.symbolic import RHO, Box, Chart, Lemma
from pepcert.papers.ttd25 import closed_forms

ETA, MU, L = sympy.symbols("eta mu L", positive=True)
S, A, W, Q, K = sympy.symbols("s a w q k", positive=True)
T, ALPHA, OMEGA = sympy.symbols("t alpha omega", positive=True)
THETA = sympy.Symbol("theta", nonnegative=True)
SIGMA = 1 / (1 + T)


def b(h, eta=ETA, s=S):
    """``b_h = (1 - s) - eta h (1 + s)``."""
    return (1 - s) - eta * h * (1 + s)


def _identities() -> Lemma:
    return Lemma(
        "b_mu - b_L = eta (L - mu)(1 + s) and b_mu + b_L = (1 + s)(L + mu)(eta* - eta)",
        (b(MU) - b(L) - ETA * (L - MU) * (1 + S)) ** 2
        + (b(MU) + b(L) - (1 + S) * (L + MU) * (2 * (1 - S) / ((L + MU) * (1 + S)) - ETA)) ** 2,
    )


def _lemmas(active: str, z, slack_identity, slack_text: str) -> tuple:
    """The coverage lemmas of one EF/EF21 chart (``z`` the chart's eigenvalue)."""
    h_active, h_other = (L, MU) if active == "L" else (MU, L)
    y = sympy.sqrt(RHO)  # the piece's rate rho = y^2
    return (
        Lemma(f"z = {z} solves z^2 - b_{active} z - s = 0: the chart's eta has dominant eigenvalue z", z**2 - b(h_active) * z - S),
        Lemma(slack_text, slack_identity),
        _identities(),
        Lemma(f"closed_forms.ef_branch({active}) = rho (the piece's rate) on the chart",
              closed_forms.ef_branch(h_active, 1 - S**2, ETA) - RHO),
        Lemma(f"r(b_{h_other}) <= sqrt(rho) (1/2): y^2 - b y - s >= 0", y**2 - b(h_other) * y - S, "nonnegative"),
        Lemma(f"r(b_{h_other}) <= sqrt(rho) (2/2): y^2 + b y - s >= 0", y**2 + b(h_other) * y - S, "nonnegative"),
    )


def ef_type_chart_L() -> Chart:
    """The L-branch chart (``eta >= eta*``)."""
    s_box, a_box = SIGMA**2, SIGMA + ALPHA
    q0 = (1 - A) * (A + S) / ((1 + A) * (A - S))
    q_box = ((q0 + THETA) / (1 + THETA)).subs({A: a_box, S: s_box}, simultaneous=True)
    eta = (1 + A) * (A - S) / (A * L * (1 + S))
    star = 2 * (1 - S) / ((L + Q * L) * (1 + S))
    slack = (Q - q0) * (1 + A) * (A - S) - A * (1 + S) * (L + Q * L) * (eta - star)
    return Chart(
        box=Box((A, S, Q, L), {A: a_box, S: s_box, Q: q_box, L: L}, positive=(T, ALPHA, L), nonnegative=(THETA,)),
        parameters={ETA: eta, MU: Q * L},
        coverage=_lemmas("L", -A, slack, "(q - q0)(1 + a)(a - s) = a (1 + s)(L + mu)(eta - eta*): theta >= 0 iff eta >= eta*"),
        argument="eta >= eta* gives b_L < 0; a := r(b_L) solves a^2 + b_L a - s = 0, a > sqrt(s), and q >= q0",
    )


def ef_type_chart_mu() -> Chart:
    """The mu-branch chart (``0 < eta <= eta*``)."""
    s_box, w_box = SIGMA**2, (SIGMA + OMEGA) / (1 + OMEGA)
    k0 = (1 + W) * (W - S) / ((1 - W) * (W + S))
    k_box = (1 + (k0 - 1) / (1 + THETA)).subs({W: w_box, S: s_box}, simultaneous=True)
    eta = (1 - W) * (W + S) / (W * MU * (1 + S))
    star = 2 * (1 - S) / ((K * MU + MU) * (1 + S))
    slack = (k0 - K) * (1 - W) * (W + S) - W * (1 + S) * (K * MU + MU) * (star - eta)
    return Chart(
        box=Box((W, S, K, MU), {W: w_box, S: s_box, K: k_box, MU: MU}, positive=(T, OMEGA, MU), nonnegative=(THETA,)),
        parameters={ETA: eta, L: K * MU},
        coverage=_lemmas("mu", W, slack, "(k0 - k)(1 - w)(w + s) = w (1 + s)(L + mu)(eta* - eta): theta >= 0 iff eta <= eta*"),
        argument="0 < eta <= eta* gives b_mu > 0; w := r(b_mu) in (sqrt(s), 1) solves w^2 - b_mu w - s = 0, and k <= k0",
    )
