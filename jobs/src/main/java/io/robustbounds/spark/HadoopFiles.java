package io.robustbounds.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/** Files on any Hadoop file system (local, HDFS, object stores) as the jobs write them: whole, or not at all. */
public final class HadoopFiles {
    private HadoopFiles() {
    }

    /** A default Hadoop configuration (executors have no session's one at hand). */
    public static Configuration hadoop() {
        return new Configuration();
    }

    /** The file system of {@code path} under the default configuration. */
    public static FileSystem fileSystem(String path) {
        try {
            return new Path(path).getFileSystem(hadoop());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes {@code bytes} next to {@code target} and renames it into place (the rename is the commit). */
    public static void commitBytes(FileSystem fs, Path target, byte[] bytes) throws IOException {
        fs = withoutChecksums(fs);
        Path tmp = aside(target);
        try (FSDataOutputStream out = fs.create(tmp, true)) {
            out.write(bytes);
        }
        moveIntoPlace(fs, tmp, target);
    }

    /** The local file system without its checksum layer, so small outputs (tables, provenance) get no .NAME.crc beside them; others as they are. */
    public static FileSystem withoutChecksums(FileSystem fs) {
        return fs instanceof org.apache.hadoop.fs.LocalFileSystem local ? local.getRawFileSystem() : fs;
    }

    /** A fresh hidden name beside {@code target} to write it under first: {@code .NAME.tmp-UUID} (readers skip it). */
    public static Path aside(Path target) {
        return new Path(target.getParent(), "." + target.getName() + ".tmp-" + UUID.randomUUID());
    }

    /**
     * Whether a file name is a data file's as Spark's and Hadoop's readers see it: names starting with '_' or '.'
     * ({@code _SUCCESS}, checksums, {@link #aside} files, the results' {@code _summary}) are hidden from them.
     */
    public static boolean isData(String name) {
        return !name.startsWith("_") && !name.startsWith(".");
    }

    /** Whether a file name is an {@link #aside} name: a file whose writer died before moving it into place. */
    public static boolean isAside(String name) {
        return name.startsWith(".") && name.contains(".tmp-");
    }

    /**
     * Renames {@code tmp} to {@code target}: the commit. When another attempt of the same task moved its file (the same
     * content) into place first, drops {@code tmp} instead.
     */
    public static void moveIntoPlace(FileSystem fs, Path tmp, Path target) throws IOException {
        if (!fs.rename(tmp, target)) {
            fs.delete(tmp, false);
            if (!fs.exists(target)) {
                throw new IOException("cannot rename " + tmp + " to " + target);
            }
        }
    }
}
