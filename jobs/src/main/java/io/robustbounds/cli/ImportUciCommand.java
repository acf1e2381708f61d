package io.robustbounds.cli;

import io.robustbounds.config.Settings;
import io.robustbounds.data.TestSetMetadata;
import io.robustbounds.data.UciImport;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * import-uci: a UCI-style CSV into train/, test/ and validation/ test sets (stratified seeded split, z-score with
 * training statistics), no Spark. A command of its own rather than more import-csv keys: its output is three
 * sets plus a split, not one set, and import-csv's meaning (one set, integer labels kept) stays as it was.
 * Settings come from the {@code import-uci} block; the options below are shorthands for {@code --set} of their key.
 */
@Command(name = "import-uci", mixinStandardHelpOptions = true,
        description = "Import a UCI-style CSV as train/, test/ and validation/ Parquet test sets: stratified seeded split "
                + "(70/20/10 by default), z-score standardization with training statistics; no Spark.")
final class ImportUciCommand implements Callable<Integer> {
    private static final String KEY = "import-uci.";

    @Mixin
    ConfigOptions options;

    @Option(names = "--input", paramLabel = "FILE", description = "the CSV file (import-uci.input)")
    String input;

    @Option(names = "--class-column", paramLabel = "COL", description = "first | last | 0-based position | header name (import-uci.class-column)")
    String classColumn;

    @Option(names = "--seed", description = "split seed (import-uci.seed)")
    Long seed;

    @Option(names = "--out", paramLabel = "DIR", description = "folder that gets train/, test/, validation/ (import-uci.output)")
    String out;

    @Override
    public Integer call() throws Exception {
        Shorthands.set(options, KEY + "input", input);
        Shorthands.set(options, KEY + "class-column", classColumn);
        Shorthands.set(options, KEY + "seed", seed);
        Shorthands.set(options, KEY + "output", out);
        run(options.load(), System.out);
        return 0;
    }

    static UciImport.Config config(Settings s) {
        List<Double> split = s.getDoubleList(KEY + "split");
        double sum = split.stream().mapToDouble(Double::doubleValue).sum();
        if (split.size() != 3 || split.stream().anyMatch(f -> !(f > 0 && f < 1)) || Math.abs(sum - 1) > 1e-9) {
            throw s.invalid(KEY + "split", "must be [train, test, validation] fractions, each in (0, 1), summing to 1");
        }
        UciImport.Standardize standardize;
        try {
            standardize = UciImport.Standardize.parse(s.getString(KEY + "standardize"));
        } catch (IllegalArgumentException e) {
            throw s.invalid(KEY + "standardize", "must be train, all or none");
        }
        String precision = s.getString(KEY + "precision").toLowerCase(Locale.ROOT);
        if (!precision.equals("float") && !precision.equals("double")) {
            throw s.invalid(KEY + "precision", "must be float or double");
        }
        String delimiter = s.getString(KEY + "delimiter");
        if (delimiter.isEmpty()) {
            throw s.invalid(KEY + "delimiter", "must not be empty");
        }
        return new UciImport.Config(Path.of(io.robustbounds.config.Installation.input(required(s, KEY + "input"))), Path.of(required(s, KEY + "output")), s.getBoolean(KEY + "header"),
                delimiter, required(s, KEY + "class-column"), s.getStringList(KEY + "classes"),
                split.stream().mapToDouble(Double::doubleValue).toArray(), s.getLong(KEY + "seed"), standardize,
                precision.equals("double"), s.getInt(KEY + "rows-per-file", 1));
    }

    static void run(Settings s, PrintStream out) throws Exception {
        UciImport.Config c = config(s);
        long t0 = System.nanoTime();
        UciImport.Outcome o = UciImport.run(c);
        TestSetMetadata meta = o.sets().get("train");
        out.printf(Locale.ROOT, "import-uci: %s → %s/{train,test,validation}: %d rows, %d rejected%s, %.1f s%n", c.input(), c.output(),
                o.rows(), o.rejects(), o.rejectsFile() == null ? "" : " (see " + o.rejectsFile() + ")", (System.nanoTime() - t0) / 1e9);
        out.printf(Locale.ROOT, "  %d features, %d classes; %s; range [%.4g, %.4g]%n", meta.size(), o.classes().size(),
                switch (c.standardize()) {
                    case TRAIN -> "z-score with the training split's mean and std";
                    case ALL -> "z-score with the mean and std of all rows (before the split)";
                    case NONE -> "not standardized";
                }, meta.low(), meta.high());
        out.printf(Locale.ROOT, "  stratified split %s, seed %d:%n", java.util.Arrays.toString(c.fractions()), c.seed());
        int w = Math.max(5, o.classes().stream().mapToInt(String::length).max().orElse(5));
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "  %-" + w + "s %7s %7s %10s %7s%n", "class", "train", "test", "validation", "total"));
        long[] totals = new long[3];
        for (int k = 0; k < o.classes().size(); k++) {
            long all = 0;
            for (int sp = 0; sp < 3; sp++) {
                all += o.counts()[sp][k];
                totals[sp] += o.counts()[sp][k];
            }
            b.append(String.format(Locale.ROOT, "  %-" + w + "s %7d %7d %10d %7d%n", o.classes().get(k),
                    o.counts()[0][k], o.counts()[1][k], o.counts()[2][k], all));
        }
        b.append(String.format(Locale.ROOT, "  %-" + w + "s %7d %7d %10d %7d%n", "total", totals[0], totals[1], totals[2], o.rows()));
        out.print(b);
    }

    static String required(Settings s, String key) {
        String v = s.getString(key);
        if (v.isBlank()) {
            throw s.invalid(key, "must not be empty");
        }
        return v;
    }
}
