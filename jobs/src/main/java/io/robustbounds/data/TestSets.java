package io.robustbounds.data;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.schema.MessageType;

/**
 * Reads what the driver must know of a test set before any work starts: every file's footer is opened, its
 * columns checked and its metadata read. Errors name the file and the column.
 */
public final class TestSets {
    private TestSets() {
    }

    /**
     * What the footers say: the metadata all files agree on, and the Parquet types of the three columns when every
     * file has the same ones ({@code columns} is null otherwise, and a reader must infer or merge the schema itself).
     */
    public record Footers(TestSetMetadata metadata, MessageType columns) {
    }

    /**
     * The data files of a test set as Spark lists them: the path itself if it is a file, else the folder's files whose
     * names start with neither '_' nor '.' (so {@code _SUCCESS}, {@code _rejects.csv} and checksum files are left out).
     */
    public static List<String> files(String testSet, Configuration conf) {
        Path p = new Path(testSet);
        try {
            FileSystem fs = p.getFileSystem(conf);
            FileStatus status = fs.getFileStatus(p);
            if (!status.isDirectory()) {
                return List.of(status.getPath().toString());
            }
            List<String> files = new ArrayList<>();
            for (FileStatus f : fs.listStatus(p)) {
                String name = f.getPath().getName();
                if (name.startsWith("_") || name.startsWith(".")) {
                    continue;
                }
                if (f.isDirectory()) {
                    throw new IllegalArgumentException(testSet + ": cannot read the test set (sub-folder " + name
                            + "; a test set is a folder of Parquet files)");
                }
                files.add(f.getPath().toString());
            }
            files.sort(null);
            return files;
        } catch (FileNotFoundException e) {
            throw new IllegalArgumentException(testSet + ": cannot read the test set (no such file or folder)", e);
        } catch (IOException e) {
            throw new IllegalArgumentException(testSet + ": cannot read the test set (" + e.getMessage() + ")", e);
        }
    }

    /** The metadata all files agree on; throws naming the first file that is unreadable, lacks a column or disagrees. */
    public static TestSetMetadata inspect(List<String> files, Configuration conf) {
        return footers(files, conf).metadata();
    }

    /** {@link #inspect}, and the column types of the files: one pass over the footers. */
    public static Footers footers(List<String> files, Configuration conf) {
        if (files.isEmpty()) {
            throw new IllegalArgumentException("test set has no Parquet files");
        }
        TestSetMetadata first = null;
        String firstFile = null;
        MessageType columns = null;
        boolean sameColumns = true;
        for (String f : files) {
            Map<String, String> kv;
            MessageType schema;
            try (ParquetFileReader r = ParquetFileReader.open(HadoopInputFile.fromPath(new Path(f), conf))) {
                kv = r.getFooter().getFileMetaData().getKeyValueMetaData();
                schema = r.getFooter().getFileMetaData().getSchema();
            } catch (IOException | RuntimeException e) {
                throw new IllegalArgumentException(f + ": not a readable Parquet file (" + e.getMessage() + ")", e);
            }
            for (String column : List.of(TestSetSchema.ID, TestSetSchema.FEATURES, TestSetSchema.LABEL)) {
                if (!schema.containsField(column)) {
                    throw new IllegalArgumentException(f + ": column '" + column + "' is missing (columns: " + schema.getFields().stream()
                            .map(t -> t.getName()).toList() + ")");
                }
            }
            String json = kv.get(TestSetMetadata.KEY);
            if (json == null) {
                throw new IllegalArgumentException(f + ": footer metadata '" + TestSetMetadata.KEY + "' (shape, range, classes) is missing");
            }
            TestSetMetadata m = TestSetMetadata.fromJson(json, f);
            MessageType own = new MessageType(schema.getName(), Arrays.asList(schema.getType(TestSetSchema.ID),
                    schema.getType(TestSetSchema.FEATURES), schema.getType(TestSetSchema.LABEL)));
            if (first == null) {
                first = m;
                firstFile = f;
                columns = own;
            } else if (!own.equals(columns)) {
                sameColumns = false;
            }
            if (first != m && (!Arrays.equals(first.shape(), m.shape()) || first.low() != m.low() || first.high() != m.high()
                    || !first.classes().equals(m.classes()))) {
                throw new IllegalArgumentException(f + ": metadata " + m.toJson() + " disagrees with " + firstFile + ": " + first.toJson());
            }
        }
        return new Footers(first, sameColumns ? columns : null);
    }
}
