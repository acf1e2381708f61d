package io.robustbounds.evaluate;

import io.robustbounds.results.NonFinite;
import io.robustbounds.results.ResultSchema;
import io.robustbounds.spark.DriverParquet;
import io.robustbounds.spark.HadoopFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.util.HadoopOutputFile;

/**
 * One evaluation task's rejects for non-finite results ({@link NonFinite}), {@link ResultSchema#REJECTS} rows written
 * as they are found: only the evaluation knows them, and the rejects pass ({@link RejectRows}) does not evaluate.
 * The file is opened at the first such sample (none for a partition without any), written aside and renamed to
 * {@code part-non-finite-NNNNN.parquet} when the partition is done; a retried task writes the same rows again.
 * {@link EvaluateJob} moves the files into the rejects folder.
 */
final class NonFiniteRejects {
    static final String PREFIX = "part-non-finite-";
    private final Path target;
    private Path temporary;
    private ParquetWriter<GenericRecord> writer;
    private Schema schema;
    private final Configuration conf;

    /** Files under {@code dir} through {@code conf}'s file system. */
    NonFiniteRejects(String dir, int partition, Configuration conf) {
        this.conf = conf;
        this.target = new Path(dir, String.format("%s%05d.parquet", PREFIX, partition));
    }

    /** One reject: the sample's file and id, the result column at fault and why, its features {@code x[offset, offset + d)} and label. */
    void add(String file, long id, String column, String reason, double[] x, int offset, int d, Integer label) {
        try {
            if (writer == null) {
                open();
            }
            List<Double> features = new ArrayList<>(d);
            for (int j = 0; j < d; j++) {
                features.add(x[offset + j]);
            }
            GenericRecord r = new GenericData.Record(schema);
            r.put("file", file);
            r.put("id", id);
            r.put("column", column);
            r.put("reason", reason);
            r.put("features", features);
            r.put("label", label);
            writer.write(r);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + temporary, e);
        }
    }

    private void open() throws IOException {
        schema = DriverParquet.avro(ResultSchema.REJECTS);
        temporary = HadoopFiles.aside(target);
        Configuration c = new Configuration(conf);
        c.setBoolean("parquet.avro.write-old-list-structure", false); // lists as Spark writes them
        writer = AvroParquetWriter.<GenericRecord>builder(HadoopOutputFile.fromPath(temporary, c)).withSchema(schema).withConf(c)
                .withCompressionCodec(CompressionCodecName.SNAPPY).build();
    }

    /** Closes the file and renames it into place (nothing when no sample was added). */
    void commit() {
        if (writer == null) {
            return;
        }
        try {
            writer.close();
            writer = null;
            HadoopFiles.moveIntoPlace(target.getFileSystem(conf), temporary, target); // a second attempt: the same rows
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Drops the unfinished file of a failed task. */
    void discard() {
        if (writer == null) {
            return;
        }
        try {
            writer.close();
            temporary.getFileSystem(conf).delete(temporary, false);
        } catch (IOException ignored) {
            // best effort: a hidden file, ignored by readers, removed with the staging folder
        } finally {
            writer = null;
        }
    }

    /**
     * Moves the committed files under {@code from} into {@code rejects} (the staged rejects folder); without a
     * file there, does nothing. Returns how many files were moved.
     */
    static int moveInto(FileSystem fs, String from, String rejects) {
        try {
            Path dir = new Path(from);
            if (!fs.exists(dir)) {
                return 0;
            }
            int moved = 0;
            for (org.apache.hadoop.fs.FileStatus f : fs.listStatus(dir)) {
                String name = f.getPath().getName();
                if (name.startsWith(PREFIX)) {
                    Path to = new Path(rejects, name);
                    if (!fs.rename(f.getPath(), to)) {
                        throw new IOException("cannot rename " + f.getPath() + " to " + to);
                    }
                    moved++;
                }
            }
            fs.delete(dir, true);
            return moved;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
