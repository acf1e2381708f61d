package io.robustbounds.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.robustbounds.config.ConfigSchemas;
import io.robustbounds.config.Settings;
import io.robustbounds.linalg.OpenblasKernel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * README: every {@code _provenance.json} records the resolved config, the git commit, the versions and the OpenBLAS
 * kernel in use beside the one the launch scripts choose. Checked on a real {@link Provenance#of} (not the tests'
 * fixture), as written to a file.
 */
class ProvenanceTest {
    @Test
    void recordsCommitVersionsKernelsAndTheResolvedConfig(@TempDir Path dir) throws Exception {
        Path conf = Path.of("..", "conf", "robustbounds.conf");
        Settings s = Settings.load(conf, List.of("evaluation.fgs-upper=3"), ConfigSchemas.main());
        Map<String, Object> p = Provenance.of(s).with();
        p.put("rows_in", 7L);
        Path file = dir.resolve("_provenance.json");
        Provenance.write(file, p);
        JsonNode j = new ObjectMapper().readTree(Files.readString(file));
        for (String key : List.of("tool", "created", "git_commit", "java", "os", "nd4j", "spark", "openblas_coretype",
                "openblas_coretype_chosen", "config_source", "config", "rows_in")) {
            assertTrue(j.has(key), "missing " + key + " in " + j);
        }
        // a clone of the project (CI's too) is a git checkout: the commit is known, as 40 hex digits (+ "-dirty")
        assertTrue(j.get("git_commit").asText().matches("[0-9a-f]{40}(-dirty)?"), j.get("git_commit").toString());
        assertTrue(j.get("tool").asText().startsWith("robustbounds "), j.get("tool").toString());
        // versions from the jars' Maven descriptors (nd4j-api's manifest has none: it was null)
        assertTrue(j.get("nd4j").asText().matches("\\d+\\.\\d+\\.\\d+.*"), j.get("nd4j").toString());
        assertTrue(j.get("spark").asText().matches("\\d+\\.\\d+\\.\\d+.*"), j.get("spark").toString());
        assertTrue(j.get("java").asText().startsWith(System.getProperty("java.version")), j.get("java").toString());
        OpenblasKernel k = OpenblasKernel.current();
        assertEquals(String.valueOf(k.inUse()), j.get("openblas_coretype").asText());
        assertEquals(String.valueOf(k.chosen()), j.get("openblas_coretype_chosen").asText());
        assertEquals(3.0, j.get("config").get("evaluation").get("fgs-upper").asDouble(), "the override is in the resolved config");
        assertEquals(7, j.get("rows_in").asLong());
    }
}
