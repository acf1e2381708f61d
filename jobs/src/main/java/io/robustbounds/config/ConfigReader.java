package io.robustbounds.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException.BadValue;
import com.typesafe.config.ConfigException.Missing;
import com.typesafe.config.ConfigException.WrongType;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.commons.text.similarity.LevenshteinDistance;

/**
 * Typed reading of one object of a HOCON configuration: the whole file ({@link Settings}), or a nested object such
 * as a sweep cell or a layer of a training file. Every error names the source (the file, with its {@code --set}
 * overrides), the key's full path ({@code where.key}, e.g. {@code sweep.cells[2].classes}) and the value; a key
 * that no reader knows is refused with where it came from (file:line or {@code --set}) and the nearest known key.
 */
public class ConfigReader {
    /** The origin description given to {@code --set} values, so an unknown key can say where it came from. */
    static final String SET_ORIGIN = "--set";

    private final Config config;
    private final String source;
    private final String where;
    private final String missingHint;

    /**
     * @param source      the file (and overrides) named first in every message
     * @param where       the path of this object in the file ("" for the whole file), e.g. {@code sweep.cells[2]}
     * @param missingHint appended to "is missing" (e.g. " (set it in the cell or in sweep.defaults)"), or ""
     */
    public ConfigReader(Config config, String source, String where, String missingHint) {
        this.config = config;
        this.source = source;
        this.where = where;
        this.missingHint = missingHint;
    }

    /** A reader of the object {@code config} found at {@code where} in the same source. */
    public ConfigReader nested(Config nestedConfig, String nestedWhere, String hint) {
        return new ConfigReader(nestedConfig, source, nestedWhere, hint);
    }

    public String source() {
        return source;
    }

    /** The path of this object in its file; "" for the whole file. */
    public String where() {
        return where;
    }

    /** The configuration read, for structures a typed getter does not cover (the grid of a sweep). */
    public Config config() {
        return config;
    }

    /** The full path of {@code key}, as messages show it. */
    public String path(String key) {
        return where.isEmpty() ? key : where + "." + key;
    }

    public boolean hasPath(String key) {
        return config.hasPath(key);
    }

    public String getString(String key) {
        return get(key, "a string", config::getString);
    }

    public int getInt(String key) {
        return get(key, "a whole number", config::getInt);
    }

    public long getLong(String key) {
        return get(key, "a whole number", config::getLong);
    }

    public double getDouble(String key) {
        return get(key, "a number", config::getDouble);
    }

    public boolean getBoolean(String key) {
        return get(key, "true or false", config::getBoolean);
    }

    /** A size in bytes: a number or a number with a unit ("256m", "1 GiB"; Typesafe Config's size format). */
    public long getBytes(String key) {
        return get(key, "a size in bytes (for example 256m)", config::getBytes);
    }

    /** A path to read: relative ones missing here but present in the installation are the installation's ({@link Installation#input}). */
    public String getInputPath(String key) {
        return Installation.input(getString(key));
    }

    /** A duration: a number with a unit ("10s", "500 ms"; Typesafe Config's duration format). */
    public java.time.Duration getDuration(String key) {
        return get(key, "a duration (for example 10s)", config::getDuration);
    }

    public List<String> getStringList(String key) {
        return get(key, "a list of strings", config::getStringList);
    }

    public List<Double> getDoubleList(String key) {
        return get(key, "a list of numbers", config::getDoubleList);
    }

    /** An int that must be at least {@code min}. */
    public int getInt(String key, int min) {
        int v = getInt(key);
        if (v < min) {
            throw invalid(key, "must be >= " + min);
        }
        return v;
    }

