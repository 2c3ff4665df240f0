"""``pepcert bench`` figure for the Muon exact replay (issue 10): ``certify_muon`` at
``T = 10^5`` (beta = 0.99, ``gamma_t = 1/sqrt(t+1)``) in a fresh interpreter, goal < 30 s and
< 1 GB, and the replay's speed-up over exact rationals measured in the same run.

The baseline replays the *same* Muon definition on exact ``Fraction`` matrices, on an instance
where every number is rational (beta = 0.99, constant step 1/10: the start is rational too).
Its denominators grow by about 6.6 bits a step (``log2 100`` from beta), so each step costs
more than the last; the Arb balls of :mod:`pepcert.lowerbounds.muon.certificate`
(:mod:`pepcert.pep.numerics.intervals`) do not grow. Both run the same ``T`` in the same child
process.
"""

from __future__ import annotations

GOALS = {"seconds": 30.0, "peak_mb": 1024.0}

_CERTIFY = """
import json, time
from fractions import Fraction
from pepcert.lowerbounds.muon.certificate import certify_muon
from pepcert.pep.budget import peak_resident_mb
start, cpu = time.perf_counter(), time.process_time()
result = certify_muon(Fraction(99, 100), "1/sqrt(t+1)", {T})
print(json.dumps({{"seconds": time.perf_counter() - start, "cpu_seconds": time.process_time() - cpu,
                  "certified": result.certified, "lower_bound": float(result.certified_lower_bound or 0),
                  "peak_mb": peak_resident_mb()}}))
"""

_BASELINE = """
import json, time
from fractions import Fraction
from pepcert.lowerbounds.muon.certificate import _RecordingOracle, replay_muon
from pepcert.lowerbounds.muon.instance import muon_instance
from pepcert.pep.algorithms.muon import muon
from pepcert.pep.lmo import SpectralLMO
T, beta = {T}, Fraction(99, 100)
instance = muon_instance(beta, "0.1", horizon=T)
W0 = instance.W0_exact(T + 1, instance.schedule.enclosures(T + 2))
assert all(isinstance(x, Fraction) for x in W0.entries())
cpu = time.process_time()
method, oracle = muon(beta, [Fraction(1, 10)] * (T + 2), SpectralLMO()), _RecordingOracle(instance)
state = method.initial(W0, oracle)
for t in range(T):
    oracle.step_calls = []
    state = method.advance(state, oracle, t)
rational = time.process_time() - cpu
bits = max(x.denominator.bit_length() for matrix in state for x in matrix.entries())  # W and the momentum
cpu = time.process_time()
replay_muon(instance, T)
print(json.dumps({{"rational_cpu": rational, "enclosure_cpu": time.process_time() - cpu, "denominator_bits": bits}}))
"""


def bench_muon(iterations: int = 100_000, baseline_iterations: int = 20_000, cap: float = 120.0) -> dict:
    from pepcert.cli.bench_jobs import run_child

    certify = run_child(_CERTIFY.format(T=iterations), cap) or {"not_run": f"> {cap:g} s"}
    baseline = run_child(_BASELINE.format(T=baseline_iterations), cap) or {"not_run": f"> {cap:g} s"}
    return {"iterations": iterations, "certify": certify, "baseline_iterations": baseline_iterations,
            "baseline": baseline, "goals": GOALS}
