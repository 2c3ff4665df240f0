"""The workloads ``pepcert bench`` times, as data (Thomsen, Taylor & Dieuleveut 2025's methods
and settings), so that the benchmark code names no method itself."""

RATE_METHODS = ("ef", "ef21", "cgd")  # one tight rate at each of RATE_STEPS
RATE_STEPS = (0.05, 0.2, 0.6)
WORST_CASE_METHOD = "ef"  # the N-step worst case against PEPit (tests/pepit_models.py: pepit_ef)
THROUGHPUT_METHODS = ("cgd", "ef", "ef21")  # the Fig. 1 grid


def label(names) -> str:
    """``"EF, EF21, CGD"`` for display."""
    return ", ".join(name.upper() for name in names)
