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
import io.robustbounds.format.ModelSource.Content;
import io.robustbounds.format.ModelSource.Refused;
import io.robustbounds.format.ModelSource.Source;
import io.robustbounds.model.InputSpec;
import io.robustbounds.model.Layer;
import io.robustbounds.model.LayerKind;
import io.robustbounds.model.LinearHead;
import io.robustbounds.model.Model;
import io.robustbounds.model.ModelException;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.BooleanIndexing;
import org.nd4j.linalg.indexing.conditions.Conditions;

// Over 400 lines: reading and writing model.json are one codec kept side by side (every field read is written in the same file), and its error wrapping names file, layer and field in one place.
/**
 * The model.json codec (the format is described at {@link ModelFormat}): model.json and its tensor files into a
 * validated {@link Model}, and a model into model.json's bytes and its tensors by file name. Each layer kind's own
 * fields are its {@link LayerCodec}'s; where the files come from is {@link ModelSource}'s.
 */
final class ModelJson {
    private ModelJson() {
    }

    private static final JsonMapper JSON = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder().maxDocumentLength(ModelFormat.MAX_JSON_BYTES)
                            .maxNestingDepth(ModelFormat.MAX_JSON_DEPTH).maxStringLength(ModelFormat.MAX_JSON_STRING).build())
                    // what is written can be read back: a deeper provenance is refused when writing
                    .streamWriteConstraints(StreamWriteConstraints.builder().maxNestingDepth(ModelFormat.MAX_JSON_DEPTH).build())
                    .build())
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
    private static final ObjectWriter PRETTY = JSON.writer(new DefaultPrettyPrinter().withSeparators(
            Separators.createDefaultInstance().withObjectFieldValueSpacing(Separators.Spacing.AFTER)));
    /** A weight tensor as read, with its file, for messages. */
    private record Tensor(String field, String file, INDArray array) {
        @Override
        public String toString() {
            return field + " '" + file + "' " + Npy.pyShape(array.shape());
        }
    }

    /** The model whose model.json and tensors {@code src} holds; every error names the file, the layer and the field. */
    static Model read(Source src) {
        String json = src.where(ModelFormat.MODEL_JSON);
        JsonNode root;
        try (Content c = src.open(ModelFormat.MODEL_JSON)) {
            if (c == null) {
                throw new ModelException(src.where() + ": " + ModelFormat.MODEL_JSON + " not found (not a model folder or zip?)");
            }
            if (c.size() > ModelFormat.MAX_JSON_BYTES) {
                throw new ModelException(json + ": " + c.size() + " bytes, over the limit of " + ModelFormat.MAX_JSON_BYTES
                        + " bytes for " + ModelFormat.MODEL_JSON + "; refused");
            }
            root = JSON.readTree(c.in());
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
        JsonObject top = JsonObject.of(root, json);
        String format = top.text("format");
        if (!ModelFormat.FORMAT.equals(format)) {
            throw new ModelException(json + ": unknown format '" + format + "', expected '" + ModelFormat.FORMAT + "'");
        }
        JsonNode version = top.get("version");
        if (!version.isIntegralNumber() || version.longValue() != ModelFormat.VERSION) {
            throw new ModelException(json + ": unsupported version " + version + " (this reader knows version " + ModelFormat.VERSION + ")");
        }
        top.only("format", "version", "name", "input", "classes", "layers", "output", "provenance");
        String name = top.text("name");
        InputSpec input = input(JsonObject.of(top.get("input"), json + ": input"));

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
            JsonObject o = JsonObject.of(ls.get(i), json + ": layers[" + i + "]");
            String kind = o.text("kind");
            LayerKind known = LayerKind.byId(kind);
            if (known == null) {
                throw new ModelException(o.where() + ": unknown layer kind '" + kind + "' (known: " + KNOWN_KINDS + ")");
            }
            o = o.at(o.where() + " (" + kind + ")");
            List<Tensor> read = new ArrayList<>();
            layers.add(layer(src, o, known, read));
            files.add(read.stream().map(Tensor::toString).collect(java.util.stream.Collectors.joining(", ")));
        }

        JsonObject out = JsonObject.of(top.get("output"), json + ": output");
        String kind = out.text("kind");
        if (!kind.equals("linear")) {
            throw new ModelException(out.where() + ": unknown output kind '" + kind + "' (known: linear)");
        }
        out = out.at(out.where() + " (linear)");
        out.only("kind", "weight", "bias");
        Tensor w = tensor(src, out, "weight");
        Tensor b = tensor(src, out, "bias");
        LinearHead head;
        try {
            head = new LinearHead(w.array, b.array);
        } catch (ModelException e) {
            throw new ModelException(out.where() + ": " + strip(e.getMessage(), "output: ") + " (" + w + ", " + b + ")", e);
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
            throw new ModelException(out.where() + ": expected input [" + head.inputSize() + "], got "
                    + Arrays.toString(shape) + " (" + w + ", " + b + "; " + fedBy(layers.size()) + ")");
        }

        Map<String, Object> provenance = new LinkedHashMap<>();
        if (top.optional("provenance") != null) {
            provenance = asMap(JsonObject.of(top.get("provenance"), json + ": provenance").node());
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

    /** The layer kinds' ids, for messages. */
    private static final String KNOWN_KINDS = String.join(", ", java.util.Arrays.stream(LayerKind.values()).map(LayerKind::id).toList());

    /** One entry of "layers", by kind; the tensors it read are added to {@code read} (for messages). */
    private static Layer layer(Source src, JsonObject o, LayerKind kind, List<Tensor> read) {
        try {
            return LayerCodec.of(kind).read(o, field -> tensor(src, o, field, read).array);
        } catch (ModelException e) {
            if (e.getMessage().startsWith(o.where())) {
                throw e;
            }
            throw new ModelException(o.where() + ": " + strip(e.getMessage(), kind.id() + ": ") + " (" + read.stream()
                    .map(Tensor::toString).collect(java.util.stream.Collectors.joining(", ")) + ")", e);
        } catch (IllegalArgumentException e) {
            throw new ModelException(o.where() + ": " + e.getMessage() + (read.isEmpty() ? "" : " (" + read.stream()
                    .map(Tensor::toString).collect(java.util.stream.Collectors.joining(", ")) + ")"), e);
        }
    }

    private static InputSpec input(JsonObject o) {
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
            throw new ModelException(o.where() + ": " + strip(e.getMessage(), "input."), e);
        }
    }

    /**
     * Reads the .npy file the field names. The name must be a file directly in the model folder: no separators,
     * no leading dot (so no "..").
     */
    private static Tensor tensor(Source src, JsonObject o, String field, List<Tensor> read) {
        Tensor t = tensor(src, o, field);
        read.add(t);
        return t;
    }

    private static Tensor tensor(Source src, JsonObject o, String field) {
        String file = o.text(field);
        if (!file.endsWith(".npy") || file.startsWith(".")
                || file.chars().anyMatch(c -> c == '/' || c == '\\' || c == ':' || c < 0x20)) {
            throw new ModelException(o.where() + ": " + field + " file '" + file + "' must be a file name inside "
                    + src.where() + " ending in .npy (no '/', '\\', ':' or leading '.')");
        }
        INDArray a;
        try (Content c = src.open(file)) {
            if (c == null) {
                throw new ModelException(o.where() + ": " + field + " file '" + file + "' not found in " + src.where());
            }
            try {
                a = Npy.read(c.in(), file, c.size(), true);
            } catch (ModelException e) {
                throw new ModelException(o.where() + ": " + field + ": " + e.getMessage(), e);
            }
        } catch (Refused e) {
            throw new ModelException(o.where() + ": " + field + " file '" + file + "' " + e.getMessage(), e);
        } catch (IOException e) {
            throw new ModelException(o.where() + ": " + field + ": cannot read " + src.where(file) + ": " + e, e);
        }
        // The model's arithmetic runs in FLOAT or DOUBLE: half floats are widened (exact, every half is a float).
        if (a.dataType() == DataType.FLOAT16) {
            a = a.castTo(DataType.FLOAT);
        }
        // The Model constructor checks this too, but only knows the layer index, not the file.
        if (BooleanIndexing.or(a, Conditions.isNan()) || BooleanIndexing.or(a, Conditions.isInfinite())) {
            throw new ModelException(o.where() + ": " + field + " '" + file + "' holds NaN or infinite values");
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

    /** What a model is written as: model.json's bytes and the tensors by file name. */
    record Layout(byte[] json, Map<String, INDArray> tensors) {
    }

    /** Files are named layer{i}.{role}.npy and output.{role}.npy, roles as the records name their tensors. */
    static Layout layout(Model model) {
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        ObjectNode root = JSON.createObjectNode();
        root.put("format", ModelFormat.FORMAT).put("version", ModelFormat.VERSION).put("name", model.name());
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
            LayerCodec.of(layer.kind()).write(layer, o);
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
