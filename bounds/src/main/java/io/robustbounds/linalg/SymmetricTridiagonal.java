package io.robustbounds.linalg;

/**
 * The largest eigenpair of a symmetric tridiagonal matrix T (diagonal a, off-diagonal b), as Lanczos needs
 * it: the largest Ritz value θ and the last component s of its unit eigenvector, so that
 * {@code |b_last · s|} is the residual ‖K y − θ y‖ of the Ritz pair (Parlett, The Symmetric Eigenvalue
 * Problem, §13.2). Plain Java: it runs per sample on a handful of numbers.
 */
public final class SymmetricTridiagonal {
    private SymmetricTridiagonal() {
    }

    /**
     * Writes θ to out[0] and |s| to out[1] for the leading n×n block of T.
     * θ by bisection on the Sturm count; s from the three-term recurrence for the eigenvector, which is
     * free of cancellation at the largest eigenvalue (all leading minors' characteristic polynomials are
     * positive there, by interlacing). Requires b[0..n-2] non-zero (Lanczos stops a sample before breakdown).
     */
    public static void largestEigenpair(double[] a, double[] b, int n, double[] out) {
        if (n == 1) {
            out[0] = a[0];
            out[1] = 1.0;
            return;
        }
        // Gershgorin interval
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            double r = (i > 0 ? Math.abs(b[i - 1]) : 0) + (i < n - 1 ? Math.abs(b[i]) : 0);
            lo = Math.min(lo, a[i] - r);
            hi = Math.max(hi, a[i] + r);
        }
        double scale = Math.max(Math.abs(lo), Math.abs(hi));
        double tiny = Double.MIN_NORMAL * 4;
        for (int it = 0; it < 200 && hi - lo > 4e-16 * scale; it++) {
            double mid = 0.5 * (lo + hi);
            if (countBelow(a, b, n, mid, tiny) == n) {
                hi = mid; // every eigenvalue is below mid
            } else {
                lo = mid;
            }
        }
        double theta = hi;
        // eigenvector y with y0 = 1: y_{i+1} = ((θ − a_i) y_i − b_{i−1} y_{i−1}) / b_i
        double yPrev = 0;
        double y = 1;
        double norm2 = 1;
        for (int i = 0; i < n - 1; i++) {
            double next = ((theta - a[i]) * y - (i > 0 ? b[i - 1] * yPrev : 0)) / b[i];
            yPrev = y;
            y = next;
            norm2 += y * y;
            if (norm2 > 1e200) { // rescale; only the direction matters
                double f = 1 / Math.sqrt(norm2);
                y *= f;
                yPrev *= f;
                norm2 = 1;
            }
        }
        out[0] = theta;
        out[1] = Math.abs(y) / Math.sqrt(norm2);
    }

    /** Number of eigenvalues of the leading n×n block below x (Sturm sequence of the LDLᵀ pivots). */
    static int countBelow(double[] a, double[] b, int n, double x, double tiny) {
        int count = 0;
        double p = a[0] - x;
        for (int i = 0; ; i++) {
            if (p == 0) {
                p = -tiny;
            }
            if (p < 0) {
                count++;
            }
            if (i == n - 1) {
                return count;
            }
            p = (a[i + 1] - x) - b[i] * b[i] / p;
        }
    }
}
