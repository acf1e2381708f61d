package io.robustbounds.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Each command's --help lists the configuration keys it reads with their shipped defaults, generated from the shipped files. */
class ConfigHelpTest {
    static String help(String... args) {
        PrintStream saved = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            assertEquals(0, Main.run(args));
            return out.toString(StandardCharsets.UTF_8);
        } finally {
            System.setOut(saved);
        }
    }

    @Test
    void evaluateHelpListsItsKeysWithDefaultsAndComments() {
        String h = help("evaluate", "--help");
        assertTrue(h.contains("Configuration keys (defaults from conf/robustbounds.conf"), h);
        for (String line : List.of("evaluate.limit = 0", "evaluate.fraction = 1", "evaluate.seed = 1", "evaluate.rows-per-task = 20000",
                "evaluation.fgs-upper = \"auto\"", "evaluate.model = \"conf/examples/blobs-model\"", "spark.master = \"local[*]\"",
                "progress.interval = \"10s\"")) {
            assertTrue(h.lines().anyMatch(l -> l.strip().startsWith(line)), line + " in\n" + h);
        }
        assertTrue(h.lines().anyMatch(l -> l.strip().startsWith("evaluate.batch-size = 8192") && l.contains("rows per batch")), "with its comment");
        assertTrue(h.contains("--limit=N") && h.contains("--fraction=F") && h.contains("--seed=S"), h);
        assertTrue(!h.contains("import-csv.input"), "only the keys evaluate reads");
        // a comment continued on the next line belongs to its key, not to the key after it
        assertTrue(h.lines().anyMatch(l -> l.strip().startsWith("evaluation.mode = \"paper\"") && l.contains("| certified (proven")), h);
        assertTrue(h.lines().anyMatch(l -> l.strip().equals("evaluation.jacobian-tolerance = 1.0E-4")), h);
        assertTrue(h.lines().anyMatch(l -> l.strip().startsWith("aggregate.summaries-on-driver-mb") && l.endsWith("reach the driver)")), h);
    }

    @Test
    void everyKeyOfTheShippedFileIsInSomeCommandsHelp() {
        Set<String> listed = new HashSet<>();
        for (String command : List.of("pipeline", "import-csv", "import-idx", "import-uci", "import-cifar", "import-caffe", "evaluate",
                "aggregate", "accuracy", "report")) {
            ConfigHelp.keyLines(command).forEach(l -> listed.add(l.substring(0, l.indexOf(" = "))));
        }
        Set<String> shipped = ConfigFactory.parseFile(Path.of("../conf/robustbounds.conf").toFile()).entrySet().stream()
                .map(java.util.Map.Entry::getKey).collect(java.util.stream.Collectors.toSet());
        shipped.removeAll(listed);
        assertEquals(Set.of(), shipped, "keys no command's help shows");
    }

    @Test
    void otherKindsOfFileToo() {
        assertTrue(help("random-mlp", "--help").contains("random.models = "), "random-mlp.conf");
        assertTrue(help("sweep", "--help").contains("sweep.defaults."), "sweeps/defaults.conf");
        assertTrue(help("benchmark-suite", "--help").contains("benchmark.thresholds.bound-mean = 0.01"), "benchmarks/example.conf");
        assertTrue(help("train", "--help").contains("train."), "the training schema");
    }
}
