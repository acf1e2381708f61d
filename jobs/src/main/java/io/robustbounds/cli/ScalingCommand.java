package io.robustbounds.cli;

import io.robustbounds.format.ModelFormat;
import io.robustbounds.model.Model;
import io.robustbounds.report.ScalingAnalysis;
import io.robustbounds.spark.Sessions;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code scaling}: the thesis' robustness-scaling analysis (§5.4, eq. 7) of one model from its evaluate results. */
@Command(name = "scaling", mixinStandardHelpOptions = true,
        description = "Relative robustness gain from raising every layer's κ by δ (eq. 7) and from scaling kernels by α; printed and plotted.")
final class ScalingCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Option(names = "--model", required = true, description = "the model folder or zip (its layer kinds)")
    Path model;

    @Option(names = "--results", required = true, description = "evaluate results of that model (Parquet)")
    String results;

    @Option(names = "--out", required = true, description = "folder for the figures (PNG and SVG)")
    Path out;

    @Option(names = "--delta", split = ",", defaultValue = "0.001,0.01,0.1", description = "δ values for the table (default: ${DEFAULT-VALUE})")
    double[] deltas;

    @Option(names = "--alpha", split = ",", defaultValue = "0.9,0.95,0.99", description = "α values for the table (default: ${DEFAULT-VALUE})")
    double[] alphas;

    @Override
    public Integer call() throws Exception {
        // claimed first (refused before any work unless absent, empty or scaling's own), written aside, moved into place
        java.util.List<String> names;
        try (io.robustbounds.output.OutputFolder folder = io.robustbounds.output.OutputFolder.claim(out, io.robustbounds.output.OutputFolder.Kind.SCALING)) {
            Model m = ModelFormat.read(model);
            ScalingAnalysis.Result r;
            try (SparkSession spark = Sessions.create("robustbounds scaling", options.load().sparkMaster())) {
                r = ScalingAnalysis.run(spark, m, results);
            }
            System.out.print(ScalingAnalysis.table(r, deltas, alphas));
            org.apache.hadoop.fs.Path staged = folder.stagingPath("tmp");
            try {
                names = ScalingAnalysis.plot(r, Path.of(staged.toUri()));
                folder.replaceWith(staged);
            } catch (java.io.IOException | RuntimeException e) {
                folder.drop(staged);
                throw e;
            }
        }
        System.out.println("figures → " + out + ": " + String.join(", ", names) + " (.png, .svg)");
        return 0;
    }
}
