package io.robustbounds.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.robustbounds.testkit.LocalSpark;
import java.util.List;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;
import org.junit.jupiter.api.Test;

/**
 * Each use of Spark's internal API ({@link SparkInternals}) run once, and the Spark version they were checked against:
 * an upgrade of Spark fails here, naming what to re-check, rather than in a job.
 */
class SparkInternalsTest {
    private static final StructType SCHEMA = new StructType().add("name", DataTypes.StringType, true).add("n", DataTypes.LongType, false)
            .add("x", DataTypes.DoubleType, true).add("v", DataTypes.createArrayType(DataTypes.DoubleType, false), false);

    @Test
    void theSparkVersionIsTheOneTheInternalsWereCheckedAgainst() {
        assertEquals(SparkInternals.CHECKED_VERSION, SparkInternals.sparkVersion(), "Spark on the class path is "
                + SparkInternals.sparkVersion() + ", but io.robustbounds.spark.SparkInternals was checked against " + SparkInternals.CHECKED_VERSION
                + ": re-check its uses of Spark's internal API (sql.classic Dataset/SparkSession casts, SpecificInternalRow, "
                + "GenericInternalRow, UnsafeArrayData, GenericArrayData, ParquetToSparkSchemaConverter, CatalystTypeConverters; SparkToParquetSchemaConverter, SQLConf; "
                + "TaskParquetFile's footer key), "
                + "run this test class, then set CHECKED_VERSION");
    }

    @Test
    void rowsGoThroughDataFramesBothWays() {
        SparkSession spark = LocalSpark.get();
        SparkInternals.MutableRow m = SparkInternals.mutableRow(SCHEMA);
        m.setString(0, "a");
        m.setLong(1, 7);
        m.setDouble(2, false, 1.5);
        m.setDoubles(3, new double[] {1, 2});
        InternalRow copy = m.row().copy();
        InternalRow generic = SparkInternals.row(UTF8String.fromString("b"), 8L, 2.5, SparkInternals.array(new Object[] {3.0}));
        RDD<InternalRow> rdd = spark.sparkContext().parallelize(scala.jdk.javaapi.CollectionConverters.asScala(List.of(copy, generic)).toSeq(),
                1, scala.reflect.ClassTag$.MODULE$.apply(InternalRow.class));
        Dataset<Row> df = SparkInternals.dataFrame(spark, rdd, SCHEMA);
        List<Row> rows = df.orderBy("n").collectAsList();
        assertEquals("a", rows.get(0).getString(0));
        assertTrue(rows.get(0).isNullAt(2));
        assertEquals(List.of(1.0, 2.0), rows.get(0).getList(3));
        assertEquals(2.5, rows.get(1).getDouble(2));
        List<InternalRow> back = SparkInternals.rows(df.select("n")).toJavaRDD().map(r -> r.copy()).collect();
        assertArrayEquals(new long[] {7, 8}, back.stream().mapToLong(r -> r.getLong(0)).sorted().toArray());
    }

    @Test
    void parquetSchemasAndExternalValuesConvert() {
        MessageType parquet = MessageTypeParser.parseMessageType("message m { required int64 id; optional binary file (STRING); }");
        StructType s = SparkInternals.sparkSchema(LocalSpark.get(), parquet);
        assertEquals("struct<id:bigint,file:string>", s.simpleString());
        assertEquals("x", SparkInternals.external(UTF8String.fromString("x"), DataTypes.StringType));
        Row r = SparkInternals.rowWithSchema(new Object[] {"a", 1L, null, null}, SCHEMA);
        assertEquals(1L, r.<Long>getAs("n"));
    }
}
