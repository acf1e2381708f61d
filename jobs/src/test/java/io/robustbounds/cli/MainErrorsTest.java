package io.robustbounds.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.robustbounds.config.Settings;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletionException;
import java.util.stream.Stream;
import org.apache.spark.SparkException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14, item 6: every input error is one line {@code error: ...} and exit code 2, a failure of the run one line
 * and exit code 3 (a full disk among them, leaving nothing half-published), whatever wraps the exception.
 */
class MainErrorsTest {
    static final String CONF = "../conf/robustbounds.conf";

    record Run(int code, List<String> err) {
    }

    static Run run(String... args) {
        PrintStream saved = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int code = Main.run(args);
            return new Run(code, err.toString(StandardCharsets.UTF_8).lines().toList());
        } finally {
            System.setErr(saved);
        }
    }

    static Run importCsv(Path input, Path out) {
        return run("import-csv", "-c", CONF, "--set", "import-csv.input=\"" + input + "\"", "--set", "import-csv.output=\"" + out + "\"");
    }

    /**
     * Two inputs that reached Spark (a stack trace, exit 3): a spark.master Spark cannot parse, and aggregate of a run
     * that has no evaluate results. Each is one line naming the key, exit 2, before Spark starts.
     */
    @Test
    void sparkMasterAndMissingResultsAreInputErrors(@TempDir Path dir) {
        Run master = run("evaluate", "-c", CONF, "--set", "spark.master=foo");
        assertEquals(2, master.code(), master.err().toString());
        assertEquals(1, master.err().size(), master.err().toString());
        assertTrue(master.err().get(0).endsWith("spark.master must be local, local[N], local[*], spark://host:port (several: "
                + "spark://h1:p1,h2:p2), yarn or k8s://…, got \"foo\""), master.err().toString());
        Run none = run("aggregate", "-c", CONF, "--set", "run.output=\"" + dir + "\"", "--set", "run.id=nonexistent");
        assertEquals(new Run(2, List.of("error: " + CONF + " with --set {run.output=\"" + dir + "\", run.id=nonexistent}: run.id has no "
                + "evaluate results (" + dir.resolve("nonexistent/evaluate/results") + "): run evaluate first, or name result folders in "
                + "aggregate.results, got \"nonexistent\"")), none);
        for (String ok : List.of("local", "local[2]", "local[*]", "local[4,2]", "spark://127.0.0.1:7077", "yarn")) {
            assertEquals(ok, io.robustbounds.config.Settings.load(Path.of(CONF), List.of("spark.master=\"" + ok + "\""),
                    io.robustbounds.config.ConfigSchemas.main()).sparkMaster());
        }
    }

    /** A missing ../… or conf/… input says where it was looked for: the working folder and the installation. */
    @Test
    void aMissingSharedInputSaysWhereItWasLookedFor(@TempDir Path dir) {
        String old = System.getProperty(io.robustbounds.config.Installation.HOME);
        System.setProperty(io.robustbounds.config.Installation.HOME, dir.toString());
        try {
            assertEquals("../shared/x.data: no such file (looked for in " + Path.of("").toAbsolutePath() + " and in the installation " + dir
                    + "; ../shared is the data folder beside the project)", Main.message(new IllegalArgumentException("../shared/x.data: no such file")));
            assertEquals("/data/x.data: no such file", Main.message(new IllegalArgumentException("/data/x.data: no such file")), "an absolute path: as it is");
        } finally {
            if (old == null) {
                System.clearProperty(io.robustbounds.config.Installation.HOME);
            } else {
                System.setProperty(io.robustbounds.config.Installation.HOME, old);
            }
        }
    }

    /** A wrong option is one error line and a pointer to --help (it printed the whole help, configuration keys and all). */
    @Test
    void aWrongOptionIsOneErrorAndAPointer() {
        assertEquals(new Run(2, List.of("error: Unknown option: '--bogus'", "(robustbounds evaluate --help lists the options and configuration keys)")),
                run("evaluate", "--bogus"));
    }

    @Test
    void binaryFileGivenAsCsv(@TempDir Path dir) throws Exception {
        byte[] bytes = new byte[64];
        new Random(3).nextBytes(bytes);
        bytes[5] = 0;
        bytes[1] = 'x';
        bytes[0] = 'a';
        for (int i = 2; i < 5; i++) {
            bytes[i] = ',';
        }
        Path bin = Files.write(dir.resolve("model.bin"), bytes);
        assertEquals(new Run(2, List.of("error: " + bin + ": not a text file (byte 0x00 at offset 5); expected delimited text")),
                importCsv(bin, dir.resolve("set")));
        assertFalse(Files.exists(dir.resolve("set")));
        assertEquals(new Run(2, List.of("error: " + bin + ": not a text file (byte 0x00 at offset 5); expected delimited text")),
                run("import-uci", "-c", CONF, "--input", bin.toString(), "--out", dir.resolve("uci").toString()));
    }

    @Test
    void textThatIsNotUtf8(@TempDir Path dir) throws Exception {
        Path latin1 = Files.write(dir.resolve("latin1.csv"), "x,y,class\n1,2,caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1));
        assertEquals(new Run(2, List.of("error: " + latin1 + ": not UTF-8 text (byte 0xe9 at offset 17); expected delimited text")),
                importCsv(latin1, dir.resolve("set")));
    }

    @Test
    void missingOrUnusableInputFile(@TempDir Path dir) throws Exception {
        Path missing = dir.resolve("nowhere.csv");
        assertEquals(new Run(2, List.of("error: " + missing + ": no such file")), importCsv(missing, dir.resolve("set")));
        assertEquals(new Run(2, List.of("error: " + dir + ": is a folder, expected a file")), importCsv(dir, dir.resolve("set")));
        Path images = dir.resolve("images.idx");
        assertEquals(new Run(2, List.of("error: " + images + ": no such file or folder")), run("import-idx", "-c", CONF, "--set",
                "import-idx.images=\"" + images + "\"", "--set", "import-idx.labels=\"\"", "--set", "import-idx.output=\"" + dir.resolve("set") + "\""));
        // the same through import-idx's options, shorthands of those keys
        assertEquals(new Run(2, List.of("error: " + images + ": no such file or folder")), run("import-idx", "-c", CONF, "--images",
                images.toString(), "--labels", "", "--out", dir.resolve("set").toString()));
        Path conf = dir.resolve("none.conf");
        assertEquals(new Run(2, List.of("error: " + conf + ": configuration file not found")), run("import-csv", "-c", conf.toString()));
    }

    /**
     * A full disk while the set is written (simulated with a file-size limit on a separate JVM: the write fails in the
     * kernel, EFBIG, as it would with ENOSPC): one line, exit 3, and the previous set is left exactly as it was.
     */
    @Test
    void diskFullWhileWriting(@TempDir Path dir) throws Exception {
        StringBuilder csv = new StringBuilder("a,b,c,d,class\n");
        Random random = new Random(5);
        for (int i = 0; i < 30_000; i++) {
            csv.append(random.nextDouble()).append(',').append(random.nextDouble()).append(',').append(random.nextDouble()).append(',')
                    .append(random.nextDouble()).append(',').append(i % 3).append('\n');
        }
        Path input = Files.writeString(dir.resolve("big.csv"), csv);
        Path small = Files.writeString(dir.resolve("small.csv"), "a,b,c,d,class\n1,2,3,4,0\n");
        Path set = dir.resolve("set");
        assertEquals(0, importCsv(small, set).code());
        List<String> before = listing(set);

        List<String> command = new ArrayList<>(List.of("java", "@../conf/jvm.options", "-XX:-UsePerfData", "-cp",
                System.getProperty("java.class.path"), "io.robustbounds.cli.Main", "import-csv", "-c", CONF, "--set",
                "import-csv.input=\"" + input + "\"", "--set", "import-csv.output=\"" + set + "\"", "--set", "import-csv.rows-per-file=1000000",
                "--set", "import-csv.precision=double"));
        // 512 KiB per file: the CSV (2.2 MB) can be read and Snappy's native library (275 KiB) extracted, the set (~0.95 MB of
        // doubles) not written
        Process p = new ProcessBuilder(withPrefix(command))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(Main.RUN_FAILED, p.waitFor(), err);
        List<String> lines = err.lines().filter(l -> !l.isBlank()).toList();
        assertEquals(1, lines.size(), err);
        assertEquals("error: " + set + ": writing the test set failed: File too large", lines.get(0));
        assertEquals(before, listing(set), "the previous set is untouched");
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of("big.csv", "set", "small.csv"), s.map(x -> x.getFileName().toString()).sorted().toList(), "no staging left");
        }
    }

    private static List<String> withPrefix(List<String> command) {
        List<String> all = new ArrayList<>(List.of("bash", "-c", "ulimit -f 512 && exec \"$@\"", "bash"));
        all.addAll(command);
        return all;
    }

    private static List<String> listing(Path set) throws IOException {
        try (Stream<Path> s = Files.list(set)) {
            List<String> out = new ArrayList<>();
            for (Path p : s.sorted().toList()) {
                out.add(p.getFileName() + " " + Files.size(p) + " " + Files.getLastModifiedTime(p));
            }
            return out;
        }
    }

    /** The mapping in one place: wrapped by Spark or a future, the input error gives 2, anything else 3, each one line. */
    @Test
    void exceptionsMapToExitCodesWhateverWrapsThem() {
        assertEquals(new Run(Main.RUN_FAILED, List.of("error: No space left on device")),
                report(new SparkException("Job aborted due to stage failure: Task 0 in stage 1.0 failed 1 times, most recent failure:"
                        + " Lost task 0.0 in stage 1.0 (TID 1): java.io.IOException: No space left on device\n\tat x.y(Z.java:1)",
                        new IOException("No space left on device"))));
        assertEquals(new Run(Main.RUN_FAILED, List.of("error: runs/x/results: writing failed: No space left on device")),
                report(new UncheckedIOException(new IOException("runs/x/results: writing failed: No space left on device",
                        new IOException("No space left on device")))));
        assertEquals(new Run(2, List.of("error: part-0.parquet row id 7: column label: label 9 is outside [0, 3)")),
                report(new SparkException("Job aborted", new CompletionException(
                        new IllegalArgumentException("part-0.parquet row id 7: column label: label 9 is outside [0, 3)")))));
        assertEquals(new Run(Main.RUN_FAILED, List.of("error: Encountered error while reading file file:///x/part-0.parquet. (can not read class PageHeader)")),
                report(new SparkException("Job aborted due to stage failure: Task 0 in stage 0.0 failed 1 times\n\tat a.b(C.java:1)",
                        new SparkException("[FAILED_READ_FILE.NO_HINT] Encountered error while reading file file:///x/part-0.parquet.  SQLSTATE: KD001",
                                new IOException("can not read class PageHeader")))));
        assertEquals(new Run(2, List.of("error: /tmp/in.csv: no such file or folder")), report(new NoSuchFileException("/tmp/in.csv")));
        assertEquals(new Run(Main.RUN_FAILED, List.of("error: java.lang.NullPointerException")), report(new NullPointerException()));
        assertEquals(new Run(Main.RUN_FAILED, List.of("error: first line")), report(new IllegalStateException("first line\nsecond line")));
    }

    private static Run report(Throwable e) {
        StringWriter err = new StringWriter();
        int code = Main.report(e, new PrintWriter(err));
        return new Run(code, err.toString().lines().toList());
    }

    @Test
    void classMismatchIsRefusedUnlessTheKeyAllowsIt() {
        Path conf = Path.of(CONF);
        assertFalse(SparkCommands.evaluate(Settings.load(conf, List.of(), io.robustbounds.config.ConfigSchemas.main())).allowClassMismatch(), "refused by default");
        assertTrue(SparkCommands.evaluate(Settings.load(conf, List.of("evaluate.allow-class-mismatch=true"), io.robustbounds.config.ConfigSchemas.main())).allowClassMismatch());
        assertEquals(2, run("evaluate", "-c", CONF, "--set", "evaluate.allow-class-mismatch=maybe").code());
    }
}
