package io.robustbounds.data;

import io.robustbounds.format.Checksums;
import io.robustbounds.output.OutputFolder;
import java.io.IOException;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.apache.commons.math3.stat.descriptive.SummaryStatistics;

/**
 * Over 400 lines: parsing, the stratified split and the standardization share the row-level error reporting
 * (file, line, column, value); they are one import with one set of messages.
 *
 * A UCI-style CSV (features and one class column) → three test sets, {@code <output>/train}, {@code test} and
 * {@code validation}, without Spark: a stratified, seeded split (the thesis' 70/20/10, §4.3.2) and z-score
 * standardization with statistics of the training split only, applied to all three. Ids are the source line
 * numbers, so they are unique across the splits and point back into the file. Class names are the distinct
 * values of the class column (sorted; numerically when all are numbers), labels their indices.
 *
 * <p>A line that cannot be read (wrong number of fields, a feature that is not a finite number, an empty or
 * unknown class, a class written unlike most such as "2.0" among integers) goes to {@code <output>/_rejects.csv}
 * with its line number, column and reason; nothing is dropped silently, and no class is made of a malformed value. Every footer records the source file and SHA-256, the split (fractions, seed, rows per
 * split and class) and the standardization (mean and standard deviation per feature).
 */
public final class UciImport {
    public static final List<String> SPLITS = List.of("train", "test", "validation");
    public static final String REJECTS = "_rejects.csv";
    /** A plain decimal number: Double.parseDouble alone would also take "NaN", "1d" or hex floats. */
    private static final Pattern NUMBER = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");

    /** Where the mean and standard deviation come from. */
    public enum Standardize {
        /** the training split's rows only: nothing of the test or validation rows leaks into the inputs */
        TRAIN,
        /** all rows before the split, as the thesis describes it ("standardized and then split") */
        ALL,
        /** features as they are in the file */
        NONE;

        public static Standardize parse(String s) {
            for (Standardize v : values()) {
                if (v.name().equalsIgnoreCase(s.trim())) {
                    return v;
                }
            }
            throw new IllegalArgumentException("standardize must be train, all or none, got '" + s + "'");
        }
    }

    /**
     * @param classColumn {@code first}, {@code last}, a 0-based position (negative: from the end) or a header name
     * @param classes     class names in label order; empty: the distinct values of the class column
     * @param fractions   train, test, validation; each &gt; 0, summing to 1
     */
    public record Config(Path input, Path output, boolean header, String delimiter, String classColumn, List<String> classes,
                         double[] fractions, long seed, Standardize standardize, boolean doubles, long rowsPerFile) {
        public Config {
            if (fractions == null || fractions.length != SPLITS.size()) {
                throw new IllegalArgumentException("split needs " + SPLITS.size() + " fractions " + SPLITS + ", got "
                        + Arrays.toString(fractions));
            }
            double sum = 0;
            for (double f : fractions) {
                if (!(f > 0 && f < 1)) {
                    throw new IllegalArgumentException("split fractions " + SPLITS + " must each be in (0, 1), got " + Arrays.toString(fractions));
                }
                sum += f;
            }
            if (Math.abs(sum - 1) > 1e-9) {
                throw new IllegalArgumentException("split fractions " + SPLITS + " must sum to 1, got " + Arrays.toString(fractions) + " (sum " + sum + ")");
            }
            if (rowsPerFile < 1) {
                throw new IllegalArgumentException("rows per file must be >= 1, got " + rowsPerFile);
            }
            fractions = fractions.clone();
            classes = classes == null ? List.of() : List.copyOf(classes);
        }
    }

    /**
     * @param counts rows per split (in {@link #SPLITS} order) and class
     * @param mean   the mean subtracted from each feature (zeros when not standardized)
     * @param std    the divisor of each feature (the population standard deviation; 1 for a constant feature or none)
     */
    public record Outcome(long rows, long rejects, Path rejectsFile, List<String> classes, long[][] counts, double[] mean, double[] std,
                          Map<String, TestSetMetadata> sets) {
        public long splitRows(int split) {
            return Arrays.stream(counts[split]).sum();
        }
    }

