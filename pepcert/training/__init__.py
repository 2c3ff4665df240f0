"""Muon, EF-Muon and SGD with momentum in training (``pepcert muon train``).

Small numpy networks with hand-written backpropagation (:mod:`~pepcert.training.networks`),
data that is always on disk (:mod:`~pepcert.training.data`), the built-in method definitions
run on every weight matrix through one oracle per parameter
(:mod:`~pepcert.training.optimisers`), the experiment (:mod:`~pepcert.training.experiment`),
its table and verdict (:mod:`~pepcert.training.summary`), its report and figure. See
``docs/muon-training.md``.

Nothing heavy is imported here: scikit-learn, matplotlib and rich are imported by the
functions that use them.
"""
