"""Sweeps: evaluate an analysis over a parameter grid, cached on disk, optionally on dask.

* :mod:`pepcert.sweeps.grid` -- grids (a dict of lists, or a list of dicts) and the
  command-line value syntax (``0.1,0.2``, ``0.1:0.9:9``, ``1e-3:1:20:log``);
* :mod:`pepcert.sweeps.cache` -- the content-addressed result cache (SQLite, one row a point);
* :mod:`pepcert.sweeps.run` -- :func:`sweep` and its result type :class:`SweepResult`;
* :mod:`pepcert.sweeps.analyses` -- the sweepable analyses (``rate``, ``optimal_rate``,
  ``worst_case_value``, ...): picklable top-level functions of keyword parameters that return
  a dict of JSON-able outputs, each with a version that is part of its cache key.

This package imports nothing heavy at module level (pandas, dask and rich are imported by the
functions that use them).
"""

from pepcert.sweeps.grid import expand_grid, parse_values
from pepcert.sweeps.run import SweepResult, sweep

__all__ = ["SweepResult", "expand_grid", "parse_values", "sweep"]
