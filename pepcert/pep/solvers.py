"""Solver back-ends behind one interface: ``solve(problem: ConicProblem) -> ConicSolution``.

* ``clarabel`` (default): interior point, called directly with the problem's matrices (no
  modelling layer, so a small SDP costs well under a millisecond of overhead).
* ``scs``: first-order splitting; lower accuracy, useful for very large problems.
* ``mosek``: used when installed *and* licensed, through cvxpy. Never required: CI has no
  licence, and :func:`default_solver` only picks MOSEK after a successful licence check.

A back-end reports ``status == "solved"`` only when the solver itself says it converged to
the requested tolerances; "almost solved" / "inaccurate" answers are reported as
``"inaccurate"`` and every analysis in pepcert refuses to use them.
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np

from pepcert.pep.conic import ConicProblem, ConicSolution, CSCMatrix, svec_indices, svec_length
from pepcert.pep.errors import BadInput

SOLVER_NAMES = ("clarabel", "scs", "mosek")


@dataclass(frozen=True)
class Tolerances:
    """Stopping tolerances requested from a back-end (absolute and relative)."""

    gap: float = 1e-10
    feasibility: float = 1e-10
    refine: bool = True  # iterative refinement of each KKT solve (costly on large problems)
    equilibrate: bool = True  # Clarabel's Ruiz equilibration of the data (its default)


HIGH_ACCURACY = Tolerances()
LARGE_PROBLEM = 400  # variables from which Clarabel uses the supernodal (faer) factorisation


def preload_solver_libraries() -> None:
    """Load SciPy's BLAS/LAPACK Cython bindings without running ``scipy/linalg/__init__.py``.

    Clarabel takes BLAS and LAPACK for its PSD cones from ``scipy.linalg.cython_blas`` and
    ``cython_lapack``; importing them the ordinary way first imports all of ``scipy.linalg``
    (~0.2 s, most of a cold ``pepcert rate``). The two extension modules need only the light
    top-level ``scipy`` package, so they are loaded from their files and registered under their
    usual names (a later ``import scipy.linalg`` finds and reuses them). Any surprise (another
    SciPy layout) leaves the ordinary import to Clarabel.

    Only the command line calls this (its own process; ``pepcert.cli.main``): a library user's
    ``scipy`` is left exactly as SciPy imports it.
    """
    import importlib.util
    import sys

    if "scipy.linalg" in sys.modules:
        return
    try:
        import scipy

        folder = scipy.__path__[0] + "/linalg"
        for name in ("cython_blas", "cython_lapack"):
            full = f"scipy.linalg.{name}"
            if full in sys.modules:
                continue
            import glob

            files = glob.glob(f"{folder}/{name}.*.so") + glob.glob(f"{folder}/{name}.*.pyd")
            if len(files) != 1:
                return
            spec = importlib.util.spec_from_file_location(full, files[0])
            assert spec is not None and spec.loader is not None
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            sys.modules[full] = module
    except Exception:  # noqa: BLE001 - an optimisation only
        return


class ClarabelSolver:
    name = "clarabel"

    def __init__(self, tolerances: Tolerances = HIGH_ACCURACY, max_iter: int = 500):
        self.tolerances = tolerances
        self.max_iter = max_iter

    def settings(self, problem: ConicProblem):
        """Clarabel's settings for ``problem`` (what :meth:`solve` passes)."""
        import clarabel

        settings = clarabel.DefaultSettings()
        settings.verbose = False
        settings.tol_gap_abs = self.tolerances.gap
        settings.tol_gap_rel = self.tolerances.gap
        settings.tol_feas = self.tolerances.feasibility
        settings.tol_ktratio = min(1e-6, self.tolerances.gap * 100)
        settings.max_iter = self.max_iter
        settings.max_threads = 1  # the problems are small: threads cost more than they save
        settings.iterative_refinement_enable = self.tolerances.refine
        settings.equilibrate_enable = self.tolerances.equilibrate
        if problem.n_variables >= LARGE_PROBLEM:
            # faer's supernodal LDL^T works in dense blocks: 3-4x faster than QDLDL on the
            # N-step problems, whose KKT systems are dense (measured at N = 20: 16 s -> 4 s).
            settings.direct_solve_method = "faer"
        return settings

    @staticmethod
    def cones(problem: ConicProblem) -> list:
        import clarabel

        cones = []
        if problem.zero:
            cones.append(clarabel.ZeroConeT(problem.zero))
        if problem.nonneg:
            cones.append(clarabel.NonnegativeConeT(problem.nonneg))
        cones.extend(clarabel.PSDTriangleConeT(n) for n in problem.psd)
        return cones

    def bare_solve(self, problem: ConicProblem):
        """Clarabel alone on ``problem`` (its raw solution): the floor ``pepcert bench`` compares with."""
        import clarabel

        n = problem.n_variables
        return clarabel.DefaultSolver(CSCMatrix.zeros((n, n)), problem.c, problem.A, problem.b, self.cones(problem),
                                      self.settings(problem)).solve()

    def solve(self, problem: ConicProblem) -> ConicSolution:
        import clarabel

        settings, cones = self.settings(problem), self.cones(problem)
        n = problem.n_variables
        start = time.perf_counter()
        solver = clarabel.DefaultSolver(
            CSCMatrix.zeros((n, n)), problem.c, problem.A, problem.b, cones, settings
        )
        try:
            solution = solver.solve()
        except BaseException as error:  # noqa: BLE001 - a Rust panic reaches Python as a BaseException
            if _PANIC != (type(error).__module__, type(error).__name__):  # pyo3's, not importable by a stable path
                raise
            return _panicked(self.name, problem, str(error), time.perf_counter() - start)
        seconds = time.perf_counter() - start
        raw = str(solution.status)
        status = {
            "Solved": "solved",
            "AlmostSolved": "inaccurate",
            "PrimalInfeasible": "infeasible",
            "AlmostPrimalInfeasible": "inaccurate",
            "DualInfeasible": "unbounded",
            "AlmostDualInfeasible": "inaccurate",
        }.get(raw, "failed")
        x, z, s = np.array(solution.x), np.array(solution.z), np.array(solution.s)
        return ConicSolution(
            status=status,
            x=x,
            y=z,
            objective=float(solution.obj_val),
            solver=self.name,
            seconds=seconds,
            iterations=int(solution.iterations),
            raw_status=raw,
            residuals=residuals(problem, x, s, z) if raw in _CHECKABLE else None,
        )


