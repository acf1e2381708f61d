package io.robustbounds.certified;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.robustbounds.model.Activation;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Every activation's lines hold pointwise on dense grids of [l, u] (stable, unstable, wide, narrow and far-out
 * intervals), checked with the line evaluated exactly (BigDecimal) against g's value widened by its rounding; and the
 * lines are tight: each touches g on the grid up to a small gap.
 */
class RelaxationTest {
    private static final int GRID = 101;
    private static final MathContext MC = new MathContext(60);

    private static double[][] intervals(SplittableRandom r) {
        double[][] out = new double[70][];
        double[][] fixed = {{-1, 1}, {-3, 0.5}, {-0.5, 3}, {0.1, 2}, {-2, -0.1}, {-20, 20}, {-40, -30}, {30, 40},
                {1e-7, 2e-7}, {-1e-9, 1e-9}, {2, 2}, {-700, 5}, {-0.25, 0.25}, {-5, 5}};
        for (int i = 0; i < out.length; i++) {
            if (i < fixed.length) {
                out[i] = fixed[i];
            } else {
                double scale = Math.pow(10, r.nextDouble(-3, 1.5));
                double a = r.nextDouble(-1, 1) * scale;
                double b = r.nextDouble(-1, 1) * scale;
                out[i] = new double[] {Math.min(a, b), Math.max(a, b)};
            }
        }
        return out;
    }

    @Test
    void linesHoldAndTouchOnDenseGrids() {
        SplittableRandom r = new SplittableRandom(16);
        double[] lines = new double[4];
        for (Activation g : Activation.values()) {
            for (double[] iv : intervals(r)) {
                double l = iv[0];
                double u = iv[1];
                Relaxation.lines(g, l, u, lines, 0);
                double minGapLower = Double.POSITIVE_INFINITY;
                double minGapUpper = Double.POSITIVE_INFINITY;
                double scale = 0;
                for (int s = 0; s < GRID; s++) {
                    double z = s == GRID - 1 ? u : l + (u - l) * s / (GRID - 1);
                    BigDecimal zb = new BigDecimal(z);
                    double lowerLine = new BigDecimal(lines[0]).multiply(zb).add(new BigDecimal(lines[1])).doubleValue();
                    double upperLine = new BigDecimal(lines[2]).multiply(zb).add(new BigDecimal(lines[3])).doubleValue();
                    BigDecimal lowerExact = new BigDecimal(lines[0]).multiply(zb).add(new BigDecimal(lines[1]));
                    BigDecimal upperExact = new BigDecimal(lines[2]).multiply(zb).add(new BigDecimal(lines[3]));
                    String where = g.id() + " on [" + l + ", " + u + "] at z = " + z + ": lines " + java.util.Arrays.toString(lines);
                    assertTrue(compare(g, lowerExact, zb) <= 0, "lower line above g: " + where);
                    assertTrue(compare(g, upperExact, zb) >= 0, "upper line below g: " + where);
                    minGapLower = Math.min(minGapLower, g.value(z) - lowerLine);
                    minGapUpper = Math.min(minGapUpper, upperLine - g.value(z));
                    scale = Math.max(scale, Math.abs(g.value(z)));
                }
                // tight: each line comes within the grid's resolution of g (a line's gap is quadratic in the grid step)
                double h = (u - l) / (GRID - 1);
                double tol = 1e-12 * Math.max(1, scale) + 4 * h * h + 1e-12 * Math.max(Math.abs(l), Math.abs(u));
                assertTrue(minGapLower <= tol, g.id() + " on [" + l + ", " + u + "]: lower line never touches, gap " + minGapLower);
                assertTrue(minGapUpper <= tol, g.id() + " on [" + l + ", " + u + "]: upper line never touches, gap " + minGapUpper);
            }
        }
    }

    @Test
    void reluLinesAreCrownsChoice() {
        double[] lines = new double[4];
        Relaxation.relu(-1, 3, lines, 0);
        assertTrue(lines[0] == 1 && lines[1] == 0, "u ≥ −l: lower slope 1");
        assertTrue(Math.abs(lines[2] - 0.75) < 1e-15 && Math.abs(lines[3] - 0.75) < 1e-15, "upper line through (−1, 0) and (3, 3)");
        Relaxation.relu(-3, 1, lines, 0);
        assertTrue(lines[0] == 0 && lines[1] == 0, "u < −l: lower slope 0");
    }

    /** The sign of y − g(z) in exact arithmetic (g by 60-digit series; softplus through y ≶ ln(1 + eᶻ) ⟺ eʸ ≶ 1 + eᶻ). */
    private static int compare(Activation g, BigDecimal y, BigDecimal z) {
        return switch (g) {
            case IDENTITY -> y.compareTo(z);
            case RELU -> y.compareTo(z.max(BigDecimal.ZERO));
            case TANH -> y.compareTo(tanh(z));
            case SIGMOID -> y.compareTo(BigDecimal.ONE.divide(BigDecimal.ONE.add(exp(z.negate())), MC));
            case SOFTPLUS -> exp(y).compareTo(BigDecimal.ONE.add(exp(z)));
        };
    }

    private static BigDecimal tanh(BigDecimal z) {
        BigDecimal e = exp(z.multiply(BigDecimal.valueOf(2)));
        return e.subtract(BigDecimal.ONE).divide(e.add(BigDecimal.ONE), MC);
    }

    /** eᶻ to ~55 digits: e^{z/65536} by its Taylor series, squared sixteen times. */
    static BigDecimal exp(BigDecimal z) {
        BigDecimal t = z.divide(BigDecimal.valueOf(65536), MC);
        BigDecimal sum = BigDecimal.ONE;
        BigDecimal term = BigDecimal.ONE;
        for (int k = 1; k < 22; k++) {
            term = term.multiply(t, MC).divide(BigDecimal.valueOf(k), MC);
            sum = sum.add(term, MC);
        }
        for (int k = 0; k < 16; k++) {
            sum = sum.multiply(sum, MC);
        }
        return sum;
    }
}
