"""Export a network with 5-bit weights as weight-only QDQ (INT8 container + DequantizeLinear).

Run: python examples/export_qdq.py [OUT_DIR]
"""

import sys
import tempfile
from pathlib import Path

import numpy as np

from relubits import Grid, Network
from relubits.io.onnx import from_onnx, load_model
from relubits.io.verify import export, verify_export

out_dir = Path(sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp())
rng = np.random.default_rng(2)
net = Network.from_float([(rng.normal(size=(8, 2)), rng.normal(size=8)), (rng.normal(size=(1, 8)), rng.normal(size=1))],
                         Grid.fixed(5, 3), overflow="saturate")
path = out_dir / "net_qdq.onnx"
check = export(net, path, "qdq", bits=5, domain=(-1, 1))
model = load_model(path)
dtypes = sorted({t.data_type for t in model.graph.initializer if t.name.endswith("weight_q")})
print(f"wrote {path}: weight container types {dtypes} (3 = INT8), bits recorded:",
      {p.key: p.value for p in model.metadata_props}["relubits.weight_bits"])
print(f"  verified={check.verified}: max |ORT - exact| = {check.max_abs_diff:.3g} <= bound {check.bound:.3g}")
assert check.verified and from_onnx(path) == net
# ONNX Runtime's default optimisation level fuses DequantizeLinear+MatMul (see docs/export.md):
default = verify_export(net, path, domain=(-1, 1), level="all")
print(f"  at ORT's default level 'all': max diff {default.max_abs_diff:.3g}, verified={default.verified}")
