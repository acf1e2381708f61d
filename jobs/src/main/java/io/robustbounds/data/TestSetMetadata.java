package io.robustbounds.data;

import com.fasterxml.jackson.core.JsonProcessingException;
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
    private static final ObjectMapper JSON = new ObjectMapper();

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
                shape[i] = s.get(i).asLong();
            }
            List<String> classes = new ArrayList<>();
            n.path("classes").forEach(c -> classes.add(c.asText()));
            @SuppressWarnings("unchecked")
            Map<String, Object> source = n.has("source") ? JSON.treeToValue(n.get("source"), Map.class) : Map.of();
            return new TestSetMetadata(shape, r.get(0).asDouble(), r.get(1).asDouble(), classes, source);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(where + ": footer " + KEY + " is not valid JSON: " + e.getOriginalMessage());
        }
    }

    /** Fails before any work, naming both shapes, unless {@code model} reads samples of this test set's shape. */
    public void requireInputOf(Model model, String testSet) {
        if (!Arrays.equals(model.input().shape(), shape())) {
            throw new ModelException("model '" + model.name() + "' expects input "
                    + Arrays.toString(model.input().shape()) + ", test set " + testSet + " has " + Arrays.toString(shape()));
        }
    }
}
