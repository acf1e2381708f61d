package io.robustbounds.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Claiming an output: what is refused (and left untouched), what is replaced, locks and the debris of killed runs. */
class OutputFolderTest {
    static final List<OutputFolder.Kind> KINDS = List.of(OutputFolder.Kind.TEST_SET, OutputFolder.Kind.TEST_SETS, OutputFolder.Kind.MODEL,
            OutputFolder.Kind.REPORT, OutputFolder.Kind.RANDOM_MLP, OutputFolder.Kind.SWEEP, OutputFolder.Kind.step("evaluate"),
            OutputFolder.Kind.step("aggregate"), OutputFolder.Kind.SCALING);

    static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** A lock file as another run writes it. */
    static void lock(Path target, long pid, String processStart) throws IOException {
        Files.writeString(target.resolveSibling("." + target.getFileName() + ".lock"), "{\"host\": \"" + OutputFolder.host() + "\", \"pid\": " + pid
                + ", \"process_start\": \"" + processStart + "\", \"since\": \"2026-12-01T10:00:00Z\", \"output\": \"" + target + "\"}");
    }

    @Test
    void aFolderWithAUsersFileIsRefusedByEveryKindAndLeftAsItWas(@TempDir Path dir) throws IOException {
        Path mine = dir.resolve("mine");
        Files.createDirectories(mine.resolve("sub"));
        Files.writeString(mine.resolve("notes.txt"), "my notes");
        Files.writeString(mine.resolve("sub").resolve("part-00000.parquet"), "not a test set");
        for (OutputFolder.Kind kind : KINDS) {
            OutputException e = assertThrows(OutputException.class, () -> OutputFolder.claim(mine, kind), kind.id());
            assertTrue(e.getMessage().startsWith(mine + ": not empty and not " + kind.description()), e.getMessage());
            assertTrue(e.getMessage().contains("'notes.txt'") && e.getMessage().contains("choose a new or empty folder"), e.getMessage());
            assertFalse(e.getMessage().contains("\n"));
        }
        assertEquals(List.of("notes.txt", "sub"), names(mine));
        assertEquals("my notes", Files.readString(mine.resolve("notes.txt")));
        assertEquals(List.of("mine"), names(dir), "no lock left behind");
    }

    @Test
    void theWorkingDirectoryAndItsParentsAreRefused() throws IOException {
        Path work = Path.of("").toAbsolutePath();
        List<String> before = names(work);
        OutputException e = assertThrows(OutputException.class, () -> OutputFolder.claim(Path.of("."), OutputFolder.Kind.TEST_SET));
        assertEquals(work + ": is the working directory or holds it; refusing to replace it with a test set (name a new folder)", e.getMessage());
        e = assertThrows(OutputException.class, () -> OutputFolder.claim(Path.of(".."), OutputFolder.Kind.REPORT));
        assertEquals(work.getParent() + ": is the working directory or holds it; refusing to replace it with a report (name a new folder)",
                e.getMessage());
        assertEquals(before, names(work));
    }

