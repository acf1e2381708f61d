package io.robustbounds.linalg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.robustbounds.testing.ReferenceMlp;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The largest eigenpair of a symmetric tridiagonal T, as Lanczos uses it for ‖J‖ (Theorem 4.2): θ = λ_max(T) and
 * |s| = |last component| of its unit eigenvector (so that |β s| is the Ritz residual). Checked against a dense
 * Jacobi eigendecomposition of T on random matrices of size 1–16 and several scales, and the Sturm count
 * against the dense eigenvalues.
 */
class SymmetricTridiagonalTest {

    private static double[][] dense(double[] a, double[] b, int n) {
        double[][] t = new double[n][n];
        for (int i = 0; i < n; i++) {
            t[i][i] = a[i];
            if (i < n - 1) {
                t[i][i + 1] = b[i];
                t[i + 1][i] = b[i];
            }
        }
        return t;
    }

    /**
     * θ is never below λ_max (the inverse iteration's LDLᵀ of θI − T needs it), including clusters and near-multiple top
     * eigenvalues where Newton's method converges slowly and the bisection finishes.
     */
    @Test
    void thetaIsNeverBelowTheLargestEigenvalue() {
        SplittableRandom r = new SplittableRandom(11);
        double[] out = new double[2];
        for (int trial = 0; trial < 2000; trial++) {
            int n = 2 + r.nextInt(15);
            double[] a = new double[n];
            double[] b = new double[n];
            for (int i = 0; i < n; i++) {
                a[i] = trial % 2 == 0 ? 1.0 : r.nextDouble(-1, 1);              // half: a constant diagonal (clusters)
                b[i] = (trial % 4 == 0 ? 1e-9 : 1) * r.nextDouble(0.001, 1);   // a quarter: nearly decoupled (near-multiple)
            }
            SymmetricTridiagonal.largestEigenpair(a, b, n, out);
            double[] e = ReferenceMlp.symmetricEigen(dense(a, b, n)).values();
            double norm = Math.max(Math.abs(e[0]), Math.abs(e[n - 1]));
            // θ = λ_max to rounding: just above it, every eigenvalue is below (θ itself may be λ_max exactly)
            assertEquals(n, SymmetricTridiagonal.countBelow(a, b, n, out[0] + 0x1p-52 * norm, Double.MIN_NORMAL * 4), "trial " + trial);
            assertEquals(e[0], out[0], 1e-14 * norm, "trial " + trial);
        }
    }

    @Test
    void largestEigenpairMatchesDenseEigendecomposition() {
        SplittableRandom r = new SplittableRandom(10);
        double[] out = new double[2];
        int checkedVectors = 0;
        for (double scale : new double[] {1e-8, 1.0, 1e6}) {
            for (int trial = 0; trial < 300; trial++) {
                int n = 1 + r.nextInt(16);
                double[] a = new double[n];
                double[] b = new double[n];
                for (int i = 0; i < n; i++) {
                    a[i] = scale * r.nextDouble(trial % 3 == 0 ? 0 : -1, 1);   // a third are Lanczos-like (a ≥ 0)
                    b[i] = scale * (r.nextBoolean() ? 1 : -1) * r.nextDouble(0.01, 1);
                }
                ReferenceMlp.Eigen e = ReferenceMlp.symmetricEigen(dense(a, b, n));
                SymmetricTridiagonal.largestEigenpair(a, b, n, out);
                double norm = 0;
                for (double v : e.values()) {
                    norm = Math.max(norm, Math.abs(v));
                }
                String what = "n = " + n + ", scale " + scale + ", trial " + trial;
                assertEquals(e.values()[0], out[0], 1e-14 * norm, what + ": θ");
                // the eigenvector is well determined when the top eigenvalue is separated
                double gap = n == 1 ? norm : e.values()[0] - e.values()[1];
                if (gap > 1e-3 * norm) {
                    assertEquals(Math.abs(e.vectors()[n - 1][0]), out[1], 1e-14 * norm / gap, what + ": |s|");
                    checkedVectors++;
                }
                assertTrue(out[1] >= 0 && out[1] <= 1, what);
            }
        }
        assertTrue(checkedVectors > 800, "eigenvectors checked: " + checkedVectors);
    }

