package io.robustbounds.evaluate;

import io.robustbounds.bounds.BoundMode;
import io.robustbounds.eval.EvalSettings;
import io.robustbounds.eval.ModelEvaluator;
import io.robustbounds.eval.SampleResults;
import io.robustbounds.format.ModelFormat;
import io.robustbounds.model.Model;
import io.robustbounds.results.NonFinite;
import io.robustbounds.results.ResultColumn;
import io.robustbounds.results.ResultSchema;
import io.robustbounds.results.ResultSummary;
import io.robustbounds.spark.SparkInternals;
import io.robustbounds.spark.TaskParquetFile;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.NoSuchElementException;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.VoidFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.unsafe.types.UTF8String;
import org.apache.spark.util.CollectionAccumulator;
import org.apache.spark.util.SerializableConfiguration;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The work of one partition, in one pass over its rows: validate each row ({@link RowCheck}), rebuild the
 * broadcast model once, evaluate the good rows in batches of at most {@code batchSize} (so a batch's memory is
 * bounded whatever the partition's size) and write one result row ({@link ResultSchema#SCHEMA}) per good row and
 * bound mode into the partition's part file ({@link #writingTo}). Bad rows are only counted here (the rejects are written by a second pass, which runs only when there are
 * any); with {@code on-bad-row = fail} the first one ends the partition's work and is reported to the driver,
 * which stops the job naming it. A sample whose results are not all finite numbers ({@link NonFinite}: a forward
 * pass that overflowed) has no result row: it is written to the rejects here ({@link NonFiniteRejects}), since
 * only this pass knows it, and counted apart; with {@code on-bad-row = fail} it ends the work as a bad row does.
 * At the end the partition's {@link PartitionStats} go to an accumulator: counts, the first bad row and the first
 * non-finite result, and what the duplicate-id check needs.
 *
 * <p>Rows are Spark's internal rows (id, features, label, file), read and written without conversion to
 * external rows: the boxing of every feature value cost a fifth of the evaluation stage.
 */
final class PartitionEvaluator implements Serializable {
    private final Broadcast<byte[]> model;
    private final int batchSize;
    private final boolean doublePrecision;
    private final String mode;
    private final double jacobianTolerance;
    private final int maxLanczosSteps;
    private final double fgsUpper;
    private final double fgsTolerance;
    private final long batchMemory;
    private final java.util.List<String> attacks;
    private final RowCheck check;
    private final boolean failOnBadRow;
    private final CollectionAccumulator<PartitionStats> stats;
    private final ResultSummary.Layout summaryLayout;
    private final String summaryDir;
    private final String nonFiniteDir;
    private final Broadcast<SerializableConfiguration> hadoop;

    /**
     * {@code summaryLayout} null: no {@link ResultSummary}; else each partition's goes to {@code summaryDir}. The
     * rejects of non-finite results go to {@code nonFiniteDir}. Files are written with the session's Hadoop
     * configuration ({@code hadoop}), as Spark's own writers do.
     */
    PartitionEvaluator(Broadcast<byte[]> model, int batchSize, EvalSettings s, RowCheck check, boolean failOnBadRow,
                       CollectionAccumulator<PartitionStats> stats, ResultSummary.Layout summaryLayout, String summaryDir,
                       String nonFiniteDir, Broadcast<SerializableConfiguration> hadoop) {
        this.hadoop = hadoop;
        this.nonFiniteDir = nonFiniteDir;
        this.summaryLayout = summaryLayout;
        this.summaryDir = summaryDir;
        this.model = model;
        this.batchSize = batchSize;
        this.doublePrecision = s.dataType() == DataType.DOUBLE;
        this.mode = BoundMode.ids(s.modes());
        this.batchMemory = s.batchMemory();
        this.attacks = new ArrayList<>(s.attacks());
        this.jacobianTolerance = s.jacobianTolerance();
        this.maxLanczosSteps = s.maxLanczosSteps();
        this.fgsUpper = s.fgsUpper();
        this.fgsTolerance = s.fgsTolerance();
        this.check = check;
        this.failOnBadRow = failOnBadRow;
        this.stats = stats;
    }

    /** Rows read so far, added after each batch for the driver's progress line; null: not counted. */
    private org.apache.spark.util.LongAccumulator rowsDone;

    /** Counts the rows read (good and bad) into {@code rowsDone} after each batch; null counts nothing. */
    PartitionEvaluator countingRows(org.apache.spark.util.LongAccumulator rowsDone) {
        this.rowsDone = rowsDone;
        return this;
    }

    /** At most this many runs of increasing ids are reported per partition; more and the duplicate check counts ids. */
    static final int MAX_RUNS = 4096;

