"""Issue 21 acceptance: the one-step problem traced once and filled per setting
(:mod:`pepcert.lyapunov.parametric`) is the problem a fresh symbolic build gives, and the tight
rate computed from it is the fresh build's to 1e-12, on 50 random settings of two user methods
(heavy ball; error feedback with heavy-ball momentum) written through the public API only.

The reference is the fresh build (:func:`pepcert.pep.parametric.fresh_builds`), which is how
every problem was built before tracing existed; no timing is asserted (the speed is measured by
``pepcert bench``).
"""

from __future__ import annotations

import numpy as np
import pytest

from pepcert import Contractive, ProblemClass, SmoothStronglyConvex, tight_rate
from pepcert.analyses.rates import float_classes
from pepcert.lyapunov.parametric import filled_data as filled_or_none
from pepcert.lyapunov.parametric import fresh_data
from pepcert.pep.errors import SolverFailure
from pepcert.pep.parametric import Param, Tape, TraceEscape, fresh_builds
from user_methods import ef_heavy_ball, heavy_ball, scheduled_gradient_descent


def filled_data(method, classes):
    """The fill (a structure's first sighting is built afresh, its second traced: ask twice)."""
    return filled_or_none(method, classes) or filled_or_none(method, classes)


ARRAYS = ("before_mats", "before_rows", "after_mats", "after_rows", "constraint_mats", "constraint_rows")


def _settings(count: int = 50, seed: int = 21):
    """``(method, classes, beta)``: half heavy ball, half EF with momentum; a few ``beta = 0``
    (a zero coefficient drops terms from the fresh build: a different problem, traced apart);
    few distinct classes, so most settings are fills of a trace made for an earlier one."""
    rng = np.random.default_rng(seed)
    mus, deltas = (0.1, 0.25), (0.3, 0.7)
    out = []
    for k in range(count):
        mu, delta = float(rng.choice(mus)), float(rng.choice(deltas))
        beta = 0.0 if k % 10 == 3 else float(rng.uniform(0.0, 0.6))
        eta = float(rng.uniform(0.05, 1.2))
        if k % 2 == 0:
            out.append((heavy_ball(eta, beta), ProblemClass(SmoothStronglyConvex(mu, 1.0)), beta))
        else:
            out.append((ef_heavy_ball(eta * delta, beta),
                        ProblemClass(SmoothStronglyConvex(mu, 1.0), Contractive(delta)), beta))
    return out


def _rate(method, classes):
    try:
        result = tight_rate(method, classes)
    except SolverFailure as error:
        return ("failure", str(error).split(".")[0])
    return (result.rho, result.rho_lower, result.lower_source)


def test_filled_problem_and_rate_match_a_fresh_build():
    filled_count = 0
    for method, classes, beta in _settings():
        floats = float_classes(classes)
        filled = filled_data(method, floats)
        if beta != 0:
            assert filled is not None, (method.name, method.parameters)  # the fill is what is tested
        if filled is not None:
            filled_count += 1
            view, data = filled
            fresh_view, fresh = fresh_data(method, floats)
            for name in ARRAYS:
                a, b = getattr(data, name), getattr(fresh, name)
                assert a.shape == b.shape
                assert np.max(np.abs(a - b), initial=0.0) <= 1e-12 * max(1.0, np.max(np.abs(b), initial=0.0)), name
            assert np.array_equal(data.active_values, fresh.active_values)
            assert (data.psd_size, data.nonneg_terms, data.n_equalities) == (fresh.psd_size, fresh.nonneg_terms,
                                                                              fresh.n_equalities)
            assert view.feature_names == fresh_view.feature_names and view.multiplier_names == fresh_view.multiplier_names
            assert np.allclose(view.distance_mat, fresh_view.distance_mat, rtol=0, atol=1e-12)
        traced = _rate(method, classes)
        with fresh_builds():
            reference = _rate(method, classes)
        if traced[0] == "failure" or reference[0] == "failure":
            assert traced == reference
            continue
        assert abs(traced[0] - reference[0]) <= 1e-12 and abs(traced[1] - reference[1]) <= 1e-12
        assert traced[2] == reference[2]
    assert filled_count >= 45


def test_guards_refuse_a_setting_the_trace_does_not_cover():
    """Traced at ``beta > 0`` the coefficient ``beta`` was found nonzero; at ``beta = 0`` that
    guard fails, so the fill is refused for that trace (and a trace of its own is made)."""
    classes = float_classes(ProblemClass(SmoothStronglyConvex(0.1, 1.0)))
    assert filled_data(heavy_ball(0.5, 0.3), classes) is not None
    at_zero = filled_data(heavy_ball(0.5, 0.0), classes)
    fresh = fresh_data(heavy_ball(0.5, 0.0), classes)[1]
    assert at_zero is not None and at_zero[1].before_mats.shape == fresh.before_mats.shape
    assert np.array_equal(at_zero[1].constraint_mats, fresh.constraint_mats)


