package io.robustbounds.evaluate;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.input_file_name;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.when;

import io.robustbounds.data.TestSetMetadata;
import io.robustbounds.data.TestSetSchema;
import io.robustbounds.data.TestSets;
import io.robustbounds.eval.EvalSettings;
import io.robustbounds.eval.ModelEvaluator;
import io.robustbounds.evaluate.PartitionEvaluator.PartitionStats;
import io.robustbounds.format.Checksums;
import io.robustbounds.format.ModelFormat;
import io.robustbounds.model.Model;
import io.robustbounds.results.NonFinite;
import io.robustbounds.results.ResultSchema;
import io.robustbounds.results.ResultSummary;
import io.robustbounds.spark.DriverParquet;
import io.robustbounds.spark.Provenance;
import io.robustbounds.spark.RunOutput;
import io.robustbounds.spark.SparkInternals;
import io.robustbounds.spark.TaskParquetFile;
import io.robustbounds.spark.Timings;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.CollectionAccumulator;
import org.apache.spark.util.SerializableConfiguration;

/**
 * {@code evaluate}: model + Parquet test set → per-sample results, rejects and provenance under a run id.
 *
 * <p>The driver checks the model and every test-set footer before any work starts (shape mismatch, missing
 * column, unreadable file: an error naming the file), and reads the test set with the schema those footers give
 * (no schema-inference job). One pass then validates, evaluates and writes the results
 * ({@link PartitionEvaluator}); bad rows (null or wrong-length features, NaN/Inf, label out of range) are counted
 * there, and written to {@code rejects} with their file, id, column and reason by a second pass that runs only when
 * there are any ({@link RejectRows}); with {@code on-bad-row = fail} the job stops naming the first one (in partition
 * order) when the pass ends, and writes nothing. A sample whose results are not all finite ({@link NonFinite}) is a
 * reject too, written by the evaluation pass itself ({@link NonFiniteRejects}) and counted apart ({@code non_finite}
 * in the provenance, {@link Outcome#nonFinite}); with {@code on-bad-row = fail} the job stops naming the first.
 *
 * <p>Duplicate ids: every partition of the pass reports its runs of strictly increasing ids as [first, last]
 * ranges. Pairwise disjoint ranges prove there are none (the usual case: ids numbered file by file, one run a file);
 * otherwise the ids alone are counted with a narrow aggregation, and only when some id occurs more than once are
 * all rows of it taken out of the results and written to the rejects ("duplicate id: k rows share it"). Counts come
 * from the partitions' statistics, not from reading the outputs again. The model is broadcast once as its zip
 * bytes and rebuilt once per partition.
 */
public final class EvaluateJob {
    /** The configuration key that lets evaluate and accuracy run on a test set whose class names are not the model's. */
    public static final String ALLOW_CLASS_MISMATCH = "evaluate.allow-class-mismatch";

    /**
     * Typed settings of the job. {@code summaryKeys}: the aggregate's group-by, for which the results are summarized
     * ({@link ResultSummary}); empty: none. {@code allowClassMismatch}: evaluate even when the test set's class names
     * are not the model's ({@link #ALLOW_CLASS_MISMATCH}).
     */
    public record Config(String model, String testSet, String outputRoot, String runId, int batchSize, boolean failOnBadRow,
                         int partitions, EvalSettings evaluation, List<String> summaryKeys, boolean allowClassMismatch) {
        public Config {
            if (batchSize < 1) {
                throw new IllegalArgumentException("evaluate.batch-size must be >= 1, got " + batchSize);
            }
        }

        /** Class names of the test set and the model must agree. */
        public Config(String model, String testSet, String outputRoot, String runId, int batchSize, boolean failOnBadRow,
                      int partitions, EvalSettings evaluation, List<String> summaryKeys) {
            this(model, testSet, outputRoot, runId, batchSize, failOnBadRow, partitions, evaluation, summaryKeys, false);
        }

        /** Summarized by model (the aggregate's default). */
        public Config(String model, String testSet, String outputRoot, String runId, int batchSize, boolean failOnBadRow,
                      int partitions, EvalSettings evaluation) {
            this(model, testSet, outputRoot, runId, batchSize, failOnBadRow, partitions, evaluation, List.of("model"));
        }
    }

