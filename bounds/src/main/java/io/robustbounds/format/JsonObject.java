package io.robustbounds.format;

import com.fasterxml.jackson.databind.JsonNode;
import io.robustbounds.model.ModelException;
import java.util.Set;

/** One JSON object of model.json and where it is, for messages like "…/model.json: layers[1] (dense): …". */
record JsonObject(JsonNode node, String where) {
    static JsonObject of(JsonNode node, String where) {
        if (node == null || !node.isObject()) {
            throw new ModelException(where + ": must be a JSON object, got " + (node == null ? "nothing" : node));
        }
        return new JsonObject(node, where);
    }

    JsonObject at(String where) {
        return new JsonObject(node, where);
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
