package io.robustbounds.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Every command that reads a configuration file refuses a key nothing reads: one line, exit code 2, before any work. */
class UnknownKeyCommandTest {

    /** Runs the command line; returns the exit code and standard error. */
    private static String[] run(String... args) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream old = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = Main.run(args);
        } finally {
            System.setErr(old);
        }
        return new String[] {Integer.toString(code), err.toString(StandardCharsets.UTF_8)};
    }

    private static void refused(String expected, String... args) {
        String[] r = run(args);
        assertEquals("2", r[0], r[1]);
        assertEquals("error: " + expected + System.lineSeparator(), r[1]);
    }

    @Test
    void jobCommandsRefuseAMisspeltKey() {
        refused("unknown key evaluaton.mode (from --set); did you mean evaluation.mode?",
                "evaluate", "-c", "../conf/robustbounds.conf", "--set", "evaluaton.mode=sound");
        refused("unknown key import-csv.delimeter (from --set); did you mean import-csv.delimiter?",
                "import-csv", "-c", "../conf/robustbounds.conf", "--set", "import-csv.delimeter=\";\"");
        refused("unknown key aggregate.group_by (from --set); did you mean aggregate.group-by?",
                "pipeline", "-c", "../conf/robustbounds.conf", "--set", "aggregate.group_by=[model]");
    }

    @Test
    void otherKindsOfFilesRefuseAMisspeltKey() {
        refused("unknown key random.model (from --set); did you mean random.models?",
                "random-mlp", "-c", "../conf/random-mlp.conf", "--set", "random.model=3");
        refused("unknown key sweep.default.models (from --set); did you mean sweep.defaults.models?",
                "sweep", "-c", "../conf/sweeps/thesis-table-3-1.conf", "--set", "sweep.default.models=3");
        refused("unknown key train.epoch (from --set); did you mean train.epochs?",
                "train", "-c", "../conf/train/iris.conf", "--set", "train.epoch=3");
        refused("unknown key benchmark.thresholds.bound-mea (from --set); did you mean benchmark.thresholds.bound-mean?",
                "benchmark", "--suite", "../conf/benchmarks/example.conf", "--set", "benchmark.thresholds.bound-mea=0.1");
    }
}
