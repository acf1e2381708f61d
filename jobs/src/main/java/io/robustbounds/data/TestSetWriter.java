package io.robustbounds.data;

import io.robustbounds.output.OutputFolder;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.avro.AvroWriteSupport;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;

/**
 * Writes a test set as partitioned Parquet without Spark (parquet-avro): {@code part-00000.parquet}, … of at
 * most {@code rowsPerFile} rows each, every footer carrying the {@link TestSetMetadata}. The target is claimed
 * first ({@link OutputFolder}: locked, and refused unless absent, empty or a test set this tool wrote). The files are
 * written into a hidden sibling folder and moved into place by {@link #commit()}; {@link #close()} without a commit (an
 * exception in a try-with-resources block) drops them. A reader never sees half a set, a failed run leaves the
 * previous set in place, and a re-run replaces it whole.
 */
public final class TestSetWriter implements Closeable {
    private final OutputFolder output;
    private final org.apache.hadoop.fs.Path stagingPath;
    private final Path staging;
    private final TestSetMetadata metadata;
    private final boolean doubles;
    private final long rowsPerFile;
    private final Schema schema;
    private ParquetWriter<GenericRecord> writer;
    private int files;
    private long rowsInFile;
    private long rows;
    private boolean done;

    public TestSetWriter(Path target, TestSetMetadata metadata, boolean doubles, long rowsPerFile) throws IOException {
        if (rowsPerFile < 1) {
            throw new IllegalArgumentException("rows per file must be >= 1, got " + rowsPerFile);
        }
        this.metadata = metadata;
        this.doubles = doubles;
        this.rowsPerFile = rowsPerFile;
        this.schema = TestSetSchema.avro(doubles);
        this.output = OutputFolder.claim(target, OutputFolder.Kind.TEST_SET);
        this.stagingPath = output.stagingPath("tmp");
        this.staging = Path.of(stagingPath.toUri());
        try {
            Files.createDirectories(staging);
        } catch (IOException | RuntimeException e) {
            output.close();
            throw e;
        }
    }

    /** Appends one row; {@code label} may be null. */
    public void write(long id, double[] features, Integer label) throws IOException {
        if (features.length != metadata.size()) {
            throw new IllegalArgumentException("row " + id + ": features has " + features.length + " values, expected " + metadata.size());
        }
        if (writer == null || rowsInFile == rowsPerFile) {
            roll();
        }
        GenericRecord r = new GenericData.Record(schema);
        r.put(TestSetSchema.ID, id);
        if (doubles) {
            List<Double> v = new ArrayList<>(features.length);
            for (double f : features) {
                v.add(f);
            }
            r.put(TestSetSchema.FEATURES, v);
        } else {
            List<Float> v = new ArrayList<>(features.length);
            for (double f : features) {
                v.add((float) f);
            }
            r.put(TestSetSchema.FEATURES, v);
        }
        r.put(TestSetSchema.LABEL, label);
        writer.write(r);
        rowsInFile++;
        rows++;
    }

    public long rows() {
        return rows;
    }

    /** A file of this name in the set being written (such as the importers' rejects), published with it by {@link #commit()}. */
    public Path staged(String name) {
        return staging.resolve(name);
    }

    private void roll() throws IOException {
        if (writer != null) {
            writer.close();
        }
        PlainParquetConfiguration conf = new PlainParquetConfiguration();
        conf.setBoolean(AvroWriteSupport.WRITE_OLD_LIST_STRUCTURE, false); // the standard 3-level list Spark writes too
        writer = AvroParquetWriter.<GenericRecord>builder(new LocalOutputFile(staging.resolve(String.format("part-%05d.parquet", files++))))
                .withSchema(schema)
                .withConf(conf)
                .withCompressionCodec(CompressionCodecName.SNAPPY)
                .withExtraMetaData(Map.of(TestSetMetadata.KEY, metadata.toJson()))
                .build();
        rowsInFile = 0;
    }

    /** Moves the set into place, replacing the previous one, and releases the output. */
    public void commit() throws IOException {
        if (done) {
            throw new IllegalStateException("test set " + output.target() + " was committed or dropped already");
        }
        done = true;
        try {
            if (writer != null) {
                writer.close();
                writer = null;
            }
            output.replaceWith(stagingPath);
        } catch (IOException | RuntimeException e) {
            output.drop(stagingPath);
            throw e;
        } finally {
            output.close();
        }
    }

    /** Drops what was written unless {@link #commit()} came first; the previous set, if any, stays in place. */
    @Override
    public void close() throws IOException {
        if (done) {
            return;
        }
        done = true;
        try {
            if (writer != null) {
                writer.close();
            }
        } finally {
            writer = null;
            output.drop(stagingPath);
            output.close();
        }
    }
}
