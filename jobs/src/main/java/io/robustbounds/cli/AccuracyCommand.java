package io.robustbounds.cli;

import io.robustbounds.config.Settings;
import io.robustbounds.evaluate.AccuracyJob;
import io.robustbounds.spark.Sessions;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code accuracy}: a model's accuracy and confusion matrix on a Parquet test set; exits 1 below {@code --min}. */
@Command(name = "accuracy", mixinStandardHelpOptions = true,
        description = "Classify a Parquet test set (forward passes only) and print accuracy and the confusion matrix.")
final class AccuracyCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Option(names = "--model", description = "model folder or zip (default: the configuration's evaluate.model)")
    String model;

    @Option(names = "--test-set", description = "Parquet test set, a folder of part files (default: the configuration's evaluate.test-set)")
    String testSet;

    @Option(names = "--batch", defaultValue = "1024", description = "samples per forward batch (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--min", description = "exit with status 1 when the accuracy is below this fraction, e.g. 0.99")
    Double min;

    @Override
    public Integer call() throws Exception {
        if (batch < 1) {
            throw new IllegalArgumentException("--batch must be >= 1, got " + batch);
        }
        AccuracyJob.Outcome o;
        Settings s = options.load();
        // without the options, the model and test set evaluate would use (the demo's, by default)
        String model = this.model != null ? this.model : s.getInputPath("evaluate.model");
        String testSet = this.testSet != null ? this.testSet : s.getInputPath("evaluate.test-set");
        boolean allowClassMismatch = SparkCommands.allowClassMismatch(s);
        try (SparkSession spark = Sessions.create("robustbounds accuracy", s.sparkMaster())) {
            o = AccuracyJob.run(spark, model, testSet, batch, allowClassMismatch);
        }
        long[][] c = o.confusion();
        StringBuilder table = new StringBuilder("label \\ predicted");
        for (int j = 0; j < c.length; j++) {
            table.append(String.format(Locale.ROOT, "%7d", j));
        }
        for (int i = 0; i < c.length; i++) {
            table.append(String.format(Locale.ROOT, "%n%17d", i));
            for (long v : c[i]) {
                table.append(String.format(Locale.ROOT, "%7d", v));
            }
        }
        System.out.printf(Locale.ROOT, "%s%n%naccuracy %.4f (%d of %d labelled rows) in %.1f s; unlabelled %d, not usable %d%s%n", table,
                o.accuracy(), o.correct(), o.labelled(), o.seconds(), o.unlabelled(), o.unusable(),
                o.unusable() > 0 ? " (first: " + o.firstUnusable() + "; `evaluate` lists them all in its rejects)" : "");
        if (min != null && !(o.accuracy() >= min)) {
            System.out.printf(Locale.ROOT, "accuracy %.4f is below --min %.4f%n", o.accuracy(), min);
            return 1;
        }
        return 0;
    }
}
