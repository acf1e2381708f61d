package io.robustbounds.cli;

import io.robustbounds.config.ConfigSchemas;
import io.robustbounds.config.Settings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The options every job command shares: the configuration file and its overrides. */
final class ConfigOptions {
    @Option(names = {"-c", "--config"}, defaultValue = "conf/robustbounds.conf", description = "configuration file (default: ${DEFAULT-VALUE}, the installation's when the working folder has none)")
    Path config;

    @Option(names = "--set", description = "override a configuration key, e.g. --set evaluate.batch-size=4096")
    List<String> overrides = new ArrayList<>();

    Settings load() {
        return Settings.load(config, overrides, ConfigSchemas.main());
    }
}
