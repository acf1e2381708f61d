package io.robustbounds.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.robustbounds.testkit.LocalSpark;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * {@code compare}, which the cluster tests trust to say "bit for bit": what a killed worker could leave (a task's rows
 * twice, rows missing) and values Spark's own equality takes as equal (−0.0 and 0.0) must count as differences.
 */
class CompareCommandTest {
    private static final StructType SCHEMA = new StructType().add("id", DataTypes.LongType).add("v", DataTypes.DoubleType)
            .add("k", DataTypes.createArrayType(DataTypes.DoubleType));

    private static Dataset<Row> rows(Object[]... values) {
        List<Row> list = new ArrayList<>();
        for (Object[] v : values) {
            list.add(RowFactory.create(v));
        }
        SparkSession spark = LocalSpark.get();
        return spark.createDataFrame(list, SCHEMA);
    }

    private static Object[] row(long id, double v, double... k) {
        return new Object[] {id, v, Arrays.stream(k).boxed().toList()};
    }

    @Test
    void equalOutputsAgreeAndEveryKindOfDifferenceIsReported() {
        Dataset<Row> a = rows(row(1, 0.5, 1, 2), row(2, Double.NaN, 3), row(3, 0.0));
        List<String> none = List.of("id");
        assertEquals(List.of(), CompareCommand.differences(a, rows(row(3, 0.0), row(2, Double.NaN, 3), row(1, 0.5, 1, 2)), none, 0));

        List<String> twice = CompareCommand.differences(a, rows(row(1, 0.5, 1, 2), row(2, Double.NaN, 3), row(3, 0.0), row(3, 0.0)), none, 0);
        assertTrue(twice.contains("row counts differ: 3 vs 4") && twice.stream().anyMatch(s -> s.startsWith("1 keys [id] repeat in the second")), twice.toString());

        List<String> missing = CompareCommand.differences(a, rows(row(1, 0.5, 1, 2), row(2, Double.NaN, 3)), none, 0);
        assertTrue(missing.contains("row counts differ: 3 vs 2") && missing.contains("1 rows have no partner"), missing.toString());

        List<String> signed = CompareCommand.differences(a, rows(row(1, 0.5, 1, -0.0 + 2), row(2, Double.NaN, 3), row(3, -0.0)), none, 0);
        assertEquals(List.of("v: 1 rows differ"), signed, "-0.0 is not 0.0 bit for bit");

        List<String> ulp = CompareCommand.differences(a, rows(row(1, 0.5, 1, Math.nextUp(2.0)), row(2, Double.NaN, 3), row(3, 0.0)), none, 0);
        assertEquals(List.of("k: 1 rows differ"), ulp, "one ulp in an array");
        assertEquals(List.of(), CompareCommand.differences(a, rows(row(1, Math.nextUp(0.5), 1, 2), row(2, Double.NaN, 3), row(3, 0.0)), none, 1e-12),
                "within a relative tolerance");
    }

    /** Without --key: a result row is (model, id, bound_mode), an aggregate row (model, bound_mode); a missing key is bad input. */
    @Test
    void keysDefaultToTheOutputsOwnAndMustBeColumns() {
        assertEquals(List.of("model", "id", "bound_mode"), CompareCommand.keys(null, new String[] {"id", "model", "bound", "bound_mode"}));
        assertEquals(List.of("model", "bound_mode"), CompareCommand.keys(List.of(), new String[] {"model", "bound_mode", "n", "mean"}));
        assertEquals(List.of("x"), CompareCommand.keys(List.of("x"), new String[] {"x", "y"}));
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> CompareCommand.keys(List.of("id"), new String[] {"model", "bound_mode", "n"}));
        assertEquals("compare: --key id is not a column of the outputs (columns: model, bound_mode, n)", e.getMessage());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> CompareCommand.keys(null, new String[] {"a", "b"}));
    }
}
