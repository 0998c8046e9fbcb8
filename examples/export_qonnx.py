"""Export a network with 3-bit and bipolar weights as QONNX and run it in qonnx's executor.

Run: python examples/export_qonnx.py [OUT_DIR]   (needs: pip install 'relubits[qonnx]')
"""

import sys
import tempfile
from pathlib import Path

import numpy as np

from relubits import Grid, Network
from relubits.io.onnx import from_onnx, load_model
from relubits.io.verify import export

out_dir = Path(sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp())
rng = np.random.default_rng(3)
first = Network.from_float([(rng.normal(size=(6, 1)), rng.normal(size=6))], Grid.fixed(3, 1), overflow="saturate")
A1, c1, d1 = first.integer_layers[0]
signs = np.where(rng.random((1, 6)) < 0.5, -1, 1)  # bipolar last layer: weights +-1/2
net = Network.from_integer_layers([(A1, c1, d1), (signs, np.zeros(1, dtype=np.int64), 2)])
path = out_dir / "net_qonnx.onnx"
check = export(net, path, "qonnx")
model = load_model(path)
print(f"wrote {path}: nodes {[n.op_type for n in model.graph.node]}")
print("  datatypes:", [(a.tensor_name, a.quant_parameter_tensor_names[0].value) for a in model.graph.quantization_annotation])
print(f"  verified={check.verified} with {check.runtime}: max diff {check.max_abs_diff:.3g}, bound {check.bound:.3g}")
assert check.verified and from_onnx(path) == net
