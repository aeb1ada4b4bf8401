#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks an exported model.onnx with the ONNX checker (full check: shape
inference included) and prints its IR version and opset. Exits 77 (skipped)
when the onnx package cannot be imported (Debian: python3-onnx)."""
import sys

try:
    import onnx
except ImportError as e:
    print(f"onnx is not importable ({e}); install python3-onnx", file=sys.stderr)
    sys.exit(77)


def main():
    if len(sys.argv) != 2:
        print("usage: onnx_check.py MODEL.onnx", file=sys.stderr)
        return 2
    model = onnx.load(sys.argv[1])
    onnx.checker.check_model(model, full_check=True)
    opsets = {o.domain or "ai.onnx": o.version for o in model.opset_import}
    print(f"ir_version {model.ir_version} opset {opsets.get('ai.onnx')} "
          f"nodes {len(model.graph.node)} initializers {len(model.graph.initializer)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