    /** Counts for the summary and the provenance; {@code nonFinite} of the {@code rejects} are samples with non-finite results. */
    public record Outcome(long rowsIn, long results, long rejects, long violations, long fgsSuccesses, String resultsPath,
                          String rejectsPath, double seconds, long nonFinite, FgsUpper fgsUpper) {
    }

    private EvaluateJob() {
    }

    public static Outcome run(SparkSession spark, Config c, Provenance provenance) {
        return run(spark, c, provenance, EvaluateOptions.DEFAULT);
    }

    /** {@link #run}: the rows of {@code options.subset()}, in tasks of {@code options.rowsPerTask()} rows, samples counted for {@code options.progress()}. */
    public static Outcome run(SparkSession spark, Config c, Provenance provenance, EvaluateOptions options) {
        long t0 = System.nanoTime();
        Timings timings = new Timings();
        // Spark SQL's session state (catalog, analyzer, planner: 1–2 s cold) and then the plan of the test set's read
        // (analysis, optimization, generated code: ~1 s cold) are made in the background once the footers are read,
        // while the driver reads and checks the model; the broadcast below waits for them
        CompletableFuture<Void> sessionState = CompletableFuture.runAsync(spark::sessionState);
        Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        List<String> files = TestSets.files(c.testSet(), hadoop);
        TestSets.Footers footers = TestSets.footers(files, hadoop);
        TestSetMetadata meta = footers.metadata();
        timings.lap("footers");
        CompletableFuture<Planned> planning = sessionState.thenApplyAsync(x -> {
            Dataset<Row> input = options.subset().rows(spark, c.testSet(), footers);
            Dataset<Row> rows = c.partitions() > 0 ? input.repartition(c.partitions()) : input;
            return new Planned(input, options.planned(spark, footers, () -> SparkInternals.rows(rows)));
        });
        Model model = ModelFormat.read(java.nio.file.Path.of(c.model()));
        ModelEvaluator.of(model, c.evaluation()); // fails here, before any work, on a model the evaluators cannot run
        meta.requireInputOf(model, c.testSet());
        meta.requireClassesOf(model, c.testSet(), c.allowClassMismatch(), ALLOW_CLASS_MISMATCH);
        FgsUpper fgsUpper = options.deriveFgsUpper() ? FgsUpper.derive(meta) : FgsUpper.given(c.evaluation().fgsUpper());
        EvalSettings evaluation = c.evaluation().withFgsUpper(fgsUpper.value());
        int d = (int) meta.size();
        int classes = model.classes();
        timings.lap("model");
        Planned planned = join(planning);
        timings.lap("plan");
        Dataset<Row> input = planned.input();
        RDD<InternalRow> in = planned.rows();
        RowCheck check = check(input, d, classes);
        long rowsKept = options.subset().count(footers, input);
        org.apache.spark.util.LongAccumulator rowsDone = options.progress().start(spark.sparkContext(), "samples", rowsKept);

        RunOutput out = new RunOutput(c.outputRoot(), c.runId(), "evaluate", hadoop);
        Dataset<Row> duplicates = null;
        try {
            JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            byte[] modelBytes = ModelFormat.toZipBytes(model);
            Broadcast<byte[]> broadcastModel = jsc.broadcast(modelBytes);
            CollectionAccumulator<PartitionStats> accumulator = spark.sparkContext().collectionAccumulator("evaluate: partition statistics");
            ResultSummary.Layout summaryLayout = c.summaryKeys().isEmpty() ? null : ResultSummary.Layout.of(c.summaryKeys());
            PartitionEvaluator evaluator = new PartitionEvaluator(broadcastModel, c.batchSize(), evaluation,
                    check, c.failOnBadRow(), accumulator, summaryLayout, out.staging("summary"), out.staging("rejects.non-finite"),
                    SerializableConfiguration.broadcast(spark.sparkContext(), hadoop)).countingRows(rowsDone);
            timings.lap("broadcast");
            out.makePart("results");
            in.toJavaRDD().foreachPartition(evaluator.writingTo(out.staging("results")));
            out.dropUnfinished("results");
            if (!out.hasFiles("results")) { // every partition was empty or rejected: the folder still tells the schema
                TaskParquetFile.of(out.staging("results"), 0, ResultSchema.SCHEMA, ResultSchema.WRITE_OPTIONS, hadoop).commitAlways();
            }
            Totals totals = Totals.of(accumulator.value(), in.getNumPartitions());
            timings.lap("validate_evaluate_write");
            if (c.failOnBadRow() && (totals.firstBad() != null || totals.firstNonFinite() != null)) {
                throw new IllegalArgumentException((totals.firstBad() != null ? totals.firstBad() : totals.firstNonFinite()) + " (on-bad-row = fail)");
            }

            if (!totals.idsDisjointAndIncreasing()) {
                duplicates = input.select("id").where(col("id").isNotNull()).groupBy("id").count().where("count > 1")
                        .select(col("id").as("dup_id"), col("count").as("dup_count")).persist(StorageLevel.MEMORY_AND_DISK());
                if (duplicates.isEmpty()) {
                    duplicates.unpersist();
                    duplicates = null;
                }
            }
            timings.lap("duplicate_check");
            long resultCount = totals.results();
            long violations = totals.violations();
            long fgsSuccesses = totals.fgsSuccesses();
            if (duplicates != null) {
                if (c.failOnBadRow()) {
                    Row r = input.join(broadcast(duplicates), input.col("id").equalTo(duplicates.col("dup_id")))
                            .select("file", "id", "dup_count").orderBy("file", "id").first();
                    throw new IllegalArgumentException(r.getString(0) + " row id " + r.getLong(1) + ": column id: duplicate id: " + r.getLong(2)
                            + " rows share it (on-bad-row = fail)");
                }
                // every row of a duplicated id leaves the results (they go to the rejects below)
                Dataset<Row> kept = spark.read().parquet(out.staging("results"))
                        .join(broadcast(duplicates), col("id").equalTo(duplicates.col("dup_id")), "left_anti");
                kept.write().mode(SaveMode.Overwrite).parquet(out.staging("results.without-duplicates"));
                out.replacePart("results", "results.without-duplicates");
                String first = c.evaluation().mode().id(); // one row per sample and mode: count samples in the first mode's rows
                Row t = spark.read().parquet(out.staging("results")).selectExpr("count_if(bound_mode = '" + first + "')",
                        "coalesce(sum(cast(violation as long)), 0L)", "coalesce(sum(CASE WHEN bound_mode = '" + first
                                + "' AND fgs_success THEN 1L ELSE 0L END), 0L)").first();
                resultCount = t.getLong(0);
                violations = t.getLong(1);
                fgsSuccesses = t.getLong(2);
                timings.lap("duplicates_out_of_results");
            }
            boolean summarized = summaryLayout != null && duplicates == null; // rows taken out for duplicate ids are in the summaries
            if (summarized) {
                ResultSummary.seal(out.fileSystem(), out.staging("summary"), out.staging("results"), summaryLayout, in.getNumPartitions());
            } else {
                out.deletePart("summary");
            }
            timings.lap("summary");
            long rejectCount = totals.rows() - resultCount;
            if (totals.bad() > 0 || duplicates != null) {
                Dataset<Row> flagged = duplicates == null ? input.withColumn("dup_count", lit(null).cast("long"))
                        : input.join(broadcast(duplicates), input.col("id").equalTo(duplicates.col("dup_id")), "left").drop("dup_id");
                RDD<InternalRow> rejects = SparkInternals.rows(flagged).toJavaRDD().mapPartitions(new RejectRows(check)).rdd();
                SparkInternals.dataFrame(spark, rejects, ResultSchema.REJECTS).write().mode(SaveMode.Overwrite).parquet(out.staging("rejects"));
            } else {
                DriverParquet.write(out.staging("rejects"), hadoop, ResultSchema.REJECTS, java.util.Collections.emptyIterator());
            }
            if (totals.nonFinite() > 0 && duplicates != null) { // a row of a duplicated id is in the rejects once, as a duplicate
                spark.read().schema(ResultSchema.REJECTS).parquet(out.staging("rejects.non-finite"))
                        .join(broadcast(duplicates), col("id").equalTo(col("dup_id")), "left_anti")
                        .write().mode(SaveMode.Append).parquet(out.staging("rejects"));
                out.deletePart("rejects.non-finite");
            } else {
                NonFiniteRejects.moveInto(out.fileSystem(), out.staging("rejects.non-finite"), out.staging("rejects"));
            }
            timings.lap("rejects");
            double seconds = (System.nanoTime() - t0) / 1e9;

            Map<String, Object> p = provenance.with();
            p.put("step", "evaluate");
            p.put("run_id", c.runId());
            p.put("spark_master", spark.sparkContext().master());
            p.put("model", Map.of("path", c.model(), "name", model.name(), "sha256_zip", Checksums.sha256(modelBytes), "provenance", model.provenance()));
            p.put("test_set", Map.of("path", c.testSet(), "metadata", meta.toJson(), "files", files.size()));
            p.put("subset", options.subset().describe(footers, rowsKept));
            p.put("fgs_upper", Map.of("value", fgsUpper.value(), "source", fgsUpper.source()));
            p.put("partitions", in.getNumPartitions());
            p.put("bound_modes", c.evaluation().modes().stream().map(io.robustbounds.bounds.BoundMode::id).toList());
            p.put("attacks", c.evaluation().attacks());
            p.put("summarized_by", summarized ? summaryLayout.keys() : List.of());
            p.put("seconds", seconds);
            p.put("seconds_by_pass", timings.seconds());
            p.put("rows_in", totals.rows());
            p.put("rows_out", resultCount);
            p.put("rows_rejected", rejectCount);
            p.put("violations", violations);
            p.put("non_finite", totals.nonFinite());
            out.writeText("_provenance.json", Provenance.json(p));
            out.commit();
            return new Outcome(totals.rows(), resultCount, rejectCount, violations, fgsSuccesses, out.path("results"), out.path("rejects"), seconds,
                    totals.nonFinite(), fgsUpper);
        } catch (RuntimeException e) {
            out.abort();
            throw e;
        } finally {
            if (duplicates != null) {
                duplicates.unpersist();
            }
        }
    }

