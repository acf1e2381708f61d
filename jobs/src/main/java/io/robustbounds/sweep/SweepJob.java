package io.robustbounds.sweep;

import io.robustbounds.spark.HadoopFiles;

import io.robustbounds.spark.Timings;

import io.robustbounds.results.ExactSum;
import io.robustbounds.spark.DriverParquet;
import io.robustbounds.spark.Provenance;
import io.robustbounds.spark.RunOutput;

import io.robustbounds.bounds.BoundMode;
import io.robustbounds.config.ConfigException;
import io.robustbounds.config.SweepConfig;
import io.robustbounds.format.ModelFormat;
import io.robustbounds.format.Npy;
import io.robustbounds.output.OutputFolder;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
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
        Path sweep = new Path(new Path(c.runOutput(), c.runId()), "sweep");
        try (OutputFolder ignored = OutputFolder.claim(sweep, OutputFolder.Kind.SWEEP, HadoopFiles.hadoop())) {
            return run(spark, c, start, provenance, sweep.toString());
        }
    }

    private static Outcome run(SparkSession spark, SweepConfig c, Start start, Provenance provenance, String dir) {
        long t0 = System.nanoTime();
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        FileSystem fs = HadoopFiles.fileSystem(dir);
        prepare(fs, new Path(dir), c, start);

        List<SweepUnit> plan = plan(c);
        Set<String> done = committed(fs, new Path(dir));
        List<SweepUnit> missing = plan.stream().filter(u -> !done.contains(u.file())).toList();
        long evaluated = missing.stream().mapToLong(u -> (long) u.count() * c.cells().get(u.cell()).samplesPerModel()).sum();
        long te = System.nanoTime();
        List<UnitSummary> summaries = new ArrayList<>();
        if (!missing.isEmpty()) {
            int partitions = c.partitions() > 0 ? Math.min(c.partitions(), missing.size()) : missing.size();
            jsc.setJobGroup("sweep-evaluate", "sweep: evaluate " + missing.size() + " units");
            summaries.addAll(jsc.parallelize(missing, partitions).mapPartitions(new UnitTask(c, dir)).collect());
        }
        double evalSeconds = (System.nanoTime() - te) / 1e9;
        Timings timings = new Timings();
        Set<String> after = committed(fs, new Path(dir));
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
                    .map(u -> UnitSummary.of(read(HadoopFiles.fileSystem(dir), dir, u))).collect());
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
            DriverParquet.write(out.staging("table"), HadoopFiles.hadoop(), TABLE_SCHEMA, tableRows(rows).iterator());
            out.writeText("table.csv", SweepTables.csv(rows));
            markdown = SweepTables.markdown(c, rows);
            out.writeText("table.md", markdown + "\n");
            timings.lap("table");
            DriverParquet.write(out.staging("per-model"), HadoopFiles.hadoop(), PER_MODEL_SCHEMA,
                    summaries.stream().flatMap(u -> perModelRows(c, u).stream()).iterator());
            timings.lap("per_model");
            Map<Tuple2<Integer, Integer>, double[]> perModel = perModelMeans(summaries);
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

    /** Checks or creates the sweep folder's state file according to {@code start}. */
    static void prepare(FileSystem fs, Path dir, SweepConfig c, Start start) {
        Path state = new Path(dir, STATE);
        try {
            boolean exists = fs.exists(state);
            if (exists && start == Start.NEW) {
                throw new ConfigException("sweep output " + dir + " exists already (run.id = " + c.runId()
                        + "): pass --resume to compute only its missing units, --fresh to start it over, or choose another run.id");
            }
            if (exists && start == Start.RESUME) {
                String recorded = recordedHash(fs, state);
                if (!recorded.equals(c.hash())) {
                    throw new ConfigException("cannot resume " + dir + ": the sweep configuration changed since it started (config hash "
                            + recorded.substring(0, 12) + "… then, " + c.hash().substring(0, 12) + "… now; the hash covers the seed, "
                            + "models-per-unit, the evaluation settings and every cell). Restore the configuration, use --fresh, or choose another run.id");
                }
                cleanStaleFiles(fs, new Path(dir, "units"));
                return;
            }
            if (fs.exists(dir) && start == Start.FRESH) {
                if (!fs.delete(dir, true)) {
                    throw new IOException("cannot delete " + dir);
                }
            } else if (fs.exists(dir) && !exists && fs.listStatus(dir).length > 0) {
                throw new ConfigException(dir + " exists and is not a sweep output (no " + STATE + "); choose another run.id");
            }
            fs.mkdirs(new Path(dir, "units"));
            String json = "{\n  \"config_hash\": \"" + c.hash() + "\",\n  \"name\": \"" + c.name().replace("\"", "'") + "\",\n  \"models_per_unit\": "
                    + c.modelsPerUnit() + ",\n  \"cells\": " + c.cells().size() + "\n}\n";
            HadoopFiles.commitBytes(fs, state, json.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String recordedHash(FileSystem fs, Path state) throws IOException {
        try (InputStream in = fs.open(state)) {
            String s = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"config_hash\"\\s*:\\s*\"([0-9a-f]{64})\"").matcher(s);
            if (!m.find()) {
                throw new ConfigException(state + ": no config_hash; not a sweep state file");
            }
            return m.group(1);
        }
    }

    /** Files of units that were being written when a run died (never renamed into place): dropped before resuming. */
    private static void cleanStaleFiles(FileSystem fs, Path units) throws IOException {
        if (!fs.exists(units)) {
            return;
        }
        for (FileStatus cell : fs.listStatus(units)) {
            if (cell.isDirectory()) {
                for (FileStatus f : fs.listStatus(cell.getPath())) {
                    if (f.getPath().getName().startsWith(".")) {
                        fs.delete(f.getPath(), false);
                    }
                }
            }
        }
    }

    /** The committed units' relative file names. */
    static Set<String> committed(FileSystem fs, Path dir) {
        Set<String> out = new HashSet<>();
        Path units = new Path(dir, "units");
        try {
            if (!fs.exists(units)) {
                return out;
            }
            for (FileStatus cell : fs.listStatus(units)) {
                if (cell.isDirectory()) {
                    for (FileStatus f : fs.listStatus(cell.getPath())) {
                        String name = f.getPath().getName();
                        if (name.matches("\\d+-\\d+\\.bin")) {
                            out.add("units/" + cell.getPath().getName() + "/" + name);
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    static SweepUnit.Result read(FileSystem fs, String dir, SweepUnit u) {
        Path p = new Path(dir, u.file());
        try (DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(fs.open(p), 1 << 16))) {
            return SweepUnit.Result.read(in, u, p.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read sweep unit " + p, e);
        }
    }

    // ---------------------------------------------------------------- executor side

    private static final AtomicInteger COMMITTED_IN_THIS_JVM = new AtomicInteger();

    /** Evaluates a partition's units, commits each as soon as it is done and returns their summaries. */
    static final class UnitTask implements org.apache.spark.api.java.function.FlatMapFunction<Iterator<SweepUnit>, UnitSummary> {
        private final SweepConfig config;
        private final String dir;

        UnitTask(SweepConfig config, String dir) {
            this.config = config;
            this.dir = dir;
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

    static final StructType PER_MODEL_SCHEMA = new StructType()
            .add("cell", DataTypes.StringType, false)
            .add("model", DataTypes.LongType, false)
            .add("bound_mode", DataTypes.StringType, false)
            .add("samples", DataTypes.IntegerType, false)
            .add("fgs_successes", DataTypes.IntegerType, false)
            .add("violations", DataTypes.IntegerType, false)
            .add("non_finite", DataTypes.IntegerType, false)
            .add("mean_deviation", DataTypes.DoubleType, true);

    /** The per-model table's rows of one unit, from its summary. */
    static List<Row> perModelRows(SweepConfig config, UnitSummary u) {
        String id = config.cells().get(u.unit().cell()).id();
        List<Row> rows = new ArrayList<>();
        for (UnitSummary.Mode m : u.modes()) {
            for (int k = 0; k < u.unit().count(); k++) {
                double mean = m.meanDeviationPerModel()[k];
                rows.add(RowFactory.create(id, u.unit().first() + k, m.mode().id(), u.samplesPerModel(), u.successesPerModel()[k],
                        m.violationsPerModel()[k], u.nonFinitePerModel()[k], Double.isNaN(mean) ? null : mean));
            }
        }
        return rows;
    }

    /**
     * Per (cell, mode) the per-model mean deviations in model order, for the box plots (the thesis' Figures 3.2 and
     * 4.1; models without a flip are left out), from the summaries sorted by cell and first model.
     */
    static Map<Tuple2<Integer, Integer>, double[]> perModelMeans(List<UnitSummary> summaries) {
        Map<Tuple2<Integer, Integer>, java.util.stream.DoubleStream.Builder> out = new LinkedHashMap<>();
        for (UnitSummary u : summaries) {
            for (UnitSummary.Mode m : u.modes()) {
                java.util.stream.DoubleStream.Builder b = out.computeIfAbsent(new Tuple2<>(u.unit().cell(), m.mode().ordinal()),
                        k -> java.util.stream.DoubleStream.builder());
                for (double v : m.meanDeviationPerModel()) {
                    if (!Double.isNaN(v)) {
                        b.add(v);
                    }
                }
            }
        }
        Map<Tuple2<Integer, Integer>, double[]> means = new HashMap<>();
        out.forEach((k, b) -> means.put(k, b.build().toArray()));
        return means;
    }

    // ---------------------------------------------------------------- the table

    static final StructType TABLE_SCHEMA = new StructType()
            .add("cell", DataTypes.StringType, false)
            .add("label", DataTypes.StringType, false)
            .add("bound_mode", DataTypes.StringType, false)
            .add("models", DataTypes.LongType, false)
            .add("samples_per_model", DataTypes.IntegerType, false)
            .add("input_size", DataTypes.IntegerType, false)
            .add("layers", DataTypes.IntegerType, false)
            .add("units", DataTypes.IntegerType, false)
            .add("classes", DataTypes.IntegerType, false)
            .add("activation", DataTypes.StringType, false)
            .add("sample_low", DataTypes.DoubleType, false)
            .add("sample_high", DataTypes.DoubleType, false)
            .add("parameter_low", DataTypes.DoubleType, false)
            .add("parameter_high", DataTypes.DoubleType, false)
            .add("fgs_upper", DataTypes.DoubleType, false)
            .add("samples", DataTypes.LongType, false)
            .add("n", DataTypes.LongType, false)
            .add("fgs_rate", DataTypes.DoubleType, true)
            .add("deviation_mean", DataTypes.DoubleType, true)
            .add("deviation_median", DataTypes.DoubleType, true)
            .add("deviation_std", DataTypes.DoubleType, true)
            .add("deviation_min", DataTypes.DoubleType, true)
            .add("deviation_max", DataTypes.DoubleType, true)
            .add("violations", DataTypes.LongType, false)
            .add("non_finite", DataTypes.LongType, false)
            .add("bound_mean", DataTypes.DoubleType, true)
            .add("eps_mean", DataTypes.DoubleType, true)
            .add("thesis_mean", DataTypes.DoubleType, true)
            .add("thesis_median", DataTypes.DoubleType, true)
            .add("thesis_std", DataTypes.DoubleType, true);

    static List<Row> tableRows(List<CellRow> rows) {
        List<Row> out = new ArrayList<>();
        for (CellRow r : rows) {
            SweepConfig.Cell c = r.cell();
            out.add(RowFactory.create(c.id(), c.label(), r.mode().id(), c.models(), c.samplesPerModel(), c.inputSize(), c.layers(), c.units(),
                    c.classes(), c.activation().id(), c.sampleLow(), c.sampleHigh(), c.paramLow(), c.paramHigh(), c.fgsUpper(), r.samples(),
                    r.n(), nullIfNaN(r.fgsRate()), nullIfNaN(r.mean()), nullIfNaN(r.median()), nullIfNaN(r.std()), nullIfNaN(r.min()),
                    nullIfNaN(r.max()), r.violations(), r.nonFinite(), nullIfNaN(r.boundMean()), nullIfNaN(r.epsMean()), nullIfNaN(c.thesisMean()),
                    nullIfNaN(c.thesisMedian()), nullIfNaN(c.thesisStd())));
        }
        return out;
    }

    static Double nullIfNaN(double v) {
        return Double.isNaN(v) ? null : v;
    }

    static String fmt(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.6g", v);
    }
}
