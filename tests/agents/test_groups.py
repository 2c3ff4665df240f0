"""Agents in groups of identical classes, the one-step problem reduced by the product of the
groups' symmetric groups (pepcert.lyapunov.symmetric with several groups).

References: the whole (unreduced) problem -- a second formulation of the same rate, and the
arrays on which an expanded certificate is re-checked -- the brute-force enumeration of the
linear instances, and the single-agent closed form of :mod:`pepcert.papers.ttd26`.
"""

import itertools

import numpy as np
import pytest

from pepcert.analyses import tight_rate
from pepcert.analyses.rates import float_classes
from pepcert.cli import main
from pepcert.lowerbounds import linear
from pepcert.lyapunov.margin import float_threshold_rho
from pepcert.lyapunov.parametric import fresh_data
from pepcert.lyapunov.symmetric import symmetric_data, whole_problems
from pepcert.papers.ttd26 import classes_of, single_agent_rate
from pepcert.pep.algorithms import BUILTIN_METHODS

DELTA = 0.5


def _classes(Ls, mus):
    return float_classes(classes_of(tuple(map(float, Ls)), tuple(map(float, mus)), DELTA))


def test_groups_and_their_description():
    function = _classes((1, 2, 1, 1, 2), (0.1,) * 5).function
    assert function.groups == ((0, 2, 3), (1, 4))
    assert _classes((1,) * 3, (0.1,) * 3).function.groups == ((0, 1, 2),)
    assert function.describe().startswith("5 agents: f_1, f_3, f_4 each L-smooth")
    many = _classes((1,) * 16 + (2,) * 16, (0.1,) * 32).function.describe()
    assert "f_1..f_16 each" in many and "f_17..f_32 each" in many


# (L, mu, method, family, eta): each tight in the whole problem and in the reduced one. The first
# needs the facial reduction to go on from a margin within ten times its solve's tolerance of 0
# (-2.9e-8 at a solve that met 1e-8): it was not tight before.
SETTINGS = [
    ((1, 1, 1, 3, 3), (0.2, 0.2, 0.2, 0.5, 0.5), "ef21", "paper", 0.1),
    ((1, 1, 1, 3, 3), (0.2, 0.2, 0.2, 0.5, 0.5), "ef21", "full", 0.3),
    ((1, 2, 1, 1), (0.1,) * 4, "ef", "full", 0.3),
    ((1, 1, 2, 2), (0.1, 0.1, 0.2, 0.2), "ef21", "paper", 0.1),
]


@pytest.mark.parametrize("Ls, mus, name, family, eta", SETTINGS)
def test_the_reduced_rate_is_the_whole_problems(Ls, mus, name, family, eta):
    method, classes = BUILTIN_METHODS[name](eta, len(Ls)), _classes(Ls, mus)
    assert symmetric_data(method, classes, family) is not None
    reduced = tight_rate(method, classes, family=family)
    with whole_problems():
        whole = tight_rate(method, classes, family=family)
    assert reduced.tight and whole.tight
    assert abs(reduced.rho - whole.rho) <= 1e-9 * whole.rho


@pytest.mark.parametrize("Ls, name, family", [((1, 2, 1), "ef21", "full"), ((1, 1, 3, 3, 3), "ef", "paper"),
                                              ((2, 1, 1, 2), "ef21", "paper")])
def test_the_blocks_are_the_whole_matrix(Ls, name, family):
    """For an invariant certificate (a reduced one, expanded), the whole S has the spectrum of
    the blocks (``D_g - E_g`` with multiplicity ``n_g - 1``), the same linear part, and pairs
    with any factor as the reduced one does: what the search and the facial reduction use."""
    n = len(Ls)
    method, classes = BUILTIN_METHODS[name](0.2, n), _classes(Ls, [0.1 * L for L in Ls])
    view, reduced = symmetric_data(method, classes, family)
    _, whole = fresh_data(method, classes, family)
    rng = np.random.default_rng(3)
    y, lam = rng.uniform(0.1, 1, reduced.n_terms), rng.uniform(0, 1, reduced.n_constraints)
    S_red, ell_red = reduced.residual(0.9, y, lam)
    S, ell = whole.residual(0.9, *view.expand(y, lam))
    blocks, spectra = view.blocks, []
    spectra.append(np.linalg.eigvalsh(S_red[:blocks.means, :blocks.means]))
    offset = blocks.means
    for kind in blocks.kinds:
        a, members = kind.shape
        if members > 1:
            spectra += [np.linalg.eigvalsh(S_red[offset:offset + a, offset:offset + a])] * (members - 1)
            offset += a
    assert offset == blocks.size and len(blocks.kinds) == len(classes.function.groups)
    scale = np.abs(S).max()
    assert np.allclose(np.sort(np.concatenate(spectra)), np.linalg.eigvalsh(S), atol=1e-12 * scale, rtol=0)
    assert np.abs(S_red[:blocks.means, blocks.means:]).max() == 0.0
    for orbit, value in zip(blocks.value_orbits, ell_red):
        assert np.allclose(ell[list(orbit)], value, atol=1e-14, rtol=0)
    for _ in range(3):
        Z = rng.normal(size=(whole.n, 2))
        Z_red = blocks.factor(Z)
        assert abs(np.sum(S * (Z @ Z.T)) - np.sum(S_red * (Z_red @ Z_red.T))) <= 1e-12 * scale * np.sum(Z**2)


