package io.robustbounds.jobs;

import static org.apache.spark.sql.functions.col;

import io.robustbounds.data.TestSetMetadata;
import io.robustbounds.data.TestSetSchema;
import io.robustbounds.data.TestSets;
import io.robustbounds.eval.EvalSettings;
import io.robustbounds.eval.ModelEvaluator;
import io.robustbounds.format.ModelFormat;
import io.robustbounds.model.Model;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * {@code accuracy}: the model's predictions on a Parquet test set, forward passes only, reduced on the executors
 * to a confusion matrix (nothing per sample reaches the driver). Rows that cannot be evaluated (null, wrong-length
 * or non-finite features) are counted and reported, not evaluated; {@code evaluate} writes them to rejects.
 */
public final class AccuracyJob {

    /** Confusion[label][predicted] over labelled rows, and the counts of unlabelled and unusable rows. */
    public record Outcome(long[][] confusion, long unlabelled, long unusable, double seconds) {
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

    private AccuracyJob() {
    }

    public static Outcome run(SparkSession spark, String modelPath, String testSet, int batchSize) {
        long t0 = System.nanoTime();
        Model model = ModelFormat.read(Path.of(modelPath));
        Dataset<Row> raw = spark.read().parquet(testSet);
        TestSetMetadata meta = TestSets.inspect(Arrays.asList(raw.inputFiles()), spark.sparkContext().hadoopConfiguration());
        meta.requireInputOf(model, testSet);
        int classes = model.classes();
        int d = (int) meta.size();
        Broadcast<byte[]> bytes = JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(ModelFormat.toZipBytes(model));
        // per partition: classes² confusion counts, then unlabelled, unusable and out-of-range labels
        long[] totals = raw.select(col(TestSetSchema.FEATURES).cast("array<double>"), col(TestSetSchema.LABEL).cast("int"))
                .javaRDD().mapPartitions((Iterator<Row> rows) -> {
                    ModelEvaluator ev = ModelEvaluator.of(ModelFormat.fromZipBytes(bytes.value(), "broadcast model"), EvalSettings.defaults());
                    long[] counts = new long[classes * classes + 2];
                    double[] x = new double[batchSize * d];
                    List<Integer> labels = new ArrayList<>(batchSize);
                    while (rows.hasNext()) {
                        labels.clear();
                        int n = 0;
                        while (n < batchSize && rows.hasNext()) {
                            Row r = rows.next();
                            List<Double> f = r.isNullAt(0) ? null : r.getList(0);
                            boolean usable = f != null && f.size() == d && f.stream().allMatch(v -> v != null && Double.isFinite(v));
                            if (!usable) {
                                counts[classes * classes + 1]++;
                                continue;
                            }
                            for (int j = 0; j < d; j++) {
                                x[n * d + j] = f.get(j);
                            }
                            labels.add(r.isNullAt(1) ? null : r.getInt(1));
                            n++;
                        }
                        int[] predicted = ev.predict(n == batchSize ? x : Arrays.copyOf(x, n * d), n);
                        for (int i = 0; i < n; i++) {
                            Integer label = labels.get(i);
                            if (label == null || label < 0 || label >= classes) {
                                counts[classes * classes]++;
                            } else {
                                counts[label * classes + predicted[i]]++;
                            }
                        }
                    }
                    return List.of(counts).iterator();
                })
                .reduce((a, b) -> {
                    long[] s = a.clone();
                    for (int i = 0; i < s.length; i++) {
                        s[i] += b[i];
                    }
                    return s;
                });
        long[][] confusion = new long[classes][classes];
        for (int i = 0; i < classes; i++) {
            System.arraycopy(totals, i * classes, confusion[i], 0, classes);
        }
        return new Outcome(confusion, totals[classes * classes], totals[classes * classes + 1], (System.nanoTime() - t0) / 1e9);
    }
}
