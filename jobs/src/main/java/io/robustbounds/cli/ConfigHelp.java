package io.robustbounds.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import io.robustbounds.config.ConfigSchemas;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import picocli.CommandLine;

/**
 * The configuration keys section of each command's {@code --help}: every key the command reads, with its default and
 * the comment beside it, generated from the shipped file the command's configuration is checked against
 * ({@link ConfigSchemas}), so the help cannot drift from the defaults. Rendered only when help is asked for.
 */
final class ConfigHelp {
    static final String SECTION = "configKeys";

    /** A command's keys: the blocks (top-level keys) of a shipped file it reads; none: all of them. */
    private record Keys(String file, Supplier<Config> config, List<String> blocks) {
    }

    private static final String MAIN = "conf/robustbounds.conf";
    private static final Supplier<Config> MAIN_FILE = () -> ConfigSchemas.shippedFile("robustbounds.conf");

    private static final Map<String, Keys> BY_COMMAND = Map.ofEntries(
            Map.entry("pipeline", main("run", "import-csv", "evaluate", "evaluation", "aggregate", "report", "spark", "progress")),
            Map.entry("import-csv", main("import-csv")),
            Map.entry("import-idx", main("import-idx")),
            Map.entry("import-uci", main("import-uci")),
            Map.entry("import-cifar", main("import-cifar")),
            Map.entry("import-caffe", main("import-caffe")),
            Map.entry("evaluate", main("run", "evaluate", "evaluation", "aggregate", "spark", "progress")),
            Map.entry("aggregate", main("run", "aggregate", "spark", "progress")),
            Map.entry("accuracy", main("run", "evaluate", "evaluation", "spark")),
            Map.entry("report", main("run", "report", "spark")),
            Map.entry("random-mlp", new Keys("conf/random-mlp.conf", () -> ConfigSchemas.shippedFile("random-mlp.conf"), List.of())),
            Map.entry("benchmark-suite", new Keys("conf/benchmarks/example.conf (and conf/robustbounds.conf's evaluation, spark)",
                    () -> ConfigSchemas.shippedFile("benchmarks/example.conf").withFallback(MAIN_FILE.get().withOnlyPath("evaluation"))
                            .withFallback(MAIN_FILE.get().withOnlyPath("spark")), List.of("benchmark", "evaluation", "spark"))),
            Map.entry("sweep", new Keys("conf/sweeps/defaults.conf (sweep files include it)", () -> ConfigSchemas.shippedFile("sweeps/defaults.conf"),
                    List.of())),
            Map.entry("train", new Keys("the training schema (TrainConfig)", () -> TrainConfig.SCHEMA, List.of())));

    private static Keys main(String... blocks) {
        return new Keys(MAIN, MAIN_FILE, List.of(blocks));
    }

    private ConfigHelp() {
    }

    /** Adds the section to every subcommand that reads configuration keys (after the options, before any footer). */
    static void install(CommandLine cli) {
        for (Map.Entry<String, CommandLine> sub : cli.getSubcommands().entrySet()) {
            Keys keys = BY_COMMAND.get(sub.getValue().getCommandName());
            if (keys == null || !sub.getKey().equals(sub.getValue().getCommandName())) {
                continue; // no configuration, or an alias (same CommandLine, installed under its name)
            }
            CommandLine c = sub.getValue();
            c.getHelpSectionMap().put(SECTION, help -> render(keys));
            List<String> order = new ArrayList<>(c.getHelpSectionKeys());
            int at = order.indexOf(CommandLine.Model.UsageMessageSpec.SECTION_KEY_FOOTER_HEADING);
            order.add(at < 0 ? order.size() : at, SECTION);
            c.setHelpSectionKeys(order);
        }
    }

