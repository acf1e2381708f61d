package io.robustbounds.jobs;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.input_file_name;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import io.robustbounds.data.TestSetMetadata;
import io.robustbounds.data.TestSetSchema;
import io.robustbounds.data.TestSets;
import io.robustbounds.eval.EvalSettings;
import io.robustbounds.eval.ModelEvaluator;
import io.robustbounds.format.ModelFormat;
import io.robustbounds.model.Model;
import io.robustbounds.model.ModelException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.storage.StorageLevel;

/**
 * {@code evaluate}: model + Parquet test set → per-sample results, rejects and provenance under a run id.
 *
 * <p>The driver checks the model and every test-set footer before any work starts (shape mismatch, missing
 * column, unreadable file: an error naming the file). Rows are validated with Spark SQL; bad rows (null or
 * wrong-length features, NaN/Inf, duplicate id, label out of range) go to {@code rejects} with their file,
 * id, column and reason, or fail the job ({@code on-bad-row = fail}). The model is broadcast once as its zip
 * bytes and rebuilt once per partition ({@link PartitionEvaluator}).
 */
public final class EvaluateJob {

    /** Typed settings of the job. */
    public record Config(String model, String testSet, String outputRoot, String runId, int batchSize, boolean failOnBadRow,
                         int partitions, EvalSettings evaluation) {
        public Config {
            if (batchSize < 1) {
                throw new IllegalArgumentException("evaluate.batch-size must be >= 1, got " + batchSize);
            }
        }
    }

    /** Counts for the summary and the provenance. */
    public record Outcome(long rowsIn, long results, long rejects, long violations, long fgsSuccesses, String resultsPath,
                          String rejectsPath, double seconds) {
    }

    private EvaluateJob() {
    }

