# SPDX-License-Identifier: GPL-3.0-or-later
# Checks a Keras script export with Debian's python3 and numpy (TensorFlow
# is not needed): model.py compiles; every array of weights.npz is written
# to DIR/check/NAME.bin (float32) for the test to compare with the engine;
# the layer configs model.py writes, read back from its syntax tree, are
# printed as JSON {name: {"class_name", "config"}}.
#   python3 export-keras-check.py DIR
import ast
import json
import os
import py_compile
import sys

import numpy as np

d = sys.argv[1]
py_compile.compile(os.path.join(d, "model.py"), doraise=True)
arrays = np.load(os.path.join(d, "weights.npz"))
os.makedirs(os.path.join(d, "check"), exist_ok=True)
for k in arrays.files:
    a = arrays[k]
    assert a.dtype == np.float32, (k, a.dtype)
    with open(os.path.join(d, "check", k.replace("/", "__") + ".bin"), "wb") as f:
        f.write(a.astype("<f4").tobytes())
    with open(os.path.join(d, "check", k.replace("/", "__") + ".shape"), "w") as f:
        f.write(",".join(str(n) for n in a.shape))


def value(node):
    if isinstance(node, ast.Call):
        return {"class_name": node.func.attr if isinstance(node.func, ast.Attribute)
                else node.func.id,
                "config": {kw.arg: value(kw.value) for kw in node.keywords}}
    if isinstance(node, ast.Tuple):
        return [value(e) for e in node.elts]
    return ast.literal_eval(node)


configs = {}
for node in ast.walk(ast.parse(open(os.path.join(d, "model.py")).read())):
    if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
            and isinstance(node.targets[0], ast.Name)
            and node.targets[0].id.endswith("_layer") and node.value.keywords):
        v = value(node.value)
        configs[v["config"]["name"]] = v
print(json.dumps(configs))
