package io.robustbounds.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ColumnWriteStore;
import org.apache.parquet.column.ColumnWriter;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.hadoop.CodecFactory;
import org.apache.parquet.hadoop.ColumnChunkPageWriteStore;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * One task's Parquet part file, written from Spark's internal rows straight into parquet-mr's column writers: the
 * file Spark's writer makes (the schema as Spark converts it, Spark's row metadata in the footer so that it reads the
 * columns back with their nullability, snappy, writer version 1, dictionaries as the options say), without Spark's
 * per-row path (a projection to its own row format, then the record consumer field by field), which cost ~10 µs per
 * result row under the jobs' C1 compiler, two thirds of what evaluating a row of a small MLP costs (3 µs here).
 *
 * <p>Written aside under a hidden name and renamed to {@code part-NNNNN.snappy.parquet} by {@link #commit}: the name
 * is fixed by the partition, so a retried or speculative attempt of the task, which writes the same rows (the
 * evaluation is deterministic), finds the file in place and drops its own. {@link #discard} drops the file of a failed
 * attempt. A partition without rows writes no file ({@link #commitAlways} does).
 *
 * <p>Columns: strings, longs, ints, doubles, booleans, and arrays of doubles, each nullable or not (the results'
 * types); a string value is encoded once per distinct object (the rows repeat the same model, mode and attack names).
 */
public final class TaskParquetFile {
    /** Spark's footer key for the schema it reads the columns back with ({@code ParquetWriteSupport.SPARK_ROW_SCHEMA}). */
    private static final String SPARK_ROW_SCHEMA = "org.apache.spark.sql.parquet.row.metadata";
    private static final String SPARK_VERSION = "org.apache.spark.version";
    /** Spark's and parquet-mr's row-group size. */
    private static final long ROW_GROUP_BYTES = 128L * 1024 * 1024;
    /** Rows between two checks of the buffered size. */
    private static final int CHECK_EVERY = 1024;

    private final Path target;
    private final Path temporary;
    private final Configuration conf;
    private final StructType schema;
    private final MessageType parquetSchema;
    private final ParquetProperties properties;
    private final Column[] columns;
    private CodecFactory codecs;
    private ParquetFileWriter file;
    private ColumnChunkPageWriteStore pages;
    private ColumnWriteStore store;
    private long rowsInGroup;
    private long rows;
    private final long rowGroupBytes;

    TaskParquetFile(String dir, int partition, StructType schema, Map<String, String> options, Configuration conf, long rowGroupBytes) {
        this.rowGroupBytes = rowGroupBytes;
        this.target = new Path(dir, String.format("part-%05d.snappy.parquet", partition));
        this.temporary = HadoopFiles.aside(target);
        this.conf = conf;
        this.schema = schema;
        this.parquetSchema = SparkInternals.parquetSchema(schema);
        ParquetProperties.Builder b = ParquetProperties.builder().withWriterVersion(ParquetProperties.WriterVersion.PARQUET_1_0);
        String prefix = "parquet.enable.dictionary#";
        for (Map.Entry<String, String> o : options.entrySet()) {
            if (o.getKey().startsWith(prefix)) {
                b.withDictionaryEncoding(o.getKey().substring(prefix.length()), Boolean.parseBoolean(o.getValue()));
            }
        }
        this.properties = b.build();
        List<ColumnDescriptor> descriptors = parquetSchema.getColumns();
        StructField[] fields = schema.fields();
        if (descriptors.size() != fields.length) {
            throw new IllegalArgumentException("only flat schemas with arrays of primitives are written here: " + schema.simpleString());
        }
        this.columns = new Column[fields.length];
        for (int k = 0; k < fields.length; k++) {
            columns[k] = column(fields[k], descriptors.get(k));
        }
    }

    /**
     * A part file of {@code schema} for {@code partition} under {@code dir}, through {@code conf}'s file system;
     * {@code options}: Spark's Parquet write options (dictionaries).
     */
    public static TaskParquetFile of(String dir, int partition, StructType schema, Map<String, String> options, Configuration conf) {
        return new TaskParquetFile(dir, partition, schema, options, conf, ROW_GROUP_BYTES);
    }

    /** Appends one row of the schema. */
    public void write(InternalRow row) {
        if (file == null) {
            open();
        }
        for (int k = 0; k < columns.length; k++) {
            if (row.isNullAt(k)) {
                StructField f = schema.fields()[k];
                if (!f.nullable()) {
                    throw new IllegalArgumentException("column " + f.name() + " is not nullable, but row " + rows + " holds null");
                }
                columns[k].writer.writeNull(0, 0);
            } else {
                columns[k].write(row, k);
            }
        }
        store.endRecord();
        rows++;
        if (++rowsInGroup % CHECK_EVERY == 0 && store.getBufferedSize() >= rowGroupBytes) {
            flushGroup();
            startGroup();
        }
    }

    /** Rows written so far. */
    public long rows() {
        return rows;
    }

    /** Closes the file and renames it into place; nothing when no row was written. */
    public void commit() {
        if (file == null) {
            return;
        }
        try {
            if (rowsInGroup > 0) {
                flushGroup();
            }
            file.end(Map.of(SPARK_ROW_SCHEMA, schema.json(), SPARK_VERSION, SparkInternals.sparkVersion()));
            release();
            file = null; // done: a later discard (the task failing after its commit) leaves the file in place
            HadoopFiles.moveIntoPlace(target.getFileSystem(conf), temporary, target);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target, e);
        }
    }

    /** {@link #commit}, and without rows a file with no row group: a folder's only file, which gives readers the schema. */
    public void commitAlways() {
        if (file == null) {
            open();
        }
        commit();
    }

    /** Drops the unfinished file of a failed attempt (best effort: a hidden file, which readers ignore). */
    public void discard() {
        if (file == null) {
            return;
        }
        try {
            release();
            temporary.getFileSystem(conf).delete(temporary, false);
        } catch (IOException | RuntimeException ignored) {
            // removed with the staging folder
        } finally {
            file = null;
        }
    }

    private void open() {
        try {
            codecs = new CodecFactory(conf, properties.getPageSizeThreshold());
            file = new ParquetFileWriter(HadoopOutputFile.fromPath(temporary, conf), parquetSchema, ParquetFileWriter.Mode.CREATE,
                    rowGroupBytes, 0, null, properties);
            file.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + temporary, e);
        }
        startGroup();
    }

    private void startGroup() {
        pages = new ColumnChunkPageWriteStore(codecs.getCompressor(CompressionCodecName.SNAPPY), parquetSchema, properties.getAllocator(),
                properties.getColumnIndexTruncateLength(), properties.getPageWriteChecksumEnabled());
        store = properties.newColumnWriteStore(parquetSchema, pages, pages);
        List<ColumnDescriptor> descriptors = parquetSchema.getColumns();
        for (int k = 0; k < columns.length; k++) {
            columns[k].writer = store.getColumnWriter(descriptors.get(k));
        }
        rowsInGroup = 0;
    }

    private void flushGroup() {
        try {
            file.startBlock(rowsInGroup);
            store.flush();
            pages.flushToFileWriter(file);
            file.endBlock();
            store.close();
            pages.close();
            store = null;
            pages = null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + temporary, e);
        }
    }

    private void release() throws IOException {
        try {
            if (store != null) {
                store.close();
                pages.close();
            }
            file.close(); // after end(): nothing left to close
        } finally {
            store = null;
            pages = null;
            codecs.release();
        }
    }

    /** One column's writer and how a present value of it is written. */
    private abstract static class Column {
        ColumnWriter writer;

        abstract void write(InternalRow row, int ordinal);
    }

    private static Column column(StructField f, ColumnDescriptor d) {
        DataType t = f.dataType();
        int def = f.nullable() ? 1 : 0; // the definition level of a present top-level value
        if (t instanceof ArrayType a && a.elementType().equals(DataTypes.DoubleType)) {
            int element = def + 1 + (a.containsNull() ? 1 : 0);
            return new Column() {
                @Override
                void write(InternalRow row, int ordinal) {
                    ArrayData values = row.getArray(ordinal);
                    int n = values.numElements();
                    if (n == 0) {
                        writer.writeNull(0, def);
                    }
                    for (int i = 0; i < n; i++) {
                        if (values.isNullAt(i)) {
                            writer.writeNull(i == 0 ? 0 : 1, element - 1);
                        } else {
                            writer.write(values.getDouble(i), i == 0 ? 0 : 1, element);
                        }
                    }
                }
            };
        }
        if (d.getMaxRepetitionLevel() != 0 || d.getMaxDefinitionLevel() != def) {
            throw new IllegalArgumentException("column " + f.name() + " of type " + t.simpleString() + " is not written here");
        }
        if (t.equals(DataTypes.StringType)) {
            return new Column() {
                private UTF8String last;
                private Binary encoded;

                @Override
                void write(InternalRow row, int ordinal) {
                    UTF8String s = row.getUTF8String(ordinal);
                    if (s != last) {
                        last = s;
                        encoded = Binary.fromConstantByteArray(s.getBytes());
                    }
                    writer.write(encoded, 0, def);
                }
            };
        }
        if (t.equals(DataTypes.LongType)) {
            return new Column() {
                @Override
                void write(InternalRow row, int ordinal) {
                    writer.write(row.getLong(ordinal), 0, def);
                }
            };
        }
        if (t.equals(DataTypes.IntegerType)) {
            return new Column() {
                @Override
                void write(InternalRow row, int ordinal) {
                    writer.write(row.getInt(ordinal), 0, def);
                }
            };
        }
        if (t.equals(DataTypes.DoubleType)) {
            return new Column() {
                @Override
                void write(InternalRow row, int ordinal) {
                    writer.write(row.getDouble(ordinal), 0, def);
                }
            };
        }
        if (t.equals(DataTypes.BooleanType)) {
            return new Column() {
                @Override
                void write(InternalRow row, int ordinal) {
                    writer.write(row.getBoolean(ordinal), 0, def);
                }
            };
        }
        throw new IllegalArgumentException("column " + f.name() + " of type " + t.simpleString() + " is not written here");
    }
}