    /** A test set's rows as (id long, features array of float or double, label int, file string) and their check. */
    record Input(Dataset<Row> rows, RowCheck check) {
    }

    /** The test set's rows, and their read planned as internal rows (repartitioned if asked). */
    private record Planned(Dataset<Row> input, RDD<InternalRow> rows) {
    }

    /** The value of a background step, or its exception as thrown there. */
    private static <T> T join(CompletableFuture<T> f) {
        try {
            return f.join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw e;
        }
    }

    /** {@link #rows} and {@link #check}. */
    static Input input(SparkSession spark, String testSet, TestSets.Footers footers, int inputSize, int classes) {
        Dataset<Row> rows = rows(spark, testSet, footers);
        return new Input(rows, check(rows, inputSize, classes));
    }

    /**
     * Reads a test set with the schema its footers give (no schema-inference job) as {@link RowCheck}'s rows:
     * ids cast to long, features kept as float or double arrays, labels as int, the source file of every row, and
     * (column {@link RowCheck#LABEL_OUT_OF_RANGE}) a long label that does not fit an int, which the check rejects
     * (a cast would wrap it into another class, or fail the task). Files whose column types differ (float and double
     * features in one set) are each read with their own schema, their features as double.
     */
    static Dataset<Row> rows(SparkSession spark, String testSet, TestSets.Footers footers) {
        if (footers.columns() != null || footers.filesByColumns() == null) {
            return normalized(read(spark, testSet, footers.columns(), testSet), false);
        }
        Dataset<Row> all = null;
        for (Map.Entry<org.apache.parquet.schema.MessageType, List<String>> kind : footers.filesByColumns().entrySet()) {
            Dataset<Row> part = normalized(read(spark, testSet, kind.getKey(), kind.getValue().toArray(String[]::new)), true);
            all = all == null ? part : all.union(part);
        }
        return all;
    }

