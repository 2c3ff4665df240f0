"""The composition layer: analyses that combine the modelling core (``pep``) with the Lyapunov
search (``lyapunov``) and the lower bounds (``lowerbounds``).

Names are re-exported lazily (PEP 562): ``pepcert rate`` never loads the exact-certificate
stack (sympy) that only ``certify``/``check`` need."""

from __future__ import annotations

from pepcert._lazy import lazy_exports

_LAZY = {
    **dict.fromkeys(("CertifiedRate", "certify"), "pepcert.analyses.certificates"),
    **dict.fromkeys(("CheckReport", "check_certificate", "classes_from_dict"), "pepcert.analyses.checking"),
    **dict.fromkeys(("StepResult", "optimal_step", "tight_rate"), "pepcert.analyses.rates"),
    **dict.fromkeys(("CertifiedWorstCase", "NStepCheckReport", "certify_nstep"), "pepcert.analyses.nstep_certificates"),
    **dict.fromkeys(("CertifiedNoisePair", "NoisyCheckReport", "certify_noise_pair"),
                    "pepcert.analyses.noisy_certificates"),
}

__all__ = sorted(_LAZY)


__getattr__, __dir__ = lazy_exports('pepcert.analyses', _LAZY, globals())
