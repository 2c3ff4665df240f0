"""Exceptions shared by every pepcert package.

The command line turns :class:`BadInput` into one line on stderr and exit status 2, and
:class:`SolverFailure` into one line and exit status 1; nothing else is caught silently.
"""


class BadInput(ValueError):
    """The user asked for something invalid (bad parameter, unknown method, ...)."""


class SolverFailure(RuntimeError):
    """A solver did not report a solved status, so its answer must not be used."""
