package io.robustbounds.cli;

import io.robustbounds.config.Settings;

/** Test access to the random-mlp command's validation, for the conf/ check. */
public final class RandomMlpSettingsProbe {
    private RandomMlpSettingsProbe() {
    }

    public static void validate(Settings s) {
        RandomMlpCommand.evalSettings(s);
        RandomMlpCommand.spec(s);
    }
}