def test_the_expanded_certificate_certifies_the_whole_problem():
    Ls, mus = (1, 1, 1, 3, 3), (0.2, 0.2, 0.2, 0.5, 0.5)
    method, classes = BUILTIN_METHODS["ef21"](0.3, 5), _classes(Ls, mus)
    result = tight_rate(method, classes, family="full")
    assert result.tight
    _, whole = fresh_data(method, classes, "full")
    threshold = float_threshold_rho(whole, result.coefficients, result.multiplier_values, eig_slack=1e-9,
                                    hint=result.rho)
    assert threshold <= result.rho + 1e-9
    assert set(result.multipliers) == set(whole.step.multiplier_names)


def test_one_instance_per_multiset_within_each_group_loses_no_rate():
    """The representatives (one per multiset of choices within each group) against every
    per-agent assignment: the same largest rate, from 16 instances instead of 36."""
    classes = _classes((1, 3, 1, 3), (0.1, 0.3, 0.1, 0.3))
    method, function, family = BUILTIN_METHODS["ef21"](0.2, 4), classes.function, classes.scaling_family()
    per_agent = function.curvature_choices()
    choices = [[(h, t) for h in curvatures for t in family.ends()][:3] for curvatures in per_agent]
    every = list(itertools.product(*choices))
    chosen = list(linear._choice_tuples(function, choices))
    assert len(every) == 81 and len(chosen) == linear._count(function, choices) == 36
    assert set(chosen) <= set(every)

    def top(tuples):
        instances = [linear._instance(family, [c[0] for c in t], [c[1] for c in t]) for t in tuples]
        return max(case.rho for case in linear.spectral_rates(method, instances))

    assert top(chosen) == top(every)


def test_batched_runs_are_cut_without_changing_a_rate(monkeypatch):
    classes = _classes((1,) * 3 + (2,) * 3, (0.1,) * 3 + (0.2,) * 3)
    method = BUILTIN_METHODS["ef"](0.3, 6)
    whole = linear.worst_linear_instances(method, classes)
    linear._remembered_candidates.cache_clear()
    monkeypatch.setattr(linear, "BATCH_ENTRIES", 3 * len(method.state) ** 2)  # 3 instances a run
    cut = linear.worst_linear_instances(method, classes)
    assert [(c.rho, c.instance) for c in cut] == [(c.rho, c.instance) for c in whole]


def test_many_agents_in_two_groups_with_one_condition_number_keep_the_single_agent_rate():
    """EF21 at the heterogeneous step law of Thomsen, Taylor & Dieuleveut (2026),
    eta* = 2n / sum_i (L_i + mu_i) (1 - s)/(1 + s), with agents of one condition number in two
    groups (L = 1 and 3, mu = L/10): the single-agent rho* (measured to 1e-15), tight."""
    n = 32
    Ls, mus = (1,) * 16 + (3,) * 16, (0.1,) * 16 + (0.3,) * 16
    s = (1 - DELTA) ** 0.5
    eta = 2 * n / sum(L + mu for L, mu in zip(Ls, mus)) * (1 - s) / (1 + s)
    result = tight_rate(BUILTIN_METHODS["ef21"](eta, n), _classes(Ls, mus), family="paper")
    assert result.tight
    assert abs(result.rho - single_agent_rate(1.0, 0.1, DELTA)) <= 1e-12


def test_the_command_line_takes_groups(capsys):
    code = main(["rate", "--method", "ef21", "--agents", "32", "--L", "1*16,2*16", "--mu", "0.1*16,0.2*16",
                 "--delta", "1/2", "--eta", "0.2", "--json"])
    import json

    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["tight"] and out["L"] == [1.0] * 16 + [2.0] * 16
    for bad, message in [(["--L", "1*0,2*32"], "positive whole number"), (["--L", "1*33,2*32"], "more than 64"),
                         (["--L", "1*6,2*6,3*5,4*5,5*10"], "at most 4 groups")]:
        code = main(["rate", "--method", "ef21", "--agents", "32", "--mu", "0.1", "--delta", "1/2", "--eta", "0.2",
                     *bad])
        err = capsys.readouterr().err.strip().splitlines()
        assert code == 2 and len(err) == 1 and message in err[0], err
