package io.robustbounds.sweep;

import io.robustbounds.bounds.BoundMode;
import io.robustbounds.config.SweepConfig;
import io.robustbounds.format.ModelFormat;
import io.robustbounds.format.Npy;
import io.robustbounds.output.OutputFolder;
import io.robustbounds.results.ExactSum;
import io.robustbounds.spark.DriverParquet;
import io.robustbounds.spark.HadoopFiles;
import io.robustbounds.spark.JobProgress;
import io.robustbounds.spark.Provenance;
import io.robustbounds.spark.RunOutput;
import io.robustbounds.spark.Timings;
import java.io.DataOutputStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.nd4j.linalg.factory.Nd4j;
import scala.Tuple2;

/**
 * {@code sweep}: the thesis' randomized tests (Tables 3.1 and 4.2) at any size. The driver plans work units
 * (cell, range of model indices) — a few numbers each — and spreads them over partitions; each task generates its
 * models and samples from (cell generator seed, model index), evaluates them stacked, and commits the unit's file
 * under {@code <run.output>/<run.id>/sweep/units/} (written aside, then renamed). Nothing per sample reaches the
 * driver: each task returns its units' summaries ({@link UnitSummary}: exact sums, per-model figures, a 16-bit
 * histogram), merged into the per-cell statistics, and exact medians are found by a radix selection that re-reads
 * the units once or twice ({@link SweepMedians}), so driver and executor memory do not grow with the samples. The
 * tables go to {@code sweep/summary/}, replaced atomically.
 *
 * <p>Resume: the sweep folder records the config hash ({@link SweepConfig#hash}); a resumed run with the same hash
 * computes only the units whose files are missing. Unit boundaries are fixed by the hash, so a committed unit is
 * never computed or counted twice.
 */
public final class SweepJob {

    /** How a run treats an existing sweep folder of the same run id. */
    public enum Start { NEW, RESUME, FRESH }

    /**
     * One table row: a cell's statistics in one bound mode. {@code nonFinite} of the {@code samples} had a non-finite
     * result (in any mode) and are in no other figure: rates and means are over the other samples.
     */
    public record CellRow(SweepConfig.Cell cell, BoundMode mode, long samples, long n, long violations, double mean, double median,
                          double std, double min, double max, double boundMean, double epsMean, long nonFinite) implements Serializable {
        public double fgsRate() {
            return samples == nonFinite ? Double.NaN : (double) n / (samples - nonFinite);
        }
    }

    public record Outcome(String path, String markdown, List<CellRow> rows, long units, long computedUnits, long samples,
                          long evaluatedSamples, double evaluateSeconds, double seconds, long violations, long nonFinite) {
    }

    static final String STATE = "_sweep.json";

    private SweepJob() {
    }

    /** Runs the sweep; its folder is claimed for the whole run ({@link OutputFolder}: one run at a time, never a folder the tool did not write). */
    public static Outcome run(SparkSession spark, SweepConfig c, Start start, Provenance provenance) {
        return run(spark, c, start, provenance, JobProgress.NONE);
    }

    /** {@link #run}, the models of the units computed now counted for {@code progress} as each unit is committed. */
    public static Outcome run(SparkSession spark, SweepConfig c, Start start, Provenance provenance, JobProgress progress) {
        Path sweep = new Path(new Path(c.runOutput(), c.runId()), "sweep");
        try (OutputFolder ignored = OutputFolder.claim(sweep, OutputFolder.Kind.SWEEP, HadoopFiles.hadoop())) {
            return run(spark, c, start, provenance, sweep.toString(), progress);
        }
    }

