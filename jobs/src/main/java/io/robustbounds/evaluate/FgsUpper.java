package io.robustbounds.evaluate;

import io.robustbounds.data.TestSetMetadata;
import java.util.Locale;

/**
 * U, the upper end of the FGS search for ε, and where it came from. {@code evaluation.fgs-upper = auto} derives it from
 * the test set's declared range (its footers; every test set has one, low < high): with m = max(|low|, |high|), U is the
 * power of ten nearest to m on a log scale, 10^round(log10 m). That gives the thesis' values — 1 for data in [−1, 1] or
 * [0, 1], 100 for pixels in [0, 255] — and scales with the data in between (10 for [−10, 10]; the switch from 1 to 10
 * is at m = √10 ≈ 3.16).
 */
public record FgsUpper(double value, String source) {
    /** A value given in the configuration. */
    public static FgsUpper given(double value) {
        return new FgsUpper(value, "evaluation.fgs-upper");
    }

    /** U from the test set's range. */
    public static FgsUpper derive(TestSetMetadata testSet) {
        double m = Math.max(Math.abs(testSet.low()), Math.abs(testSet.high()));
        return new FgsUpper(nearestPowerOfTen(m), "auto: the test set's range [" + number(testSet.low()) + ", " + number(testSet.high())
                + "], max |x| = " + number(m) + " → 10^round(log10 " + number(m) + ")");
    }

    /** Six significant digits, without trailing zeros. */
    public static String number(double v) {
        return new java.math.BigDecimal(String.format(Locale.ROOT, "%.6g", v)).stripTrailingZeros().toPlainString();
    }

    /** 10^round(log10 m) for m > 0, exact for powers of ten. */
    static double nearestPowerOfTen(double m) {
        return Double.parseDouble("1e" + Math.round(Math.log10(m)));
    }
}
