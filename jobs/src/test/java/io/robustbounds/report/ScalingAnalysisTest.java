package io.robustbounds.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.robustbounds.bench.Workloads;
import io.robustbounds.testkit.LocalSpark;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.collection.immutable.ArraySeq;

/** Eq. 7 and §5.4 on a κ trace whose sums are known by hand. */
class ScalingAnalysisTest {

    @Test
    void gainsFromAHandMadeKappaTrace(@TempDir Path dir) throws Exception {
        // LeNet's shape: conv, pool, conv, pool, flatten, dense: eq. 7 sums over positions 0..3
        var model = Workloads.lenetModel(1);
        assertEquals(List.of(0, 1, 2, 3), ScalingAnalysis.positions(model));
        StructType schema = new StructType().add("model", DataTypes.StringType).add("bound_mode", DataTypes.StringType)
                .add("bound", DataTypes.DoubleType).add("kappas", DataTypes.createArrayType(DataTypes.DoubleType));
        List<Row> rows = new ArrayList<>();
        for (double scale : new double[] {1, 2, 4}) { // Σ 1/κ over [0.5, 1, 2, 4] × scale = 3.75 / scale
            double[] k = {0.5 * scale, 1 * scale, 2 * scale, 4 * scale, 4 * scale, 4 * scale, 9};
            rows.add(RowFactory.create(model.name(), "paper", k[0], ArraySeq.unsafeWrapArray(k)));
        }
        LocalSpark.get().createDataFrame(rows, schema).write().parquet(dir.resolve("r").toString());
        ScalingAnalysis.Result r = ScalingAnalysis.run(LocalSpark.get(), model, dir.resolve("r").toString());
        assertEquals(3.75 / 2, r.medians().get("paper")[1], 1e-12);     // the median sample
        assertEquals(1 + 0.1 * 3.75 / 2, r.deltaGain("paper", 0.1), 1e-12); // eq. 7
        assertEquals(Math.pow(0.9, -2), r.kernelGain(0.9), 1e-12);          // two convolutions
        assertTrue(ScalingAnalysis.table(r, new double[] {0.1}, new double[] {0.9}).contains("| paper | 3 | 1.000 | 1.875 | 1.188 |"));
        assertEquals(List.of("scaling-delta", "scaling-kernels", "thesis-figure-5-12", "thesis-figure-5-13"),
                ScalingAnalysis.plot(r, dir.resolve("fig")));
        assertTrue(java.nio.file.Files.size(dir.resolve("fig").resolve("thesis-figure-5-13.png")) > 1000);
    }
}
