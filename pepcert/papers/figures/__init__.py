"""``pepcert reproduce``: the papers' figures and tables, recomputed by pepcert's analyses.

Each target writes PNG + PDF figures and the CSV data behind them into an output directory;
every plotted value comes from a pepcert analysis run through :func:`pepcert.sweeps.sweep`
(cached), and the CSVs carry the papers' closed forms beside it where one exists.
:data:`TARGETS` lists them; :func:`reproduce` runs one. This module imports nothing heavy.
"""

from pepcert.papers.figures.targets import TARGETS, Target, TargetResult, reproduce

__all__ = ["TARGETS", "Target", "TargetResult", "reproduce"]