    /** The residual identity Lanczos relies on: for T's top eigenpair (θ, y), ‖T' ỹ − θ ỹ‖ = |b_{n−1} s| where T' extends T by a row. */
    @Test
    void residualOfTheRitzPair() {
        SplittableRandom r = new SplittableRandom(11);
        double[] out = new double[2];
        for (int trial = 0; trial < 200; trial++) {
            int n = 1 + r.nextInt(12);
            double[] a = new double[n + 1];
            double[] b = new double[n + 1];
            for (int i = 0; i <= n; i++) {
                a[i] = r.nextDouble(0, 2);
                b[i] = r.nextDouble(0.05, 1);
            }
            SymmetricTridiagonal.largestEigenpair(a, b, n, out);
            ReferenceMlp.Eigen e = ReferenceMlp.symmetricEigen(dense(a, b, n));
            // ỹ = (y, 0) in the (n+1)-dimensional T'; (T' ỹ − θ ỹ) is b_{n−1} y_{n−1} in the last coordinate only
            double[][] big = dense(a, b, n + 1);
            double res = 0;
            for (int i = 0; i <= n; i++) {
                double v = 0;
                for (int k = 0; k < n; k++) {
                    v += big[i][k] * e.vectors()[k][0];
                }
                v -= i < n ? out[0] * e.vectors()[i][0] : 0;
                res += v * v;
            }
            assertEquals(Math.sqrt(res), Math.abs(b[n - 1] * out[1]), 1e-9, "n = " + n);
        }
    }

    /** countBelow(x) is the number of eigenvalues below x (Sturm sequence / Sylvester inertia). */
    @Test
    void sturmCountMatchesDenseEigenvalues() {
        SplittableRandom r = new SplittableRandom(12);
        for (int trial = 0; trial < 200; trial++) {
            int n = 1 + r.nextInt(10);
            double[] a = new double[n];
            double[] b = new double[n];
            for (int i = 0; i < n; i++) {
                a[i] = r.nextDouble(-1, 1);
                b[i] = r.nextDouble(-1, 1);
            }
            double[] values = ReferenceMlp.symmetricEigen(dense(a, b, n)).values();
            for (int probe = 0; probe < 20; probe++) {
                double x = r.nextDouble(-3, 3);
                int below = 0;
                boolean close = false;
                for (double v : values) {
                    below += v < x ? 1 : 0;
                    close |= Math.abs(v - x) < 1e-12;
                }
                if (!close) {
                    assertEquals(below, SymmetricTridiagonal.countBelow(a, b, n, x, Double.MIN_NORMAL * 4), "n = " + n + ", x = " + x);
                }
            }
        }
    }

    /** Closed forms: 1×1; 2×2 [[a, b], [b, c]]; the n×n matrix with 2 on the diagonal and −1 beside it (λ = 2 − 2cos(kπ/(n+1))). */
    @Test
    void closedForms() {
        double[] out = new double[2];
        SymmetricTridiagonal.largestEigenpair(new double[] {3.5}, new double[] {0}, 1, out);
        assertEquals(3.5, out[0], 0);
        assertEquals(1.0, out[1], 0);

        SymmetricTridiagonal.largestEigenpair(new double[] {2, 3}, new double[] {1, 0}, 2, out);
        double top = (5 + Math.sqrt(5)) / 2;
        assertEquals(top, out[0], 1e-15);
        // eigenvector ∝ (1, top − 2): last component (top − 2)/√(1 + (top − 2)²)
        assertEquals((top - 2) / Math.hypot(1, top - 2), out[1], 1e-14);

        for (int n : new int[] {3, 8, 16}) {
            double[] a = new double[n];
            double[] b = new double[n];
            java.util.Arrays.fill(a, 2);
            java.util.Arrays.fill(b, -1);
            SymmetricTridiagonal.largestEigenpair(a, b, n, out);
            assertEquals(2 - 2 * Math.cos(n * Math.PI / (n + 1)), out[0], 1e-14);
            // eigenvector components ∝ sin(j·nπ/(n+1)), j = 1..n
            double norm = 0;
            for (int j = 1; j <= n; j++) {
                norm += Math.pow(Math.sin(j * n * Math.PI / (n + 1)), 2);
            }
            assertEquals(Math.abs(Math.sin(n * n * Math.PI / (n + 1))) / Math.sqrt(norm), out[1], 1e-12);
        }
    }
}
