package io.robustbounds.certified;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.robustbounds.model.Model;
import java.math.BigDecimal;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Dominance at MAX pools (docs/certified-mode.md, "MAX pooling: dominance by difference rows"): every input a
 * propagation leaves out of a window's lines is below one it keeps, everywhere on the ball. At the pool over the input's
 * convolution, checked in exact decimal arithmetic on the stored doubles (the minimum of an affine difference over the
 * ball, c − ε‖g‖ ≥ 0, as c ≥ 0 and c² ≥ ε²‖g‖²); at the second pool, where projected gradient descent on the
 * difference goes (fresh, and reusing the bound rows of a larger ball). Both at twice the sample's certified radius,
 * where many windows are open.
 */
class PoolDominanceTest {

    @Test
    void inputsLeftOutAtTheFirstPoolAreBelowAKeptOneExactly() {
        int checked = 0;
        int lineChecks = 0;
        int tLines = 0;
        for (int variant = 0; variant < 4; variant++) {
            // LeNet's shape; padding 1; conv stride 2 with padding; a ReLU between conv and pool (after it, an input
            // whose upper bound is ≤ 0 is dominated by any)
            Model model = variant == 0 ? CertifiedLeNetTest.tinyLeNet(81)
                    : CertifiedLeNetTest.lenetLike(new SplittableRandom(82 + variant), variant == 2 ? 27 : 14, variant == 2 ? 2 : 1, 1, 6, 3,
                            24, variant == 3);
            CrownNetwork net = CrownNetwork.of(model);
            int stage = net.poolNorm.stage;
            ConvStage conv = (ConvStage) net.stages.get(0);
            MaxPoolStage pool = (MaxPoolStage) net.stages.get(stage);
            int n = 6;
            double[] x = CertifiedCnnTest.samples(85 + variant, n, net.inputSize());
            double[] radius = CertifiedRadius.search(net, x, n, null, null, CertifiedRadius.Settings.defaults()).radius();
            int[] cls = net.predict(x, n);
            int d = net.inputSize();
            double[][] rows = rows(conv);
            for (int k = 0; k < n; k++) {
                double[] x0 = Arrays.copyOfRange(x, k * d, (k + 1) * d);
                for (double eps : new double[] {radius[k], 2 * radius[k]}) {
                    Propagation p = new Propagation(net, x0, 1, new int[] {cls[k]}, new double[] {eps}, null);
                    p.radii();
                    boolean[] dom = p.dominated[stage];
                    BigDecimal e2 = new BigDecimal(eps).pow(2);
                    double[] lines = p.lines[stage];
                    for (int o = 0; o < pool.out; o++) {
                        int at = MaxPoolStage.POOL_LINE * o;
                        if (lines[at + 4] == 1 || variant == 3) {
                            continue;                       // exact; after a ReLU the inputs are not affine
                        }
                        // y ≤ a v_j + b on the ball: every input i has vᵢ − a v_j ≤ b there (affine: exact check)
                        int j = (int) lines[at + 1];
                        double a = lines[at + 2];
                        double b = lines[at + 3];
                        tLines += a == 1 && j == argmaxAt(window(pool, o), rows, conv.bias(), x0) ? 1 : 0;
                        for (int i : window(pool, o)) {
                            assertTrue(atMostLine(rows[i], conv.bias()[i], rows[j], conv.bias()[j], a, b, x0, e2), "variant " + variant
                                    + " sample " + k + " ε " + eps + " window " + o + ": input " + i + " above the upper line " + a + " v_" + j + " + " + b);
                            lineChecks++;
                        }
                    }
                    for (int o = 0; o < pool.out; o++) {
                        int[] in = window(pool, o);
                        for (int i : in) {
                            if (!dom[i]) {
                                continue;
                            }
                            boolean below = variant == 3 && neverPositive(rows[i], conv.bias()[i], x0, e2);
                            for (int j : in) {
                                below |= !dom[j] && atMost(rows[i], conv.bias()[i], rows[j], conv.bias()[j], x0, e2);
                            }
                            assertTrue(below, "variant " + variant + " sample " + k + " ε " + eps + ": input " + i + " of window " + o
                                    + " left out, but no kept input is above it on the whole ball");
                            checked++;
                        }
                    }
                }
            }
        }
        System.out.printf("first pool: %d inputs left out, each below a kept one on the whole ball; every input under its window's"
                + " upper line (%d checks; %d windows on the t-line; exact)%n", checked, lineChecks, tLines);
        assertTrue(checked > 50, "dominance left some inputs out: " + checked);
        assertTrue(tLines > 10, "some windows take the t-line: " + tLines);
    }

