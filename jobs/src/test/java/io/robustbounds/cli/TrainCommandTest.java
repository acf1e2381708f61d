package io.robustbounds.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.robustbounds.config.Settings;
import io.robustbounds.data.TestSetMetadata;
import io.robustbounds.data.TestSetWriter;
import io.robustbounds.format.Checksums;
import io.robustbounds.format.ModelFormat;
import io.robustbounds.model.Model;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** train end to end on small Parquet fixtures: reads the splits, trains, checks the export, writes the model with provenance. */
class TrainCommandTest {

    /** Two Gaussian blobs in 3-D, class by blob; written as a test set (float features, like the importers). */
    static Path blobs(Path folder, int n, long seed) throws IOException {
        SplittableRandom r = new SplittableRandom(seed);
        TestSetMetadata meta = new TestSetMetadata(new long[] {3}, -4, 4, List.of("left", "right"), Map.of("importer", "test"));
        try (TestSetWriter w = new TestSetWriter(folder, meta, false, 50)) {
            for (int i = 0; i < n; i++) {
                int label = i % 2;
                double[] x = new double[3];
                for (int j = 0; j < 3; j++) {
                    x[j] = (label == 0 ? -1.5 : 1.5) * (j == 0 ? 1 : 0.3) + 0.5 * r.nextGaussian();
                }
                w.write(i, x, label);
            }
            w.commit();
        }
        return folder;
    }

    private static Path conf(Path dir, String extra) throws IOException {
        Path f = dir.resolve("toy.conf");
        Files.writeString(f, "include \"" + Path.of("..", "conf", "train", "iris.conf").toAbsolutePath() + "\"\n"
                + "train {\n  name = toy\n  data { train = \"" + dir.resolve("train") + "\", test = \"" + dir.resolve("test")
                + "\", validation = \"" + dir.resolve("validation") + "\" }\n  output = \"" + dir.resolve("model") + "\"\n"
                + "  layers = [{ kind = dense, units = 4, activation = tanh }]\n  epochs = 20\n  log-every = 100\n}\n" + extra);
        return f;
    }

    @Test
    void trainsWritesTheModelAndItsProvenance(@TempDir Path dir) throws IOException {
        blobs(dir.resolve("train"), 140, 1);
        blobs(dir.resolve("validation"), 20, 2);
        blobs(dir.resolve("test"), 40, 3);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        TrainCommand.run(Settings.load(conf(dir, ""), List.of(), TrainConfig.SCHEMA), new PrintStream(bytes, true));
        String out = bytes.toString();
        assertTrue(out.contains("test       accuracy 100.00%"), out);
        Model m = ModelFormat.read(dir.resolve("model"));
        assertEquals("toy", m.name());
        assertEquals(List.of("left", "right"), m.classNames());
        Map<String, Object> p = m.provenance();
        assertEquals(1L, ((Number) p.get("seed")).longValue());
        @SuppressWarnings("unchecked")
        Map<String, Object> accuracy = (Map<String, Object>) p.get("accuracy");
        assertEquals(List.of("train", "validation", "test"), List.copyOf(accuracy.keySet()));
        assertEquals(1.0, ((Number) accuracy.get("test")).doubleValue());
        @SuppressWarnings("unchecked")
        Map<String, Object> train = (Map<String, Object>) ((Map<String, Object>) p.get("data")).get("train");
        @SuppressWarnings("unchecked")
        Map<String, Object> sums = (Map<String, Object>) train.get("sha256");
        assertEquals(Checksums.sha256(dir.resolve("train").resolve("part-00000.parquet")), sums.get("part-00000.parquet"));
        assertEquals(3, sums.size(), "140 rows, 50 per file");
        assertEquals(140L, ((Number) train.get("rows")).longValue());
        @SuppressWarnings("unchecked")
        Map<String, Object> hp = (Map<String, Object>) p.get("hyperparameters");
        assertEquals("adam", hp.get("optimizer"));
        assertEquals("[{kind=dense, units=4, activation=tanh}]", p.get("architecture").toString());
        assertTrue(p.containsKey("nd4j") && p.containsKey("train_seconds") && p.containsKey("wall_seconds"), p.toString());

        // the same seed gives the same model, bit for bit
        Model again = TrainCommand.run(Settings.load(conf(dir, ""), List.of("train.output=\"" + dir.resolve("model2") + "\""), TrainConfig.SCHEMA),
                new PrintStream(new ByteArrayOutputStream()));
        org.junit.jupiter.api.Assertions.assertArrayEquals(m.head().weight().dup().data().asDouble(), again.head().weight().dup().data().asDouble());
        for (int l = 0; l < m.layers().size(); l++) {
            if (m.layers().get(l) instanceof io.robustbounds.model.DenseLayer d) {
                org.junit.jupiter.api.Assertions.assertArrayEquals(d.weight().dup().data().asDouble(),
                        ((io.robustbounds.model.DenseLayer) again.layers().get(l)).weight().dup().data().asDouble(), "layer " + l);
            }
        }
    }

    @Test
    void aTestSetOfAnotherShapeIsRefusedNamingBoth(@TempDir Path dir) throws IOException {
        blobs(dir.resolve("train"), 20, 1);
        blobs(dir.resolve("validation"), 10, 2);
        TestSetMetadata meta = new TestSetMetadata(new long[] {2}, -1, 1, List.of("left", "right"), Map.of());
        try (TestSetWriter w = new TestSetWriter(dir.resolve("test"), meta, false, 50)) {
            w.write(0, new double[] {0, 0}, 1);
            w.commit();
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TrainCommand.run(Settings.load(conf(dir, ""), List.of(), TrainConfig.SCHEMA), new PrintStream(new ByteArrayOutputStream())));
        assertTrue(e.getMessage().contains("(test): shape [2]") && e.getMessage().contains("shape [3]"), e.getMessage());
    }
}
