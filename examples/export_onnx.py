"""Export a 4-bit network to plain float ONNX, verify it in ONNX Runtime, read it back exactly.

Run: python examples/export_onnx.py [OUT_DIR]
"""

import sys
import tempfile
from pathlib import Path

import numpy as np

from relubits import Grid, Network
from relubits.io.onnx import from_onnx, run
from relubits.io.verify import export

out_dir = Path(sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp())
rng = np.random.default_rng(1)
# a 1 -> 16 -> 16 -> 1 network with weights on the 4-bit grid k/4, k in [-8, 7]
net = Network.from_float([(rng.normal(size=(16, 1)), rng.normal(size=16)),
                          (rng.normal(size=(16, 16)) / 2, rng.normal(size=16)),
                          (rng.normal(size=(1, 16)) / 2, rng.normal(size=1))],
                         Grid.fixed(4, 2), overflow="saturate")
path = out_dir / "net.onnx"
check = export(net, path, "onnx")  # written only because it verified
print(f"wrote {path}: verified={check.verified} on {check.n_inputs} inputs ({check.runtime})")
print(f"  max |ORT - exact| = {check.max_abs_diff:.3g}, proved bound {check.bound:.3g}, "
      f"{check.n_bit_identical} outputs bit-identical, opset {check.opset}, IR {check.ir_version}")
assert check.verified
assert from_onnx(path) == net  # the file holds exactly the same parameters
print("  ORT at x = 0.5:", run(path, np.array([[0.5]]))[0, 0], " exact:", net.exact([0.5])[0])
