package io.robustbounds.benchmark;

import io.robustbounds.data.TestSets;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.codec.digest.DigestUtils;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;

/**
 * What identifies an input of a suite entry between runs: one SHA-256 over its files (each file's name and SHA-256, in
 * name order, so that moving the folder changes nothing but editing, adding or removing a file does), their number and,
 * for a test set, its rows (from the Parquet footers: no data is read for them).
 */
record Fingerprint(String sha256, int files, Long rows) {

    /** A test set: its data files as the evaluation reads them (TestSets.files), their rows from the footers. */
    static Fingerprint ofTestSet(String testSet, Configuration conf) {
        List<String> files = TestSets.files(testSet, conf);
        long rows = 0;
        for (String f : files) {
            try (ParquetFileReader r = ParquetFileReader.open(HadoopInputFile.fromPath(new Path(f), conf))) {
                rows += r.getRecordCount();
            } catch (IOException | RuntimeException e) {
                throw new IllegalArgumentException(f + ": not a readable Parquet file (" + e.getMessage() + ")", e);
            }
        }
        return new Fingerprint(sha256(files, conf), files.size(), rows);
    }

    /** A test set imported from a CSV file at each run: the CSV's checksum, the rows of the set imported from it. */
    static Fingerprint ofImported(String csv, String testSet, Configuration conf) {
        return new Fingerprint(sha256(List.of(csv), conf), 1, ofTestSet(testSet, conf).rows());
    }

    /** A model: its folder's files (model.json and the .npy tensors), or the file itself (a .zip). */
    static Fingerprint ofModel(String model, Configuration conf) {
        Path p = new Path(model);
        try {
            FileSystem fs = p.getFileSystem(conf);
            List<String> files = new ArrayList<>();
            if (fs.getFileStatus(p).isDirectory()) {
                for (FileStatus f : fs.listStatus(p)) {
                    if (f.isFile() && !f.getPath().getName().startsWith(".")) {
                        files.add(f.getPath().toString());
                    }
                }
                files.sort(null);
            } else {
                files.add(p.toString());
            }
            return new Fingerprint(sha256(files, conf), files.size(), null);
        } catch (IOException e) {
            throw new UncheckedIOException(model + ": cannot read the model's files to checksum them", e);
        }
    }

    /** SHA-256 of the lines "name sha256-of-the-file" of the files in the order given. */
    private static String sha256(List<String> files, Configuration conf) {
        StringBuilder lines = new StringBuilder();
        for (String f : files) {
            Path p = new Path(f);
            try (InputStream in = p.getFileSystem(conf).open(p)) {
                lines.append(p.getName()).append(' ').append(DigestUtils.sha256Hex(in)).append('\n');
            } catch (IOException e) {
                throw new UncheckedIOException(f + ": cannot read it to checksum it", e);
            }
        }
        return DigestUtils.sha256Hex(lines.toString());
    }

    /** The first 12 hex digits: enough to tell two versions apart in a message. */
    static String shortSha(String sha256) {
        return sha256 == null ? "none" : sha256.substring(0, Math.min(12, sha256.length()));
    }
}
