package io.robustbounds.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.robustbounds.format.ModelFormat;
import io.robustbounds.model.Model;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The first job end to end: config → random models → bounds and FGS → CSV, summary, provenance. */
class RandomMlpCommandTest {

    @Test
    void smallRunWritesEverything(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("run");
        int code = Main.run("random-mlp", "-c", "../conf/random-mlp.conf", "--set", "random.models=3",
                "--set", "random.samples-per-model=20", "--set", "random.write-models=true", "--set", "output=\"" + out + "\"");
        assertEquals(0, code);
        List<String> lines = Files.readAllLines(out.resolve("samples.csv"));
        assertEquals(1 + 3 * 20, lines.size());
        assertTrue(lines.get(0).startsWith("model,sample,predicted,runner_up,bound_mode,bound"), lines.get(0));
        assertTrue(lines.get(1).contains(",paper,"), "every bound names its mode: " + lines.get(1));
        assertTrue(Files.readString(out.resolve("summary.md")).contains("| 60 |"));
        JsonNode p = new ObjectMapper().readTree(out.resolve("_provenance.json").toFile());
        assertEquals(60, p.get("samples").asLong());
        assertEquals(3, p.get("config").get("random").get("models").asInt());
        assertEquals(1, p.get("seed").asLong());
        Model m = ModelFormat.read(out.resolve("models").resolve("model-2"));
        assertEquals(3, m.layers().size());
    }

    /**
     * Issue 14, item 7: weights up to 10³⁰ with identity activations overflow the float forward pass (10⁶⁰ at the
     * head with one hidden layer); every sample is counted as non-finite, in no other column, and the run exits 1 as for violations.
     */
    @Test
    void overflowedForwardPassIsCountedNotTakenForNoViolation(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("run");
        int code = Main.run("random-mlp", "-c", "../conf/random-mlp.conf", "--set", "random.models=2", "--set", "random.samples-per-model=5",
                "--set", "random.layers=1", "--set", "random.activation=identity", "--set", "random.parameter-interval=[-1e30, 1e30]", "--set", "output=\"" + out + "\"");
        assertEquals(1, code, "non-finite results fail the run");
        String summary = Files.readString(out.resolve("summary.md"));
        assertTrue(summary.contains("**10 sample(s) with a non-finite bound, δ, ‖J‖ or attack norm**"), summary);
        assertTrue(summary.contains("| 10 | 0.0000 | 0 | 10 | NaN |"), summary);
        assertEquals(10, new ObjectMapper().readTree(out.resolve("_provenance.json").toFile()).get("non_finite").asLong());
        int again = Main.run("random-mlp", "-c", "../conf/random-mlp.conf", "--set", "random.models=2", "--set", "random.samples-per-model=5",
                "--set", "random.layers=1", "--set", "random.activation=identity", "--set", "random.parameter-interval=[-1e30, 1e30]", "--set", "evaluation.precision=double",
                "--set", "output=\"" + dir.resolve("double") + "\"");
        assertEquals(0, new ObjectMapper().readTree(dir.resolve("double").resolve("_provenance.json").toFile()).get("non_finite").asLong(),
                "in double precision the same models evaluate (exit " + again + ")");
    }

    @Test
    void configErrorExitsWithTwoAndNamesTheKey(@TempDir Path dir) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream old = System.err;
        System.setErr(new PrintStream(err, true));
        int code;
        try {
            code = Main.run("random-mlp", "-c", "../conf/random-mlp.conf", "--set", "random.activation=swish",
                    "--set", "output=\"" + dir + "\"");
        } finally {
            System.setErr(old);
        }
        assertEquals(2, code);
        assertTrue(err.toString().contains("random.activation must be one of tanh, sigmoid, softplus, relu, identity, got \"swish\""), err.toString());
    }
}