    /** The keys under their heading: {@code key = default   comment}, in the file's order. */
    static String render(Keys keys) {
        Config config = keys.config().get();
        StringBuilder out = new StringBuilder("\nConfiguration keys (defaults from " + keys.file() + "; set any with --set key=value):\n");
        List<Map.Entry<String, ConfigValue>> entries = new ArrayList<>(config.entrySet());
        entries.removeIf(e -> !keys.blocks().isEmpty() && keys.blocks().stream().noneMatch(b -> e.getKey().equals(b) || e.getKey().startsWith(b + ".")));
        entries.sort(Comparator.comparingInt((Map.Entry<String, ConfigValue> e) -> block(keys, e.getKey()))
                .thenComparingInt(e -> e.getValue().origin().lineNumber()));
        int width = 0;
        for (Map.Entry<String, ConfigValue> e : entries) {
            width = Math.max(width, e.getKey().length() + 3 + value(e.getValue()).length());
        }
        width = Math.min(width, 56);
        for (Map.Entry<String, ConfigValue> e : entries) {
            String line = e.getKey() + " = " + value(e.getValue());
            String comment = comment(e.getValue());
            out.append("  ").append(comment.isEmpty() ? line : String.format("%-" + width + "s  %s", line, comment)).append('\n');
        }
        return out.toString();
    }

    /**
     * A key's comment as the file lays it out: the comment beside it and the comment-only lines below aligned with it
     * (its continuation); without one, the comment lines above it that continue no other key's. Typesafe's own
     * attachment gives a continuation line to the next key instead. Falls back to Typesafe's where the file cannot be read.
     */
    static String comment(ConfigValue v) {
        List<String> lines = v.origin().url() == null ? null : LINES.computeIfAbsent(v.origin().url().toString(), ConfigHelp::read);
        int at = v.origin().lineNumber() - 1;
        if (lines == null || at < 0 || at >= lines.size()) {
            return String.join(" ", v.origin().comments().stream().map(String::strip).toList());
        }
        List<String> parts = new ArrayList<>();
        int col = hash(lines.get(at));
        if (col >= 0) {
            parts.add(lines.get(at).substring(col + 1).strip());
            for (int j = at + 1; j < lines.size() && lines.get(j).strip().startsWith("#") && lines.get(j).indexOf('#') == col; j++) {
                parts.add(lines.get(j).substring(col + 1).strip());
            }
            return String.join(" ", parts);
        }
        int top = at;
        while (top > 0 && lines.get(top - 1).strip().startsWith("#")) {
            top--;
        }
        int above = top > 0 ? hash(lines.get(top - 1)) : -1;        // the line before the block: a key with its own comment?
        for (int j = top; j < at; j++) {
            if (above >= 0 && lines.get(j).indexOf('#') == above) {
                continue;                                           // that key's continuation
            }
            above = -1;
            parts.add(lines.get(j).strip().substring(1).strip());
        }
        return String.join(" ", parts);
    }

    private static final Map<String, List<String>> LINES = new java.util.concurrent.ConcurrentHashMap<>();

    private static List<String> read(String url) {
        try (java.io.InputStream in = new java.net.URL(url).openStream()) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).lines().toList();
        } catch (java.io.IOException e) {
            return null;
        }
    }

    /** The column of a line's comment after some content (HOCON's, outside double quotes), or −1. */
    private static int hash(String line) {
        return line.strip().startsWith("#") ? -1 : io.robustbounds.config.Settings.commentAt(line);
    }

    private static int block(Keys keys, String key) {
        for (int i = 0; i < keys.blocks().size(); i++) {
            if (key.equals(keys.blocks().get(i)) || key.startsWith(keys.blocks().get(i) + ".")) {
                return i;
            }
        }
        return keys.blocks().size();
    }

    private static String value(ConfigValue v) {
        return v.render(ConfigRenderOptions.concise());
    }

    /** The keys of {@code command}'s help section, as {@code key = default} lines (for tests). */
    static List<String> keyLines(String command) {
        Keys keys = BY_COMMAND.get(command);
        return keys == null ? List.of() : render(keys).lines().filter(l -> l.startsWith("  ")).map(String::strip).toList();
    }
}
