package io.robustbounds.data;

import io.robustbounds.format.Checksums;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * CSV → Parquet test set, without Spark. One row per line; the label column is named (with a header) or
 * given by 0-based position, or absent. Labels that are class names map to their index in {@code classes}
 * (given, or the sorted distinct names); integer labels are used as they are. A line that cannot be read
 * (wrong number of fields, a feature that is not a number, an unknown class) goes to
 * {@code <output>/_rejects.csv} with its line number, column and reason — nothing is dropped silently.
 */
public final class CsvImport {

    public record Config(Path input, Path output, boolean header, String delimiter, String labelColumn, List<String> classes,
                         double[] range, long rowsPerFile, boolean doubles) {
    }

    public record Outcome(long rows, long rejects, TestSetMetadata metadata) {
    }

    private CsvImport() {
    }

    public static Outcome run(Config c) throws IOException {
        List<String> lines = Files.readAllLines(c.input());
        String[] names = null;
        int first = 0;
        Pattern split = Pattern.compile(Pattern.quote(c.delimiter()));
        if (c.header()) {
            if (lines.isEmpty()) {
                throw new IllegalArgumentException(c.input() + ": empty file, expected a header line");
            }
            names = split.split(lines.get(0).trim(), -1);
            first = 1;
        }
        int fields = names != null ? names.length : lines.isEmpty() ? 0 : split.split(lines.get(0).trim(), -1).length;
        int labelAt = labelIndex(c, names, fields);
        int d = labelAt < 0 ? fields : fields - 1;
        if (d < 1) {
            throw new IllegalArgumentException(c.input() + ": no feature columns");
        }

        // pass 1: parse, collect class names and the value range
        List<double[]> features = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        List<Long> lineNumbers = new ArrayList<>();
        List<String[]> rejects = new ArrayList<>();
        TreeSet<String> seen = new TreeSet<>();
        boolean numericLabels = true;
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (int i = first; i < lines.size(); i++) {
            String line = lines.get(i).trim();
            if (line.isEmpty()) {
                continue;
            }
            String[] v = split.split(line, -1);
            long lineNo = i + 1L;
            if (v.length != fields) {
                rejects.add(new String[] {String.valueOf(lineNo), "*", "has " + v.length + " fields, expected " + fields, line});
                continue;
            }
            double[] x = new double[d];
            String bad = null;
            for (int j = 0, k = 0; j < fields; j++) {
                if (j == labelAt) {
                    continue;
                }
                try {
                    x[k++] = Double.parseDouble(v[j].trim());
                } catch (NumberFormatException e) {
                    bad = column(names, j) + "\t'" + v[j] + "' is not a number";
                    break;
                }
            }
            if (bad != null) {
                String[] parts = bad.split("\t");
                rejects.add(new String[] {String.valueOf(lineNo), parts[0], parts[1], line});
                continue;
            }
            String label = labelAt < 0 ? null : v[labelAt].trim();
            if (label != null) {
                seen.add(label);
                numericLabels &= label.matches("-?\\d+");
            }
            for (double t : x) {
                if (Double.isFinite(t)) {
                    lo = Math.min(lo, t);
                    hi = Math.max(hi, t);
                }
            }
            features.add(x);
            labels.add(label);
            lineNumbers.add(lineNo);
        }
        List<String> classes = !c.classes().isEmpty() ? c.classes() : numericLabels ? List.of() : List.copyOf(seen);
        double low = c.range() != null ? c.range()[0] : lo;
        double high = c.range() != null ? c.range()[1] : hi;
        if (!(low < high)) {
            high = low + 1; // a constant column still needs a non-empty range
        }
        Map<String, Object> source = new LinkedHashMap<>();
        source.put("file", c.input().toString());
        source.put("sha256", Checksums.sha256(c.input()));
        source.put("importer", "import-csv");
        TestSetMetadata meta = new TestSetMetadata(new long[] {d}, low, high, classes, source);

        // pass 2: write
        long written = 0;
        try (TestSetWriter w = new TestSetWriter(c.output(), meta, c.doubles(), c.rowsPerFile())) {
            for (int r = 0; r < features.size(); r++) {
                Integer label = null;
                String raw = labels.get(r);
                if (raw != null) {
                    if (numericLabels && c.classes().isEmpty()) {
                        label = Integer.parseInt(raw);
                    } else {
                        int index = classes.indexOf(raw);
                        if (index < 0) {
                            rejects.add(new String[] {String.valueOf(lineNumbers.get(r)), column(names, labelAt),
                                    "class '" + raw + "' is not one of " + classes, lines.get((int) (lineNumbers.get(r) - 1))});
                            continue;
                        }
                        label = index;
                    }
                }
                w.write(lineNumbers.get(r), features.get(r), label);
                written++;
            }
            w.commit();
        }
        if (!rejects.isEmpty()) {
            try (PrintWriter p = new PrintWriter(Files.newBufferedWriter(c.output().resolve("_rejects.csv")))) {
                p.println("file\tline\tcolumn\treason\trow");
                for (String[] r : rejects) {
                    p.println(c.input() + "\t" + String.join("\t", r));
                }
            }
        }
        return new Outcome(written, rejects.size(), meta);
    }

    private static int labelIndex(Config c, String[] names, int fields) {
        String l = c.labelColumn();
        if (l == null || l.isBlank() || l.equals("none")) {
            return -1;
        }
        if (l.matches("-?\\d+")) {
            int i = Integer.parseInt(l);
            int at = i < 0 ? fields + i : i;
            if (at < 0 || at >= fields) {
                throw new IllegalArgumentException(c.input() + ": label column " + l + " is outside the " + fields + " columns");
            }
            return at;
        }
        int at = names == null ? -1 : Arrays.asList(names).indexOf(l);
        if (at < 0) {
            throw new IllegalArgumentException(c.input() + ": label column '" + l + "' not found"
                    + (names == null ? " (no header: give its 0-based position)" : " in header " + Arrays.toString(names)));
        }
        return at;
    }

    private static String column(String[] names, int j) {
        return names != null ? names[j] : "column " + j;
    }
}
