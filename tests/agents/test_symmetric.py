"""Identical agents, the one-step problem reduced by their symmetry (pepcert.lyapunov.symmetric).

References: the whole (unreduced) problem -- a second formulation of the same rate, and the
arrays against which an expanded certificate is re-checked in floating point -- and the
single-agent closed form of :mod:`pepcert.papers.ttd26`, which every n keeps at eta*
(Thomsen, Taylor & Dieuleveut 2026).
"""

import math

import numpy as np
import pytest

from pepcert.analyses import tight_rate
from pepcert.analyses.rates import float_classes
from pepcert.lyapunov.margin import float_threshold_rho
from pepcert.lyapunov.parametric import fresh_data
from pepcert.lyapunov.symmetric import symmetric_data, whole_problems
from pepcert.papers.ttd26 import classes_of, optimal_step, single_agent_rate
from pepcert.pep import BadInput, worst_case
from pepcert.pep.algorithms import BUILTIN_METHODS
from pepcert.pep.expressions import norm2
from pepcert.pep.methods import Method

L, MU, DELTA = 1.0, 0.1, 0.5
ETA_STAR = optimal_step((L,), (MU,), DELTA)


def _classes(n, mus=None):
    return float_classes(classes_of((L,) * n, mus or (MU,) * n, DELTA))


@pytest.mark.parametrize("name", ["ef", "ef21"])
@pytest.mark.parametrize("family, eta", [("paper", ETA_STAR), ("paper", 0.1), ("paper", 0.5), ("full", 0.1), ("full", 0.5)])
def test_the_reduced_rate_is_the_whole_problems(name, family, eta):
    n = 3
    method, classes = BUILTIN_METHODS[name](eta, n), _classes(n)
    reduced = tight_rate(method, classes, family=family)
    with whole_problems():
        assert symmetric_data(method, classes, family) is None
        whole = tight_rate(method, classes, family=family)
    assert symmetric_data(method, classes, family) is not None
    assert whole.tight and reduced.tight
    assert abs(reduced.rho - whole.rho) <= 1e-9


SETTINGS = [(1, 0.1, 0.5), (1, 0.05, 0.5), (2, 0.4, 0.6), (1, 0.2, 0.2), (1, 0.1, 0.8),
            (3, 0.3, 0.6), (1, 0.5, 0.4), (1, 0.02, 0.7), (5, 1, 0.5), (1, 0.1, 0.25),
            (1, 0.01, 0.1), (1, 0.05, 0.3)]


@pytest.mark.parametrize("n", [2, 3, 4])
def test_the_full_family_alone_at_the_optimal_step(n):
    """The full family without the paper family first, at eta* (two instances tie: the hardest
    case for the facial reduction). Every one is tight at the closed-form rate (before the
    certificates were moved onto their face, pepcert.lyapunov.face: 63 of these 72 tight, the
    widest bracket 2.6e-7; the whole problem now 72 tight, before 43)."""
    for name in ("ef", "ef21"):
        for L_, mu, delta in SETTINGS:
            eta = optimal_step((L_,), (mu,), delta)
            result = tight_rate(BUILTIN_METHODS[name](eta, n), float_classes(classes_of((L_,) * n, (mu,) * n, delta)),
                                family="full")
            expected = single_agent_rate(L_, mu, delta)
            assert result.tight and result.lower_source == "instance", (name, L_, mu, delta, result.rho - result.rho_lower)
            assert abs(result.rho - expected) <= 1e-13, (name, L_, mu, delta, result.rho - expected)


