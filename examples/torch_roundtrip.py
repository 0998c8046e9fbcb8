"""PyTorch -> relubits -> PyTorch, exactly; then what 8 and 4 bits cost, certified.

Run: python examples/torch_roundtrip.py   (needs: pip install 'relubits[torch]')
"""

import torch

from relubits.io.ptq import quantization_report
from relubits.io.torch import from_torch, to_torch

torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(1, 32), torch.nn.ReLU(), torch.nn.Linear(32, 32), torch.nn.ReLU(),
                            torch.nn.Linear(32, 1))
net = from_torch(model)                     # exact rationals: every float32 is a binary fraction
back = to_torch(net)                        # float32 again, the same numbers
x = torch.linspace(-2, 2, 10_001).reshape(-1, 1)
same = torch.equal(model(x), back(x))
print(f"torch -> relubits -> torch: outputs identical on {len(x)} inputs: {same}; widths {net.widths}")
assert same and from_torch(back) == net
for bits in (8, 4):
    _, rep = quantization_report(net, bits, domain=(-2, 2))
    print(f"  {bits}-bit weights: sup |N - N_{bits}| on [-2, 2] = {rep.certified_error_after:.4g} "
          f"({rep.method}), memory {rep.memory_bits_after} bits")
