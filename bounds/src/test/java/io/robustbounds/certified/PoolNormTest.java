package io.robustbounds.certified;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.robustbounds.model.Activation;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The norm lines of a MAX pool over the input's convolution ({@link PoolNorm}), checked in exact arithmetic
 * (BigDecimal on the stored doubles): for every δ, Σ_o μ_o max_{i∈W_o} gᵢ·δ ≤ ‖δ‖·K and Λ'·δ − Σ_o μ_o max gᵢ·δ ≥
 * −‖δ‖·B, at the directions an ascent finds worst (each window's argmax re-chosen for the current δ); the centres C
 * bound the windows' exact maxima at x₀.
 */
class PoolNormTest {

    /** Geometries: input channels, size, conv channels, kernel, stride, padding, pool size. */
    private static final int[][] SHAPES = {
            {1, 12, 3, 5, 1, 0, 2},     // LeNet-5's conv1 and pool1, smaller
            {2, 9, 3, 3, 1, 1, 2},      // padding: clipped windows take ‖g‖‖g'‖
            {2, 11, 2, 3, 2, 0, 2},     // conv stride 2
            {1, 10, 2, 2, 1, 0, 3},     // pool 3/3
    };

    private static ConvStage conv(SplittableRandom r, int[] g) {
        int c = g[0];
        int size = g[1];
        int k = g[2];
        int q = g[3];
        double[] kernel = new double[k * c * q * q];
        for (int i = 0; i < kernel.length; i++) {
            kernel[i] = r.nextDouble(-1, 1);
        }
        double[] bias = new double[k];
        for (int i = 0; i < k; i++) {
            bias[i] = r.nextDouble(-0.5, 0.5);
        }
        return new ConvStage(kernel, bias, new long[] {k, c, q, q}, new long[] {c, size, size}, g[4], g[5]);
    }

    private static MaxPoolStage pool(ConvStage conv, int size) {
        return new MaxPoolStage(new PoolWindow(new long[] {conv.k, conv.th, conv.tw}, size, size));
    }

    /** Row g_i over the input of the convolution's output i (exact: a unit row times the kernel). */
    private static double[] row(ConvStage conv, int i) {
        double[] e = new double[conv.out];
        e[i] = 1;
        return conv.backward(e, 1);
    }

    private static BigDecimal dot(double[] a, double[] b) {
        BigDecimal s = BigDecimal.ZERO;
        for (int i = 0; i < a.length; i++) {
            if (a[i] != 0 && b[i] != 0) {
                s = s.add(new BigDecimal(a[i]).multiply(new BigDecimal(b[i])));
            }
        }
        return s;
    }

    /** A random convolution of a geometry, its MAX pool, their norm lines and each window's input rows. */
    private record Setup(ConvStage conv, MaxPoolStage pool, PoolNorm norm, double[][][] g) {
        /** The geometry's convolution, its MAX pool, with a ReLU between when {@code relu}. */
        static Setup of(SplittableRandom r, int[] shape, boolean relu) {
            ConvStage conv = PoolNormTest.conv(r, shape);
            MaxPoolStage pool = PoolNormTest.pool(conv, shape[6]);
            PoolNorm norm = PoolNorm.of(relu ? List.of(conv, new ActivationStage(Activation.RELU, conv.out), pool) : List.of(conv, pool));
            assertNotNull(norm, "geometry " + java.util.Arrays.toString(shape) + (relu ? " with a ReLU" : ""));
            assertTrue(norm.relu == relu && norm.stage == (relu ? 2 : 1));
            return new Setup(conv, pool, norm, windowRows(conv, pool));
        }

        /** Exact Σ_o μ_o max_i g_{o,i}·δ (i over W_o, and the zero vector after a ReLU); choice −1: the zero vector. */
        BigDecimal worst(int[] windows, double[] mu, double[] delta, int[] choice) {
            return worst(windows, mu, delta, choice, null);
        }

        /** The same over the inputs not {@code dominated} (per pool input; null: all). */
        BigDecimal worst(int[] windows, double[] mu, double[] delta, int[] choice, boolean[] dominated) {
            int size = pool.window.size;
            return PoolNormTest.worst(g, windows, mu, delta, choice, norm.relu,
                    dominated == null ? null : (o, i) -> dominated[pool.input(o, i / size, i % size)]);
        }

        int d() {
            return conv.in;
        }

        /** {@code start} + Σ_o μ_o g_{o,i_o} for the windows' choices (−1: the zero vector), the ascent's next δ. */
        double[] along(Row row, int[] choice, double[] start) {
            for (int t = 0; t < row.windows.length; t++) {
                if (choice[t] < 0) {
                    continue;
                }
                double[] gi = g[row.windows[t]][choice[t]];
                for (int i = 0; i < start.length; i++) {
                    start[i] += row.mu[t] * gi[i];
                }
            }
            return start;
        }

        /** The row's K. */
        double k(Row row) {
            return norm.norm(row.windows, row.windows.length, row.dense, new boolean[norm.ph * norm.pw]);
        }
    }

    /** Per window (pool output o), the rows of its inputs. */
    private static double[][][] windowRows(ConvStage conv, MaxPoolStage pool) {
        int size = pool.window.size;
        double[][][] g = new double[pool.out][size * size][];
        for (int o = 0; o < pool.out; o++) {
            for (int e = 0; e < size * size; e++) {
                g[o][e] = row(conv, pool.input(o, e / size, e % size));
            }
        }
        return g;
    }

    /** Exact Σ_o μ_o max_i g_{o,i}·δ and, into choice, each window's argmax (−1: the zero vector, after a ReLU). */
    private static BigDecimal worst(double[][][] g, int[] windows, double[] mu, double[] delta, int[] choice, boolean relu) {
        return worst(g, windows, mu, delta, choice, relu, null);
    }

    /** The same with the inputs i of window o where {@code skip} holds left out (null: none). */
    private static BigDecimal worst(double[][][] g, int[] windows, double[] mu, double[] delta, int[] choice, boolean relu,
            java.util.function.BiPredicate<Integer, Integer> skip) {
        BigDecimal s = BigDecimal.ZERO;
        for (int t = 0; t < windows.length; t++) {
            BigDecimal best = relu ? BigDecimal.ZERO : null;
            choice[t] = -1;
            for (int i = 0; i < g[windows[t]].length; i++) {
                if (skip != null && skip.test(windows[t], i)) {
                    continue;
                }
                BigDecimal v = dot(g[windows[t]][i], delta);
                if (best == null || v.compareTo(best) > 0) {
                    best = v;
                    choice[t] = i;
                }
            }
            s = s.add(new BigDecimal(mu[t]).multiply(best));
        }
        return s;
    }

    /** value ≤ ‖δ‖·bound, exactly (squares when value > 0). */
    private static boolean atMost(BigDecimal value, double[] delta, double bound) {
        if (value.signum() <= 0) {
            return true;
        }
        return value.multiply(value).compareTo(dot(delta, delta).multiply(new BigDecimal(bound).pow(2))) <= 0;
    }

    private record Row(int[] windows, double[] mu, double[] dense) {
    }

    /** A random set of windows (a fraction {@code share} of them) with weights μ > 0 over several magnitudes. */
    private static Row randomRow(SplittableRandom r, PoolNorm norm, int outputs, double share) {
        List<Integer> w = new ArrayList<>();
        for (int o = 0; o < outputs; o++) {
            if (r.nextDouble() < share) {
                w.add(o);
            }
        }
        if (w.isEmpty()) {
            w.add(r.nextInt(outputs));
        }
        int[] windows = w.stream().mapToInt(Integer::intValue).toArray();
        double[] mu = new double[windows.length];
        double[] dense = new double[outputs];
        for (int t = 0; t < windows.length; t++) {
            mu[t] = Math.pow(10, r.nextDouble(-3, 1));
            dense[norm.muIndex(windows[t])] = mu[t];
        }
        return new Row(windows, mu, dense);
    }

    /**
     * For random geometries and window sets, Σ_o μ_o max_i g_{o,i}·δ ≤ ‖δ‖·K exactly at random δ and at the δ an ascent
     * finds worst (δ ← Σ μ_o g_{o,i_o} with i_o the argmax at the last δ); K never exceeds the windows' worst cases paid
     * one by one (Σ μ_o max_i ‖g_{o,i}‖), and it is below that sum where many windows share the row.
     */
    @Test
    void normBoundsTheWindowsWorstDirection() {
        SplittableRandom r = new SplittableRandom(5);
        for (int variant = 0; variant < 2 * SHAPES.length; variant++) {
            int[] shape = SHAPES[variant / 2];
            Setup setup = Setup.of(r, shape, variant % 2 == 1);
            for (int trial = 0; trial < 12; trial++) {
                Row row = randomRow(r, setup.norm(), setup.pool().out, trial < 4 ? 0.1 : trial < 8 ? 0.5 : 1.0);
                double k = setup.k(row);
                int[] choice = new int[row.windows.length];
                double[] delta = new double[setup.d()];
                for (int i = 0; i < setup.d(); i++) {
                    delta[i] = r.nextGaussian();
                }
                for (int step = 0; step < 8; step++) {
                    BigDecimal lhs = setup.worst(row.windows, row.mu, delta, choice);
                    String at = "geometry " + java.util.Arrays.toString(shape) + (setup.norm().relu ? " relu" : "") + " trial " + trial + " step " + step;
                    assertTrue(atMost(lhs, delta, k), at + ": Σ μ max g·δ = " + lhs.doubleValue() + " > ‖δ‖K, K = " + k);
                    delta = setup.along(row, choice, new double[setup.d()]);
                }
                // δ along one window input: the windows pointing away pick their zero vector after a ReLU
                for (int t = 0; t < Math.min(6, row.windows.length); t++) {
                    double[] along = setup.g()[row.windows[t]][0];
                    BigDecimal lhs = setup.worst(row.windows, row.mu, along, choice);
                    assertTrue(atMost(lhs, along, k), "geometry " + java.util.Arrays.toString(shape) + (setup.norm().relu ? " relu" : "")
                            + " trial " + trial + ", δ along window " + row.windows[t] + ": Σ μ max g·δ = " + lhs.doubleValue() + " > ‖δ‖K");
                }
                double separate = 0;
                for (int t = 0; t < row.windows.length; t++) {
                    double most = 0;
                    for (double[] gi : setup.g()[row.windows[t]]) {
                        most = Math.max(most, Math.sqrt(dot(gi, gi).doubleValue()));
                    }
                    separate += row.mu[t] * most;
                }
                assertTrue(k <= separate * (1 + 1e-9), "K = " + k + " above the windows one by one, " + separate);
                if (row.windows.length > 20 && shape[5] == 0) {
                    assertTrue(k < 0.8 * separate, "many windows: K = " + k + " should be well below " + separate);
                }
            }
        }
    }

    /**
     * One window, δ along one of its inputs' rows gᵢ (where Cauchy–Schwarz is an equality for that input), weights over
     * ten decades: the bound holds exactly, with K = max|gᵢ·g_j| rounded up as its only margin.
     */
    @Test
    void tightCaseHoldsExactly() {
        SplittableRandom r = new SplittableRandom(9);
        for (int trial = 0; trial < 50; trial++) {
            ConvStage conv = conv(r, new int[] {1, 6, 1, 5, 1, 0, 2});
            MaxPoolStage pool = pool(conv, 2);
            PoolNorm norm = PoolNorm.of(List.of(conv, pool));
            double[][][] g = windowRows(conv, pool);
            double mu = Math.pow(10, r.nextDouble(-5, 5));
            double[] dense = new double[pool.out];
            dense[norm.muIndex(0)] = mu;
            double k = norm.norm(new int[] {0}, 1, dense, new boolean[norm.ph * norm.pw]);
            for (double[] gi : g[0]) {
                BigDecimal lhs = worst(g, new int[] {0}, new double[] {mu}, gi, new int[1], false);
                assertTrue(atMost(lhs, gi, k), "trial " + trial + ": μ max g·g = " + lhs.doubleValue() + " > ‖g‖K, K = " + k);
            }
        }
    }

    /**
     * The joint bound of a row at the input: Λ'·δ − Σ_o μ_o max_i g_{o,i}·δ ≥ −‖δ‖·B exactly, at random δ and where an
     * ascent goes (δ ← −(Λ' − Σ μ_o g_{o,i_o})); B ≤ ‖Λ'‖ + K (never looser than the triangle inequality). With inputs
     * left out of their windows (dominance at the pool), the maxima run over the kept inputs.
     */
    @Test
    void jointBoundHoldsWhereTheRowAndWindowsAgree() {
        SplittableRandom r = new SplittableRandom(11);
        for (int variant = 0; variant < 2 * SHAPES.length; variant++) {
            int[] shape = SHAPES[variant / 2];
            Setup setup = Setup.of(r, shape, variant % 2 == 1);
            for (int trial = 0; trial < 12; trial++) {
                Row row = randomRow(r, setup.norm(), setup.pool().out, trial < 6 ? 0.2 : 0.8);
                double k = setup.k(row);
                // Λ': random, or aligned with the windows' own directions (where the cross term is most negative/positive)
                double[] lam = new double[setup.d()];
                for (int t = 0; t < row.windows.length; t++) {
                    double[] gi = setup.g()[row.windows[t]][r.nextInt(setup.g()[row.windows[t]].length)];
                    double sign = trial % 3 == 0 ? 1 : trial % 3 == 1 ? -1 : r.nextDouble(-1, 1);
                    for (int i = 0; i < setup.d(); i++) {
                        lam[i] += sign * row.mu[t] * gi[i];
                    }
                }
                for (int i = 0; i < setup.d(); i++) {
                    lam[i] += 0.1 * r.nextGaussian();
                }
                double squares = 0;
                for (double v : lam) {
                    squares += v * v;
                }
                double lamNorm = Rounding.normUp(squares, setup.d());
                // half the trials with inputs left out of their windows (dominance): the cross term over the kept ones
                boolean[] dominated = trial % 2 == 0 ? null : leftOut(r, setup.pool());
                double b = setup.norm().bound(lam, 0, lamNorm, k, row.windows, row.mu, 0, row.windows.length, dominated, 0);
                assertTrue(b <= Rounding.up(lamNorm + k), "B = " + b + " above the triangle " + (lamNorm + k));
                int[] choice = new int[row.windows.length];
                double[] delta = new double[setup.d()];
                for (int i = 0; i < setup.d(); i++) {
                    delta[i] = r.nextGaussian();
                }
                for (int step = 0; step < 8; step++) {
                    // −(Λ'·δ − Σ μ max g·δ) ≤ ‖δ‖B
                    BigDecimal loss = setup.worst(row.windows, row.mu, delta, choice, dominated).subtract(dot(lam, delta));
                    String at = "geometry " + java.util.Arrays.toString(shape) + (setup.norm().relu ? " relu" : "") + " trial " + trial + " step " + step;
                    assertTrue(atMost(loss, delta, b), at + ": loss " + loss.doubleValue() + " > ‖δ‖B, B = " + b);
                    double[] minusLam = new double[setup.d()];
                    for (int i = 0; i < setup.d(); i++) {
                        minusLam[i] = -lam[i];
                    }
                    delta = setup.along(row, choice, minusLam);
                }
            }
        }
    }

    /** A random set of pool inputs left out of their windows, at least one input kept in each. */
    private static boolean[] leftOut(SplittableRandom r, MaxPoolStage pool) {
        int size = pool.window.size;
        boolean[] out = new boolean[pool.in];
        for (int o = 0; o < pool.out; o++) {
            int keep = r.nextInt(size * size);
            for (int e = 0; e < size * size; e++) {
                out[pool.input(o, e / size, e % size)] = e != keep && r.nextBoolean();
            }
        }
        return out;
    }

    /**
     * Two channels with opposite kernels, windows of one input: without a ReLU the two windows' terms cancel for every
     * δ (K = 0 is exact); after a ReLU the window pointing away picks 0, so K must stay at ‖g‖μ — the case where a
     * negative Q entry would be wrong.
     */
    @Test
    void afterReluAWindowPointingAwayCountsZero() {
        SplittableRandom r = new SplittableRandom(19);
        double[] kernel = new double[2 * 9];
        for (int i = 0; i < 9; i++) {
            kernel[i] = r.nextDouble(-1, 1);
            kernel[9 + i] = -kernel[i];
        }
        ConvStage conv = new ConvStage(kernel, new double[2], new long[] {2, 1, 3, 3}, new long[] {1, 5, 5}, 1, 0);
        MaxPoolStage pool = new MaxPoolStage(new PoolWindow(new long[] {2, conv.th, conv.tw}, 1, 1));
        double[][][] g = windowRows(conv, pool);
        int plane = conv.th * conv.tw;
        int[] windows = {0, plane};                        // channel 0 and channel 1 at the same position
        double[] mu = {1, 1};
        for (boolean relu : new boolean[] {false, true}) {
            PoolNorm norm = PoolNorm.of(relu ? List.of(conv, new ActivationStage(Activation.RELU, conv.out), pool) : List.of(conv, pool));
            double[] dense = new double[pool.out];
            dense[norm.muIndex(0)] = 1;
            dense[norm.muIndex(plane)] = 1;
            double k = norm.norm(windows, 2, dense, new boolean[norm.ph * norm.pw]);
            double[] delta = g[0][0];
            BigDecimal lhs = worst(g, windows, mu, delta, new int[2], relu);
            assertTrue(atMost(lhs, delta, k), (relu ? "after a ReLU" : "without") + ": Σ μ max g·δ = " + lhs.doubleValue() + " > ‖δ‖K, K = " + k);
            if (!relu) {
                assertTrue(k < 1e-6, "opposite kernels cancel: K = " + k);
            }
            // the joint bound, Λ' along either kernel: Σ μ max g·δ − Λ'·δ ≤ ‖δ‖B at δ = ±g
            for (double scale : new double[] {-0.5, 0.5, 2}) {
                double[] lam = g[0][0].clone();
                double squares = 0;
                for (int i = 0; i < lam.length; i++) {
                    lam[i] *= scale;
                    squares += lam[i] * lam[i];
                }
                double b = norm.bound(lam, 0, Rounding.normUp(squares, lam.length), k, windows, mu, 0, 2, null, 0);
                for (double sign : new double[] {-1, 1}) {
                    double[] along = g[0][0].clone();
                    for (int i = 0; i < along.length; i++) {
                        along[i] *= sign;
                    }
                    BigDecimal loss = worst(g, windows, mu, along, new int[2], relu).subtract(dot(lam, along));
                    assertTrue(atMost(loss, along, b), (relu ? "after a ReLU" : "without") + ", Λ' = " + scale + "·g, δ = " + sign
                            + "·g: loss " + loss.doubleValue() + " > ‖δ‖B, B = " + b);
                }
            }
        }
    }

    /** C ≥ the exact maximum at x₀ of each window, for inputs of large and mixed magnitudes (the rounding term matters). */
    @Test
    void centresBoundTheWindowsExactMaxima() {
        for (boolean relu : new boolean[] {false, true}) {
            CrownNetwork net = CrownNetwork.of(relu ? CertifiedLeNetTest.lenetLike(new SplittableRandom(82), 14, 1, 0, 8, 5, 8, true)
                    : CertifiedLeNetTest.tinyLeNet(81));
            assertNotNull(net.poolNorm, "conv → MAX pool at the input" + (relu ? ", a ReLU between" : ""));
            ConvStage conv = (ConvStage) net.stages.get(0);
            MaxPoolStage pool = (MaxPoolStage) net.stages.get(net.poolNorm.stage);
            SplittableRandom r = new SplittableRandom(13);
            int n = 4;
            int d = net.inputSize();
            double[] x = new double[n * d];
            for (int i = 0; i < x.length; i++) {
                x[i] = r.nextDouble(-1, 1) * Math.pow(10, r.nextInt(-2, 6));
            }
            Propagation p = new Propagation(net, x, n, new int[n], new double[] {1, 1, 1, 1}, null);
            for (int s = 0; s < n; s++) {
                double[] xs = java.util.Arrays.copyOfRange(x, s * d, (s + 1) * d);
                for (int o = 0; o < pool.out; o++) {
                    int size = pool.window.size;
                    for (int e = 0; e < size * size; e++) {
                        int unit = pool.input(o, e / size, e % size);
                        BigDecimal exact = dot(row(conv, unit), xs).add(new BigDecimal(conv.bias()[unit]));
                        if (relu && exact.signum() < 0) {
                            exact = BigDecimal.ZERO;
                        }
                        assertTrue(exact.compareTo(new BigDecimal(p.poolCentre[s * pool.out + o])) <= 0,
                                "sample " + s + " window " + o + ": exact " + exact + " > C " + p.poolCentre[s * pool.out + o]);
                    }
                }
            }
        }
    }

    /** Only a non-overlapping MAX pool right over the input's convolution (or over its ReLU) gets norm lines. */
    @Test
    void onlyTheInputsConvolutionThenMaxPool() {
        SplittableRandom r = new SplittableRandom(17);
        ConvStage conv = conv(r, SHAPES[0]);
        assertNotNull(PoolNorm.of(List.of(conv, pool(conv, 2))));
        MaxPoolStage overlapping = new MaxPoolStage(new PoolWindow(new long[] {conv.k, conv.th, conv.tw}, 3, 2));
        assertNull(PoolNorm.of(List.of(conv, overlapping)), "overlapping windows");
        PoolNorm afterRelu = PoolNorm.of(List.of(conv, new ActivationStage(Activation.RELU, conv.out), pool(conv, 2)));
        assertTrue(afterRelu != null && afterRelu.relu && afterRelu.stage == 2, "a ReLU between: the pool at stage 2");
        assertNull(PoolNorm.of(List.of(conv, new ActivationStage(Activation.TANH, conv.out), pool(conv, 2))), "tanh between");
        assertNull(PoolNorm.of(List.of(pool(conv, 2))), "no convolution below");
    }
}