#: pyo3's panic exception: the (module, name) of the type a Rust panic inside Clarabel raises.
_PANIC = ("pyo3_runtime", "PanicException")


def _panicked(name: str, problem: ConicProblem, message: str, seconds: float) -> ConicSolution:
    """A solve that panicked inside the solver (Clarabel 0.11: ``Eigval error`` in a PSD cone's
    step length, on a margin problem of three agents, ``tests/data/clarabel_panic_margin.npz``):
    a failed solve with no iterate, which the callers treat as any other failure."""
    nan = np.full(problem.n_variables, math.nan)
    return ConicSolution(status="failed", x=nan, y=np.full(len(problem.b), math.nan), objective=math.nan,
                         solver=name, seconds=seconds, iterations=0, raw_status=f"panicked ({message})")


# Stops whose last iterate may still meet a looser tolerance (infeasibility certificates never do).
_CHECKABLE = ("AlmostSolved", "MaxIterations", "MaxTime", "InsufficientProgress", "NumericalError")


def residuals(problem: ConicProblem, x: np.ndarray, s: np.ndarray, z: np.ndarray) -> tuple[float, float, float]:
    """``(primal, dual, gap)`` of an interior-point answer, recomputed here (relative, as
    Clarabel defines its own stopping test):

    * primal ``||A x + s - b||_inf / (1 + max(||b||, ||x||, ||s||))``,
    * dual ``||A^T z + c||_inf / (1 + max(||c||, ||z||))``,
    * gap ``|c^T x + b^T z| / max(1, min(|c^T x|, |b^T z|))``.

    The iterates of an interior-point method lie inside their cones (``s in K``,
    ``z in K*``), so these three numbers are the whole of the optimality conditions.
    """
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(s)) and np.all(np.isfinite(z))):
        return math.inf, math.inf, math.inf  # a failed solve: never within any tolerance
    norm = lambda v: float(np.abs(v).max(initial=0.0))
    with np.errstate(all="ignore"):  # overflow becomes inf, which no tolerance accepts
        primal = norm(problem.A @ x + s - problem.b) / (1 + max(norm(problem.b), norm(x), norm(s)))
        dual = norm(problem.A.rmatvec(z) + problem.c) / (1 + max(norm(problem.c), norm(z)))
        pobj, dobj = float(problem.c @ x), -float(problem.b @ z)
        gap = abs(pobj - dobj) / max(1.0, min(abs(pobj), abs(dobj)))
    primal, dual, gap = (v if math.isfinite(v) else math.inf for v in (primal, dual, gap))
    return primal, dual, gap


