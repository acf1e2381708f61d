package io.robustbounds.spark;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.robustbounds.config.Settings;
import io.robustbounds.linalg.OpenblasKernel;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * What every {@code _provenance.json} records (tool, commit, platform and library versions, the resolved configuration),
 * as a typed record; each step adds its own fields after these ({@link #with}) — counts, seeds, timings, inputs.
 */
public record Provenance(String tool, String created, String gitCommit, String java, String os, String nd4j, String spark,
                         String openblasCoretype, String openblasChosen, String configSource, Map<String, Object> config) {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** The provenance of a command run now with these settings. */
    public static Provenance of(Settings settings) {
        OpenblasKernel kernel = OpenblasKernel.current();
        return new Provenance("robustbounds " + version(), Instant.now().toString(), currentGitCommit(),
                System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")",
                System.getProperty("os.name") + " " + System.getProperty("os.arch"),
                nd4jVersion(), SparkInternals.sparkVersion(),
                // the kernel decides whether results are independent of batching (scripts/openblas-env); null: OpenBLAS chose
                kernel.inUse(), kernel.chosen(), settings.source(), settings.toMap());
    }

    /** The common fields in their JSON order, in a map a step adds its fields to. */
    public Map<String, Object> with() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("tool", tool);
        p.put("created", created);
        p.put("git_commit", gitCommit);
        p.put("java", java);
        p.put("os", os);
        p.put("nd4j", nd4j);
        p.put("spark", spark);
        p.put("openblas_coretype", openblasCoretype);
        // the kernel the launch scripts choose here: results are bit-identical across batchings only when the two agree
        p.put("openblas_coretype_chosen", openblasChosen);
        p.put("config_source", configSource);
        p.put("config", config);
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

    public static String version() {
        return mavenVersion(Provenance.class, "io.robustbounds/robustbounds-jobs", "dev");
    }

    /** nd4j-api's version (its jar manifest has none). */
    public static String nd4jVersion() {
        return mavenVersion(org.nd4j.linalg.factory.Nd4j.class, "org.nd4j/nd4j-api", "unknown");
    }

    /** The version in a jar's Maven descriptor (META-INF/maven/group/artifact/pom.properties), or {@code otherwise}. */
    private static String mavenVersion(Class<?> inJar, String groupAndArtifact, String otherwise) {
        try (InputStream in = inJar.getResourceAsStream("/META-INF/maven/" + groupAndArtifact + "/pom.properties")) {
            if (in == null) {
                return otherwise;
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", otherwise);
        } catch (java.io.IOException e) {
            return otherwise;
        }
    }

    /** The commit recorded at build time (git.properties), else the working directory's checkout, else "unknown". */
    public static String currentGitCommit() {
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