    /** A long that must be at least {@code min}. */
    public long getLong(String key, long min) {
        long v = getLong(key);
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

    /** {@link #getInt(String, int)}, or {@code fallback} when the key is absent. */
    public int getIntOr(String key, int min, int fallback) {
        return hasPath(key) ? getInt(key, min) : fallback;
    }

    /** {@link #getDouble(String)}, or {@code fallback} (NaN for "none") when the key is absent. */
    public double getDoubleOr(String key, double fallback) {
        return hasPath(key) ? getDouble(key) : fallback;
    }

    public boolean getBooleanOr(String key, boolean fallback) {
        return hasPath(key) ? getBoolean(key) : fallback;
    }

    public String getStringOr(String key, String fallback) {
        return hasPath(key) ? getString(key) : fallback;
    }

    /** A two-element numeric list [low, high] with low < high. */
    public double[] getInterval(String key) {
        List<Double> v = get(key, "an interval [low, high]", config::getDoubleList);
        if (v.size() != 2 || !(v.get(0) < v.get(1))) {
            throw invalid(key, "must be an interval [low, high] with low < high");
        }
        return new double[] {v.get(0), v.get(1)};
    }

    /** An object, as a Config (for structures the typed getters do not cover, such as a sweep's grid). */
    public Config getConfig(String key) {
        return get(key, "an object", config::getConfig);
    }

    /** A list of objects, each read by a reader whose messages name the element ({@code key[i].…}). */
    public List<ConfigReader> getObjectList(String key) {
        List<? extends Config> list = get(key, "a list of objects", config::getConfigList);
        List<ConfigReader> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            out.add(nested(list.get(i), path(key) + "[" + i + "]", ""));
        }
        return out;
    }

    /** The value of {@code key} as written (HOCON, concise), or "nothing". */
    public String render(String key) {
        return config.hasPath(key) ? config.getValue(key).render(ConfigRenderOptions.concise()) : "nothing";
    }

    public ConfigException invalid(String key, String rule) {
        return new ConfigException(source + ": " + path(key) + " " + rule + ", got " + render(key));
    }

    public ConfigException missing(String key) {
        return new ConfigException(source + ": " + path(key) + " is missing" + missingHint);
    }

    /** Reads {@code key} with {@code getter}, turning Typesafe's errors into ones that name the key and value. */
    private <T> T get(String key, String expected, Function<String, T> getter) {
        try {
            return getter.apply(key);
        } catch (Missing e) {
            throw missing(key);
        } catch (WrongType | BadValue e) {
            throw invalid(key, "must be " + expected);
        }
    }

    // ---- unknown keys ----

    private static final Pattern INDEX = Pattern.compile("\\[(\\d+)]");

    /**
     * Refuses a key of this object that {@code schema} does not hold. The schema's objects are descended into; a list
     * of objects in the schema stands for any list of such objects (an element may hold the keys of any of the
     * schema's elements); any other value stands for a value of any type (its getter checks the type).
     */
    public void refuseUnknown(Config schema) {
        check(config.root(), schema.root(), where, schemaPaths(schema.root(), where));
    }

    /** Refuses a key of this object not among {@code keys}; {@code what} names the object in the message ("a dense layer"). */
    public void refuseUnknown(Collection<String> keys, String what) {
        for (Map.Entry<String, ConfigValue> e : config.root().entrySet()) {
            if (!keys.contains(e.getKey())) {
                List<String> known = keys.stream().map(this::path).toList();
                throw unknown(firstLeaf(path(e.getKey()), e.getValue()), known, what + "'s keys: " + String.join(", ", keys));
            }
        }
    }

    private void check(ConfigObject actual, ConfigObject schema, String at, List<String> allKnown) {
        for (Map.Entry<String, ConfigValue> e : actual.entrySet()) {
            String path = at.isEmpty() ? e.getKey() : at + "." + e.getKey();
            ConfigValue known = schema.get(e.getKey());
            if (known == null) {
                String here = at.isEmpty() ? "known sections: " : "keys of " + at + ": ";
                throw unknown(firstLeaf(path, e.getValue()), allKnown, here + String.join(", ", new TreeSet<>(schema.keySet())));
            }
            if (e.getValue() instanceof ConfigObject o && known instanceof ConfigObject k) {
                check(o, k, path, allKnown);
            } else if (e.getValue() instanceof ConfigList l && elementSchema(known) != null) {
                ConfigObject element = elementSchema(known);
                for (int i = 0; i < l.size(); i++) {
                    if (l.get(i) instanceof ConfigObject o) {
                        check(o, element, path + "[" + i + "]", allKnown);
                    }
                }
            }
        }
    }

