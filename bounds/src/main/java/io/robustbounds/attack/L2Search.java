package io.robustbounds.attack;

import io.robustbounds.linalg.Arrays2;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A minimal-norm L2 adversarial search, batched: projected gradient ascent on the margin L_runner − L_c inside the
 * ball ‖r‖ ≤ ρ (PGD, Madry et al., ICLR 2018, with the margin loss of Carlini &amp; Wagner, S&amp;P 2017), and a
 * binary search on ρ.
 *
 * <p>Per sample, ρ_hi starts at the best known adversarial norm (from FGS or DeepFool, {@code start}) and ρ_lo at 0;
 * each of {@code radiusSteps} rounds runs {@code stepsPerRadius} PGD steps at ρ = (ρ_lo + ρ_hi)/2, starting from the
 * best known perturbation scaled to norm ρ. Step s moves by α_s = α₀·ρ·(1 − s/T) along the normalized gradient of
 * the margin (runner-up at the current point) and projects back onto the ball. Every point is checked by the
 * forward pass that also gives the next gradient: the first one whose class differs from c is a verified
 * adversarial perturbation, ρ_hi becomes its norm; a round without one sets ρ_lo = ρ. Only verified flips are
 * reported, each smaller than {@code start}'s, so combined with it ({@link BestOf}) the result can only improve.
 *
 * <p>Samples without a known adversarial but with a {@code fallbackRadius} are first searched at that radius
 * from ±(ρ/2)·u, u a unit vector drawn from a generator seeded by the sample's values (so results do not
 * depend on batching); this finds perturbations where the gradient at x vanishes (a dead ReLU, BOUNDS.md §3).
 */
public final class L2Search {
    private L2Search() {
    }

    /**
     * @param radiusSteps    binary-search rounds on ρ (the interval shrinks to 2^−radiusSteps of ρ_hi at worst)
     * @param stepsPerRadius PGD steps per radius
     * @param initialStep    α₀, the first step as a fraction of ρ
     */
    public record Settings(int radiusSteps, int stepsPerRadius, double initialStep) {
        public Settings {
            if (radiusSteps < 1 || stepsPerRadius < 1) {
                throw new IllegalArgumentException("radiusSteps and stepsPerRadius must be >= 1, got " + radiusSteps + ", " + stepsPerRadius);
            }
            if (!(initialStep > 0 && initialStep <= 2)) {
                throw new IllegalArgumentException("initialStep must be in (0, 2], got " + initialStep);
            }
        }

        /** 10 radii, 20 steps each, α₀ = 0.25. */
        public static Settings defaults() {
            return new Settings(10, 20, 0.25);
        }
    }

    /**
     * @param start          known verified adversarial perturbations of the same network (norms; vectors if kept)
     *                       or null; its predicted classes must be the network's
     * @param fallbackRadius per sample the radius to search where {@code start} has none (NaN or ≤ 0: skip), or null
     */
    public static Adversarial run(Differentiable net, double[] x, int n, Adversarial start, double[] fallbackRadius, Settings settings) {
        Rows.checkBatch(net, x, n);
        int d = net.inputSize();
        int[] predicted = Rows.predict(net, x, n);
        if (start != null && !Arrays.equals(start.predicted(), predicted)) {
            throw new IllegalArgumentException("start's predicted classes differ from the network's: another network or type?");
        }
        if (fallbackRadius != null && fallbackRadius.length != n) {
            throw new IllegalArgumentException("fallbackRadius has " + fallbackRadius.length + " values for " + n + " samples");
        }
        Search s = new Search(net, x, n, predicted, settings);
        double[] lo = new double[n];
        double[] hi = new double[n];
        Arrays.fill(hi, Double.NaN);
        double[] warm = new double[n * d];
        for (int i = 0; i < n; i++) {
            if (start != null && start.found(i)) {
                hi[i] = start.norm()[i];
                double[] p = start.perturbation(i);
                if (p != null) {
                    System.arraycopy(p, 0, warm, i * d, d);
                }
            }
        }

        // no known adversarial: PGD at the fallback radius from +u ρ/2, then from −u ρ/2
        if (fallbackRadius != null) {
            double[] radius = new double[n];
            double[] delta = new double[n * d];
            boolean[] skip = new boolean[n];
            for (int i = 0; i < n; i++) {
                skip[i] = !Double.isNaN(hi[i]) || !(fallbackRadius[i] > 0 && Double.isFinite(fallbackRadius[i]));
                radius[i] = fallbackRadius[i];
            }
            for (int sign = 1; sign >= -1; sign -= 2) {
                int[] todo = Rows.pending(skip);
                for (int i : todo) {
                    double[] u = direction(x, i, d);
                    for (int j = 0; j < d; j++) {
                        delta[i * d + j] = sign * 0.5 * radius[i] * u[j];
                    }
                }
                for (int i : s.pgd(todo, radius, delta)) {
                    hi[i] = s.norm[i];
                    skip[i] = true;
                }
            }
        }

        // binary search on ρ, from the best known perturbation scaled to ρ
        double[] radius = new double[n];
        double[] delta = new double[n * d];
        boolean[] none = new boolean[n];
        for (int i = 0; i < n; i++) {
            none[i] = Double.isNaN(hi[i]);
        }
        int[] todo = Rows.pending(none);
        for (int b = 0; b < settings.radiusSteps(); b++) {
            Arrays.fill(delta, 0);
            for (int i : todo) {
                radius[i] = 0.5 * (lo[i] + hi[i]);
                double[] from = s.found(i) ? s.perturbation : warm;
                double fn = Rows.norm(from, i * d, d);
                for (int j = i * d; fn > 0 && j < (i + 1) * d; j++) {
                    delta[j] = from[j] * (radius[i] / fn);
                }
            }
            boolean[] flipped = new boolean[n];
            for (int i : s.pgd(todo, radius, delta)) {
                flipped[i] = true;
            }
            for (int i : todo) {
                if (flipped[i]) {
                    hi[i] = Math.min(radius[i], s.norm[i]);
                } else {
                    lo[i] = radius[i];
                }
            }
        }
        return new Adversarial("l2-search", d, predicted, s.norm, s.adversarial, s.perturbation, s.source, s.steps);
    }

