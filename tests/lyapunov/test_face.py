"""A certificate moved exactly onto its face (pepcert.lyapunov.face.onto_face).

At the instances' rate the solver meets the face's equalities only to about 1e-9, and the
float re-check then puts the certificate 2.7e-8 above the rate (the full family alone,
identical agents at eta*); a round without interior may also hold the only certificate the
facial reduction will see. Gauss-Newton on the face puts both at the rate.

References: the single-agent closed form of :mod:`pepcert.papers.ttd26` (n identical agents
keep it at eta*, Thomsen, Taylor & Dieuleveut 2026) and the exact properties of a point on the
face (a kernel, zeros, cones) checked on the certificate itself.
"""

import numpy as np
import pytest

import pepcert.lyapunov.facial as facial
from pepcert.analyses import tight_rate
from pepcert.analyses.rates import float_classes
from pepcert.lyapunov.margin import float_threshold_rho
from pepcert.lyapunov.symmetric import whole_problems
from pepcert.papers.ttd26 import classes_of, optimal_step, single_agent_rate
from pepcert.pep.algorithms import BUILTIN_METHODS
from pepcert.pep.conic import smat

L, MU, DELTA = 1.0, 0.1, 0.5
RATE = single_agent_rate(L, MU, DELTA)


def _identical(name, n, L_=L, mu=MU, delta=DELTA):
    eta = optimal_step((L_,), (mu,), delta)
    return BUILTIN_METHODS[name](eta, n), float_classes(classes_of((L_,) * n, (mu,) * n, delta))


@pytest.mark.parametrize("name, n, setting", [("ef21", 8, (L, MU, DELTA)), ("ef21", 12, (L, MU, DELTA)),
                                              ("ef", 8, (L, MU, DELTA)), ("ef21", 8, (1.0, 0.01, 0.1))])
def test_the_full_family_alone_is_tight_at_many_identical_agents(name, n, setting):
    """Before: EF21 brackets of 9.6e-8 (8 agents) and 5.2e-8 (12) after 27-29 solves, and
    2.4e-7 at mu = 0.01, delta = 0.1, where a full Gauss-Newton step from the round's solution
    raises |F| (5.7e-8 to 7.2e-8) and a damped one converges."""
    result = tight_rate(*_identical(name, n, *setting), family="full")
    assert result.tight and result.lower_source == "instance"
    assert result.rho == result.rho_lower, (result.rho - result.rho_lower)
    assert abs(result.rho - single_agent_rate(*setting)) <= 1e-13
    assert result.solves <= 4


def test_the_certificate_on_its_face_is_in_its_cones_with_an_exact_kernel(monkeypatch):
    """What the solver returned misses the rate by more than the tolerance; the certificate on
    its face keeps the solver's kernel dimension, meets it to rounding, and needs no clipping
    (P keeps its kernel too: without it, P's smallest eigenvalue was measured at -5.6e-10)."""
    seen = []
    original = facial.onto_face

    def recording(data, rho, coefficients, multipliers):
        moved = original(data, rho, coefficients, multipliers)
        seen.append((data, rho, coefficients, multipliers, *moved))
        return moved

    monkeypatch.setattr(facial, "onto_face", recording)
    assert tight_rate(*_identical("ef21", 8), family="full").tight
    data, rho, raw_c, raw_m, c, m = seen[0]
    assert float_threshold_rho(data, raw_c, raw_m, eig_slack=1e-9, hint=rho) - rho > 1e-9  # why it is called
    assert float_threshold_rho(data, c, m, eig_slack=1e-9, hint=rho) == rho
    S, ell = data.residual(rho, c, m)
    raw_values, values = np.linalg.eigvalsh(data.residual(rho, raw_c, raw_m)[0]), np.linalg.eigvalsh(S)
    kernel = int(np.sum(raw_values < 1e-6 * raw_values[-1]))
    assert kernel >= 1 and raw_values[0] < -1e-12 * raw_values[-1]  # off its cone beyond rounding
    assert np.all(np.abs(values[:kernel]) <= 1e-14 * values[-1]) and values[kernel] > 1e-3 * values[-1]
    assert np.all(ell >= -1e-15) and np.all(m[: data.n_inequalities] >= -1e-15)
    P = np.linalg.eigvalsh(smat(data.psd_map @ c))
    assert P[0] >= -1e-15 * P[-1]
    # A small move: far below the gap to the rest of S's spectrum (3e-3 here), which stays positive.
    # (Its size follows the solver's answer: 1.6e-6 with OpenBLAS's Sandybridge and Prescott kernels,
    # 2.8e-5 with Haswell's, whose solution is further off.)
    assert np.abs(np.concatenate([c - raw_c, m - raw_m])).max() <= 1e-2 * values[kernel]