    /** The files read with the Spark schema of {@code columns} (inferred when null). */
    static Dataset<Row> read(SparkSession spark, String testSet, org.apache.parquet.schema.MessageType columns, String... paths) {
        DataFrameReader reader = spark.read();
        if (columns != null) {
            reader = reader.schema(SparkInternals.sparkSchema(spark, columns));
        }
        try {
            return reader.parquet(paths);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(testSet + ": cannot read the test set (" + e.getMessage() + ")", e);
        }
    }

    static Dataset<Row> normalized(Dataset<Row> raw, boolean doubles) {
        DataType featureType = raw.schema().apply(TestSetSchema.FEATURES).dataType();
        DataType element = featureType instanceof ArrayType a ? a.elementType() : null;
        boolean native_ = DataTypes.DoubleType.equals(element) || DataTypes.FloatType.equals(element) && !doubles;
        Column features = native_ ? col(TestSetSchema.FEATURES) : col(TestSetSchema.FEATURES).cast("array<double>");
        Column label = col(TestSetSchema.LABEL);
        Column fits = label.between(Integer.MIN_VALUE, Integer.MAX_VALUE);
        boolean wide = DataTypes.LongType.equals(raw.schema().apply(TestSetSchema.LABEL).dataType());
        return raw.select(col(TestSetSchema.ID).cast("long").as("id"), features.as("features"),
                (wide ? when(fits, label.cast("int")) : label.cast("int")).as("label"), input_file_name().as("file"),
                (wide ? when(not(fits), label) : lit(null).cast("long")).as("label_out_of_range"));
    }