    public static Outcome run(SparkSession spark, Config c, Map<String, Object> provenance) {
        long t0 = System.nanoTime();
        Model model = ModelFormat.read(java.nio.file.Path.of(c.model()));
        ModelEvaluator.of(model, c.evaluation()); // fails here, before any work, on a model the evaluators cannot run
        Dataset<Row> raw;
        try {
            raw = spark.read().parquet(c.testSet());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(c.testSet() + ": cannot read the test set (" + e.getMessage() + ")", e);
        }
        TestSetMetadata meta = TestSets.inspect(Arrays.asList(raw.inputFiles()), spark.sparkContext().hadoopConfiguration());
        if (!Arrays.equals(model.input().shape(), meta.shape())) {
            throw new ModelException("model '" + model.name() + "' expects input " + Arrays.toString(model.input().shape())
                    + ", test set " + c.testSet() + " has " + Arrays.toString(meta.shape()));
        }
        int d = (int) meta.size();
        int classes = model.classes();

        Dataset<Row> rows = raw.select(col(TestSetSchema.ID).cast("long").as("id"),
                        col(TestSetSchema.FEATURES).cast("array<double>").as("features"),
                        col(TestSetSchema.LABEL).cast("int").as("label"))
                .withColumn("file", input_file_name());
        if (c.partitions() > 0) {
            rows = rows.repartition(c.partitions());
        }
        // duplicate ids: found by shuffling the ids alone; the rows are joined with them only when there are any
        Dataset<Row> duplicates = rows.groupBy("id").count().where("count > 1").select(col("id").as("dup_id"), col("count").as("dup_count"))
                .persist(StorageLevel.MEMORY_AND_DISK());
        Dataset<Row> flagged = duplicates.isEmpty()
                ? rows.withColumn("dup_count", lit(null).cast("long"))
                : rows.join(broadcast(duplicates), rows.col("id").equalTo(duplicates.col("dup_id")), "left").drop("dup_id");
        // NaN sorts above +Inf in Spark, so array_max/array_min see every non-finite value (code-generated, unlike
        // a lambda); null elements are looked for (array_compact, interpreted) only where the schema allows them.
        boolean nullableElements = !(raw.schema().apply(TestSetSchema.FEATURES).dataType() instanceof ArrayType a) || a.containsNull();
        Column nonFinite = expr("isnan(array_max(features)) OR array_max(features) = double('Infinity')"
                + " OR array_min(features) = double('-Infinity')"
                + (nullableElements ? " OR size(array_compact(features)) != size(features)" : ""));
        Dataset<Row> checked = flagged
                .withColumn("column", when(col("id").isNull(), lit("id"))
                        .when(col("dup_count").isNotNull(), lit("id"))
                        .when(col("features").isNull(), lit("features"))
                        .when(expr("size(features)").notEqual(lit(d)), lit("features"))
                        .when(nonFinite, lit("features"))
                        .when(col("label").isNotNull().and(col("label").lt(0).or(col("label").geq(classes))), lit("label")))
                .withColumn("reason", when(col("id").isNull(), lit("id is null"))
                        .when(col("dup_count").isNotNull(), expr("concat('duplicate id: ', dup_count, ' rows share it')"))
                        .when(col("features").isNull(), lit("features is null"))
                        .when(expr("size(features)").notEqual(lit(d)), expr("concat('features has ', size(features), ' values, expected " + d + "')"))
                        .when(nonFinite, lit("features hold NaN or infinite values"))
                        .when(col("label").isNotNull().and(col("label").lt(0).or(col("label").geq(classes))),
                                expr("concat('label ', label, ' is outside [0, " + classes + ")')")))
                .drop("dup_count");
        try {
            Dataset<Row> bad = checked.where(col("reason").isNotNull()).select("file", "id", "column", "reason", "features", "label");
            if (c.failOnBadRow()) {
                List<Row> first = bad.limit(1).collectAsList();
                if (!first.isEmpty()) {
                    Row r = first.get(0);
                    throw new IllegalArgumentException(r.getString(0) + " row id " + (r.isNullAt(1) ? "null" : r.getLong(1)) + ": column "
                            + r.getString(2) + ": " + r.getString(3) + " (on-bad-row = fail)");
                }
            }
            Dataset<Row> good = checked.where(col("reason").isNull()).select("id", "features", "label");

            RunOutput out = new RunOutput(c.outputRoot(), c.runId(), "evaluate", spark.sparkContext().hadoopConfiguration());
            try {
                JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
                byte[] modelBytes = ModelFormat.toZipBytes(model);
                Broadcast<byte[]> broadcast = jsc.broadcast(modelBytes);
                JavaRDD<Row> results = good.javaRDD().mapPartitions(new PartitionEvaluator(broadcast, c.batchSize(), c.evaluation()));
                spark.createDataFrame(results, ResultSchema.SCHEMA).write().mode(SaveMode.Overwrite).parquet(out.staging("results"));
                bad.write().mode(SaveMode.Overwrite).parquet(out.staging("rejects"));

                Dataset<Row> written = spark.read().parquet(out.staging("results"));
                long resultCount = written.count();
                Row totals = written.selectExpr("coalesce(sum(cast(violation as long)), 0L)", "coalesce(sum(cast(fgs_success as long)), 0L)").first();
                long rejectCount = spark.read().parquet(out.staging("rejects")).count();
                double seconds = (System.nanoTime() - t0) / 1e9;

                Map<String, Object> p = new LinkedHashMap<>(provenance);
                p.put("step", "evaluate");
                p.put("run_id", c.runId());
                p.put("spark_master", spark.sparkContext().master());
                p.put("model", Map.of("path", c.model(), "name", model.name(), "sha256_zip", sha256(modelBytes), "provenance", model.provenance()));
                p.put("test_set", Map.of("path", c.testSet(), "metadata", meta.toJson(), "files", raw.inputFiles().length));
                p.put("bound_modes", c.evaluation().modes().stream().map(io.robustbounds.bounds.BoundMode::id).toList());
                p.put("seconds", seconds);
                p.put("rows_in", resultCount + rejectCount);
                p.put("rows_out", resultCount);
                p.put("rows_rejected", rejectCount);
                p.put("violations", totals.getLong(0));
                out.writeText("_provenance.json", Provenance.json(p));
                out.commit();
                return new Outcome(resultCount + rejectCount, resultCount, rejectCount, totals.getLong(0), totals.getLong(1),
                        out.path("results"), out.path("rejects"), seconds);
            } catch (RuntimeException e) {
                out.abort();
                throw e;
            }
        } finally {
            duplicates.unpersist();
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
