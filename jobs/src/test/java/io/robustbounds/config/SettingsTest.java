package io.robustbounds.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.robustbounds.cli.RandomMlpSettingsProbe;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsTest {
    static final Path CONF = Path.of("..", "conf");

    /** Every shipped configuration file parses and validates, so the examples in conf/ never drift. */
    @Test
    void everyConfFileLoads() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(CONF)) {
            files = s.filter(p -> p.toString().endsWith(".conf")).toList();
        }
        assertFalse(files.isEmpty(), "no .conf files in " + CONF.toAbsolutePath());
        for (Path f : files) {
            Settings s = Settings.load(f, List.of());
            if (f.getFileName().toString().startsWith("random-mlp")) {
                RandomMlpSettingsProbe.validate(s);
            }
        }
    }

    @Test
    void overridesWin() {
        Settings s = Settings.load(CONF.resolve("random-mlp.conf"), List.of("random.models=7", "random.sample-interval=[-2, 3]"));
        assertEquals(7, s.getInt("random.models"));
        assertEquals(-2.0, s.getInterval("random.sample-interval")[0]);
    }

    @Test
    void errorsNameFileKeyAndValue(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("bad.conf");
        Files.writeString(f, "random { units = 0, classes = many, sample-interval = [1, -1] }\n");
        Settings s = Settings.load(f, List.of());
        ConfigException units = assertThrows(ConfigException.class, () -> s.getInt("random.units", 1));
        assertTrue(units.getMessage().contains("bad.conf") && units.getMessage().contains("random.units must be >= 1, got 0"), units.getMessage());
        ConfigException classes = assertThrows(ConfigException.class, () -> s.getInt("random.classes"));
        assertTrue(classes.getMessage().contains("random.classes must be a whole number, got \"many\""), classes.getMessage());
        ConfigException interval = assertThrows(ConfigException.class, () -> s.getInterval("random.sample-interval"));
        assertTrue(interval.getMessage().contains("random.sample-interval must be an interval [low, high] with low < high, got [1,-1]"),
                interval.getMessage());
        ConfigException missing = assertThrows(ConfigException.class, () -> s.getInt("random.layers"));
        assertTrue(missing.getMessage().contains("random.layers is missing"), missing.getMessage());
    }

    @Test
    void badOverrideNamesKeyAndValue() {
        ConfigException e = assertThrows(ConfigException.class, () -> Settings.load(CONF.resolve("random-mlp.conf"), List.of("random.models")));
        assertTrue(e.getMessage().contains("--set random.models: expected key=value"), e.getMessage());
        Settings s = Settings.load(CONF.resolve("random-mlp.conf"), List.of("random.models=-3"));
        ConfigException neg = assertThrows(ConfigException.class, () -> s.getInt("random.models", 1));
        assertTrue(neg.getMessage().contains("with --set {random.models=-3}: random.models must be >= 1, got -3"), neg.getMessage());
    }
}
