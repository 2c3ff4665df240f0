"""Exact certificates of the noise pair (rho, C): E V_{k+1} <= rho V_k + C sigma^2 and
V >= ||x - x*||^2 (pepcert/analyses/noisy_certificates.py, pepcert/lyapunov/noisy_exact.py).

References: SGD (CGD with delta = 1) on L-smooth mu-strongly convex functions with
E||xi||^2 <= sigma^2 has V = ||x - x*||^2, rho = max((1 - eta mu)^2, (1 - eta L)^2) and
C = eta^2, and no smaller pair: the quadratic instance f = h x^2/2 (h = mu or L) contracts by
rho, and from x = x* one noisy step gives E||x_1 - x*||^2 = eta^2 sigma^2, so C >= eta^2. EF's
exact-gradient rate is the closed form of Thomsen, Taylor & Dieuleveut (2025); its C is
compared with the floating-point SDP of pepcert/lyapunov/noisy.py.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from fractions import Fraction as Fr

import pytest

from pepcert.analyses import certify_noise_pair, check_certificate
from pepcert.cli import main
from pepcert.pep.algorithms import BUILTIN_METHODS
from pepcert.pep.classes import ProblemClass
from pepcert.pep.compressors import Contractive
from pepcert.pep.errors import BadInput
from pepcert.pep.functions import SmoothStronglyConvex
from pepcert.pep.noise import BoundedVariance

#: (mu, L, eta, sigma^2) as in tests/pep/test_noise.py, in rationals
SGD_SETTINGS = [(Fr(1, 10), Fr(1), Fr(1, 2), Fr(3, 10)), (Fr(1, 10), Fr(1), Fr(3, 2), Fr(1, 10)),
                (Fr(1, 2), Fr(2), Fr(1, 5), Fr(1))]
#: the stated rounding gaps: rho at most 1e-7 above the closed form, C at most 1e-6 relative above eta^2
RHO_GAP, C_GAP = Fr(1, 10**7), Fr(1, 10**6)
SGD_CLI = ["certify", "--method", "cgd", "--mu", "0.1", "--L", "1", "--delta", "1", "--eta", "0.5", "--sigma", "0.5"]


def sgd_rate(mu, L, eta):
    return max((1 - eta * mu) ** 2, (1 - eta * L) ** 2)


@pytest.mark.parametrize("mu, L, eta, sigma2", SGD_SETTINGS)
def test_sgd_certificate_reaches_the_closed_form_pair(mu, L, eta, sigma2):
    classes = ProblemClass(SmoothStronglyConvex(mu, L), Contractive(1), BoundedVariance(sigma2))
    result = certify_noise_pair(BUILTIN_METHODS["cgd"], classes, eta)
    assert result.verified, result.reason
    rho = sgd_rate(mu, L, eta)
    assert rho <= result.rho <= rho + RHO_GAP
    assert eta**2 <= result.C <= eta**2 * (1 + C_GAP)
    report = check_certificate(json.loads(json.dumps(result.certificate)))
    assert report.valid, report.reasons
    assert (report.rho, report.C, report.sigma2) == (result.rho, result.C, sigma2)


@pytest.fixture(scope="module")
def sgd_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("noisy") / "sgd.json"
    assert main(SGD_CLI + ["--out", str(path)]) == 0
    return path


def test_check_prints_what_is_proven(sgd_file, capsys):
    capsys.readouterr()
    assert main(["check", str(sgd_file)]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith("VALID: E V_{k+1} <= rho V_k + C sigma^2 and V >= ||x - x*||^2, hence E||x_k - x*||^2 <= "
                           "rho^k V_0 + C sigma^2 (1 - rho^k)/(1 - rho) with rho = 0.9025")
    assert "C = 0.25" in line and "sigma^2 = 0.25 (CGD at eta = 1/2;" in line and "built-in 'cgd'" in line
    document = json.loads(sgd_file.read_text())
    assert document["classes"]["noise"] == {"type": "BoundedVariance", "sigma2": "1/4"}
    assert Fr(1, 4) <= Fr(document["C"]) <= Fr(1, 4) * (1 + C_GAP)


def test_ef_with_noise_above_its_exact_gradient_rate():
    from pepcert.lyapunov.noisy import noise_pair

    mu, L, delta, eta, sigma2, rho = Fr(1, 10), Fr(1), Fr(1, 2), Fr(3, 10), Fr(1, 4), Fr(19, 20)
    s = math.sqrt(1 - delta)
    b = [(1 - s) - float(eta) * h * (1 + s) for h in (float(mu), float(L))]
    exact_rate = max(((abs(x) + math.sqrt(x * x + 4 * s)) / 2) ** 2 for x in b)  # 0.9416...
    assert exact_rate < rho
    classes = ProblemClass(SmoothStronglyConvex(mu, L), Contractive(delta), BoundedVariance(sigma2))
    result = certify_noise_pair(BUILTIN_METHODS["ef"], classes, eta, rho=rho)
    assert result.verified and result.rho == rho, result.reason
    smallest = noise_pair(BUILTIN_METHODS["ef"](0.3), classes.converted(float), 0.95).C  # 0.26228
    assert smallest * (1 - 1e-6) <= float(result.C) <= smallest * (1 + 1e-4)
    assert check_certificate(result.certificate).valid


def test_state_dependent_noise_at_a_given_rate():
    """E||xi||^2 <= sigma^2 + B ||grad f(x)||^2: SGD contracts by max_h (1 - eta h)^2 + eta^2 B h^2
    (0.90375 here) and C = eta^2 still; below that rate there is no certificate."""
    from pepcert.pep.noise import StateDependentVariance

    mu, L, eta, B = Fr(1, 10), Fr(1), Fr(1, 2), Fr(1, 2)
    rate = max((1 - eta * h) ** 2 + eta**2 * B * h**2 for h in (mu, L))
    classes = ProblemClass(SmoothStronglyConvex(mu, L), Contractive(1), StateDependentVariance(Fr(1, 4), B))
    result = certify_noise_pair(BUILTIN_METHODS["cgd"], classes, eta, rho=rate + Fr(1, 10**6))
    assert result.verified and eta**2 <= result.C <= eta**2 * (1 + C_GAP), result.reason
    document = json.loads(json.dumps(result.certificate))
    assert document["classes"]["noise"] == {"type": "StateDependentVariance", "sigma2": "1/4", "B": "1/2"}
    assert check_certificate(document).valid
    assert not certify_noise_pair(BUILTIN_METHODS["cgd"], classes, eta, rho=rate - Fr(1, 10**4)).verified


def test_certify_refuses_what_it_cannot_state(capsys):
    classes = ProblemClass(SmoothStronglyConvex(Fr(1, 10), 1), Contractive(1), BoundedVariance(0))
    with pytest.raises(BadInput, match="sigma"):
        certify_noise_pair(BUILTIN_METHODS["cgd"], classes, Fr(1, 2))
    assert main(SGD_CLI + ["--rho", "1"]) == 2
    assert main(["certify", "--method", "cgd", "--mu", "0.1", "--L", "1", "--delta", "1", "--eta", "0.5",
                 "--rho", "0.95"]) == 2  # --rho without --sigma


def test_sweep_certifies_noise_pairs(capsys):
    assert main(["sweep", "--analysis", "certify", "--method", "cgd", "--mu", "0.1", "--L", "1", "--delta", "1",
                 "--eta", "0.5", "--sigma", "0.5", "--rho", "0.95", "--no-cache", "--workers", "1", "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)["rows"]
    assert row["verified"] and row["rho"] == "19/20" and 0.25 <= row["C_float"] <= 0.25 * (1 + 1e-6)


# -- forged files ----------------------------------------------------------------------------


def _scaled(document, factor):
    """V, the one-step multipliers, C and kappa all multiplied: the one-step identity still holds."""
    scale = lambda v: str(Fr(v) * factor)
    document["lyapunov"]["P"] = [[scale(v) for v in row] for row in document["lyapunov"]["P"]]
    document["lyapunov"]["p"] = scale(document["lyapunov"]["p"])
    for key in ("multipliers", "equality_multipliers"):
        document["step"][key] = [scale(v) for v in document["step"][key]]
    document["step"]["kappa"], document["C"] = scale(document["step"]["kappa"]), scale(document["C"])


def _lower_C_and_kappa(document):
    document["C"] = str(Fr(document["C"]) - Fr(1, 10**4))
    document["step"]["kappa"] = str(Fr(document["step"]["kappa"]) - Fr(1, 10**4) * Fr(1, 4))


def _other_sigma_same_proof(document):
    """sigma^2 = 1/5 with kappa = (C - lambda_variance) sigma^2: the proof of another (true)
    statement, but not the problem the file was certified for."""
    document["classes"]["noise"]["sigma2"] = "1/5"
    variance = Fr(document["step"]["multipliers"][-1])
    document["step"]["kappa"] = str((Fr(document["C"]) - variance) * Fr(1, 5))


FORGERIES = {
    "C lowered": (lambda d: d.update(C=str(Fr(d["C"]) - Fr(1, 10**7))), "not the stated kappa"),
    "C lowered with kappa": (_lower_C_and_kappa, "kappa is negative"),
    "rho lowered": (lambda d: d.update(rho=str(Fr(d["rho"]) - Fr(1, 10**6))), "not positive semidefinite"),
    "rho = 2": (lambda d: d.update(rho="2"), "[0, 1)"),
    "an equality multiplier changed": (
        lambda d: d["step"]["equality_multipliers"].__setitem__(0, str(Fr(d["step"]["equality_multipliers"][0])
                                                                       + Fr(1, 10**6))), "not positive semidefinite"),
    "an extra equality multiplier": (lambda d: d["step"]["equality_multipliers"].append("0"), "one multiplier per"),
    "V halved": (lambda d: _scaled(d, Fr(1, 2)), "V >= ||x - x*||^2"),
    "p lowered": (lambda d: d["lyapunov"].update(p=str(Fr(d["lyapunov"]["p"]) - 1)), "function value is negative"),
    "kappa negative": (lambda d: d["domination"].update(kappa="-1/1000"), "kappa is negative"),
    "sigma^2 changed": (lambda d: d["classes"]["noise"].update(sigma2="1/5"), "digest"),
    "sigma^2 changed with kappa": (_other_sigma_same_proof, "digest"),
    "noise relabelled": (lambda d: d["classes"].update(noise={"type": "StateDependentVariance", "sigma2": "1/4",
                                                              "B": "1/2"}), "digest"),
    "method relabelled": (lambda d: d.update(builtin="ef"), "builds 'EF'"),
}


@pytest.mark.parametrize("name", FORGERIES)
def test_forged_files_are_refused(sgd_file, name):
    forge, reason = FORGERIES[name]
    document = json.loads(sgd_file.read_text())
    forge(document)
    report = check_certificate(document)
    assert not report.valid and reason in "; ".join(report.reasons), report.reasons


def test_forged_and_unreadable_files_exit_1_and_2(sgd_file, tmp_path, capsys):
    document = json.loads(sgd_file.read_text())
    _lower_C_and_kappa(document)
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(document))
    assert main(["check", str(forged)]) == 1
    assert capsys.readouterr().out.startswith("INVALID: E V_{k+1} <= rho V_k + C sigma^2: the constant kappa is negative")
    for change in ({"noise": None}, {"step": None}, {"C": 0.25}):
        broken = json.loads(sgd_file.read_text())
        (broken["classes"] if "noise" in change else broken).update(change)
        forged.write_text(json.dumps(broken))
        assert main(["check", str(forged)]) == 2


def test_negative_inequality_multipliers_are_refused(sgd_file):
    """A multiplier moved below zero and its pair's lowered by as much (their function values
    cancel): some of these pass every other test, so only the sign check refuses them."""
    from pepcert.analyses.certificates import one_step_exact
    from pepcert.analyses.checking import classes_from_dict
    from pepcert.analyses.noisy_certificates import _identity
    from pepcert.lyapunov.noisy_exact import NoisyCertificate, check_noisy

    document = json.loads(sgd_file.read_text())
    step = one_step_exact(BUILTIN_METHODS["cgd"](Fr(1, 2)), classes_from_dict(document["classes"]), "full", 1)
    P = tuple(tuple(Fr(v) for v in row) for row in document["lyapunov"]["P"])
    parts = {part: _identity(document[part], part) for part in ("step", "domination")}
    pairs = [(0, 2), (2, 0), (1, 4), (4, 1), (3, 5), (5, 3)]  # interpolation (a, b) and (b, a)
    for part, identity in parts.items():
        for i, j in pairs:
            lam = list(identity.multipliers)
            shift = lam[i] + Fr(1, 10**30)
            lam[i], lam[j] = lam[i] - shift, lam[j] - shift
            forged = replace(identity, multipliers=tuple(lam))
            certificate = NoisyCertificate(Fr(document["rho"]), Fr(document["C"]), P, Fr(document["lyapunov"]["p"]),
                                           **{**parts, part: forged})
            assert not check_noisy(step, certificate).valid, (part, i, j)
