"""Whether a method's step reads the iteration counter (``Method.takes_iteration``): a third
*required* positional argument, read from a plain function's code object and through
``inspect.signature`` for anything else."""

from __future__ import annotations

import functools

import pytest

from pepcert.pep.methods import Method


def _plain(x, oracle):
    return (x,)


def _scheduled(x, oracle, k):
    return (x,)


def _closure_default(x, oracle, gamma=0.5):  # a number bound as a default: not a counter
    return (x,)


def _positional_only(x, oracle, k, /):
    return (x,)


class _Callable:
    def __call__(self, x, oracle, k):
        return (x,)


@pytest.mark.parametrize("step, expected", [
    (_plain, False), (_scheduled, True), (_closure_default, False), (_positional_only, True),
    (functools.partial(_scheduled, k=0), False), (_Callable(), True), (lambda x, o, *rest: (x,), False),
    (functools.wraps(_plain)(lambda x, o, k: (x,)), False),  # a wrapper says what it wraps
])
def test_a_step_takes_the_counter_only_through_a_third_required_argument(step, expected):
    assert Method("m", ("x",), step).takes_iteration is expected