@pytest.mark.parametrize("name", ["ef", "ef21"])
def test_agents_in_two_groups_are_tight_with_the_full_family_alone(name):
    """8 agents, the second half with L and mu doubled, at the paper's step law. Before: EF21
    2.1e-6 and EF 2.9e-9 above the instance. EF's last round has no interior and removing its
    kernel leaves the next solve failing: its certificate is that round's, on its face."""
    n = 8
    scale = [1 + (2 * i >= n) for i in range(n)]
    Ls, mus = tuple(L * c for c in scale), tuple(MU * c for c in scale)
    eta = optimal_step((L,), (MU,), DELTA) * n * (L + MU) / sum(a + b for a, b in zip(Ls, mus))
    result = tight_rate(BUILTIN_METHODS[name](eta, n), float_classes(classes_of(Ls, mus, DELTA)), family="full")
    assert result.tight and result.rho == result.rho_lower, (result.rho - result.rho_lower)
    assert result.solves <= 4


@pytest.mark.parametrize("name, n, setting", [("ef21", 2, (1.0, 0.1, 0.5)), ("ef", 4, (1.0, 0.1, 0.5)),
                                              ("ef21", 3, (1.0, 0.02, 0.7)), ("ef21", 4, (1.0, 0.05, 0.3))])
def test_the_whole_problem_is_tight_too(name, n, setting):
    """Not reduced by symmetry. Before: brackets of 3.6e-6, 8.8e-9, 6.1e-8 and (a round without
    interior whose own solution, not the one moved onto the face, passes the re-check) 2.0e-4.
    EF at 4 agents needs the linear values of about 1e-10 counted as zeros of the face (they
    are, against weights of about 1, though they are the largest values)."""
    method, classes = _identical(name, n, *setting)
    with whole_problems():
        result = tight_rate(method, classes, family="full")
    assert result.tight and abs(result.rho - single_agent_rate(*setting)) <= 1e-13, (result.rho - result.rho_lower)


def test_a_step_that_overshoots_is_halved_until_the_residual_falls():
    """The damping of :func:`~pepcert.lyapunov.face.onto_face`'s Gauss-Newton steps, on the
    smallest system (no kernel block: ``F(x) = x``, ``|F| = 1`` at ``x = 1``). Whether a real
    solution needs it depends on the machine's floats (8 agents at mu = 0.01 did on an AVX-512
    machine, not with OpenBLAS's Haswell kernels), so the step is given: ``-2.5`` overshoots to
    ``|F| = 1.5``, its half lands at ``-0.25``; a step that lowers ``|F|`` is taken whole."""
    from pepcert.lyapunov.face import _damped_step

    A, b = np.eye(1), np.zeros(1)
    assert _damped_step([], A, b, np.ones(1), np.array([-2.5]), 1.0) == pytest.approx([-0.25], abs=1e-15)
    assert _damped_step([], A, b, np.ones(1), np.array([-1.5]), 1.0) == pytest.approx([-0.5], abs=1e-15)
