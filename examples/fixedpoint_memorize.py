"""Fixed-point networks in five steps: a format, a bit-exact network, a condition check,
an exact memorizer, and exhaustive verification.

Run: ``python examples/fixedpoint_memorize.py``
"""

from fractions import Fraction

import numpy as np

from relubits.fixedpoint import FixedFormat, FixedNetwork
from relubits.fixedpoint.conditions import check
from relubits.fixedpoint.memorize import memorize, verify

# 1. Q2.3: 1 sign bit, 2 integer bits, 3 fraction bits; values k/8 with k in [-32, 31]
fmt = FixedFormat(2, 3, rounding="nearest-even", overflow="saturate")
print(f"format {fmt}: {fmt.size} values in [{fmt.min}, {fmt.max}], step {fmt.step}")

# 2. a tiny network from integer codes; every product and sum is rounded (per-op semantics)
net = FixedNetwork([([[12], [-8]], [-4, 4]), ([[8, 8]], [0])], fmt, activation="relu")
x = [Fraction(3, 8), Fraction(-5, 4)]
print("net(x) =", [str(v) for v in net.evaluate(x)[:, 0]], " = relu(1.5x - 0.5) + relu(0.5 - x), rounded at every step")

# 3. which activations can represent every function Q2.3 -> Q2.3?
for act in ("relu", "sigmoid", "gelu", "elu"):
    v = check(act, fmt)
    print(f"{act:8s} necessary={v.necessary} sufficient={v.sufficient}")

# 4. memorize a function of the grid exactly, with ReLU and with GELU
f = lambda t: Fraction(int(np.floor(float(t) ** 2 * 4)), 8) if abs(t) < 2 else Fraction(-1, 2)  # noqa: E731
for act in ("relu", "gelu"):
    mem = memorize(f, fmt, act, d=1)
    res = verify(mem.net, f, d=1)
    print(f"{act}: exact on {res.exact_inputs}/{res.total_inputs} inputs; "
          f"width {mem.net.width}, depth {mem.net.depth}, nonzero params {mem.net.n_nonzero}")
    assert res.exact_inputs == res.total_inputs

# 5. binary weights (every nonzero weight is -1 or +1) need a symmetric format
sym = fmt.replace(symmetric=True)
g = lambda t: -t  # noqa: E731
mem = memorize(g, sym, "relu", weights="binary", d=1)
assert verify(mem.net, g, d=1)
used = sorted({Fraction(int(w), sym.scale) for W in mem.net.weights for w in np.unique(W)})
print(f"binary ReLU on {sym.name}: exact; weight values used: {[str(w) for w in used]}")
