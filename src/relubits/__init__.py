"""relubits: ReLU networks with finite-precision weights, exact and certified.

The exact core:

* :class:`Grid` -- where weights may live (fixed point, bipolar, level sets);
* :class:`Network` -- one exact network type (evaluation, calculus, JSON);
* :func:`pieces` -- exact 1-D breakpoints; :func:`from_pwl` -- PWL function to network;
* :func:`certify` -- rigorous sup-norm error against a Lipschitz target.
"""

from relubits.grid import BipolarGrid, FixedGrid, Grid, LevelGrid
from relubits.network import GridCheck, Network, add, compose, identity, load, parallel, scale

__version__ = "0.1.0"

__all__ = [
    "Grid", "FixedGrid", "BipolarGrid", "LevelGrid",
    "Network", "GridCheck", "compose", "parallel", "add", "scale", "identity", "load",
    "__version__",
]

try:  # modules that land after the first commit of the core
    from relubits.pieces import Pieces, from_pwl, pieces  # noqa: F401
    __all__ += ["Pieces", "from_pwl", "pieces"]
except ImportError:  # pragma: no cover
    pass
try:
    from relubits.certify import Certificate, certify  # noqa: F401
    __all__ += ["Certificate", "certify"]
except ImportError:  # pragma: no cover
    pass
