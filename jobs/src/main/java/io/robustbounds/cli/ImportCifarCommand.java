package io.robustbounds.cli;

import io.robustbounds.config.Settings;
import io.robustbounds.data.CifarImport;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** import-cifar: CIFAR-10 binary batches into one Parquet test set of shape [3, 32, 32], no Spark. */
@Command(name = "import-cifar", mixinStandardHelpOptions = true,
        description = "Import CIFAR-10 binary batches (data_batch_N.bin, test_batch.bin) as one Parquet test set; no Spark.")
final class ImportCifarCommand implements Callable<Integer> {
    private static final String KEY = "import-cifar.";

    @Mixin
    ConfigOptions options;

    @Parameters(paramLabel = "FILE", arity = "0..*", description = "batch files, in id order (import-cifar.inputs)")
    List<String> files = new ArrayList<>();

    @Option(names = "--scale", description = "feature = pixel (0..255) × scale (import-cifar.scale)")
    Double scale;

    @Option(names = "--out", paramLabel = "DIR", description = "the test-set folder (import-cifar.output)")
    String out;

    @Override
    public Integer call() throws Exception {
        if (!files.isEmpty()) {
            options.overrides.add(KEY + "inputs=" + files.stream().map(Shorthands::quote).toList());
        }
        Shorthands.set(options, KEY + "scale", scale);
        Shorthands.set(options, KEY + "output", out);
        run(options.load(), System.out);
        return 0;
    }

    static CifarImport.Config config(Settings s) {
        List<String> inputs = s.getStringList(KEY + "inputs");
        if (inputs.isEmpty() || inputs.stream().anyMatch(String::isBlank)) {
            throw s.invalid(KEY + "inputs", "must list the batch files");
        }
        double scale = s.getDouble(KEY + "scale");
        if (!(scale > 0) || Double.isInfinite(scale)) {
            throw s.invalid(KEY + "scale", "must be a finite number > 0");
        }
        return new CifarImport.Config(inputs.stream().map(io.robustbounds.config.Installation::input).map(Path::of).toList(), Path.of(ImportUciCommand.required(s, KEY + "output")), scale,
                s.getInt(KEY + "rows-per-file", 1));
    }

    static void run(Settings s, PrintStream out) throws Exception {
        CifarImport.Config c = config(s);
        long t0 = System.nanoTime();
        CifarImport.Outcome o = CifarImport.run(c);
        out.printf(Locale.ROOT, "import-cifar: %d file(s) → %s: %d rows in %.1f s; shape [3, 32, 32], range [%g, %g]%n", c.inputs().size(),
                c.output(), o.rows(), (System.nanoTime() - t0) / 1e9, o.metadata().low(), o.metadata().high());
        out.printf("  classes from %s:%n", o.classesFrom() == null ? "the CIFAR-10 standard names" : o.classesFrom());
        for (int k = 0; k < o.perClass().length; k++) {
            out.printf(Locale.ROOT, "  %2d %-12s %7d%n", k, o.metadata().classes().get(k), o.perClass()[k]);
        }
    }
}
