"""Inner product mod 2 (IP_d) as an exact ReLU network, and what can be checked about it.

Run: python examples/benign_ip.py
"""

from fractions import Fraction

import numpy as np

from relubits.constructions.boolean import (
    boolean_function, embed_boolean, evaluate_integer, exhaustive_check, integer_layers_of, ip_network)
from relubits.constructions.protocol import network_protocol
from relubits.constructions.threshold import circuit_to_network, ip_circuit
from relubits.theory.benign import ip_ones_count, ip_ones_formula, lindsey_check

d = 4
ip = ip_network(d)  # Theorem 16: ANDs + the piecewise-linear interpolant of parity
rep = exhaustive_check(ip.network, "ip", d)
print(f"IP_{d} network: {ip.neurons} neurons (promised 2d+1 = {ip.promised_neurons}), depth {ip.depth}, "
      f"{rep.errors} errors on all {rep.inputs_checked} inputs, Lipschitz <= {ip.lipschitz_bound}")

circ = circuit_to_network(ip_circuit(d))  # Lemma 22: two ReLUs per threshold gate
print(f"threshold circuit with {ip_circuit(d).size} gates -> network with {circ.neurons} neurons "
      f"(2s+q), {exhaustive_check(circ.network, 'ip', d).errors} errors")

cert = network_protocol(ip.network, boolean_function("ip", d))  # Alice has x, Bob has y
print(f"real-communication protocol: {cert.rounds} rounds = {cert.neurons} neurons, certificate valid: {cert.valid}")

emb = embed_boolean(ip)  # Proposition 17: round each coordinate, then run the Boolean network
rng = np.random.default_rng(0)
k = rng.integers(0, 17, size=(10000, 2 * d))
Xn = np.where(rng.integers(0, 2, size=k.shape) == 1, 64 - k, k)  # points of ([0,1/4] u [3/4,1])^8, /64
Y, D = evaluate_integer(integer_layers_of(emb.network), Xn, scale=64)
want = boolean_function("ip", d)((2 * Xn >= 64).astype(np.int8)).astype(np.int64)
print(f"embedding on [0,1]^{2 * d}: {emb.neurons} neurons (= {ip.neurons} + 2*{2 * d}), "
      f"exact mismatches on 10000 support points: {int((Y[:, 0] != want * D).sum())}")
print(f"value at the centre (1/2,...): {emb.network.exact([Fraction(1, 2)] * (2 * d))[0]}")

print(f"ones of IP_{d}: {ip_ones_count(d)} (formula {ip_ones_formula(d)})")
print(f"Lindsey, d=3: largest monochromatic rectangle {max(lindsey_check(3).max_one_rectangle, lindsey_check(3).max_zero_rectangle)} <= 2^3")

try:
    from relubits.experiments.min_size import min_relu_network, min_threshold_circuit

    for dd in (1, 2):
        r = min_relu_network("ip", dd, time_limit=30)
        t = min_threshold_circuit("ip", dd, time_limit=30)
        print(f"IP_{dd}: min one-hidden-layer ReLU size {r.min_size} ({r.proof_status}), "
              f"min threshold circuit {t.min_size} gates ({t.proof_status})")
except ImportError:
    print("install relubits[solvers] for the exact minimal sizes")
