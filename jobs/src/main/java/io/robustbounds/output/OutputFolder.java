package io.robustbounds.output;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipFile;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Over 400 lines: one safety protocol (lock, ownership marker, staged replace, takeover of dead locks) on both the local
 * and the Hadoop file systems; split, its invariants would be spread over files that each hold half of them.
 *
 * The one place where a command takes its output folder (or model file). {@link #claim} first takes the output's lock,
 * a sibling {@code .NAME.lock} created atomically (a second run of the same output is refused, naming the holder; a
 * lock whose process is gone from this host is taken over), then checks that the target may be replaced: it is absent,
 * empty, or written by this tool as the same kind of output — its {@value #MARKER} names the kind (outputs of older
 * versions are recognized by their file names, see {@link Kind}). Anything else — a folder with a user's files, the
 * working directory, a symbolic link, a file — is refused and nothing is touched. Under the lock, what failed or
 * killed runs of the same output left beside it ({@code .NAME.writing}, {@code .NAME.tmp-<uuid>}, {@code .NAME.old-<uuid>})
 * is removed. {@link #replaceWith} moves a staged folder into place; deletion never follows a symbolic link.
 * Works on local paths and on any Hadoop file system (the lock is then {@code create(lock, overwrite = false)}).
 */
public final class OutputFolder implements Closeable {
    /** The file that marks a folder as this tool's output, and of which kind. */
    public static final String MARKER = "_robustbounds.json";

    /**
     * A kind of output. {@code legacy} recognizes, from the names in the folder, an output of this kind written before
     * folders carried the marker; kinds without a marker (models) are recognized by it alone.
     */
    public record Kind(String id, String description, boolean marked, Predicate<List<String>> legacy) {
        public static final Kind TEST_SET = new Kind("test-set", "a test set", true,
                names -> names.stream().anyMatch(n -> n.matches("part-\\d+\\.parquet"))
                        && names.stream().allMatch(n -> n.matches("part-\\d+\\.parquet|_rejects\\.csv")));
        public static final Kind TEST_SETS = new Kind("import-uci", "an import-uci output", true,
                names -> names.stream().anyMatch(n -> n.matches("train|test|validation"))
                        && names.stream().allMatch(n -> n.matches("train|test|validation|_rejects\\.csv|\\..*")));
        /** A model folder (model.json and .npy files, as the model format writes it), or a model .zip. */
        public static final Kind MODEL = new Kind("model", "a model", false,
                names -> names.contains("model.json") && names.stream().allMatch(n -> n.equals("model.json") || n.endsWith(".npy")));
        public static final Kind REPORT = new Kind("report", "a report", true,
                names -> names.contains("report.html") && names.contains("_provenance.json"));
        /** A sweep's folder, {@code <run.output>/<run.id>/sweep}: its state file {@code _sweep.json} marks it. */
        public static final Kind SWEEP = new Kind("sweep", "a sweep output", false, names -> names.contains("_sweep.json"));
        /** The scaling command's figures. */
        public static final Kind SCALING = new Kind("scaling", "a scaling output", true,
                names -> !names.isEmpty() && names.stream().allMatch(n -> n.matches("(scaling-.*|thesis-figure-5-\\d+)\\.(png|svg)")));
        public static final Kind RANDOM_MLP = new Kind("random-mlp", "a random-mlp output", true,
                names -> names.contains("samples.csv") && names.contains("_provenance.json"));

        /** A step of a run, {@code <run.output>/<run.id>/<step>}: evaluate, aggregate, a sweep's summary. */
        public static Kind step(String step) {
            return new Kind("run-step:" + step, "a run's " + step + " output", true, names -> names.contains("_provenance.json"));
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String HOST = host();

    private final Store store;
    private final Path target;
    private final Kind kind;
    private final Path lock;
    private boolean released;

    private OutputFolder(Store store, Path target, Kind kind, Path lock) {
        this.store = store;
        this.target = target;
        this.kind = kind;
        this.lock = lock;
    }

    /** Claims a local output: {@link #claim(Path, Kind, Configuration)} of its absolute, normalized path. */
    public static OutputFolder claim(java.nio.file.Path target, Kind kind) {
        return claim(Local.hadoop(target), kind, new Configuration());
    }

    /**
     * Takes the lock of {@code target}, checks that it may be replaced by an output of {@code kind}, and removes the
     * debris of earlier runs of it.
     *
     * @throws OutputException (exit 2) when another run holds the lock or the target is not this tool's output of this kind
     */
    public static OutputFolder claim(Path target, Kind kind, Configuration conf) {
        OutputFolder f = locked(target, kind, conf);
        try {
            f.check();
            f.removeDebris();
            return f;
        } catch (IOException e) {
            f.close();
            throw new UncheckedIOException(f.store.show(f.target) + ": cannot prepare the output: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            f.close();
            throw e;
        }
    }

    /**
     * Only the lock of {@code folder}, for a command that writes several outputs into it (pipeline: the run folder),
     * so that a second such command is refused before it writes anything; each output is still claimed on its own.
     */
    public static OutputFolder lock(Path folder, Configuration conf) {
        return locked(folder, null, conf);
    }

    private static OutputFolder locked(Path target, Kind kind, Configuration conf) {
        Store store;
        try {
            store = Store.of(target, conf);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the file system of " + target, e);
        }
        Path t = store.qualify(target);
        if (t.getParent() == null) {
            throw new OutputException(store.show(t) + ": refusing to write an output over the root folder; choose a new folder");
        }
        Path lock = new Path(t.getParent(), "." + t.getName() + ".lock");
        try {
            store.mkdirs(t.getParent()); // the lock's place
            acquire(store, t, lock);
        } catch (IOException e) {
            throw new UncheckedIOException(store.show(t) + ": cannot take the output's lock " + store.show(lock) + ": " + e.getMessage(), e);
        }
        return new OutputFolder(store, t, kind, lock);
    }

    public Path target() {
        return target;
    }

    /** A new hidden sibling of the target for a staged copy; removed by a later run of this output if this one dies. */
    public Path stagingPath(String tag) {
        return new Path(target.getParent(), "." + target.getName() + "." + tag + "-" + UUID.randomUUID());
    }

    /** Writes the marker into {@code folder} (the staged copy, or the target of an output written in place). */
    public void mark(Path folder) throws IOException {
        java.util.Objects.requireNonNull(kind, "a lock alone marks no output");
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", kind.id());
        m.put("written_by", "robustbounds");
        m.put("time", Instant.now().toString());
        store.write(new Path(folder, MARKER), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(m));
    }

    /** Marks the staged folder and moves it into place, replacing the previous output (checked again: we hold the lock). */
    public void replaceWith(Path staged) throws IOException {
        if (released || kind == null) {
            throw new IllegalStateException(store.show(target) + ": not claimed (released already, or a lock alone)");
        }
        if (kind.marked()) {
            mark(staged);
        }
        check();
        Optional<Boolean> directory = store.kind(target);
        if (directory.isEmpty()) {
            store.rename(staged, target);
            return;
        }
        Path old = stagingPath("old");
        store.rename(target, old);
        try {
            store.rename(staged, target);
        } catch (IOException e) {
            store.rename(old, target);
            throw e;
        }
        store.deleteTree(old);
    }

    /** Deletes a staged path (a failed run's own copy); never follows symbolic links. */
    public void drop(Path staged) {
        try {
            store.deleteTree(staged);
        } catch (IOException e) {
            // best effort: the next run of this output removes it
        }
    }

    /** Releases the lock. */
    @Override
    public void close() {
        if (released) {
            return;
        }
        released = true;
        try {
            store.delete(lock);
        } catch (IOException e) {
            throw new UncheckedIOException(store.show(lock) + ": cannot release the output's lock", e);
        }
    }

    // ---------------------------------------------------------------- checks

    private void check() throws IOException {
        Optional<Boolean> k = store.kind(target);
        if (k.isEmpty()) {
            return;
        }
        if (store.holdsWorkingDirectory(target)) { // even empty: replacing it would leave the shell in a deleted folder
            throw new OutputException(store.show(target) + ": is the working directory or holds it; refusing to replace it with "
                    + kind.description() + " (name a new folder)");
        }
        if (store.isSymlink(target)) {
            throw new OutputException(store.show(target) + ": is a symbolic link; refusing to replace it with " + kind.description()
                    + " (name the folder it points to, or a new folder)");
        }
        if (!k.get()) {
            if (kind == Kind.MODEL && target.getName().endsWith(".zip") && store.isModelZip(target)) {
                return;
            }
            throw new OutputException(store.show(target) + ": exists and is not " + (kind == Kind.MODEL ? "a folder or a model .zip" : "a folder")
                    + "; refusing to replace it with " + kind.description() + " (choose a new name, or delete it yourself)");
        }
        List<String> names = store.list(target);
        if (names.isEmpty()) {
            return;
        }
        if (names.contains(MARKER)) {
            String found = markedKind(new Path(target, MARKER));
            if (kind.id().equals(found)) {
                return;
            }
            throw new OutputException(store.show(target) + ": holds " + (found == null ? "an unreadable " + MARKER : "robustbounds output of kind '"
                    + found + "'") + ", not " + kind.description() + "; refusing to replace it (choose another folder, or delete it yourself)");
        }
        if (kind.legacy().test(names)) {
            return;
        }
        String sample = names.stream().filter(n -> !n.equals(MARKER)).sorted().limit(3).map(n -> "'" + n + "'")
                .reduce((a, b) -> a + ", " + b).orElse("");
        throw new OutputException(store.show(target) + ": not empty and not " + kind.description() + " written by robustbounds (it holds "
                + sample + (names.size() > 3 ? " and " + (names.size() - 3) + " more" : "") + (kind.marked() ? "; no " + MARKER : "")
                + "); refusing to replace it: choose a new or empty folder, or delete it yourself");
    }

    private String markedKind(Path marker) {
        try {
            JsonNode n = JSON.readTree(store.read(marker, 1 << 16));
            return n != null && n.path("kind").isTextual() ? n.path("kind").textValue() : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** Siblings that earlier runs of this output left when they failed or were killed: their names are the tool's own. */
    private void removeDebris() throws IOException {
        String uuid = "[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}";
        Pattern debris = Pattern.compile("\\." + Pattern.quote(target.getName()) + "\\.(writing|(tmp|old)-" + uuid + "|lock\\." + uuid + ")");
        for (String n : store.list(target.getParent())) {
            if (debris.matcher(n).matches()) {
                store.deleteTree(new Path(target.getParent(), n));
            }
        }
    }

    // ---------------------------------------------------------------- the lock

    private static void acquire(Store store, Path target, Path lock) throws IOException {
        for (int attempt = 0; attempt < 3; attempt++) {
            Map<String, Object> me = new LinkedHashMap<>();
            me.put("host", HOST);
            me.put("pid", ProcessHandle.current().pid());
            me.put("process_start", ProcessHandle.current().info().startInstant().map(Instant::toString).orElse(""));
            me.put("since", Instant.now().toString());
            me.put("output", target.toString());
            if (store.createExclusive(lock, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(me))) {
                return;
            }
            byte[] held;
            try {
                held = store.read(lock, 1 << 16);
            } catch (IOException e) {
                continue; // released meanwhile: try again
            }
            JsonNode h = parse(held);
            if (h == null || !stale(h)) {
                throw new OutputException(store.show(target) + ": another run is writing this output" + (h == null ? " (its lock file is unreadable)"
                        : ": pid " + h.path("pid").asText() + " on host " + h.path("host").asText() + " since " + h.path("since").asText())
                        + "; wait for it to end, or delete " + store.show(lock) + " if that run is gone");
            }
            store.takeOver(lock, held); // the holder's process is gone from this host
        }
        throw new OutputException(store.show(target) + ": other runs keep taking this output's lock " + store.show(lock) + "; try again");
    }

    private static JsonNode parse(byte[] bytes) {
        try {
            JsonNode n = JSON.readTree(bytes);
            return n != null && n.path("pid").canConvertToLong() && n.path("host").isTextual() ? n : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** Held by a process of this host that no longer runs (its pid is free, or taken by a process started at another time). */
    static boolean stale(JsonNode holder) {
        if (!HOST.equals(holder.path("host").asText())) {
            return false;
        }
        Optional<ProcessHandle> p = ProcessHandle.of(holder.path("pid").asLong());
        if (p.isEmpty() || !p.get().isAlive()) {
            return true;
        }
        String started = holder.path("process_start").asText("");
        Optional<Instant> now = p.get().info().startInstant();
        return !started.isEmpty() && now.isPresent() && !now.get().toString().equals(started);
    }

    /** This host's name, as locks record it. */
    public static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return Optional.ofNullable(System.getenv("HOSTNAME")).orElse("localhost");
        }
    }

    // ---------------------------------------------------------------- storage: java.nio for local paths, else Hadoop

    /** The few file operations above, on local disk without Hadoop's checksum files, or on another Hadoop file system. */
    private interface Store {
        static Store of(Path p, Configuration conf) throws IOException {
            FileSystem fs = p.getFileSystem(conf);
            return "file".equals(fs.getUri().getScheme()) ? new Local(fs) : new Hadoop(fs);
        }

        Path qualify(Path p);

        /** The path as the user wrote it: without file: for a local one. */
        default String show(Path p) {
            return p.toString();
        }

        /** Empty when absent; true for a folder, false for anything else (a symbolic link is not followed). */
        Optional<Boolean> kind(Path p) throws IOException;

        boolean isSymlink(Path p) throws IOException;

        List<String> list(Path dir) throws IOException;

        byte[] read(Path file, int max) throws IOException;

        void write(Path file, byte[] bytes) throws IOException;

        /** Creates {@code file} holding {@code bytes} unless it exists; false if it does. */
        boolean createExclusive(Path file, byte[] bytes) throws IOException;

        /** Removes a stale lock if it still holds {@code seen} (another run may have taken it over meanwhile). */
        void takeOver(Path lock, byte[] seen) throws IOException;

        void rename(Path from, Path to) throws IOException;

        void mkdirs(Path dir) throws IOException;

        void delete(Path file) throws IOException;

        void deleteTree(Path p) throws IOException;

        default boolean isModelZip(Path p) {
            return false;
        }

        default boolean holdsWorkingDirectory(Path p) {
            return false;
        }
    }

    private static final class Local implements Store {
        private final FileSystem fs;

        Local(FileSystem fs) {
            this.fs = fs;
        }

        private java.nio.file.Path nio(Path p) {
            return java.nio.file.Path.of(fs.makeQualified(p).toUri());
        }

        /** A Hadoop path of a local one (not via toUri(), which ends a folder's name in '/'). */
        static Path hadoop(java.nio.file.Path p) {
            return new Path("file", null, p.toAbsolutePath().normalize().toString());
        }

        @Override
        public Path qualify(Path p) {
            return hadoop(nio(p));
        }

        @Override
        public String show(Path p) {
            return nio(p).toString();
        }

        @Override
        public Optional<Boolean> kind(Path p) {
            java.nio.file.Path n = nio(p);
            return Files.exists(n, LinkOption.NOFOLLOW_LINKS) ? Optional.of(Files.isDirectory(n, LinkOption.NOFOLLOW_LINKS)) : Optional.empty();
        }

        @Override
        public boolean isSymlink(Path p) {
            return Files.isSymbolicLink(nio(p));
        }

        @Override
        public List<String> list(Path dir) throws IOException {
            try (Stream<java.nio.file.Path> s = Files.list(nio(dir))) {
                return s.map(x -> x.getFileName().toString()).toList();
            }
        }

        @Override
        public byte[] read(Path file, int max) throws IOException {
            try (java.io.InputStream in = Files.newInputStream(nio(file), LinkOption.NOFOLLOW_LINKS)) {
                return in.readNBytes(max);
            }
        }

        @Override
        public void write(Path file, byte[] bytes) throws IOException {
            Files.write(nio(file), bytes);
        }

        /** Written aside, then hard-linked to the lock's name: the link is atomic and fails if the name exists, so the lock is never seen empty. */
        @Override
        public boolean createExclusive(Path file, byte[] bytes) throws IOException {
            java.nio.file.Path lock = nio(file);
            java.nio.file.Path aside = lock.resolveSibling(lock.getFileName() + "." + UUID.randomUUID());
            Files.write(aside, bytes, StandardOpenOption.CREATE_NEW);
            try {
                Files.createLink(lock, aside);
                return true;
            } catch (FileAlreadyExistsException e) {
                return false;
            } catch (UnsupportedOperationException e) { // a file system without hard links
                try {
                    Files.write(lock, bytes, StandardOpenOption.CREATE_NEW);
                    return true;
                } catch (FileAlreadyExistsException e2) {
                    return false;
                }
            } finally {
                Files.deleteIfExists(aside);
            }
        }

        /** Takers of the same stale lock are serialized by an OS lock on it; only the first one still sees the stale content. */
        @Override
        public void takeOver(Path lock, byte[] seen) throws IOException {
            java.nio.file.Path n = nio(lock);
            try (FileChannel ch = FileChannel.open(n, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
                    FileLock l = ch.tryLock()) {
                if (l != null && java.util.Arrays.equals(read(lock, 1 << 16), seen)) {
                    Files.delete(n);
                }
            } catch (NoSuchFileException e) {
                // gone already
            }
        }

        @Override
        public void rename(Path from, Path to) throws IOException {
            Files.move(nio(from), nio(to), StandardCopyOption.ATOMIC_MOVE);
        }

        @Override
        public void mkdirs(Path dir) throws IOException {
            Files.createDirectories(nio(dir));
        }

        @Override
        public void delete(Path file) throws IOException {
            Files.deleteIfExists(nio(file));
        }

        /** Depth first without following links: a link is removed, never what it points to. */
        @Override
        public void deleteTree(Path p) throws IOException {
            deleteTree(nio(p));
        }

        private static void deleteTree(java.nio.file.Path p) throws IOException {
            if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                List<java.nio.file.Path> children;
                try (Stream<java.nio.file.Path> s = Files.list(p)) {
                    children = new ArrayList<>(s.toList());
                }
                for (java.nio.file.Path c : children) {
                    deleteTree(c);
                }
            }
            try {
                Files.deleteIfExists(p);
            } catch (DirectoryNotEmptyException e) {
                deleteTree(p); // something appeared meanwhile
            }
        }

        @Override
        public boolean holdsWorkingDirectory(Path p) {
            return java.nio.file.Path.of("").toAbsolutePath().normalize().startsWith(nio(p).toAbsolutePath().normalize());
        }

        @Override
        public boolean isModelZip(Path p) {
            try (ZipFile z = new ZipFile(nio(p).toFile())) {
                return z.getEntry("model.json") != null;
            } catch (IOException e) {
                return false;
            }
        }
    }

    private static final class Hadoop implements Store {
        private final FileSystem fs;

        Hadoop(FileSystem fs) {
            this.fs = fs;
        }

        @Override
        public Path qualify(Path p) {
            return fs.makeQualified(p);
        }

        @Override
        public Optional<Boolean> kind(Path p) throws IOException {
            try {
                return Optional.of(fs.getFileLinkStatus(p).isDirectory());
            } catch (java.io.FileNotFoundException e) {
                return Optional.empty();
            }
        }

        @Override
        public boolean isSymlink(Path p) throws IOException {
            try {
                return fs.getFileLinkStatus(p).isSymlink();
            } catch (UnsupportedOperationException e) {
                return false;
            }
        }

        @Override
        public List<String> list(Path dir) throws IOException {
            List<String> names = new ArrayList<>();
            for (FileStatus f : fs.listStatus(dir)) {
                names.add(f.getPath().getName());
            }
            return names;
        }

        @Override
        public byte[] read(Path file, int max) throws IOException {
            try (FSDataInputStream in = fs.open(file)) {
                return in.readNBytes(max);
            }
        }

        @Override
        public void write(Path file, byte[] bytes) throws IOException {
            try (FSDataOutputStream out = fs.create(file, true)) {
                out.write(bytes);
            }
        }

        @Override
        public boolean createExclusive(Path file, byte[] bytes) throws IOException {
            FSDataOutputStream out;
            try {
                out = fs.create(file, false);
            } catch (org.apache.hadoop.fs.FileAlreadyExistsException e) {
                return false;
            } catch (IOException e) {
                if (fs.exists(file)) {
                    return false;
                }
                throw e;
            }
            try (out) {
                out.write(bytes);
            }
            return true;
        }

        @Override
        public void takeOver(Path lock, byte[] seen) throws IOException {
            try {
                if (java.util.Arrays.equals(read(lock, 1 << 16), seen)) {
                    fs.delete(lock, false);
                }
            } catch (java.io.FileNotFoundException e) {
                // gone already
            }
        }

        @Override
        public void rename(Path from, Path to) throws IOException {
            if (!fs.rename(from, to)) {
                throw new IOException("cannot rename " + from + " to " + to);
            }
        }

        @Override
        public void delete(Path file) throws IOException {
            fs.delete(file, false);
        }

        @Override
        public void mkdirs(Path dir) throws IOException {
            if (!fs.mkdirs(dir)) {
                throw new IOException("cannot create " + dir);
            }
        }

        @Override
        public void deleteTree(Path p) throws IOException {
            fs.delete(p, true);
        }
    }
}