    /** The union of the keys of a schema list's object elements, or null when it is not a list of objects. */
    private static ConfigObject elementSchema(ConfigValue v) {
        if (!(v instanceof ConfigList l) || l.isEmpty() || !(l.get(0) instanceof ConfigObject)) {
            return null;
        }
        ConfigObject union = (ConfigObject) l.get(0);
        for (ConfigValue e : l) {
            if (e instanceof ConfigObject o) {
                union = union.withFallback(o);
            }
        }
        return union;
    }

    /** Every leaf path of a schema, list elements as {@code key[]}. */
    private static List<String> schemaPaths(ConfigObject schema, String at) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, ConfigValue> e : schema.entrySet()) {
            String path = at.isEmpty() ? e.getKey() : at + "." + e.getKey();
            if (e.getValue() instanceof ConfigObject o && !o.isEmpty()) {
                out.addAll(schemaPaths(o, path));
            } else if (elementSchema(e.getValue()) != null) {
                out.addAll(schemaPaths(elementSchema(e.getValue()), path + "[]"));
            } else {
                out.add(path);
            }
        }
        return out;
    }

    /** The path of the first leaf under an unknown key (so `evaluaton { mode = … }` reports evaluaton.mode) and its origin. */
    private static Unknown firstLeaf(String path, ConfigValue v) {
        if (v instanceof ConfigObject o && !o.isEmpty()) {
            Map.Entry<String, ConfigValue> first = o.entrySet().stream()
                    .min((a, b) -> Integer.compare(line(a.getValue().origin()), line(b.getValue().origin()))).orElseThrow();
            return firstLeaf(path + "." + first.getKey(), first.getValue());
        }
        return new Unknown(path, v.origin());
    }

    private static int line(ConfigOrigin o) {
        return o.lineNumber() < 0 ? Integer.MAX_VALUE : o.lineNumber();
    }

    private record Unknown(String path, ConfigOrigin origin) {
    }

    private static ConfigException unknown(Unknown u, Collection<String> known, String orElse) {
        String nearest = nearest(u.path(), known);
        return new ConfigException("unknown key " + u.path() + " (from " + origin(u.origin()) + "); "
                + (nearest != null ? "did you mean " + nearest + "?" : orElse));
    }

    /** Where a value was written: file:line, or --set. */
    static String origin(ConfigOrigin o) {
        if (o.description() != null && o.description().startsWith(SET_ORIGIN)) {
            return SET_ORIGIN;
        }
        String name = o.filename() != null ? o.filename() : o.resource() != null ? o.resource() : o.url() != null ? o.url().toString() : null;
        if (name == null) {
            return o.description();
        }
        return o.lineNumber() >= 0 ? name + ":" + o.lineNumber() : name;
    }

    /**
     * The known key nearest to {@code path} in edit distance (indexes compared as {@code []} and put back), if it is
     * within a third of the last segment's length (at least 2 edits): a suggestion, not a guess at anything.
     */
    static String nearest(String path, Collection<String> known) {
        List<String> indexes = new ArrayList<>();
        Matcher m = INDEX.matcher(path);
        while (m.find()) {
            indexes.add(m.group(1));
        }
        String normal = INDEX.matcher(path).replaceAll("[]");
        String leaf = normal.substring(normal.lastIndexOf('.') + 1);
        int limit = Math.max(2, leaf.length() / 3);
        LevenshteinDistance distance = new LevenshteinDistance(limit);
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        Set<String> candidates = new LinkedHashSet<>();
        for (String k : known) {
            candidates.add(INDEX.matcher(k).replaceAll("[]"));
        }
        for (String k : candidates) {
            int d = distance.apply(normal, k);
            if (d >= 0 && d < bestDistance) {
                best = k;
                bestDistance = d;
            }
        }
        if (best == null) {
            return null;
        }
        StringBuilder out = new StringBuilder();
        int from = 0;
        for (String index : indexes) {
            int at = best.indexOf("[]", from);
            if (at < 0) {
                break;
            }
            out.append(best, from, at).append('[').append(index).append(']');
            from = at + 2;
        }
        return out.append(best.substring(from)).toString();
    }
}
