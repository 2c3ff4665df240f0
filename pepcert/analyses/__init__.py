"""The composition layer: analyses that combine the modelling core (``pep``) with the Lyapunov
search (``lyapunov``) and the lower bounds (``lowerbounds``)."""

from pepcert.analyses.certificates import CertifiedRate, CheckReport, certify, check_certificate
from pepcert.analyses.rates import StepResult, optimal_step, tight_rate

__all__ = ["CertifiedRate", "CheckReport", "StepResult", "certify", "check_certificate", "optimal_step", "tight_rate"]
