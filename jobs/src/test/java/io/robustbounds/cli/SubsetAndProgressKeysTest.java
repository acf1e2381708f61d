package io.robustbounds.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 17, items 1–3: bad values of the subset, rows-per-task, progress and U keys are refused before any work, in one
 * line naming the file, the key and the value, exit code 2.
 */
class SubsetAndProgressKeysTest {
    private static final String CONF = MainErrorsTest.CONF;

    private static void refused(String expected, String... args) {
        MainErrorsTest.Run r = MainErrorsTest.run(args);
        assertEquals(2, r.code(), String.join("\n", r.err()));
        assertEquals(List.of("error: " + expected), r.err());
    }

    @Test
    void limitMustNotBeNegative() {
        refused(CONF + " with --set {evaluate.limit=\"-1\"}: evaluate.limit must be >= 0 (0: all rows), got \"-1\"",
                "evaluate", "-c", CONF, "--limit", "-1");
    }

    @Test
    void fractionMustBeInZeroOne() {
        refused(CONF + " with --set {evaluate.fraction=\"1.5\"}: evaluate.fraction must be in (0, 1] (1: all rows), got \"1.5\"",
                "evaluate", "-c", CONF, "--fraction", "1.5");
        refused(CONF + " with --set {evaluate.fraction=0}: evaluate.fraction must be in (0, 1] (1: all rows), got 0",
                "pipeline", "-c", CONF, "--set", "evaluate.fraction=0");
    }

    @Test
    void limitAndFractionExcludeEachOther() {
        refused(CONF + " with --set {evaluate.limit=\"10\", evaluate.fraction=\"0.5\"}: evaluate.fraction excludes evaluate.limit = 10: "
                + "give one of them, got \"0.5\"", "evaluate", "-c", CONF, "--limit", "10", "--fraction", "0.5");
    }

    @Test
    void rowsPerTaskAndProgressInterval() {
        refused(CONF + " with --set {evaluate.rows-per-task=-5}: evaluate.rows-per-task must be >= 0 (0: Spark's file splits), got -5",
                "evaluate", "-c", CONF, "--set", "evaluate.rows-per-task=-5");
        refused(CONF + " with --set {progress.interval=often}: progress.interval must be a duration (for example 10s), got \"often\"",
                "evaluate", "-c", CONF, "--set", "progress.interval=often");
        refused(CONF + " with --set {progress.interval=0s}: progress.interval must be positive, got \"0s\"",
                "evaluate", "-c", CONF, "--set", "progress.interval=0s");
    }

    @Test
    void fgsUpperIsAutoOrAPositiveNumber() {
        refused(CONF + " with --set {evaluation.fgs-upper=big}: evaluation.fgs-upper must be a number, got \"big\"",
                "evaluate", "-c", CONF, "--set", "evaluation.fgs-upper=big");
        refused(CONF + " with --set {evaluation.fgs-upper=-1}: evaluation.fgs-upper must be positive, got -1",
                "evaluate", "-c", CONF, "--set", "evaluation.fgs-upper=-1");
    }
}
