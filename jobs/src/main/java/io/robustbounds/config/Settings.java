package io.robustbounds.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A configuration file of {@code conf/} (HOCON) with {@code --set key=value} overrides, read through the typed getters
 * of {@link ConfigReader}; a key its kind of file does not know ({@link ConfigSchemas}) is refused at load.
 */
public final class Settings extends ConfigReader {

    private Settings(Config config, String source) {
        super(config, source, "", "");
    }

    /**
     * Reads {@code file}, applies {@code key=value} overrides (values parsed as HOCON, so lists work too) and refuses
     * any key that {@code schema} (the keys of this kind of file, {@link ConfigSchemas}) does not hold. A relative
     * {@code file} missing from the working folder is read from the installation ({@link Installation}).
     */
    public static Settings load(Path file, List<String> overrides, Config schema) {
        file = Path.of(Installation.input(file.toString())); // a relative file missing here: the installation's
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
        ConfigParseOptions fromSet = ConfigParseOptions.defaults().setOriginDescription(SET_ORIGIN);
        for (String o : overrides) {
            int eq = o.indexOf('=');
            if (eq <= 0) {
                throw new ConfigException("--set " + o + ": expected key=value");
            }
            String key = o.substring(0, eq).trim();
            String value = o.substring(eq + 1).trim();
            String comment = commentOutsideQuotes(value);
            if (comment != null) {
                // HOCON would drop the rest silently: /data/run#1 would become /data/run, hdfs://x nothing at all
                throw new ConfigException("--set " + key + "=" + value + ": '" + comment + "' starts a comment in HOCON, so the value"
                        + " would end before it; quote the value: " + key + "=\"" + value.replace("\"", "\\\"") + "\"");
            }
            value = bareList(schema, key, value);
            try {
                over = ConfigFactory.parseString(key + " = " + value, fromSet).withFallback(over);
            } catch (com.typesafe.config.ConfigException e) {
                throw new ConfigException("--set " + key + "=" + value + ": not a valid value (" + e.getMessage() + ")");
            }
            sets.put(key, value);
        }
        Config merged;
        try {
            merged = over.withFallback(base).resolve();
        } catch (com.typesafe.config.ConfigException e) {
            throw new ConfigException(file + ": " + e.getMessage());
        }
        Settings s = new Settings(merged, file + (sets.isEmpty() ? "" : " with --set " + sets));
        s.refuseUnknown(schema);
        return s;
    }

    /**
     * {@code spark.master}, checked before Spark sees it (Spark's own refusal is a stack trace and a failed run): local,
     * local[N], local[*], local[N,F], local-cluster[…], spark://…, yarn, k8s://…, mesos://….
     */
    public String sparkMaster() {
        String m = getString("spark.master");
        if (!m.matches("local(\\[(\\d+|\\*)(,\\s*\\d+)?])?|local-cluster\\[\\d+,\\s*\\d+,\\s*\\d+]|(spark|k8s|mesos)://\\S+|yarn")) {
            throw invalid("spark.master", "must be local, local[N], local[*], spark://host:port (several: spark://h1:p1,h2:p2), yarn or k8s://…");
        }
        return m;
    }

    /** The resolved configuration as JSON, for provenance. */
    public String toJson() {
        return config().root().render(ConfigRenderOptions.concise().setFormatted(true));
    }

    public Map<String, Object> toMap() {
        return config().root().unwrapped();
    }

    /**
     * A bare comma list on the command line (HOCON refuses {@code evaluation.mode=sound,certified}) as the key's type
     * wants it: {@code [sound, certified]} for a list key ({@code evaluation.attacks=fgs,deepfool}), a quoted string for a
     * string key ({@code evaluation.mode}). Values with quotes, brackets or braces are left as written.
     */
    static String bareList(Config schema, String key, String value) {
        if (!value.contains(",") || value.matches(".*[\"\\[\\]{}].*") || schema == null) {
            return value;
        }
        com.typesafe.config.ConfigValueType type;
        try {
            type = schema.hasPath(key) ? schema.getValue(key).valueType() : null;
        } catch (com.typesafe.config.ConfigException e) {
            return value;
        }
        if (type == com.typesafe.config.ConfigValueType.LIST) {
            return "[" + value + "]";
        }
        return type == com.typesafe.config.ConfigValueType.STRING ? "\"" + value + "\"" : value;
    }

    /** "#" or "//" where HOCON reads it as a comment (outside a double-quoted string) in an override's value, else null. */
    static String commentOutsideQuotes(String value) {
        int at = commentAt(value);
        return at < 0 ? null : value.charAt(at) == '#' ? "#" : "//";
    }

    /** Where HOCON's comment starts in a line or value: the first "#" or "//" outside a double-quoted string; −1: none. */
    public static int commentAt(String text) {
        boolean quoted = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quoted && c == '\\') {
                i++;                                   // an escaped character inside quotes
            } else if (c == '"') {
                quoted = !quoted;
            } else if (!quoted && c == '#') {
                return i;
            } else if (!quoted && c == '/' && i + 1 < text.length() && text.charAt(i + 1) == '/') {
                return i;
            }
        }
        return -1;
    }
}
