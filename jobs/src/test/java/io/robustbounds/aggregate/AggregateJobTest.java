package io.robustbounds.aggregate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.robustbounds.results.ResultSchema;
import io.robustbounds.testkit.Fixtures;
import io.robustbounds.testkit.LocalSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.commons.math3.stat.descriptive.DescriptiveStatistics;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.collection.immutable.ArraySeq;

class AggregateJobTest {

    /** Hand-made results of two models: the table's statistics equal those computed directly, medians exactly. */
    @Test
    void tableMatchesDirectStatistics(@TempDir Path dir) throws Exception {
        SparkSession spark = LocalSpark.get();
        List<Row> rows = new ArrayList<>();
        double[] devA = {0.5, 0.1, 0.9, 0.3};               // model a: four successes, median 0.4 (even count)
        for (int i = 0; i < devA.length; i++) {
            rows.add(row("a", i, i % 2, 1, 0.2, 0.1 * (i + 1), true, 0.2 + devA[i], devA[i], false));
        }
        rows.add(row("a", 9, null, 0, 0.3, null, false, null, null, false));      // FGS failed: no ε, no deviation
        rows.add(row("b", 0, 2, 2, 0.4, 0.05, true, 0.3, -0.1, true));            // a violation
        spark.createDataFrame(rows, ResultSchema.SCHEMA).write().parquet(dir.resolve("results").toString());

        AggregateJob.Outcome o = AggregateJob.run(spark, new AggregateJob.Config(List.of(dir.resolve("results").toString()),
                dir.resolve("out").toString(), "t", List.of("model")), Fixtures.provenance());
        assertEquals(2, o.groups());
        List<Row> table = spark.read().parquet(o.path()).orderBy("model").collectAsList();
        Row a = table.get(0);
        assertEquals(5L, a.<Long>getAs("n"));
        assertEquals(0.8, a.<Double>getAs("fgs_rate"), 1e-12);
        assertEquals(0.5, a.<Double>getAs("accuracy"), 1e-12, "labels 0,1,0,1 against predicted 1, the unlabelled row left out");
        DescriptiveStatistics d = new DescriptiveStatistics(devA);
        assertEquals(d.getMean(), a.<Double>getAs("deviation_mean"), 1e-12);
        assertEquals(0.4, a.<Double>getAs("deviation_median"), 1e-12);
        assertEquals(d.getStandardDeviation(), a.<Double>getAs("deviation_std"), 1e-12);
        assertEquals(0.1, a.<Double>getAs("deviation_min"), 1e-12);
        assertEquals(0.9, a.<Double>getAs("deviation_max"), 1e-12);
        assertEquals(0.25, a.<Double>getAs("eps_median"), 1e-12);
        assertEquals((0.2 * 4 + 0.3) / 5 / 5, a.<Double>getAs("normalized_bound_mean"), 1e-12, "bound / input elements");
        assertEquals(0L, a.<Long>getAs("violations"));
        Row b = table.get(1);
        assertEquals(1L, b.<Long>getAs("violations"));
        assertEquals("paper", b.<String>getAs("bound_mode"));
        String md = Files.readString(dir.resolve("out").resolve("t").resolve("aggregate").resolve("table.md"));
        assertTrue(md.startsWith("| model | bound_mode | n |"), md);
        List<String> csv = Files.readAllLines(dir.resolve("out").resolve("t").resolve("aggregate").resolve("table.csv"));
        assertEquals(3, csv.size(), "a header and a line per group");
        assertTrue(csv.get(0).startsWith("model,bound_mode,n,accuracy,"), csv.get(0));
        assertTrue(csv.get(2).startsWith("b,paper,1,1.0,1.0,0.05,0.05,0.05,0.05,,0.3,-0.1,"), "full precision, null empty: " + csv.get(2));
    }

