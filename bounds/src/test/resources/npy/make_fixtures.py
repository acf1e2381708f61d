"""Writes the fixtures: .npy files read by NpyTest, and numpy_model/ read by ModelFormatTest.
(run from this folder: python3 make_fixtures.py)

Generated with numpy 2.4.6. NpyTest also checks that our writer produces byte-identical files for the
plain C-order ones, so regenerating with a numpy whose header layout differs would show up there.
"""
import json
import math
from pathlib import Path

import numpy as np
from numpy.lib import format as npf

np.save("f4_2x3.npy", np.array([[0.0, -0.0, 1.5], [-2.25, 0.1, 3.4028235e38]], dtype="<f4"))
np.save("f8_3.npy", np.array([0.1, -1e-300, math.pi], dtype="<f8"))
np.save("f8_scalar.npy", np.array(2.5, dtype="<f8"))
np.save("f4_empty_2x0.npy", np.zeros((2, 0), dtype="<f4"))
np.save("f8_1x2x3x4.npy", np.arange(24, dtype="<f8").reshape(1, 2, 3, 4))
np.save("f2_3.npy", np.array([1.0, -0.5, 65504.0], dtype="<f2"))
# Column-major data on disk: fortran_order True, values 0..5 of the logical 2x3 array in C order.
np.save("f4_fortran_2x3.npy", np.asfortranarray(np.arange(6, dtype="<f4").reshape(2, 3)))
np.save("f4_be_2.npy", np.array([1.5, -0.1], dtype=">f4"))
np.save("f8_be_2x2.npy", np.array([[1.0, -2.0], [0.5, 1e10]], dtype=">f8"))
np.save("u1_4.npy", np.array([0, 1, 128, 255], dtype="|u1"))
np.save("i4_3.npy", np.array([-2147483648, 0, 2147483647], dtype="<i4"))
np.save("i8_3.npy", np.array([-(2**53), 7, 2**53], dtype="<i8"))
with open("v2_f4_2.npy", "wb") as f:
    npf.write_array(f, np.array([1.0, 2.0], dtype="<f4"), version=(2, 0))
with open("v3_f8_2x1.npy", "wb") as f:
    npf.write_array(f, np.array([[1.0], [2.0]], dtype="<f8"), version=(3, 0))

# A model folder built with numpy alone, as a numpy user would bring one in (ModelFormatTest reads it).
model = Path("numpy_model")
model.mkdir(exist_ok=True)
np.save(model / "hidden_w.npy", np.array([[1.0, -1.0], [0.5, 0.25], [0.0, 2.0]], dtype="<f8"))  # [out=3, in=2]
np.save(model / "hidden_b.npy", np.array([0.0, 0.1, -0.1], dtype="<f8"))
np.save(model / "out_w.npy", np.array([[1.0, 0.0, -1.0], [-1.0, 0.5, 1.0]], dtype="<f4"))  # [classes=2, features=3]
np.save(model / "out_b.npy", np.array([0.0, 0.5], dtype="<f4"))
(model / "model.json").write_text(json.dumps({
    "format": "robustbounds-model", "version": 1, "name": "numpy-2-3-2",
    "input": {"shape": [2], "range": [0.0, 1.0]},
    "classes": ["no", "yes"],
    "layers": [{"kind": "dense", "activation": "sigmoid", "weight": "hidden_w.npy", "bias": "hidden_b.npy"}],
    "output": {"kind": "linear", "weight": "out_w.npy", "bias": "out_b.npy"},
    "provenance": {"created-by": "make_fixtures.py", "numpy": np.__version__},
}, indent=2) + "\n")
