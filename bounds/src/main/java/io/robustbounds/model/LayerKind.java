package io.robustbounds.model;

import java.util.Arrays;
import java.util.Locale;

/**
 * The closed set of layer kinds, by the name model.json, training files and messages use. One {@link Layer} record
 * per kind; the model format has one codec per kind ({@code format.LayerCodec}); adding a kind means a record here,
 * a constant here and a codec there (docs/architecture.md).
 */
public enum LayerKind {
    DENSE("dense"),
    CONV("conv"),
    POOL("pool"),
    BATCH_NORM("batchnorm"),
    LRN("lrn"),
    FLATTEN("flatten");

    private final String id;

    LayerKind(String id) {
        this.id = id;
    }

    /** The name in model.json ("dense", "conv", "pool", "batchnorm", "lrn", "flatten"). */
    public String id() {
        return id;
    }

    /** The id, so that messages that concatenate a kind read as before. */
    @Override
    public String toString() {
        return id;
    }

    /** The kind of an id (exact, lower case), or null when no kind has it. */
    public static LayerKind byId(String id) {
        for (LayerKind k : values()) {
            if (k.id.equals(id)) {
                return k;
            }
        }
        return null;
    }

    /** The ids of every kind, in declaration order, for messages ("expected one of [dense, conv, …]"). */
    public static String ids() {
        return Arrays.toString(Arrays.stream(values()).map(LayerKind::id).toArray()).toLowerCase(Locale.ROOT);
    }
}
