package io.robustbounds.data;

import io.robustbounds.format.Checksums;
import java.io.IOException;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * CSV → Parquet test set, without Spark. One row per line; the label column is named (with a header) or
 * given by 0-based position, or absent. Labels that are class names map to their index in {@code classes}
 * (given, or the sorted distinct names); integer labels (when most labels are integers and no classes are given)
 * are used as they are. A line that cannot be read goes to {@code <output>/_rejects.csv} with its line number,
 * column and reason — nothing is dropped silently, and no class is made of a malformed label: wrong number of
 * fields, a feature that is not a number, an empty label, a label written unlike most ("2.0" among integers, "7"
 * among names), an integer label that is negative or outside the int range, an unknown class. A file that is not
 * UTF-8 text is refused whole.
 */
public final class CsvImport {

    public static final String REJECTS = "_rejects.csv";

    public record Config(Path input, Path output, boolean header, String delimiter, String labelColumn, List<String> classes,
                         double[] range, long rowsPerFile, boolean doubles) {
    }

    public record Outcome(long rows, long rejects, TestSetMetadata metadata) {
    }

    private CsvImport() {
    }

    public static Outcome run(Config c) throws IOException {
        List<String> lines = TextFiles.readLines(c.input());
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

        // pass 1: fields and features; labels only trimmed (how they are written decides how they are read)
        List<Parsed> parsed = new ArrayList<>();
        List<String[]> rejects = new ArrayList<>();
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
            int badAt = -1;
            for (int j = 0, k = 0; j < fields && bad == null; j++) {
                if (j == labelAt) {
                    continue;
                }
                try {
                    x[k++] = Double.parseDouble(v[j].trim());
                } catch (NumberFormatException e) {
                    bad = "'" + v[j] + "' is not a number";
                    badAt = j;
                }
            }
            String label = labelAt < 0 ? null : v[labelAt].trim();
            if (bad == null && label != null && label.isEmpty()) {
                bad = "the label is empty";
                badAt = labelAt;
            }
            if (bad != null) {
                rejects.add(new String[] {String.valueOf(lineNo), column(names, badAt), bad, line});
                continue;
            }
            parsed.add(new Parsed(lineNo, x, label, line));
        }

        // labels: class names (given, or the distinct names) or integer class indices, whichever way most are written;
        // a label written otherwise is a reject, never a class of its own
        LabelSpelling usual = LabelSpelling.usual(parsed.stream().map(Parsed::label).filter(l -> l != null).toList());
        boolean integerLabels = c.classes().isEmpty() && usual == LabelSpelling.INTEGER;
        String hint = c.classes().isEmpty() ? " (import-csv.classes lists the class names when they are meant)" : "";
        List<String> classes = !c.classes().isEmpty() ? c.classes() : integerLabels ? List.of() : distinct(parsed, usual);
        List<Parsed> rows = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (Parsed r : parsed) {
            Integer label = null;
            String bad = null;
            if (r.label() != null) {
                if (!c.classes().isEmpty()) {
                    label = classes.indexOf(r.label());
                    bad = label < 0 ? "class '" + r.label() + "' is not one of " + classes : null;
                } else {
                    bad = usual.reject(r.label(), "label", hint);
                    if (bad == null && integerLabels) {
                        BigInteger value = new BigInteger(r.label());
                        if (value.signum() < 0) {
                            bad = "label " + value + " is negative (integer labels are class indices)";
                        } else if (value.bitLength() > 31) {
                            bad = "label " + value + " is outside the int range";
                        } else {
                            label = value.intValue();
                        }
                    } else if (bad == null) {
                        label = classes.indexOf(r.label());
                    }
                }
            }
            if (bad != null) {
                rejects.add(new String[] {String.valueOf(r.line()), column(names, labelAt), bad, r.text()});
                continue;
            }
            for (double t : r.features()) {
                if (Double.isFinite(t)) {
                    lo = Math.min(lo, t);
                    hi = Math.max(hi, t);
                }
            }
            rows.add(r);
            labels.add(label);
        }
        rejects.sort(Comparator.comparingLong(r -> Long.parseLong(r[0])));
        if (rows.isEmpty()) {
            throw new IllegalArgumentException(c.input() + ": no readable lines" + (rejects.isEmpty() ? "" : " (" + rejects.size()
                    + " rejected; the first, line " + rejects.get(0)[0] + ", column " + rejects.get(0)[1] + ": " + rejects.get(0)[2] + ")"));
        }
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

        // pass 2: write; the rejects go into the set's folder with it, published together or not at all
        try (TestSetWriter w = new TestSetWriter(c.output(), meta, c.doubles(), c.rowsPerFile())) {
            for (int r = 0; r < rows.size(); r++) {
                w.write(rows.get(r).line(), rows.get(r).features(), labels.get(r));
            }
            if (!rejects.isEmpty()) {
                try (PrintWriter p = new PrintWriter(Files.newBufferedWriter(w.staged(REJECTS)))) {
                    p.println("file\tline\tcolumn\treason\trow");
                    for (String[] r : rejects) {
                        p.println(c.input() + "\t" + String.join("\t", r));
                    }
                    if (p.checkError()) { // PrintWriter keeps its IOExceptions to itself
                        throw new IOException("writing " + REJECTS + " failed");
                    }
                }
            }
            w.commit();
        } catch (IOException e) { // a full disk, say: nothing of this run is published
            throw new IOException(c.output() + ": writing the test set failed: " + e.getMessage(), e);
        }
        return new Outcome(rows.size(), rejects.size(), meta);
    }

    /** A line whose fields and features could be read: its number, features, trimmed label (null: no label column), text. */
    private record Parsed(long line, double[] features, String label, String text) {
    }

    /** The distinct labels written the usual way, sorted: numerically when they are numbers, else as text. */
    private static List<String> distinct(List<Parsed> parsed, LabelSpelling usual) {
        TreeSet<String> seen = new TreeSet<>();
        parsed.stream().map(Parsed::label).filter(l -> l != null && usual.reject(l, "label", "") == null).forEach(seen::add);
        List<String> names = new ArrayList<>(seen);
        if (usual == LabelSpelling.DECIMAL) {
            names.sort(Comparator.comparing(BigDecimal::new));
        }
        return names;
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
