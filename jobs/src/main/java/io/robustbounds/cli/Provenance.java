package io.robustbounds.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.robustbounds.config.Settings;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code _provenance.json} beside every output: resolved config, commit, versions, seeds, timings, counts. */
final class Provenance {
    private Provenance() {
    }

    static void write(Path file, Settings settings, long seed, double seconds, long samples, long violations) throws IOException {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("tool", "robustbounds " + Main.class.getPackage().getImplementationVersion());
        p.put("created", Instant.now().toString());
        p.put("config_source", settings.source());
        p.put("config", settings.toMap());
        p.put("git_commit", gitCommit());
        p.put("java", System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")");
        p.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        p.put("nd4j", org.nd4j.linalg.factory.Nd4j.class.getPackage().getImplementationVersion());
        p.put("seed", seed);
        p.put("seconds", seconds);
        p.put("samples", samples);
        p.put("violations", violations);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), p);
    }

    /** The commit of the working directory's checkout, or "unknown" outside one. */
    static String gitCommit() {
        try {
            Process pr = new ProcessBuilder("git", "rev-parse", "HEAD").redirectErrorStream(true).start();
            String s = new String(pr.getInputStream().readAllBytes()).trim();
            return pr.waitFor() == 0 && s.matches("[0-9a-f]{40}") ? s : "unknown";
        } catch (IOException | InterruptedException e) {
            return "unknown";
        }
    }
}
