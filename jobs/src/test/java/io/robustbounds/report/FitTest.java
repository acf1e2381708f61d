package io.robustbounds.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Fitted axes: which groups get a scale of their own, and round axis ends. */
class FitTest {

    /** Table 4.2's cells: rows 1–8 and 8′ reach about 2, row 2′ (U = 100) about 90. */
    @Test
    void aGroupTenTimesWiderThanTheMedianGetsItsOwnScale() {
        double[] reach = {1.8, 2.1, 1.5, 3.9, 1.7, 1.6, 1.9, 2.0, 90, 2.2};
        boolean[] own = Fit.ownScale(reach);
        boolean[] expected = new boolean[10];
        expected[8] = true;
        assertArrayEquals(expected, own);
        assertArrayEquals(new boolean[3], Fit.ownScale(new double[] {1, 2, 5}), "within ten times: one scale");
        assertArrayEquals(new boolean[2], Fit.ownScale(new double[] {1, 100}), "at least two groups stay together");
        assertArrayEquals(new boolean[3], Fit.ownScale(new double[] {0, 0, 5}), "a median of zero splits nothing");
    }

    @Test
    void linearAxesEndOnRoundSteps() {
        assertEquals(0.001, Fit.niceStep(0.00099), 1e-15);
        assertEquals(2.0, Fit.niceStep(1.2316), 1e-12);
        assertEquals(5.0, Fit.niceStep(2.5), 1e-12);
        assertEquals(10.0, Fit.niceStep(10.0), 1e-12);
        LogBins fine = new LogBins(-1, 3, 100);
        long[] counts = new long[fine.bins() + 2];
        for (double v = 0.3; v < 11.7; v += 0.01) {
            counts[fine.bin(v) + 1]++;
        }
        Fit.Range r = Fit.range(fine, counts);
        assertEquals(false, r.log());
        assertEquals(0.0, r.lo(), 1e-12);
        assertEquals(14.0, r.hi(), 1e-9, "≈ 11.8 plus 5%, up to the next multiple of the step 2");
    }
}
