package io.robustbounds.results;

import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Row;

/** Tables as text: CSV (full precision, quoted where needed) and Markdown (6 significant digits). */
public final class TextTables {
    private TextTables() {
    }

    /** A CSV field: quoted (quotes doubled) when it holds a comma, a quote or a line break. */
    public static String quote(String s) {
        return s.contains(",") || s.contains("\"") || s.contains("\n") || s.contains("\r") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }

    /** A header line, then a line per row: full-precision numbers, empty for null, text quoted where it must be. */
    public static String csv(String[] columns, List<Row> rows) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < columns.length; i++) {
            b.append(i == 0 ? "" : ",").append(quote(columns[i]));
        }
        b.append('\n');
        for (Row r : rows) {
            for (int i = 0; i < columns.length; i++) {
                Object v = r.get(i);
                b.append(i == 0 ? "" : ",").append(v == null ? "" : quote(String.valueOf(v)));
            }
            b.append('\n');
        }
        return b.toString();
    }

    public static String markdown(String[] columns, List<Row> rows) {
        StringBuilder b = new StringBuilder("|");
        for (String c : columns) {
            b.append(' ').append(c).append(" |");
        }
        b.append("\n|");
        b.append("---|".repeat(columns.length));
        b.append('\n');
        for (Row r : rows) {
            b.append('|');
            for (int i = 0; i < columns.length; i++) {
                Object v = r.get(i);
                b.append(' ').append(v instanceof Double x ? String.format(Locale.ROOT, "%.6g", x) : String.valueOf(v)).append(" |");
            }
            b.append('\n');
        }
        return b.toString();
    }
}
