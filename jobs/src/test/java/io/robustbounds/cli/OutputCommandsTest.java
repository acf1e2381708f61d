package io.robustbounds.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.robustbounds.output.OutputFolder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every command that writes an output, run from the command line on a folder holding a user's file: exit 2, one
 * line naming the folder, the file untouched. Locks: a held one refuses a second run, a stale one is taken over.
 */
class OutputCommandsTest {
    static final String CONF = Path.of("..", "conf", "robustbounds.conf").toAbsolutePath().toString();

    record Result(int code, String err) {
    }

    static Result run(String... args) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream old = System.err;
        System.setErr(new PrintStream(err, true));
        try {
            return new Result(Main.run(args), err.toString());
        } finally {
            System.setErr(old);
        }
    }

    /** Every file under dir with its content: what must not change. */
    static Map<String, String> snapshot(Path dir) throws IOException {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                m.put(dir.relativize(p).toString(), new String(Files.readAllBytes(p), java.nio.charset.StandardCharsets.ISO_8859_1));
            }
        }
        return m;
    }

    static Path usersFolder(Path dir, String name) throws IOException {
        Path f = Files.createDirectories(dir.resolve(name));
        Files.writeString(f.resolve("thesis.tex"), "\\section{mine}");
        return f;
    }

    static void assertRefused(Result r, Path folder, String kind) throws IOException {
        assertEquals(2, r.code(), r.err());
        assertEquals("error: " + folder + ": not empty and not " + kind + " written by robustbounds (it holds 'thesis.tex'"
                + (kind.equals("a model") ? "" : "; no _robustbounds.json") + "); refusing to replace it: choose a new or empty folder, "
                + "or delete it yourself\n", r.err());
        assertEquals(Map.of("thesis.tex", "\\section{mine}"), snapshot(folder));
    }

    static Path csv(Path dir) throws IOException {
        return Files.writeString(dir.resolve("in.csv"), "a,b,class\n1,2,x\n3,4,y\n5,6,x\n7,8,y\n9,1,x\n2,3,y\n4,5,x\n6,7,y\n8,9,x\n1,1,y\n");
    }

    @Test
    void everyWriterRefusesAFolderWithAUsersFile(@TempDir Path dir) throws Exception {
        Path in = csv(dir);
        Path out = usersFolder(dir, "csv");
        assertRefused(run("import-csv", "-c", CONF, "--set", "import-csv.input=\"" + in + "\"", "--set", "import-csv.output=\"" + out + "\""),
                out, "a test set");

        out = usersFolder(dir, "uci");
        assertRefused(run("import-uci", "-c", CONF, "--input", in.toString(), "--out", out.toString()), out, "an import-uci output");

        Path batch = dir.resolve("data_batch_1.bin");
        Files.write(batch, new byte[3073]); // one CIFAR-10 record: label 0, black
        out = usersFolder(dir, "cifar");
        assertRefused(run("import-cifar", "-c", CONF, batch.toString(), "--out", out.toString()), out, "a test set");

        out = usersFolder(dir, "random-set");
        assertRefused(run("random-testset", "--rows", "10", "--out", out.toString()), out, "a test set");

        out = usersFolder(dir, "random-model");
        assertRefused(run("random-model", "--out", out.toString()), out, "a model");

        out = usersFolder(dir, "caffe"); // refused before the weights are read: they need not exist
        assertRefused(run("import-caffe", "-c", CONF, "--weights", dir.resolve("absent.caffemodel").toString(), "--out", out.toString()),
                out, "a model");

        out = usersFolder(dir, "scaling"); // refused before the model and results are read: they need not exist
        assertRefused(run("scaling", "-c", CONF, "--model", dir.resolve("absent-model").toString(), "--results",
                dir.resolve("absent-results").toString(), "--out", out.toString()), out, "a scaling output");

        out = usersFolder(dir, "random-mlp");
        assertRefused(run("random-mlp", "-c", "../conf/random-mlp.conf", "--set", "random.models=1", "--set", "output=\"" + out + "\""),
                out, "a random-mlp output");

        TrainCommandTest.blobs(dir.resolve("train"), 20, 1);
        TrainCommandTest.blobs(dir.resolve("test"), 20, 2);
        out = usersFolder(dir, "trained");
        Path conf = Files.writeString(dir.resolve("toy.conf"), "include \"" + Path.of("..", "conf", "train", "iris.conf").toAbsolutePath()
                + "\"\ntrain {\n  name = toy\n  data { train = \"" + dir.resolve("train") + "\", test = \"" + dir.resolve("test")
                + "\", validation = \"\" }\n  output = \"" + out + "\"\n  layers = [{ kind = dense, units = 4, activation = tanh }]\n}\n");
        assertRefused(run("train", "-c", conf.toString()), out, "a model");
    }

    /** {@code --set import-csv.output=.} emptied the working directory: run in a folder of its own, it is refused (empty or not). */
    @Test
    void theWorkingDirectoryAsOutputIsRefused(@TempDir Path dir) throws Exception {
        Path in = csv(dir);
        Path work = usersFolder(dir, "work");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), Main.class.getName(), "import-csv", "-c", CONF,
                "--set", "import-csv.input=\"" + in + "\"", "--set", "import-csv.output=."));
        Process p = new ProcessBuilder(cmd).directory(work.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String err = new String(p.getErrorStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(2, p.exitValue(), err);
        assertEquals("error: " + work + ": is the working directory or holds it; refusing to replace it with a test set (name a new folder)\n", err);
        assertEquals(Map.of("thesis.tex", "\\section{mine}"), snapshot(work));

        Path empty = Files.createDirectories(dir.resolve("empty"));
        p = new ProcessBuilder(cmd).directory(empty.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        err = new String(p.getErrorStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(2, p.exitValue(), err);
        assertEquals(List.of(), Files.list(empty).toList());
    }

    @Test
    void aHeldLockRefusesASecondRunAndAStaleOneIsTakenOver(@TempDir Path dir) throws Exception {
        Path set = dir.resolve("set");
        assertEquals(0, run("random-testset", "--rows", "30", "--rows-per-file", "10", "--out", set.toString()).code());
        Map<String, String> first = snapshot(set);
        assertEquals(4, first.size(), "three part files and the marker: " + first.keySet());

        ProcessHandle holder = ProcessHandle.current().parent().orElseThrow();
        Path lock = dir.resolve(".set.lock");
        Files.writeString(lock, "{\"host\": \"" + OutputFolder.host() + "\", \"pid\": " + holder.pid() + ", \"process_start\": \""
                + holder.info().startInstant().orElseThrow() + "\", \"since\": \"2026-12-01T10:00:00Z\"}");
        Result r = run("random-testset", "--rows", "5", "--seed", "2", "--out", set.toString());
        assertEquals(2, r.code(), r.err());
        assertEquals("error: " + set + ": another run is writing this output: pid " + holder.pid() + " on host " + OutputFolder.host()
                + " since 2026-12-01T10:00:00Z; wait for it to end, or delete " + lock + " if that run is gone\n", r.err());
        assertEquals(first, snapshot(set), "the first run's output is intact");
        assertTrue(Files.exists(lock));

        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Files.writeString(lock, "{\"host\": \"" + OutputFolder.host() + "\", \"pid\": " + gone.pid() + ", \"process_start\": \"\", \"since\": \"x\"}");
        Files.createDirectories(dir.resolve(".set.writing")); // and what the killed holder was writing
        assertEquals(0, run("random-testset", "--rows", "5", "--seed", "2", "--out", set.toString()).code());
        assertEquals(List.of("set"), Files.list(dir).map(p -> p.getFileName().toString()).toList(), "lock taken over and released, debris gone");
        assertFalse(snapshot(set).equals(first));
    }

    /** A second pipeline of a run id is refused before its import-csv replaces the test set the first one is reading. */
    @Test
    void aSecondPipelineOfARunIdIsRefusedBeforeItWritesAnything(@TempDir Path dir) throws Exception {
        Path in = csv(dir);
        Path runs = Files.createDirectories(dir.resolve("runs"));
        ProcessHandle holder = ProcessHandle.current().parent().orElseThrow();
        Files.writeString(runs.resolve(".demo.lock"), "{\"host\": \"" + OutputFolder.host() + "\", \"pid\": " + holder.pid()
                + ", \"process_start\": \"" + holder.info().startInstant().orElseThrow() + "\", \"since\": \"2026-12-01T10:00:00Z\"}");
        Result r = run("pipeline", "-c", CONF, "--set", "run.output=\"" + runs + "\"", "--set", "run.id=demo",
                "--set", "import-csv.input=\"" + in + "\"", "--set", "import-csv.output=\"" + runs.resolve("demo").resolve("testset") + "\"",
                "--set", "evaluate.test-set=\"" + runs.resolve("demo").resolve("testset") + "\"");
        assertEquals(2, r.code(), r.err());
        assertEquals("error: " + runs.resolve("demo") + ": another run is writing this output: pid " + holder.pid() + " on host "
                + OutputFolder.host() + " since 2026-12-01T10:00:00Z; wait for it to end, or delete " + runs.resolve(".demo.lock")
                + " if that run is gone\n", r.err());
        assertEquals(List.of(".demo.lock"), Files.list(runs).map(p -> p.getFileName().toString()).toList(), "nothing imported");
    }

    /** pipeline evaluates what it imports: a test set elsewhere is refused by name before anything is imported. */
    @Test
    void aPipelineWhoseImportDoesNotFeedItsEvaluateIsRefused(@TempDir Path dir) throws Exception {
        Path in = csv(dir);
        Path runs = dir.resolve("runs");
        Path imported = runs.resolve("demo").resolve("testset");
        Result r = run("pipeline", "-c", CONF, "--set", "run.output=\"" + runs + "\"", "--set", "run.id=demo",
                "--set", "import-csv.input=\"" + in + "\"", "--set", "import-csv.output=\"" + imported + "\"",
                "--set", "evaluate.test-set=\"" + dir.resolve("old-testset") + "\"");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("evaluate.test-set must be the folder pipeline imports into (import-csv.output = \"" + imported
                + "\"); set both to one folder, or pass --no-import to evaluate an existing test set, got \"" + dir.resolve("old-testset") + "\""), r.err());
        assertFalse(Files.exists(runs), "nothing imported");
        // the same folder written two ways is the same folder
        io.robustbounds.config.Settings s = io.robustbounds.config.Settings.load(Path.of(CONF), List.of(), io.robustbounds.config.ConfigSchemas.main());
        JobCommands.importFeedsEvaluate(s, imported, "file:" + runs.resolve("x").resolve("..").resolve("demo").resolve("testset"));
        JobCommands.importFeedsEvaluate(s, Path.of("runs/demo/testset"), Path.of("runs/demo/testset").toAbsolutePath().toString());
        org.junit.jupiter.api.Assertions.assertThrows(io.robustbounds.config.ConfigException.class,
                () -> JobCommands.importFeedsEvaluate(s, imported, "hdfs://namenode" + imported));
    }
}
