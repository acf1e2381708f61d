package io.robustbounds.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.robustbounds.testkit.LocalSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The task's part file against Spark's own Parquet writer: the same Parquet schema, the same schema and values read back
 * by Spark (nulls, empty arrays, NaN, ±∞, −0.0, repeated strings), several row groups; the commit's name and the cases
 * of a retried attempt, a failed one, a partition without rows and a folder's only, empty file.
 */
class TaskParquetFileTest {
    private static final StructType SCHEMA = new StructType()
            .add("name", DataTypes.StringType, false)
            .add("id", DataTypes.LongType, false)
            .add("label", DataTypes.IntegerType, true)
            .add("x", DataTypes.DoubleType, true)
            .add("y", DataTypes.DoubleType, false)
            .add("flag", DataTypes.BooleanType, false)
            .add("attack", DataTypes.StringType, true)
            .add("kappas", DataTypes.createArrayType(DataTypes.DoubleType, false), false)
            .add("loose", DataTypes.createArrayType(DataTypes.DoubleType, true), true);
    private static final Map<String, String> OPTIONS = Map.of("parquet.enable.dictionary#x", "false",
            "parquet.enable.dictionary#kappas.list.element", "false");
    private static final double[] SPECIAL = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -0.0, 0.0, Double.MIN_VALUE};

    @TempDir
    Path dir;

    /** {@code n} rows of every kind of value; the two names are the same two objects on every row, as the jobs' rows are. */
    private static List<InternalRow> rows(int n, long seed) {
        Random r = new Random(seed);
        UTF8String[] names = {UTF8String.fromString("model-a"), UTF8String.fromString("modèle-b")};
        List<InternalRow> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            double x = r.nextInt(10) == 0 ? SPECIAL[r.nextInt(SPECIAL.length)] : r.nextGaussian();
            double[] kappas = new double[r.nextInt(4)]; // empty on a quarter of the rows
            for (int k = 0; k < kappas.length; k++) {
                kappas[k] = r.nextDouble();
            }
            Object[] loose = new Object[r.nextInt(3)];
            for (int k = 0; k < loose.length; k++) {
                loose[k] = r.nextBoolean() ? null : r.nextGaussian();
            }
            rows.add(SparkInternals.row(names[r.nextInt(2)], (long) i, r.nextInt(5) == 0 ? null : r.nextInt(10),
                    r.nextInt(7) == 0 ? null : x, r.nextGaussian(), r.nextBoolean(),
                    r.nextInt(3) == 0 ? null : UTF8String.fromString(r.nextBoolean() ? "fgs" : "deepfool"),
                    org.apache.spark.sql.catalyst.expressions.UnsafeArrayData.fromPrimitiveArray(kappas),
                    r.nextInt(4) == 0 ? null : SparkInternals.array(loose)));
        }
        return rows;
    }

    private static void write(Path folder, int partition, List<InternalRow> rows, long rowGroupBytes) {
        TaskParquetFile f = new TaskParquetFile(folder.toString(), partition, SCHEMA, OPTIONS, new Configuration(), rowGroupBytes);
        for (InternalRow row : rows) {
            f.write(row);
        }
        assertEquals(rows.size(), f.rows());
        f.commit();
    }

    private static List<Path> files(Path folder) throws IOException {
        try (Stream<Path> s = Files.list(folder)) {
            return s.filter(p -> !p.getFileName().toString().endsWith(".crc")).sorted().toList();
        }
    }

    private static ParquetMetadata footer(Path file) throws IOException {
        try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromPath(new org.apache.hadoop.fs.Path(file.toString()),
                new Configuration()))) {
            return reader.getFooter();
        }
    }

    @Test
    void sparkReadsBackWhatItsOwnWriterWouldHaveWritten() throws IOException {
        SparkSession spark = LocalSpark.get();
        List<InternalRow> rows = rows(5000, 1);
        Path ours = dir.resolve("ours");
        Files.createDirectories(ours);
        write(ours, 3, rows.subList(0, 3000), 1); // a row group every 1024 rows
        write(ours, 7, rows.subList(3000, 5000), 128L << 20);
        Path spark1 = dir.resolve("spark");
        RDD<InternalRow> rdd = spark.sparkContext().parallelize(scala.jdk.javaapi.CollectionConverters.asScala(rows).toSeq(), 1,
                scala.reflect.ClassTag$.MODULE$.apply(InternalRow.class));
        SparkInternals.dataFrame(spark, rdd, SCHEMA).write().options(OPTIONS).parquet(spark1.toString());

        assertEquals(List.of(ours.resolve("part-00003.snappy.parquet"), ours.resolve("part-00007.snappy.parquet")), files(ours));
        Path sparkFile = files(spark1).stream().filter(p -> p.getFileName().toString().startsWith("part-")).findFirst().orElseThrow();
        ParquetMetadata theirs = footer(sparkFile);
        ParquetMetadata first = footer(ours.resolve("part-00003.snappy.parquet"));
        assertEquals(theirs.getFileMetaData().getSchema(), first.getFileMetaData().getSchema());
        assertEquals(theirs.getFileMetaData().getKeyValueMetaData().get("org.apache.spark.sql.parquet.row.metadata"),
                first.getFileMetaData().getKeyValueMetaData().get("org.apache.spark.sql.parquet.row.metadata"));
        assertEquals(3, first.getBlocks().size(), "3000 rows, a row group after every 1024");
        for (BlockMetaData b : first.getBlocks()) {
            for (ColumnChunkMetaData c : b.getColumns()) {
                String path = c.getPath().toDotString();
                if (path.equals("x") || path.equals("kappas.list.element")) {
                    assertFalse(c.hasDictionaryPage(), path + ": no dictionary, as the options say");
                } else if (path.equals("name") || path.equals("attack")) {
                    assertTrue(c.hasDictionaryPage(), path + ": a dictionary, as by default (its values repeat)");
                }
                assertEquals(org.apache.parquet.hadoop.metadata.CompressionCodecName.SNAPPY, c.getCodec());
            }
        }

        var read = spark.read().parquet(ours.toString());
        var expected = spark.read().parquet(spark1.toString());
        assertEquals(expected.schema(), read.schema()); // (Spark's file sources read every column as nullable)
        List<Row> a = expected.orderBy("id").collectAsList();
        List<Row> b = read.orderBy("id").collectAsList();
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            for (int k = 0; k < SCHEMA.size(); k++) {
                Object u = a.get(i).get(k);
                Object v = b.get(i).get(k);
                if (u instanceof scala.collection.Seq<?> s) {
                    u = scala.jdk.javaapi.CollectionConverters.asJava(s);
                    v = scala.jdk.javaapi.CollectionConverters.asJava((scala.collection.Seq<?>) v);
                }
                assertEquals(u, v, "row " + i + ", column " + SCHEMA.fields()[k].name()); // Double.equals: NaN = NaN, −0.0 ≠ 0.0
            }
        }
    }

    @Test
    void aSecondAttemptFindsTheFileInPlaceAndDropsItsOwn() throws IOException {
        List<InternalRow> rows = rows(100, 2);
        write(dir, 0, rows, 128L << 20);
        byte[] first = Files.readAllBytes(dir.resolve("part-00000.snappy.parquet"));
        write(dir, 0, rows, 128L << 20);
        assertEquals(List.of(dir.resolve("part-00000.snappy.parquet")), files(dir), "no second file, no hidden file left");
        assertEquals(first.length, Files.readAllBytes(dir.resolve("part-00000.snappy.parquet")).length);
    }

    @Test
    void aFailedAttemptLeavesNothingAndAnEmptyPartitionWritesNoFile() throws IOException {
        TaskParquetFile failed = new TaskParquetFile(dir.toString(), 1, SCHEMA, OPTIONS, new Configuration(), 128L << 20);
        for (InternalRow row : rows(50, 3)) {
            failed.write(row);
        }
        assertFalse(files(dir).isEmpty(), "the attempt's file is being written");
        assertTrue(files(dir).stream().allMatch(p -> p.getFileName().toString().startsWith(".")), "under a hidden name until committed");
        failed.discard();
        assertEquals(List.of(), files(dir));
        TaskParquetFile.of(dir.toString(), 2, SCHEMA, OPTIONS, new Configuration()).commit();
        assertEquals(List.of(), files(dir));
        TaskParquetFile.of(dir.toString(), 0, SCHEMA, OPTIONS, new Configuration()).commitAlways();
        assertEquals(List.of(dir.resolve("part-00000.snappy.parquet")), files(dir));
        var empty = LocalSpark.get().read().parquet(dir.toString());
        assertEquals(0, empty.count());
        assertEquals(SCHEMA.simpleString(), empty.schema().simpleString(), "a file without rows still gives the schema");
    }

    @Test
    void aTaskFailingAfterItsCommitKeepsTheFileAndANullWhereNoneMayBeIsRefused() throws IOException {
        TaskParquetFile f = new TaskParquetFile(dir.toString(), 4, SCHEMA, OPTIONS, new Configuration(), 128L << 20);
        f.write(rows(1, 4).get(0));
        f.commit();
        f.discard(); // the task's failure listener, when something after the commit fails
        assertEquals(List.of(dir.resolve("part-00004.snappy.parquet")), files(dir));
        InternalRow noName = rows(1, 5).get(0).copy();
        noName.setNullAt(0);
        TaskParquetFile g = new TaskParquetFile(dir.toString(), 5, SCHEMA, OPTIONS, new Configuration(), 128L << 20);
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> g.write(noName));
        assertEquals("column name is not nullable, but row 0 holds null", e.getMessage());
        g.discard();
        assertEquals(List.of(dir.resolve("part-00004.snappy.parquet")), files(dir));
    }
}