def _scs_permutation(problem: ConicProblem) -> np.ndarray:
    """Row order that turns our svec (upper, column-major) into SCS's (lower, column-major)."""
    order = list(range(problem.zero + problem.nonneg))
    offset = problem.zero + problem.nonneg
    for n in problem.psd:
        rows, cols = svec_indices(n)
        position = {(int(r), int(c)): k for k, (r, c) in enumerate(zip(rows, cols))}
        for c in range(n):
            for r in range(c, n):
                order.append(offset + position[(c, r)])
        offset += svec_length(n)
    return np.array(order, dtype=int)


class SCSSolver:
    name = "scs"

    def __init__(self, tolerances: Tolerances = Tolerances(gap=1e-9, feasibility=1e-9), max_iters=200_000):
        self.tolerances = tolerances
        self.max_iters = max_iters

    def solve(self, problem: ConicProblem) -> ConicSolution:
        import scs

        order = _scs_permutation(problem)
        data = {"A": problem.A.to_scipy()[order].tocsc(), "b": problem.b[order], "c": problem.c}
        cone = {"z": problem.zero, "l": problem.nonneg, "s": list(problem.psd)}
        start = time.perf_counter()
        solver = scs.SCS(
            data,
            cone,
            verbose=False,
            eps_abs=self.tolerances.feasibility,
            eps_rel=self.tolerances.gap,
            max_iters=self.max_iters,
        )
        result = solver.solve()
        seconds = time.perf_counter() - start
        raw = result["info"]["status"]
        status = {"solved": "solved", "solved_inaccurate": "inaccurate", "infeasible": "infeasible", "unbounded": "unbounded"}.get(raw, "failed")
        y = np.empty_like(result["y"])
        y[order] = result["y"]
        return ConicSolution(
            status=status,
            x=np.array(result["x"]),
            y=y,
            objective=float(result["info"]["pobj"]),
            solver=self.name,
            seconds=seconds,
            iterations=int(result["info"]["iter"]),
            raw_status=raw,
        )


class MosekSolver:
    """MOSEK through cvxpy (only when a licence is available)."""

    name = "mosek"

    def __init__(self, tolerances: Tolerances = HIGH_ACCURACY):
        self.tolerances = tolerances  # MOSEK's own defaults are kept; the ladder is recorded

    def solve(self, problem: ConicProblem) -> ConicSolution:
        import cvxpy as cp
        import scipy.sparse as sp

        x = cp.Variable(problem.n_variables)
        slack = problem.b - problem.A.to_scipy() @ x
        constraints, row = [], 0
        if problem.zero:
            constraints.append(slack[row : row + problem.zero] == 0)
            row += problem.zero
        if problem.nonneg:
            constraints.append(slack[row : row + problem.nonneg] >= 0)
            row += problem.nonneg
        for n in problem.psd:
            rows, cols = svec_indices(n)
            scale = np.where(rows == cols, 1.0, 1.0 / np.sqrt(2.0))
            block = cp.multiply(slack[row : row + svec_length(n)], scale)
            upper = sp.csr_matrix((np.ones(len(rows)), (rows * n + cols, np.arange(len(rows)))), shape=(n * n, len(rows)))
            lower = sp.csr_matrix((np.ones(len(rows)), (cols * n + rows, np.arange(len(rows)))), shape=(n * n, len(rows)))
            diagonal = sp.csr_matrix((np.ones(n), (np.arange(n) * (n + 1), np.flatnonzero(rows == cols))), shape=(n * n, len(rows)))
            matrix = cp.reshape((upper + lower - diagonal) @ block, (n, n), order="C")
            constraints.append(matrix >> 0)
            row += svec_length(n)
        model = cp.Problem(cp.Minimize(problem.c @ x), constraints)
        start = time.perf_counter()
        try:
            model.solve(solver=cp.MOSEK)
        except cp.error.SolverError as error:
            raise BadInput(f"MOSEK could not run: {error}") from None
        seconds = time.perf_counter() - start
        raw = model.status
        status = {"optimal": "solved", "optimal_inaccurate": "inaccurate", "infeasible": "infeasible", "unbounded": "unbounded"}.get(raw, "failed")
        # Multipliers of the zero and nonnegative rows (the ones analyses read); PSD-block
        # duals are left at zero by this back-end.
        y = np.zeros(len(problem.b))
        row = 0
        for constraint, size in zip(constraints, [c for c in (problem.zero, problem.nonneg) if c]):
            if constraint.dual_value is not None:
                y[row : row + size] = np.ravel(constraint.dual_value)
            row += size
        return ConicSolution(
            status=status,
            x=np.array(x.value) if x.value is not None else np.full(problem.n_variables, np.nan),
            y=y,
            objective=float(model.value) if model.value is not None else float("nan"),
            solver=self.name,
            seconds=seconds,
            iterations=0,
            raw_status=raw,
        )


