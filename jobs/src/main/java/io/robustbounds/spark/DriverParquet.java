package io.robustbounds.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Tables the driver holds anyway (a sweep's one row per cell, its one row per model) written as one Parquet file
 * with parquet-avro, without a Spark SQL query: the first query of a JVM costs 2–3 s of session state and code
 * generation, more than a 10⁶-sample sweep spends on all its tables. Columns come from a Spark {@link StructType}
 * (strings, longs, ints, doubles, booleans and arrays of them; nullable ones optional), so Spark reads the folder back
 * with that schema.
 */
public final class DriverParquet {
    private DriverParquet() {
    }

    /** Writes {@code rows} to {@code dir/part-00000.parquet} (any Hadoop file system). */
    public static void write(String dir, Configuration conf, StructType schema, Iterator<Row> rows) {
        Schema avro = avro(schema);
        List<Schema.Field> fields = avro.getFields();
        Path file = new Path(dir, "part-00000.parquet");
        Configuration c = new Configuration(conf);
        c.setBoolean("parquet.avro.write-old-list-structure", false); // lists as Spark writes them (list.element), nulls allowed
        try (ParquetWriter<GenericRecord> writer = AvroParquetWriter.<GenericRecord>builder(HadoopOutputFile.fromPath(file, c))
                .withSchema(avro).withConf(c).withCompressionCodec(CompressionCodecName.SNAPPY).build()) {
            while (rows.hasNext()) {
                Row row = rows.next();
                GenericRecord r = new GenericData.Record(avro);
                for (int i = 0; i < fields.size(); i++) {
                    Object v = row.get(i);
                    r.put(i, v instanceof scala.collection.Seq<?> seq ? scala.jdk.javaapi.CollectionConverters.asJava(seq) : v);
                }
                writer.write(r);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** Whether every column is of a type written here. */
    public static boolean writes(StructType schema) {
        for (StructField f : schema.fields()) {
            DataType t = f.dataType() instanceof ArrayType a ? a.elementType() : f.dataType();
            if (primitive(t) == null) { // (an array of arrays too)
                return false;
            }
        }
        return true;
    }

    public static Schema avro(StructType schema) {
        SchemaBuilder.FieldAssembler<Schema> fields = SchemaBuilder.record("row").namespace("io.robustbounds").fields();
        for (StructField f : schema.fields()) {
            Schema type;
            if (f.dataType() instanceof ArrayType a) {
                Schema element = Schema.create(type(f.name(), a.elementType()));
                type = Schema.createArray(a.containsNull() ? nullable(element) : element);
            } else {
                type = Schema.create(type(f.name(), f.dataType()));
            }
            fields = fields.name(f.name()).type(f.nullable() ? nullable(type) : type).noDefault();
        }
        return fields.endRecord();
    }

    private static Schema nullable(Schema s) {
        return Schema.createUnion(Schema.create(Schema.Type.NULL), s);
    }

    private static Schema.Type type(String column, DataType t) {
        Schema.Type p = primitive(t);
        if (p == null) {
            throw new IllegalArgumentException("column " + column + ": type " + t.simpleString() + " is not written by DriverParquet");
        }
        return p;
    }

    private static Schema.Type primitive(DataType t) {
        if (t.equals(DataTypes.StringType)) {
            return Schema.Type.STRING;
        } else if (t.equals(DataTypes.LongType)) {
            return Schema.Type.LONG;
        } else if (t.equals(DataTypes.IntegerType)) {
            return Schema.Type.INT;
        } else if (t.equals(DataTypes.DoubleType)) {
            return Schema.Type.DOUBLE;
        } else if (t.equals(DataTypes.BooleanType)) {
            return Schema.Type.BOOLEAN;
        }
        return null;
    }
}
