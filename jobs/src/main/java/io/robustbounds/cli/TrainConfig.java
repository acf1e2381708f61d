package io.robustbounds.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import io.robustbounds.config.ConfigException;
import io.robustbounds.config.ConfigReader;
import io.robustbounds.config.Settings;
import io.robustbounds.model.Activation;
import io.robustbounds.model.LayerKind;
import io.robustbounds.model.ModelException;
import io.robustbounds.train.Hyperparameters;
import io.robustbounds.train.LayerSpec;
import io.robustbounds.train.WeightInit;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The {@code train} block of a {@code conf/train/*.conf} file, typed and validated; errors name the file, the key
 * (list elements as {@code train.layers[2].size}) and the value. Its keys are those of {@link #SCHEMA_TEXT}.
 */
record TrainConfig(String name, Path trainData, Path testData, Path validationData, Path output, List<LayerSpec> layers,
                   Hyperparameters hyper, int logEvery) {

    static final String P = "train.";

    /**
     * Every key of a training file, with an example value: the schema a file is checked against at load (a key not
     * here is refused) and the declaration of the layer kinds with their keys ({@link #LAYER_KEYS}).
     */
    static final String SCHEMA_TEXT = """
            train {
              name = "lenet-lrn1"
              data { train = "runs/mnist/train", test = "runs/mnist/test", validation = "" }   # validation optional
              output = "runs/train/lenet-lrn1/model"
              layers = [                                         # then the linear head, one output per class
                { kind = dense, units = 500, activation = relu }
                { kind = conv, filters = 20, size = 5, stride = 1, padding = 0, relu = false }   # stride 1, padding 0, relu false if absent
                { kind = pool, method = max, size = 2, stride = 2 }                              # stride = size if absent
                { kind = lrn, n = 5, k = 1, alpha = 1e-4, beta = 0.75, alpha-convention = caffe } # these defaults if absent
                { kind = flatten }
              ]
              optimizer = adam, learning-rate = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8
              batch-size = 64, iterations = 10000, epochs = 0    # exactly one of iterations, epochs > 0
              seed = 1, weight-init = xavier, margin-weight = 0, input-scale = 0.00390625, precision = float
              log-every = 500
            }
            """;

    static final Config SCHEMA = ConfigFactory.parseString(SCHEMA_TEXT);

    /** The layer kinds a training file may use (not batchnorm), in the schema's order, with each one's keys. */
    static final Map<LayerKind, List<String>> LAYER_KEYS = layerKeys();

    private static Map<LayerKind, List<String>> layerKeys() {
        Map<LayerKind, List<String>> out = new LinkedHashMap<>();
        for (Config layer : SCHEMA.getConfigList(P + "layers")) {
            List<String> keys = new ArrayList<>(new TreeSet<>(layer.root().keySet()));
            keys.remove("kind");
            keys.add(0, "kind");
            out.put(java.util.Objects.requireNonNull(LayerKind.byId(layer.getString("kind"))), List.copyOf(keys));
        }
        return java.util.Collections.unmodifiableMap(out);
    }

    static TrainConfig from(Settings s) {
        String name = s.getString(P + "name");
        if (name.isBlank()) {
            throw s.invalid(P + "name", "must not be empty");
        }
        Path train = path(s, P + "data.train", true);
        Path test = path(s, P + "data.test", true);
        Path validation = s.hasPath(P + "data.validation") ? path(s, P + "data.validation", false) : null;
        Path output = path(s, P + "output", true);
        List<LayerSpec> layers = layers(s);
        String optimizer = s.getString(P + "optimizer").toLowerCase(Locale.ROOT);
        WeightInit init;
        try {
            init = WeightInit.parse(s.getString(P + "weight-init"));
        } catch (IllegalArgumentException e) {
            throw s.invalid(P + "weight-init", "must be one of xavier, xavier-uniform, caffe-xavier, he");
        }
        String precision = s.getString(P + "precision");
        if (!precision.equals("float") && !precision.equals("double")) {
            throw s.invalid(P + "precision", "must be float or double");
        }
        long iterations = s.getLong(P + "iterations");
        double epochs = s.getDouble(P + "epochs");
        if ((iterations > 0) == (epochs > 0)) {
            throw new ConfigException(s.source() + ": exactly one of " + P + "iterations and " + P + "epochs must be > 0, got "
                    + iterations + " and " + epochs);
        }
        Hyperparameters hp;
        try {
            hp = new Hyperparameters(optimizer, s.getDouble(P + "learning-rate"), s.getDouble(P + "beta1"), s.getDouble(P + "beta2"),
                    s.getDouble(P + "epsilon"), s.getInt(P + "batch-size"), iterations, epochs,
                    s.getLong(P + "seed"), init, s.getDouble(P + "margin-weight"), s.getDouble(P + "input-scale"),
                    precision.equals("float") ? DataType.FLOAT : DataType.DOUBLE);
        } catch (IllegalArgumentException e) {
            // the record's messages start with the key name ("batch-size must be >= 1, got 0")
            throw new ConfigException(s.source() + ": " + P + e.getMessage());
        }
        int logEvery = s.getInt(P + "log-every", 1);
        return new TrainConfig(name, train, test, validation, output, layers, hp, logEvery);
    }

    private static Path path(Settings s, String key, boolean required) {
        String v = s.getString(key);
        if (v.isBlank()) {
            if (required) {
                throw s.invalid(key, "must name a folder");
            }
            return null;
        }
        return Path.of(v);
    }

    /** The layer list, element by element; each element's keys are checked against its kind's ({@link #LAYER_KEYS}). */
    private static List<LayerSpec> layers(Settings s) {
        if (!s.hasPath(P + "layers")) {
            throw s.missing(P + "layers");
        }
        ConfigValue v = s.config().getValue(P + "layers");
        if (!(v instanceof ConfigList list)) {
            throw new ConfigException(s.source() + ": " + P + "layers must be a list of layers, got " + render(v));
        }
        List<LayerSpec> layers = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            String where = P + "layers[" + i + "]";
            if (!(list.get(i) instanceof ConfigObject obj)) {
                throw new ConfigException(s.source() + ": " + where + " must be an object such as { kind = dense, units = 5, activation = tanh }, got "
                        + render(list.get(i)));
            }
            layers.add(layer(s.nested(obj.toConfig(), where, "")));
        }
        return layers;
    }

    private static String render(ConfigValue v) {
        return v.render(ConfigRenderOptions.concise());
    }

    /** One element of train.layers; its keys must be those of its kind. */
    private static LayerSpec layer(ConfigReader c) {
        LayerKind kind = LayerKind.byId(lower(c, "kind"));
        List<String> keys = kind == null ? null : LAYER_KEYS.get(kind);
        if (keys == null) {
            throw c.invalid("kind", "must be one of " + String.join(", ", LAYER_KEYS.keySet().stream().map(LayerKind::id).toList()));
        }
        c.refuseUnknown(keys, "a " + kind + " layer");
        try {
            return switch (kind) {
                case DENSE -> {
                    Activation a;
                    try {
                        a = Activation.parse(lower(c, "activation"), c.where());
                    } catch (ModelException e) {
                        throw c.invalid("activation", "must be one of tanh, sigmoid, softplus, relu, identity");
                    }
                    yield new LayerSpec.Dense(c.getInt("units", 1), a);
                }
                case CONV -> new LayerSpec.Conv(c.getInt("filters", 1), c.getInt("size", 1), c.getIntOr("stride", 1, 1),
                        c.getIntOr("padding", 0, 0), c.getBooleanOr("relu", false));
                case POOL -> {
                    String method = lower(c, "method");
                    if (!method.equals("max") && !method.equals("average")) {
                        throw c.invalid("method", "must be max or average");
                    }
                    int size = c.getInt("size", 1);
                    yield new LayerSpec.Pool(method.equals("max"), size, c.getIntOr("stride", 1, size));
                }
                case LRN -> {
                    String convention = c.hasPath("alpha-convention") ? lower(c, "alpha-convention") : "caffe";
                    if (!convention.equals("caffe") && !convention.equals("thesis")) {
                        throw c.invalid("alpha-convention", "must be caffe (α/n) or thesis (α)");
                    }
                    yield new LayerSpec.Lrn(c.getDoubleOr("k", 1.0), c.getIntOr("n", 1, 5), c.getDoubleOr("alpha", 1e-4),
                            c.getDoubleOr("beta", 0.75), convention.equals("caffe"));
                }
                case FLATTEN -> new LayerSpec.Flatten();
                case BATCH_NORM -> throw new IllegalStateException("batchnorm has no keys in the training schema"); // refused above
            };
        } catch (IllegalArgumentException e) {
            throw new ConfigException(c.source() + ": " + c.where() + " " + render(c.config().root()) + ": " + e.getMessage());
        }
    }

    /** Names (kinds, activations, methods) are read case-insensitively. */
    private static String lower(ConfigReader c, String key) {
        return c.getString(key).toLowerCase(Locale.ROOT);
    }
}
