package io.robustbounds.jobs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.robustbounds.config.Settings;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/** {@code _provenance.json} beside every output: resolved config, commit, versions, seeds, timings, counts. */
public final class Provenance {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Provenance() {
    }

    /** What every output records: the tool, commit, platform and library versions, and the resolved configuration. */
    public static Map<String, Object> common(Settings settings) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("tool", "robustbounds " + version());
        p.put("created", Instant.now().toString());
        p.put("git_commit", gitCommit());
        p.put("java", System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")");
        p.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        p.put("nd4j", implementationVersion(org.nd4j.linalg.factory.Nd4j.class));
        p.put("spark", org.apache.spark.package$.MODULE$.SPARK_VERSION());
        // the kernel decides whether results are independent of batching (scripts/openblas-env); null: OpenBLAS chose
        p.put("openblas_coretype", System.getenv("OPENBLAS_CORETYPE"));
        p.put("config_source", settings.source());
        p.put("config", settings.toMap());
        return p;
    }

    public static String json(Map<String, Object> provenance) {
        try {
            return JSON.writeValueAsString(provenance);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static void write(java.nio.file.Path file, Map<String, Object> provenance) throws IOException {
        JSON.writeValue(file.toFile(), provenance);
    }

    static String version() {
        String v = implementationVersion(Provenance.class);
        return v == null ? "dev" : v;
    }

    private static String implementationVersion(Class<?> c) {
        Package p = c.getPackage();
        return p == null ? null : p.getImplementationVersion();
    }

    /** The commit recorded at build time (git.properties), else the working directory's checkout, else "unknown". */
    static String gitCommit() {
        try (InputStream in = Provenance.class.getResourceAsStream("/robustbounds-git.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                String id = p.getProperty("git.commit.id");
                if (id != null && id.matches("[0-9a-f]{40}")) {
                    return id + (Boolean.parseBoolean(p.getProperty("git.dirty")) ? "-dirty" : "");
                }
            }
        } catch (IOException ignored) {
            // fall through to the checkout
        }
        try {
            Process pr = new ProcessBuilder("git", "rev-parse", "HEAD").redirectErrorStream(true).start();
            String s = new String(pr.getInputStream().readAllBytes()).trim();
            return pr.waitFor() == 0 && s.matches("[0-9a-f]{40}") ? s : "unknown";
        } catch (IOException | InterruptedException e) {
            return "unknown";
        }
    }
}