    /** A unit vector per sample from a generator seeded by the sample's values (independent of its batch). */
    static double[] direction(double[] x, int i, int d) {
        long seed = 0x9E3779B97F4A7C15L;
        for (int j = i * d; j < (i + 1) * d; j++) {
            seed = (seed ^ Double.doubleToLongBits(x[j])) * 0xBF58476D1CE4E5B9L;
            seed ^= seed >>> 31;
        }
        SplittableRandom r = new SplittableRandom(seed);
        double[] u = new double[d];
        double s = 0;
        while (s == 0) {
            for (int j = 0; j < d; j++) {
                double a = 1 - r.nextDouble(); // Box–Muller: Gaussian components give a uniform direction
                u[j] = Math.sqrt(-2 * Math.log(a)) * Math.cos(2 * Math.PI * r.nextDouble());
                s += u[j] * u[j];
            }
        }
        double inv = 1 / Math.sqrt(s);
        for (int j = 0; j < d; j++) {
            u[j] *= inv;
        }
        return u;
    }

    /** The search state: the smallest verified perturbation found so far per sample. */
    private static final class Search {
        final Differentiable net;
        final double[] x;
        final int[] predicted;
        final Settings settings;
        final int d;
        final int k;
        final double[] norm;
        final int[] adversarial;
        final double[] perturbation;
        final String[] source;
        final int[] steps;
        final double[] point;

        Search(Differentiable net, double[] x, int n, int[] predicted, Settings settings) {
            this.net = net;
            this.x = x;
            this.predicted = predicted;
            this.settings = settings;
            this.d = net.inputSize();
            this.k = net.classes();
            this.norm = new double[n];
            Arrays.fill(norm, Double.NaN);
            this.adversarial = new int[n];
            Arrays.fill(adversarial, -1);
            this.perturbation = new double[n * d];
            this.source = new String[n];
            this.steps = new int[n];
            this.point = new double[n * d];
        }

        boolean found(int i) {
            return !Double.isNaN(norm[i]);
        }

        /**
         * PGD on the margin inside ‖δ_i‖ ≤ radius[i] from delta's rows (updated in place) for the listed samples;
         * returns those for which a checked point flipped the class (recorded if smaller than the best so far).
         */
        int[] pgd(int[] samples, double[] radius, double[] delta) {
            int total = settings.stepsPerRadius();
            boolean[] stop = new boolean[x.length / d];
            Arrays.fill(stop, true);
            for (int i : samples) {
                stop[i] = false;
            }
            boolean[] flipped = new boolean[stop.length];
            for (int s = 0; s <= total; s++) {
                int step = s;
                int[] alive = Rows.pending(stop);
                if (alive.length == 0) {
                    break;
                }
                for (int i : alive) {
                    for (int j = i * d; j < (i + 1) * d; j++) {
                        point[j] = x[j] + delta[j];
                    }
                }
                Rows.forEach(net, alive, point, (rows, pass) -> {
                    double[] logits = pass.logits();
                    int[] cls = Classes.argmax(logits, k);
                    double[] w = new double[logits.length];
                    boolean any = false;
                    for (int r = 0; r < rows.length; r++) {
                        int i = rows[r];
                        int c = predicted[i];
                        steps[i]++;
                        if (cls[r] != c) {                 // verified: the forward pass of exactly x + δ
                            flipped[i] = true;
                            stop[i] = true;
                            double nrm = Rows.norm(delta, i * d, d);
                            if (!found(i) || nrm < norm[i]) {
                                norm[i] = nrm;
                                adversarial[i] = cls[r];
                                source[i] = "l2-search";
                                System.arraycopy(delta, i * d, perturbation, i * d, d);
                            }
                        } else if (step < total) {         // ascend the margin L_runner − L_c
                            int runner = Rows.runnerUp(logits, r * k, k, c);
                            w[r * k + runner] = 1;
                            w[r * k + c] = -1;
                            any = true;
                        }
                    }
                    if (!any) {
                        return;
                    }
                    double[] g = Arrays2.toDoubles(pass.backward(w));
                    for (int r = 0; r < rows.length; r++) {
                        int i = rows[r];
                        if (stop[i]) {
                            continue;
                        }
                        double gn = Rows.norm(g, r * d, d);
                        if (!(gn > 0 && Double.isFinite(gn))) {
                            continue;
                        }
                        double alpha = settings.initialStep() * radius[i] * (1 - (double) step / total) / gn;
                        for (int j = 0; j < d; j++) {
                            delta[i * d + j] += alpha * g[r * d + j];
                        }
                        double dn = Rows.norm(delta, i * d, d);
                        if (dn > radius[i]) {               // projection onto the ball
                            double f = radius[i] / dn;
                            for (int j = i * d; j < (i + 1) * d; j++) {
                                delta[j] *= f;
                            }
                        }
                    }
                });
            }
            int c = 0;
            for (boolean b : flipped) {
                c += b ? 1 : 0;
            }
            int[] out = new int[c];
            c = 0;
            for (int i = 0; i < flipped.length; i++) {
                if (flipped[i]) {
                    out[c++] = i;
                }
            }
            return out;
        }
    }
}