def test_untraceable_steps_are_built_afresh():
    assert filled_data(scheduled_gradient_descent(0.5), float_classes(ProblemClass(SmoothStronglyConvex(0.1, 1.0)))) \
        is None
    tape = Tape()
    x = tape.input(0.5)
    with pytest.raises(TraceEscape):
        float(x)
    y = (x * x - 1) / (x + 2)
    assert isinstance(y, Param) and y.value == (0.5 * 0.5 - 1) / (0.5 + 2)
    assert x > 0 and [relation for _, relation in tape.guards] == [">"]  # an ordering: its sign
    assert x * 1 != x - 1 and [relation for _, relation in tape.guards] == [">", "!="]  # an equality test: zero or not


def test_dominance_from_arrays_decides_as_the_s_procedure():
    """``V >= c ||state - state*||^2`` from the filled arrays: EF's own Lyapunov function
    controls the state; ``||x - x* - e||^2`` alone (zero at x - x* = e) does not, nor does
    ``||x - x*||^2 + ||e||^2 - 5 (f - f*)`` (negative where f - f* = L/2 ||x - x*||^2, L = 1)."""
    from pepcert.lyapunov.dominance import data_dominance
    from pepcert.lyapunov.results import DOMINANCE_FLOOR
    from pepcert.pep.algorithms import error_feedback
    from pepcert.pep.conic import svec

    classes = float_classes(ProblemClass(SmoothStronglyConvex(0.1, 1.0), Contractive(0.5)))
    method = error_feedback(0.2)
    view, data = filled_data(method, classes)
    assert view.feature_names[:2] == ("x - x*", "e")
    k = len(view.feature_names)

    def coefficients(block, p=0.0):
        P = np.zeros((k, k))
        P[:2, :2] = block
        return np.concatenate([svec(P), [p]])

    s = np.sqrt(0.5)
    own = coefficients(np.array([[1.0, -1.0], [-1.0, 1.0 + 1 / s]]))  # ||x - e||^2 + ||e||^2/s (TTD25)
    assert data_dominance(data, own) > DOMINANCE_FLOOR
    assert data_dominance(data, coefficients(np.array([[1.0, -1.0], [-1.0, 1.0]]))) <= DOMINANCE_FLOOR
    assert data_dominance(data, coefficients(np.eye(2), p=-5.0)) <= DOMINANCE_FLOOR
    # The multipliers of the S-procedure's answer for the tight V are a certificate for it (at a
    # quarter of its c), and are not one for a V with the same value row but negative on x - x*
    # at e = 0: the reuse check (tried before any solve) tells them apart.
    from pepcert.lyapunov.dominance import _certified, _solve_arrays

    def arrays(y):
        return np.tensordot(y, data.before_mats, axes=1), y @ data.before_rows

    tight = np.array(tight_rate(method, classes).coefficients)
    c, multipliers = _solve_arrays(data, *arrays(tight), None)
    assert c > DOMINANCE_FLOOR and _certified(data, *arrays(tight), c / 4, multipliers) == c / 4
    assert _certified(data, *arrays(tight + coefficients(np.array([[-3.0, 0.0], [0.0, 0.0]]))), c / 4, multipliers) == 0


def test_traced_instance_maps_are_the_batched_runs_maps():
    """The maps of a batch of scaling instances replayed from the traced step are bitwise those of
    the batched run of the step (``fresh_builds``), for built-in and user methods; a member where a
    guard of the trace fails (beta = 0 after beta > 0) sends the batch back to the batched run."""
    from pepcert.lowerbounds.linear import batched_maps
    from pepcert.lowerbounds.maps import traced_maps
    from pepcert.pep.algorithms import ef21
    from pepcert.pep.instances import ScalingInstance

    rng = np.random.default_rng(3)
    instances = [ScalingInstance(float(h), float(a)) for h, a in zip(rng.uniform(0.1, 1, 30), rng.uniform(0.3, 1.7, 30))]
    for method in (ef21(0.3), heavy_ball(0.5, 0.2), ef_heavy_ball(0.2, 0.3)):
        traced = traced_maps(method, instances)
        with fresh_builds():
            reference = batched_maps(method, instances)
        assert traced is not None and np.array_equal(traced, reference)
    assert traced_maps(heavy_ball(0.5, 0.0), instances) is None


def test_a_structure_is_traced_at_its_second_sighting():
    """A single rate (the command line's) is built afresh and pays no tracing; the second rate of
    the same structure is filled."""
    from user_methods import nesterov

    classes = float_classes(ProblemClass(SmoothStronglyConvex(0.2, 3.0)))
    assert filled_or_none(nesterov(0.3, 0.4), classes) is None
    assert filled_or_none(nesterov(0.2, 0.5), classes) is not None