@pytest.mark.parametrize("name, family", [("ef", "paper"), ("ef21", "paper"), ("ef", "full"), ("ef21", "full")])
def test_the_expanded_certificate_certifies_the_whole_problem(name, family):
    """The answer is expanded to the whole problem's coordinates: its coefficients and
    multipliers, on the whole problem's own arrays, prove the reported rate."""
    n = 4
    method, classes = BUILTIN_METHODS[name](0.1, n), _classes(n)
    result = tight_rate(method, classes, family=family)
    assert result.tight
    _, whole = fresh_data(method, classes, family)
    threshold = float_threshold_rho(whole, result.coefficients, result.multiplier_values, eig_slack=1e-9,
                                    hint=result.rho)
    assert threshold <= result.rho + 1e-9, (threshold, result.rho)
    assert set(result.multipliers) == set(whole.step.multiplier_names)


def test_the_reduced_pairing_is_the_whole_ones():
    """<S, Z Z^T> over the whole basis equals <S_red, Z_red Z_red^T> for an invariant S (the
    certificate's) and any Z: what the facial reduction at an instance relies on."""
    n = 3
    method, classes = BUILTIN_METHODS["ef21"](0.2, n), _classes(n)
    built = symmetric_data(method, classes, "paper")
    assert built is not None
    view, reduced = built
    _, whole = fresh_data(method, classes, "paper")
    rng = np.random.default_rng(1)
    y, lam = rng.uniform(0.1, 1, reduced.n_terms), rng.uniform(0, 1, reduced.n_constraints)
    S_red, _ = reduced.residual(0.9, y, lam)
    S, _ = whole.residual(0.9, *view.expand(y, lam))
    for _ in range(5):
        Z = rng.normal(size=(whole.n, 3))
        Z_red = view.blocks.factor(Z)
        assert abs(np.sum(S * (Z @ Z.T)) - np.sum(S_red * (Z_red @ Z_red.T))) <= 1e-10 * np.abs(S).max() * np.sum(Z**2)
    # The two blocks' spectra are the whole matrix's (with multiplicity n - 1 for the second).
    s, a = len(view.blocks.shared), view.blocks.kinds[0].shape[0]
    first, second = np.linalg.eigvalsh(S_red[: s + a, : s + a]), np.linalg.eigvalsh(S_red[s + a:, s + a:])
    expected = np.sort(np.concatenate([first] + [second] * (n - 1)))
    assert np.allclose(np.linalg.eigvalsh(S), expected, atol=1e-10 * np.abs(S).max())


def _ef_with_a_favourite(eta, n) -> Method:
    """EF whose agent 1 steps twice as far: the agents are not alike."""
    names = tuple(f"e{i + 1}" for i in range(n))

    def step(state, oracle):
        x, errors = state[0], state[1:]
        sent, new = [], []
        for i, e in enumerate(errors):
            v = e + (2 * eta if i == 0 else eta) * oracle.gradient(x, agent=i)
            c = oracle.compress(v, agent=i)
            sent.append(c)
            new.append(v - c)
        return (x - sum(sent[1:], sent[0]) / n, *new)

    return Method("EF with a favourite", state=("x", *names), step=step,
                  optimum=lambda xs, oracle: (xs,) + tuple(0 * xs for _ in range(n)),
                  families={"paper": (("||x - x*||^2", lambda z, classes: norm2(z.x)),
                                      *((f"e{i}", lambda z, classes, i=i: norm2(getattr(z, names[i]))) for i in range(n)))})


def _ef_watching_agent_1(eta, n) -> Method:
    """The built-in EF's step with the paper's family and one more term: agent 1's error."""
    ef = BUILTIN_METHODS["ef"](eta, n)
    return Method("EF watching agent 1", state=ef.state, step=ef.step, optimum=ef.optimum,
                  families={"watch": (*ef.families["paper"], ("||e_1||^2", lambda z, classes: norm2(z.e1)))})


