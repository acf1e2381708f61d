package io.robustbounds.cli;

/** Options that stand for a configuration key: they become {@code --set} overrides, so errors name the key. */
final class Shorthands {
    private Shorthands() {
    }

    /** Adds {@code key="value"} to the overrides when {@code value} was given (quoted: HOCON converts it to a number where one is read). */
    static void set(ConfigOptions options, String key, Object value) {
        if (value != null) {
            options.overrides.add(key + "=" + quote(value.toString()));
        }
    }

    static String quote(String s) {
        return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }
}
