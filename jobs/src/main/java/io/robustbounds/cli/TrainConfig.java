package io.robustbounds.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import io.robustbounds.config.ConfigException;
import io.robustbounds.config.Settings;
import io.robustbounds.model.Activation;
import io.robustbounds.model.ModelException;
import io.robustbounds.train.Hyperparameters;
import io.robustbounds.train.LayerSpec;
import io.robustbounds.train.WeightInit;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The {@code train} block of a {@code conf/train/*.conf} file, typed and validated; errors name the file, the key
 * (list elements as {@code train.layers[2].size}) and the value.
 *
 * <pre>
 * train {
 *   name = "lenet-lrn1"
 *   data { train = "runs/mnist/train", test = "runs/mnist/test", validation = "" }   # validation optional
 *   output = "runs/train/lenet-lrn1/model"
 *   layers = [
 *     { kind = conv, filters = 20, size = 5, stride = 1, padding = 0, relu = false }
 *     { kind = pool, method = max, size = 2, stride = 2 }
 *     { kind = lrn, n = 5, k = 1, alpha = 1e-4, beta = 0.75, alpha-convention = caffe }
 *     { kind = flatten }
 *     { kind = dense, units = 500, activation = relu }
 *   ]                                                  # then the linear head, one output per class
 *   optimizer = adam, learning-rate = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8
 *   batch-size = 64, iterations = 10000, epochs = 0    # exactly one of iterations, epochs > 0
 *   seed = 1, weight-init = xavier, margin-weight = 0, input-scale = 0.00390625, precision = float
 *   log-every = 500
 * }
 * </pre>
 */
record TrainConfig(String name, Path trainData, Path testData, Path validationData, Path output, List<LayerSpec> layers,
                   Hyperparameters hyper, int logEvery) {

    static final String P = "train.";

    static TrainConfig from(Settings s) {
        String name = s.getString(P + "name");
        if (name.isBlank()) {
            throw s.invalid(P + "name", "must not be empty");
        }
        Path train = path(s, P + "data.train", true);
        Path test = path(s, P + "data.test", true);
        Path validation = hasPath(s, P + "data.validation") ? path(s, P + "data.validation", false) : null;
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

    private static boolean hasPath(Settings s, String key) {
        try {
            s.getString(key);
            return true;
        } catch (ConfigException e) {
            if (e.getMessage().endsWith(key + " is missing")) {
                return false;
            }
            throw e;
        }
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

    /** The layer list, element by element; each element's unknown keys are refused (a typo would otherwise be ignored). */
    private static List<LayerSpec> layers(Settings s) {
        Config root = ConfigValueFactory.fromMap(s.toMap()).toConfig();
        if (!root.hasPath(P + "layers")) {
            throw new ConfigException(s.source() + ": " + P + "layers is missing");
        }
        ConfigValue v = root.getValue(P + "layers");
        if (!(v instanceof ConfigList list)) {
            throw new ConfigException(s.source() + ": " + P + "layers must be a list of layers, got " + render(v));
        }
        List<LayerSpec> layers = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            layers.add(new Layer(s.source(), P + "layers[" + i + "]", list.get(i)).spec());
        }
        return layers;
    }

    private static String render(ConfigValue v) {
        return v.render(ConfigRenderOptions.concise());
    }

    /** One element of train.layers, read with errors that name it. */
    private record Layer(String source, String where, ConfigValue value) {

        LayerSpec spec() {
            if (!(value instanceof ConfigObject obj)) {
                throw new ConfigException(source + ": " + where + " must be an object such as { kind = dense, units = 5, activation = tanh }, got "
                        + render(value));
            }
            Config c = obj.toConfig();
            String kind = string(c, "kind");
            try {
                return switch (kind) {
                    case "dense" -> {
                        only(obj, "kind", "units", "activation");
                        Activation a;
                        try {
                            a = Activation.parse(string(c, "activation"), where);
                        } catch (ModelException e) {
                            throw invalid(c, "activation", "must be one of tanh, sigmoid, softplus, relu, identity");
                        }
                        yield new LayerSpec.Dense(integer(c, "units", 1, null), a);
                    }
                    case "conv" -> {
                        only(obj, "kind", "filters", "size", "stride", "padding", "relu");
                        yield new LayerSpec.Conv(integer(c, "filters", 1, null), integer(c, "size", 1, null), integer(c, "stride", 1, 1),
                                integer(c, "padding", 0, 0), bool(c, "relu", false));
                    }
                    case "pool" -> {
                        only(obj, "kind", "method", "size", "stride");
                        String method = string(c, "method");
                        if (!method.equals("max") && !method.equals("average")) {
                            throw invalid(c, "method", "must be max or average");
                        }
                        int size = integer(c, "size", 1, null);
                        yield new LayerSpec.Pool(method.equals("max"), size, integer(c, "stride", 1, size));
                    }
                    case "lrn" -> {
                        only(obj, "kind", "n", "k", "alpha", "beta", "alpha-convention");
                        String convention = c.hasPath("alpha-convention") ? string(c, "alpha-convention") : "caffe";
                        if (!convention.equals("caffe") && !convention.equals("thesis")) {
                            throw invalid(c, "alpha-convention", "must be caffe (α/n) or thesis (α)");
                        }
                        yield new LayerSpec.Lrn(number(c, "k", 1.0), integer(c, "n", 1, 5), number(c, "alpha", 1e-4), number(c, "beta", 0.75),
                                convention.equals("caffe"));
                    }
                    case "flatten" -> {
                        only(obj, "kind");
                        yield new LayerSpec.Flatten();
                    }
                    default -> throw invalid(c, "kind", "must be one of dense, conv, pool, lrn, flatten");
                };
            } catch (IllegalArgumentException e) {
                throw new ConfigException(source + ": " + where + " " + render(value) + ": " + e.getMessage());
            }
        }

        private void only(ConfigObject obj, String... keys) {
            Set<String> allowed = Set.of(keys);
            for (String k : obj.keySet()) {
                if (!allowed.contains(k)) {
                    throw new ConfigException(source + ": " + where + "." + k + " is not a key of a " + obj.toConfig().getString("kind")
                            + " layer (keys: " + String.join(", ", keys) + ")");
                }
            }
        }

        private ConfigException invalid(Config c, String key, String rule) {
            return new ConfigException(source + ": " + where + "." + key + " " + rule + ", got "
                    + (c.hasPath(key) ? render(c.getValue(key)) : "nothing"));
        }

        private String string(Config c, String key) {
            if (!c.hasPath(key)) {
                throw new ConfigException(source + ": " + where + "." + key + " is missing");
            }
            try {
                return c.getString(key).toLowerCase(Locale.ROOT);
            } catch (com.typesafe.config.ConfigException e) {
                throw invalid(c, key, "must be a string");
            }
        }

        private int integer(Config c, String key, int min, Integer fallback) {
            if (!c.hasPath(key)) {
                if (fallback == null) {
                    throw new ConfigException(source + ": " + where + "." + key + " is missing");
                }
                return fallback;
            }
            int v;
            try {
                v = c.getInt(key);
            } catch (com.typesafe.config.ConfigException e) {
                throw invalid(c, key, "must be a whole number");
            }
            if (v < min) {
                throw invalid(c, key, "must be >= " + min);
            }
            return v;
        }

        private double number(Config c, String key, double fallback) {
            if (!c.hasPath(key)) {
                return fallback;
            }
            try {
                return c.getDouble(key);
            } catch (com.typesafe.config.ConfigException e) {
                throw invalid(c, key, "must be a number");
            }
        }

        private boolean bool(Config c, String key, boolean fallback) {
            if (!c.hasPath(key)) {
                return fallback;
            }
            try {
                return c.getBoolean(key);
            } catch (com.typesafe.config.ConfigException e) {
                throw invalid(c, key, "must be true or false");
            }
        }
    }
}
