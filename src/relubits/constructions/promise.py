"""What a construction promises: the value object returned next to every constructed network.

Every construction in :mod:`relubits.constructions` returns a :class:`Construction`:
the :class:`~relubits.network.Network` it built plus the theorem's statement for it
(size, grid, the promised sup-norm error and the formula it came from).  Tests and the
CLI compare ``promised_error`` with :func:`relubits.certify` -- a promise is a claim to
be checked, never a measurement.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from relubits.grid import Grid
from relubits.network import Network

__all__ = ["Construction"]


@dataclass(frozen=True, eq=False)
class Construction:
    """A constructed network and what its construction theorem promises.

    Attributes
    ----------
    name : str
        Construction name (``"hinge-chain"``, ``"shallow"``, ``"rounded"``, ...).
    network : Network
        The network; every parameter lies on ``grid`` (checked by the builder).
    grid : Grid
        The weight grid the construction targets.
    promised_error : Fraction or None
        Proved upper bound on ``sup_{[0,1]} |f - network|`` for the target it was built
        from (``None`` when the construction proves nothing, e.g. naive rounding).
    formula : str
        The bound's formula with its ingredients, in words (proof in docs/constructions.md).
    params : dict
        Construction parameters (knot count, scale factors, ...), JSON-friendly.
    """

    name: str
    network: Network
    grid: Grid
    promised_error: Fraction | None
    formula: str
    params: dict = field(default_factory=dict)

    @property
    def width(self) -> int:
        """Largest hidden layer of :attr:`network`."""
        return self.network.width

    @property
    def depth(self) -> int:
        """Number of affine maps of :attr:`network`."""
        return self.network.depth

    @property
    def n_params(self) -> int:
        """All weights and biases of :attr:`network` (zeros included)."""
        return self.network.n_params

    @property
    def memory_bits(self) -> int:
        """``n_params * grid.bits_per_param`` (dense count; raises if a parameter is off the grid)."""
        return self.network.memory_bits(self.grid)

    def summary(self) -> dict[str, Any]:
        """JSON-friendly description (floats for display; the exact promise is in ``promised_error_exact``)."""
        return {
            "construction": self.name,
            "width": self.width,
            "depth": self.depth,
            "n_params": self.n_params,
            "memory_bits": self.memory_bits,
            "bits": self.grid.bits_per_param,
            "promised_error": None if self.promised_error is None else float(self.promised_error),
            "promised_error_exact": None if self.promised_error is None else str(self.promised_error),
            "promise_formula": self.formula,
        }