    /** Exact sums: the same results split over 1 or 7 files give the same table to the last bit. */
    @Test
    void tableDoesNotDependOnPartitioning(@TempDir Path dir) throws Exception {
        SparkSession spark = LocalSpark.get();
        List<Row> rows = new ArrayList<>();
        java.util.SplittableRandom r = new java.util.SplittableRandom(5);
        for (int i = 0; i < 2000; i++) {
            double bound = r.nextDouble() * 1e-3;
            boolean ok = r.nextDouble() < 0.8;
            double eta = 0.1 + r.nextDouble() * 3;
            rows.add(row(i % 3 == 0 ? "a" : "b", i, i % 5 == 0 ? null : i % 3, i % 3, bound, ok ? r.nextDouble() : null, ok,
                    ok ? eta : null, ok ? eta - bound : null, false));
        }
        spark.createDataFrame(rows, ResultSchema.SCHEMA).coalesce(1).write().parquet(dir.resolve("one").toString());
        spark.createDataFrame(rows, ResultSchema.SCHEMA).repartition(7).write().parquet(dir.resolve("seven").toString());
        List<String> tables = new ArrayList<>();
        for (String name : List.of("one", "seven")) {
            AggregateJob.Outcome o = AggregateJob.run(spark, new AggregateJob.Config(List.of(dir.resolve(name).toString()),
                    dir.resolve("out").toString(), name, List.of("model")), Fixtures.provenance());
            tables.add(spark.read().parquet(o.path()).collectAsList().toString());
        }
        assertEquals(tables.get(0), tables.get(1));
    }

    /** A null key (here an unlabelled row, grouped by label) is a group of its own, with its own medians. */
    @Test
    void mediansJoinNullKeys(@TempDir Path dir) throws Exception {
        SparkSession spark = LocalSpark.get();
        List<Row> rows = new ArrayList<>();
        rows.add(row("a", 0, null, 0, 0.2, 0.1, true, 0.5, 0.3, false));
        rows.add(row("a", 1, null, 0, 0.4, 0.1, true, 0.9, 0.5, false));
        rows.add(row("a", 2, 1, 0, 0.6, 0.1, true, 0.8, 0.2, false));
        spark.createDataFrame(rows, ResultSchema.SCHEMA).write().parquet(dir.resolve("results").toString());
        AggregateJob.Outcome o = AggregateJob.run(spark, new AggregateJob.Config(List.of(dir.resolve("results").toString()),
                dir.resolve("out").toString(), "t", List.of("label")), Fixtures.provenance());
        List<Row> table = spark.read().parquet(o.path()).collectAsList();
        assertEquals(2, table.size());
        Row unlabelled = table.stream().filter(r -> r.isNullAt(r.fieldIndex("label"))).findFirst().orElseThrow();
        assertEquals(2L, unlabelled.<Long>getAs("n"));
        assertEquals(0.3, unlabelled.<Double>getAs("bound_median"), 1e-12);
        assertEquals(0.4, unlabelled.<Double>getAs("deviation_median"), 1e-12);
        Row one = table.stream().filter(r -> !r.isNullAt(r.fieldIndex("label"))).findFirst().orElseThrow();
        assertEquals(0.6, one.<Double>getAs("bound_median"), 1e-12);
        assertTrue(unlabelled == table.get(0), "sorted by the keys, nulls first");
    }

    private static Row row(String model, long id, Integer label, int predicted, double bound, Double eps, boolean ok, Double eta,
                           Double deviation, boolean violation) {
        return RowFactory.create(model, id, label, predicted, 0, "paper", bound, ArraySeq.unsafeWrapArray(new double[] {bound, 1.0}),
                1.0, 1.0, eps, ok, eta, ok ? 0 : null, deviation, violation, 5, eta, ok ? "fgs" : null, ok ? bound / eta : null, "paper", null);
    }

    @Test
    void unknownGroupColumnIsNamed(@TempDir Path dir) {
        SparkSession spark = LocalSpark.get();
        spark.createDataFrame(List.of(row("a", 1, 0, 0, 0.1, 0.1, true, 0.2, 0.1, false)), ResultSchema.SCHEMA)
                .write().parquet(dir.resolve("r").toString());
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () ->
                AggregateJob.run(spark, new AggregateJob.Config(List.of(dir.resolve("r").toString()), dir.toString(), "u", List.of("cell")), Fixtures.provenance()));
        assertTrue(e.getMessage().contains("aggregate.group-by: column 'cell'"), e.getMessage());
        assertTrue(Arrays.asList(dir.toFile().list()).contains("r"));
    }
}
