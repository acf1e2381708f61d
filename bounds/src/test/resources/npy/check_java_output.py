"""Checks by hand that numpy reads what our writer produced (not run by the Java tests).

    mvn -o -q -B -pl bounds test -Dtest='ModelFormatTest#dumpForNumpy' -Drobustbounds.dump=/tmp/rbdump
    python3 check_java_output.py /tmp/rbdump
"""
import io
import json
import sys
import zipfile
from pathlib import Path

import numpy as np

out = Path(sys.argv[1])

a = np.load(out / "f4_2x3.npy")
assert a.dtype == np.dtype("<f4") and a.shape == (2, 3), (a.dtype, a.shape)
assert np.array_equal(a, np.array([[0.0, -0.0, 1.5], [-2.25, 0.1, 3.4028235e38]], dtype="<f4"))
assert np.signbit(a[0, 1])

s = np.load(out / "f8_scalar.npy")
assert s.dtype == np.dtype("<f8") and s.shape == () and s == 2.5

t = np.load(out / "f8_3x2_from_f_order.npy")  # a transposed (f-order) array, written as C order
assert np.array_equal(t, np.array([[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]])) and not np.isfortran(t)

r = np.load(out / "f4_1x2x3x4.npy")
assert r.dtype == np.dtype("<f4") and np.array_equal(r, np.arange(24, dtype="<f4").reshape(1, 2, 3, 4))

def check_model(meta, load):
    assert meta["format"] == "robustbounds-model" and meta["version"] == 1
    h = np.zeros(meta["input"]["shape"])
    for i, layer in enumerate(meta["layers"]):
        w, b = load(layer["weight"]), load(layer["bias"])
        assert w.ndim == 2 and b.shape == (w.shape[0],) and w.shape[1] == h.shape[0], (i, w.shape, b.shape)
        h = {"tanh": np.tanh, "relu": lambda z: np.maximum(z, 0)}[layer["activation"]](w @ h + b)
    w, b = load(meta["output"]["weight"]), load(meta["output"]["bias"])
    logits = w @ h + b
    assert logits.shape == (len(meta["classes"]),)
    return [(n, load(n).dtype.str, load(n).shape) for n in
            [f for l in meta["layers"] for f in (l["weight"], l["bias"])] + [meta["output"]["weight"], meta["output"]["bias"]]]

folder = out / "tiny"
from_folder = check_model(json.loads((folder / "model.json").read_text()), lambda n: np.load(folder / n))
with zipfile.ZipFile(out / "tiny.zip") as z:
    from_zip = check_model(json.loads(z.read("model.json")), lambda n: np.load(io.BytesIO(z.read(n))))
    for n, _, _ in from_zip:
        assert z.read(n) == (folder / n).read_bytes(), n
assert from_folder == from_zip

# Same bytes as numpy would write: header layout and data.
for f in sorted(out.glob("*.npy")) + sorted(folder.glob("*.npy")):
    buf = io.BytesIO()
    np.save(buf, np.load(f))
    assert buf.getvalue() == f.read_bytes(), f
print("numpy", np.__version__, "reads every file:", *from_folder, sep="\n  ")
