package io.robustbounds.format;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.robustbounds.model.BatchNorm;
import io.robustbounds.model.Conv2d;
import io.robustbounds.model.Flatten;
import io.robustbounds.model.Lrn;
import io.robustbounds.model.Pool2d;
import io.robustbounds.model.Activation;
import io.robustbounds.model.DenseLayer;
import io.robustbounds.model.InputSpec;
import io.robustbounds.model.Layer;
import io.robustbounds.model.LinearHead;
import io.robustbounds.model.Model;
import io.robustbounds.model.ModelException;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.BooleanIndexing;
import org.nd4j.linalg.indexing.conditions.Conditions;

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

    private static final JsonMapper JSON = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder().maxDocumentLength(MAX_JSON_BYTES)
                            .maxNestingDepth(MAX_JSON_DEPTH).maxStringLength(MAX_JSON_STRING).build())
                    // what is written can be read back: a deeper provenance is refused when writing
                    .streamWriteConstraints(StreamWriteConstraints.builder().maxNestingDepth(MAX_JSON_DEPTH).build())
                    .build())
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
    private static final ObjectWriter PRETTY = JSON.writer(new DefaultPrettyPrinter().withSeparators(
            Separators.createDefaultInstance().withObjectFieldValueSpacing(Separators.Spacing.AFTER)));
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
            return read(Folder.of(path));
        }
        if (!Files.isRegularFile(path)) {
            throw new ModelException(path + ": no such model folder or zip");
        }
        if (path.getFileName().toString().equals(MODEL_JSON)) {
            return read(Folder.of(path.toAbsolutePath().getParent()));
        }
        try {
            long size = Files.size(path);
            return read(Zip.scan(() -> new BufferedInputStream(Files.newInputStream(path)), size, path.toString()));
        } catch (IOException e) {
            throw new ModelException(path + ": cannot read: " + e, e);
        }
    }

    /** Reads a model from the bytes of its zip ({@link #toZipBytes}); {@code nameForErrors} names it in messages. */
    public static Model fromZipBytes(byte[] zip, String nameForErrors) {
        try {
            return read(Zip.scan(() -> new ByteArrayInputStream(zip), zip.length, nameForErrors));
        } catch (IOException e) {
            throw new ModelException(nameForErrors + ": cannot read: " + e, e);
        }
    }

    /** A file's content and its length in bytes. */
    private record Content(InputStream in, long size) implements Closeable {
        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    /** Why a file of a model is not read: the reason completes a sentence naming the file. */
    private static final class Refused extends Exception {
        Refused(String reason) {
            super(reason, null, false, false);
        }
    }

    /** The files of one model: a folder or the entries of a zip. */
    private interface Source {
        /** The file's content, or null when there is no such file. */
        Content open(String file) throws IOException, Refused;

        /** Told, once model.json is read, which files it names: the only ones {@link #open} will be asked for. */
        default void willOpen(Set<String> files) throws IOException {
        }

        /** The container, for messages. */
        String where();

        default String where(String file) {
            return where() + "/" + file;
        }
    }

    /**
     * A model folder. Its files must be regular files directly in it: a symbolic link is refused (a weight linked
     * to a file elsewhere would be read from there), and every file is opened without following links, after
     * checking that its real path lies inside the folder's real path. The folder itself may be reached through a
     * link (the user named it).
     */
    private record Folder(Path dir, Path real) implements Source {
        static Folder of(Path dir) {
            try {
                return new Folder(dir, dir.toRealPath());
            } catch (IOException e) {
                throw new ModelException(dir + ": cannot read model folder: " + e, e);
            }
        }

        @Override
        public Content open(String file) throws IOException, Refused {
            Path p = real.resolve(file);
            BasicFileAttributes a;
            try {
                a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (NoSuchFileException e) {
                return null;
            }
            if (a.isSymbolicLink()) {
                throw new Refused("is a symbolic link (to " + Files.readSymbolicLink(p) + "); refused: a model's files"
                        + " must be regular files inside its folder");
            }
            if (!a.isRegularFile()) {
                throw new Refused("is not a regular file");
            }
            if (!p.toRealPath().startsWith(real)) { // cannot happen for a plain file name; kept as the last word
                throw new Refused("resolves to " + p.toRealPath() + ", outside the model folder " + real);
            }
            SeekableByteChannel channel = Files.newByteChannel(p, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
            return new Content(new BufferedInputStream(Channels.newInputStream(channel)), channel.size());
        }

        @Override
        public String where() {
            return dir.toString();
        }
    }

    /** Opens the zip's bytes from the start, once per pass. */
    private interface Opener {
        InputStream open() throws IOException;
    }

    /**
     * A zip read as a stream, in passes: the first checks every entry name, finds model.json (at the root, or in
     * a single top folder) and keeps it; the second keeps the entries model.json names and nothing else. Each
     * pass counts what it inflates, entries kept or skipped, while reading (the sizes the zip declares are not
     * trusted): an entry over {@link #MAX_ZIP_ENTRY_BYTES}, or more than {@link #MAX_ZIP_RATIO} times the zip's
     * size in all (at least {@link #ZIP_RATIO_FLOOR}), is refused.
     */
    private static final class Zip implements Source {
        private final Opener opener;
        private final String name;
        private final long budget;
        private final String root;
        /** Entries kept, by full name: their bytes in chunks. */
        private final Map<String, List<byte[]>> kept = new HashMap<>();

        private Zip(Opener opener, String name, long size, String root) {
            this.opener = opener;
            this.name = name;
            this.budget = Math.max(ZIP_RATIO_FLOOR, size > Long.MAX_VALUE / MAX_ZIP_RATIO ? Long.MAX_VALUE : size * MAX_ZIP_RATIO);
            this.root = root;
        }

        static Zip scan(Opener opener, long size, String name) throws IOException {
            Set<String> names = new LinkedHashSet<>();
            Map<String, List<byte[]>> jsons = new HashMap<>();
            int[] tops = {0};
            Zip zip = new Zip(opener, name, size, "");
            zip.pass((entry, in) -> {
                String n = entry.getName();
                if (n.startsWith("/") || n.contains("\\") || n.matches("[A-Za-z]:.*")
                        || Arrays.asList(n.split("/")).contains("..")) {
                    throw new ModelException(name + ": zip entry '" + n + "' has an unsafe name (an absolute path,"
                            + " '..' or '\\'); refused");
                }
                if (!names.add(n)) {
                    throw new ModelException(name + ": the zip holds '" + n + "' twice");
                }
                // kept: model.json at the root and the first in a top folder (a second one means no single root)
                return (n.equals(MODEL_JSON) || topJson(n) && tops[0]++ == 0) && zip.keep(jsons, n, in, MAX_JSON_BYTES);
            });
            if (names.isEmpty()) {
                throw new ModelException(name + ": not a model folder or zip (no zip entries found)");
            }
            // A zip of the folder itself ("zip -r m.zip m/") has its files under one top folder.
            List<String> roots = names.stream().filter(Zip::topJson)
                    .map(n -> n.substring(0, n.length() - MODEL_JSON.length())).toList();
            String root = names.contains(MODEL_JSON) || roots.size() != 1 ? "" : roots.get(0);
            Zip found = new Zip(opener, name, size, root);
            if (jsons.containsKey(root + MODEL_JSON)) {
                found.kept.put(root + MODEL_JSON, jsons.get(root + MODEL_JSON));
            }
            return found;
        }

        /** "m/model.json": model.json in a top folder. */
        private static boolean topJson(String entry) {
            return entry.endsWith("/" + MODEL_JSON) && entry.indexOf('/') == entry.length() - MODEL_JSON.length() - 1;
        }

        @Override
        public void willOpen(Set<String> files) throws IOException {
            Set<String> wanted = new HashSet<>();
            files.forEach(f -> wanted.add(root + f));
            pass((entry, in) -> !entry.getName().equals(root + MODEL_JSON) && wanted.contains(entry.getName())
                    && keep(kept, entry.getName(), in, MAX_ZIP_ENTRY_BYTES));
        }

        /** What a pass does with an entry: read it (and return true) or leave it to be skipped. */
        private interface Visit {
            boolean visit(ZipEntry entry, InputStream in) throws IOException;
        }

        /** One pass over every entry; the stream handed to visit counts against the entry's and the zip's limits. */
        private void pass(Visit visit) throws IOException {
            long[] total = {0};
            try (ZipInputStream zip = new ZipInputStream(opener.open())) {
                for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
                    if (e.isDirectory()) {
                        continue;
                    }
                    String entry = e.getName();
                    InputStream counted = new FilterInputStream(zip) {
                        @Override
                        public int read() throws IOException {
                            byte[] one = new byte[1];
                            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
                        }

                        @Override
                        public int read(byte[] b, int off, int len) throws IOException {
                            int n = super.read(b, off, len);
                            if (n > 0 && (total[0] += n) > budget) {
                                throw new ModelException(name + ": inflates to over " + budget + " bytes (the limit: "
                                        + MAX_ZIP_RATIO + " times the zip's size, at least " + ZIP_RATIO_FLOOR
                                        + "); refused as a possible zip bomb, at entry '" + entry + "'");
                            }
                            return n;
                        }

                        @Override
                        public void close() {
                            // the zip stream stays open for the next entry
                        }
                    };
                    if (!visit.visit(e, counted)) {
                        counted.transferTo(OutputStream.nullOutputStream()); // skipped, but counted
                    }
                }
            } catch (ZipException e) {
                throw new ModelException(name + ": not a readable zip: " + e.getMessage(), e);
            }
        }

        /** Reads the entry into chunks (at most limit bytes) under its name; returns true. */
        private boolean keep(Map<String, List<byte[]>> into, String entry, InputStream in, long limit) throws IOException {
            List<byte[]> chunks = new ArrayList<>();
            long size = 0;
            for (byte[] chunk; (chunk = in.readNBytes(1 << 20)).length > 0; ) {
                size += chunk.length;
                if (size > limit) {
                    throw new ModelException(name + "!/" + entry + ": over " + limit + " bytes uncompressed (the limit"
                            + " for " + (limit == MAX_JSON_BYTES ? MODEL_JSON : "one entry") + "); refused");
                }
                chunks.add(chunk);
            }
            into.put(entry, chunks);
            return true;
        }

        @Override
        public Content open(String file) {
            List<byte[]> chunks = kept.get(root + file);
            if (chunks == null) {
                return null;
            }
            List<InputStream> parts = new ArrayList<>();
            long size = 0;
            for (byte[] c : chunks) {
                parts.add(new ByteArrayInputStream(c));
                size += c.length;
            }
            return new Content(new SequenceInputStream(Collections.enumeration(parts)), size);
        }

        @Override
        public String where() {
            return name + (root.isEmpty() ? "" : "!/" + root.substring(0, root.length() - 1));
        }

        @Override
        public String where(String file) {
            return name + "!/" + root + file;
        }
    }

    /** One JSON object of model.json and where it is, for messages like "…/model.json: layers[1] (dense): …". */
    private record Obj(JsonNode node, String where) {
        static Obj of(JsonNode node, String where) {
            if (node == null || !node.isObject()) {
                throw new ModelException(where + ": must be a JSON object, got " + (node == null ? "nothing" : node));
            }
            return new Obj(node, where);
        }

        Obj at(String where) {
            return new Obj(node, where);
        }

        JsonNode get(String field) {
            JsonNode v = node.get(field);
            if (v == null) {
                throw new ModelException(where + ": field '" + field + "' is missing");
            }
            return v;
        }

        /** The field, or null when it is absent or JSON null. */
        JsonNode optional(String field) {
            JsonNode v = node.get(field);
            return v == null || v.isNull() ? null : v;
        }

        String text(String field) {
            JsonNode v = get(field);
            if (!v.isTextual()) {
                throw wrong(field, "a string", v);
            }
            return v.textValue();
        }

        JsonNode array(String field) {
            JsonNode v = get(field);
            if (!v.isArray()) {
                throw wrong(field, "an array", v);
            }
            return v;
        }

        /** A required integer field ≥ 0. */
        int integer(String field) {
            get(field);
            return integer(field, 0);
        }

        /** An integer field ≥ 0, or {@code otherwise} when absent. */
        int integer(String field, int otherwise) {
            JsonNode v = optional(field);
            if (v == null) {
                return otherwise;
            }
            if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < 0) {
                throw wrong(field, "an integer >= 0", v);
            }
            return v.intValue();
        }

        double number(String field) {
            JsonNode v = get(field);
            if (!v.isNumber()) {
                throw wrong(field, "a number", v);
            }
            return v.doubleValue();
        }

        boolean bool(String field, boolean otherwise) {
            JsonNode v = optional(field);
            if (v == null) {
                return otherwise;
            }
            if (!v.isBoolean()) {
                throw wrong(field, "true or false", v);
            }
            return v.booleanValue();
        }

        ModelException wrong(String field, String expected, JsonNode got) {
            return new ModelException(where + ": field '" + field + "' must be " + expected + ", got " + got);
        }

        void only(String... known) {
            Set<String> allowed = Set.of(known);
            for (String f : (Iterable<String>) () -> node.fieldNames()) {
                if (!allowed.contains(f)) {
                    throw new ModelException(where + ": unknown field '" + f + "' (known: " + String.join(", ", known) + ")");
                }
            }
        }
    }

    /** A weight tensor as read, with its file, for messages. */
    private record Tensor(String field, String file, INDArray array) {
        @Override
        public String toString() {
            return field + " '" + file + "' " + Npy.pyShape(array.shape());
        }
    }

    private static Model read(Source src) {
        String json = src.where(MODEL_JSON);
        JsonNode root;
        try (Content c = src.open(MODEL_JSON)) {
            if (c == null) {
                throw new ModelException(src.where() + ": " + MODEL_JSON + " not found (not a model folder or zip?)");
            }
            if (c.size > MAX_JSON_BYTES) {
                throw new ModelException(json + ": " + c.size + " bytes, over the limit of " + MAX_JSON_BYTES
                        + " bytes for " + MODEL_JSON + "; refused");
            }
            root = JSON.readTree(c.in);
        } catch (StreamConstraintsException e) {
            // Jackson names the limit; its "from `StreamReadConstraints…`" is of no use to the user
            throw new ModelException(json + ": refused: " + e.getOriginalMessage().replaceAll(",? from `[^`]*`", ""), e);
        } catch (JsonProcessingException e) {
            throw new ModelException(json + ": not valid JSON: " + e.getOriginalMessage() + " (line "
                    + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")", e);
        } catch (Refused e) {
            throw new ModelException(json + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new ModelException(json + ": cannot read: " + e, e);
        }
        try {
            src.willOpen(referencedFiles(root));
        } catch (IOException e) {
            throw new ModelException(src.where() + ": cannot read: " + e, e);
        }
        Obj top = Obj.of(root, json);
        String format = top.text("format");
        if (!FORMAT.equals(format)) {
            throw new ModelException(json + ": unknown format '" + format + "', expected '" + FORMAT + "'");
        }
        JsonNode version = top.get("version");
        if (!version.isIntegralNumber() || version.longValue() != VERSION) {
            throw new ModelException(json + ": unsupported version " + version + " (this reader knows version " + VERSION + ")");
        }
        top.only("format", "version", "name", "input", "classes", "layers", "output", "provenance");
        String name = top.text("name");
        InputSpec input = input(Obj.of(top.get("input"), json + ": input"));

        List<String> classes = new ArrayList<>();
        JsonNode cs = top.optional("classes");
        if (cs != null) {
            for (JsonNode c : top.array("classes")) {
                if (!c.isTextual()) {
                    throw top.wrong("classes", "an array of strings", cs);
                }
                classes.add(c.textValue());
            }
        }

        List<Layer> layers = new ArrayList<>();
        List<String> files = new ArrayList<>();
        JsonNode ls = top.array("layers");
        for (int i = 0; i < ls.size(); i++) {
            Obj o = Obj.of(ls.get(i), json + ": layers[" + i + "]");
            String kind = o.text("kind");
            if (!LAYER_KINDS.contains(kind)) {
                throw new ModelException(o.where + ": unknown layer kind '" + kind + "' (known: " + String.join(", ", LAYER_KINDS) + ")");
            }
            o = o.at(o.where + " (" + kind + ")");
            List<Tensor> read = new ArrayList<>();
            layers.add(layer(src, o, kind, read));
            files.add(read.stream().map(Tensor::toString).collect(java.util.stream.Collectors.joining(", ")));
        }

        Obj out = Obj.of(top.get("output"), json + ": output");
        String kind = out.text("kind");
        if (!kind.equals("linear")) {
            throw new ModelException(out.where + ": unknown output kind '" + kind + "' (known: linear)");
        }
        out = out.at(out.where + " (linear)");
        out.only("kind", "weight", "bias");
        Tensor w = tensor(src, out, "weight");
        Tensor b = tensor(src, out, "bias");
        LinearHead head;
        try {
            head = new LinearHead(w.array, b.array);
        } catch (ModelException e) {
            throw new ModelException(out.where + ": " + strip(e.getMessage(), "output: ") + " (" + w + ", " + b + ")", e);
        }

        // Shapes must chain input -> layers -> head; say which files do not fit, and fed by what.
        long[] shape = input.shape();
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = layers.get(i);
            try {
                shape = layer.outputShape(shape, i);
            } catch (ModelException e) {
                throw new ModelException(json + ": layers[" + i + "] (" + layer.kind() + "): "
                        + strip(e.getMessage(), "layer " + i + " (" + layer.kind() + "): ") + " (" + files.get(i) + "; "
                        + fedBy(i) + ")", e);
            }
        }
        if (shape.length != 1 || shape[0] != head.inputSize()) {
            throw new ModelException(out.where + ": expected input [" + head.inputSize() + "], got "
                    + Arrays.toString(shape) + " (" + w + ", " + b + "; " + fedBy(layers.size()) + ")");
        }

        Map<String, Object> provenance = new LinkedHashMap<>();
        if (top.optional("provenance") != null) {
            provenance = asMap(Obj.of(top.get("provenance"), json + ": provenance").node);
        }
        try {
            return new Model(name, input, layers, head, classes, provenance);
        } catch (ModelException e) {
            throw new ModelException(json + ": " + e.getMessage(), e);
        }
    }

    private static String fedBy(int layer) {
        return layer == 0 ? "its input is the model input" : "its input is the output of layers[" + (layer - 1) + "]";
    }

    private static String strip(String message, String prefix) {
        return message.startsWith(prefix) ? message.substring(prefix.length()) : message;
    }

    static final List<String> LAYER_KINDS = List.of("dense", "conv", "pool", "batchnorm", "lrn", "flatten");

    /** One entry of "layers", by kind; the tensors it read are added to {@code read} (for messages). */
    private static Layer layer(Source src, Obj o, String kind, List<Tensor> read) {
        try {
            switch (kind) {
                case "dense" -> {
                    o.only("kind", "activation", "weight", "bias");
                    Activation activation = Activation.parse(o.text("activation"), o.where);
                    Tensor w = tensor(src, o, "weight", read);
                    Tensor b = tensor(src, o, "bias", read);
                    return new DenseLayer(w.array, b.array, activation);
                }
                case "conv" -> {
                    o.only("kind", "weight", "bias", "stride", "padding", "relu");
                    Tensor w = tensor(src, o, "weight", read);
                    Tensor b = tensor(src, o, "bias", read);
                    return new Conv2d(w.array, b.array, o.integer("stride", 1), o.integer("padding", 0), o.bool("relu", false));
                }
                case "pool" -> {
                    o.only("kind", "method", "size", "stride", "p");
                    String method = o.text("method");
                    int size = o.integer("size");
                    int stride = o.integer("stride", size);
                    return switch (method) {
                        case "max" -> Pool2d.max(size, stride);
                        case "average" -> Pool2d.average(size, stride);
                        case "lp" -> Pool2d.lp(o.number("p"), size, stride);
                        default -> throw o.wrong("method", "\"max\", \"average\" or \"lp\"", o.get("method"));
                    };
                }
                case "batchnorm" -> {
                    o.only("kind", "gamma", "beta", "mean", "variance", "epsilon");
                    return new BatchNorm(tensor(src, o, "gamma", read).array, tensor(src, o, "beta", read).array,
                            tensor(src, o, "mean", read).array, tensor(src, o, "variance", read).array, o.number("epsilon"));
                }
                case "lrn" -> {
                    o.only("kind", "k", "n", "alpha", "beta", "alpha_convention");
                    String convention = o.text("alpha_convention");
                    if (!convention.equals("thesis") && !convention.equals("caffe")) {
                        throw o.wrong("alpha_convention", "\"thesis\" (α as is) or \"caffe\" (α / n)", o.get("alpha_convention"));
                    }
                    return new Lrn(o.number("k"), o.integer("n"),
                            o.number("alpha"), o.number("beta"), convention.equals("caffe"));
                }
                case "flatten" -> {
                    o.only("kind");
                    return new Flatten();
                }
                default -> throw new ModelException(o.where + ": unknown layer kind '" + kind + "' (known: "
                        + String.join(", ", LAYER_KINDS) + ")");
            }
        } catch (ModelException e) {
            if (e.getMessage().startsWith(o.where)) {
                throw e;
            }
            throw new ModelException(o.where + ": " + strip(e.getMessage(), kind + ": ") + " (" + read.stream()
                    .map(Tensor::toString).collect(java.util.stream.Collectors.joining(", ")) + ")", e);
        } catch (IllegalArgumentException e) {
            throw new ModelException(o.where + ": " + e.getMessage() + (read.isEmpty() ? "" : " (" + read.stream()
                    .map(Tensor::toString).collect(java.util.stream.Collectors.joining(", ")) + ")"), e);
        }
    }

    private static InputSpec input(Obj o) {
        o.only("shape", "range");
        JsonNode shape = o.array("shape");
        long[] dims = new long[shape.size()];
        for (int i = 0; i < dims.length; i++) {
            if (!shape.get(i).canConvertToLong() || !shape.get(i).isIntegralNumber()) {
                throw o.wrong("shape", "an array of integers", shape);
            }
            dims[i] = shape.get(i).longValue();
        }
        JsonNode range = o.array("range");
        if (range.size() != 2 || !range.get(0).isNumber() || !range.get(1).isNumber()) {
            throw o.wrong("range", "[low, high]", range);
        }
        try {
            return new InputSpec(dims, range.get(0).doubleValue(), range.get(1).doubleValue());
        } catch (ModelException e) {
            throw new ModelException(o.where + ": " + strip(e.getMessage(), "input."), e);
        }
    }

    /**
     * Reads the .npy file the field names. The name must be a file directly in the model folder: no separators,
     * no leading dot (so no "..").
     */
    private static Tensor tensor(Source src, Obj o, String field, List<Tensor> read) {
        Tensor t = tensor(src, o, field);
        read.add(t);
        return t;
    }

    private static Tensor tensor(Source src, Obj o, String field) {
        String file = o.text(field);
        if (!file.endsWith(".npy") || file.startsWith(".")
                || file.chars().anyMatch(c -> c == '/' || c == '\\' || c == ':' || c < 0x20)) {
            throw new ModelException(o.where + ": " + field + " file '" + file + "' must be a file name inside "
                    + src.where() + " ending in .npy (no '/', '\\', ':' or leading '.')");
        }
        INDArray a;
        try (Content c = src.open(file)) {
            if (c == null) {
                throw new ModelException(o.where + ": " + field + " file '" + file + "' not found in " + src.where());
            }
            try {
                a = Npy.read(c.in, file, c.size, true);
            } catch (ModelException e) {
                throw new ModelException(o.where + ": " + field + ": " + e.getMessage(), e);
            }
        } catch (Refused e) {
            throw new ModelException(o.where + ": " + field + " file '" + file + "' " + e.getMessage(), e);
        } catch (IOException e) {
            throw new ModelException(o.where + ": " + field + ": cannot read " + src.where(file) + ": " + e, e);
        }
        // The model's arithmetic runs in FLOAT or DOUBLE: half floats are widened (exact, every half is a float).
        if (a.dataType() == DataType.FLOAT16) {
            a = a.castTo(DataType.FLOAT);
        }
        // The Model constructor checks this too, but only knows the layer index, not the file.
        if (BooleanIndexing.or(a, Conditions.isNan()) || BooleanIndexing.or(a, Conditions.isInfinite())) {
            throw new ModelException(o.where + ": " + field + " '" + file + "' holds NaN or infinite values");
        }
        return new Tensor(field, file, a);
    }

    /**
     * The files model.json names: every string ending in .npy under "layers" and "output" (what {@link #tensor}
     * will ask for, and possibly more; never less).
     */
    private static Set<String> referencedFiles(JsonNode root) {
        Set<String> files = new HashSet<>();
        List<JsonNode> todo = new ArrayList<>();
        if (root != null && root.isObject()) {
            Stream.of(root.get("layers"), root.get("output")).filter(n -> n != null).forEach(todo::add);
        }
        while (!todo.isEmpty()) {
            JsonNode n = todo.remove(todo.size() - 1);
            if (n.isTextual() && n.textValue().endsWith(".npy")) {
                files.add(n.textValue());
            }
            n.forEach(todo::add);
        }
        return files;
    }

    /** JSON to plain Java: Map (LinkedHashMap), List, String, Boolean, Long or BigInteger, Double, null. */
    private static Map<String, Object> asMap(JsonNode object) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : object.properties()) {
            m.put(e.getKey(), plain(e.getValue()));
        }
        return m;
    }

    private static Object plain(JsonNode n) {
        if (n.isObject()) {
            return asMap(n);
        }
        if (n.isArray()) {
            List<Object> l = new ArrayList<>();
            n.forEach(x -> l.add(plain(x)));
            return l;
        }
        if (n.isIntegralNumber()) {
            return n.canConvertToLong() ? (Object) n.longValue() : n.bigIntegerValue();
        }
        if (n.isNumber()) {
            return n.doubleValue();
        }
        if (n.isBoolean()) {
            return n.booleanValue();
        }
        return n.isTextual() ? n.textValue() : null;
    }

    // ---------------------------------------------------------------- writing

    /**
     * Writes the model as a folder. An existing folder is replaced, but only if it holds nothing besides
     * model.json and .npy files: the new content is written to a sibling temporary folder, then moved in place.
     */
    public static void write(Model model, Path folder) {
        Path target = folder.toAbsolutePath().normalize();
        Layout layout = layout(model);
        Path tmp = null;
        try {
            requireReplaceable(target);
            Files.createDirectories(target.getParent());
            tmp = Files.createDirectory(sibling(target, "tmp"));
            Files.write(tmp.resolve(MODEL_JSON), layout.json);
            for (Map.Entry<String, INDArray> t : layout.tensors.entrySet()) {
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
        Layout layout = layout(model);
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
            zip(layout(model), out);
        } catch (IOException e) {
            throw new AssertionError(e); // a ByteArrayOutputStream does not fail
        }
        return out.toByteArray();
    }

    private static void zip(Layout layout, OutputStream out) throws IOException {
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            zip.setLevel(Deflater.BEST_SPEED); // float bits barely compress; do not spend time on it
            zip.putNextEntry(entry(MODEL_JSON));
            zip.write(layout.json);
            for (Map.Entry<String, INDArray> t : layout.tensors.entrySet()) {
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

    /** What a model is written as: model.json's bytes and the tensors by file name. */
    private record Layout(byte[] json, Map<String, INDArray> tensors) {
    }

    /** Files are named layer{i}.{role}.npy and output.{role}.npy, roles as the records name their tensors. */
    static Layout layout(Model model) {
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT).put("version", VERSION).put("name", model.name());
        ObjectNode input = root.putObject("input");
        ArrayNode shape = input.putArray("shape");
        Arrays.stream(model.input().shape()).forEach(shape::add);
        input.putArray("range").add(model.input().low()).add(model.input().high());
        if (!model.classNames().isEmpty()) {
            model.classNames().forEach(root.putArray("classes")::add);
        }
        ArrayNode layers = root.putArray("layers");
        for (int i = 0; i < model.layers().size(); i++) {
            Layer layer = model.layers().get(i);
            ObjectNode o = layers.addObject().put("kind", layer.kind().id());
            if (layer instanceof DenseLayer d) {
                o.put("activation", d.activation().id());
            } else if (layer instanceof Conv2d c) {
                o.put("stride", c.stride()).put("padding", c.padding()).put("relu", c.relu());
            } else if (layer instanceof Pool2d p) {
                o.put("method", p.method().name().toLowerCase(java.util.Locale.ROOT)).put("size", p.size()).put("stride", p.stride());
                if (p.method() == Pool2d.Method.LP) {
                    o.put("p", p.p());
                }
            } else if (layer instanceof BatchNorm b) {
                o.put("epsilon", b.epsilon());
            } else if (layer instanceof Lrn l) {
                o.put("k", l.k()).put("n", l.n()).put("alpha", l.alpha()).put("beta", l.beta())
                        .put("alpha_convention", l.caffeAlpha() ? "caffe" : "thesis");
            } else if (!(layer instanceof Flatten)) {
                throw new ModelException("model '" + model.name() + "': layer " + i + " of kind '" + layer.kind() + "' has no model.json form");
            }
            files(layer.tensors(), "layer" + i, o, tensors);
        }
        files(model.head().tensors(), "output", root.putObject("output").put("kind", "linear"), tensors);
        root.set("provenance", json(model.provenance(), "provenance"));
        try {
            byte[] text = PRETTY.writeValueAsBytes(root);
            byte[] withNewline = Arrays.copyOf(text, text.length + 1);
            withNewline[text.length] = '\n';
            return new Layout(withNewline, tensors);
        } catch (JsonProcessingException e) {
            throw new ModelException("model '" + model.name() + "': cannot write model.json: " + e.getMessage(), e);
        }
    }

    private static void files(Map<String, INDArray> roles, String prefix, ObjectNode o, Map<String, INDArray> tensors) {
        for (Map.Entry<String, INDArray> t : roles.entrySet()) {
            String file = prefix + "." + t.getKey() + ".npy";
            if (!Npy.writable(t.getValue().dataType())) {
                throw new ModelException(file + ": cannot write a " + t.getValue().dataType()
                        + " tensor (only FLOAT, DOUBLE and FLOAT16 are written)");
            }
            o.put(t.getKey(), file);
            tensors.put(file, t.getValue());
        }
    }

    /** Plain Java to JSON; anything but String, Number, Boolean, List, Map with string keys and null is refused. */
    private static JsonNode json(Object v, String where) {
        JsonNodeFactory f = JSON.getNodeFactory();
        if (v == null) {
            return f.nullNode();
        } else if (v instanceof String s) {
            return f.textNode(s);
        } else if (v instanceof Boolean b) {
            return f.booleanNode(b);
        } else if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
            return f.numberNode(((Number) v).longValue());
        } else if (v instanceof BigInteger b) {
            return f.numberNode(b);
        } else if (v instanceof BigDecimal b) {
            return f.numberNode(b);
        } else if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            if (!Double.isFinite(d)) {
                throw new ModelException(where + ": " + d + " cannot be written as JSON");
            }
            return f.numberNode(d);
        } else if (v instanceof List<?> list) {
            ArrayNode a = f.arrayNode();
            for (int i = 0; i < list.size(); i++) {
                a.add(json(list.get(i), where + "[" + i + "]"));
            }
            return a;
        } else if (v instanceof Map<?, ?> map) {
            ObjectNode o = f.objectNode();
            for (Map.Entry<?, ?> e : map.entrySet()) {
                if (!(e.getKey() instanceof String k)) {
                    throw new ModelException(where + ": keys must be strings, got " + e.getKey());
                }
                o.set(k, json(e.getValue(), where + "." + k));
            }
            return o;
        }
        throw new ModelException(where + ": cannot write a " + v.getClass().getName()
                + " as JSON (use String, Number, Boolean, List, Map or null)");
    }
}
