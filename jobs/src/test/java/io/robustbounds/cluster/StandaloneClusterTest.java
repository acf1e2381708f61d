package io.robustbounds.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The spark-submit path on a real standalone cluster (loopback, two workers), through scripts/test-cluster.
 * Not part of the default run: it needs the spark jar, which `mvn test` does not build (package comes after
 * test), and starts six JVMs for 20–40 s. Run it on its own after packaging:
 * <pre>
 * mvn -q -B package -DskipTests && mvn -B test -Dgroups=cluster -Drobustbounds.cluster=true
 * </pre>
 */
@Tag("cluster")
@EnabledIfSystemProperty(named = "robustbounds.cluster", matches = "true")
class StandaloneClusterTest {

    @Test
    void sparkCheckRunsOnBothWorkers() throws Exception {
        Path script = Path.of("..", "scripts", "test-cluster").toAbsolutePath().normalize();
        assertTrue(Files.isExecutable(script), script + " not found");
        ProcessBuilder pb = new ProcessBuilder(script.toString()).directory(script.getParent().getParent().toFile()).inheritIO();
        // a stale jar fails with a message instead of a nested Maven build inside this one
        pb.environment().put("ROBUSTBOUNDS_TEST_NO_BUILD", "1");
        Process p = pb.start();
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroy(); // the script's trap stops the cluster
            p.waitFor(60, TimeUnit.SECONDS);
            throw new AssertionError("scripts/test-cluster did not finish in 10 minutes");
        }
        assertEquals(0, p.exitValue(), "scripts/test-cluster failed; its output is above");
    }
}
