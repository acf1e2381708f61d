package io.robustbounds.results;

import io.robustbounds.spark.RowSink;
import java.util.List;
import java.util.Locale;

/**
 * A column of a per-sample CSV file: its header and how it is filled, normally a {@link ResultColumn} (under its own
 * name or another one, {@link #as}), so the file's columns derive from the result row's definition. Values are written
 * raw, as the samples hold them: doubles with 9 significant digits ({@code %.9g}, NaN where there is none), whole
 * numbers and booleans as Java prints them; a column that has no value in a result row (FGS found no flip) still shows
 * the evaluator's placeholder here.
 */
public record CsvColumn(String header, ResultColumn.Filler filler) {

    /** The result column under its own name. */
    public static CsvColumn of(ResultColumn c) {
        return new CsvColumn(c.name(), c.filler());
    }

    /** The same values under another header. */
    public CsvColumn as(String otherHeader) {
        return new CsvColumn(otherHeader, filler);
    }

    /** The header line (no line break). */
    public static String header(List<CsvColumn> columns) {
        StringBuilder b = new StringBuilder();
        for (CsvColumn c : columns) {
            b.append(b.length() == 0 ? "" : ",").append(TextTables.quote(c.header()));
        }
        return b.toString();
    }

    /** The line of sample {@code s} (no line break). */
    public static String line(List<CsvColumn> columns, ResultColumn.Sample s) {
        Line line = new Line(columns.size());
        for (int k = 0; k < columns.size(); k++) {
            columns.get(k).filler().fill(s, line, k);
        }
        return String.join(",", line.values);
    }

    /** The values of one line as text. */
    private static final class Line implements RowSink {
        private final String[] values;

        Line(int columns) {
            values = new String[columns];
        }

        @Override
        public void setString(int column, String value) {
            values[column] = value == null ? "" : value;
        }

        @Override
        public void setLong(int column, long value) {
            values[column] = Long.toString(value);
        }

        @Override
        public void setInt(int column, boolean present, int value) {
            values[column] = Integer.toString(value);
        }

        @Override
        public void setDouble(int column, boolean present, double value) {
            values[column] = String.format(Locale.ROOT, "%.9g", value);
        }

        @Override
        public void setBoolean(int column, boolean value) {
            values[column] = Boolean.toString(value);
        }

        @Override
        public void setDoubles(int column, double[] v) {
            StringBuilder b = new StringBuilder();
            for (double x : v) {
                b.append(b.length() == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.9g", x));
            }
            values[column] = b.toString();
        }
    }
}
