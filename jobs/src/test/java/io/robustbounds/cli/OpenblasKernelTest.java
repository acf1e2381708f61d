package io.robustbounds.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import io.robustbounds.linalg.OpenblasKernel;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * scripts/openblas-env (sourced by every launch script) sets the OpenBLAS kernel the determinism promise needs, over a
 * machine-wide OPENBLAS_CORETYPE such as Haswell (whose rows round differently with the product's shape), and keeps
 * the user's explicit ROBUSTBOUNDS_OPENBLAS_CORETYPE.
 */
class OpenblasKernelTest {
    private static final Path SCRIPT = Path.of("..").toAbsolutePath().normalize().resolve("scripts/openblas-env");

    private static String kernel(Map<String, String> env) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", "source \"$1\" && printf %s \"$OPENBLAS_CORETYPE\"", "bash", SCRIPT.toString());
        pb.environment().remove("OPENBLAS_CORETYPE");
        pb.environment().remove("ROBUSTBOUNDS_OPENBLAS_CORETYPE");
        pb.environment().putAll(env);
        Process p = pb.redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        return out;
    }

    @Test
    void machineWideKernelIsReplacedUserChoiceIsKept() throws Exception {
        String expected = Files.readString(Path.of("/proc/cpuinfo")).matches("(?s).*\\bavx512f\\b.*") ? "SkylakeX" : "Sandybridge";
        assertEquals(expected, kernel(Map.of()), "nothing set: the processor's deterministic kernel");
        assertEquals(expected, kernel(Map.of("OPENBLAS_CORETYPE", "Haswell")), "a machine-wide Haswell is not kept");
        assertEquals("Zen", kernel(Map.of("OPENBLAS_CORETYPE", "Haswell", "ROBUSTBOUNDS_OPENBLAS_CORETYPE", "Zen")),
                "the user's explicit choice is kept");
        // the jobs hold their process and their executors to the same rule (a bare spark-submit, java -jar)
        for (Map<String, String> env : List.of(Map.<String, String>of(), Map.of("OPENBLAS_CORETYPE", "Haswell"),
                Map.of("OPENBLAS_CORETYPE", "Haswell", "ROBUSTBOUNDS_OPENBLAS_CORETYPE", "Zen"))) {
            assertEquals(kernel(env), OpenblasKernel.of(env, Path.of("/proc/cpuinfo")).chosen(), "Java's rule, " + env);
        }
    }
}