    @Test
    void inputsLeftOutAtTheSecondPoolStayBelowWherePgdGoes() {
        // 14 → conv 3×3 → 12 → MAX → 6 → conv 6×3×3 → 4 → MAX → 2: 24 windows of 4 at the second pool
        CrownNetwork net = CrownNetwork.of(CertifiedLeNetTest.lenetLike(new SplittableRandom(91), 14, 1, 0, 6, 3, 24, false))
                .withAlphaSteps(0, 0);
        int s = -1;
        for (int j = net.stages.size() - 1; j > net.poolNorm.stage && s < 0; j--) {
            s = net.stages.get(j) instanceof MaxPoolStage ? j : -1;
        }
        MaxPoolStage pool = (MaxPoolStage) net.stages.get(s);
        int size = pool.in;
        int n = 8;
        double[] x = CertifiedCnnTest.samples(92, n, net.inputSize());
        double[] radius = CertifiedRadius.search(net, x, n, null, null, CertifiedRadius.Settings.defaults()).radius();
        int[] cls = net.predict(x, n);
        int d = net.inputSize();
        int checked = 0;
        int moved = 0;
        int tLines = 0;
        int reusedTLines = 0;
        // at the radius and twice it, each fresh and reusing the rows of a fresh propagation at 1.25 times it (their
        // differences' dA − ε·dB give the dominance and the t-line's rise on the smaller ball)
        for (int trial = 0; trial < 4 * n; trial++) {
            int k = trial / 4;
            boolean reuse = trial % 4 >= 2;
            double[] x0 = Arrays.copyOfRange(x, k * d, (k + 1) * d);
            double eps = (1 + trial % 2) * radius[k];
            BoundRows[] cached = null;
            if (reuse) {
                Propagation wider = new Propagation(net, x0, 1, new int[] {cls[k]}, new double[] {1.25 * eps}, null);
                wider.radii();
                cached = wider.recorded;
            }
            Propagation p = new Propagation(net, x0, 1, new int[] {cls[k]}, new double[] {eps}, cached);
            p.radii();
            boolean[] top = pool.largestAt(net.valueAt(x0, 1, s), 1);
            // one PGD trajectory per left-out input, descending v_t − vᵢ
            int[][] pairs = new int[size][];
            // and one per other input of a window whose upper line is the t-line
            int m = 0;
            double[] bound = new double[size];
            for (int o = 0; o < pool.out; o++) {
                int[] in = window(pool, o);
                int t = Arrays.stream(in).filter(i -> top[i]).findFirst().orElseThrow();
                int at = MaxPoolStage.POOL_LINE * o;
                boolean tLine = p.lines[s][at + 4] == 0 && p.lines[s][at + 2] == 1 && (int) p.lines[s][at + 1] == t;
                tLines += tLine ? 1 : 0;
                reusedTLines += tLine && reuse ? 1 : 0;
                for (int i : in) {
                    if (p.dominated[s][i]) {
                        assertTrue(i != t && !p.dominated[s][t], "the window's largest at x₀ is kept");
                        bound[m] = 0;
                        pairs[m++] = new int[] {t, i};
                    } else if (tLine && i != t) {
                        bound[m] = p.lines[s][at + 3];               // y ≤ v_t + Δ: every vᵢ − v_t ≤ Δ
                        pairs[m++] = new int[] {t, i};
                    }
                }
            }
            if (m == 0) {
                continue;
            }
            double[] lam = new double[m * size];
            for (int r = 0; r < m; r++) {
                lam[r * size + pairs[r][1]] = 1;                    // ascend vᵢ − v_t
                lam[r * size + pairs[r][0]] = -1;
            }
            double[] pts = new double[m * d];
            for (int r = 0; r < m; r++) {
                System.arraycopy(x0, 0, pts, r * d, d);
            }
            int[] c = new int[m];
            Arrays.fill(c, cls[k]);
            double[] centre = net.valueAt(x0, 1, s);
            double[] least = new double[m];
            for (int r = 0; r < m; r++) {
                least[r] = centre[pairs[r][0]] - centre[pairs[r][1]];
            }
            double[] start = least.clone();
            for (int it = 0; it < 8; it++) {
                double[] g = BoundGap.gradients(net, pts, m, c, s, lam);
                BoundGap.ascend(pts, x0, g, m, eps, it);
                double[] v = net.valueAt(pts, m, s);
                for (int r = 0; r < m; r++) {
                    double vt = v[r * size + pairs[r][0]];
                    double vi = v[r * size + pairs[r][1]];
                    assertTrue(vi - vt <= bound[r] + 1e-12 * (1 + Math.abs(vt)), "sample " + k + " ε " + eps + " step " + it + ": input "
                            + pairs[r][1] + " at most " + bound[r] + " above " + pairs[r][0] + ", but PGD reached " + vi + " − " + vt);
                    least[r] = Math.min(least[r], vt - vi);
                }
            }
            for (int r = 0; r < m; r++) {
                moved += least[r] < start[r] ? 1 : 0;
            }
            checked += m;
        }
        System.out.printf("second pool: %d inputs left out or under a t-line (%d windows, %d in passes reusing rows), none above its"
                + " bound where PGD went (%d differences lowered)%n", checked, tLines, reusedTLines, moved);
        assertTrue(checked > 5, "dominance left some inputs out: " + checked);
        assertTrue(reusedTLines > 0, "passes reusing rows take the t-line too: " + reusedTLines);
        assertTrue(moved > checked / 2, "PGD lowered the differences (not a vacuous check): " + moved + " of " + checked);
    }