    /**
     * What the driver learns of one partition of the evaluation pass. {@code runs} holds [first, last] of each
     * maximal run of strictly increasing ids of one file in the order read (one run per file when ids are numbered
     * file by file; a run never spans two files, whose ids may interleave with a third file's), flattened; null when there were more than {@link #MAX_RUNS}. {@code firstBad} describes the first bad row
     * ("file row id N: column C: reason"), null if none. {@code nonFinite} samples had non-finite results (not in
     * {@code bad}, nor in {@code results}); {@code firstNonFinite} describes the first one as {@code firstBad} does.
     */
    record PartitionStats(int partition, long rows, long bad, long results, long violations, long fgsSuccesses, long[] runs,
                          String firstBad, long nonFinite, String firstNonFinite) implements Serializable {

        /** A partition without non-finite results. */
        PartitionStats(int partition, long rows, long bad, long results, long violations, long fgsSuccesses, long[] runs, String firstBad) {
            this(partition, rows, bad, results, violations, fgsSuccesses, runs, firstBad, 0, null);
        }
    }

    /**
     * The partition's work with its result rows written to {@code dir} as one Parquet part file ({@link TaskParquetFile}),
     * committed when the partition is done, dropped when the task fails.
     */
    VoidFunction<Iterator<InternalRow>> writingTo(String dir) {
        return rows -> {
            TaskParquetFile file = TaskParquetFile.of(dir, TaskContext.getPartitionId(), ResultSchema.SCHEMA, ResultSchema.WRITE_OPTIONS,
                    hadoop.value().value());
            TaskContext.get().addTaskFailureListener((org.apache.spark.util.TaskFailureListener) (context, error) -> file.discard());
            Iterator<InternalRow> results = results(rows);
            while (results.hasNext()) {
                file.write(results.next());
            }
            file.commit();
        };
    }

