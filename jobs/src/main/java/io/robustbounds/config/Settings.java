package io.robustbounds.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException.Missing;
import com.typesafe.config.ConfigException.WrongType;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A configuration file of {@code conf/} (HOCON) with {@code --set key=value} overrides, read through typed
 * getters whose errors name the file, the key and the value.
 */
public final class Settings {
    private final Config config;
    private final String source;

    private Settings(Config config, String source) {
        this.config = config.resolve();
        this.source = source;
    }

    /** Reads {@code file} and applies {@code key=value} overrides (values parsed as HOCON, so lists work too). */
    public static Settings load(Path file, List<String> overrides) {
        if (!Files.isRegularFile(file)) {
            throw new ConfigException(file + ": configuration file not found");
        }
        Config base;
        try {
            base = ConfigFactory.parseFile(file.toFile());
        } catch (com.typesafe.config.ConfigException e) {
            throw new ConfigException(file + ": " + e.getMessage());
        }
        Map<String, Object> sets = new LinkedHashMap<>();
        Config over = ConfigFactory.empty();
        for (String o : overrides) {
            int eq = o.indexOf('=');
            if (eq <= 0) {
                throw new ConfigException("--set " + o + ": expected key=value");
            }
            String key = o.substring(0, eq).trim();
            String value = o.substring(eq + 1).trim();
            try {
                over = ConfigFactory.parseString(key + " = " + value).withFallback(over);
            } catch (com.typesafe.config.ConfigException e) {
                throw new ConfigException("--set " + key + "=" + value + ": not a valid value (" + e.getMessage() + ")");
            }
            sets.put(key, value);
        }
        return new Settings(over.withFallback(base), file + (sets.isEmpty() ? "" : " with --set " + sets));
    }

    public String source() {
        return source;
    }

    /** The resolved configuration as JSON, for provenance. */
    public String toJson() {
        return config.root().render(ConfigRenderOptions.concise().setFormatted(true));
    }

    /** The resolved configuration itself, for readers of nested structures such as sweep cells ({@link SweepConfig}). */
    public Config raw() {
        return config;
    }

    public Map<String, Object> toMap() {
        return config.root().unwrapped();
    }

    public long getLong(String key) {
        return get(key, "a whole number", config::getLong);
    }

    public int getInt(String key) {
        return get(key, "a whole number", config::getInt);
    }

    public double getDouble(String key) {
        return get(key, "a number", config::getDouble);
    }

    public String getString(String key) {
        return get(key, "a string", config::getString);
    }

    /** A size in bytes: a number or a number with a unit ("256m", "1 GiB"; Typesafe Config's size format). */
    public long getBytes(String key) {
        try {
            return get(key, "a size in bytes (for example 256m)", config::getBytes);
        } catch (com.typesafe.config.ConfigException.BadValue e) {
            throw wrong(key, "a size in bytes (for example 256m)");
        }
    }

    public boolean getBoolean(String key) {
        return get(key, "true or false", config::getBoolean);
    }

    public List<String> getStringList(String key) {
        return get(key, "a list of strings", config::getStringList);
    }

    /** A list of objects, each as Settings whose errors name this file, the key and the entry's index. */
    public List<Settings> getSettingsList(String key) {
        List<? extends Config> list = get(key, "a list of objects", config::getConfigList);
        List<Settings> out = new java.util.ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            out.add(new Settings(list.get(i), source + ": " + key + "[" + i + "]"));
        }
        return out;
    }

    public boolean hasPath(String key) {
        return config.hasPath(key);
    }

    public List<Double> getDoubleList(String key) {
        return get(key, "a list of numbers", config::getDoubleList);
    }

    /** Reads {@code key} with {@code getter}, turning Typesafe's errors into ones that name the key and value. */
    private <T> T get(String key, String expected, Function<String, T> getter) {
        try {
            return getter.apply(key);
        } catch (Missing e) {
            throw missing(key);
        } catch (WrongType e) {
            throw wrong(key, expected);
        }
    }

    /** A two-element numeric list [low, high] with low < high. */
    public double[] getInterval(String key) {
        List<Double> v = get(key, "an interval [low, high]", config::getDoubleList);
        if (v.size() != 2 || !(v.get(0) < v.get(1))) {
            throw invalid(key, "must be an interval [low, high] with low < high");
        }
        return new double[] {v.get(0), v.get(1)};
    }

    /** An int that must be at least {@code min}. */
    public int getInt(String key, int min) {
        int v = getInt(key);
        if (v < min) {
            throw invalid(key, "must be >= " + min);
        }
        return v;
    }

    /** A double in the open interval (low, high). */
    public double getDouble(String key, double low, double high) {
        double v = getDouble(key);
        if (!(v > low && v < high)) {
            throw invalid(key, "must be in (" + low + ", " + high + ")");
        }
        return v;
    }

    public ConfigException invalid(String key, String rule) {
        return new ConfigException(source + ": " + key + " " + rule + ", got " + render(key));
    }

    private ConfigException missing(String key) {
        return new ConfigException(source + ": " + key + " is missing");
    }

    private ConfigException wrong(String key, String expected) {
        return new ConfigException(source + ": " + key + " must be " + expected + ", got " + render(key));
    }

    private String render(String key) {
        return config.hasPath(key) ? config.getValue(key).render(ConfigRenderOptions.concise()) : "nothing";
    }
}
