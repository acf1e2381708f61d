"""Writes the .npy fixtures read by NpyTest (run from this folder: python3 make_fixtures.py).

Generated with numpy 2.4.6. NpyTest also checks that our writer produces byte-identical files for the
plain C-order ones, so regenerating with a numpy whose header layout differs would show up there.
"""
import math

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