    /** The partition's result rows, made as they are consumed ({@link #writingTo} consumes them). */
    Iterator<InternalRow> results(Iterator<InternalRow> rows) {
        int partition = TaskContext.getPartitionId();
        ResultSummary.Partition summary = summaryLayout == null ? null : new ResultSummary.Partition(summaryLayout);
        if (!rows.hasNext()) {
            if (summary != null) {
                summary.write(summaryDir, partition, hadoop.value().value());
            }
            stats.add(new PartitionStats(partition, 0, 0, 0, 0, 0, new long[0], null));
            return Collections.emptyIterator(); // no model to rebuild for an empty partition
        }
        io.robustbounds.linalg.Threads.limitOnce(1); // one thread per op: parallelism comes from tasks side by side
        Model m = ModelFormat.fromZipBytes(model.value(), "broadcast model");
        EvalSettings settings = new EvalSettings(doublePrecision ? DataType.DOUBLE : DataType.FLOAT, BoundMode.parseList(mode),
                jacobianTolerance, maxLanczosSteps, fgsUpper, fgsTolerance, batchMemory, attacks);
        ModelEvaluator evaluator = ModelEvaluator.of(m, settings);
        int d = evaluator.inputSize();
        if (d != check.inputSize()) {
            throw new IllegalStateException("model input size " + d + " differs from the checked size " + check.inputSize());
        }
        NonFiniteRejects nonFiniteRejects = new NonFiniteRejects(nonFiniteDir, partition, hadoop.value().value());
        TaskContext.get().addTaskCompletionListener((org.apache.spark.util.TaskCompletionListener) c -> nonFiniteRejects.discard());
        return new Iterator<>() {
            private Iterator<InternalRow> current = Collections.emptyIterator();
            private final SparkInternals.MutableRow row = SparkInternals.mutableRow(ResultSchema.SCHEMA);
            private final ResultColumn.Sample sample = new ResultColumn.Sample();
            private final long[] ids = new long[batchSize];
            private final int[] labels = new int[batchSize];
            private final boolean[] unlabelled = new boolean[batchSize];
            private final double[] x = new double[batchSize * d];
            private final UTF8String[] files = new UTF8String[batchSize];
            private UTF8String file; // the current file's name, copied when it changes
            private long seen;
            private long bad;
            private long results;
            private long violations;
            private long fgsSuccesses;
            private long idCount;
            private long runStart;
            private UTF8String runFile;
            private long lastId;
            private long[] runs = new long[16];
            private int runCount; // closed runs in runs[0 .. 2 * runCount)
            private boolean tooManyRuns;
            private boolean reported;
            private String firstBad;
            private long nonFinite;
            private String firstNonFinite;
            private boolean stopped;

            @Override
            public boolean hasNext() {
                while (!current.hasNext() && !stopped && rows.hasNext()) {
                    current = nextBatch();
                }
                if (current.hasNext()) {
                    return true;
                }
                if (!reported) {
                    reported = true;
                    if (idCount > 0) {
                        closeRun();
                    }
                    if (summary != null && !stopped) {
                        summary.write(summaryDir, partition, hadoop.value().value());
                    }
                    nonFiniteRejects.commit();
                    stats.add(new PartitionStats(partition, seen, bad, results, violations, fgsSuccesses,
                            tooManyRuns ? null : java.util.Arrays.copyOf(runs, 2 * runCount), firstBad, nonFinite, firstNonFinite));
                }
                return false;
            }

            @Override
            public InternalRow next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return current.next();
            }

            private void closeRun() {
                if (tooManyRuns) {
                    return;
                }
                if (runCount == MAX_RUNS) {
                    tooManyRuns = true;
                    return;
                }
                if (2 * runCount == runs.length) {
                    runs = java.util.Arrays.copyOf(runs, 2 * runs.length);
                }
                runs[2 * runCount] = runStart;
                runs[2 * runCount + 1] = lastId;
                runCount++;
            }

            private Iterator<InternalRow> nextBatch() {
                int n = 0;
                while (n < batchSize && !stopped && rows.hasNext()) {
                    InternalRow r = rows.next();
                    seen++;
                    if (!r.isNullAt(RowCheck.ID)) {
                        long id = r.getLong(RowCheck.ID);
                        UTF8String file = r.getUTF8String(RowCheck.FILE);
                        if (idCount == 0 || id <= lastId || !file.equals(runFile)) {
                            if (idCount > 0) {
                                closeRun();
                            }
                            runStart = id;
                            runFile = file.clone();
                        }
                        lastId = id;
                        idCount++;
                    }
                    RowCheck.Problem p = check.problem(r);
                    if (p != null) {
                        bad++;
                        if (firstBad == null) {
                            firstBad = RowCheck.describe(r, p);
                        }
                        stopped = failOnBadRow; // the job will fail: no more work here
                        continue;
                    }
                    ids[n] = r.getLong(RowCheck.ID);
                    UTF8String f = r.getUTF8String(RowCheck.FILE);
                    if (file == null || !file.equals(f)) {
                        file = f.clone();
                    }
                    files[n] = file;
                    unlabelled[n] = r.isNullAt(RowCheck.LABEL);
                    labels[n] = unlabelled[n] ? 0 : r.getInt(RowCheck.LABEL);
                    check.copyFeatures(r, x, n * d);
                    n++;
                }
                if (n == 0) {
                    countRows();
                    return Collections.emptyIterator();
                }
                double[] samples = n == batchSize ? x : java.util.Arrays.copyOf(x, n * d);
                // the certified search tells each sample it ends: progress moves within a batch (LeNet-5: seconds a sample)
                if (rowsDone != null) {
                    io.robustbounds.eval.Certification.FINISHED.set(k -> {
                        rowsDone.add(k);
                        counted += k;
                    });
                }
                Iterator<InternalRow> out;
                try {
                    out = rowsOf(evaluator.evaluate(samples, n), n);
                } finally {
                    io.robustbounds.eval.Certification.FINISHED.remove();
                }
                countRows();
                return out;
            }

            private long counted; // rows already added to rowsDone

            private void countRows() {
                if (rowsDone != null) {
                    rowsDone.add(seen - counted);
                    counted = seen;
                }
            }

            /**
             * The batch's result rows ({@link ResultColumn#ALL}), one per sample and bound mode, made as they are consumed
             * in one reused mutable row ({@link SparkInternals.MutableRow}). Boxing every value of 10⁶ rows, 20 columns,
             * kept the collector busy.
             */
            private Iterator<InternalRow> rowsOf(SampleResults s, int n) {
                int modes = s.modes().size();
                int[] kept = new int[n]; // the samples with finite results
                int finite = 0;
                for (int i = 0; i < n && !stopped; i++) {
                    NonFinite.Problem p = NonFinite.of(s, i);
                    if (p != null) {
                        nonFinite++;
                        String reason = p.reason(doublePrecision);
                        if (firstNonFinite == null) {
                            firstNonFinite = files[i] + " row id " + ids[i] + ": column " + p.column() + ": " + reason;
                        }
                        nonFiniteRejects.add(files[i].toString(), ids[i], p.column(), reason, x, i * d, d, unlabelled[i] ? null : labels[i]);
                        stopped = failOnBadRow; // the job will fail: no more work here
                        continue;
                    }
                    for (SampleResults.ModeBounds mb : s.modes()) {
                        violations += mb.violation()[i] ? 1 : 0;
                    }
                    fgsSuccesses += s.fgsSuccess()[i] ? 1 : 0;
                    kept[finite++] = i;
                }
                int samples = finite;
                results += samples;
                return new Iterator<>() {
                    private int next; // sample kept[next / modes], mode next % modes

                    @Override
                    public boolean hasNext() {
                        return next < samples * modes;
                    }

                    @Override
                    public InternalRow next() {
                        if (!hasNext()) {
                            throw new NoSuchElementException();
                        }
                        int i = kept[next / modes];
                        int k = next % modes;
                        next++;
                        sample.model = m.name();
                        sample.id = ids[i];
                        sample.labelled = !unlabelled[i];
                        sample.label = labels[i];
                        sample.inputSize = d;
                        sample.results = s;
                        sample.mode = s.modes().get(k);
                        sample.i = i;
                        ResultColumn.fill(ResultColumn.ALL, sample, row);
                        if (summary != null) {
                            summary.add(row.row());
                        }
                        return row.row();
                    }
                };
            }
        };
    }
}
