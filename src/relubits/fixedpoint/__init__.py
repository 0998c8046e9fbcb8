"""Fixed-point networks: formats, rounding, correctly rounded activations, a bit-exact simulator.

See ``docs/fixed_point.md`` for the semantics and the proofs of the representability conditions.
"""

from relubits.fixedpoint.activations import ACTIVATIONS, ActivationTable, rounded_activation
from relubits.fixedpoint.formats import (
    OVERFLOW_MODES,
    ROUNDING_MODES,
    FixedFormat,
    FixedOverflowError,
    apply_overflow,
    parse_format,
    round_shift,
)
from relubits.fixedpoint.simulator import SEMANTICS, FixedNetwork

__all__ = [
    "ACTIVATIONS",
    "ActivationTable",
    "FixedFormat",
    "FixedNetwork",
    "FixedOverflowError",
    "OVERFLOW_MODES",
    "ROUNDING_MODES",
    "SEMANTICS",
    "apply_overflow",
    "parse_format",
    "round_shift",
    "rounded_activation",
]
