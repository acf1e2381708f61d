package io.robustbounds.report;

import io.robustbounds.report.ReportData.ModeTotal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Row;

/**
 * What the console shows after a report or an aggregate: a line per bound mode (and group) with samples, violations, median
 * bound and median tightness — the page and table.md hold the rest.
 */
public final class ConsoleSummary {
    /** Lines shown at most for an aggregate table; the rest is in table.md. */
    static final int MAX_LINES = 12;

    private ConsoleSummary() {
    }

    /** One line per mode over every model of a report; with several models the lines say they pool them. */
    public static String ofModes(List<ModeTotal> totals, int models) {
        StringBuilder b = new StringBuilder();
        for (ModeTotal t : totals) {
            b.append(line("  " + Format.mode(t.mode()) + (models > 1 ? ", " + models + " models pooled" : ""), t.n(), t.violations(),
                    t.boundMedian(), t.tightnessMedian(), null));
        }
        if (models > 1) {
            b.append("  (per model: the report's summary table)\n");
        }
        return b.toString();
    }

    /**
     * One line per row of an aggregate table (group keys, then the mode), at most {@link #MAX_LINES}; columns the table lacks
     * are left out of the line.
     */
    public static String ofAggregate(List<Row> rows) {
        StringBuilder b = new StringBuilder();
        for (Row r : rows.subList(0, Math.min(rows.size(), MAX_LINES))) {
            List<String> fields = Arrays.asList(r.schema().fieldNames());
            List<String> keys = new ArrayList<>();
            for (String f : fields.subList(0, fields.indexOf("n"))) {
                if (!f.equals("bound_mode")) {
                    keys.add(String.valueOf(r.<Object>getAs(f)));
                }
            }
            String mode = Format.mode(r.getAs("bound_mode"));
            b.append(line("  " + (keys.isEmpty() ? "" : String.join(" · ", keys) + ", ") + mode, r.<Long>getAs("n"),
                    r.<Long>getAs("violations"), value(r, "bound_median"), value(r, "tightness_median"), value(r, "accuracy")));
        }
        if (rows.size() > MAX_LINES) {
            b.append(String.format(Locale.ROOT, "  … %d more group(s) in table.md%n", rows.size() - MAX_LINES));
        }
        return b.toString();
    }

    private static Double value(Row r, String column) {
        return Arrays.asList(r.schema().fieldNames()).contains(column) ? r.<Double>getAs(column) : null;
    }

    private static String line(String what, long n, long violations, Double boundMedian, Double tightnessMedian, Double accuracy) {
        return String.format(Locale.ROOT, "%s: %d samples, %d violation%s, median bound %s%s%s%n", what, n, violations, violations == 1 ? "" : "s",
                Format.number(boundMedian), tightnessMedian == null ? "" : ", median tightness " + Format.number(tightnessMedian),
                accuracy == null ? "" : ", accuracy " + Format.percent(accuracy));
    }
}