    @Test
    void aFileALinkAndAnotherKindOfOutputAreRefused(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("data.csv"), "1,2");
        assertTrue(assertThrows(OutputException.class, () -> OutputFolder.claim(file, OutputFolder.Kind.TEST_SET)).getMessage()
                .contains("exists and is not a folder"));
        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
        Path link = Files.createSymbolicLink(dir.resolve("link"), elsewhere);
        assertTrue(assertThrows(OutputException.class, () -> OutputFolder.claim(link, OutputFolder.Kind.TEST_SET)).getMessage()
                .contains("is a symbolic link"));
        Path report = dir.resolve("report");
        try (OutputFolder o = OutputFolder.claim(report, OutputFolder.Kind.REPORT)) {
            Files.createDirectories(report);
            o.mark(o.target());
        }
        OutputException e = assertThrows(OutputException.class, () -> OutputFolder.claim(report, OutputFolder.Kind.TEST_SET));
        assertTrue(e.getMessage().contains("holds robustbounds output of kind 'report', not a test set"), e.getMessage());
        assertTrue(Files.exists(file) && Files.isDirectory(elsewhere) && Files.exists(report.resolve(OutputFolder.MARKER)));
    }

    @Test
    void replacingNeverFollowsALinkOut(@TempDir Path dir) throws IOException {
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Files.writeString(outside.resolve("keep.txt"), "keep");
        Path set = dir.resolve("set");
        for (int run = 0; run < 2; run++) {
            try (OutputFolder o = OutputFolder.claim(set, OutputFolder.Kind.TEST_SET)) {
                org.apache.hadoop.fs.Path staged = o.stagingPath("tmp");
                Path s = Files.createDirectories(Path.of(staged.toUri()));
                Files.writeString(s.resolve("part-00000.parquet"), "run " + run);
                if (run == 0) {
                    Files.createSymbolicLink(s.resolve("link"), outside); // as if a set held a link: replacing it removes the link only
                }
                o.replaceWith(staged);
            }
        }
        assertEquals("run 1", Files.readString(set.resolve("part-00000.parquet")));
        assertEquals(List.of("_robustbounds.json", "part-00000.parquet"), names(set));
        assertEquals("keep", Files.readString(outside.resolve("keep.txt")));
        assertEquals(List.of("outside", "set"), names(dir), "no staging, old copy or lock left");
    }

    @Test
    void outputsOfEarlierVersionsAreRecognizedByTheirFileNames(@TempDir Path dir) throws IOException {
        Path set = Files.createDirectories(dir.resolve("set"));
        Files.writeString(set.resolve("part-00000.parquet"), "x");
        Files.writeString(set.resolve("_rejects.csv"), "x");
        OutputFolder.claim(set, OutputFolder.Kind.TEST_SET).close();
        Path model = Files.createDirectories(dir.resolve("model"));
        Files.writeString(model.resolve("model.json"), "{}");
        Files.writeString(model.resolve("w0.npy"), "x");
        OutputFolder.claim(model, OutputFolder.Kind.MODEL).close();
        Files.writeString(model.resolve("README"), "mine");
        assertThrows(OutputException.class, () -> OutputFolder.claim(model, OutputFolder.Kind.MODEL));
    }

    @Test
    void debrisOfKilledRunsIsRemovedAndNothingElse(@TempDir Path dir) throws IOException {
        Path set = dir.resolve("set");
        String uuid = UUID.randomUUID().toString();
        Files.createDirectories(dir.resolve(".set.writing").resolve("x"));
        Files.writeString(dir.resolve(".set.writing").resolve("x").resolve("part-00000.parquet"), "half");
        Files.createDirectories(dir.resolve(".set.tmp-" + uuid));
        Files.createDirectories(dir.resolve(".set.old-" + uuid));
        Files.writeString(dir.resolve(".set.lock." + uuid), "aside");
        Files.writeString(dir.resolve(".set.bak"), "the user's");
        Files.createDirectories(dir.resolve(".other.tmp-" + uuid));
        OutputFolder.claim(set, OutputFolder.Kind.TEST_SET).close();
        assertEquals(List.of(".other.tmp-" + uuid, ".set.bak"), names(dir));
    }

    @Test
    void aHeldLockRefusesASecondRunNamingTheHolder(@TempDir Path dir) throws IOException {
        Path set = dir.resolve("set");
        ProcessHandle alive = ProcessHandle.current().parent().orElseThrow();
        lock(set, alive.pid(), alive.info().startInstant().orElseThrow().toString());
        OutputException e = assertThrows(OutputException.class, () -> OutputFolder.claim(set, OutputFolder.Kind.TEST_SET));
        assertTrue(e.getMessage().contains("another run is writing this output: pid " + alive.pid() + " on host " + OutputFolder.host()
                + " since 2026-12-01T10:00:00Z"), e.getMessage());
        assertTrue(e.getMessage().contains("delete " + dir.resolve(".set.lock") + " if that run is gone"), e.getMessage());
        assertTrue(Files.exists(dir.resolve(".set.lock")), "the holder's lock stays");

        // a lock that cannot be read (another tool's file, a truncated write) is never taken over
        Path odd = dir.resolve("odd");
        Files.writeString(dir.resolve(".odd.lock"), "garbage");
        assertTrue(assertThrows(OutputException.class, () -> OutputFolder.claim(odd, OutputFolder.Kind.TEST_SET)).getMessage()
                .contains("another run is writing this output (its lock file is unreadable); wait for it to end, or delete"));
        assertEquals("garbage", Files.readString(dir.resolve(".odd.lock")));

        // our own claim is exclusive too, until released
        Path other = dir.resolve("other");
        try (OutputFolder o = OutputFolder.claim(other, OutputFolder.Kind.TEST_SET)) {
            assertThrows(OutputException.class, () -> OutputFolder.claim(other, OutputFolder.Kind.TEST_SET));
        }
        OutputFolder.claim(other, OutputFolder.Kind.TEST_SET).close();
    }

    @Test
    void aStaleLockIsTakenOver(@TempDir Path dir) throws Exception {
        Path set = dir.resolve("set");
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        lock(set, gone.pid(), "2026-12-01T09:59:00Z");
        OutputFolder.claim(set, OutputFolder.Kind.TEST_SET).close();
        assertEquals(List.of(), names(dir), "taken over, then released");

        // a pid that runs again, but a process started at another time than the holder
        ProcessHandle alive = ProcessHandle.current().parent().orElseThrow();
        lock(set, alive.pid(), "2001-01-01T00:00:00Z");
        OutputFolder.claim(set, OutputFolder.Kind.TEST_SET).close();
        assertEquals(List.of(), names(dir));
    }

    /** The local disk under another scheme: the Hadoop file-system code path that HDFS takes (create with overwrite = false). */
    public static final class OtherFs extends org.apache.hadoop.fs.RawLocalFileSystem {
        @Override
        public java.net.URI getUri() {
            return java.net.URI.create("otherfs:///");
        }

        @Override
        public String getScheme() {
            return "otherfs";
        }
    }

    @Test
    void onAnotherHadoopFileSystemTheSameRulesHold(@TempDir Path dir) throws Exception {
        org.apache.hadoop.conf.Configuration conf = new org.apache.hadoop.conf.Configuration();
        conf.set("fs.otherfs.impl", OtherFs.class.getName());
        conf.setBoolean("fs.otherfs.impl.disable.cache", true);
        String root = "otherfs://" + dir.resolve("runs");
        Path run = dir.resolve("runs").resolve("r");

        io.robustbounds.spark.RunOutput first = new io.robustbounds.spark.RunOutput(root, "r", "evaluate", conf);
        assertTrue(Files.exists(run.resolve(".evaluate.lock")));
        OutputException e = assertThrows(OutputException.class, () -> new io.robustbounds.spark.RunOutput(root, "r", "evaluate", conf));
        assertTrue(e.getMessage().contains("another run is writing this output: pid " + ProcessHandle.current().pid()), e.getMessage());
        first.writeText("_provenance.json", "{}");
        first.commit();
        assertEquals(List.of("evaluate"), names(run));
        assertEquals(List.of("_provenance.json", OutputFolder.MARKER), names(run.resolve("evaluate")).stream().filter(n -> !n.endsWith(".crc")).toList());

        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        lock(run.resolve("evaluate"), gone.pid(), "");
        Files.createDirectories(run.resolve(".evaluate.tmp-" + UUID.randomUUID()));
        io.robustbounds.spark.RunOutput second = new io.robustbounds.spark.RunOutput(root, "r", "evaluate", conf);
        second.writeText("_provenance.json", "{\"second\": true}");
        second.commit();
        assertEquals(List.of("evaluate"), names(run), "stale lock taken over, debris removed");
        assertEquals("{\"second\": true}", Files.readString(run.resolve("evaluate").resolve("_provenance.json")));

        Path mine = Files.createDirectories(run.resolve("aggregate"));
        Files.writeString(mine.resolve("notes.txt"), "mine");
        e = assertThrows(OutputException.class, () -> new io.robustbounds.spark.RunOutput(root, "r", "aggregate", conf));
        assertTrue(e.getMessage().startsWith("otherfs:" + mine + ": not empty and not a run's aggregate output"), e.getMessage());
        assertEquals(List.of("notes.txt"), names(mine));
    }
}