    private static Outcome run(SparkSession spark, SweepConfig c, Start start, Provenance provenance, String dir, JobProgress progress) {
        long t0 = System.nanoTime();
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        FileSystem fs = HadoopFiles.fileSystem(dir);
        SweepFolder.prepare(fs, new Path(dir), c, start);

        List<SweepUnit> plan = plan(c);
        Set<String> done = SweepFolder.committed(fs, new Path(dir));
        List<SweepUnit> missing = plan.stream().filter(u -> !done.contains(u.file())).toList();
        long evaluated = missing.stream().mapToLong(u -> (long) u.count() * c.cells().get(u.cell()).samplesPerModel()).sum();
        long te = System.nanoTime();
        List<UnitSummary> summaries = new ArrayList<>();
        if (!missing.isEmpty()) {
            int partitions = c.partitions() > 0 ? Math.min(c.partitions(), missing.size()) : missing.size();
            jsc.setJobGroup("sweep-evaluate", "sweep: evaluate " + missing.size() + " units");
            org.apache.spark.util.LongAccumulator models = progress.start(jsc.sc(), "models", missing.stream().mapToLong(SweepUnit::count).sum());
            summaries.addAll(jsc.parallelize(missing, partitions).mapPartitions(new UnitTask(c, dir, models)).collect());
        }
        double evalSeconds = (System.nanoTime() - te) / 1e9;
        Timings timings = new Timings();
        Set<String> after = SweepFolder.committed(fs, new Path(dir));
        for (SweepUnit u : plan) {
            if (!after.contains(u.file())) {
                throw new IllegalStateException("sweep: unit " + u.file() + " was not committed");
            }
        }

        jsc.setJobGroup("sweep-aggregate", "sweep: aggregate " + plan.size() + " units");
        int readPartitions = Math.max(1, Math.min(plan.size(), 4 * jsc.defaultParallelism()));
        List<SweepUnit> resumed = plan.stream().filter(u -> done.contains(u.file())).toList();
        if (!resumed.isEmpty()) {
            summaries.addAll(jsc.parallelize(resumed, Math.max(1, Math.min(resumed.size(), readPartitions)))
                    .map(u -> UnitSummary.of(SweepFolder.read(HadoopFiles.fileSystem(dir), dir, u))).collect());
        }
        summaries.sort(java.util.Comparator.comparingInt((UnitSummary s) -> s.unit().cell()).thenComparingLong(s -> s.unit().first()));
        Map<Tuple2<Integer, Integer>, CellStats> stats = new HashMap<>();
        Map<Tuple2<Integer, Integer>, long[]> firstDigit = new HashMap<>();
        for (UnitSummary u : summaries) {
            for (UnitSummary.Mode m : u.modes()) {
                Tuple2<Integer, Integer> key = new Tuple2<>(u.unit().cell(), m.mode().ordinal());
                stats.computeIfAbsent(key, k -> new CellStats()).add(u, m);
                long[] h = firstDigit.computeIfAbsent(key, k -> new long[1 << 16]);
                for (int b = 0; b < m.bins().length; b++) {
                    h[m.bins()[b]] += m.counts()[b];
                }
            }
        }
        timings.lap("summaries");
        Map<Tuple2<Integer, Integer>, Long> successes = new HashMap<>();
        stats.forEach((k, s) -> successes.put(k, s.successes));
        Map<Tuple2<Integer, Integer>, double[]> medians = SweepMedians.find(jsc, plan, readPartitions, dir, firstDigit, successes,
                SweepMedians.COLLECT_LIMIT);
        timings.lap("medians");

        List<CellRow> rows = new ArrayList<>();
        long violations = 0;
        long nonFinite = 0;
        for (int i = 0; i < c.cells().size(); i++) {
            SweepConfig.Cell cell = c.cells().get(i);
            for (BoundMode m : cell.modes()) {
                Tuple2<Integer, Integer> key = new Tuple2<>(i, m.ordinal());
                CellStats s = stats.get(key);
                double[] med = medians.get(key);
                rows.add(new CellRow(cell, m, s.samples, s.successes, s.violations, s.deviation.mean(s.successes),
                        med == null ? Double.NaN : 0.5 * med[0] + 0.5 * med[1], ExactSum.std(s.deviation, s.squares, s.successes),
                        s.successes == 0 ? Double.NaN : s.min, s.successes == 0 ? Double.NaN : s.max, s.bound.mean(s.samples - s.nonFinite),
                        s.epsilon.mean(s.successes), s.nonFinite));
                violations += s.violations;
                if (m == cell.modes().get(0)) { // a sample once, whatever its modes
                    nonFinite += s.nonFinite;
                }
            }
        }

        RunOutput out = new RunOutput(new Path(c.runOutput(), c.runId()).toString(), "sweep", "summary", HadoopFiles.hadoop());
        String markdown;
        try {
            DriverParquet.write(out.staging("table"), HadoopFiles.hadoop(), SweepTables.TABLE_SCHEMA, SweepTables.tableRows(rows).iterator());
            out.writeText("table.csv", SweepTables.csv(rows));
            markdown = SweepTables.markdown(c, rows);
            out.writeText("table.md", markdown + "\n");
            timings.lap("table");
            DriverParquet.write(out.staging("per-model"), HadoopFiles.hadoop(), SweepTables.PER_MODEL_SCHEMA,
                    summaries.stream().flatMap(u -> SweepTables.perModelRows(c, u).stream()).iterator());
            timings.lap("per_model");
            Map<Tuple2<Integer, Integer>, double[]> perModel = SweepTables.perModelMeans(summaries);
            SweepPlots.write(c, perModel, out, fs);
            timings.lap("plots");
            Map<String, Object> p = provenance.with();
            p.put("step", "sweep");
            p.put("config_hash", c.hash());
            Map<String, Object> seeds = new LinkedHashMap<>();
            c.cells().forEach(cell -> seeds.put(cell.id(), cell.generatorSeed()));
            p.put("cell_generator_seeds", seeds);
            p.put("units", plan.size());
            p.put("units_computed_this_run", missing.size());
            p.put("units_resumed", plan.size() - missing.size());
            p.put("samples", c.totalSamples());
            p.put("samples_evaluated_this_run", evaluated);
            p.put("evaluate_seconds", evalSeconds);
            p.put("samples_per_second", evaluated == 0 ? null : evaluated / evalSeconds);
            p.put("seconds_after_evaluate_by_pass", timings.seconds());
            p.put("violations", violations);
            p.put("non_finite", nonFinite);
            p.put("master", spark.sparkContext().master());
            p.put("seconds", (System.nanoTime() - t0) / 1e9);
            out.writeText("_provenance.json", Provenance.json(p));
            out.commit();
        } catch (RuntimeException e) {
            out.abort();
            throw e;
        }
        return new Outcome(out.target(), markdown, rows, plan.size(), missing.size(), c.totalSamples(), evaluated, evalSeconds,
                (System.nanoTime() - t0) / 1e9, violations, nonFinite);
    }

