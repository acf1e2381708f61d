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
        Path tmp = new Path(target.getParent(), "." + target.getName() + ".tmp-" + UUID.randomUUID());
        try (FSDataOutputStream out = fs.create(tmp, true)) {
            out.write(bytes);
        }
        if (!fs.rename(tmp, target)) {
            fs.delete(tmp, false);
            if (!fs.exists(target)) {
                throw new IOException("cannot rename " + tmp + " to " + target);
            }
        }
    }
}
