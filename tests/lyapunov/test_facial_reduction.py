"""The facial reduction at the instances' rate (pepcert.lyapunov.facial).

Where the one-step problem has no interior at the rate of its worst linear instances, the
instances' directions and then each round's kernel are removed. Two ways a round can go wrong,
each met on three identical EF21 agents with the paper's family at eta = 0.05 (reduced by
symmetry), where the whole problem is tight:

* the first round's solve stalls ("almost solved", no usual tolerance met): it is retried at
  looser tolerances only to read its kernel off (delta = 1/2);
* the kernel read off holds eigenvalues of 2e-8 beside true zeros of 5e-12, and removing them
  all leaves no certificate (delta = 0.8): the round before holds one, moved onto its face
  (pepcert.lyapunov.face; an earlier rule removed only the kernel's first cluster, and a margin
  within ten times a loose solve's tolerance of 0 was not counted as negative -- both made
  redundant by the move onto the face, measured on 72 + 72 + 1,944 rates, and removed).

Before either fix, both were brackets (6e-6 and 3e-4 wide) after 14 to 16 solves. Reference:
the whole (unreduced) problem, tight at the instance, and the instance's rate.
"""

import pytest

from pepcert.analyses import tight_rate
from pepcert.analyses.rates import float_classes
from pepcert.lyapunov.symmetric import symmetric_data, whole_problems
from pepcert.papers.ttd26 import classes_of
from pepcert.pep.algorithms import BUILTIN_METHODS


@pytest.mark.parametrize("delta", [0.5, 0.8])
def test_three_agents_at_a_small_step_are_tight(delta):
    method = BUILTIN_METHODS["ef21"](0.05, 3)
    classes = float_classes(classes_of((1.0,) * 3, (0.2,) * 3, delta))
    assert symmetric_data(method, classes, "paper") is not None
    reduced = tight_rate(method, classes, family="paper")
    with whole_problems():
        whole = tight_rate(method, classes, family="paper")
    assert whole.tight and whole.lower_source == "instance"
    assert reduced.tight and reduced.lower_source == "instance", (reduced.rho - reduced.rho_lower, reduced.solves)
    assert reduced.rho_lower == whole.rho_lower
    assert abs(reduced.rho - whole.rho) <= 1e-9 * whole.rho
    assert reduced.solves <= 6


def test_a_round_that_stalls_is_retried_at_looser_tolerances(monkeypatch):
    """Whether Clarabel stalls on the first round above depends on the machine's floats (it did
    on an AVX-512 machine, not with OpenBLAS's Haswell kernels), so the stall is made here: the
    first facial-reduction round's solve at the usual tolerances fails, as a stall does. The
    round is solved again at :data:`~pepcert.lyapunov.facial.PROBE_GAPS` and the rate is still
    the whole problem's, tight."""
    from pepcert.lyapunov import search
    from pepcert.lyapunov.facial import PROBE_GAPS
    from pepcert.pep.errors import SolverFailure

    real, asked = search.solve_margin, []

    def stalling(data, backend, rho, normaliser, reduction=None, dominating=None, gaps=None):
        asked.append(gaps)
        if reduction is not None and gaps is None and len(asked) == 1:
            raise SolverFailure("the solver stopped short of every tolerance (almost solved)")
        return real(data, backend, rho, normaliser, reduction, dominating, gaps)

    monkeypatch.setattr(search, "solve_margin", stalling)
    method = BUILTIN_METHODS["ef21"](0.05, 3)
    classes = float_classes(classes_of((1.0,) * 3, (0.2,) * 3, 0.5))
    result = tight_rate(method, classes, family="paper")
    assert asked[:2] == [None, PROBE_GAPS]
    assert result.tight and result.lower_source == "instance"


def test_the_general_search_removes_the_directions_no_certificate_can_make_positive():
    """EControl, two agents with distinct minimisers at the law's step (docs/noise.md, first row):
    one Gram direction lies in the kernel of every term of V and every constraint vanishes on it,
    so every certificate has S u = 0 and a margin against V_0 + floor I is 0 at any rho. With it
    removed the Dinkelbach search closes its bracket to 1e-5 (it crawled to 0.6109-0.7206 in 40
    steps before, depending on the BLAS kernel); the family's rate is above the instance's."""
    import numpy as np

    from pepcert.lyapunov.facial import free_directions
    from pepcert.lyapunov.search import _problem
    from pepcert.papers.ttd26 import optimal_step

    L, mu, delta = (1.0, 1.0), (0.5, 0.01), 0.95
    classes = classes_of(L, mu, delta, common_minimizer=False)
    method = BUILTIN_METHODS["econtrol"](optimal_step(L, mu, delta), 2)
    _, data = _problem(method, float_classes(classes), "full", None)
    free = free_directions(data)
    assert free is not None and free.directions.shape[1] == 1
    u = free.directions[:, 0]
    for mats in (data.before_mats, data.after_mats, data.constraint_mats):
        assert np.abs(np.einsum("a,kab,b->k", u, mats, u)).max() <= 1e-12
    result = tight_rate(method, classes)
    assert result.rho - result.rho_lower <= 1e-5 and result.rho == pytest.approx(0.579932, abs=2e-6)
    assert result.rho_lower > max(case.rho for case in result.worst_cases)
