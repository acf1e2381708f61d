package io.robustbounds.format;

import static io.robustbounds.format.ModelFormatTest.editJson;
import static io.robustbounds.format.ModelFormatTest.mlp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.robustbounds.model.Model;
import io.robustbounds.model.ModelException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Model folders, zips and model.json files written to exhaust memory or to read outside the model. */
class HostileModelFilesTest {
    @TempDir
    Path dir;

    private Path written() {
        Path folder = dir.resolve("m");
        ModelFormat.write(mlp(5), folder);
        return folder;
    }

    private static String error(Path model) {
        return assertThrows(ModelException.class, () -> ModelFormat.read(model)).getMessage();
    }

    private static String error(byte[] zip, String name) {
        return assertThrows(ModelException.class, () -> ModelFormat.fromZipBytes(zip, name)).getMessage();
    }

    /** A zip of the folder's files (model.json first) plus the extra entries given; null content skips a file. */
    private static byte[] zip(Path folder, Map<String, byte[]> extra) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes); Stream<Path> files = Files.list(folder).sorted()) {
            for (Path f : (Iterable<Path>) files::iterator) {
                zip.putNextEntry(new ZipEntry(f.getFileName().toString()));
                zip.write(Files.readAllBytes(f));
            }
            for (Map.Entry<String, byte[]> e : extra.entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey()));
                zip.write(e.getValue());
            }
        }
        return bytes.toByteArray();
    }

    @Test
    void refusesSymbolicLinksInAModelFolder() throws IOException {
        Path m = written();
        Path weight = m.resolve("layer0.weight.npy");
        Path outside = Files.move(weight, dir.resolve("outside.npy")); // a valid .npy, outside the folder
        Files.createSymbolicLink(weight, outside);
        assertEquals(m + "/model.json: layers[0] (dense): weight file 'layer0.weight.npy' is a symbolic link (to "
                + outside + "); refused: a model's files must be regular files inside its folder", error(m));

        Files.delete(weight);
        Files.createSymbolicLink(weight, Path.of("/etc/passwd"));
        assertEquals(m + "/model.json: layers[0] (dense): weight file 'layer0.weight.npy' is a symbolic link (to"
                + " /etc/passwd); refused: a model's files must be regular files inside its folder", error(m));

        // a link to a file inside the folder is refused too: the rule is simple and needs no resolving
        Files.delete(weight);
        Files.copy(outside, m.resolve("copy.npy"));
        Files.createSymbolicLink(weight, Path.of("copy.npy"));
        assertTrue(error(m).endsWith("weight file 'layer0.weight.npy' is a symbolic link (to copy.npy); refused: a"
                + " model's files must be regular files inside its folder"), error(m));

        Path json = m.resolve("model.json");
        Path realJson = Files.move(json, dir.resolve("elsewhere.json"));
        Files.createSymbolicLink(json, realJson);
        assertEquals(m + "/model.json: is a symbolic link (to " + realJson + "); refused: a model's files must be"
                + " regular files inside its folder", error(m));
    }

    @Test
    void readsAModelFolderReachedThroughALinkAndRefusesNonRegularFiles() throws IOException {
        Path m = written();
        Path link = Files.createSymbolicLink(dir.resolve("latest"), m);
        ModelFormatTest.assertSameModel(mlp(5), ModelFormat.read(link));

        Files.delete(m.resolve("output.bias.npy"));
        Files.createDirectory(m.resolve("output.bias.npy"));
        assertEquals(m + "/model.json: output (linear): bias file 'output.bias.npy' is not a regular file", error(m));
    }

    @Test
    void capsModelJsonSizeAndNesting() throws IOException {
        Path m = written();
        Path json = m.resolve("model.json");
        byte[] text = Files.readAllBytes(json);
        try (OutputStream out = Files.newOutputStream(json)) {
            out.write(text);
            out.write(" ".repeat(ModelFormat.MAX_JSON_BYTES).getBytes(StandardCharsets.US_ASCII));
        }
        long size = Files.size(json);
        assertEquals(json + ": " + size + " bytes, over the limit of 16777216 bytes for model.json; refused", error(m));
        // the same in a zip: counted while inflating
        assertEquals("big.zip!/model.json: over 16777216 bytes uncompressed (the limit for model.json); refused",
                error(zip(m, Map.of()), "big.zip"));

        Path deep = written();
        editJson(deep, j -> {
            ArrayNode a = j.putObject("provenance").putArray("nested");
            for (int i = 0; i < 100; i++) {
                a = a.addArray();
            }
        });
        assertEquals(deep + "/model.json: refused: Document nesting depth (65) exceeds the maximum allowed (64)",
                error(deep));

        Path longString = written();
        editJson(longString, j -> ((ObjectNode) j.get("provenance")).put("note", "x".repeat(ModelFormat.MAX_JSON_STRING + 1)));
        assertEquals(longString + "/model.json: refused: String value length (1048577) exceeds the maximum allowed"
                + " (1048576)", error(longString));

        // what would not be read back is not written
        Map<String, Object> provenance = new LinkedHashMap<>();
        Object nested = List.of();
        for (int i = 0; i < 100; i++) {
            nested = List.of(nested);
        }
        provenance.put("nested", nested);
        Model m5 = mlp(5);
        Model tooDeep = new Model(m5.name(), m5.input(), m5.layers(), m5.head(), m5.classNames(), provenance);
        String write = assertThrows(ModelException.class, () -> ModelFormat.write(tooDeep, dir.resolve("deep"))).getMessage();
        assertTrue(write.startsWith("model 'tiny-3-4-2-3': cannot write model.json: Document nesting depth (65) exceeds"
                + " the maximum allowed (64"), write);
    }

    @Test
    void refusesZipBombsWhileInflating() throws IOException {
        Path m = written();
        // 200 MiB of zeros deflate to ~200 KiB: over 100 times the zip's size, refused at 64 MiB though not referenced
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.putNextEntry(new ZipEntry("model.json"));
            zip.write(Files.readAllBytes(m.resolve("model.json")));
            zip.putNextEntry(new ZipEntry("zeros.bin"));
            byte[] mib = new byte[1 << 20];
            for (int i = 0; i < 200; i++) {
                zip.write(mib);
            }
        }
        byte[] bomb = bytes.toByteArray();
        assertTrue(bomb.length < 1 << 20, "zip of " + bomb.length + " bytes");
        assertEquals("bomb.zip: inflates to over 67108864 bytes (the limit: 100 times the zip's size, at least 67108864);"
                + " refused as a possible zip bomb, at entry 'zeros.bin'", error(bomb, "bomb.zip"));
    }

    /**
     * Each entry model.json names is capped while it inflates (1 GiB in use; here 64 bytes, so that no test writes a
     * gigabyte), and a zip that holds one name twice is refused.
     */
    @Test
    void capsEachNamedZipEntryAndRefusesAnEntryHeldTwice() throws IOException {
        Path m = written();
        byte[] z = zip(m, Map.of());
        assertEquals(1L << 30, ModelFormat.MAX_ZIP_ENTRY_BYTES);
        String capped = assertThrows(ModelException.class, () -> ModelJson.read(
                ModelSource.Zip.scan(() -> new java.io.ByteArrayInputStream(z), z.length, "m.zip", 64))).getMessage();
        assertTrue(capped.startsWith("m.zip!/") && capped.endsWith(".npy: over 64 bytes uncompressed (the limit for one entry); refused"), capped);
        ModelFormatTest.assertSameModel(mlp(5), ModelJson.read(
                ModelSource.Zip.scan(() -> new java.io.ByteArrayInputStream(z), z.length, "m.zip", 1 << 20)));

        byte[] two = zip(m, Map.of("dup1.bin", new byte[] {1}, "dup2.bin", new byte[] {2}));
        byte[] from = "dup2.bin".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        int renamed = 0;
        for (int i = 0; i + from.length <= two.length; i++) {
            if (java.util.Arrays.equals(two, i, i + from.length, from, 0, from.length)) {
                two[i + 3] = '1';                          // local header and central directory: "dup1.bin" twice
                renamed++;
            }
        }
        assertEquals(2, renamed);
        assertEquals("m.zip: the zip holds 'dup1.bin' twice", error(two, "m.zip"));
    }

    @Test
    void refusesUnsafeZipEntryNamesAndReadsOnlyWhatModelJsonNames() throws IOException {
        Path m = written();
        for (String name : new String[] {"../evil.npy", "a/../../evil.npy", "/etc/evil.npy", "a\\evil.npy", "C:/evil.npy"}) {
            assertEquals("m.zip: zip entry '" + name + "' has an unsafe name (an absolute path, '..' or '\\'); refused",
                    error(zip(m, Map.of(name, new byte[] {1})), "m.zip"), name);
        }
        // entries model.json does not name are skipped, not parsed: a broken one does not matter
        byte[] extra = zip(m, Map.of("notes.npy", new byte[] {'n', 'o', 't'}, "README", new byte[] {'h', 'i'}));
        ModelFormatTest.assertSameModel(mlp(5), ModelFormat.fromZipBytes(extra, "m.zip"));
        Path zipFile = Files.write(dir.resolve("m.zip"), extra);
        ModelFormatTest.assertSameModel(mlp(5), ModelFormat.read(zipFile));
    }

    @Test
    void halfFloatWeightsAreWidenedExactlyToFloat() throws IOException {
        Path m = written();
        INDArray half = Nd4j.createFromArray(new float[][] {{1f, -0.5f, 65504f}, {0.099975586f, 0, -2}, {3, 4, 5},
            {6e-8f, 7, 8}}).castTo(DataType.FLOAT16);
        Npy.write(half, m.resolve("layer0.weight.npy"));
        Model read = ModelFormat.read(m);
        INDArray weight = read.layers().get(0).tensors().get("weight");
        assertEquals(DataType.FLOAT, weight.dataType());
        assertEquals(half.castTo(DataType.FLOAT), weight);
    }
}
