package io.robustbounds.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.robustbounds.model.Activation;
import io.robustbounds.model.DenseLayer;
import io.robustbounds.model.InputSpec;
import io.robustbounds.model.Layer;
import io.robustbounds.model.LinearHead;
import io.robustbounds.model.Model;
import io.robustbounds.model.ModelException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class ModelFormatTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static INDArray gaussian(DataType type, Random random, long... shape) {
        double[] v = new double[(int) Arrays.stream(shape).reduce(1, (a, b) -> a * b)];
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = random.nextGaussian();
            f[i] = (float) v[i];
        }
        return (type == DataType.DOUBLE ? Nd4j.createFromArray(v) : Nd4j.createFromArray(f)).reshape('c', shape);
    }

    /** 3 inputs, dense 4 tanh (float), dense 2 relu (double), linear head of 3 classes (float). */
    static Model mlp(long seed) {
        Random r = new Random(seed);
        Map<String, Object> provenance = new LinkedHashMap<>();
        provenance.put("created-by", "ModelFormatTest");
        provenance.put("seed", seed);
        provenance.put("learning-rate", 0.01);
        provenance.put("tags", List.of("tiny", "test"));
        provenance.put("split", Map.of("train", 0.8));
        provenance.put("converged", true);
        provenance.put("note", null);
        return new Model("tiny-3-4-2-3", new InputSpec(new long[] {3}, -1.0, 1.0),
                List.of(new DenseLayer(gaussian(DataType.FLOAT, r, 4, 3), gaussian(DataType.FLOAT, r, 4), Activation.TANH),
                        new DenseLayer(gaussian(DataType.DOUBLE, r, 2, 4), gaussian(DataType.DOUBLE, r, 2), Activation.RELU)),
                new LinearHead(gaussian(DataType.FLOAT, r, 3, 2), gaussian(DataType.FLOAT, r, 3)),
                List.of("a", "b", "c"), provenance);
    }

    private static void assertSameTensors(Map<String, INDArray> expected, Map<String, INDArray> actual) {
        assertEquals(expected.keySet(), actual.keySet());
        for (String role : expected.keySet()) {
            assertEquals(expected.get(role).dataType(), actual.get(role).dataType(), role);
            assertArrayEquals(expected.get(role).shape(), actual.get(role).shape(), role);
            assertArrayEquals(NpyTest.rawBytes(expected.get(role)), NpyTest.rawBytes(actual.get(role)), role);
        }
    }

    static void assertSameModel(Model expected, Model actual) {
        assertEquals(expected.name(), actual.name());
        assertEquals(expected.input(), actual.input());
        assertEquals(expected.classNames(), actual.classNames());
        assertEquals(expected.provenance(), actual.provenance());
        assertEquals(expected.layers().size(), actual.layers().size());
        for (int i = 0; i < expected.layers().size(); i++) {
            Layer e = expected.layers().get(i);
            Layer a = actual.layers().get(i);
            assertEquals(e.kind(), a.kind());
            if (e instanceof DenseLayer d) {
                assertEquals(d.activation(), ((DenseLayer) a).activation());
            } else {
                assertEquals(e.getClass(), a.getClass());
                assertEquals(CnnModelFormatTest.scalars(e), CnnModelFormatTest.scalars(a), "layer " + i);
            }
            assertSameTensors(e.tensors(), a.tensors());
        }
        assertSameTensors(expected.head().tensors(), actual.head().tensors());
    }

    @Test
    void folderRoundTripIsBitExactAndReadableFileByFile() throws IOException {
        Model m = mlp(42);
        Path folder = dir.resolve("tiny");
        ModelFormat.write(m, folder);
        assertSameModel(m, ModelFormat.read(folder));
        assertSameModel(m, ModelFormat.read(folder.resolve("model.json")));

        try (Stream<Path> files = Files.list(folder)) {
            assertEquals(List.of("layer0.bias.npy", "layer0.weight.npy", "layer1.bias.npy", "layer1.weight.npy",
                    "model.json", "output.bias.npy", "output.weight.npy"),
                    files.map(p -> p.getFileName().toString()).sorted().toList());
        }
        String text = Files.readString(folder.resolve("model.json"));
        assertTrue(text.contains("\"format\": \"robustbounds-model\""), text);
        ObjectNode json = (ObjectNode) JSON.readTree(text);
        assertEquals(1, json.get("version").intValue());
        assertEquals("relu", json.at("/layers/1/activation").textValue());
        assertEquals("layer1.weight.npy", json.at("/layers/1/weight").textValue());
        assertEquals("output.bias.npy", json.at("/output/bias").textValue());
        assertEquals("ModelFormatTest", json.at("/provenance/created-by").textValue());
        assertArrayEquals(new long[] {2, 4}, Npy.read(folder.resolve("layer1.weight.npy")).shape());
    }

    @Test
    void zipRoundTripIsBitExactAndDeterministic() throws IOException {
        Model m = mlp(7);
        byte[] zip = ModelFormat.toZipBytes(m);
        assertSameModel(m, ModelFormat.fromZipBytes(zip, "tiny.zip"));
        assertArrayEquals(zip, ModelFormat.toZipBytes(mlp(7)));
        Path file = dir.resolve("tiny.zip");
        ModelFormat.writeZip(m, file);
        assertArrayEquals(zip, Files.readAllBytes(file));
        assertSameModel(m, ModelFormat.read(file));
        ModelFormat.writeZip(mlp(8), file); // replaces
        assertSameModel(mlp(8), ModelFormat.read(file));
    }

    @Test
    void readsAZipOfTheFolderItself() throws IOException {
        Model m = mlp(3);
        Path folder = dir.resolve("m");
        ModelFormat.write(m, folder);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes); Stream<Path> files = Files.list(folder)) {
            zip.putNextEntry(new ZipEntry("m/"));
            for (Path f : (Iterable<Path>) files::iterator) {
                zip.putNextEntry(new ZipEntry("m/" + f.getFileName()));
                zip.write(Files.readAllBytes(f));
            }
        }
        assertSameModel(m, ModelFormat.fromZipBytes(bytes.toByteArray(), "m.zip"));
    }

    @Test
    void replacesAModelFolderButNotAnyOtherFolder() throws IOException {
        Path folder = dir.resolve("m");
        ModelFormat.write(mlp(1), folder);
        ModelFormat.write(mlp(2), folder);
        assertSameModel(mlp(2), ModelFormat.read(folder));
        try (Stream<Path> siblings = Files.list(dir)) {
            assertEquals(List.of(folder), siblings.toList()); // no temporary folders left behind
        }
        // Readable by whoever could read a folder made the ordinary way (createTempDirectory would give 0700).
        Path plain = Files.createDirectory(dir.resolve("plain"));
        assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(folder));
        Path zip = dir.resolve("m.zip");
        ModelFormat.writeZip(mlp(2), zip);
        assertEquals(Files.getPosixFilePermissions(Files.createFile(dir.resolve("plain.zip"))),
                Files.getPosixFilePermissions(zip));

        Files.writeString(folder.resolve("notes.txt"), "mine");
        String error = assertThrows(ModelException.class, () -> ModelFormat.write(mlp(3), folder)).getMessage();
        assertEquals(folder + ": refusing to replace this folder: 'notes.txt' is not part of a model"
                + " (only model.json and .npy files are)", error);
        assertTrue(Files.exists(folder.resolve("notes.txt")));
        assertSameModel(mlp(2), ModelFormat.read(folder));
    }

    @Test
    void readsAHandWrittenLinearClassifierWithNoOptionalFields() throws IOException {
        // What a numpy user writes: np.save the weights, write model.json by hand.
        Path folder = Files.createDirectory(dir.resolve("linear"));
        Files.writeString(folder.resolve("model.json"), """
                {"format": "robustbounds-model", "version": 1, "name": "linear",
                 "input": {"shape": [2], "range": [0, 255]},
                 "layers": [],
                 "output": {"kind": "linear", "weight": "w.npy", "bias": "b.npy"}}
                """);
        Npy.write(Nd4j.createFromArray(new double[][] {{1, 2}, {3, 4}}), folder.resolve("w.npy"));
        Npy.write(Nd4j.createFromArray(0.5, -0.5), folder.resolve("b.npy"));
        Model m = ModelFormat.read(folder);
        assertEquals(List.of(), m.layers());
        assertEquals(List.of(), m.classNames());
        assertEquals(Map.of(), m.provenance());
        assertEquals(new InputSpec(new long[] {2}, 0, 255), m.input());
        assertEquals(4.0, m.head().weight().getDouble(1, 1));
    }

    @Test
    void readsAModelFolderBuiltWithNumpy() throws Exception {
        Model m = ModelFormat.read(Path.of(ModelFormatTest.class.getResource("/npy/numpy_model").toURI()));
        assertEquals("numpy-2-3-2", m.name());
        assertEquals(List.of("no", "yes"), m.classNames());
        assertEquals(Map.of("created-by", "make_fixtures.py", "numpy", "2.4.6"), m.provenance());
        DenseLayer hidden = m.denseLayers().get(0);
        assertEquals(Activation.SIGMOID, hidden.activation());
        assertEquals(DataType.DOUBLE, hidden.weight().dataType());
        assertArrayEquals(new double[][] {{1.0, -1.0}, {0.5, 0.25}, {0.0, 2.0}}, hidden.weight().toDoubleMatrix());
        assertEquals(DataType.FLOAT, m.head().weight().dataType());
        assertArrayEquals(new float[] {0.0f, 0.5f}, m.head().bias().toFloatVector());
    }

    // ---------------------------------------------------------------- rejected models

    private Path written() {
        Path folder = dir.resolve("bad");
        ModelFormat.write(mlp(5), folder);
        return folder;
    }

    static void editJson(Path folder, Consumer<ObjectNode> edit) {
        try {
            ObjectNode json = (ObjectNode) JSON.readTree(folder.resolve("model.json").toFile());
            edit.accept(json);
            JSON.writeValue(folder.resolve("model.json").toFile(), json);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    static ObjectNode layer(ObjectNode json, int i) {
        return (ObjectNode) json.get("layers").get(i);
    }

    static String error(Path folder) {
        return assertThrows(ModelException.class, () -> ModelFormat.read(folder)).getMessage();
    }

    @Test
    void rejectsAMissingWeightFile() throws IOException {
        Path m = written();
        Files.delete(m.resolve("layer0.weight.npy"));
        assertEquals(m + "/model.json: layers[0] (dense): weight file 'layer0.weight.npy' not found in " + m, error(m));
    }

    @Test
    void rejectsWrongShapesNamingLayerAndFiles() {
        Path m = written();
        Npy.write(Nd4j.create(DataType.DOUBLE, 2, 5), m.resolve("layer1.weight.npy"));
        assertEquals(m + "/model.json: layers[1] (dense): expected input [5], got [4] (weight 'layer1.weight.npy'"
                + " (2, 5), bias 'layer1.bias.npy' (2,); its input is the output of layers[0])", error(m));

        m = written();
        Npy.write(Nd4j.create(DataType.FLOAT, 5), m.resolve("layer0.bias.npy"));
        assertEquals(m + "/model.json: layers[0] (dense): bias has 5 values, expected 4 (rows of weight [4, 3])"
                + " (weight 'layer0.weight.npy' (4, 3), bias 'layer0.bias.npy' (5,))", error(m));

        m = written();
        Npy.write(Nd4j.create(DataType.FLOAT, 3, 7), m.resolve("output.weight.npy"));
        assertEquals(m + "/model.json: output (linear): expected input [7], got [2] (weight 'output.weight.npy'"
                + " (3, 7), bias 'output.bias.npy' (3,); its input is the output of layers[1])", error(m));

        m = written();
        Npy.write(Nd4j.create(DataType.FLOAT, 4, 3, 1), m.resolve("layer0.weight.npy"));
        assertEquals(m + "/model.json: layers[0] (dense): weight must have rank 2, got shape [4, 3, 1]"
                + " (weight 'layer0.weight.npy' (4, 3, 1), bias 'layer0.bias.npy' (4,))", error(m));

        Path c = written();
        editJson(c, j -> ((ArrayNode) j.get("classes")).remove(2));
        assertEquals(c + "/model.json: classes: 2 names given, the output layer has 3 classes", error(c));
    }

    @Test
    void rejectsNaNAndInfiniteWeightsNamingLayerAndField() {
        Path m = written();
        Npy.write(Nd4j.createFromArray(0f, Float.NaN, 0f, 0f), m.resolve("layer0.bias.npy"));
        assertEquals(m + "/model.json: layers[0] (dense): bias 'layer0.bias.npy' holds NaN or infinite values", error(m));
        Npy.write(Nd4j.createFromArray(new float[][] {{0, 1}, {0, 0}, {Float.NEGATIVE_INFINITY, 0}}), m.resolve("output.weight.npy"));
        Npy.write(Nd4j.createFromArray(0f, 0f, 0f, 0f), m.resolve("layer0.bias.npy"));
        assertEquals(m + "/model.json: output (linear): weight 'output.weight.npy' holds NaN or infinite values", error(m));
    }

    @Test
    void rejectsUnknownActivationKindFieldFormatAndVersion() {
        Path m = written();
        editJson(m, j -> layer(j, 1).put("activation", "swish"));
        assertEquals(m + "/model.json: layers[1] (dense): unknown activation 'swish', expected one of tanh, sigmoid,"
                + " softplus, relu, identity", error(m));
        editJson(m, j -> layer(j, 1).remove("activation"));
        assertEquals(m + "/model.json: layers[1] (dense): field 'activation' is missing", error(m));
        editJson(m, j -> layer(j, 1).put("kind", "conv2d"));
        assertEquals(m + "/model.json: layers[1]: unknown layer kind 'conv2d' (known: dense, conv, pool,"
                + " batchnorm, lrn, flatten)", error(m));

        Path f = written();
        editJson(f, j -> layer(j, 0).put("transpose", true));
        assertEquals(f + "/model.json: layers[0] (dense): unknown field 'transpose' (known: kind, activation, weight, bias)",
                error(f));
        editJson(f, j -> j.put("version", 2));
        assertEquals(f + "/model.json: unsupported version 2 (this reader knows version 1)", error(f));
        editJson(f, j -> j.put("format", "onnx"));
        assertEquals(f + "/model.json: unknown format 'onnx', expected 'robustbounds-model'", error(f));

        Path i = written();
        editJson(i, j -> ((ObjectNode) j.get("input")).putArray("range").add(1.0).add(-1.0));
        assertEquals(i + "/model.json: input: range must be finite with low < high, got [1.0, -1.0]", error(i));
        editJson(i, j -> ((ObjectNode) j.get("input")).remove("shape"));
        assertEquals(i + "/model.json: input: field 'shape' is missing", error(i));
        Path o = written();
        editJson(o, j -> j.put("output", "linear"));
        assertEquals(o + "/model.json: output: must be a JSON object, got \"linear\"", error(o));
    }

    @Test
    void rejectsATruncatedNpy() throws IOException {
        Path m = written();
        Path w = m.resolve("layer0.weight.npy");
        Files.write(w, Arrays.copyOf(Files.readAllBytes(w), 128 + 20));
        assertEquals(m + "/model.json: layers[0] (dense): weight: layer0.weight.npy: shape (4, 3) <f4 needs 48 bytes of"
                + " data, but the file has 148 bytes: 20 after the 128-byte header", error(m));
    }

    @Test
    void rejectsWeightFileNamesThatEscapeTheFolder() throws IOException {
        Path m = written();
        Files.copy(m.resolve("layer0.weight.npy"), dir.resolve("x.npy"));
        for (String name : new String[] {"../x.npy", "/etc/x.npy", "sub/x.npy", "..\\x.npy", ".x.npy", "x.txt"}) {
            editJson(m, j -> layer(j, 0).put("weight", name));
            assertEquals(m + "/model.json: layers[0] (dense): weight file '" + name + "' must be a file name inside " + m
                    + " ending in .npy (no '/', '\\', ':' or leading '.')", error(m), name);
        }
    }

    @Test
    void rejectsThingsThatAreNotModels() throws IOException {
        Path empty = Files.createDirectory(dir.resolve("empty"));
        assertEquals(empty + ": model.json not found (not a model folder or zip?)", error(empty));
        assertEquals(dir.resolve("none") + ": no such model folder or zip", error(dir.resolve("none")));
        Path text = Files.writeString(dir.resolve("m.zip"), "not a zip");
        assertEquals(text + ": not a model folder or zip (no zip entries found)", error(text));

        Path m = written();
        Files.writeString(m.resolve("model.json"), "{\"format\": \"robustbounds-model\",");
        assertTrue(error(m).startsWith(m + "/model.json: not valid JSON: "), error(m));

        byte[] zip = ModelFormat.toZipBytes(mlp(5));
        String truncated = assertThrows(ModelException.class,
                () -> ModelFormat.fromZipBytes(Arrays.copyOf(zip, zip.length / 2), "half.zip")).getMessage();
        assertTrue(truncated.startsWith("half.zip"), truncated);
    }

    @Test
    void zipErrorsNameTheZipAndEntry() throws IOException {
        Path folder = written();
        Files.delete(folder.resolve("output.bias.npy"));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes); Stream<Path> files = Files.list(folder)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                zip.putNextEntry(new ZipEntry(f.getFileName().toString()));
                zip.write(Files.readAllBytes(f));
            }
        }
        String error = assertThrows(ModelException.class,
                () -> ModelFormat.fromZipBytes(bytes.toByteArray(), "broadcast:tiny")).getMessage();
        assertEquals("broadcast:tiny!/model.json: output (linear): bias file 'output.bias.npy' not found in broadcast:tiny",
                error);
    }

    /**
     * Not a check: writes a model folder and .npy files for checking by hand that numpy reads them
     * ({@code -Drobustbounds.dump=/some/dir}, then {@code python3 check_java_output.py /some/dir}).
     */
    @Test
    @EnabledIfSystemProperty(named = "robustbounds.dump", matches = ".+")
    void dumpForNumpy() throws IOException {
        Path out = Files.createDirectories(Path.of(System.getProperty("robustbounds.dump")));
        ModelFormat.write(mlp(42), out.resolve("tiny"));
        ModelFormat.writeZip(mlp(42), out.resolve("tiny.zip"));
        Npy.write(Nd4j.createFromArray(new float[][] {{0f, -0f, 1.5f}, {-2.25f, 0.1f, Float.MAX_VALUE}}), out.resolve("f4_2x3.npy"));
        Npy.write(Nd4j.createFromArray(2.5).reshape('c', new long[0]), out.resolve("f8_scalar.npy"));
        Npy.write(Nd4j.createFromArray(new double[] {1, 2, 3, 4, 5, 6}).reshape('c', new long[] {2, 3}).transpose(),
                out.resolve("f8_3x2_from_f_order.npy"));
        Npy.write(Nd4j.arange(24).castTo(DataType.FLOAT).reshape('c', new long[] {1, 2, 3, 4}), out.resolve("f4_1x2x3x4.npy"));
        assertFalse(Files.exists(out.resolve("missing")));
    }
}