_RECORD = threading.local()


@contextlib.contextmanager
def recording() -> Iterator[list[ConicProblem]]:
    """Inside, every problem :func:`solve_accurately` is given is appended to the list yielded
    (per thread): ``pepcert bench`` times a bare solve of exactly the problems an analysis solved."""
    previous = getattr(_RECORD, "problems", None)
    problems: list[ConicProblem] = []
    _RECORD.problems = problems
    try:
        yield problems
    finally:
        _RECORD.problems = previous


def solve_accurately(
    backend, problem: ConicProblem, gaps=(1e-10, 1e-9, 1e-8), refine_first: bool = True, max_solves: int = 4,
    accept: float = 0.0, equilibrate: bool = True,
) -> ConicSolution:
    """Solve at the tightest tolerance in ``gaps`` that the answer meets; the tolerance met is
    in the solution (``tolerance``).

    Interior-point methods sometimes stall just short of a very tight tolerance ("almost
    solved"). Such an answer is checked here (:func:`residuals`, recomputed on the unscaled
    problem): if it meets the next, looser tolerance of the ladder it is kept as is (measured:
    N = 20: 13 s -> 6 s, instead of a new solve from scratch); otherwise the problem is
    solved again at the next tolerance, and after ``max_solves`` the best checked answer is
    kept at the tightest tolerance it meets. An answer meeting none is returned unsolved.
    The first attempt may skip iterative refinement (``refine_first=False``): on the N-step
    problems it halves Clarabel's time, and the status still reflects the true residuals.
    ``accept``: keep at once an answer that meets this tolerance (a large problem, where another
    solve costs as much as the first). ``equilibrate``: Clarabel's equilibration (its default) or not.
    """
    record = getattr(_RECORD, "problems", None)
    if record is not None:
        record.append(problem)
    solution, best = None, None
    attempts = [(gap, True) for gap in gaps]
    if not refine_first:
        attempts.insert(0, (gaps[0], False))
    for gap, refine in attempts[:max_solves]:
        backend = type(backend)(Tolerances(gap=gap, feasibility=gap, refine=refine, equilibrate=equilibrate))
        solution = backend.solve(problem)
        if solution.solved:
            return replace(solution, tolerance=gap)
        if solution.residuals is None:
            continue
        met = next((g for g in sorted(set(gaps)) if g > gap and max(solution.residuals) <= g), None)
        if met is None:
            continue
        checked = replace(solution, status="solved", tolerance=met, raw_status=f"{solution.raw_status} (residuals <= {met:g}, checked)")
        if met <= accept or met == min((g for g in gaps if g > gap), default=None):
            return checked  # as good as the next rung would give, or as good as asked
        if best is None or max(solution.residuals) < max(best.residuals):
            best = checked
    assert solution is not None, "max_solves must be at least 1"
    return best if best is not None else solution


@lru_cache(maxsize=1)
def mosek_licensed() -> bool:
    """True when MOSEK is installed and a licence can be checked out (asked once per process:
    a failed ``import mosek`` is not cached by Python and costs ~0.5 ms per analysis)."""
    try:
        import mosek
    except ImportError:
        return False
    try:
        with mosek.Env() as env:
            env.checkoutlicense(mosek.feature.pts)
        return True
    except Exception:  # any licence error means "not available"
        return False


def default_solver_name() -> str:
    return "mosek" if mosek_licensed() else "clarabel"


def get_solver(name: str | None = None):
    """A back-end by name; ``None`` picks MOSEK when licensed, Clarabel otherwise."""
    name = default_solver_name() if name is None else name.lower()
    if name == "clarabel":
        return ClarabelSolver()
    if name == "scs":
        return SCSSolver()
    if name == "mosek":
        if not mosek_licensed():
            raise BadInput("MOSEK is not available here (not installed or no licence); use --solver clarabel")
        return MosekSolver()
    if name == "lowrank":
        raise BadInput("the low-rank method solves N-step worst cases only (pepcert worst-case --solver lowrank)")
    raise BadInput(f"unknown solver {name!r}; choose one of {', '.join(SOLVER_NAMES)}")
