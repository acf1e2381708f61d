package io.robustbounds.cli;

import io.robustbounds.aggregate.AggregateJob;
import io.robustbounds.benchmark.BenchmarkJob;
import io.robustbounds.config.ConfigReader;
import io.robustbounds.config.ConfigSchemas;
import io.robustbounds.config.EvaluationSettings;
import io.robustbounds.config.Settings;
import io.robustbounds.data.CsvImport;
import io.robustbounds.evaluate.EvaluateJob;
import io.robustbounds.evaluate.EvaluateOptions;
import io.robustbounds.spark.JobProgress;
import io.robustbounds.spark.Provenance;
import io.robustbounds.spark.Sessions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code benchmark-suite} (formerly {@code benchmark}): a scheduled suite run with history and regression alerts (exit 1 naming the models). */
@Command(name = "benchmark-suite", aliases = "benchmark", mixinStandardHelpOptions = true,
        description = "Run a benchmark suite (conf/benchmarks/*.conf), append to its history and compare with the previous run; "
                + "exit 1 naming the models with violations or moved statistics; alias: benchmark.")
final class BenchmarkCommand implements Callable<Integer> {
    @Option(names = "--suite", required = true, description = "the suite's configuration, e.g. conf/benchmarks/example.conf")
    Path suite;

