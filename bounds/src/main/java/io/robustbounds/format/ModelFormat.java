package io.robustbounds.format;

import io.robustbounds.format.ModelSource.Folder;
import io.robustbounds.format.ModelSource.Zip;
import io.robustbounds.model.Model;
import io.robustbounds.model.ModelException;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDateTime;
import java.util.Comparator;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The portable model format: a folder (or a zip of the same files) holding {@code model.json} and one NumPy
 * {@code .npy} per weight tensor, so {@code np.load} reads every weight and numpy-built models can be brought in.
 *
 * <pre>
 * {"format": "robustbounds-model", "version": 1, "name": "iris-4-5-3",
 *  "input": {"shape": [4], "range": [-1.0, 1.0]},
 *  "classes": ["setosa", "versicolor", "virginica"],            (optional)
 *  "layers": [{"kind": "dense", "activation": "tanh", "weight": "layer0.weight.npy", "bias": "layer0.bias.npy"}],
 *            (other kinds: {"kind": "conv", "weight", "bias", "stride": 1, "padding": 0, "relu": false},
 *             {"kind": "pool", "method": "max" | "average" | "lp", "size": 2, "stride": 2, "p": 2 (lp only)},
 *             {"kind": "batchnorm", "gamma", "beta", "mean", "variance", "epsilon": 1e-5},
 *             {"kind": "lrn", "k": 1, "n": 5, "alpha": 1e-4, "beta": 0.75, "alpha_convention": "thesis" | "caffe"},
 *             {"kind": "flatten"})
 *  "output": {"kind": "linear", "weight": "output.weight.npy", "bias": "output.bias.npy"},
 *  "provenance": {...}}                                          (optional, free JSON object)
 * </pre>
 *
 * Dense weights have shape [out, in] (as PyTorch's {@code nn.Linear.weight}), biases [out]; convolution kernels
 * [out channels, in channels, q, q] (PyTorch's and Caffe's layout); the output weight is [classes, features].
 * Image inputs are C×H×W; shapes are inferred layer by layer and checked against every weight. Reading validates everything and every error is a {@link ModelException} naming the file,
 * the layer and the field. Models travel as zip bytes ({@link #toZipBytes}), never by Java serialization.
 * Unknown fields are rejected rather than ignored: a field this reader does not understand could change what the
 * weights mean, and the version number is how the format grows.
 *
 * <p>This class is the entry point and the archive's writing side (folder or zip, replaced atomically); reading a
 * folder or zip is {@link ModelSource}'s, model.json's content {@link ModelJson}'s, each layer kind's fields
 * {@link LayerCodec}'s.
 */
public final class ModelFormat {
    public static final String FORMAT = "robustbounds-model";
    public static final int VERSION = 1;
    public static final String MODEL_JSON = "model.json";

    /** Largest model.json read: far above any real one (the weights are in the .npy files). */
    public static final int MAX_JSON_BYTES = 16 << 20;
    /** Deepest nesting of objects and arrays in model.json (the format needs 4; provenance is free JSON). */
    public static final int MAX_JSON_DEPTH = 64;
    /** Longest string in model.json. */
    public static final int MAX_JSON_STRING = 1 << 20;
    /** Largest zip entry read, uncompressed. */
    public static final long MAX_ZIP_ENTRY_BYTES = 1L << 30;
    /**
     * Most bytes a zip may inflate to per byte of its own size (weights barely compress; deflate reaches ~1000:1 on
     * zeros, and zip bombs nest or overlap entries to go further).
     */
    public static final long MAX_ZIP_RATIO = 100;
    /** What a zip may always inflate to, whatever its size: room for small models whose tensors are mostly zeros. */
    public static final long ZIP_RATIO_FLOOR = 64L << 20;

    /** Zip entries get a fixed time so that the same model always gives the same bytes. */
    private static final LocalDateTime ZIP_TIME = LocalDateTime.of(1980, 1, 1, 0, 0);

    private ModelFormat() {
    }

    // ---------------------------------------------------------------- reading

    /**
     * Reads a model folder, a zip of one (its files at the root or in a single top folder), or a model.json
     * file (meaning its folder).
     */
    public static Model read(Path path) {
        if (Files.isDirectory(path)) {
            return ModelJson.read(Folder.of(path));
        }
        if (!Files.isRegularFile(path)) {
            throw new ModelException(path + ": no such model folder or zip");
        }
        if (path.getFileName().toString().equals(MODEL_JSON)) {
            return ModelJson.read(Folder.of(path.toAbsolutePath().getParent()));
        }
        try {
            long size = Files.size(path);
            return ModelJson.read(Zip.scan(() -> new BufferedInputStream(Files.newInputStream(path)), size, path.toString()));
        } catch (IOException e) {
            throw new ModelException(path + ": cannot read: " + e, e);
        }
    }

    /** Reads a model from the bytes of its zip ({@link #toZipBytes}); {@code nameForErrors} names it in messages. */
    public static Model fromZipBytes(byte[] zip, String nameForErrors) {
        try {
            return ModelJson.read(Zip.scan(() -> new ByteArrayInputStream(zip), zip.length, nameForErrors));
        } catch (IOException e) {
            throw new ModelException(nameForErrors + ": cannot read: " + e, e);
        }
    }

    // ---------------------------------------------------------------- writing

    /**
     * Writes the model as a folder. An existing folder is replaced, but only if it holds nothing besides
     * model.json and .npy files: the new content is written to a sibling temporary folder, then moved in place.
     */
    public static void write(Model model, Path folder) {
        Path target = folder.toAbsolutePath().normalize();
        ModelJson.Layout layout = ModelJson.layout(model);
        Path tmp = null;
        try {
            requireReplaceable(target);
            Files.createDirectories(target.getParent());
            tmp = Files.createDirectory(sibling(target, "tmp"));
            Files.write(tmp.resolve(MODEL_JSON), layout.json());
            for (Map.Entry<String, INDArray> t : layout.tensors().entrySet()) {
                Npy.write(t.getValue(), tmp.resolve(t.getKey()));
            }
            if (Files.exists(target)) {
                Path old = sibling(target, "old");
                Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
                try {
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                } catch (IOException e) {
                    Files.move(old, target, StandardCopyOption.ATOMIC_MOVE);
                    throw e;
                }
                deleteTree(old);
            } else {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            }
            tmp = null;
        } catch (IOException e) {
            throw new ModelException(folder + ": cannot write model: " + e, e);
        } finally {
            if (tmp != null) {
                deleteTree(tmp);
            }
        }
    }

    /**
     * A hidden unused name next to the target. Created with Files.createDirectory/createFile rather than
     * createTemp*, which would make the model readable by its owner only.
     */
    private static Path sibling(Path target, String tag) {
        return target.resolveSibling("." + target.getFileName() + "." + tag + "-" + UUID.randomUUID());
    }

    private static void requireReplaceable(Path folder) throws IOException {
        if (!Files.exists(folder)) {
            return;
        }
        if (!Files.isDirectory(folder)) {
            throw new ModelException(folder + ": exists and is not a folder; refusing to replace it with a model");
        }
        try (Stream<Path> files = Files.list(folder)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String n = f.getFileName().toString();
                if (!Files.isRegularFile(f) || !(n.equals(MODEL_JSON) || n.endsWith(".npy"))) {
                    throw new ModelException(folder + ": refusing to replace this folder: '" + n
                            + "' is not part of a model (only model.json and .npy files are)");
                }
            }
        }
    }

    private static void deleteTree(Path p) {
        try (Stream<Path> all = Files.walk(p)) {
            for (Path f : (Iterable<Path>) all.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(f);
            }
        } catch (IOException e) {
            // best effort: a leftover hidden temporary folder is harmless
        }
    }

    /**
     * Writes the model where a tool's output points: a zip file when the name ends in {@code .zip}, else a folder;
     * then reads it back, so what was written is known to load.
     */
    public static void save(Model model, Path target) {
        if (target.getFileName().toString().endsWith(".zip")) {
            writeZip(model, target);
        } else {
            write(model, target);
        }
        read(target);
    }

    /** Writes the model as a zip file (model.json and the .npy files at its root), replacing it. */
    public static void writeZip(Model model, Path zipFile) {
        Path target = zipFile.toAbsolutePath().normalize();
        ModelJson.Layout layout = ModelJson.layout(model);
        Path tmp = null;
        try {
            Files.createDirectories(target.getParent());
            tmp = Files.createFile(sibling(target, "tmp"));
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp))) {
                zip(layout, out);
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            tmp = null;
        } catch (IOException e) {
            throw new ModelException(zipFile + ": cannot write model: " + e, e);
        } finally {
            if (tmp != null) {
                deleteTree(tmp);
            }
        }
    }

    /** The model as zip bytes: the same for the same model, for broadcasting ({@link #fromZipBytes}). */
    public static byte[] toZipBytes(Model model) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            zip(ModelJson.layout(model), out);
        } catch (IOException e) {
            throw new AssertionError(e); // a ByteArrayOutputStream does not fail
        }
        return out.toByteArray();
    }

    private static void zip(ModelJson.Layout layout, OutputStream out) throws IOException {
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            zip.setLevel(Deflater.BEST_SPEED); // float bits barely compress; do not spend time on it
            zip.putNextEntry(entry(MODEL_JSON));
            zip.write(layout.json());
            for (Map.Entry<String, INDArray> t : layout.tensors().entrySet()) {
                zip.putNextEntry(entry(t.getKey()));
                Npy.write(t.getValue(), zip);
            }
        }
    }

    private static ZipEntry entry(String name) {
        ZipEntry e = new ZipEntry(name);
        e.setTimeLocal(ZIP_TIME);
        return e;
    }
}
