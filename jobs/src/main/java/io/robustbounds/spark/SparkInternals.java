package io.robustbounds.spark;

import java.util.HashMap;
import java.util.Map;
import org.apache.parquet.schema.MessageType;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.CatalystTypeConverters;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.apache.spark.sql.catalyst.expressions.SpecificInternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.sql.execution.datasources.parquet.ParquetToSparkSchemaConverter;
import org.apache.spark.sql.execution.datasources.parquet.SparkToParquetSchemaConverter;
import org.apache.spark.sql.internal.SQLConf;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * The one place that uses Spark's internal (unstable) API: the {@code sql.classic} casts behind Dataset ↔ RDD of
 * internal rows, the row and array classes of catalyst, the Parquet → Spark schema converter and catalyst's value
 * converters. Everything else in the jobs reads internal rows only through {@link InternalRow}'s and
 * {@link ArrayData}'s getters and {@link UTF8String}, and builds them here. These uses were checked against
 * {@link #CHECKED_VERSION}; {@code SparkInternalsTest} runs each of them and fails naming this class when the Spark
 * version on the class path is another one (so an upgrade re-checks them, rather than failing at run time).
 *
 * <p>Why internal rows at all: the evaluation's input and output, the aggregate's pass and the rejects are read and
 * written without conversion to external rows — the boxing of every value cost a fifth of the evaluation stage.
 */
public final class SparkInternals {
    /** The Spark version these uses were checked against (the parent pom's spark.version). */
    public static final String CHECKED_VERSION = "4.1.1";

    private SparkInternals() {
    }

    /** The Spark version on the class path. */
    public static String sparkVersion() {
        return org.apache.spark.package$.MODULE$.SPARK_VERSION();
    }

    /** The rows of a query as Spark's internal rows (no conversion to external rows). */
    @SuppressWarnings("unchecked")
    public static RDD<InternalRow> rows(Dataset<Row> d) {
        return ((org.apache.spark.sql.classic.Dataset<Row>) (Object) d).queryExecution().toRdd();
    }

    /** A DataFrame of internal rows of the given schema. */
    public static Dataset<Row> dataFrame(SparkSession spark, RDD<InternalRow> rows, StructType schema) {
        return ((org.apache.spark.sql.classic.SparkSession) spark).internalCreateDataFrame(rows, schema, false);
    }

    /** The Spark schema Spark itself gives a Parquet schema (as when it reads a file without a schema). */
    public static StructType sparkSchema(SparkSession spark, MessageType parquet) {
        return new ParquetToSparkSchemaConverter(((org.apache.spark.sql.classic.SparkSession) spark).sessionState().conf()).convert(parquet);
    }

    /**
     * The Parquet schema Spark's writer gives a Spark schema, with Spark's default settings (3-level lists, no legacy
     * format, no field ids); {@link TaskParquetFile} writes the same files.
     */
    public static MessageType parquetSchema(StructType schema) {
        return new SparkToParquetSchemaConverter(new SQLConf()).convert(schema);
    }

    /** An internal value (UTF8String, …) as the external one Spark's rows hold (String, …). */
    public static Object external(Object internal, DataType type) {
        return CatalystTypeConverters.convertToScala(internal, type);
    }

    /** An internal row of these internal values (strings as UTF8String, arrays as {@link #array}). */
    public static InternalRow row(Object... values) {
        return new GenericInternalRow(values);
    }

    /** An internal array of these values (boxed, nulls allowed). */
    public static ArrayData array(Object[] values) {
        return new GenericArrayData(values);
    }

    /** An external row whose fields can be read by name ({@link Row#getAs(String)}). */
    public static Row rowWithSchema(Object[] values, StructType schema) {
        return new GenericRowWithSchema(values, schema);
    }

    /** A mutable internal row of {@code schema}, reused for every row it makes. */
    public static MutableRow mutableRow(StructType schema) {
        return new MutableRow(schema);
    }

    /**
     * One reused internal row filled column by column: the consumer (Spark's projection to its own row format, then the
     * Parquet writer) copies each row before asking for the next, as Spark's operators do with theirs. Strings are
     * converted once per distinct value (model names, modes and attack names repeat on every row).
     */
    public static final class MutableRow implements RowSink {
        private final SpecificInternalRow row;
        private final Map<String, UTF8String> strings = new HashMap<>();

        private MutableRow(StructType schema) {
            this.row = new SpecificInternalRow(schema);
        }

        public InternalRow row() {
            return row;
        }

        @Override
        public void setString(int column, String value) {
            if (value == null) {
                row.setNullAt(column);
            } else {
                row.update(column, strings.computeIfAbsent(value, UTF8String::fromString));
            }
        }

        @Override
        public void setLong(int column, long value) {
            row.setLong(column, value);
        }

        @Override
        public void setInt(int column, boolean present, int value) {
            if (present) {
                row.setInt(column, value);
            } else {
                row.setNullAt(column);
            }
        }

        @Override
        public void setDouble(int column, boolean present, double value) {
            if (present) {
                row.setDouble(column, value);
            } else {
                row.setNullAt(column);
            }
        }

        @Override
        public void setBoolean(int column, boolean value) {
            row.setBoolean(column, value);
        }

        @Override
        public void setDoubles(int column, double[] values) {
            row.update(column, UnsafeArrayData.fromPrimitiveArray(values));
        }
    }
}
