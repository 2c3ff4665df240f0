"""Calling a user's method definition: one clear line (:class:`BadInput`) for each misuse,
naming what to change, instead of a Python error from deep inside an analysis.

* :func:`build_method` -- ``factory(**parameters)`` when the factory's signature can take them:
  the step size is passed as ``eta=...``, so a factory whose step argument has another name,
  or that needs a parameter nobody gives, is told so before it is called;
* :func:`nonlinear_step` -- the error for a step that is not linear in the state and the oracle
  outputs (a product of vectors, a division by a function value, ...): performance estimation
  needs the step to be a linear combination of them with numbers as coefficients.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

from pepcert.pep.errors import BadInput


def _name(factory: Callable) -> str:
    return getattr(factory, "__name__", None) or getattr(getattr(factory, "func", None), "__name__", None) or "factory"


def build_method(factory: Callable[..., Any], parameters: Mapping[str, Any],
                 given_by: str = "the arguments given (eta and certify's parameters=...)") -> Any:
    """``factory(**parameters)``, or :class:`BadInput` saying what to change when the
    factory's signature cannot take exactly ``parameters`` (``given_by`` says where they come
    from, for the message)."""
    try:
        signature = inspect.signature(factory)
    except (TypeError, ValueError):  # a builtin or C callable: just call it
        return factory(**parameters)
    try:
        signature.bind(**parameters)
    except TypeError:
        raise BadInput(_mismatch(factory, signature, parameters, given_by)) from None
    return factory(**parameters)


def _mismatch(factory, signature: inspect.Signature, parameters: Mapping[str, Any], given_by: str) -> str:
    name = _name(factory)
    accepted = signature.parameters
    keywords = any(p.kind is p.VAR_KEYWORD for p in accepted.values())
    by_keyword = {p.name for p in accepted.values() if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    unknown = [key for key in parameters if key not in by_keyword and not keywords]
    missing = [p.name for p in accepted.values()
               if p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD) and p.name not in parameters]
    head = f"the method factory {name}{signature} cannot be called with {', '.join(parameters) or 'no arguments'}"
    if "eta" in unknown:
        others = [p for p in missing if p != "eta"]
        rename = f"rename its step-size argument {others[0]} to eta" if len(others) == 1 else "give it an argument eta"
        return (f"{head}: pepcert passes the step size as the keyword argument eta; {rename} "
                f"(def {name}(eta, ...)) or pass lambda eta: {name}(eta)")
    if unknown:
        return f"{head}: it takes no argument {', '.join(unknown)} (one of {given_by}); add it to the factory"
    return (f"{head}: it also needs {', '.join(missing)}, which is not among {given_by}; give "
            f"{'it' if len(missing) == 1 else 'them'} a default or pass a factory of {', '.join(parameters)} only")


def nonlinear_step(method: str, what: str, error: Exception) -> BadInput:
    """The error for a step (or start, optimum) that failed on pepcert's symbolic vectors."""
    return BadInput(
        f"method {method}: its {what} is not linear in the state and the oracle outputs ({type(error).__name__}: "
        f"{error}); write it as sums and differences of state variables and oracle outputs (gradient, compress, "
        "lmo) multiplied by numbers (its parameters): products of vectors and divisions by function values or "
        "gradients cannot be analysed")
