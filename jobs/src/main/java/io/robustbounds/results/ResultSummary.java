package io.robustbounds.results;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.robustbounds.spark.HadoopFiles;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The aggregate's statistics gathered while {@code evaluate} writes the results, so that {@code aggregate} need not
 * read them again: every evaluation task keeps a {@link GroupStats} per group of its result rows and writes them,
 * when its partition is done, to {@code results/_summary/part-NNNNN} (written aside, then renamed); the driver adds
 * {@code manifest.json} when the results are complete: the group keys, the number of partitions, and the name and
 * length of every results file.
 *
 * <p>{@code aggregate} uses the summaries only when they describe exactly the folder it is given (same keys, same
 * Parquet files of the same lengths, every partition's file present and readable), and otherwise reads the results as
 * before ({@link #check}); the table is the same either way (exact sums, extremes, median values: nothing depends
 * on the order rows are met). Parquet readers skip the folder: its name starts with an underscore.
 */
public final class ResultSummary {
    public static final String DIR = "_summary";
    static final String MANIFEST = "manifest.json";
    private static final int MAGIC = 0x52425355; // "RBSU"
    /** Bumped whenever {@link GroupStats}' binary layout changes: older summaries are then ignored. */
    static final int FORMAT = 2;
    private static final ObjectMapper JSON = new ObjectMapper();

    private ResultSummary() {
    }

    /**
     * Where the keys and {@link GroupStats#INPUT}'s columns are in the rows grouped: the results' rows
     * ({@link ResultSchema#SCHEMA}) for {@link #of}. Only keys of string, int, long or boolean type are written to files.
     */
    public record Layout(List<String> keys, int[] keyPositions, DataType[] keyTypes, int[] inputPositions) implements Serializable {

        /** The layout for {@code keys} (bound_mode added if absent, as the aggregate adds it), or null if a key is not summarized. */
        public static Layout of(List<String> groupBy) {
            return of(groupBy, ResultColumn.ALL);
        }

        /** The layout for {@code keys} in rows of {@code columns}. */
        public static Layout of(List<String> groupBy, List<ResultColumn> columns) {
            List<String> keys = new ArrayList<>(groupBy);
            if (!keys.contains("bound_mode")) {
                keys.add("bound_mode");
            }
            StructType s = ResultColumn.schema(columns);
            int[] positions = new int[keys.size()];
            DataType[] types = new DataType[keys.size()];
            for (int i = 0; i < keys.size(); i++) {
                if (!List.of(s.fieldNames()).contains(keys.get(i))) {
                    return null;
                }
                positions[i] = s.fieldIndex(keys.get(i));
                types[i] = s.apply(keys.get(i)).dataType();
                if (!supported(types[i])) {
                    return null;
                }
            }
            int[] input = new int[GroupStats.INPUT.size()];
            for (int i = 0; i < input.length; i++) {
                input[i] = ResultColumn.position(columns, GroupStats.INPUT.get(i));
            }
            return new Layout(keys, positions, types, input);
        }
    }

    public static boolean supported(DataType t) {
        return t.equals(DataTypes.StringType) || t.equals(DataTypes.IntegerType) || t.equals(DataTypes.LongType)
                || t.equals(DataTypes.BooleanType);
    }

    /**
     * One partition's groups, filled row by row: by the evaluation task (the result rows it writes) and by the
     * aggregate's own pass over results that have no usable summaries (the aggregate's own pass).
     */
    public static final class Partition {
        private final Layout layout;
        private final Map<GroupKey, GroupStats> groups = new LinkedHashMap<>();
        /** The first groups met, searched in place (rows alternate between a few groups: one per bound mode). */
        private final List<GroupKey> recent = new ArrayList<>();
        private final List<GroupStats> recentStats = new ArrayList<>();

        public Partition(Layout layout) {
            this.layout = layout;
        }

        public void add(InternalRow resultRow) {
            groupOf(resultRow).add(resultRow, layout.inputPositions());
        }

        public Map<GroupKey, GroupStats> groups() {
            return groups;
        }

        private GroupStats groupOf(InternalRow r) {
            for (int i = 0; i < recent.size(); i++) {
                if (recent.get(i).matches(r, layout.keyPositions(), layout.keyTypes())) {
                    return recentStats.get(i);
                }
            }
            GroupKey k = GroupKey.of(r, layout.keyPositions(), layout.keyTypes());
            GroupStats g = groups.computeIfAbsent(k, x -> new GroupStats());
            if (recent.size() < 8) {
                recent.add(k);
                recentStats.add(g);
            }
            return g;
        }

        /** A header (the groups' keys and their blobs' lengths), then each group's {@link GroupStats} blob. */
        public byte[] bytes() {
            List<byte[]> blobs = new ArrayList<>();
            for (GroupStats g : groups.values()) {
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                try (DataOutputStream out = new DataOutputStream(b)) {
                    g.write(out);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                blobs.add(b.toByteArray());
            }
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(b, 1 << 16))) {
                out.writeInt(MAGIC);
                out.writeInt(FORMAT);
                out.writeInt(groups.size());
                int i = 0;
                for (GroupKey k : groups.keySet()) {
                    k.write(out, layout.keyTypes());
                    out.writeLong(blobs.get(i++).length);
                }
                for (byte[] blob : blobs) {
                    out.write(blob);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return b.toByteArray();
        }

        /**
         * Writes the partition's file under {@code dir} (the staged summary folder) through {@code conf}'s file system; a
         * retried task writes the same bytes.
         */
        public void write(String dir, int partition, Configuration conf) {
            Path target = new Path(dir, String.format("part-%05d", partition));
            try {
                HadoopFiles.commitBytes(target.getFileSystem(conf), target, bytes());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + target, e);
            }
        }
    }

    /**
     * After the results are complete: the manifest next to the partitions' files in {@code staged}, and the folder
     * moved to {@code results/_summary}.
     */
    public static void seal(FileSystem fs, String staged, String results, Layout layout, int partitions) {
        try {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("format", FORMAT);
            m.put("keys", layout.keys());
            m.put("key_types", List.of(layout.keyTypes()).stream().map(DataType::simpleString).toList());
            m.put("partitions", partitions);
            m.put("files", parquetFiles(fs, new Path(results)));
            try (FSDataOutputStream out = fs.create(new Path(staged, MANIFEST), true)) {
                out.write(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(m));
            }
            Path dir = new Path(results, DIR);
            if (!fs.rename(new Path(staged), dir)) {
                throw new IOException("cannot rename " + staged + " to " + dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The Parquet files of a results folder by name, with their lengths. */
    private static Map<String, Long> parquetFiles(FileSystem fs, Path results) throws IOException {
        Map<String, Long> files = new TreeMap<>();
        for (FileStatus f : fs.listStatus(results)) {
            String name = f.getPath().getName();
            if (f.isFile() && HadoopFiles.isData(name)) {
                files.put(name, f.getLen());
            }
        }
        return files;
    }

    /** What {@link #check} found: the summary files to read, or why the results must be read instead. */
    public record Usable(List<Path> files, String reason) {
        public boolean ok() {
            return files != null;
        }
    }

    /** Whether every folder of {@code results} has summaries for exactly these {@code keys} of these types that match its files. */
    public static Usable check(List<String> results, List<String> keys, DataType[] keyTypes, Configuration conf) {
        List<Path> files = new ArrayList<>();
        for (String r : results) {
            try {
                Path dir = new Path(r);
                FileSystem fs = dir.getFileSystem(conf);
                Path manifest = new Path(new Path(dir, DIR), MANIFEST);
                if (!fs.exists(manifest)) {
                    return new Usable(null, r + " has no " + DIR + "/" + MANIFEST);
                }
                Map<?, ?> m;
                try (InputStream in = fs.open(manifest)) {
                    m = JSON.readValue(in, Map.class);
                }
                List<String> types = List.of(keyTypes).stream().map(DataType::simpleString).toList();
                if (!Integer.valueOf(FORMAT).equals(m.get("format"))) {
                    return new Usable(null, r + ": summary format " + m.get("format") + ", not " + FORMAT);
                }
                if (!keys.equals(m.get("keys")) || !types.equals(m.get("key_types"))) {
                    return new Usable(null, r + ": summarized by " + m.get("keys") + ", not " + keys);
                }
                Map<String, Long> now = parquetFiles(fs, dir);
                Map<String, Long> then = new TreeMap<>();
                ((Map<?, ?>) m.get("files")).forEach((k, v) -> then.put((String) k, ((Number) v).longValue()));
                if (!now.equals(then)) {
                    return new Usable(null, r + ": its files differ from those summarized");
                }
                int partitions = (Integer) m.get("partitions");
                for (int p = 0; p < partitions; p++) {
                    Path f = new Path(new Path(dir, DIR), String.format("part-%05d", p));
                    if (!fs.exists(f)) {
                        return new Usable(null, r + ": " + DIR + "/" + f.getName() + " is missing");
                    }
                    files.add(f);
                }
            } catch (IOException | RuntimeException e) {
                return new Usable(null, r + ": unreadable summary (" + e.getMessage() + ")");
            }
        }
        return new Usable(files, null);
    }

    /** The group keys of one summary file (its header only). */
    public static List<GroupKey> keys(Path file, DataType[] keyTypes, Configuration conf) {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(file.getFileSystem(conf).open(file), 1 << 16))) {
            List<GroupKey> keys = new ArrayList<>();
            for (Header h : header(in, keyTypes)) {
                keys.add(h.key());
            }
            return keys;
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
    }

    /** Reads one summary file, merging the groups it has of {@code wanted} (null: all) into {@code into}. */
    public static void readInto(Path file, DataType[] keyTypes, Configuration conf, java.util.Set<GroupKey> wanted,
                         Map<GroupKey, GroupStats> into) {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(file.getFileSystem(conf).open(file), 1 << 16))) {
            for (Header h : header(in, keyTypes)) {
                if (wanted == null || wanted.contains(h.key())) {
                    into.merge(h.key(), GroupStats.read(in), GroupStats::merge);
                } else {
                    in.skipNBytes(h.length());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
    }

    private record Header(GroupKey key, long length) {
    }

    private static List<Header> header(DataInputStream in, DataType[] keyTypes) throws IOException {
        if (in.readInt() != MAGIC || in.readInt() != FORMAT) {
            throw new IOException("not a summary file of format " + FORMAT);
        }
        int groups = in.readInt();
        List<Header> h = new ArrayList<>();
        for (int g = 0; g < groups; g++) {
            h.add(new Header(GroupKey.read(in, keyTypes), in.readLong()));
        }
        return h;
    }
}
