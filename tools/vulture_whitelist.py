"""Names vulture reports as unused that are used where it cannot look.

    vulture pepcert tests examples tools --min-confidence 60     # nothing to report

Vulture counts a name as used wherever it appears, so listing it here is enough; this file
is meant for vulture (running it does nothing).
"""


class _Names:
    def __getattr__(self, name: str) -> str:
        return name


_ = _Names()

_used_elsewhere = (
    # signal-handler and context-manager signatures (cli/common.py, cli/muon_train.py, tests/deadline.py)
    _.signum,
    _.exc,
    # read by the Clarabel extension: the settings it is given (pep/solvers.py) and the
    # sparse-matrix flag of CSCMatrix (pep/conic.py)
    _.verbose,
    _.tol_gap_abs,
    _.tol_gap_rel,
    _.tol_feas,
    _.tol_ktratio,
    _.max_threads,
    _.iterative_refinement_enable,
    _.direct_solve_method,
    _.has_canonical_format,
    # run in a fresh interpreter from generated source (cli/bench_jobs.py)
    _.ef_optimal_step,
    # public API: re-exported lazily by pepcert.pep and listed in docs/architecture.md
    _.ScalarQuadratic,
    # dataclass fields: part of the records (repr, comparisons, serialisation)
    _.worst_violation,
    _.working_set,
    # pytest fixture (tests/sweeps/test_sweep.py)
    _._reset,
)
