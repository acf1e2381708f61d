package io.robustbounds.results;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;

/** {@link DoubleList#median()}'s radix selection against sorting, to the bit. */
class DoubleListTest {

    /** The median by sorting: the definition the selection must reproduce. */
    private static double sorted(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    private static void check(String what, double[] v) {
        DoubleList l = new DoubleList(0);
        for (double x : v) {
            l.add(x);
        }
        assertEquals(Double.doubleToRawLongBits(sorted(v)), Double.doubleToRawLongBits(l.median()), what + ", n = " + v.length);
    }

    @Test
    void medianEqualsTheSortedMiddleForManyShapesAndSizes() {
        SplittableRandom r = new SplittableRandom(7);
        DoubleSupplier[] shapes = {
                () -> r.nextGaussian(),                              // spread over many bins
                () -> 1.0 + 1e-12 * r.nextDouble(),                  // all in one bin: the gathered middle is everything
                () -> r.nextInt(3) - 1.0,                            // ties, with -1, 0 and 1
                () -> r.nextBoolean() ? -0.0 : 0.0,                  // signed zeros: -0.0 sorts first
                () -> Math.exp(40 * r.nextGaussian()),               // many magnitudes
                () -> r.nextInt(10) == 0 ? Double.NaN : r.nextDouble(), // NaN sorts last, as one value
                () -> r.nextInt(10) == 0 ? Double.NEGATIVE_INFINITY : r.nextInt(10) == 0 ? Double.POSITIVE_INFINITY : r.nextGaussian(),
        };
        for (int s = 0; s < shapes.length; s++) {
            for (int n : new int[] {1, 2, 3, 4, 5, 16, 17, 100, 101, 4096, 100_001}) {
                double[] v = new double[n];
                for (int i = 0; i < n; i++) {
                    v[i] = shapes[s].getAsDouble();
                }
                check("shape " + s, v);
            }
        }
    }

    @Test
    void middleRanksInTwoBinsAreBothFound() {
        check("two halves far apart", new double[] {-1e300, -1e300, 1e300, 1e300});
        check("adjacent ranks across bins", new double[] {1.0, 2.0, 1e10, 1e-10, 3.0, 1e200});
        assertTrue(Double.isNaN(new DoubleList(4).median()), "no values: NaN");
    }
}
