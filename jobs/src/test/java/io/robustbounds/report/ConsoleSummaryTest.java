package io.robustbounds.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.robustbounds.spark.SparkInternals;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** The console's summary: a short line per group and mode, not the aggregate's 27 columns. */
class ConsoleSummaryTest {
    private static final StructType TABLE = new StructType().add("model", DataTypes.StringType).add("bound_mode", DataTypes.StringType)
            .add("n", DataTypes.LongType).add("accuracy", DataTypes.DoubleType).add("fgs_rate", DataTypes.DoubleType)
            .add("bound_median", DataTypes.DoubleType).add("tightness_median", DataTypes.DoubleType).add("violations", DataTypes.LongType);

    @Test
    void aLinePerGroupAndModeWithTheFourNumbers() {
        List<Row> rows = List.of(SparkInternals.rowWithSchema(new Object[] {"blobs", "paper", 600L, 0.9966, 0.98, 0.0123, 0.2, 1L}, TABLE),
                SparkInternals.rowWithSchema(new Object[] {"blobs", "certified", 600L, 0.9966, 0.98, 0.00123, null, 0L}, TABLE));
        assertEquals("  blobs, paper (not a guarantee): 600 samples, 1 violation, median bound 0.0123, median tightness 0.2, accuracy 99.7%\n"
                        + "  blobs, certified: 600 samples, 0 violations, median bound 0.00123, accuracy 99.7%\n",
                ConsoleSummary.ofAggregate(rows).replace(System.lineSeparator(), "\n"));
    }

    @Test
    void manyGroupsAreCutShortPointingToTheTable() {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            rows.add(SparkInternals.rowWithSchema(new Object[] {"m" + i, "sound", 10L, null, 0.5, 1.0, 0.5, 0L}, TABLE));
        }
        List<String> lines = ConsoleSummary.ofAggregate(rows).lines().toList();
        assertEquals(ConsoleSummary.MAX_LINES + 1, lines.size());
        assertEquals("  … 8 more group(s) in table.md", lines.get(lines.size() - 1));
    }
}