    /** The check of {@link #rows}' rows: features of this many elements, labels in [0, classes). */
    static RowCheck check(Dataset<Row> rows, int inputSize, int classes) {
        DataType featureType = rows.schema().apply("features").dataType();
        DataType element = featureType instanceof ArrayType a ? a.elementType() : null;
        boolean nullableElements = !(featureType instanceof ArrayType a) || a.containsNull();
        return new RowCheck(inputSize, classes, DataTypes.FloatType.equals(element), nullableElements);
    }

    /** The partitions' statistics added up, each partition once (whatever attempts reported it). */
    record Totals(long rows, long bad, long results, long violations, long fgsSuccesses, boolean idsDisjointAndIncreasing, String firstBad,
                  long nonFinite, String firstNonFinite) {
        static Totals of(List<PartitionStats> reported, int partitions) {
            Map<Integer, PartitionStats> byPartition = new TreeMap<>();
            for (PartitionStats s : reported) {
                byPartition.putIfAbsent(s.partition(), s);
            }
            if (byPartition.size() != partitions) {
                throw new IllegalStateException("evaluate: statistics of " + byPartition.size() + " of " + partitions + " partitions arrived");
            }
            long rows = 0;
            long bad = 0;
            long results = 0;
            long violations = 0;
            long fgs = 0;
            long nonFinite = 0;
            String firstBad = null;
            String firstNonFinite = null;
            for (PartitionStats s : byPartition.values()) { // in partition order: the first bad row is the first partition's
                firstBad = firstBad == null ? s.firstBad() : firstBad;
                firstNonFinite = firstNonFinite == null ? s.firstNonFinite() : firstNonFinite;
                nonFinite += s.nonFinite();
                rows += s.rows();
                bad += s.bad();
                results += s.results();
                violations += s.violations();
                fgs += s.fgsSuccesses();
            }
            // no duplicate id if the runs of strictly increasing ids of all partitions are pairwise disjoint
            boolean disjoint = byPartition.values().stream().allMatch(s -> s.runs() != null);
            if (disjoint) {
                List<long[]> runs = new java.util.ArrayList<>();
                for (PartitionStats s : byPartition.values()) {
                    for (int i = 0; i < s.runs().length; i += 2) {
                        runs.add(new long[] {s.runs()[i], s.runs()[i + 1]});
                    }
                }
                runs.sort(Comparator.comparingLong(r -> r[0]));
                for (int i = 1; i < runs.size() && disjoint; i++) {
                    disjoint = runs.get(i)[0] > runs.get(i - 1)[1];
                }
            }
            return new Totals(rows, bad, results, violations, fgs, disjoint, firstBad, nonFinite, firstNonFinite);
        }
    }
}
