package io.robustbounds.certified;

import io.robustbounds.linalg.Arrays2;
import io.robustbounds.linalg.Workspaces;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * C = A·B in double for row-major arrays: small products by a plain loop, large ones by one ND4J (OpenBLAS dgemm)
 * call. Either way |Ĉ − C|_{rc} ≤ γ_k Σᵢ |a_{ri} b_{ic}| (any summation order and FMA; no Strassen in OpenBLAS), the
 * only property the certified mode relies on.
 */
final class Gemm {
    private Gemm() {
    }

    /**
     * Right-hand matrices with fewer entries than this are multiplied in Java. The choice depends on B alone, never on
     * the number of rows, so a sample's result does not depend on how many others share its chunk.
     */
    static final long ND4J_FROM = 4096;

    /** ND4J products get at least this many rows (zero padding): OpenBLAS rounds a row differently for small row counts. */
    static final int MIN_ROWS = 64;

    /** A fixed right-hand matrix B [k × n], kept as an ND4J array for large products. */
    static final class Matrix {
        final double[] values;
        final int rows;
        final int cols;
        private volatile INDArray array;

        Matrix(double[] values, int rows, int cols) {
            if (values.length != (long) rows * cols) {
                throw new IllegalArgumentException("matrix has " + values.length + " values, expected " + rows + " × " + cols);
            }
            this.values = values;
            this.rows = rows;
            this.cols = cols;
        }

        private INDArray array() {
            INDArray a = array;
            if (a == null) {
                try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                    a = Arrays2.fromDoubles(values, DataType.DOUBLE, rows, cols);
                }
                array = a;
            }
            return a;
        }
    }

    /** A [m × k] times B. */
    static double[] multiply(double[] a, int m, Matrix b) {
        int k = b.rows;
        int n = b.cols;
        if (a.length != (long) m * k) {
            throw new IllegalArgumentException("left matrix has " + a.length + " values, expected " + m + " × " + k);
        }
        if ((long) k * n < ND4J_FROM || m == 0) {
            double[] c = new double[m * n];
            double[] bv = b.values;
            for (int i = 0; i < m; i++) {
                int ci = i * n;
                for (int p = 0; p < k; p++) {
                    double v = a[i * k + p];
                    if (v == 0) {
                        continue;
                    }
                    int bp = p * n;
                    for (int j = 0; j < n; j++) {
                        c[ci + j] += v * bv[bp + j];
                    }
                }
            }
            return c;
        }
        INDArray right = b.array();
        int rows = Math.max(m, MIN_ROWS);
        double[] left = rows == m ? a : java.util.Arrays.copyOf(a, rows * k);
        try (MemoryWorkspace ignored = Workspaces.step(9)) {
            double[] c = Arrays2.toDoubles(Arrays2.fromDoubles(left, DataType.DOUBLE, rows, k).mmul(right));
            return rows == m ? c : java.util.Arrays.copyOf(c, m * n);
        }
    }
}
