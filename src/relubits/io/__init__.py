"""Interchange with the tools users run networks in (optional extras, imported lazily).

* :mod:`relubits.io.onnx` -- float ONNX and weight-only QDQ export, exact ONNX import (extra ``onnx``);
* :mod:`relubits.io.qonnx` -- QONNX export with ``Quant`` nodes at the exact bit-width (extra ``qonnx`` to run);
* :mod:`relubits.io.verify` -- run an exported file and compare with exact evaluation; verified export;
* :mod:`relubits.io.torch` -- ``nn.Sequential`` of ``Linear``/``ReLU`` both ways (extra ``torch``);
* :mod:`relubits.io.pwlf` -- ``pwlf`` fits and breakpoint lists as exact networks;
* :mod:`relubits.io.ptq` -- b-bit post-training quantization with certified errors.

See ``docs/export.md``.
"""