    /** The window's inputs (input indices) of pool output o. */
    private static int[] window(MaxPoolStage pool, int o) {
        int side = pool.window.size;
        int[] in = new int[side * side];
        for (int e = 0; e < in.length; e++) {
            in[e] = pool.input(o, e / side, e % side);
        }
        return in;
    }

    /** Row i of the convolution over the input: the backward pass of a unit row (one product per entry: exact). */
    private static double[][] rows(ConvStage conv) {
        double[][] rows = new double[conv.out][];
        for (int i = 0; i < conv.out; i++) {
            double[] unit = new double[conv.out];
            unit[i] = 1;
            rows[i] = conv.backward(unit, 1);
        }
        return rows;
    }

    private static BigDecimal value(double[] g, double b, double[] x0) {
        BigDecimal s = new BigDecimal(b);
        for (int t = 0; t < g.length; t++) {
            if (g[t] != 0) {
                s = s.add(new BigDecimal(g[t]).multiply(new BigDecimal(x0[t])));
            }
        }
        return s;
    }

    /** Whether gᵢ·x + bᵢ ≤ g_j·x + b_j for every ‖x − x₀‖ ≤ ε, exactly: c = (g_j − gᵢ)·x₀ + b_j − bᵢ ≥ ε‖g_j − gᵢ‖. */
    private static boolean atMost(double[] gi, double bi, double[] gj, double bj, double[] x0, BigDecimal e2) {
        BigDecimal c = value(gj, bj, x0).subtract(value(gi, bi, x0));
        BigDecimal n2 = BigDecimal.ZERO;
        for (int t = 0; t < gi.length; t++) {
            BigDecimal dt = new BigDecimal(gj[t]).subtract(new BigDecimal(gi[t]));
            n2 = n2.add(dt.multiply(dt));
        }
        return c.signum() >= 0 && c.multiply(c).compareTo(e2.multiply(n2)) >= 0;
    }

    /** The window's input largest at x₀ in exact arithmetic (first on ties). */
    private static int argmaxAt(int[] in, double[][] rows, double[] bias, double[] x0) {
        int best = in[0];
        for (int i : in) {
            if (value(rows[i], bias[i], x0).compareTo(value(rows[best], bias[best], x0)) > 0) {
                best = i;
            }
        }
        return best;
    }

    /** Whether vᵢ ≤ a v_j + b for every ‖x − x₀‖ ≤ ε, exactly: b − (cᵢ − a c_j) ≥ ε‖gᵢ − a g_j‖. */
    private static boolean atMostLine(double[] gi, double bi, double[] gj, double bj, double a, double b, double[] x0, BigDecimal e2) {
        BigDecimal ba = new BigDecimal(a);
        BigDecimal c = new BigDecimal(b).subtract(value(gi, bi, x0)).add(ba.multiply(value(gj, bj, x0)));
        BigDecimal n2 = BigDecimal.ZERO;
        for (int t = 0; t < gi.length; t++) {
            BigDecimal dt = new BigDecimal(gi[t]).subtract(ba.multiply(new BigDecimal(gj[t])));
            n2 = n2.add(dt.multiply(dt));
        }
        return c.signum() >= 0 && c.multiply(c).compareTo(e2.multiply(n2)) >= 0;
    }

    /** Whether gᵢ·x + bᵢ ≤ 0 for every ‖x − x₀‖ ≤ ε, exactly: −c ≥ ε‖gᵢ‖. */
    private static boolean neverPositive(double[] g, double b, double[] x0, BigDecimal e2) {
        BigDecimal c = value(g, b, x0).negate();
        BigDecimal n2 = BigDecimal.ZERO;
        for (double v : g) {
            n2 = n2.add(new BigDecimal(v).multiply(new BigDecimal(v)));
        }
        return c.signum() >= 0 && c.multiply(c).compareTo(e2.multiply(n2)) >= 0;
    }

    /** An input whose bounds are unknown (NaN) gives its window no line: the margins then prove nothing, never a chord that ignores it. */
    @Test
    void aWindowWithAnUnknownInputHasNoLine() {
        for (double[][] lu : new double[][][] {{{0, 0, 0}, {1, Double.NaN, 2}}, {{0, Double.NaN}, {2, 1}}, {{0, 0}, {2, Double.NaN}}}) {
            double[] out = new double[5];
            MaxPoolStage.poolLine(lu[0], lu[1], lu[0].length, out, 0);
            assertTrue(Double.isNaN(out[3]), Arrays.toString(lu[1]) + ": " + Arrays.toString(out));
        }
    }
}
