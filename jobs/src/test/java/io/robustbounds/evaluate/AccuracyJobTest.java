package io.robustbounds.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.robustbounds.eval.EvalSettings;
import io.robustbounds.eval.ModelEvaluator;
import io.robustbounds.model.Model;
import io.robustbounds.testkit.Fixtures;
import io.robustbounds.testkit.LocalSpark;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The confusion matrix equals the library's predictions; bad rows are counted as evaluate rejects them and the first is named. */
class AccuracyJobTest {

    @Test
    void confusionMatchesLibraryAndBadRowsAreCountedAndNamed(@TempDir Path dir) throws Exception {
        SparkSession spark = LocalSpark.get();
        Model model = Fixtures.model(dir.resolve("model"));
        List<Fixtures.RawRow> good = Fixtures.goodRows(30);
        List<Fixtures.RawRow> rows = new ArrayList<>(good);
        rows.add(new Fixtures.RawRow(1L, new double[] {0, Double.NaN, 0, 0, 0}, 0));
        rows.add(new Fixtures.RawRow(2L, new double[] {0, 0, 0, 0, 0}, 7));   // label outside the 3 classes
        rows.add(new Fixtures.RawRow(3L, new double[] {0.1, 0, 0, 0, 0}, null)); // unlabelled: predicted, not scored
        Fixtures.writeTestSet(dir.resolve("set"), rows, 1, new long[] {5});

        AccuracyJob.Outcome o = AccuracyJob.run(spark, dir.resolve("model").toString(), dir.resolve("set").toString(), 7);

        double[] x = new double[good.size() * 5];
        for (int i = 0; i < good.size(); i++) {
            System.arraycopy(good.get(i).features(), 0, x, 5 * i, 5);
        }
        int[] predicted = ModelEvaluator.of(model, EvalSettings.defaults()).predict(x, good.size());
        long[][] expected = new long[3][3];
        for (int i = 0; i < good.size(); i++) {
            expected[good.get(i).label()][predicted[i]]++;
        }
        assertEquals(List.of(expected[0][0], expected[0][1], expected[0][2], expected[1][0], expected[1][1], expected[1][2],
                        expected[2][0], expected[2][1], expected[2][2]),
                List.of(o.confusion()[0][0], o.confusion()[0][1], o.confusion()[0][2], o.confusion()[1][0], o.confusion()[1][1],
                        o.confusion()[1][2], o.confusion()[2][0], o.confusion()[2][1], o.confusion()[2][2]));
        assertEquals(30, o.labelled());
        assertEquals(1, o.unlabelled());
        assertEquals(2, o.unusable(), "the NaN row and the out-of-range label");
        assertTrue(o.firstUnusable().contains("part-0.parquet row id 1: column features: features hold NaN or infinite values"),
                o.firstUnusable());
    }
}
