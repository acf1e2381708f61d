package io.robustbounds.jobs;

import io.robustbounds.bounds.BoundMode;
import io.robustbounds.eval.EvalSettings;
import io.robustbounds.eval.ModelEvaluator;
import io.robustbounds.eval.SampleResults;
import io.robustbounds.format.ModelFormat;
import io.robustbounds.model.Model;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.nd4j.linalg.api.buffer.DataType;
import scala.collection.immutable.ArraySeq;

/**
 * The work of one partition: rebuild the broadcast model once, then evaluate the rows in batches of at
 * most {@code batchSize} (so a batch's memory is bounded whatever the partition's size) and stream out one
 * result row per input row. Input rows are (id, features as array&lt;double&gt;, label).
 */
final class PartitionEvaluator implements FlatMapFunction<Iterator<Row>, Row> {
    private final Broadcast<byte[]> model;
    private final int batchSize;
    private final boolean doublePrecision;
    private final String mode;
    private final double jacobianTolerance;
    private final int maxLanczosSteps;
    private final double fgsUpper;
    private final double fgsTolerance;
    private final long batchMemory;

    PartitionEvaluator(Broadcast<byte[]> model, int batchSize, EvalSettings s) {
        this.model = model;
        this.batchSize = batchSize;
        this.doublePrecision = s.dataType() == DataType.DOUBLE;
        this.mode = BoundMode.ids(s.modes());
        this.jacobianTolerance = s.jacobianTolerance();
        this.maxLanczosSteps = s.maxLanczosSteps();
        this.fgsUpper = s.fgsUpper();
        this.fgsTolerance = s.fgsTolerance();
        this.batchMemory = s.batchMemory();
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        if (!rows.hasNext()) {
            return Collections.emptyIterator(); // no model to rebuild for an empty partition
        }
        Model m = ModelFormat.fromZipBytes(model.value(), "broadcast model");
        EvalSettings settings = new EvalSettings(doublePrecision ? DataType.DOUBLE : DataType.FLOAT, BoundMode.parseList(mode),
                jacobianTolerance, maxLanczosSteps, fgsUpper, fgsTolerance, batchMemory);
        ModelEvaluator evaluator = ModelEvaluator.of(m, settings);
        int d = evaluator.inputSize();
        return new Iterator<>() {
            private Iterator<Row> current = Collections.emptyIterator();

            @Override
            public boolean hasNext() {
                while (!current.hasNext() && rows.hasNext()) {
                    current = nextBatch().iterator();
                }
                return current.hasNext();
            }

            @Override
            public Row next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return current.next();
            }

            private List<Row> nextBatch() {
                List<Long> ids = new ArrayList<>(batchSize);
                List<Integer> labels = new ArrayList<>(batchSize);
                double[] x = new double[batchSize * d];
                int n = 0;
                while (n < batchSize && rows.hasNext()) {
                    Row r = rows.next();
                    ids.add(r.getLong(0));
                    labels.add(r.isNullAt(2) ? null : r.getInt(2));
                    List<Double> f = r.getList(1);
                    for (int j = 0; j < d; j++) {
                        x[n * d + j] = f.get(j);
                    }
                    n++;
                }
                double[] samples = n == batchSize ? x : java.util.Arrays.copyOf(x, n * d);
                SampleResults s = evaluator.evaluate(samples, n);
                List<Row> out = new ArrayList<>(n * s.modes().size());
                for (int i = 0; i < n; i++) {
                    boolean ok = s.fgsSuccess()[i];
                    for (SampleResults.ModeBounds mb : s.modes()) { // one row per sample and bound mode
                        Object kappas = ArraySeq.unsafeWrapArray(mb.kappasOf(i)); // Spark rows take Scala sequences for arrays
                        out.add(RowFactory.create(m.name(), ids.get(i), labels.get(i), s.predicted()[i], s.runnerUp()[i], mb.mode().id(),
                                mb.bound()[i], kappas, s.delta()[i], s.jacobianNorm()[i],
                                ok ? s.fgsEpsilon()[i] : null, ok, ok ? s.etaNorm()[i] : null, ok ? s.adversarialClass()[i] : null,
                                ok ? mb.deviation()[i] : null, mb.violation()[i], d));
                    }
                }
                return out;
            }
        };
    }
}
