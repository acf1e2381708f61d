package io.robustbounds.cli;

import io.robustbounds.aggregate.AggregateJob;
import io.robustbounds.config.Settings;
import io.robustbounds.data.CsvImport;
import io.robustbounds.data.IdxImport;
import io.robustbounds.evaluate.EvaluateJob;
import io.robustbounds.output.OutputFolder;
import io.robustbounds.spark.Provenance;
import io.robustbounds.spark.Sessions;
import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** The job subcommands: import-csv, import-idx, evaluate, aggregate, and pipeline (all three in one session). */
final class JobCommands {
    private JobCommands() {
    }

    @Command(name = "import-csv", mixinStandardHelpOptions = true, description = "Import a CSV file as a Parquet test set (no Spark).")
    static final class ImportCsv implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @Override
        public Integer call() throws Exception {
            importCsv(options.load(), System.out);
            return 0;
        }
    }

    @Command(name = "import-idx", mixinStandardHelpOptions = true,
            description = "Import MNIST-style IDX images (and labels), gzipped or not, as a Parquet test set (no Spark).")
    static final class ImportIdx implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @picocli.CommandLine.Option(names = "--images", paramLabel = "FILE", description = "the IDX images file: import-idx.images")
        String images;

        @picocli.CommandLine.Option(names = "--labels", paramLabel = "FILE", description = "the IDX labels file: import-idx.labels")
        String labels;

        @picocli.CommandLine.Option(names = "--out", paramLabel = "DIR", description = "the test set to write: import-idx.output")
        String out;

        @Override
        public Integer call() throws Exception {
            // shorthands of the keys, as import-uci's and import-caffe's options are
            Shorthands.set(options, "import-idx.images", images);
            Shorthands.set(options, "import-idx.labels", labels);
            Shorthands.set(options, "import-idx.output", out);
            importIdx(options.load(), System.out);
            return 0;
        }
    }

    /** evaluate's subset options, shorthands of evaluate.limit, evaluate.fraction and evaluate.seed. */
    static final class SubsetOptions {
        @picocli.CommandLine.Option(names = "--limit", paramLabel = "N",
                description = "only the first N rows in file order (files by name, rows as stored): evaluate.limit")
        Long limit;

        @picocli.CommandLine.Option(names = "--fraction", paramLabel = "F",
                description = "only the rows whose id hashes below F (about F of them; the same rows on every run): evaluate.fraction")
        Double fraction;

        @picocli.CommandLine.Option(names = "--seed", paramLabel = "S", description = "the hash seed of --fraction: evaluate.seed")
        Long seed;

        void addTo(ConfigOptions options) {
            Shorthands.set(options, "evaluate.limit", limit);
            Shorthands.set(options, "evaluate.fraction", fraction);
            Shorthands.set(options, "evaluate.seed", seed);
        }
    }

    @Command(name = "evaluate", mixinStandardHelpOptions = true,
            description = "Bound and FGS estimate for every row of a Parquet test set; per-sample results, rejects and provenance.")
    static final class Evaluate implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @Mixin
        SubsetOptions subset;

        @Override
        public Integer call() throws Exception {
            subset.addTo(options);
            Settings s = options.load();
            EvaluateJob.Config c = SparkCommands.evaluate(s);
            SparkCommands.evaluateOptions(s, null); // checked before Spark starts
            SparkCommands.progressInterval(s);
            try (SparkSession spark = Sessions.create("robustbounds evaluate", s.sparkMaster())) {
                evaluate(spark, s, c, System.out);
            }
            return 0;
        }
    }

    @Command(name = "aggregate", mixinStandardHelpOptions = true, description = "Per-model tables (means, medians, std, min/max, violations, rates).")
    static final class Aggregate implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @Override
        public Integer call() throws Exception {
            Settings s = options.load();
            AggregateJob.Config c = SparkCommands.aggregate(s);
            for (String r : c.results()) {
                if (!r.contains("://") && !java.nio.file.Files.isDirectory(java.nio.file.Path.of(r))) {
                    throw s.getStringList("aggregate.results").isEmpty()
                            ? s.invalid("run.id", "has no evaluate results (" + r + "): run evaluate first, or name result folders in aggregate.results")
                            : s.invalid("aggregate.results", "names no results folder: " + r);
                }
            }
            try (SparkSession spark = Sessions.create("robustbounds aggregate", s.sparkMaster())) {
                aggregate(spark, s, c, System.out);
            }
            return 0;
        }
    }

    @Command(name = "pipeline", mixinStandardHelpOptions = true,
            description = "import-csv, evaluate, aggregate and (report.enabled) the HTML report in one go.")
    static final class Pipeline implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @picocli.CommandLine.Option(names = "--no-import", description = "skip import-csv: evaluate.test-set exists already")
        boolean noImport;

        @Mixin
        SubsetOptions subset;

        @Override
        public Integer call() throws Exception {
            subset.addTo(options);
            Settings s = options.load();
            EvaluateJob.Config e = SparkCommands.evaluate(s);
            SparkCommands.evaluateOptions(s, null); // checked before the import and Spark start
            SparkCommands.progressInterval(s);
            s.sparkMaster();                        // checked before the import, not in the session's background start
            AggregateJob.Config a = SparkCommands.aggregate(s);
            if (!noImport) {
                importFeedsEvaluate(s, ImportConfigs.importCsv(s).output(), e.testSet());
            }
            // one pipeline of a run id at a time: a second one is refused before its import replaces the test set the first reads
            try (OutputFolder run = OutputFolder.lock(new org.apache.hadoop.fs.Path(e.outputRoot(), e.runId()), new org.apache.hadoop.conf.Configuration())) {
                return pipeline(s, e, a);
            }
        }

        /**
         * The Spark session (and its SQL state) starts in the background while import-csv runs, which needs no Spark: on
         * 2 cores the two overlap by about a second. The last line says where the wall time went.
         */
        private int pipeline(Settings s, EvaluateJob.Config e, AggregateJob.Config a) throws Exception {
            long t0 = System.nanoTime();
            java.util.concurrent.CompletableFuture<SparkSession> starting = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                SparkSession spark = Sessions.create("robustbounds pipeline", s.sparkMaster());
                spark.sessionState(); // Spark SQL's catalog, analyzer and planner: 1–2 s cold, needed by the first query
                return spark;
            });
            double importSeconds = 0;
            try {
                if (!noImport) {
                    importCsv(s, System.out);
                    importSeconds = (System.nanoTime() - t0) / 1e9;
                }
            } catch (Exception | Error failed) {
                starting.thenAccept(SparkSession::stop);
                throw failed;
            }
            SparkSession session;
            try {
                session = starting.join();
            } catch (java.util.concurrent.CompletionException failed) {
                throw failed.getCause() instanceof RuntimeException r ? r : failed;
            }
            double ready = (System.nanoTime() - t0) / 1e9;
            try (SparkSession spark = session) {
                long t1 = System.nanoTime();
                EvaluateJob.Outcome eo = evaluate(spark, s, e, System.out);
                double evaluateSeconds = (System.nanoTime() - t1) / 1e9;
                aggregate(spark, s, a, System.out);
                double seconds = (System.nanoTime() - t1) / 1e9;
                System.out.printf(Locale.ROOT, "pipeline: evaluate + aggregate of %d rows in %.1f s (%.0f rows/s)%n", eo.rowsIn(), seconds,
                        eo.rowsIn() / seconds);
                long t2 = System.nanoTime();
                boolean report = ReportCommand.afterPipeline(spark, s, System.out);
                double reportSeconds = (System.nanoTime() - t2) / 1e9;
                double jvm = (System.currentTimeMillis() - java.lang.management.ManagementFactory.getRuntimeMXBean().getStartTime()) / 1e3
                        - (System.nanoTime() - t0) / 1e9;
                System.out.printf(Locale.ROOT, "time: JVM and command line %.1f s, Spark session %.1f s%s, evaluate %.1f s, aggregate %.1f s%s; "
                                + "%.1f s since the JVM started%n", jvm, ready, noImport ? "" : String.format(Locale.ROOT, " (import-csv %.1f s beside it)",
                                importSeconds), evaluateSeconds, seconds - evaluateSeconds,
                        report ? String.format(Locale.ROOT, ", report %.1f s", reportSeconds) : "", jvm + (System.nanoTime() - t0) / 1e9);
            }
            return 0;
        }
    }

    /**
     * The pipeline evaluates what it imports: import-csv.output and evaluate.test-set must name one folder. Otherwise it
     * would import one test set and evaluate another (an old one, or none), and say nothing.
     */
    static void importFeedsEvaluate(Settings s, java.nio.file.Path imported, String testSet) {
        java.nio.file.Path evaluated = testSet.startsWith("file:") ? java.nio.file.Path.of(java.net.URI.create(testSet))
                : testSet.contains("://") ? null : java.nio.file.Path.of(testSet);
        if (evaluated == null || !imported.toAbsolutePath().normalize().equals(evaluated.toAbsolutePath().normalize())) {
            throw s.invalid("evaluate.test-set", "must be the folder pipeline imports into (import-csv.output = \"" + imported
                    + "\"); set both to one folder, or pass --no-import to evaluate an existing test set");
        }
    }

    static void importCsv(Settings s, PrintStream out) throws Exception {
        CsvImport.Config c = ImportConfigs.importCsv(s);
        CsvImport.Outcome o = CsvImport.run(c);
        out.printf(Locale.ROOT, "import-csv: %s → %s: %d rows, %d rejected%s; shape %s, range [%g, %g], classes %s%n", c.input(), c.output(),
                o.rows(), o.rejects(), o.rejects() > 0 ? " (see " + c.output().resolve("_rejects.csv") + ")" : "",
                java.util.Arrays.toString(o.metadata().shape()), o.metadata().low(), o.metadata().high(), o.metadata().classes());
    }

    static void importIdx(Settings s, PrintStream out) throws Exception {
        IdxImport.Config c = ImportConfigs.importIdx(s);
        long t0 = System.nanoTime();
        IdxImport.Outcome o = IdxImport.run(c);
        out.printf(Locale.ROOT, "import-idx: %s%s → %s: %d rows in %.1f s; shape %s, range [%g, %g], classes %s%n", c.images(),
                c.labels() == null ? " (unlabelled)" : " + " + c.labels(), c.output(), o.rows(), (System.nanoTime() - t0) / 1e9,
                java.util.Arrays.toString(o.metadata().shape()), o.metadata().low(), o.metadata().high(), o.metadata().classes());
    }

    static EvaluateJob.Outcome evaluate(SparkSession spark, Settings s, EvaluateJob.Config c, PrintStream out) {
        Provenance provenance = Provenance.of(s);
        EvaluateJob.Outcome o;
        try (SparkProgress progress = new SparkProgress(spark, "evaluate", SparkCommands.progressInterval(s))) {
            o = EvaluateJob.run(spark, c, provenance, SparkCommands.evaluateOptions(s, progress));
        }
        out.printf(Locale.ROOT, "%nevaluate (%s bounds%s) on %s, %.1f s%n", io.robustbounds.bounds.BoundMode.ids(c.evaluation().modes()),
                c.evaluation().wants(io.robustbounds.bounds.BoundMode.PAPER) ? "; paper: the published formulas, not guarantees" : "",
                spark.sparkContext().master(), o.seconds());
        out.printf(Locale.ROOT, "  rows in %d, evaluated %d, rejected %d%s%n", o.rowsIn(), o.results(), o.rejects(),
                o.rejects() > 0 ? " → " + o.rejectsPath() : "");
        out.printf(Locale.ROOT, "  FGS searched ε in [0, U], U = %s (%s)%n",
                io.robustbounds.evaluate.FgsUpper.number(o.fgsUpper().value()), o.fgsUpper().source());
        if (o.nonFinite() > 0) {
            out.printf(Locale.ROOT, "  NON-FINITE RESULTS: %d sample(s) got a NaN or infinite bound, δ, ‖J‖ or attack norm (counted in the rejects, "
                    + "not as samples without a violation; reasons in %s)%n", o.nonFinite(), o.rejectsPath());
        }
        out.printf(Locale.ROOT, "  FGS found a flip for %d of %d (%.1f%%); violations (a bound above the smallest perturbation the attacks found, over all modes): %d%n", o.fgsSuccesses(), o.results(),
                o.results() == 0 ? 0.0 : 100.0 * o.fgsSuccesses() / o.results(), o.violations());
        out.printf("  results → %s%n", o.resultsPath());
        return o;
    }

    static AggregateJob.Outcome aggregate(SparkSession spark, Settings s, AggregateJob.Config c, PrintStream out) {
        AggregateJob.Outcome o;
        try (SparkProgress ignored = new SparkProgress(spark, "aggregate", SparkCommands.progressInterval(s))) {
            o = AggregateJob.run(spark, c, Provenance.of(s));
        }
        // a line per group and mode; every column is in table.md and table.csv beside the table
        out.printf(Locale.ROOT, "%naggregate: %d group(s), %.1f s, from %s → %s (Parquet; every column in table.md, table.csv)%n%s", o.groups(),
                o.seconds(), o.source(), o.path(), io.robustbounds.report.ConsoleSummary.ofAggregate(spark.read().parquet(o.path()).collectAsList()));
        return o;
    }
}
