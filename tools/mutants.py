"""Break the exact checkers one line at a time and confirm that a test fails for it.

Each mutant replaces one exact piece of text in one module (a sign check removed, a membership
test weakened, a method's coefficient changed). For each, the repository is copied to a
temporary folder, the change applied there, and the tests named for it are run; a mutant the
tests do not kill is a *survivor* (a check nothing guards). Two mutants run at once.

    python tools/mutants.py            # all mutants; exit 1 when any survives
    python tools/mutants.py --list     # what would be run
    python tools/mutants.py --only dominance

Run by ``.ci/run`` after the test suite.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GUARDS = "tests/analyses/test_checker_guards.py"
NONCONVEX = "tests/pep/test_nonconvex.py"
CUTS = "tests/pep/test_conic_cuts.py"
NOISE_TESTS = "tests/pep/test_noise.py"
POTENTIAL, POTENTIAL_TESTS = "pepcert/lyapunov/potential.py", "tests/lyapunov/test_potential.py"
CLAIMS = "tests/analyses/test_certificate_claims.py"
TAMPER = "tests/analyses/test_certificate_tamper.py"
PARAMETRIC = "tests/lyapunov/test_parametric.py"
DOMINANCE_REUSE = "tests/lyapunov/test_dominance_reuse.py"
LINEAR, CANDIDATES = "pepcert/lowerbounds/linear.py", "tests/lowerbounds/test_linear_candidates.py"
ALONG, RATE_ROWS = "tests/lowerbounds/test_linear_along.py", "tests/sweeps/test_rate_rows.py"
FAST_PATHS = "tests/saq/test_fast_paths.py"
STATED, STATED_TESTS = "pepcert/analyses/stated.py", "tests/analyses/test_stated_fields.py"
SYMMETRIC, SYMMETRIC_TESTS = "pepcert/lyapunov/symmetric.py", "tests/agents/test_symmetric.py"
GROUPS = "tests/agents/test_groups.py"
FACE_MODULE, FACE = "pepcert/lyapunov/face.py", "tests/lyapunov/test_face.py"


@dataclass(frozen=True)
class Mutant:
    name: str
    path: str
    old: str
    new: str
    tests: tuple[str, ...]


def _m(name, path, old, new, *tests):
    return Mutant(name, path, old, new, tests)


UPPER, CHECKING, DOMINANCE = "pepcert/lyapunov/upper.py", "pepcert/analyses/checking.py", "pepcert/lyapunov/dominance.py"
COMPRESSORS, PSD = "pepcert/pep/compressors.py", "pepcert/pep/numerics/psd.py"
BACKENDS = "pepcert/pep/backends.py"
CONIC_ERRORS = "pepcert/pep/conic_errors.py"
TOLERANCES = ("tests/pep/test_reported_tolerances.py", "tests/pep/test_lowrank.py", "tests/pep/test_near_boundary.py")
CERTIFIED, ROOTS = "pepcert/lowerbounds/certified.py", "tests/lowerbounds/test_root_count.py"
QUADRATIC, QUADRATIC_CERTIFICATES = "tests/pep/test_quadratic_class.py", "tests/analyses/test_quadratic_certificates.py"
MUON, MUON_TESTS = "pepcert/lowerbounds/muon/certificate.py", "tests/lowerbounds/test_muon_guards.py"
NSTEP, NSTEP_TAMPER = "pepcert/analyses/nstep_exact.py", "tests/analyses/test_nstep_tamper.py"
CHORDAL, CHORDAL_TESTS = "pepcert/pep/chordal_nstep.py", "tests/pep/test_chordal_nstep.py"
CLOSE, CLOSE_TESTS = "pepcert/pep/instance_close.py", "tests/pep/test_instance_close.py"
CHAIN, CHAIN_TESTS = "pepcert/pep/chain_bound.py", "tests/pep/test_chain_bound.py"
RECUR, RECUR_TESTS = "pepcert/pep/scaling_bound.py", "tests/pep/test_scaling_bound.py"
CHORDAL_SUBLINEAR = "tests/pep/test_chordal_sublinear.py"
NOISY, NOISY_TESTS = "pepcert/lyapunov/noisy_exact.py", "tests/analyses/test_noisy_certificates.py"

MUTANTS = (
    # -- momentum error feedback and the noise neighbourhood's instance end --
    _m("ef21-sgdm: the momentum average is swapped", "pepcert/pep/algorithms/momentum.py",
       "(1 - momentum) * v[i] + momentum * gradient", "momentum * v[i] + (1 - momentum) * gradient",
       "tests/pep/test_momentum.py"),
    _m("econtrol: the error keeps the compressed part", "pepcert/pep/algorithms/momentum.py",
       "e[i] + g[i] - h[i] - c[i]", "e[i] + g[i] - h[i] + c[i]", "tests/pep/test_momentum.py"),
    _m("noise instances: the step's gradients are exact", "pepcert/lowerbounds/noisy.py",
       "    oracle.noisy = True\n", "    oracle.noisy = False\n", "tests/pep/test_momentum.py"),
    # -- the upper-bound checker (lyapunov/upper.py) --
    _m("upper: the last multiplier may be negative", UPPER, "for weight in certificate.multipliers):",
       "for weight in certificate.multipliers[:-1]):", GUARDS),
    _m("upper: the first multiplier may be negative", UPPER, "for weight in certificate.multipliers):",
       "for weight in certificate.multipliers[1:]):", GUARDS),
    _m("upper: a negative weight on f - f* is accepted", UPPER, "if certificate.p < 0:", "if False:", GUARDS),
    _m("upper: a negative family weight is accepted", UPPER, "if any(w < 0 for w in weights):", "if False:", GUARDS),
    _m("upper: the residual's constant term is ignored", UPPER, "if total.constant != 0:", "if False:", GUARDS),
    _m("upper: V = 0 is accepted (full family)", UPPER,
       "if all(v == 0 for row in certificate.P for v in row) and certificate.p == 0:", "if False:", GUARDS),
    _m("upper: V = 0 is accepted (structured family)", UPPER, "if all(w == 0 for w in weights):", "if False:", GUARDS),
    _m("upper: a negative function-value coefficient is accepted", UPPER, "if any(v < 0 for v in ell):",
       "if False:", GUARDS, TAMPER),
    _m("upper: the residual matrix is not tested", UPPER, "if not s_check.psd:", "if False:", GUARDS),
    _m("upper: P is not tested", UPPER, "if not p_check.psd:", "if False:", GUARDS),
    _m("psd: negative pivots are accepted", PSD, "if pivot < 0:", "if False:", "tests/pep/test_numerics.py", TAMPER),
    _m("psd: a zero pivot's row is not checked", PSD, "if any(A[k][j] != 0 for j in remaining):", "if False:",
       "tests/pep/test_numerics.py"),
    # -- the certificate checker (analyses/checking.py) --
    _m("check: rho_lower > rho_upper is not refused", CHECKING, "if rho_lower > rho_upper:", "if False:", GUARDS),
    _m("check: rho_lower < 1 is accepted without an instance", CHECKING,
       "elif lower is None and rho_lower > 0:", "elif lower is None and rho_lower >= 1:", GUARDS),
    _m("check: a file's method name is shown unchecked", CHECKING, 'if built.name == document["method"]:',
       "if True:", CLAIMS),
    _m("check: a V-only certificate may claim a lower bound", CHECKING,
       "if claim == LYAPUNOV_CLAIM and rho_lower > 0:", "if False:", CLAIMS),
    _m("stated: any rational agrees", STATED, "same = isinstance(text, str) and str_to_rational(text) == value",
       "same = True", STATED_TESTS),
    _m("stated: any list of names agrees", STATED, "return None if stated == list(derived) else",
       "return None if True else", STATED_TESTS),
    _m("stated: any text agrees", STATED, "return None if stated == derived else", "return None if True else",
       STATED_TESTS),
    _m("stated: pivots are never compared", STATED, "    if stated is None:\n        return None\n    reason",
       "    if True:\n        return None\n    reason", STATED_TESTS),
    _m("check: the characteristic polynomial is compared with itself", CHECKING,
       'lower.get("characteristic_polynomial"),', "[str(v) for v in characteristic],", STATED_TESTS),
    _m("check: the lower section's rho_lower is not proven", CHECKING, "return None if proven else",
       "return None if True else", STATED_TESTS),
    _m("certificate file: unknown fields are read past", "pepcert/analyses/certificate_file.py", "    if unknown:",
       "    if False:", STATED_TESTS),
    _m("check: the digest is ignored", CHECKING, 'if problem_digest(step) != document.get("digest"):', "if False:",
       CLAIMS, TAMPER),
    _m("check: in_expectation false is read as true", CHECKING, 'return cls(*numbers, entry["in_expectation"])',
       "return cls(*numbers, True)", GUARDS),
    # -- the dominance proof (lyapunov/dominance.py) --
    _m("dominance: c <= 0 is accepted", DOMINANCE, "if not dominance.c > 0:", "if False:", CLAIMS),
    _m("dominance: a negative multiplier is accepted", DOMINANCE,
       "if any(weight < 0 for weight in dominance.multipliers):", "if False:", CLAIMS),
    _m("dominance: the residual is not tested", DOMINANCE, "if not check.psd:", "if False:", CLAIMS),
    # -- equality constraints (quadratic classes, mu = L): free multipliers only for equalities --
    _m("upper: an equality's multiplier is sign-checked like an inequality's", UPPER,
       "if any(weight < 0 for weight in certificate.multipliers):",
       "if any(weight < 0 for weight in (*certificate.multipliers, *certificate.equality_multipliers)):",
       QUADRATIC_CERTIFICATES),
    _m("upper: the equalities are left out of the residual", UPPER,
       "*zip(step.equalities, certificate.equality_multipliers)]", "]", QUADRATIC_CERTIFICATES),
    _m("upper: the number of equality multipliers is not checked", UPPER,
       "if len(certificate.equality_multipliers) != len(step.equalities):", "if False:", QUADRATIC_CERTIFICATES),
    _m("check: the file's list of equalities is not compared with the problem's", CHECKING,
       'if [n for n, _ in step.equalities] != upper.get("equalities", []):', "if False:", QUADRATIC_CERTIFICATES),
    _m("dominance: an equality's multiplier is sign-checked like an inequality's", DOMINANCE,
       "if any(weight < 0 for weight in dominance.multipliers):",
       "if any(weight < 0 for weight in (*dominance.multipliers, *dominance.equality_multipliers)):",
       QUADRATIC_CERTIFICATES),
    _m("dominance: the number of equality multipliers is not checked", DOMINANCE,
       "if len(dominance.equality_multipliers) != len(local_equalities(step)):", "if False:", QUADRATIC_CERTIFICATES),
    # Freeing only the last inequality's multiplier is no longer observable: at every optimum the
    # tests reach it is positive (it was killed before only through one step search's
    # proven_optimal flag at a tie, which the facial reduction now closes). All of them freed:
    _m("search: the inequalities' multipliers are free, like equalities'", "pepcert/lyapunov/margin.py",
       "builder.nonnegative(eye[lam[: data.n_inequalities]], np.zeros(data.n_inequalities))",
       "builder.nonnegative(eye[lam[:0]], np.zeros(0))",
       "tests/analyses/test_reference_rates.py"),
    _m("search: the margin is not capped with equalities", "pepcert/lyapunov/margin.py",
       "builder.nonnegative(-eye[[t]], [1.0])", "pass", QUADRATIC),
    _m("N-step: the face of the vector identities is ignored", "pepcert/pep/backends.py",
       "face = face_basis(identities, n)", "face = None", QUADRATIC),
    _m("quadratic: the gradient identity forgets L", "pepcert/pep/functions.py",
       "point.g - first.g - L * d))", "point.g - first.g - d))", QUADRATIC),
    _m("quadratic: the value identity forgets its curvature", "pepcert/pep/functions.py",
       "- inner(first.g, d) - half * norm2(d)))", "- inner(first.g, d)))", QUADRATIC),
    _m("membership: a quadratic class admits any curvature", "pepcert/pep/functions.py",
       "return bool(h == self.L)", "return True", QUADRATIC),
    # -- N-step certificates (analyses/nstep_exact.py, nstep_certificates.py, nstep_file.py) --
    _m("nstep: the residual's LDL^T is skipped", NSTEP, "    if not check.psd:\n", "    if False:\n", NSTEP_TAMPER),
    _m("nstep: a negative multiplier is accepted", NSTEP,
       "negative = next((name for name, weight in zip(names, proof.multipliers) if weight < 0), None)",
       "negative = None", NSTEP_TAMPER),
    _m("nstep: function values left in the residual are ignored", NSTEP, "    if value is not None:\n",
       "    if False:\n", NSTEP_TAMPER),
    _m("nstep: the measure weights need not sum to 1", NSTEP, " or sum(proof.weights) != 1:", ":", NSTEP_TAMPER),
    _m("nstep: the instance's inequalities are not checked", NSTEP, "        if evaluate(constraint, G, F) > 0:",
       "        if False:", NSTEP_TAMPER),
    _m("nstep: the instance's initial condition is not bounded", NSTEP, "    if start > 1:", "    if False:",
       NSTEP_TAMPER),
    _m("nstep: the claimed lower bound is not compared with the instance", NSTEP, "        if value < lower:",
       "        if False:", NSTEP_TAMPER),
    _m("nstep: the compressor need not be a function of its input", NSTEP,
       "if same_input and evaluate((out_a[0] - out_b[0]) @ (out_a[0] - out_b[0]), G, F) != 0:", "if False:",
       NSTEP_TAMPER),
    _m("nstep: the digest is ignored", "pepcert/analyses/nstep_certificates.py",
       'if nstep_digest(exact) != document.get("digest"):', "if False:", NSTEP_TAMPER),
    _m("nstep: the iteration cap is not read from the file", "pepcert/analyses/nstep_file.py",
       "not 1 <= iterations <= MAX_NSTEP_ITERATIONS:", "iterations < 1:", NSTEP_TAMPER),
    # -- noise-pair certificates (lyapunov/noisy_exact.py, analyses/noisy_certificates.py) --
    _m("noisy: the domination identity V >= ||x - x*||^2 is skipped", NOISY,
       "    if reason:\n        return NoisyCheck(False, reason, one_step, dominated)",
       "    if False:\n        return NoisyCheck(False, reason, one_step, dominated)", NOISY_TESTS),
    _m("noisy: a negative kappa is accepted", NOISY, "if identity.kappa < 0:", "if False:", NOISY_TESTS),
    _m("noisy: the constant term is not compared with kappa", NOISY, "if total.constant != identity.kappa:",
       "if False:", NOISY_TESTS),
    _m("noisy: the equality multipliers are ignored", NOISY,
       "*zip(step.equalities, identity.equality_multipliers)]", "]", NOISY_TESTS),
    _m("noisy: the number of equality multipliers is not checked", NOISY,
       "if len(identity.equality_multipliers) != len(step.equalities):", "if False:", NOISY_TESTS),
    _m("noisy: a negative multiplier of an inequality is accepted", NOISY,
       "if any(weight < 0 for weight in identity.multipliers):", "if False:", NOISY_TESTS),
    _m("noisy: rho >= 1 is accepted", NOISY, "if not 0 <= certificate.rho < 1:", "if False:", NOISY_TESTS),
    _m("noisy: a negative function-value coefficient is accepted", NOISY,
       "if any(v < 0 for v in total.value_row(step.basis.n_values, dtype=object)):", "if False:", NOISY_TESTS),
    _m("noisy: the residual matrix is not tested", NOISY, "    if not check.psd:\n", "    if False:\n", NOISY_TESTS),
    _m("noisy: the digest is ignored", "pepcert/analyses/noisy_certificates.py",
       'if problem_digest(step) != document.get("digest"):', "if False:", NOISY_TESTS),
    _m("noisy: the noise class is not rebuilt from the file", CHECKING,
       'None if noise is None else _build_class(noise, "noise"))', "None)", NOISY_TESTS),
    # -- class membership of lower-bound instances --
    _m("membership: one outcome inside a deterministic class suffices", COMPRESSORS,
       "return all(bool(e <= bound) for e in errors)", "return any(bool(e <= bound) for e in errors)", GUARDS),
    _m("membership: a deterministic class is checked on average", COMPRESSORS, "        if self.in_expectation:\n"
       "            return bool(sum(errors)", "        if True:\n            return bool(sum(errors)", GUARDS),
    _m("membership: unbiasedness is not checked", COMPRESSORS, "return sum(alphas) / k == 1 and bool(",
       "return bool(", GUARDS),
    _m("membership: the unbiased second moment is relaxed", COMPRESSORS, "/ k <= 1 + omega)", "/ k <= 2 + omega)",
       GUARDS),
    _m("membership: one agent's curvature in its class suffices", "pepcert/pep/classes.py",
       "all(fn.admits_curvature(h) for fn, h in zip(self.functions, hs))",
       "any(fn.admits_curvature(h) for fn, h in zip(self.functions, hs))", GUARDS),
    _m("membership: curvature above L is accepted", "pepcert/pep/functions.py",
       "return bool(self._lowest_instance() <= h <= self.L)", "return bool(self._lowest_instance() <= h)", GUARDS),
    _m("potential: the k-independent part of V_{k+1} - V_k is not required <= 0", POTENTIAL,
       "    _nonnegative_on_class(cp, gram0, a * (gb - ga) - ga, constraints, rules)\n", "", POTENTIAL_TESTS),
    _m("potential: the decrease of the k-weighted part is not required", POTENTIAL,
       "    _nonnegative_on_class(cp, _quad(Tb, P1) - _mean([_quad(T, P1) for T, _ in after]), gb - ga, constraints, rules)\n",
       "", POTENTIAL_TESTS),
    _m("potential: the gradient term rewards instead of charging", POTENTIAL,
       "- kappa * (gradient.T @ gradient)", "+ kappa * (gradient.T @ gradient)", POTENTIAL_TESTS),
    _m("noise: samples may correlate with what came before them", "pepcert/pep/trace.py",
       "        return [(j, (position, b)) for position, j in index.items() for b, sources in enumerate(depends)",
       "        return [] and [(j, (position, b)) for position, j in index.items() for b, sources in enumerate(depends)",
       NOISE_TESTS),
    _m("noise: the two-point model draws +xi on both branches", "pepcert/pep/trace.py",
       "xi = xi if digit == 0 else -xi", "xi = xi", NOISE_TESTS),
    _m("noise: the variance of a sample is not bounded", "pepcert/pep/noise.py",
       'return [(f"variance({name})", norm2(xi) - self.sigma2)]', "return []", NOISE_TESTS),
    _m("cuts: the omitted pairs are not checked", "pepcert/pep/conic_cuts.py",
       "worst = float(violations[omitted].max(initial=-math.inf))", "worst = -math.inf", CUTS),
    _m("cuts: the working set's own pairs are checked instead of the omitted ones", "pepcert/pep/conic_cuts.py",
       "omitted = np.flatnonzero(~active)", "omitted = np.flatnonzero(active)", CUTS),
    _m("serial sweeps: an analysis with many is still run point by point", "pepcert/sweeps/run.py",
       "if batches:\n", "if False:\n", "tests/sweeps/test_serial_batches.py"),
    _m("serial sweeps: batches are not capped", "pepcert/sweeps/run.py",
       "size = max(1, min(SERIAL_BATCH_MAX, int(", "size = max(1, min(10**9, int(", "tests/sweeps/test_serial_batches.py"),
    _m("serial sweeps: a batch's results are lost on an interruption", "pepcert/sweeps/run.py",
       "    finally:\n        if buffer:\n            store(buffer)\n\n\ndef dask_client",
       "    finally:\n        pass\n\n\ndef dask_client", "tests/sweeps/test_serial_batches.py"),
    _m("chain: a value above the chained bound is narrowed", CHAIN, "if gap < -ROUNDING:", "if gap < -1.0:",
       CHAIN_TESTS),
    _m("chain: the one-step answer's tolerance is not counted", CHAIN,
       "(one.value * (1 + one.tolerance)) ** iterations", "one.value ** iterations", CHAIN_TESTS),
    _m("chain: a value not attained is narrowed", CHAIN, "if not answer.attained or answer.tolerance", "if answer.tolerance",
       CHAIN_TESTS),
    _m("chain: constant terms pass as homogeneous", CHAIN, "return all(scalar.constant == 0 for", "return all(True for",
       CHAIN_TESTS),
    _m("chain: a step schedule is narrowed", CHAIN, "or self.method.takes_iteration:", ":",
       CHAIN_TESTS),
    _m("recurrence: never used", RECUR, "AN = _recurred_form(trace, forms[-1], B, X, value_points, h, _quadratic_form(",
       "AN = (lambda *args: args[-1])(trace, forms[-1], B, X, value_points, h, _quadratic_form(", RECUR_TESTS),
    _m("recurrence: the smallest measure's last term from the trace basis", RECUR, "for form in forms[1:-1]] + [value])",
       "for form in forms[1:]])", RECUR_TESTS),
    _m("recurrence: used with a step schedule", RECUR, "    if not trace.stationary or len(states) < 3:",
       "    if len(states) < 3:", RECUR_TESTS),
    _m("recurrence: kept when it disagrees with the trace basis", RECUR, "\nAGREE = 1e-3\n", "\nAGREE = 1e9\n",
       RECUR_TESTS),
    _m("recurrence: tried from a declared start", RECUR,
       "    if S0.shape[0] != S0.shape[1] or not np.linalg.cond(S0) < 1e8:", "    if False:", RECUR_TESTS),
    _m("problem: every trace declared stationary", "pepcert/pep/problem.py",
       "        trace.stationary = not method.takes_iteration", "        trace.stationary = True", RECUR_TESTS),
    _m("second opinion: never asked", "pepcert/pep/second_opinion.py",
       "        if answer.status != \"solved\" or not answer.tolerance > self.above:",
       "        if True:", "tests/pep/test_second_opinion.py"),
    _m("second opinion: the looser answer kept", "pepcert/pep/second_opinion.py",
       "other.tolerance < answer.tolerance else answer", "other.tolerance > answer.tolerance else answer",
       "tests/pep/test_second_opinion.py"),
    _m("second opinion: an unbounded answer retried", "pepcert/pep/second_opinion.py",
       "        if answer.status != \"solved\" or not answer.tolerance > self.above:",
       "        if not answer.tolerance > self.above:", "tests/pep/test_second_opinion.py"),
    _m("second opinion: not the default below the low-rank method's start", "pepcert/pep/backends.py",
       "        return (TighterOf(conic(\"clarabel\"), lowrank),)", "        return (conic(\"clarabel\"),)",
       "tests/pep/test_second_opinion.py"),
    _m("second opinion: none without the low-rank method", "pepcert/pep/backends.py",
       "return (TighterOf(conic(\"clarabel\"), conic(\"clarabel\", equilibrate=False)),)", "return (conic(\"clarabel\"),)",
       "tests/pep/test_second_opinion.py"),
    _m("second opinion: a small problem's solves keep Clarabel's equilibration", "pepcert/pep/backends.py",
       "max_solves=3, equilibrate=self.equilibrate)", "max_solves=3)", "tests/pep/test_second_opinion.py"),
    _m("solvers: the ladder's solves keep Clarabel's equilibration", "pepcert/pep/solvers.py",
       "refine=refine, equilibrate=equilibrate))", "refine=refine))", "tests/pep/test_second_opinion.py"),
    _m("chain: the start's end B left out", CHAIN, "** iterations * b * (1 + t_b)", "** iterations", CHAIN_TESTS),
    _m("chain: the measure's end A left out", CHAIN, "upper = a * (1 + t_a) * (", "upper = (", CHAIN_TESTS),
    _m("chain: a method without a Lyapunov function fails the worst case", CHAIN,
       "        except (SolverFailure, BadInput):\n            return None\n        if one is None",
       "        except SolverFailure:\n            return None\n        if one is None", CHAIN_TESTS),
    _m("chain: always through the measure", CHAIN, 'if _same(self.measure, self.initial) else "lyapunov"',
       "", CHAIN_TESTS),
    _m("chain: never applied", "pepcert/pep/problem.py", "answer = chained(answer, chain)",
       "pass", CHAIN_TESTS),
    _m("low-rank: a singular Schur complement goes through the pseudo-inverse", "pepcert/pep/lowrank_ipm.py",
       "SCHUR_SHIFTS = (1e-14, 1e-12, 1e-10)", "SCHUR_SHIFTS: tuple = ()", "tests/pep/test_lowrank.py"),
    _m("low-rank: the kept iterate is chosen without its dual error", "pepcert/pep/lowrank_ipm.py",
       "    return max(measures[1], bracket, error), bracket", "    return max(measures[1], bracket), bracket",
       "tests/pep/test_lowrank.py"),
    _m("low-rank: an untargeted iterate is chosen without its dual error", "pepcert/pep/lowrank_ipm.py",
       "        return max(*measures, error), math.nan", "        return max(measures), math.nan",
       "tests/pep/test_lowrank.py"),
    _m("closing: the value stays the solver's, not the instance's", CLOSE,
       "dataclasses.replace(answer, value=float(bound.value), gram=", "dataclasses.replace(answer, gram=",
       "tests/pep/test_worst_case.py"),
    _m("closing: the instance's point is not checked against every inequality", CLOSE,
       "if not cutting.point_violation(pool, bound.G, bound.F) <= INSTANCE_CHECK:", "if False:", CLOSE_TESTS),
    _m("closing: the bracket between the dual bound and the instance is not checked", CLOSE,
       "max(bracket, dual_error(problem, solution))", "dual_error(problem, solution)", CLOSE_TESTS),
    _m("closing: the dual bound's own error is not counted", CLOSE,
       "max(bracket, dual_error(problem, solution))", "bracket", CLOSE_TESTS),
    _m("closing: a tie keeps the solver's dual objective", CLOSE,
       "not tolerance <= answer.tolerance", "not tolerance < answer.tolerance", CLOSE_TESTS),
    _m("closing: the dual residual is not charged", CLOSE,
       "stationarity = abs(float((problem.c + problem.A.rmatvec(solution.y)) @ solution.x))", "stationarity = 0.0",
       CLOSE_TESTS),
    _m("closing: a negative dual cone is not charged", CONIC_ERRORS,
       "error += max(0.0, -float(np.linalg.eigvalsh(dual)[0])) * abs(float(np.trace(primal)))", "pass",
       CLOSE_TESTS),
    _m("chordal: the bracket between the dual bound and the instance is not checked", CHORDAL,
       "deciding = max(bracket, dual_error(conic.problem, solution))",
       "deciding = dual_error(conic.problem, solution)", CHORDAL_TESTS),
    _m("chordal: the instance's point is not checked against every inequality", CHORDAL,
       "and not cutting.point_violation(pool, bound.G, bound.F) <= INSTANCE_CHECK:", "and False:", CHORDAL_TESTS),
    _m("chordal: the retry without equilibration keeps the looser answer", CHORDAL,
       "equilibrate=False)\n        if other.tolerance < attempt.tolerance:",
       "equilibrate=False)\n        if other.tolerance > attempt.tolerance:", CHORDAL_TESTS),
    _m("solvers: equilibration is not passed to Clarabel", "pepcert/pep/solvers.py",
       "        settings.equilibrate_enable = self.tolerances.equilibrate\n", "", CHORDAL_TESTS),
    _m("pair violations: a pair that evaluates to NaN passes as satisfied", "pepcert/pep/cutting.py",
       "    violations[~np.isfinite(violations)] = np.inf\n", "", CHORDAL_TESTS),
    _m("low-rank: the smallest measure is not rescaled by the instance's bound", "pepcert/pep/nstep.py",
       "bound = instance_lower_bound(trace, first, final, minimum)",
       "bound = None if minimum is not None else instance_lower_bound(trace, first, final)", CHORDAL_TESTS),
    _m("smallest measure: its value variable is not rescaled with the last step", "pepcert/pep/cutting.py",
       "value_scale = np.concatenate([value_scale, [rho ** (-iterations)]])",
       "value_scale = np.concatenate([value_scale, [1.0]])", CHORDAL_TESTS),
    _m("smallest measure: the instance's largest measure is taken as its bound", "pepcert/pep/scaling_bound.py",
       "value = min([float(z @ _quadratic_form", "value = max([float(z @ _quadratic_form", CHORDAL_TESTS),
    _m("chordal: the clique cones' off-diagonal entries lose their sqrt(2)", CHORDAL,
       "v += (-np.where(p == q, 1.0, math.sqrt(2.0))).tolist()", "v += (-np.ones(len(p))).tolist()", CHORDAL_TESTS),
    _m("chordal: the cliques are the rows' supports, without the chordal extension", CHORDAL,
       "cliques = chordal_cliques(n, rows.supports + [objective[0]])",
       "cliques = [np.asarray(c) for c in rows.supports + [objective[0]]]", CHORDAL_TESTS),
    _m("chordal: the omitted pairs are not checked at the completed point", CHORDAL,
       "worst = float(violations[~active].max(initial=0.0))", "worst = 0.0", CHORDAL_TESTS),
    _m("chordal: the completion is not compared with the working set's rows", CHORDAL,
       "threshold = max(CUT_ACCEPT, 2 * float(violations[active].max(initial=0.0)))", "threshold = 1.0", CHORDAL_TESTS),
    _m("completion: a vertex's new coordinate (its Schur complement) is dropped", "pepcert/pep/iterate_basis.py",
       "Y[j, j] = math.sqrt(max(float(partial[j, j]) - float(Y[j] @ Y[j]), 0.0))", "Y[j, j] = 0.0",
       CHORDAL_SUBLINEAR),
    _m("chordal: only the max-det completion is tried", CHORDAL,
       "for complete in (max_det_completion, factor_completion):", "for complete in (max_det_completion,):",
       CHORDAL_SUBLINEAR),
    _m("chordal: a completion that loses the working set is used", CHORDAL,
       "        if threshold <= COMPLETION_ACCEPT:\n            if", "        if True:\n            if", CHORDAL_SUBLINEAR, CHORDAL_TESTS),
    _m("completion: a vertex's row ignores its higher neighbours", "pepcert/pep/iterate_basis.py",
       "        if len(a):  # rows of higher vertices live in columns > j", "        if False:", CHORDAL_SUBLINEAR),
    _m("chordal: the cones' work is not bounded", CHORDAL,
       "or _cone_work(cliques) > MAX_CONE_WORK:", ":", CHORDAL_SUBLINEAR),
    _m("fallbacks: a fallback's estimate is not checked against the budget", "pepcert/pep/problem.py",
       "estimate = backend.work(problem[0], iterations) if index else None", "estimate = None", CHORDAL_SUBLINEAR),
    _m("fallbacks: only the last back-end's reason is reported", "pepcert/pep/problem.py",
       'raise SolverFailure("; ".join(reasons))', "raise SolverFailure(reasons[-1])", CHORDAL_SUBLINEAR),
    _m("chordal: the smallest measure's rows are dropped (only the last measure)", CHORDAL,
       "tracked if aggregate == \"min\" else None)", "None)", CHORDAL_SUBLINEAR),
    _m("chordal: the objective is never rescaled", CHORDAL,
       "    return [target / value for target in OBJECTIVE_TARGETS", "    return [1.0 for target in OBJECTIVE_TARGETS",
       CHORDAL_SUBLINEAR),
    _m("chordal: a rescaled answer is kept even when looser than the best so far", CHORDAL,
       "ladder, factor)\n        if other.tolerance < attempt.tolerance:",
       "ladder, factor)\n        if True:", CHORDAL_SUBLINEAR),
    _m("chordal: only the first target is tried", CHORDAL,
       "    for factor in factors:", "    for factor in factors[:1]:", CHORDAL_SUBLINEAR),
    _m("cuts: a bound far below the relaxations is still targeted every round", "pepcert/pep/cutting.py",
       "promising = relative_bracket(target, solution.dual_objective) <= PROMISING", "promising = True", "tests/pep/test_lowrank.py"),
    _m("low-rank: a converging solve far from its optimum is stopped as stalled", "pepcert/pep/lowrank_ipm.py",
       "or (dual_target is None and best[1] > FAR and mu < 0.5 * progress[1])", "or False",
       "tests/pep/test_lowrank.py"),
    _m("chordal: an answer looser than the back-end's loosest is kept", CHORDAL,
       "if rung <= self.loosest)", "if rung <= 1.0)", CHORDAL_SUBLINEAR),
    _m("sublinear: chordal answers kept at any tolerance", BACKENDS,
       "loosest=SUBLINEAR_CHORDAL_LOOSEST if", "loosest=1.0 if", CHORDAL_SUBLINEAR),
    _m("membership: a negative curvature is an instance of a nonconvex class", "pepcert/pep/functions.py",
       "return self.mu if self.convex else 0 * self.L", "return self.mu", NONCONVEX),
    _m("nonconvex: x* is only a stationary point (no minimum conditions)", "pepcert/pep/functions.py",
       "        if self.convex:\n            return []\n        return minimum_conditions(points, self.L)",
       "        return []", NONCONVEX),
    _m("nonconvex: the minimum conditions use 1/L instead of 1/(2L)", "pepcert/pep/functions.py",
       "norm2(point.g) / (2 * L)", "norm2(point.g) / L", NONCONVEX),
    _m("agents: the mean function's minimum uses the largest L", "pepcert/pep/classes.py",
       "return minimum_conditions(points, self.curvature_bounds()[1])",
       "return minimum_conditions(points, max(fn.curvature_bounds()[1] for fn in self.functions))", NONCONVEX),
    _m("instances: agents' outcomes fully correlated", "pepcert/pep/instances.py",
       "return (joint // K**agent) % K", "return joint % K", GUARDS),
    _m("lower bound: a root ball's upper end suffices", CERTIFIED, "if lower(root.real) >= rho_lower:",
       "if upper(root.real) >= rho_lower:", ROOTS),
    _m("lower bound: a non-real root counts", CERTIFIED, "        if root.imag != 0:\n            continue\n", "",
       ROOTS),
    _m("lower bound: the Sturm count is relaxed", CERTIFIED, "None)\n", "None) + 1\n", ROOTS),
    # -- the Muon replay's transition checker (lowerbounds/muon/certificate.py) --
    _m("muon: the subgradient's sign is not compared", MUON, "if s_x != 0 and s != s_x:", "if False:", MUON_TESTS),
    _m("muon: every enclosure check is skipped", MUON,
       "return all(contains(o, i) for o, i in zip(outer.entries(), inner.entries()))", "return True", MUON_TESTS),
    _m("muon: the momentum is not checked", MUON, "if not _encloses(M, self.beta * self.M_prev + self.keep * G):",
       "if False:", MUON_TESTS),
    _m("muon: the step direction is not checked", MUON, "if not self.lmo.verify(M, D):", "if False:", MUON_TESTS),
    _m("muon: the trace of D is not checked", MUON, "if not is_exact(trace) or trace != 0:", "if False:", MUON_TESTS),
    _m("muon: the next iterate is not checked", MUON, "if not _encloses(W_next, W + gamma * D):", "if False:",
       MUON_TESTS),
    # -- reported tolerances (a-posteriori error estimates of the N-step answers) --
    _m("tolerance: the conic answer's own residuals only", BACKENDS,
       "max(solution.tolerance, primal_error(problem, solution))", "solution.tolerance", *TOLERANCES),
    _m("tolerance: the primal PSD violation is ignored", CONIC_ERRORS, "        if primal_cone:", "        if False:",
       *TOLERANCES),
    _m("tolerance: the primal-dual gap is ignored", CONIC_ERRORS, "abs(primal - dual) + stationarity", "stationarity",
       *TOLERANCES),
    _m("tolerance: the low-rank bracket's gap is ignored", "pepcert/pep/nstep.py",
       "deciding = max(*solution.residuals, gap)", "deciding = max(solution.residuals)", *TOLERANCES),
    # -- the built-in methods' defining coefficients --
    _m("DIANA: shift rate alpha^2", "pepcert/pep/algorithms/agents.py", "new_shifts.append(h + alpha * delta)",
       "new_shifts.append(h + alpha ** 2 * delta)", "tests/agents/test_diana.py"),
    _m("DIANA: the estimate drops the shift", "pepcert/pep/algorithms/agents.py", "estimates.append(h + delta)",
       "estimates.append(delta)", "tests/agents/test_diana.py"),
    _m("EF: the error forgets the step size", "pepcert/pep/algorithms/compressed.py",
       "return x - c, e + eta * g - c", "return x - c, e + g - c", "tests/analyses/test_reference_rates.py"),
    _m("EF21: the gradient at the old point", "pepcert/pep/algorithms/compressed.py",
       "d + oracle.compress(oracle.gradient(x_next) - d)", "d + oracle.compress(oracle.gradient(x) - d)",
       "tests/analyses/test_reference_rates.py"),
    _m("parametric: a traced program's guards are ignored", "pepcert/pep/parametric.py",
       "lines.append(f\"        if not ({test}):\")", "lines.append(\"        if not True:\")", PARAMETRIC),
    _m("symmetry: a family whose terms are not permuted among themselves is reduced", SYMMETRIC,
       "if any(m is None for m in maps.values()) or", "if", SYMMETRIC_TESTS),
    _m("symmetry: the two agents' block loses its weight n - 1", SYMMETRIC,
       "out[column:column + a, column:column + a] = D + (n - 1) * E",
       "out[column:column + a, column:column + a] = D + n * E", SYMMETRIC_TESTS),
    _m("symmetry: the expansion gives every member the orbit's variable", SYMMETRIC,
       "values = np.asarray(values, dtype=float) / np.asarray(sizes, dtype=float)",
       "values = np.asarray(values, dtype=float)", SYMMETRIC_TESTS),
    _m("symmetry: an instance's differences between agents are not centred", SYMMETRIC,
       "centred = per_agent - per_agent.mean(axis=1, keepdims=True)", "centred = per_agent", SYMMETRIC_TESTS),
    _m("groups: two groups' cross block is dropped", SYMMETRIC,
       "out[column:column + a, other_column:other_column + b] = cross\n", "\n", GROUPS),
    _m("groups: a group's agent means are not scaled by n_g^(-1/2)", SYMMETRIC,
       "out[column:column + a, :r] = per_agent.sum(axis=1) / math.sqrt(n)",
       "out[column:column + a, :r] = per_agent.sum(axis=1) / n", GROUPS),
    _m("groups: the cycle through a group skips its last agent", "pepcert/pep/symmetry.py",
       "cycle[agent] = group[(position + 1) % len(group)]",
       "cycle[agent] = group[(position + 1) % max(2, len(group) - 1)]", GROUPS),
    _m("groups: a group's representative choices go to another group's agents", LINEAR,
       "for group, chosen in zip(groups, picks):", "for group, chosen in zip(groups[::-1], picks):", GROUPS),
    _m("groups: the representatives are counted as every assignment", LINEAR,
       "return math.prod(math.comb(len(choices[group[0]]) + len(group) - 1, len(group)) for group in function.groups)",
       "return math.prod(len(c) for c in choices)", GROUPS),
    _m("groups: a batched run loses its last instance", LINEAR,
       "part = instances[start:start + chunk]", "part = instances[start:start + chunk - 1] or instances[start:start + 1]",
       GROUPS),
    _m("groups: a repeat count is not checked against the agents", "pepcert/analyses/problems.py",
       "if len(items) > MAX_AGENTS or len(values) + repeat > MAX_AGENTS:", "if len(items) > MAX_AGENTS:", GROUPS),
    _m("general search: the directions no certificate can make positive are kept", "pepcert/lyapunov/search.py",
       "solve = functools.partial(solve, reduction=free_directions(data))",
       "solve = functools.partial(solve, reduction=None)", "tests/lyapunov/test_facial_reduction.py"),
    _m("facial reduction: a stalled round is not retried at looser tolerances", "pepcert/lyapunov/facial.py",
       "return solve(rho, None, reduction, gaps=PROBE_GAPS)", "raise", "tests/lyapunov/test_facial_reduction.py"),
    _m("face: a certificate the solver left off its face is re-checked as it is", "pepcert/lyapunov/facial.py",
       "moved = onto_face(data, rho_lower, solution.coefficients, solution.multipliers)",
       "moved = (solution.coefficients, solution.multipliers)", FACE),
    _m("face: a round without interior is given up with its certificate", "pepcert/lyapunov/facial.py",
       "return _accepted(_on_face(data, seen, rho_lower, (math.inf, None)), rho_lower, tolerance)", "return None",
       FACE),
    _m("face: a linear value is a zero only against the largest value", FACE_MODULE,
       "rows.append(lin_cols[:, np.abs(x @ lin_cols) <= zero].T)",
       "rows.append(lin_cols[:, np.abs(x @ lin_cols) <= KERNEL * np.abs(x @ lin_cols).max()].T)", FACE),
    _m("face: the kernel read off the solution stays fixed", FACE_MODULE, "Q = Q0 + W0 @ Z", "Q = Q0", FACE),
    _m("face: P's kernel is not kept", FACE_MODULE, "blocks.append(_kernel_block(P_cols, x))", "pass", FACE),
    _m("face: a Gauss-Newton step is never damped", FACE_MODULE,
       "DAMPING = (1.0, 0.5, 0.25, 0.125, 0.0625)", "DAMPING = (1.0,)", FACE),
    _m("face: a round's own solution is not re-checked beside its move onto the face", "pepcert/lyapunov/facial.py",
       "for coefficients, multipliers in ((solution.coefficients, solution.multipliers), moved):",
       "for coefficients, multipliers in (moved,):", FACE),
    _m("budget: the working set of pairs is estimated as one solve", "pepcert/pep/conic_cuts.py",
       "return replace(one, seconds=(MAX_CUT_ROUNDS + 1) * one.seconds)", "return one", "tests/cli/test_bounded_work.py"),
    _m("bench: a child's peak memory includes its parent's", "pepcert/pep/budget.py",
       'if line.startswith("VmHWM:"):', "if False:", "tests/cli/test_bounded_work.py"),
    _m("dominance: the quick path skips its eigenvalue test", DOMINANCE, "np.linalg.eigvalsh(block)[0] >= 0", "True",
       PARAMETRIC),
    _m("dominance: the quick path ignores V's function-value part", DOMINANCE,
       "_multiple_of_gap(V_row, view.gap_row)", "True", PARAMETRIC),
    _m("dominance: a reused certificate is not checked for PSD", DOMINANCE,
       "np.linalg.eigvalsh((mat + mat.T) / 2)[0] >= 0", "True", PARAMETRIC),
    _m("worst instances: random instances batched as deterministic maps", LINEAR,
       "return bool(instances) and not any(i.random for i in instances) and", "return bool(instances) and", RATE_ROWS),
    _m("worst instances along steps: the steps' numbers misaligned with the instances", "pepcert/lowerbounds/maps.py",
       "np.repeat(np.array(column, dtype=float), count)", "np.tile(np.array(column, dtype=float), count)", ALONG),
    _m("worst instances along steps: methods of other structures replayed as the first", "pepcert/lowerbounds/maps.py",
       "if any(other != keys[0][0] for other, _ in keys[1:]):", "if False:", ALONG),
    _m("worst instances along steps: every method given the first one's maps", LINEAR,
       "every = _deterministic_cases(stacks[k], instances)", "every = _deterministic_cases(stacks[0], instances)", ALONG),
    _m("rate rows: a run continues across another delta", "pepcert/sweeps/analyses.py",
       'for name, value in point.items() if name != "eta"))', 'for name, value in point.items() if name not in ("eta", "delta")))',
       RATE_ROWS),
    _m("rate rows: a parameter rate() refuses is taken by a run", "pepcert/sweeps/analyses.py",
       "if not set(points[0]) <= _RATE_PARAMETERS:", "if False:", RATE_ROWS),
    _m("rate rows: a run's rates search their instances again", "pepcert/analyses/rates.py",
       "tolerance, None, False, worst=worst)", "tolerance, None, False, worst=None)", RATE_ROWS),
    _m("rate rows: a failed solve stops the whole run", "pepcert/analyses/rates.py",
       "        except SolverFailure as error:\n            found.append(error)",
       "        except KeyError as error:\n            found.append(error)", RATE_ROWS),
    _m("worst instances: one end instance left out of the batch's answer", LINEAR,
       "found = every[:len(ends)] if", "found = every[:len(ends) - 1] if", QUADRATIC),  # no compressor: the one end, no grid
    _m("worst instances: the grid's rates misaligned with their curvatures", LINEAR,
       "candidates, every[len(ends):])", "candidates, every[len(ends) - 1:])", CANDIDATES),
    _m("worst instances: an interior maximum searched on one side of its grid point", LINEAR,
       "bounds=(grid[best - 1], grid[best + 1])", "bounds=(grid[best - 1], grid[best])", CANDIDATES),
    _m("worst instances: the thorough candidates remembered as the plain ones", LINEAR,
       "return _remembered_candidates(classes, thorough)", "return _remembered_candidates(classes, False)", CANDIDATES),
    _m("worst instances: unhashable classes sent to the cache", LINEAR,
       "except TypeError:  # a user's classes that are not hashable: built each time\n        return _built_candidates(classes, thorough)",
       "except ValueError:  # a user's classes that are not hashable: built each time\n        return _built_candidates(classes, thorough)",
       CANDIDATES),
    _m("worst instances: a complex start normalised by its real part", LINEAR,
       "np.sqrt(np.sum(vectors.real**2 + vectors.imag**2, axis=1))", "np.sqrt(np.sum(vectors.real**2, axis=1))",
       CANDIDATES),
    _m("saq bits: the sign bit of a nonzero level is not counted", "pepcert/saq/encoding.py",
       "_CODED = _TABLE[1:] + (np.arange(len(_TABLE) - 1) != 0)", "_CODED = _TABLE[1:] + 0", FAST_PATHS),
    _m("saq bits: the first level beyond the table is looked up in it", "pepcert/saq/encoding.py",
       "if levels.max(initial=0) < len(_CODED):", "if levels.max(initial=0) <= len(_CODED):", FAST_PATHS),
    _m("saq bits: large levels without their sign bits", "pepcert/saq/encoding.py",
       "codes = elias_omega_bits(levels + 1).sum(axis=-1) + np.add.reduce(levels != 0, axis=-1)",
       "codes = elias_omega_bits(levels + 1).sum(axis=-1)", FAST_PATHS),
    _m("dithering: the levels sent without their signs", "pepcert/saq/compressors.py",
       "signed = np.copysign(levels, W).astype(np.int64)", "signed = levels.astype(np.int64)", FAST_PATHS),
    _m("dithering: a zero block divided by its zero scale", "pepcert/pep/library/quantizers.py",
       "        if (scales > 0).all():", "        if True:", FAST_PATHS),
    _m("smoothness roots: the inverse root's low-rank part has the wrong sign", "pepcert/saq/operators.py",
       "down = -excess", "down = excess", "tests/saq/test_saq_operators.py"),
    _m("smoothness roots: the low-rank part from the smallest eigenpairs", "pepcert/saq/operators.py",
       "top = np.maximum(eigenvalues[len(eigenvalues) - rank:], shift)", "top = np.maximum(eigenvalues[:rank], shift)",
       "tests/saq/test_saq_operators.py"),
    _m("dominance: a reused certificate's value row is not checked", DOMINANCE,
       "bool(np.all(row >= 0) and np.linalg.eigvalsh", "bool(np.linalg.eigvalsh", DOMINANCE_REUSE),
    _m("dominance: a reused certificate is not scaled to the new V", DOMINANCE,
       "if falling.any() else 1.0", "if False else 1.0", DOMINANCE_REUSE),
    # -- README.md quotes docs/benchmarks.md's one run (tools/update_benchmarks.py) --
    _m("bench throughput: a small grid's short rows instead of Fig. 1's own", "pepcert/cli/bench_jobs.py",
       "steps = [float(e) for e in axes_values(FIGURE_GRID)[1]]",
       "steps = [float(e) for e in np.linspace(0.01, 2 / 1.1, deltas)]", "tests/cli/test_bench.py"),
    _m("bench quote: the baselines below a figure are dropped", "tools/update_benchmarks.py",
       "for row in group]", "for row in group[:1]]", "tests/test_benchmarks_page.py"),
    _m("bench quote: the paragraph of the run is dropped", "tools/update_benchmarks.py",
       '"\\n\\n" + "\\n".join(footer) + "\\n"', '"\\n"', "tests/test_benchmarks_page.py"),
    _m("bench quote: every N of a figure, not the largest", "tools/update_benchmarks.py",
       'f"{n}\\\\b" for stem, n in found.items()', 'r"\\d+\\b" for stem, n in found.items()',
       "tests/test_benchmarks_page.py"),
    # -- how many solves a large N-step problem costs (pep/solvers.py, pep/backends.py) --
    _m("solve policy: an answer meeting accept is solved again", "pepcert/pep/solvers.py",
       "if met <= accept or met == min(", "if met == min(", "tests/pep/test_solve_policy.py"),
    _m("solve policy: large problems back on the 1e-10 ladder", BACKENDS,
       "gaps=LARGE_LADDER, refine_first=False", "gaps=WORST_CASE_LADDER, refine_first=False",
       "tests/pep/test_solve_policy.py"),
    _m("solve policy: a stall the caller would settle is solved again", BACKENDS,
       "(settles is not None and settles(first))", "False", "tests/pep/test_solve_policy.py"),
    _m("solve policy: a stall settles without the caller's finishing", BACKENDS,
       "self.finish(answer_of(solution)).tolerance <= LARGE_ACCEPT", "answer_of(solution).tolerance <= LARGE_ACCEPT",
       "tests/pep/test_solve_policy.py"),
    _m("solvers: a Clarabel panic propagates", "pepcert/pep/solvers.py",
       "if _PANIC != (type(error).__module__, type(error).__name__):", "if True:", "tests/pep/test_solve_policy.py"),
    _m("solve policy: every stall settles", BACKENDS,
       "return self.finish is not None and self.finish(", "return True or self.finish(",
       "tests/pep/test_solve_policy.py"),
    _m("solve policy: the worse of two stalls kept", BACKENDS,
       "refined.tolerance <= first.tolerance) else first", "refined.tolerance >= first.tolerance) else first",
       "tests/pep/test_solve_policy.py"),
    _m("methods: a step's defaulted parameters count as required", "pepcert/pep/methods.py",
       "return function.__code__.co_argcount - len(function.__defaults__ or ())",
       "return function.__code__.co_argcount", "tests/pep/test_method_arity.py"),
    _m("CGD: the step size is squared", "pepcert/pep/algorithms/compressed.py",
       "return (x - eta * oracle.compress(oracle.gradient(x)),)",
       "return (x - eta * eta * oracle.compress(oracle.gradient(x)),)", "tests/analyses/test_reference_rates.py"),
)


def _copy(target: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache", ".git", "*.egg-info")
    for name in ("pepcert", "tests", "examples", "docs", "tools", ".ci"):
        if (ROOT / name).exists():
            shutil.copytree(ROOT / name, target / name, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, target / name)


def run(mutant: Mutant) -> tuple[Mutant, str, float]:
    """``(mutant, outcome, seconds)``: outcome "killed", "SURVIVED" or "not applied: ..."."""
    start = time.perf_counter()
    source = (ROOT / mutant.path).read_text()
    if source.count(mutant.old) != 1:
        return mutant, f"not applied: the text occurs {source.count(mutant.old)} times", 0.0
    with tempfile.TemporaryDirectory(prefix="pepcert-mutant-") as folder:
        target = Path(folder)
        _copy(target)
        (target / mutant.path).write_text(source.replace(mutant.old, mutant.new))
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        env["PEPCERT_CACHE"] = str(target / ".cache")
        completed = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-x", "-n", "0", "-p", "no:cacheprovider", *mutant.tests],
            cwd=target, env=env, capture_output=True, text=True,
        )
    outcome = "killed" if completed.returncode == 1 else ("SURVIVED" if completed.returncode == 0 else
                                                          f"error (pytest exit {completed.returncode})")
    return mutant, outcome, time.perf_counter() - start


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--only", default="", help="run the mutants whose name contains this text")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    chosen = [m for m in MUTANTS if args.only in m.name]
    if args.list:
        for m in chosen:
            print(f"{m.name}  [{m.path}; {', '.join(m.tests)}]")
        return 0
    start, bad = time.perf_counter(), 0
    with ThreadPoolExecutor(max_workers=max(1, args.workers)) as pool:
        for mutant, outcome, seconds in pool.map(run, chosen):
            bad += outcome != "killed"
            print(f"{outcome:<10} {seconds:5.1f} s  {mutant.name}", flush=True)
    print(f"{len(chosen)} mutants, {len(chosen) - bad} killed, {bad} not killed, {time.perf_counter() - start:.0f} s")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
