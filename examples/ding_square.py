"""x^2 on [0, 1] with only two weight values {-1, 1/2}: exact error 2^(-2m-2), every parameter checked.

Run: python examples/ding_square.py
"""

from fractions import Fraction

from relubits.constructions.ding import product_net, square_error_exact, square_net

for sharing in ("paper", "shared"):
    for m in (2, 4, 6):
        r = square_net(m, levels=2, sharing=sharing)
        err = square_error_exact(r.network)  # exact: 1-D pieces of the quantized network
        assert err == r.promised_error == Fraction(1, 2 ** (2 * m + 2))
        assert r.network.on_grid(r.weight_set.grid)
        print(f"{sharing:>6} m={m}: sup|net - x^2| = {err} (promised {r.promised_error}), "
              f"{r.n_weights} weights, {r.memory_bits} bits, depth {r.depth}, weights {r.weight_set.describe()}")

p = product_net(4, M=2, bits=4)
x, y = Fraction(3, 4), Fraction(-5, 4)
print(f"product on [-2,2]^2 with 4-bit weights: net({x}, {y}) = {p.network.exact([x, y])[0]} vs {x * y}; "
      f"promised error {p.promised_error}")