    /** A line read: its number, features and class value. */
    record Line(long number, double[] x, String cls) {
    }

    private UciImport() {
    }

    /** Imports; the output folder is claimed first ({@link OutputFolder}: refused unless absent, empty or an import-uci output). */
    public static Outcome run(Config c) throws IOException {
        try (OutputFolder output = OutputFolder.claim(c.output(), OutputFolder.Kind.TEST_SETS)) {
            Outcome o = importSplits(c);
            output.mark(output.target());
            return o;
        }
    }

    private static Outcome importSplits(Config c) throws IOException {
        List<String> text = TextFiles.readLines(c.input());
        Pattern split = Pattern.compile(Pattern.quote(c.delimiter()));
        int first = 0;
        String[] names = null;
        if (c.header()) {
            while (first < text.size() && text.get(first).isBlank()) {
                first++;
            }
            if (first == text.size()) {
                throw new IllegalArgumentException(c.input() + ": empty file, expected a header line");
            }
            names = trimmed(split.split(text.get(first).trim(), -1));
            first++;
        }
        int fields = names != null ? names.length : text.stream().filter(l -> !l.isBlank()).findFirst()
                .map(l -> split.split(l.trim(), -1).length).orElseThrow(() -> new IllegalArgumentException(c.input() + ": no data lines"));
        int classAt = classIndex(c.input(), c.classColumn(), names, fields);
        int d = fields - 1;
        if (d < 1) {
            throw new IllegalArgumentException(c.input() + ": no feature columns besides the class column");
        }

        List<Line> lines = new ArrayList<>();
        List<String[]> rejects = new ArrayList<>();
        for (int i = first; i < text.size(); i++) {
            String raw = text.get(i).trim();
            if (raw.isEmpty()) {
                continue;
            }
            String lineNo = String.valueOf(i + 1L);
            String[] v = split.split(raw, -1);
            if (v.length != fields) {
                rejects.add(new String[] {lineNo, "*", "has " + v.length + " fields, expected " + fields, raw});
                continue;
            }
            double[] x = new double[d];
            String bad = null;
            int badAt = -1;
            for (int j = 0, k = 0; j < fields && bad == null; j++) {
                if (j == classAt) {
                    continue;
                }
                String s = v[j].trim();
                badAt = j;
                if (!NUMBER.matcher(s).matches()) {
                    bad = "'" + v[j] + "' is not a number";
                    break;
                }
                x[k] = Double.parseDouble(s);
                if (!Double.isFinite(x[k++])) {
                    bad = "'" + v[j] + "' is out of the double range";
                }
            }
            String cls = v[classAt].trim();
            if (bad == null && cls.isEmpty()) {
                bad = "the class is empty";
                badAt = classAt;
            } else if (bad == null && !c.classes().isEmpty() && !c.classes().contains(cls)) {
                bad = "class '" + cls + "' is not one of " + c.classes();
                badAt = classAt;
            }
            if (bad != null) {
                rejects.add(new String[] {lineNo, column(names, badAt), bad, raw});
                continue;
            }
            lines.add(new Line(i + 1L, x, cls));
        }
        if (c.classes().isEmpty()) { // a class written unlike most ("2.0" among integers) is a malformed line, not a class
            LabelSpelling usual = LabelSpelling.usual(lines.stream().map(Line::cls).toList());
            List<Line> kept = new ArrayList<>();
            for (Line l : lines) {
                String bad = usual.reject(l.cls(), "class", " (import-uci.classes lists the class names when they are meant)");
                if (bad == null) {
                    kept.add(l);
                } else {
                    rejects.add(new String[] {String.valueOf(l.number()), column(names, classAt), bad, text.get((int) l.number() - 1).trim()});
                }
            }
            lines = kept;
            rejects.sort(Comparator.comparingLong(r -> Long.parseLong(r[0])));
        }
        if (lines.isEmpty()) {
            throw new IllegalArgumentException(c.input() + ": no readable lines (" + rejects.size() + " rejected)");
        }

        List<String> classes = !c.classes().isEmpty() ? c.classes() : classNames(lines);
        int[] labels = lines.stream().mapToInt(l -> classes.indexOf(l.cls())).toArray();
        int[] splitOf = stratifiedSplit(labels, classes.size(), c.fractions(), c.seed());
        long[][] counts = new long[SPLITS.size()][classes.size()];
        for (int r = 0; r < labels.length; r++) {
            counts[splitOf[r]][labels[r]]++;
        }
        for (int s = 0; s < SPLITS.size(); s++) {
            if (Arrays.stream(counts[s]).sum() == 0) {
                throw new IllegalArgumentException(c.input() + ": split '" + SPLITS.get(s) + "' gets no rows of " + lines.size()
                        + " with fractions " + Arrays.toString(c.fractions()));
            }
        }

        // standardize: statistics of the training rows (or all rows), applied to every row
        double[] mean = new double[d];
        double[] std = new double[d];
        Arrays.fill(std, 1);
        List<Integer> constant = new ArrayList<>();
        if (c.standardize() != Standardize.NONE) {
            for (int j = 0; j < d; j++) {
                SummaryStatistics st = new SummaryStatistics();
                for (int r = 0; r < lines.size(); r++) {
                    if (c.standardize() == Standardize.ALL || splitOf[r] == 0) {
                        st.addValue(lines.get(r).x()[j]);
                    }
                }
                mean[j] = st.getMean();
                double sd = Math.sqrt(st.getPopulationVariance());
                if (sd > 0) {
                    std[j] = sd;
                } else {
                    constant.add(j); // only centred: dividing by 0 would give NaN
                }
            }
        }
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        List<double[]> z = new ArrayList<>(lines.size());
        for (Line l : lines) {
            double[] x = new double[d];
            for (int j = 0; j < d; j++) {
                x[j] = (l.x()[j] - mean[j]) / std[j];
                if (!c.doubles()) {
                    x[j] = (float) x[j]; // the range must hold the stored values
                }
                lo = Math.min(lo, x[j]);
                hi = Math.max(hi, x[j]);
            }
            z.add(x);
        }
        if (!(lo < hi)) {
            hi = lo + 1; // all values equal: the range still has to be non-empty
        }

        Map<String, Object> splitInfo = new LinkedHashMap<>();
        Map<String, Object> fractions = new LinkedHashMap<>();
        Map<String, Object> rows = new LinkedHashMap<>();
        Map<String, Object> perClass = new LinkedHashMap<>();
        for (int s = 0; s < SPLITS.size(); s++) {
            fractions.put(SPLITS.get(s), c.fractions()[s]);
            rows.put(SPLITS.get(s), Arrays.stream(counts[s]).sum());
            Map<String, Object> k = new LinkedHashMap<>();
            for (int j = 0; j < classes.size(); j++) {
                k.put(classes.get(j), counts[s][j]);
            }
            perClass.put(SPLITS.get(s), k);
        }
        splitInfo.put("fractions", fractions);
        splitInfo.put("seed", c.seed());
        splitInfo.put("stratified", true);
        splitInfo.put("rows", rows);
        splitInfo.put("rows_per_class", perClass);
        Map<String, Object> standardization = new LinkedHashMap<>();
        standardization.put("method", c.standardize() == Standardize.NONE ? "none" : "z-score");
        if (c.standardize() != Standardize.NONE) {
            standardization.put("statistics", c.standardize() == Standardize.TRAIN ? "train" : "all");
            standardization.put("std", "population (divisor n)");
            standardization.put("mean", mean);
            standardization.put("scale", std);
            standardization.put("constant_features", constant);
        }
        Map<String, Object> source = new LinkedHashMap<>();
        source.put("file", c.input().toString());
        source.put("sha256", Checksums.sha256(c.input()));
        source.put("importer", "import-uci");
        source.put("class_column", classAt);
        if (names != null) {
            source.put("features", featureNames(names, classAt));
        }
        source.put("rejected_lines", rejects.size());
        source.put("split", splitInfo);
        source.put("standardization", standardization);

        // all three sets and the rejects are written first, then published: a failure while writing (a full disk)
        // leaves the previous output as it was
        Files.createDirectories(c.output());
        Path rejectsFile = c.output().resolve(REJECTS);
        Path rejectsStaged = c.output().resolve("." + REJECTS + ".writing");
        Map<String, TestSetMetadata> sets = new LinkedHashMap<>();
        List<TestSetWriter> writers = new ArrayList<>();
        try {
            for (int s = 0; s < SPLITS.size(); s++) {
                Map<String, Object> own = new LinkedHashMap<>(source);
                own.put("split_name", SPLITS.get(s));
                TestSetMetadata meta = new TestSetMetadata(new long[] {d}, lo, hi, classes, own);
                TestSetWriter w = new TestSetWriter(c.output().resolve(SPLITS.get(s)), meta, c.doubles(), c.rowsPerFile());
                writers.add(w);
                for (int r = 0; r < lines.size(); r++) {
                    if (splitOf[r] == s) {
                        w.write(lines.get(r).number(), z.get(r), labels[r]);
                    }
                }
                sets.put(SPLITS.get(s), meta);
            }
            if (!rejects.isEmpty()) {
                try (PrintWriter p = new PrintWriter(Files.newBufferedWriter(rejectsStaged))) {
                    p.println("file\tline\tcolumn\treason\trow");
                    for (String[] r : rejects) {
                        p.println(c.input() + "\t" + String.join("\t", r));
                    }
                    if (p.checkError()) { // PrintWriter keeps its IOExceptions to itself
                        throw new IOException("writing " + REJECTS + " failed");
                    }
                }
            }
            for (TestSetWriter w : writers) {
                w.commit();
            }
            if (rejects.isEmpty()) {
                Files.deleteIfExists(rejectsFile); // a previous run's rejects must not outlive it
            } else {
                Files.move(rejectsStaged, rejectsFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (IOException e) { // a full disk, say: nothing of this run is published
            throw new IOException(c.output() + ": writing the test sets failed: " + e.getMessage(), e);
        } finally {
            for (TestSetWriter w : writers) {
                try {
                    w.close(); // drops what was not committed: only after an error, which is the one to report
                } catch (IOException ignored) {
                    // the staging folder is removed all the same (TestSetWriter.close)
                }
            }
            Files.deleteIfExists(rejectsStaged);
        }
        return new Outcome(lines.size(), rejects.size(), rejects.isEmpty() ? null : rejectsFile, classes, counts, mean, std, sets);
    }

    /**
     * The split of every row (index into {@link #SPLITS}): each class's rows, shuffled by one {@link Random} seeded
     * with {@code seed} (classes in label order), are cut into parts of the sizes {@link #apportion} gives.
     */
    static int[] stratifiedSplit(int[] labels, int classes, double[] fractions, long seed) {
        int[] perClass = new int[classes];
        for (int l : labels) {
            perClass[l]++;
        }
        int[][] sizes = apportion(perClass, fractions);
        Random random = new Random(seed);
        int[] splitOf = new int[labels.length];
        for (int k = 0; k < classes; k++) {
            List<Integer> rows = new ArrayList<>();
            for (int r = 0; r < labels.length; r++) {
                if (labels[r] == k) {
                    rows.add(r);
                }
            }
            Collections.shuffle(rows, random);
            int at = 0;
            for (int s = 0; s < fractions.length; s++) {
                for (int i = 0; i < sizes[k][s]; i++) {
                    splitOf[rows.get(at++)] = s;
                }
            }
        }
        return splitOf;
    }

    /**
     * Rows per class and split: each class gets the floor of n_c·f_s, and the rows left over go one at a time to the
     * cells with the largest remainders (ties: earlier split, then lower class) while the split is still short of its
     * total, itself N·f_s rounded by largest remainder. So every class keeps the fractions within one row, and the
     * split totals are the fractions of all rows even when classes are small (per-class rounding alone could leave
     * validation empty).
     */
    static int[][] apportion(int[] perClass, double[] fractions) {
        int parts = fractions.length;
        int total = Arrays.stream(perClass).sum();
        int[] need = new int[parts];
        double[] totalRest = new double[parts];
        int left = total;
        for (int s = 0; s < parts; s++) {
            need[s] = floor(total * fractions[s]);
            totalRest[s] = total * fractions[s] - need[s];
            left -= need[s];
        }
        for (int s : byRemainder(totalRest)) {
            if (left-- > 0) {
                need[s]++;
            }
        }
        int[][] sizes = new int[perClass.length][parts];
        int[] classLeft = perClass.clone();
        double[] rest = new double[perClass.length * parts];
        for (int k = 0; k < perClass.length; k++) {
            for (int s = 0; s < parts; s++) {
                sizes[k][s] = floor(perClass[k] * fractions[s]);
                rest[s * perClass.length + k] = perClass[k] * fractions[s] - sizes[k][s];
                classLeft[k] -= sizes[k][s];
                need[s] -= sizes[k][s];
            }
        }
        for (int cell : byRemainder(rest)) {
            int s = cell / perClass.length;
            int k = cell % perClass.length;
            if (classLeft[k] > 0 && need[s] > 0) {
                sizes[k][s]++;
                classLeft[k]--;
                need[s]--;
            }
        }
        // what the one-per-cell pass could not place: any split still short (the totals agree, so this ends)
        for (int k = 0; k < perClass.length; k++) {
            for (int s = 0; s < parts && classLeft[k] > 0; s++) {
                int n = Math.min(classLeft[k], need[s]);
                sizes[k][s] += n;
                classLeft[k] -= n;
                need[s] -= n;
            }
        }
        return sizes;
    }

    /** 0.7·10 is 6.999…: count it as 7. */
    private static int floor(double q) {
        return (int) Math.floor(q + 1e-9);
    }

    /**
     * Indices by remainder, largest first; ties in index order (split-major cells: earlier split, then lower class).
     * Remainders are compared to 1e-9, so that 178·0.7 and 178·0.2 (both .6 but for rounding) tie as they should.
     */
    private static List<Integer> byRemainder(double[] rest) {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < rest.length; i++) {
            order.add(i);
        }
        order.sort(Comparator.comparingLong((Integer i) -> -Math.round(Math.max(0, rest[i]) * 1e9)).thenComparingInt(i -> i));
        return order;
    }

    /** The distinct class values, sorted: numerically when all are numbers (so "10" follows "9"), else as text. */
    static List<String> classNames(List<Line> lines) {
        TreeSet<String> seen = new TreeSet<>();
        lines.forEach(l -> seen.add(l.cls()));
        List<String> names = new ArrayList<>(seen);
        if (names.stream().allMatch(n -> NUMBER.matcher(n).matches())) {
            names.sort(Comparator.comparing(BigDecimal::new));
        }
        return names;
    }

    /** Resolves {@code first}, {@code last}, a 0-based position (negative: from the end) or a header name. */
    static int classIndex(Path input, String spec, String[] names, int fields) {
        String s = spec == null ? "" : spec.trim();
        if (s.isEmpty()) {
            throw new IllegalArgumentException(input + ": the class column is not given (first, last, a 0-based position or a header name)");
        }
        if (s.equalsIgnoreCase("first")) {
            return 0;
        }
        if (s.equalsIgnoreCase("last")) {
            return fields - 1;
        }
        if (s.matches("-?\\d+")) {
            int i = Integer.parseInt(s);
            int at = i < 0 ? fields + i : i;
            if (at < 0 || at >= fields) {
                throw new IllegalArgumentException(input + ": class column " + s + " is outside the " + fields + " columns");
            }
            return at;
        }
        int at = names == null ? -1 : Arrays.asList(names).indexOf(s);
        if (at < 0) {
            throw new IllegalArgumentException(input + ": class column '" + s + "' not found"
                    + (names == null ? " (no header: give first, last or a 0-based position)" : " in header " + Arrays.toString(names)));
        }
        return at;
    }

    private static List<String> featureNames(String[] names, int classAt) {
        List<String> f = new ArrayList<>(Arrays.asList(names));
        f.remove(classAt);
        return f;
    }

    private static String[] trimmed(String[] v) {
        return Arrays.stream(v).map(String::trim).toArray(String[]::new);
    }

    private static String column(String[] names, int j) {
        return names != null ? names[j] : "column " + j;
    }
}