    @Option(names = "--set", description = "override a configuration key, e.g. --set benchmark.thresholds.bound-mean=0.05")
    List<String> overrides = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        Settings s = Settings.load(suite, overrides, ConfigSchemas.benchmark());
        BenchmarkJob.Config c = config(s);
        requireInputs(s);
        BenchmarkJob.Outcome o;
        try (SparkSession spark = Sessions.create("robustbounds benchmark " + c.suite(), s.sparkMaster())) {
            Provenance provenance = Provenance.of(s);
            try (SparkProgress ignored = new SparkProgress(spark, "benchmark", SparkCommands.progressInterval(s))) {
                o = BenchmarkJob.run(spark, c, provenance, entryRun(spark, s, c, provenance, EvaluationSettings.fgsUpperAuto(s)));
            }
        }
        System.out.printf(Locale.ROOT, "%nbenchmark %s, run %s: %d entries, %.1f s; history → %s%n", c.suite(), o.runId(),
                c.entries().size(), o.seconds(), c.history());
        System.out.println(o.firstRun() ? "first run of this suite in the history: nothing to compare with" : "compared with " + o.baseline());
        System.out.println("| entry | model | mode | n | accuracy | FGS rate | ε mean | bound mean | violations |");
        System.out.println("|---|---|---|---|---|---|---|---|---|");
        for (Row r : o.rows()) {
            System.out.printf(Locale.ROOT, "| %s | %s | %s | %d | %s | %s | %s | %s | %d |%n", r.getAs("entry"), r.getAs("model"),
                    r.getAs("bound_mode"), r.<Long>getAs("n"), fmt(r.getAs("accuracy")), fmt(r.getAs("fgs_rate")), fmt(r.getAs("eps_mean")),
                    fmt(r.getAs("bound_mean")), r.<Long>getAs("violations"));
        }
        if (o.alerts().isEmpty()) {
            System.out.println("\nno alerts");
            return 0;
        }
        System.out.println("\nALERTS:");
        o.alerts().forEach(a -> System.out.println("  " + a));
        List<String> sets = o.alerts().stream().filter(a -> a.testSet() != null).map(a -> a.entry() + " (" + a.testSet() + ")").distinct().toList();
        System.err.println("benchmark " + c.suite() + ": alerts for model(s) "
                + String.join(", ", o.alerts().stream().map(BenchmarkJob.Alert::model).distinct().toList())
                + (sets.isEmpty() ? "" : "; test set changed: " + String.join(", ", sets)) + "; compared with " + o.baseline());
        return 1;
    }

    /**
     * An entry of the suite: the evaluate and aggregate jobs under the entry's run id, by model and bound mode;
     * {@code deriveFgsUpper}: U from each entry's test set ({@code evaluation.fgs-upper = auto}).
     */
    static BenchmarkJob.EntryRun entryRun(SparkSession spark, Settings s, BenchmarkJob.Config c, Provenance provenance,
                                          boolean deriveFgsUpper) {
        // the suite's evaluate keys as evaluate reads them (on-bad-row, allow-class-mismatch, the subset, rows per task),
        // read and checked once, before any entry's work
        boolean failOnBadRow = SparkCommands.failOnBadRow(s);
        boolean allowClassMismatch = SparkCommands.allowClassMismatch(s);
        EvaluateOptions read = SparkCommands.evaluateOptions(s, JobProgress.NONE);
        EvaluateOptions options = new EvaluateOptions(read.progress(), read.subset(), read.rowsPerTask(), deriveFgsUpper);
        return (e, run) -> {
            if (e.csv() != null) { // imported at every run with the suite's import-csv settings: the entry needs nothing prepared
                CsvImport.Config base = ImportConfigs.importCsv(s);
                try {
                    CsvImport.run(new CsvImport.Config(Path.of(e.csv()), Path.of(e.testSet()), base.header(), base.delimiter(), base.labelColumn(),
                            base.classes(), base.range(), base.rowsPerFile(), base.doubles()));
                } catch (java.io.IOException x) {
                    throw new java.io.UncheckedIOException(x);
                }
            }
            EvaluateJob.run(spark, new EvaluateJob.Config(e.model(), e.testSet(), c.outputRoot(), run, c.batchSize(),
                    failOnBadRow, c.partitions(), c.evaluation(), List.of("model"), allowClassMismatch), provenance, options);
            String results = Path.of(c.outputRoot(), run, "evaluate", "results").toString();
            return AggregateJob.run(spark, new AggregateJob.Config(List.of(results), c.outputRoot(), run, List.of("model", "bound_mode")),
                    provenance).path();
        };
    }

    /**
     * Every entry's inputs exist before any work (local paths; a URI is left to the job): its model, and its csv or else its
     * test set. Paths are relative to the working directory; a model or csv under conf/ or ../ missing there is the
     * installation's (the example suite runs from any folder).
     */
    static void requireInputs(Settings s) {
        for (ConfigReader e : s.getObjectList("benchmark.entries")) {
            String csv = e.getStringOr("csv", "");
            if (csv.isBlank()) {
                if (absent(e.getString("test-set"))) {
                    throw e.invalid("test-set", "names no file or folder (import the test set first, or give the entry a csv to import into it "
                            + "at each run)");
                }
            } else if (absent(io.robustbounds.config.Installation.input(csv))) {
                throw e.invalid("csv", "names no file");
            }
            if (absent(e.getInputPath("model"))) {
                throw e.invalid("model", "names no model folder or file");
            }
        }
    }

    private static boolean absent(String path) {
        return !path.contains("://") && !Files.exists(Path.of(path));
    }

    private static String fmt(Object v) {
        return v == null ? "—" : String.format(Locale.ROOT, "%.6g", (Double) v);
    }

    /**
     * Keys of the main configuration that a suite includes but does not read, with what takes their place. Set to
     * anything but their shipped value (in the suite, a file it includes, or --set) they are refused: a suite would
     * otherwise run as if they were not there.
     */
    static final java.util.Map<String, String> NOT_READ = java.util.Map.ofEntries(
            java.util.Map.entry("run", "a suite's runs are named by benchmark.run-id and written under benchmark.output"),
            java.util.Map.entry("report", "a suite writes no HTML report: its record is benchmark.history"),
            java.util.Map.entry("aggregate", "a suite aggregates by model and bound mode"),
            java.util.Map.entry("evaluate.model", "each entry of benchmark.entries names its model"),
            java.util.Map.entry("evaluate.test-set", "each entry of benchmark.entries names its test set"),
            java.util.Map.entry("evaluate.batch-size", "a suite's batch size is benchmark.batch-size"),
            java.util.Map.entry("evaluate.partitions", "a suite's partitions are benchmark.partitions"),
            java.util.Map.entry("import-csv.input", "an entry's CSV file is its csv key"),
            java.util.Map.entry("import-csv.output", "an entry's CSV is imported into its test-set"),
            java.util.Map.entry("import-idx", "a suite imports CSV entries only"),
            java.util.Map.entry("import-uci", "a suite imports CSV entries only"),
            java.util.Map.entry("import-cifar", "a suite imports CSV entries only"),
            java.util.Map.entry("import-caffe", "a suite imports CSV entries only"));

    static void refuseUnread(Settings s) {
        com.typesafe.config.Config shipped = ConfigSchemas.main();
        for (java.util.Map.Entry<String, com.typesafe.config.ConfigValue> kv : s.config().entrySet().stream()
                .sorted(java.util.Map.Entry.comparingByKey()).toList()) {
            String key = kv.getKey();
            for (java.util.Map.Entry<String, String> nr : NOT_READ.entrySet()) {
                if ((key.equals(nr.getKey()) || key.startsWith(nr.getKey() + "."))
                        && !(shipped.hasPath(key) && same(shipped.getValue(key).unwrapped(), kv.getValue().unwrapped()))) {
                    throw s.invalid(key, "is not read by benchmark-suite (" + nr.getValue() + "); remove it or leave its shipped value");
                }
            }
        }
    }

    private static boolean same(Object a, Object b) {
        return a instanceof Number x && b instanceof Number y ? x.doubleValue() == y.doubleValue() : a.equals(b);
    }

    static BenchmarkJob.Config config(Settings s) {
        refuseUnread(s);
        String name = s.getString("benchmark.name");
        if (name.isBlank()) {
            throw s.invalid("benchmark.name", "must not be empty");
        }
        List<BenchmarkJob.Entry> entries = new ArrayList<>();
        for (ConfigReader e : s.getObjectList("benchmark.entries")) {
            String en = e.getString("name");
            if (!en.matches("[A-Za-z0-9._-]+")) {
                throw e.invalid("name", "must be letters, digits, '.', '_' or '-'");
            }
            String csv = e.getStringOr("csv", "");
            // conf/… and ../… inputs missing here are the installation's, as everywhere (Installation.input)
            entries.add(new BenchmarkJob.Entry(en, e.getInputPath("model"), e.getString("test-set"),
                    csv.isBlank() ? null : io.robustbounds.config.Installation.input(csv)));
        }
        if (entries.isEmpty()) {
            throw s.invalid("benchmark.entries", "must list at least one {name, model, test-set}");
        }
        if (entries.stream().map(BenchmarkJob.Entry::name).distinct().count() != entries.size()) {
            throw s.invalid("benchmark.entries", "must have distinct names");
        }
        String runId = s.getString("benchmark.run-id");
        if (runId.isBlank()) {
            runId = name + "-" + DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC).format(java.time.Instant.now());
        }
        BenchmarkJob.Thresholds t = new BenchmarkJob.Thresholds(s.getDouble("benchmark.thresholds.bound-mean"),
                s.getDouble("benchmark.thresholds.bound-median"), s.getDouble("benchmark.thresholds.eps-mean"),
                s.getDouble("benchmark.thresholds.eps-median"), s.getDouble("benchmark.thresholds.fgs-rate"),
                s.getDouble("benchmark.thresholds.accuracy"));
        return new BenchmarkJob.Config(name, entries, s.getString("benchmark.history"), s.getString("benchmark.output"), runId,
                s.getInt("benchmark.batch-size", 1), s.getInt("benchmark.partitions", 0), EvaluationSettings.read(s), t);
    }
}
