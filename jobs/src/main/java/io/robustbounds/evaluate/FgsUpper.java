package io.robustbounds.evaluate;

import io.robustbounds.data.TestSetMetadata;
import io.robustbounds.model.InputSpec;
import java.util.Locale;

/**
 * U, the upper end of the FGS search for ε, and where it came from. {@code evaluation.fgs-upper = auto} derives it from
 * the data: with m = max(|low|, |high|) of the test set's declared range (its footers; the model's input range when the
 * test set's is [0, 0]), U is the power of ten nearest to m on a log scale, 10^round(log10 m). That gives the thesis'
 * values — 1 for data in [−1, 1] or [0, 1], 100 for pixels in [0, 255] — and scales with the data in between.
 */
public record FgsUpper(double value, String source) {
    /** A value given in the configuration. */
    public static FgsUpper given(double value) {
        return new FgsUpper(value, "evaluation.fgs-upper");
    }

    /** U from the test set's range, or the model's input range when the test set's is all zero. */
    public static FgsUpper derive(TestSetMetadata testSet, InputSpec modelInput) {
        double m = Math.max(Math.abs(testSet.low()), Math.abs(testSet.high()));
        String from = range("the test set's range", testSet.low(), testSet.high());
        if (!(m > 0 && Double.isFinite(m)) && modelInput != null) {
            m = Math.max(Math.abs(modelInput.low()), Math.abs(modelInput.high()));
            from = range("the model's input range", modelInput.low(), modelInput.high());
        }
        if (!(m > 0 && Double.isFinite(m))) {
            return new FgsUpper(1, "auto: no non-zero range known, 1 (the thesis' Algorithm 2.1)");
        }
        double u = nearestPowerOfTen(m);
        return new FgsUpper(u, String.format(Locale.ROOT, "auto: %s, max |x| = %.6g → 10^round(log10 %.6g)", from, m, m));
    }

    /** 10^round(log10 m) for m > 0, computed so that powers of ten themselves come out exact. */
    static double nearestPowerOfTen(double m) {
        long k = Math.round(Math.log10(m));
        return Double.parseDouble("1e" + k);
    }

    private static String range(String what, double low, double high) {
        return String.format(Locale.ROOT, "%s [%.6g, %.6g]", what, low, high);
    }
}
