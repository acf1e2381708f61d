package io.robustbounds.spark;

import io.robustbounds.output.OutputFolder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The output of one step of one run, {@code <root>/<run-id>/<step>/}, replaced atomically: everything is
 * written to a hidden sibling {@code .<step>.tmp-<nonce>/} and renamed into place only when the step
 * succeeded, so a retried or re-run job leaves exactly one copy and a failed one leaves the previous copy.
 * From construction to {@link #commit()} or {@link #abort()} the step's output is claimed ({@link OutputFolder}):
 * a second run of the same run id and step is refused, and a folder there that is not this step's output is
 * never replaced.
 */
public final class RunOutput {
    private final FileSystem fs;
    private final Path target;
    private final OutputFolder output;
    private final Path staging;

    public RunOutput(String root, String runId, String step, Configuration conf) {
        if (!runId.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
            throw new IllegalArgumentException("run id must be letters, digits, '.', '_' or '-', got '" + runId + "'");
        }
        Path run = new Path(new Path(root), runId);
        this.target = new Path(run, step);
        this.output = OutputFolder.claim(target, OutputFolder.Kind.step(step), conf);
        this.staging = output.stagingPath("tmp");
        try {
            this.fs = staging.getFileSystem(conf);
            if (!fs.mkdirs(staging)) {
                throw new IOException("mkdirs failed");
            }
        } catch (IOException e) {
            output.close();
            throw new UncheckedIOException("cannot create " + staging, e);
        }
    }

    /** Creates the (empty) folder of a part, for tasks that write their files into it. */
    public void makePart(String part) {
        try {
            if (!fs.mkdirs(new Path(staging, part))) {
                throw new IOException("mkdirs failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + part + " under " + staging, e);
        }
    }

    /**
     * Deletes what attempts of tasks that died before their commit or discard (a lost executor) left in a part's folder:
     * files under {@link HadoopFiles#aside} names (and their checksums). Returns how many.
     */
    public int dropUnfinished(String part) {
        try {
            int dropped = 0;
            for (org.apache.hadoop.fs.FileStatus f : fs.listStatus(new Path(staging, part))) {
                String name = f.getPath().getName();
                if (HadoopFiles.isAside(name) && fs.delete(f.getPath(), false)) {
                    dropped++;
                }
            }
            return dropped;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + part + " under " + staging, e);
        }
    }

    /** Whether a part's folder holds a data file ({@link HadoopFiles#isData}). */
    public boolean hasFiles(String part) {
        try {
            for (org.apache.hadoop.fs.FileStatus f : fs.listStatus(new Path(staging, part))) {
                String name = f.getPath().getName();
                if (f.isFile() && HadoopFiles.isData(name)) {
                    return true;
                }
            }
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + part + " under " + staging, e);
        }
    }

    /** Where a part of the output is written before commit, e.g. {@code staging("results")}. */
    public String staging(String part) {
        return new Path(staging, part).toString();
    }

    /** The final location of a part, valid after {@link #commit()}. */
    public String path(String part) {
        return new Path(target, part).toString();
    }

    public String target() {
        return target.toString();
    }

    public void writeText(String part, String text) {
        try (FSDataOutputStream out = HadoopFiles.withoutChecksums(fs).create(new Path(staging, part), true)) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + part + " under " + staging, e);
        }
    }

    /** Deletes a staged part, if there is one. */
    public void deletePart(String part) {
        try {
            fs.delete(new Path(staging, part), true);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public FileSystem fileSystem() {
        return fs;
    }

    /** Within the staged output, replaces part {@code part} by part {@code from} (e.g. results rewritten without some rows). */
    public void replacePart(String part, String from) {
        Path target = new Path(staging, part);
        try {
            if (fs.exists(target) && !fs.delete(target, true)) {
                throw new IOException("cannot delete " + target);
            }
            if (!fs.rename(new Path(staging, from), target)) {
                throw new IOException("cannot rename " + from + " to " + target);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Replaces the step's previous output with this one and releases the step. */
    public void commit() {
        try {
            output.replaceWith(staging);
        } catch (IOException | RuntimeException e) {
            output.drop(staging);
            if (e instanceof RuntimeException r) {
                throw r;
            }
            throw new UncheckedIOException(target + ": cannot replace the previous output: " + e.getMessage(), (IOException) e);
        } finally {
            output.close();
        }
    }

    /** Drops the staged output of a failed step (best effort: the next run of the step removes what is left) and releases the step. */
    public void abort() {
        output.drop(staging);
        output.close();
    }
}