def test_what_is_not_symmetric_is_not_reduced():
    watching = _ef_watching_agent_1(0.1, 3)
    assert symmetric_data(watching, _classes(3), "watch") is None
    # ... and its rate is the whole problem's.
    result = tight_rate(watching, _classes(3), family="watch")
    with whole_problems():
        assert tight_rate(watching, _classes(3), family="watch").rho == result.rho
    assert symmetric_data(_ef_with_a_favourite(0.1, 3), _classes(3), "paper") is None
    assert symmetric_data(BUILTIN_METHODS["ef"](0.1, 3), _classes(3, (0.1, 0.3, 0.2)), "paper") is None
    assert symmetric_data(BUILTIN_METHODS["ef"](0.1, 1), _classes(1), "paper") is None
    for name in ("ef", "ef21", "cgd"):
        assert symmetric_data(BUILTIN_METHODS[name](0.1, 3), _classes(3), "paper") is not None, name


@pytest.mark.parametrize("name, n", [("ef21", 16), ("ef", 32), ("ef", 64)])
def test_many_identical_agents_keep_the_single_agent_rate(name, n):
    result = tight_rate(BUILTIN_METHODS[name](ETA_STAR, n), _classes(n), family="paper")
    assert result.tight and abs(result.rho - single_agent_rate(L, MU, DELTA)) <= 1e-9, result.rho


def test_the_whole_problem_is_limited_to_16_agents():
    method, classes = BUILTIN_METHODS["ef"](0.1, 17), _classes(17)
    with pytest.raises(BadInput, match="at most 16"):
        worst_case(method, classes, 2)
    with pytest.raises(BadInput, match="at most 16"):
        tight_rate(_ef_with_a_favourite(0.1, 17), classes, family="paper")
    result = tight_rate(method, classes)  # the full family: its structured families, reduced
    assert result.family == "paper" and result.tight


def test_more_than_16_agents_print_compactly(capsys):
    from pepcert.cli import main

    assert main(["rate", "--method", "ef", "--agents", "20", "--mu", "0.1", "--L", "1", "--delta", "0.5",
                 "--eta", "0.3"]) == 0
    out = capsys.readouterr().out
    assert "h = (0.1 x 20), alpha = ((1.70711) x 20)" in out
    assert "(||x - x* - e_1||^2 + ... + ||x - x* - e_20||^2)" in out
    assert main(["rate", "--method", "ef", "--agents", "65", "--mu", "0.1", "--L", "1", "--delta", "0.5"]) == 2
    assert main(["worst-case", "--method", "ef", "--agents", "17", "--mu", "0.1", "--L", "1", "--delta", "0.5",
                 "--eta", "0.3", "--iterations", "2"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and "at most 16" in err[-1]
    # A random compressor's 2^20 joint outcomes: refused before any work (not attempted by the instances).
    assert main(["rate", "--method", "cgd", "--agents", "20", "--mu", "0.1", "--L", "1", "--omega", "1",
                 "--eta", "0.1"]) == 2
    assert "joint outcomes per step" in capsys.readouterr().err
    # The optimal step of 64 agents (about 80 rates) is over the default budget: refused before any work.
    assert main(["rate", "--method", "ef21", "--agents", "64", "--mu", "0.1", "--L", "1", "--delta", "0.5"]) == 2
    assert "over the budget" in capsys.readouterr().err
    assert math.isfinite(ETA_STAR)


@pytest.mark.parametrize("name", ["ef", "ef21"])
def test_quadratic_agents_reduce_their_equalities_too(name):
    """mu = L: the class is stated by equalities (free multipliers), reduced by orbit like the
    inequalities. The full family: reduced = whole, both tight; the paper family: the reduced
    problem is tight where the whole one stalls (EF: 2.7e-5 above the instance)."""
    method, classes = BUILTIN_METHODS[name](0.3, 3), float_classes(classes_of((1.0,) * 3, (1.0,) * 3, DELTA))
    built = symmetric_data(method, classes, "full")
    assert built is not None and built[1].n_equalities > 0
    for family in ("full", "paper"):
        reduced = tight_rate(method, classes, family=family)
        with whole_problems():
            whole = tight_rate(method, classes, family=family)
        assert reduced.tight and reduced.rho <= whole.rho + 1e-9
        if whole.tight:
            assert abs(reduced.rho - whole.rho) <= 1e-9
