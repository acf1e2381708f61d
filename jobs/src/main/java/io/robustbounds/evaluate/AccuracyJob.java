package io.robustbounds.evaluate;

import io.robustbounds.data.TestSetMetadata;
import io.robustbounds.data.TestSets;
import io.robustbounds.eval.EvalSettings;
import io.robustbounds.eval.ModelEvaluator;
import io.robustbounds.format.ModelFormat;
import io.robustbounds.model.Model;
import io.robustbounds.spark.SparkInternals;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;

/**
 * {@code accuracy}: the model's predictions on a Parquet test set, forward passes only, reduced on the executors
 * to a confusion matrix (nothing per sample reaches the driver). Rows are read and checked as {@code evaluate}
 * reads them ({@link EvaluateJob#input}, {@link RowCheck}): a row that cannot be evaluated (null id or features,
 * wrong length, NaN/Inf, a label outside the classes) is counted, the first one named (file, row id, column,
 * reason), and not evaluated; {@code evaluate} writes every such row to its rejects.
 */
public final class AccuracyJob {

    /** Confusion[label][predicted] over labelled rows, the counts of unlabelled and unusable rows, the first unusable one. */
    public record Outcome(long[][] confusion, long unlabelled, long unusable, String firstUnusable, double seconds) {
        public long labelled() {
            return Arrays.stream(confusion).flatMapToLong(Arrays::stream).sum();
        }

        public long correct() {
            long c = 0;
            for (int i = 0; i < confusion.length; i++) {
                c += confusion[i][i];
            }
            return c;
        }

        public double accuracy() {
            return labelled() == 0 ? Double.NaN : (double) correct() / labelled();
        }
    }

    /** One partition's counts: classes² confusion cells, then unlabelled and unusable rows; the first unusable row. */
    record Counts(long[] counts, String firstUnusable) implements Serializable {
        Counts plus(Counts o) {
            long[] sum = counts.clone();
            for (int i = 0; i < sum.length; i++) {
                sum[i] += o.counts[i];
            }
            return new Counts(sum, firstUnusable != null ? firstUnusable : o.firstUnusable);
        }
    }

    private AccuracyJob() {
    }

    public static Outcome run(SparkSession spark, String modelPath, String testSet, int batchSize) {
        return run(spark, modelPath, testSet, batchSize, false);
    }

    /** {@code allowClassMismatch}: classify even when the test set's class names are not the model's ({@link EvaluateJob#ALLOW_CLASS_MISMATCH}). */
    public static Outcome run(SparkSession spark, String modelPath, String testSet, int batchSize, boolean allowClassMismatch) {
        long t0 = System.nanoTime();
        Model model = ModelFormat.read(Path.of(modelPath));
        Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        TestSets.Footers footers = TestSets.footers(TestSets.files(testSet, hadoop), hadoop);
        TestSetMetadata meta = footers.metadata();
        meta.requireInputOf(model, testSet);
        meta.requireClassesOf(model, testSet, allowClassMismatch, EvaluateJob.ALLOW_CLASS_MISMATCH);
        int classes = model.classes();
        int d = (int) meta.size();
        EvaluateJob.Input input = EvaluateJob.input(spark, testSet, footers, d, classes);
        RowCheck check = input.check();
        Broadcast<byte[]> bytes = JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(ModelFormat.toZipBytes(model));
        Counts totals = SparkInternals.rows(input.rows()).toJavaRDD().mapPartitions((Iterator<InternalRow> rows) -> {
            ModelEvaluator ev = ModelEvaluator.of(ModelFormat.fromZipBytes(bytes.value(), "broadcast model"), EvalSettings.defaults());
            long[] counts = new long[classes * classes + 2];
            String first = null;
            double[] x = new double[batchSize * d];
            int[] labels = new int[batchSize];
            while (rows.hasNext()) {
                int n = 0;
                while (n < batchSize && rows.hasNext()) {
                    InternalRow r = rows.next();
                    RowCheck.Problem p = check.problem(r);
                    if (p != null) {
                        counts[classes * classes + 1]++;
                        if (first == null) {
                            first = RowCheck.describe(r, p);
                        }
                        continue;
                    }
                    check.copyFeatures(r, x, n * d);
                    labels[n] = r.isNullAt(RowCheck.LABEL) ? -1 : r.getInt(RowCheck.LABEL);
                    n++;
                }
                if (n == 0) {
                    continue;
                }
                int[] predicted = ev.predict(n == batchSize ? x : Arrays.copyOf(x, n * d), n);
                for (int i = 0; i < n; i++) {
                    if (labels[i] < 0) {
                        counts[classes * classes]++;
                    } else {
                        counts[labels[i] * classes + predicted[i]]++;
                    }
                }
            }
            return List.of(new Counts(counts, first)).iterator();
        }).reduce(Counts::plus);
        long[][] confusion = new long[classes][classes];
        for (int i = 0; i < classes; i++) {
            System.arraycopy(totals.counts(), i * classes, confusion[i], 0, classes);
        }
        return new Outcome(confusion, totals.counts()[classes * classes], totals.counts()[classes * classes + 1], totals.firstUnusable(),
                (System.nanoTime() - t0) / 1e9);
    }
}
