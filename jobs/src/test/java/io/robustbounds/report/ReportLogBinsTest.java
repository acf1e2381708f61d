package io.robustbounds.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.robustbounds.report.ReportData.Rank;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The pure parts of the summaries against values worked out by hand. */
class ReportLogBinsTest {

    @Test
    void gridCoversWholeDecades() {
        LogBins b = LogBins.covering(0.02, 7.0, 1);
        assertEquals(-2, b.lo());
        assertEquals(3, b.decades());
        assertArrayEquals(new double[] {0.01, 0.1, 1, 10}, b.edges(), 1e-15);
        assertEquals(new LogBins(-1, 2, 5), LogBins.covering(Double.NaN, Double.NaN, 5), "no positive value: a fixed grid");
        assertEquals(new LogBins(0, 1, 4), LogBins.covering(1, 1, 4), "a single value 1: the decade [1, 10]");
        assertEquals(LogBins.MAX_DECADES, LogBins.covering(1e-300, 1, 2).decades(), "tiny values fall into the underflow bin");
    }

    @Test
    void binsAreLeftOpenRightClosedWithUnderAndOverflow() {
        LogBins b = new LogBins(-2, 3, 1); // edges 0.01, 0.1, 1, 10
        assertEquals(-1, b.bin(-3.0));
        assertEquals(-1, b.bin(0.0));
        assertEquals(-1, b.bin(0.01));
        assertEquals(0, b.bin(0.05));
        assertEquals(1, b.bin(0.2));
        assertEquals(1, b.bin(0.999));
        assertEquals(2, b.bin(3.0));
        assertEquals(3, b.bin(10.5), "overflow");
        assertEquals(3, b.bin(Double.POSITIVE_INFINITY));
        assertNull(b.bin(Double.NaN));
        assertNull(b.bin(null));
    }

    @Test
    void robustnessCurveCountsValuesAboveEachEdge() {
        LogBins b = new LogBins(-2, 3, 1);
        // ‖η‖ = 0.5, 2.0, 0.25, 7.0 and one sample FGS could not flip: bins 1, 2, 1, 2
        long[] counts = {0, 0, 2, 2, 0};
        assertArrayEquals(new double[] {1.0, 1.0, 0.6, 0.2}, b.exceeding(counts, 1, 5), 1e-15);
        // bounds 0.05, 0.2, 0.3, 3.0, 0.02 and an underflow 0.001 and an overflow 50: 7 samples
        long[] bounds = {1, 2, 2, 1, 1};
        assertArrayEquals(new double[] {6 / 7.0, 4 / 7.0, 2 / 7.0, 1 / 7.0}, b.exceeding(bounds, 0, 7), 1e-15);
    }

    @Test
    void mergingKeepsUnderAndOverflow() {
        LogBins fine = new LogBins(0, 1, 4);
        long[] counts = {7, 1, 2, 3, 4, 9};
        assertArrayEquals(new long[] {7, 3, 7, 9}, fine.merge(counts, 2));
        assertEquals(new LogBins(0, 1, 2), fine.coarser(2));
    }

    @Test
    void ranksAreLargestFirstAndShareTies() {
        List<Rank> r = List.of(new Rank("a", 1, Map.of(), 0.5, 1), new Rank("b", 1, Map.of(), 2.0, 1), new Rank("c", 1, Map.of(), 0.5, 1),
                new Rank("d", 1, Map.of(), null, 0));
        Map<String, Integer> ranks = HtmlReport.ranks(r, Rank::epsMean);
        assertEquals(Map.of("b", 1, "a", 2, "c", 2), ranks);
    }

    @Test
    void paperModeIsNeverShownAsAGuarantee() {
        assertEquals("paper (not a guarantee)", Format.mode("paper"));
        assertEquals("sound", Format.mode("sound"));
    }
}
