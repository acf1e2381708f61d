package io.robustbounds.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.robustbounds.cli.Main;
import io.robustbounds.format.Checksums;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.commons.math3.stat.descriptive.SummaryStatistics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UciImportTest {
    static final double[] THESIS = {0.7, 0.2, 0.1};
    /** Rows per class of the fixture: 50 splits exactly, 31 and 19 need rounding. */
    static final int[] PER_CLASS = {50, 31, 19};
    static final String[] NAMES = {"Iris-a", "Iris-b", "Iris-c"};

    /** Feature j of fixture row r of class k: class-dependent offsets, so classes differ and test means are not 0. */
    static double value(int k, int r, int j) {
        return 3 * k + j + ((r * 37 + j * 11) % 23) / 7.0 + (j == 1 ? 100 : 0);
    }

    /** An iris-like file (class name last, no header), classes interleaved, blank line at the end. */
    static Path fixture(Path dir) throws IOException {
        StringBuilder b = new StringBuilder();
        int[] next = new int[PER_CLASS.length];
        for (int r = 0; r < 100; r++) {
            for (int k = 0; k < PER_CLASS.length; k++) {
                if (next[k] < PER_CLASS[k]) {
                    b.append(value(k, next[k], 0)).append(',').append(value(k, next[k], 1)).append(',').append(value(k, next[k], 2))
                            .append(',').append(NAMES[k]).append('\n');
                    next[k]++;
                }
            }
        }
        b.append('\n');
        return Files.writeString(dir.resolve("iris-like.data"), b);
    }

    static UciImport.Config config(Path in, Path out, String classColumn, boolean header, long seed, UciImport.Standardize st) {
        return new UciImport.Config(in, out, header, ",", classColumn, List.of(), THESIS, seed, st, true, 1000);
    }

    static Map<String, List<TestSetFiles.Row>> splits(Path out) throws IOException {
        return Map.of("train", TestSetFiles.rows(out.resolve("train")), "test", TestSetFiles.rows(out.resolve("test")),
                "validation", TestSetFiles.rows(out.resolve("validation")));
    }

    @Test
    void stratifiedSeventyTwentyTenPerClass(@TempDir Path dir) throws Exception {
        Path in = fixture(dir);
        UciImport.Outcome o = UciImport.run(config(in, dir.resolve("out"), "last", false, 7, UciImport.Standardize.TRAIN));
        assertEquals(100, o.rows());
        assertEquals(List.of("Iris-a", "Iris-b", "Iris-c"), o.classes());
        // 50 → 35/10/5; 31 → 21.7/6.2/3.1 → 22/6/3; 19 → 13.3/3.8/1.9 → 13/4/2 (largest remainders)
        assertArrayEquals(new long[] {35, 22, 13}, o.counts()[0]);
        assertArrayEquals(new long[] {10, 6, 4}, o.counts()[1]);
        assertArrayEquals(new long[] {5, 3, 2}, o.counts()[2]);

        Map<String, List<TestSetFiles.Row>> sets = splits(dir.resolve("out"));
        Set<Long> ids = new HashSet<>();
        for (int s = 0; s < 3; s++) {
            List<TestSetFiles.Row> rows = sets.get(UciImport.SPLITS.get(s));
            for (int k = 0; k < 3; k++) {
                final int kk = k;
                assertEquals(o.counts()[s][k], rows.stream().filter(r -> r.label() == kk).count(), UciImport.SPLITS.get(s) + " class " + k);
            }
            rows.forEach(r -> assertTrue(ids.add(r.id()), "id " + r.id() + " in two splits"));
        }
        // ids are the line numbers 1..100: every line in exactly one split
        assertEquals(java.util.stream.LongStream.rangeClosed(1, 100).boxed().collect(Collectors.toSet()), ids);
        assertEquals(Map.of("train", 70L, "test", 20L, "validation", 10L),
                o.sets().get("test").source().get("split") instanceof Map<?, ?> m ? m.get("rows") : null);
    }

    @Test
    void apportionKeepsClassAndSplitTotals() {
        // wine: 59/71/48 → 41.3/11.8/5.9, 49.7/14.2/7.1, 33.6/9.6/4.8; totals 178 → 125/35/18
        assertArrayEquals(new int[][] {{41, 12, 6}, {50, 14, 7}, {34, 9, 5}}, UciImport.apportion(new int[] {59, 71, 48}, THESIS));
        assertArrayEquals(new int[][] {{35, 10, 5}, {35, 10, 5}, {35, 10, 5}}, UciImport.apportion(new int[] {50, 50, 50}, THESIS));
        // small classes: rounding each alone (4 → 2.8/0.8/0.4 → 3/1/0) would leave validation empty; the totals (21/6/3) keep it
        int[][] small = UciImport.apportion(new int[] {5, 5, 4, 4, 4, 4, 4}, THESIS);
        int[] totals = new int[3];
        for (int k = 0; k < small.length; k++) {
            int n = 0;
            for (int s = 0; s < 3; s++) {
                totals[s] += small[k][s];
                n += small[k][s];
                assertTrue(Math.abs(small[k][s] - (k < 2 ? 5 : 4) * THESIS[s]) < 1 + 1e-9, "class " + k + " split " + s);
            }
            assertEquals(k < 2 ? 5 : 4, n, "class " + k);
        }
        assertArrayEquals(new int[] {21, 6, 3}, totals);
        assertArrayEquals(new int[][] {{1, 0, 0}}, UciImport.apportion(new int[] {1}, THESIS));
    }

    @Test
    void sameSeedSameSplitOtherSeedOtherSplit(@TempDir Path dir) throws Exception {
        Path in = fixture(dir);
        UciImport.run(config(in, dir.resolve("a"), "last", false, 42, UciImport.Standardize.TRAIN));
        UciImport.run(config(in, dir.resolve("b"), "last", false, 42, UciImport.Standardize.TRAIN));
        UciImport.run(config(in, dir.resolve("c"), "last", false, 43, UciImport.Standardize.TRAIN));
        for (String s : UciImport.SPLITS) {
            List<TestSetFiles.Row> a = TestSetFiles.rows(dir.resolve("a").resolve(s));
            List<TestSetFiles.Row> b = TestSetFiles.rows(dir.resolve("b").resolve(s));
            assertEquals(ids(a), ids(b), s);
            for (int i = 0; i < a.size(); i++) {
                assertArrayEquals(a.get(i).features(), b.get(i).features(), s + " row " + a.get(i).id());
            }
        }
        assertNotEquals(ids(TestSetFiles.rows(dir.resolve("a").resolve("train"))), ids(TestSetFiles.rows(dir.resolve("c").resolve("train"))));
    }

    @Test
    void standardizesWithTrainingStatisticsOnly(@TempDir Path dir) throws Exception {
        Path in = fixture(dir);
        Path out = dir.resolve("out");
        UciImport.Outcome o = UciImport.run(config(in, out, "last", false, 3, UciImport.Standardize.TRAIN));
        Map<String, List<TestSetFiles.Row>> sets = splits(out);
        Map<Long, double[]> raw = raw(in);

        // the training rows' raw statistics, computed here independently (population std)
        double[] mean = new double[3];
        double[] std = new double[3];
        for (int j = 0; j < 3; j++) {
            SummaryStatistics st = new SummaryStatistics();
            for (TestSetFiles.Row r : sets.get("train")) {
                st.addValue(raw.get(r.id())[j]);
            }
            mean[j] = st.getMean();
            std[j] = Math.sqrt(st.getPopulationVariance());
        }
        assertArrayEquals(mean, o.mean(), 1e-12);
        assertArrayEquals(std, o.std(), 1e-12);
        for (String s : UciImport.SPLITS) {
            for (TestSetFiles.Row r : sets.get(s)) {
                for (int j = 0; j < 3; j++) {
                    assertEquals((raw.get(r.id())[j] - mean[j]) / std[j], r.features()[j], 1e-12, s + " row " + r.id() + " feature " + j);
                }
            }
        }
        for (int j = 0; j < 3; j++) {
            assertEquals(0, column(sets.get("train"), j).getMean(), 1e-12);
            assertEquals(1, Math.sqrt(column(sets.get("train"), j).getPopulationVariance()), 1e-12);
        }
        // the test split was not used: its mean is not 0 (for some feature, by a margin)
        double worst = 0;
        for (int j = 0; j < 3; j++) {
            worst = Math.max(worst, Math.abs(column(sets.get("test"), j).getMean()));
        }
        assertTrue(worst > 0.01, "test means all ≈ 0: " + worst);

        // range: the actual min and max of the standardized values over all three splits
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (List<TestSetFiles.Row> rows : sets.values()) {
            for (TestSetFiles.Row r : rows) {
                for (double v : r.features()) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            }
        }
        for (String s : UciImport.SPLITS) {
            TestSetMetadata m = TestSetFiles.metadata(out.resolve(s));
            assertArrayEquals(new long[] {3}, m.shape());
            assertEquals(lo, m.low());
            assertEquals(hi, m.high());
            assertEquals(List.of("Iris-a", "Iris-b", "Iris-c"), m.classes());
            assertEquals(Checksums.sha256(in), m.source().get("sha256"));
            assertEquals(s, m.source().get("split_name"));
            Map<?, ?> split = (Map<?, ?>) m.source().get("split");
            assertEquals(3, ((Number) split.get("seed")).intValue());
            assertEquals(Map.of("Iris-a", 35, "Iris-b", 22, "Iris-c", 13), ((Map<?, ?>) split.get("rows_per_class")).get("train"));
            Map<?, ?> z = (Map<?, ?>) m.source().get("standardization");
            assertEquals("train", z.get("statistics"));
            assertEquals(mean[1], ((Number) ((List<?>) z.get("mean")).get(1)).doubleValue(), 1e-12);
        }

        // "all": the statistics of every row, as the thesis' "standardized and then split"
        Path all = dir.resolve("all");
        UciImport.run(config(in, all, "last", false, 3, UciImport.Standardize.ALL));
        List<TestSetFiles.Row> every = new ArrayList<>();
        splits(all).values().forEach(every::addAll);
        assertEquals(0, column(every, 1).getMean(), 1e-12);
        assertTrue(Math.abs(column(TestSetFiles.rows(all.resolve("train")), 1).getMean()) > 1e-6);
    }

    @Test
    void constantFeatureIsCentredNotDividedByZero(@TempDir Path dir) throws Exception {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            b.append(i).append(",5,").append(i % 2).append('\n');
        }
        Path in = Files.writeString(dir.resolve("c.data"), b);
        UciImport.Outcome o = UciImport.run(config(in, dir.resolve("out"), "last", false, 1, UciImport.Standardize.TRAIN));
        assertEquals(1, o.std()[1]);
        TestSetFiles.rows(dir.resolve("out").resolve("test")).forEach(r -> assertEquals(0.0, r.features()[1]));
    }

    @Test
    void classColumnByPositionOrName(@TempDir Path dir) throws Exception {
        // wine-like: numeric class first; with a header for the by-name case
        StringBuilder b = new StringBuilder("kind,a,b\n");
        int[] classes = {10, 2, 9};
        for (int i = 0; i < 30; i++) {
            b.append(classes[i % 3]).append(',').append(i * 0.5).append(',').append(i % 7).append('\n');
        }
        Path in = Files.writeString(dir.resolve("wine-like.csv"), b);
        List<List<Long>> reference = null;
        for (String spec : List.of("first", "0", "-3", "kind")) {
            Path out = dir.resolve("out-" + spec);
            UciImport.Outcome o = UciImport.run(config(in, out, spec, true, 5, UciImport.Standardize.NONE));
            assertEquals(List.of("2", "9", "10"), o.classes(), "numeric class names sort as numbers");
            assertEquals(30, o.rows());
            List<TestSetFiles.Row> train = TestSetFiles.rows(out.resolve("train"));
            for (TestSetFiles.Row r : train) {
                int line = (int) r.id(); // header is line 1, data row i is line i + 2
                int i = line - 2;
                assertEquals(List.of(2, 9, 10).indexOf(classes[i % 3]), r.label(), spec);
                assertArrayEquals(new double[] {i * 0.5, i % 7}, r.features(), spec);
            }
            assertEquals(List.of("a", "b"), o.sets().get("train").source().get("features"));
            List<List<Long>> split = new ArrayList<>();
            for (String s : UciImport.SPLITS) {
                split.add(ids(TestSetFiles.rows(out.resolve(s))));
            }
            if (reference == null) {
                reference = split;
            } else {
                assertEquals(reference, split, spec);
            }
        }
        // class last by position, no header: the same file's last column is a feature column here, so "b" values are classes
        UciImport.Outcome last = UciImport.run(new UciImport.Config(in, dir.resolve("last"), true, ",", "last", List.of(), THESIS, 5,
                UciImport.Standardize.NONE, true, 1000));
        assertEquals(List.of("0", "1", "2", "3", "4", "5", "6"), last.classes());

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> UciImport.run(config(in, dir.resolve("x"), "colour", true, 5, UciImport.Standardize.NONE)));
        assertTrue(e.getMessage().contains("class column 'colour' not found in header [kind, a, b]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> UciImport.run(config(in, dir.resolve("x"), "3", true, 5, UciImport.Standardize.NONE)));
        assertTrue(e.getMessage().contains("class column 3 is outside the 3 columns"), e.getMessage());
    }

    @Test
    void badLinesGoToRejectsWithLineAndColumn(@TempDir Path dir) throws Exception {
        Path in = fixture(dir);
        List<String> lines = new ArrayList<>(Files.readAllLines(in));
        lines.set(4, "1.0,2.0,Iris-a");                 // line 5: a field missing
        lines.set(9, "1.0,?,3.0,Iris-b");               // line 10: UCI's missing value
        lines.set(14, "1.0,2.0,NaN,Iris-c");            // line 15: not a plain number
        lines.set(19, "1.0,2.0,3.0, ");                 // line 20: no class
        lines.set(24, "1.0,2.0,3.0,4.0,Iris-a\r");      // line 25: a field too many (CR of a CRLF file is trimmed)
        Path bad = Files.write(dir.resolve("bad.data"), lines);
        Path out = dir.resolve("out");
        UciImport.Outcome o = UciImport.run(config(bad, out, "last", false, 1, UciImport.Standardize.TRAIN));
        assertEquals(95, o.rows());
        assertEquals(5, o.rejects());
        List<String> rejects = Files.readAllLines(out.resolve(UciImport.REJECTS));
        assertEquals("file\tline\tcolumn\treason\trow", rejects.get(0));
        assertEquals(bad + "\t5\t*\thas 3 fields, expected 4\t1.0,2.0,Iris-a", rejects.get(1));
        assertEquals(bad + "\t10\tcolumn 1\t'?' is not a number\t1.0,?,3.0,Iris-b", rejects.get(2));
        assertEquals(bad + "\t15\tcolumn 2\t'NaN' is not a number\t1.0,2.0,NaN,Iris-c", rejects.get(3));
        assertEquals(bad + "\t20\tcolumn 3\tthe class is empty\t1.0,2.0,3.0,", rejects.get(4));
        assertTrue(rejects.get(5).startsWith(bad + "\t25\t*\thas 5 fields, expected 4"), rejects.get(5));
        long written = 0;
        for (String s : UciImport.SPLITS) {
            List<TestSetFiles.Row> rows = TestSetFiles.rows(out.resolve(s));
            written += rows.size();
            rows.forEach(r -> assertFalse(Set.of(5L, 10L, 15L, 20L, 25L).contains(r.id())));
        }
        assertEquals(95, written);

        // unknown class when classes are given; a clean re-run removes the old rejects file
        UciImport.Outcome given = UciImport.run(new UciImport.Config(in, out, false, ",", "last", List.of("Iris-a", "Iris-b"), THESIS, 1,
                UciImport.Standardize.TRAIN, true, 1000));
        assertEquals(19, given.rejects());
        assertTrue(Files.readString(out.resolve(UciImport.REJECTS)).contains("\tcolumn 3\tclass 'Iris-c' is not one of [Iris-a, Iris-b]\t"));
        UciImport.run(config(in, out, "last", false, 1, UciImport.Standardize.TRAIN));
        assertFalse(Files.exists(out.resolve(UciImport.REJECTS)));
    }

    @Test
    void commandLine(@TempDir Path dir) throws Exception {
        Path in = fixture(dir);
        Path out = dir.resolve("out");
        int code = Main.run("import-uci", "-c", "../conf/robustbounds.conf", "--input", in.toString(), "--out", out.toString(),
                "--seed", "9", "--set", "import-uci.precision=float");
        assertEquals(0, code);
        assertEquals(70, TestSetFiles.rows(out.resolve("train")).size());
        assertEquals(20, TestSetFiles.rows(out.resolve("test")).size());
        assertEquals(10, TestSetFiles.rows(out.resolve("validation")).size());
        // the range holds the stored (float) values exactly
        TestSetMetadata m = TestSetFiles.metadata(out.resolve("validation"));
        assertEquals(m.low(), (float) m.low());
        assertEquals(2, Main.run("import-uci", "-c", "../conf/robustbounds.conf", "--input", in.toString(), "--out", out.toString(),
                "--set", "import-uci.split=[0.7,0.2,0.2]"), "fractions not summing to 1 are a configuration error");
        assertEquals(2, Main.run("import-uci", "-c", "../conf/robustbounds.conf", "--input", in.toString(), "--out", out.toString(),
                "--set", "import-uci.standardize=minmax"));
    }

    private static List<Long> ids(List<TestSetFiles.Row> rows) {
        return rows.stream().map(TestSetFiles.Row::id).toList();
    }

    private static SummaryStatistics column(List<TestSetFiles.Row> rows, int j) {
        SummaryStatistics s = new SummaryStatistics();
        rows.forEach(r -> s.addValue(r.features()[j]));
        return s;
    }

    /** Line number → raw features of a file whose class is last. */
    private static Map<Long, double[]> raw(Path in) throws IOException {
        List<String> lines = Files.readAllLines(in);
        Map<Long, double[]> m = new java.util.HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            if (!lines.get(i).isBlank()) {
                String[] v = lines.get(i).split(",");
                m.put(i + 1L, new double[] {Double.parseDouble(v[0]), Double.parseDouble(v[1]), Double.parseDouble(v[2])});
            }
        }
        return m;
    }
}
