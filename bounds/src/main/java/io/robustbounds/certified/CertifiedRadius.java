package io.robustbounds.certified;

/**
 * The certified mode's search on ε (docs/certified-mode.md, "The search"): per sample the largest L2 radius that a
 * {@link LinearBoundNetwork} proves, found by secants on the propagations' estimates (a bisection where they say
 * nothing), keeping every partial result.
 *
 * <p>One propagation at ε returns r(ε) ≤ ε, a radius proven even when the ball of radius ε is not (the margin's
 * lower bound A − ε'B is affine in ε' ≤ ε with the intermediate bounds of ε fixed), and an estimate min_j A_j/B_j
 * of where its margins reach (signed: below 0 where a margin's bound is negative at the center). Each step sets
 * lo = max(lo, r) and, when r &lt; ε from a fresh propagation, hi = ε; a step that certifies its whole ball caps the
 * search at its estimate; the next ε is where the estimate − ε of the probes so far crosses 0 ({@link Secant}), or
 * the geometric middle of what remains. The search starts
 * inside [lo, hi] with the caller's ends (the sound bound, an attack's norm: no radius can pass it) or, without an
 * upper end, at {@link Settings#initialRadius} growing (at most ×4) while certified. It stops when the rest of
 * [lo, min(hi, cap)] is within the tolerance or after maxSteps propagations. lo is the result: every perturbation
 * shorter than it is proven not to change the class. The network's {@link LinearBoundNetwork#session} may reuse work
 * between the steps (intermediate bound rows).
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

        /** Radii to 1 %, at most 30 propagations, first ε = 1 without an upper end, 256 MiB. */
        public static Settings defaults() {
            return new Settings(1e-2, 30, 1.0, 256L << 20);
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
        return search(net, x, n, lower, upper, settings, null);
    }

    /**
     * {@link #search(LinearBoundNetwork, double[], int, double[], double[], Settings)} telling {@code finished} (on the
     * calling thread; null: nobody) how many samples' searches ended after each step, for progress lines.
     */
    public static Result search(LinearBoundNetwork net, double[] x, int n, double[] lower, double[] upper, Settings settings,
            java.util.function.IntConsumer finished) {
        int[] predicted = net.predict(x, n);
        double[] radius = new double[n];
        int[] steps = new int[n];
        double[] hiOut = new double[n];
        // the session keeps per-sample state between propagations: groups of samples bound it by half the budget
        long perSample = net.sessionBytesPerSample();
        int group = perSample <= 0 ? Math.max(1, n) : (int) Math.max(1, Math.min(n, settings.batchMemory() / 2 / perSample));
        int d = net.inputSize();
        for (int from = 0; from < n; from += group) {
            int m = Math.min(group, n - from);
            double[] xs = java.util.Arrays.copyOfRange(x, from * d, (from + m) * d);
            int[] cls = java.util.Arrays.copyOfRange(predicted, from, from + m);
            LinearBoundNetwork.Session session = net.session(xs, m, cls, perSample <= 0 ? settings.batchMemory() : settings.batchMemory() / 2);
            searchGroup(session, m, from, lower, upper, settings, radius, steps, hiOut, finished);
        }
        return new Result(predicted, radius, steps, hiOut);
    }

    /**
     * The search of samples from … from + m − 1 (docs/certified-mode.md, "The search"). Per sample: lo (proven), hi
     * (smallest ε whose propagation fell short, or the caller's upper end) and cap, the smallest estimate of a
     * propagation that certified its whole ball: the estimate falls as ε grows (wider intermediate bounds), so the
     * radius the search can reach lies in [lo, cap] (a guess, never reported as proven). The next ε is the root
     * {@link Secant} predicts, a step inside [lo, min(hi, cap)], else the geometric middle of that bracket (an eighth
     * of it while lo = 0), or ×4 while nothing has fallen short. A reusing propagation that falls short sets no hi:
     * the same ε is propagated again, afresh.
     */
    private static void searchGroup(LinearBoundNetwork.Session session, int m, int from, double[] lower, double[] upper, Settings settings,
            double[] radius, int[] steps, double[] hiOut, java.util.function.IntConsumer finished) {
        double[] lo = new double[m];
        double[] hi = new double[m];
        double[] cap = new double[m];
        double[] eps = new double[m];
        boolean[] done = new boolean[m];
        Secant[] secant = new Secant[m];
        for (int k = 0; k < m; k++) {
            int i = from + k;
            lo[k] = lower == null || !(lower[i] > 0) ? 0 : lower[i];
            double u = upper == null ? Double.NaN : upper[i];
            hi[k] = u > 0 && Double.isFinite(u) ? Math.max(u, lo[k]) : Double.NaN;
            cap[k] = Double.POSITIVE_INFINITY;
            secant[k] = new Secant();
            // the caller's upper end is an adversarial norm: its ball is never certified, so start inside [lo, hi]
            eps[k] = Double.isNaN(hi[k]) ? Math.max(settings.initialRadius(), 2 * lo[k]) : lo[k] > 0 ? Math.sqrt(lo[k] * hi[k]) : hi[k] / 8;
        }
        for (int step = 0; step < settings.maxSteps(); step++) {
            int active = 0;
            for (int k = 0; k < m; k++) {
                if (!done[k]) {
                    active++;
                }
            }
            if (active == 0) {
                break;
            }
            int[] rows = new int[active];
            double[] e = new double[active];
            int a = 0;
            for (int k = 0; k < m; k++) {
                if (!done[k]) {
                    rows[a] = k;
                    e[a++] = eps[k];
                }
            }
            LinearBoundNetwork.Step r = session.propagate(rows, e);
            int ended = 0;
            for (int j = 0; j < active; j++) {
                int k = rows[j];
                steps[from + k]++;
                double got = r.radius()[j];
                double estimate = r.estimate()[j];
                if (got > lo[k]) {                  // a NaN radius proves nothing (and must not replace lo)
                    lo[k] = got;
                }
                if (got < e[j] && r.reused(j)) {
                    continue;                // bounds of a larger ball fell short: the same ε again, fresh (the session)
                }
                if (got < e[j]) {
                    hi[k] = Double.isNaN(hi[k]) ? e[j] : Math.min(hi[k], e[j]);
                } else if (estimate >= e[j]) {
                    cap[k] = Math.min(cap[k], estimate);
                }
                secant[k].add(e[j], estimate - e[j]);
                double top = Double.isNaN(hi[k]) ? cap[k] : Math.min(hi[k], cap[k]);
                if (top <= lo[k] || Double.isFinite(top) && top - lo[k] <= settings.relativeTolerance() * top
                        || Double.isNaN(hi[k]) && !(4 * e[j] < Double.MAX_VALUE / 4)) {
                    done[k] = true;
                    ended++;
                    continue;
                }
                if (Double.isNaN(hi[k])) {
                    eps[k] = Math.min(4 * e[j], Math.max(2 * e[j], Double.isFinite(cap[k]) ? Math.sqrt(e[j] * cap[k]) : 4 * e[j]));
                } else {
                    double root = secant[k].next(lo[k], top);
                    if (Double.isNaN(root) || lo[k] == 0) {
                        eps[k] = lo[k] > 0 ? Math.sqrt(lo[k] * top) : top / 8;
                    } else {
                        // stay a step inside [lo, top]: a probe just above lo or just below top would tell little
                        double margin = Math.max(0.5 * settings.relativeTolerance() * top, 0.02 * (top - lo[k]));
                        eps[k] = lo[k] + margin >= top - margin ? 0.5 * (lo[k] + top) : Math.min(top - margin, Math.max(lo[k] + margin, root));
                    }
                }
            }
            if (finished != null && ended > 0) {
                finished.accept(ended);
            }
        }
        int left = 0;
        for (int k = 0; k < m; k++) {
            radius[from + k] = lo[k];
            hiOut[from + k] = hi[k];
            left += done[k] ? 0 : 1;                 // out of steps
        }
        if (finished != null && left > 0) {
            finished.accept(left);
        }
    }

    /**
     * The next ε from the probes' f(ε) = estimate − ε (docs/certified-mode.md, "The search"): f ≥ 0 where the ball is
     * certified, &lt; 0 where it falls short, and its root is where one propagation's bounds stop certifying. Only
     * finite f count (a session that knows nothing beyond a certified ball says +∞). In order of preference: the
     * secant through the last two probes, when it lands inside [lo, top]; the Illinois variant of regula falsi
     * through the largest certified ε and the smallest short one (an end kept twice in a row has its f halved, so the
     * probes close in from both sides); after one probe, twice its ε (certified) or half (short). NaN: none of them
     * (the search takes the geometric middle).
     */
    private static final class Secant {
        private double ea = Double.NaN;
        private double fa;
        private double eb = Double.NaN;
        private double fb;
        /** +1: the last probe moved a, −1: b, 0: none yet. */
        private int last;
        /** The last two probes (e1, f1 the older), NaN while missing. */
        private double e1 = Double.NaN;
        private double f1;
        private double e2 = Double.NaN;
        private double f2;

        void add(double e, double f) {
            if (!Double.isFinite(f)) {
                return;
            }
            e1 = e2;
            f1 = f2;
            e2 = e;
            f2 = f;
            if (f >= 0 && (Double.isNaN(ea) || e > ea)) {
                ea = e;
                fa = f;
                if (last == 1) {
                    fb /= 2;
                }
                last = 1;
            } else if (f < 0 && (Double.isNaN(eb) || e < eb)) {
                eb = e;
                fb = f;
                if (last == -1) {
                    fa /= 2;
                }
                last = -1;
            }
        }

        double next(double lo, double top) {
            if (!Double.isNaN(e1) && f1 != f2 && e1 != e2) {
                double r = e2 - f2 * (e2 - e1) / (f2 - f1);
                if (r > lo && r < top) {
                    return r;
                }
            }
            if (!Double.isNaN(ea) && !Double.isNaN(eb) && ea < eb && fa - fb > 0) {
                return ea + fa / (fa - fb) * (eb - ea);
            }
            if (Double.isNaN(e1) && !Double.isNaN(e2)) {
                double r = f2 >= 0 ? 2 * e2 : e2 / 2;
                return r > lo && r < top ? r : Double.NaN;
            }
            return Double.NaN;
        }
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
