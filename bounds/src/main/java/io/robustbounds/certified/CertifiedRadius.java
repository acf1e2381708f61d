package io.robustbounds.certified;

/**
 * The certified mode's search on ε (docs/certified-mode.md, "The search"): per sample the largest L2 radius that a
 * {@link LinearBoundNetwork} proves, found by a bisection that also keeps every partial result.
 *
 * <p>One propagation at ε returns r(ε) ≤ ε, a radius proven even when the ball of radius ε is not (the margin's
 * lower bound A − ε'B is affine in ε' ≤ ε with the intermediate bounds of ε fixed). So each step sets lo = max(lo, r)
 * and, when r &lt; ε, hi = ε; the next ε is the middle of [lo, hi]. The search starts at the caller's upper end (an
 * attack's norm: no radius can pass it) or, without one, at {@link Settings#initialRadius} growing ×4 while
 * certified. It stops when hi − lo ≤ tolerance · hi or after maxSteps propagations. lo is the result: every
 * perturbation shorter than it is proven not to change the class.
 */
public final class CertifiedRadius {
    private CertifiedRadius() {
    }

    /**
     * @param relativeTolerance the search stops when hi − lo ≤ this · hi
     * @param maxSteps          propagations per sample at most
     * @param initialRadius     the first ε of a sample with no upper end
     * @param batchMemory       bytes of working memory one propagation may use
     */
    public record Settings(double relativeTolerance, int maxSteps, double initialRadius, long batchMemory) {
        public Settings {
            if (!(relativeTolerance > 0 && relativeTolerance < 1)) {
                throw new IllegalArgumentException("relativeTolerance must be in (0, 1), got " + relativeTolerance);
            }
            if (maxSteps < 1) {
                throw new IllegalArgumentException("maxSteps must be >= 1, got " + maxSteps);
            }
            if (!(initialRadius > 0 && Double.isFinite(initialRadius))) {
                throw new IllegalArgumentException("initialRadius must be positive and finite, got " + initialRadius);
            }
            if (batchMemory < (1L << 20)) {
                throw new IllegalArgumentException("batchMemory must be at least 1 MiB, got " + batchMemory + " bytes");
            }
        }

        /** Radii to 0.1 %, at most 30 propagations, first ε = 1 without an upper end, 256 MiB. */
        public static Settings defaults() {
            return new Settings(1e-3, 30, 1.0, 256L << 20);
        }

        public Settings withBatchMemory(long bytes) {
            return new Settings(relativeTolerance, maxSteps, initialRadius, bytes);
        }

        public Settings withRelativeTolerance(double t) {
            return new Settings(t, maxSteps, initialRadius, batchMemory);
        }
    }

    /**
     * Per sample: the predicted class, the certified radius (0 when nothing is proven), the number of propagations,
     * and the search's final upper end (NaN when every propagation certified its whole ball).
     */
    public record Result(int[] predicted, double[] radius, int[] steps, double[] upper) {
    }

    /**
     * @param x     n samples, row-major [n · d]
     * @param lower per sample a radius already proven (e.g. the sound mode's bound), or null; it is kept if larger
     * @param upper per sample an upper end for the search (e.g. the smallest adversarial norm found), NaN or null for none
     */
    public static Result search(LinearBoundNetwork net, double[] x, int n, double[] lower, double[] upper, Settings settings) {
        int[] predicted = net.predict(x, n);
        double[] lo = new double[n];
        double[] hi = new double[n];
        for (int i = 0; i < n; i++) {
            lo[i] = lower == null || !(lower[i] > 0) ? 0 : lower[i];
            double u = upper == null ? Double.NaN : upper[i];
            hi[i] = u > 0 && Double.isFinite(u) ? Math.max(u, lo[i]) : Double.NaN;
        }
        int[] steps = new int[n];
        boolean[] done = new boolean[n];
        double[] eps = new double[n];
        for (int step = 0; step < settings.maxSteps(); step++) {
            int active = 0;
            for (int i = 0; i < n; i++) {
                if (!done[i]) {
                    active++;
                }
            }
            if (active == 0) {
                break;
            }
            int[] rows = new int[active];
            int d = net.inputSize();
            double[] xs = new double[active * d];
            int[] cls = new int[active];
            double[] e = new double[active];
            int a = 0;
            for (int i = 0; i < n; i++) {
                if (done[i]) {
                    continue;
                }
                eps[i] = step == 0 ? (Double.isNaN(hi[i]) ? Math.max(settings.initialRadius(), 2 * lo[i]) : hi[i])
                        : Double.isNaN(hi[i]) ? 4 * eps[i] : lo[i] + 0.5 * (hi[i] - lo[i]);
                rows[a] = i;
                System.arraycopy(x, i * d, xs, a * d, d);
                cls[a] = predicted[i];
                e[a] = eps[i];
                a++;
            }
            double[] r = net.certifiedWithin(xs, active, cls, e, settings.batchMemory());
            for (int k = 0; k < active; k++) {
                int i = rows[k];
                steps[i]++;
                lo[i] = Math.max(lo[i], r[k]);
                if (r[k] < e[k]) {
                    hi[i] = Double.isNaN(hi[i]) ? e[k] : Math.min(hi[i], e[k]);
                }
                if (!Double.isNaN(hi[i]) && hi[i] - lo[i] <= settings.relativeTolerance() * hi[i]) {
                    done[i] = true;
                }
                if (Double.isNaN(hi[i]) && !(4 * eps[i] < Double.MAX_VALUE / 4)) {
                    done[i] = true;
                }
            }
        }
        return new Result(predicted, lo, steps, hi);
    }

    /**
     * Certified accuracy at a fixed radius: per sample whether the ball of radius ε around it is proven to keep the
     * predicted class (one propagation each). Compare {@link Result#predicted()} with the labels for accuracy.
     */
    public static boolean[] certify(LinearBoundNetwork net, double[] x, int n, double epsilon, long batchMemory) {
        int[] predicted = net.predict(x, n);
        double[] e = new double[n];
        java.util.Arrays.fill(e, epsilon);
        double[] r = net.certifiedWithin(x, n, predicted, e, batchMemory);
        boolean[] out = new boolean[n];
        for (int i = 0; i < n; i++) {
            out[i] = r[i] >= epsilon;
        }
        return out;
    }
}
