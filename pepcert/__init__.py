"""pepcert: tight, certified worst-case analyses of compressed first-order methods.

Three packages with one direction of dependency (see ``docs/architecture.md``):

* :mod:`pepcert.pep` -- the modelling core: expressions, function and compressor classes,
  methods, worst-case problems and solver back-ends;
* :mod:`pepcert.lyapunov` -- optimal quadratic Lyapunov functions, step sizes and exact
  certificates (uses ``pep``);
* :mod:`pepcert.lowerbounds` -- explicit worst-case instances checked in exact arithmetic
  (uses ``pep``).

The command line (:mod:`pepcert.cli`) is the composition root that wires the three.
"""

__version__ = "0.1.0"
