package io.robustbounds.data;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.robustbounds.model.Model;
import io.robustbounds.model.ModelException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a test set's rows mean, kept in every Parquet file's footer under {@link #KEY}: one sample's shape
 * (C×H×W for images, [d] for vectors; features are stored row-major in that order), the value range,
 * class names, and where the data came from (source file, checksum, split…).
 */
public record TestSetMetadata(long[] shape, double low, double high, List<String> classes, Map<String, Object> source) {
    public static final String KEY = "robustbounds.testset";
    /** Footer JSON nests a few levels (source → split → rows_per_class → class); deeper is not a test set's footer. */
    static final int MAX_DEPTH = 32;
    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build()).build());

    public TestSetMetadata {
        if (shape == null || shape.length == 0 || Arrays.stream(shape).anyMatch(s -> s <= 0)) {
            throw new IllegalArgumentException("test set shape must be non-empty and positive, got " + Arrays.toString(shape));
        }
        if (!(low < high)) {
            throw new IllegalArgumentException("test set range must have low < high, got [" + low + ", " + high + "]");
        }
        shape = shape.clone();
        classes = classes == null ? List.of() : List.copyOf(classes);
        source = source == null ? Map.of() : new LinkedHashMap<>(source);
    }

    /** Number of features per row. */
    public long size() {
        return Arrays.stream(shape).reduce(1, (a, b) -> a * b);
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public String toJson() {
        ObjectNode n = JSON.createObjectNode();
        ArrayNode s = n.putArray("shape");
        for (long d : shape) {
            s.add(d);
        }
        n.putArray("range").add(low).add(high);
        ArrayNode c = n.putArray("classes");
        classes.forEach(c::add);
        n.set("source", JSON.valueToTree(source));
        try {
            return JSON.writeValueAsString(n);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Parses footer metadata; {@code where} names the file in errors. */
    public static TestSetMetadata fromJson(String json, String where) {
        try {
            JsonNode n = JSON.readTree(json);
            JsonNode s = n.path("shape");
            JsonNode r = n.path("range");
            if (!s.isArray() || !r.isArray() || r.size() != 2) {
                throw new IllegalArgumentException(where + ": footer " + KEY + " needs 'shape' and 'range' [low, high], got " + json);
            }
            long[] shape = new long[s.size()];
            for (int i = 0; i < shape.length; i++) {
                if (!s.get(i).canConvertToExactIntegral()) {
                    throw new IllegalArgumentException(where + ": footer " + KEY + " 'shape' must hold whole numbers, got " + s);
                }
                shape[i] = s.get(i).asLong();
            }
            JsonNode names = n.path("classes");
            if (!names.isMissingNode() && !names.isArray()) {
                throw new IllegalArgumentException(where + ": footer " + KEY + " 'classes' must be a list of names, got " + names);
            }
            List<String> classes = new ArrayList<>();
            for (JsonNode c : names) {
                if (!c.isTextual()) { // asText() would make "" of an object: a class no one named
                    throw new IllegalArgumentException(where + ": footer " + KEY + " 'classes' must be a list of names, got " + names);
                }
                classes.add(c.asText());
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> source = n.has("source") ? JSON.treeToValue(n.get("source"), Map.class) : Map.of();
            return new TestSetMetadata(shape, r.get(0).asDouble(), r.get(1).asDouble(), classes, source);
        } catch (StreamConstraintsException e) {
            throw new IllegalArgumentException(where + ": footer " + KEY + " nests deeper than " + MAX_DEPTH + " levels");
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(where + ": footer " + KEY + " is not valid JSON: " + e.getOriginalMessage());
        }
    }

    /**
     * Fails before any work unless the test set's class names are the model's, in order (labels are indices into
     * them): the error names both lists and the first difference. Nothing to compare when either has no names;
     * {@code allowMismatch} (the configuration's explicit permission) skips the check.
     */
    public void requireClassesOf(Model model, String testSet, boolean allowMismatch, String allowKey) {
        List<String> own = model.classNames();
        if (allowMismatch || own.isEmpty() || classes.isEmpty() || own.equals(classes)) {
            return;
        }
        int i = 0;
        while (i < own.size() && i < classes.size() && own.get(i).equals(classes.get(i))) {
            i++;
        }
        String first = i < own.size() && i < classes.size() ? "label " + i + " is '" + classes.get(i) + "' in the test set, '" + own.get(i)
                + "' in the model" : "the test set has " + classes.size() + " classes, the model " + own.size();
        throw new ModelException("test set " + testSet + " classes " + classes + " differ from model '" + model.name() + "' classes " + own
                + ": " + first + " (" + allowKey + " = true evaluates it all the same)");
    }

    /** Fails before any work, naming both shapes, unless {@code model} reads samples of this test set's shape. */
    public void requireInputOf(Model model, String testSet) {
        if (!Arrays.equals(model.input().shape(), shape())) {
            throw new ModelException("model '" + model.name() + "' expects input "
                    + Arrays.toString(model.input().shape()) + ", test set " + testSet + " has " + Arrays.toString(shape()));
        }
    }
}