    /** Units of every cell: {@code models-per-unit} consecutive model indices (the last one of a cell shorter). */
    static List<SweepUnit> plan(SweepConfig c) {
        List<SweepUnit> units = new ArrayList<>();
        for (int i = 0; i < c.cells().size(); i++) {
            long models = c.cells().get(i).models();
            for (long first = 0; first < models; first += c.modelsPerUnit()) {
                units.add(new SweepUnit(i, first, (int) Math.min(c.modelsPerUnit(), models - first)));
            }
        }
        return units;
    }

    // ---------------------------------------------------------------- executor side

    private static final AtomicInteger COMMITTED_IN_THIS_JVM = new AtomicInteger();

    /** Evaluates a partition's units, commits each as soon as it is done and returns their summaries. */
    static final class UnitTask implements org.apache.spark.api.java.function.FlatMapFunction<Iterator<SweepUnit>, UnitSummary> {
        private final SweepConfig config;
        private final String dir;
        private final org.apache.spark.util.LongAccumulator modelsDone; // null: not counted

        UnitTask(SweepConfig config, String dir, org.apache.spark.util.LongAccumulator modelsDone) {
            this.config = config;
            this.dir = dir;
            this.modelsDone = modelsDone;
        }

        @Override
        public Iterator<UnitSummary> call(Iterator<SweepUnit> units) throws Exception {
            io.robustbounds.linalg.Threads.limitOnce(1); // parallelism comes from tasks side by side
            FileSystem fs = HadoopFiles.fileSystem(dir);
            List<UnitSummary> summaries = new ArrayList<>();
            while (units.hasNext()) {
                SweepUnit u = units.next();
                SweepUnit.StackListener writer = config.writeModels() ? SweepJob::writeModels : null;
                writerDir.set(dir);
                SweepUnit.Result r = u.evaluate(config, config.modelsPerStack(), writer);
                java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream(1 << 16);
                try (DataOutputStream out = new DataOutputStream(bytes)) {
                    r.write(out);
                }
                Path target = new Path(dir, u.file());
                fs.mkdirs(target.getParent());
                HadoopFiles.commitBytes(fs, target, bytes.toByteArray());
                summaries.add(UnitSummary.of(r));
                if (modelsDone != null) {
                    modelsDone.add(u.count());
                }
                if (config.failAfterUnits() > 0 && COMMITTED_IN_THIS_JVM.incrementAndGet() >= config.failAfterUnits()) {
                    throw new IllegalStateException("sweep.test-fail-after-units: simulated kill after " + config.failAfterUnits() + " units");
                }
            }
            return summaries.iterator();
        }
    }

    private static final ThreadLocal<String> writerDir = new ThreadLocal<>();

    /** write-models: model folders and sample .npy files under sweep/models/&lt;cell&gt;/ (a local file system). */
    private static void writeModels(SweepUnit unit, long firstModel, io.robustbounds.random.RandomMlp.Chunk chunk) {
        java.nio.file.Path base = java.nio.file.Path.of(writerDir.get(), "models", Integer.toString(unit.cell()));
        int n = chunk.models().size();
        int rows = chunk.samples().length / n;
        int d = chunk.models().get(0).input().shape().length == 1 ? (int) chunk.models().get(0).input().shape()[0] : rows;
        for (int k = 0; k < n; k++) {
            ModelFormat.write(chunk.models().get(k), base.resolve("model-" + (firstModel + k)));
            double[] v = java.util.Arrays.copyOfRange(chunk.samples(), k * rows, (k + 1) * rows);
            Npy.write(Nd4j.createFromArray(v).reshape(rows / d, d), base.resolve("model-" + (firstModel + k) + ".samples.npy"));
        }
    }

    /** Exactly mergeable statistics of one (cell, mode): added in any order, the units give the same numbers. */
    static final class CellStats implements Serializable {
        long samples;
        long successes;
        long violations;
        long nonFinite;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        final ExactSum deviation = new ExactSum();
        final ExactSum squares = new ExactSum();
        final ExactSum bound = new ExactSum();
        final ExactSum epsilon = new ExactSum();

        /** Adds one unit's part (exact, so the order of units does not matter). */
        void add(UnitSummary u, UnitSummary.Mode m) {
            samples += u.samples();
            nonFinite += u.nonFinite();
            successes += u.successes();
            violations += m.violations();
            min = Math.min(min, m.min());
            max = Math.max(max, m.max());
            deviation.merge(m.deviation());
            squares.merge(m.squares());
            bound.merge(m.bound());
            epsilon.merge(u.epsilon());
        }
    }

    // ---------------------------------------------------------------- per-model means
}
