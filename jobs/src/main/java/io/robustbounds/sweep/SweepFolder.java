package io.robustbounds.sweep;

import io.robustbounds.config.ConfigException;
import io.robustbounds.config.SweepConfig;
import io.robustbounds.spark.HadoopFiles;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A sweep's folder on any Hadoop file system: its state file ({@code _sweep.json}, the config hash a resumed run must
 * match), its committed units ({@code units/<cell>/<first>-<count>.bin}) and the files a dead run left half written.
 */
final class SweepFolder {
    private SweepFolder() {
    }

    /** Checks or creates the sweep folder's state file according to {@code start}. */
    static void prepare(FileSystem fs, Path dir, SweepConfig c, SweepJob.Start start) {
        Path state = new Path(dir, SweepJob.STATE);
        try {
            boolean exists = fs.exists(state);
            if (exists && start == SweepJob.Start.NEW) {
                throw new ConfigException("sweep output " + dir + " exists already (run.id = " + c.runId()
                        + "): pass --resume to compute only its missing units, --fresh to start it over, or choose another run.id");
            }
            if (exists && start == SweepJob.Start.RESUME) {
                String recorded = recordedHash(fs, state);
                if (!recorded.equals(c.hash())) {
                    throw new ConfigException("cannot resume " + dir + ": the sweep configuration changed since it started (config hash "
                            + recorded.substring(0, 12) + "… then, " + c.hash().substring(0, 12) + "… now; the hash covers the seed, "
                            + "models-per-unit, the evaluation settings and every cell). Restore the configuration, use --fresh, or choose another run.id");
                }
                cleanStaleFiles(fs, new Path(dir, "units"));
                return;
            }
            if (fs.exists(dir) && start == SweepJob.Start.FRESH) {
                if (!fs.delete(dir, true)) {
                    throw new IOException("cannot delete " + dir);
                }
            } else if (fs.exists(dir) && !exists && fs.listStatus(dir).length > 0) {
                throw new ConfigException(dir + " exists and is not a sweep output (no " + SweepJob.STATE + "); choose another run.id");
            }
            fs.mkdirs(new Path(dir, "units"));
            String json = "{\n  \"config_hash\": \"" + c.hash() + "\",\n  \"name\": \"" + c.name().replace("\"", "'") + "\",\n  \"models_per_unit\": "
                    + c.modelsPerUnit() + ",\n  \"cells\": " + c.cells().size() + "\n}\n";
            HadoopFiles.commitBytes(fs, state, json.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String recordedHash(FileSystem fs, Path state) throws IOException {
        try (InputStream in = fs.open(state)) {
            String s = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"config_hash\"\\s*:\\s*\"([0-9a-f]{64})\"").matcher(s);
            if (!m.find()) {
                throw new ConfigException(state + ": no config_hash; not a sweep state file");
            }
            return m.group(1);
        }
    }

    /** Files of units that were being written when a run died (never renamed into place): dropped before resuming. */
    private static void cleanStaleFiles(FileSystem fs, Path units) throws IOException {
        if (!fs.exists(units)) {
            return;
        }
        for (FileStatus cell : fs.listStatus(units)) {
            if (cell.isDirectory()) {
                for (FileStatus f : fs.listStatus(cell.getPath())) {
                    if (f.getPath().getName().startsWith(".")) {
                        fs.delete(f.getPath(), false);
                    }
                }
            }
        }
    }

    /** The committed units' relative file names. */
    static Set<String> committed(FileSystem fs, Path dir) {
        Set<String> out = new HashSet<>();
        Path units = new Path(dir, "units");
        try {
            if (!fs.exists(units)) {
                return out;
            }
            for (FileStatus cell : fs.listStatus(units)) {
                if (cell.isDirectory()) {
                    for (FileStatus f : fs.listStatus(cell.getPath())) {
                        String name = f.getPath().getName();
                        if (name.matches("\\d+-\\d+\\.bin")) {
                            out.add("units/" + cell.getPath().getName() + "/" + name);
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    static SweepUnit.Result read(FileSystem fs, String dir, SweepUnit u) {
        Path p = new Path(dir, u.file());
        try (DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(fs.open(p), 1 << 16))) {
            return SweepUnit.Result.read(in, u, p.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read sweep unit " + p, e);
        }
    }
}
