"""CGD, EF and EF21 on L-smooth convex and nonconvex functions: pepcert's N-step worst cases
against PEPit's (the same methods written on PEPit points, compressor outputs as free points
with ``||C(v) - v||^2 <= (1 - delta)||v||^2``, solved by Clarabel through cvxpy).

Nonconvex: ``min_{k <= N} ||grad f(x_k)||^2`` from ``f(x_0) - f* <= 1``, PEPit's
``SmoothFunction`` with ``x*`` a stationary point and the global-minimum conditions
``f_k - f* >= ||g_k||^2/(2L)`` added by hand (pepcert's class adds them itself). Convex:
``f(x_N) - f*`` from ``||x_0 - x*||^2 <= 1``, PEPit's ``SmoothConvexFunction``. Methods start as
declared: ``e_0 = 0`` (EF), ``d_0 = grad f(x_0)`` (EF21).
"""

from __future__ import annotations

import pytest

pepit = pytest.importorskip("PEPit")
cp = pytest.importorskip("cvxpy")

from pepcert.pep.algorithms import BUILTIN_METHODS  # noqa: E402
from pepcert.pep.compressors import Contractive  # noqa: E402
from pepcert.pep.functions import smooth_convex, smooth_nonconvex  # noqa: E402
from pepcert.pep.problem import ProblemClass, worst_case  # noqa: E402
from pepit_models import pepit_sublinear  # noqa: E402

SETTINGS = {  # (L, delta, eta) per method: three each
    "cgd": [(1.0, 0.5, 0.5), (1.0, 0.9, 1.0), (2.0, 0.3, 0.2)],
    "ef": [(1.0, 0.5, 0.3), (1.0, 0.8, 0.7), (2.0, 0.4, 0.1)],
    "ef21": [(1.0, 0.5, 0.3), (1.0, 0.8, 0.6), (2.0, 0.4, 0.1)],
}


def pepcert_value(name: str, L: float, delta: float, eta: float, N: int, convex: bool) -> float:
    classes = ProblemClass(smooth_convex(L) if convex else smooth_nonconvex(L), Contractive(delta))
    measure, initial = ("function", "distance") if convex else ("min-gradient", "function")
    return worst_case(BUILTIN_METHODS[name](eta), classes, N, measure=measure, initial=initial, start="declared").value


@pytest.mark.parametrize("convex", [False, True], ids=["nonconvex", "convex"])
@pytest.mark.parametrize("name", list(SETTINGS))
def test_worst_cases_agree_with_pepit(name, convex):
    worst = 0.0
    for L, delta, eta in SETTINGS[name]:
        for N in range(1, 6):
            ours, theirs = pepcert_value(name, L, delta, eta, N, convex), pepit_sublinear(name, L, delta, eta, N, convex)
            worst = max(worst, abs(ours - theirs) / abs(theirs))
            assert ours == pytest.approx(theirs, rel=1e-6), (name, L, delta, eta, N, ours, theirs)
    print(f"{name} {'convex' if convex else 'nonconvex'}: largest relative difference {worst:.1e}")
