package io.robustbounds.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.robustbounds.config.ConfigException;
import io.robustbounds.config.Settings;
import io.robustbounds.train.LayerSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainConfigTest {
    static final Path CONF = Path.of("..", "conf", "train");

    /** Every shipped training configuration parses and validates, and its architecture fits its data's shape. */
    @Test
    void everyTrainConfFileLoads() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(CONF)) {
            files = s.filter(p -> p.toString().endsWith(".conf")).sorted().toList();
        }
        assertFalse(files.isEmpty());
        for (Path f : files) {
            TrainConfig c = TrainConfig.from(Settings.load(f, List.of(), TrainConfig.SCHEMA));
            long[] shape = f.getFileName().toString().startsWith("lenet") ? new long[] {1, 28, 28}
                    : f.getFileName().toString().startsWith("cifar") ? new long[] {3, 32, 32} : null;
            if (shape != null) {
                for (int i = 0; i < c.layers().size(); i++) {
                    shape = c.layers().get(i).outputShape(shape, i);
                }
                assertEquals(1, shape.length, f + ": the trunk ends in a vector");
            }
        }
        TrainConfig lrn3 = TrainConfig.from(Settings.load(CONF.resolve("lenet-lrn3.conf"), List.of(), TrainConfig.SCHEMA));
        assertEquals(2, lrn3.layers().stream().filter(l -> l instanceof LayerSpec.Lrn).count());
        assertEquals(10_000, lrn3.hyper().iterations());
        assertEquals(64, lrn3.hyper().batchSize());
        assertNull(lrn3.validationData());
        TrainConfig wine = TrainConfig.from(Settings.load(CONF.resolve("wine.conf"), List.of("train.seed=7"), TrainConfig.SCHEMA));
        assertEquals(List.of(new LayerSpec.Dense(5, io.robustbounds.model.Activation.TANH), new LayerSpec.Dense(3, io.robustbounds.model.Activation.TANH)),
                wine.layers());
        assertEquals(7, wine.hyper().seed());
        assertEquals(Path.of("runs/uci/wine/validation"), wine.validationData());
    }

    private static String error(Path dir, String body, String... overrides) throws IOException {
        Path f = dir.resolve("bad.conf");
        Files.writeString(f, "include \"" + CONF.resolve("iris.conf").toAbsolutePath() + "\"\n" + body);
        ConfigException e = assertThrows(ConfigException.class, () -> TrainConfig.from(Settings.load(f, List.of(overrides), TrainConfig.SCHEMA)));
        assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
        return e.getMessage();
    }

    @Test
    void errorsNameKeyAndValue(@TempDir Path dir) throws IOException {
        String m = error(dir, "train.batch-size = 0\n");
        assertTrue(m.contains("train.batch-size must be >= 1, got 0"), m);
        m = error(dir, "train.learning-rate = fast\n");
        assertTrue(m.contains("train.learning-rate must be a number, got \"fast\""), m);
        m = error(dir, "train.layers = [{ kind = dense, units = five, activation = tanh }]\n");
        assertTrue(m.contains("train.layers[0].units must be a whole number, got \"five\""), m);
        m = error(dir, "train.layers = [{ kind = dense, units = 4, activation = tanh }, { kind = dense, units = 3, activation = swish }]\n");
        assertTrue(m.contains("train.layers[1].activation must be one of tanh, sigmoid, softplus, relu, identity, got \"swish\""), m);
        m = error(dir, "train.layers = [{ kind = pool, method = median, size = 2 }]\n");
        assertTrue(m.contains("train.layers[0].method must be max or average, got \"median\""), m);
        m = error(dir, "train.layers = [{ kind = lrn, beta = -1 }]\n");
        assertTrue(m.contains("train.layers[0]") && m.contains("beta") && m.contains("-1"), m);
        m = error(dir, "train.layers = [{ kind = attention }]\n");
        assertTrue(m.contains("train.layers[0].kind must be one of dense, conv, pool, lrn, flatten, got \"attention\""), m);
        m = error(dir, "", "train.epochs=5", "train.iterations=10");
        assertTrue(m.contains("exactly one of train.iterations and train.epochs must be > 0, got 10 and 5.0"), m);
        m = error(dir, "train.weight-init = lecun\n");
        assertTrue(m.contains("train.weight-init must be one of xavier, xavier-uniform, caffe-xavier, he, got \"lecun\""), m);
        m = error(dir, "train.precision = half\n");
        assertTrue(m.contains("train.precision must be float or double, got \"half\""), m);
        m = error(dir, "train.data.test = \"\"\n");
        assertTrue(m.contains("train.data.test must name a folder, got \"\""), m);
        m = error(dir, "train.optimizer = rmsprop\n");
        assertTrue(m.contains("train.optimizer must be adam or sgd, got rmsprop"), m);
    }

    /** A key no reader knows is refused with where it came from and the nearest known key; a layer takes only its kind's keys. */
    @Test
    void unknownKeysAreRefused(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("bad.conf");
        String m = error(dir, "train.layers = [{ kind = conv, filters = 4, size = 3, strides = 2 }]\n");
        assertEquals("unknown key train.layers[0].strides (from " + f + ":2); did you mean train.layers[0].stride?", m);
        // a key of another kind of layer: this kind's keys are listed
        m = error(dir, "train.layers = [\n  { kind = dense, units = 4, activation = tanh, filters = 2 }\n]\n");
        assertEquals("unknown key train.layers[0].filters (from " + f + ":3); a dense layer's keys: kind, activation, units", m);
        m = error(dir, "train {\n  epoch = 3\n}\n");
        assertEquals("unknown key train.epoch (from " + f + ":3); did you mean train.epochs?", m);
        m = assertThrows(ConfigException.class, () -> Settings.load(CONF.resolve("iris.conf"), List.of("train.data.validaton=\"runs/v\""),
                TrainConfig.SCHEMA)).getMessage();
        assertEquals("unknown key train.data.validaton (from --set); did you mean train.data.validation?", m);
        // the declared schema is itself a valid training file
        TrainConfig example = TrainConfig.from(Settings.load(write(dir, TrainConfig.SCHEMA_TEXT), List.of(), TrainConfig.SCHEMA));
        assertEquals(5, example.layers().size());
    }

    private static Path write(Path dir, String text) throws IOException {
        Path f = dir.resolve("schema.conf");
        Files.writeString(f, text);
        return f;
    }
}
