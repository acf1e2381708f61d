package io.robustbounds.cli;

import com.typesafe.config.Config;
import io.robustbounds.config.Settings;

/** Test access to the commands' configuration readers, for the check that every file in conf/ loads and validates. */
public final class ConfigProbe {
    private ConfigProbe() {
    }

    public static Config trainSchema() {
        return TrainConfig.SCHEMA;
    }

    /** The readers of conf/robustbounds.conf that touch no file: the importers', evaluate's and aggregate's. */
    public static void validateMain(Settings s) {
        ImportConfigs.importCsv(s);
        ImportConfigs.importIdx(s);
        SparkCommands.evaluate(s);
        SparkCommands.aggregate(s);
        ImportUciCommand.config(s);
        ImportCifarCommand.config(s);
    }

    public static void validateRandomMlp(Settings s) {
        io.robustbounds.config.EvaluationSettings.read(s);
        RandomMlpCommand.spec(s);
    }

    public static void validateBenchmark(Settings s) {
        BenchmarkCommand.config(s);
    }

    public static void validateTrain(Settings s) {
        TrainConfig.from(s);
    }
}
