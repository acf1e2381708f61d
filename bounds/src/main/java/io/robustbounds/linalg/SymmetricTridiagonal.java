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
     * θ by bisection on the Sturm count; s by two steps of inverse iteration with the shift θ, solving
     * (θI − T) y = v by its LDLᵀ factorization, which is stable because θI − T is positive semidefinite
     * (θ is not below any eigenvalue). Then |s| is accurate to about 2⁻⁵²·‖T‖/gap in absolute terms. (The
     * three-term recurrence for the eigenvector, used before, is unstable when the components decay: a tiny
     * last component then depends on θ beyond its last bits; it was off by up to 1.7e-5 absolute on random
     * 16×16 matrices.) Requires b[0..n-2] non-zero (Lanczos stops a sample before breakdown).
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
        double[] bracket = {lo, hi};
        newtonFromAbove(a, b, n, bracket, 4e-16 * scale);
        lo = bracket[0];
        hi = bracket[1];
        for (int it = 0; it < 200 && hi - lo > 4e-16 * scale; it++) {
            double mid = 0.5 * (lo + hi);
            if (countBelow(a, b, n, mid, tiny) == n) {
                hi = mid; // every eigenvalue is below mid
            } else {
                lo = mid;
            }
        }
        double theta = hi;
        // inverse iteration: y ← (θI − T)⁻¹ y, twice, from y = (1, …, 1); the pivots d_i of θI − T are ≥ 0
        double floor = 0x1p-52 * scale + tiny;  // a zero pivot becomes a shift perturbation at rounding level
        double[] d = new double[n];
        double[] y = new double[n];
        java.util.Arrays.fill(y, 1.0);
        d[0] = Math.max(theta - a[0], floor);
        for (int i = 1; i < n; i++) {
            d[i] = Math.max((theta - a[i]) - b[i - 1] * b[i - 1] / d[i - 1], floor);
        }
        for (int pass = 0; pass < 2; pass++) {
            for (int i = 1; i < n; i++) {          // L z = y (L unit lower bidiagonal, entries −b_{i−1}/d_{i−1})
                y[i] += b[i - 1] / d[i - 1] * y[i - 1];
            }
            y[n - 1] /= d[n - 1];                  // D Lᵀ x = z
            for (int i = n - 2; i >= 0; i--) {
                y[i] = (y[i] + b[i] * y[i + 1]) / d[i];
            }
            double max = 0;
            for (int i = 0; i < n; i++) {
                max = Math.max(max, Math.abs(y[i]));
            }
            for (int i = 0; i < n; i++) {
                y[i] /= max;
            }
        }
        double norm2 = 0;
        for (int i = 0; i < n; i++) {
            norm2 += y[i] * y[i];
        }
        out[0] = theta;
        out[1] = Math.abs(y[n - 1]) / Math.sqrt(norm2);
    }

    /**
     * Narrows [lo, hi] (hi above every eigenvalue) towards λ_max from above by Newton's method on det(xI − T): for a
     * polynomial with real roots it decreases monotonically to the largest root from any point above it. The pivots
     * d_i of xI − T = LDLᵀ give det = Π d_i and (log det)' = Σ d_i'/d_i, with d_i' = 1 + b_{i−1}² d_{i−1}'/d_{i−1}²;
     * all d_i > 0 proves x above every eigenvalue (Sylvester's inertia), so hi only moves to such points, and a step
     * that rounding carries below λ_max (a pivot ≤ 0) becomes the new lo; each step's length s also gives
     * λ_max ≥ x − n·s. Quadratic near a simple λ_max: about 6 steps where bisection takes 52; a cluster converges
     * slowly and leaves the rest of [lo, hi] to the bisection, which ends as before.
     */
    static void newtonFromAbove(double[] a, double[] b, int n, double[] bracket, double width) {
        double x = bracket[1];
        for (int it = 0; it < 40; it++) {
            double d = x - a[0];
            double dp = 1;
            if (!(d > 0)) {
                bracket[0] = Math.max(bracket[0], x);
                return;
            }
            double f = dp / d;
            for (int i = 1; i < n; i++) {
                double bb = b[i - 1] * b[i - 1];
                double dn = (x - a[i]) - bb / d;
                if (!(dn > 0)) {
                    bracket[0] = Math.max(bracket[0], x);
                    return;
                }
                dp = 1 + bb * dp / (d * d);
                d = dn;
                f += dp / d;
            }
            bracket[1] = x; // every pivot positive: x is above every eigenvalue
            double step = 1 / f; // 1/f = 1 / Σ_k 1/(x − λ_k) lies in [(x − λ_max)/n, x − λ_max]
            if (!Double.isFinite(step)) {
                return;
            }
            bracket[0] = Math.max(bracket[0], x - n * step);
            if (!(step > width)) {
                return;
            }
            x -= step;
            if (!(x > bracket[0])) {
                return;
            }
        }
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
