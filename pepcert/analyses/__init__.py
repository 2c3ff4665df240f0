"""The composition layer: analyses that combine the modelling core (``pep``) with the Lyapunov
search (``lyapunov``) and the lower bounds (``lowerbounds``).

Names are re-exported lazily (PEP 562): ``pepcert rate`` never loads the exact-certificate
stack (sympy) that only ``certify``/``check`` need."""

from __future__ import annotations

import importlib

_LAZY = {
    **dict.fromkeys(("CertifiedRate", "CheckReport", "certify", "check_certificate"), "pepcert.analyses.certificates"),
    **dict.fromkeys(("StepResult", "optimal_step", "tight_rate"), "pepcert.analyses.rates"),
}

__all__ = sorted(_LAZY)


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'pepcert.analyses' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
