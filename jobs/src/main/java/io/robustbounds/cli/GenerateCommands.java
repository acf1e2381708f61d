package io.robustbounds.cli;

import io.robustbounds.data.TestSetMetadata;
import io.robustbounds.data.TestSetWriter;
import io.robustbounds.format.ModelFormat;
import io.robustbounds.model.Activation;
import io.robustbounds.model.Model;
import io.robustbounds.output.OutputFolder;
import io.robustbounds.random.RandomMlp;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Seeded synthetic inputs for benchmarks and tests: a random MLP model folder, a uniform random test set. */
final class GenerateCommands {
    private GenerateCommands() {
    }

    /** The MLP shape options both commands share (they must agree for the set to fit the model). */
    static final class Shape {
        @Option(names = "--input-size", defaultValue = "20", description = "d (default: ${DEFAULT-VALUE})")
        int inputSize;
        @Option(names = "--layers", defaultValue = "3", description = "hidden layers (default: ${DEFAULT-VALUE})")
        int layers;
        @Option(names = "--units", defaultValue = "10", description = "units per hidden layer (default: ${DEFAULT-VALUE})")
        int units;
        @Option(names = "--classes", defaultValue = "5", description = "classes (default: ${DEFAULT-VALUE})")
        int classes;
        @Option(names = "--activation", defaultValue = "tanh", description = "tanh | sigmoid | softplus | relu | identity (default: ${DEFAULT-VALUE})")
        String activation;
        @Option(names = "--seed", defaultValue = "1", description = "the generator's seed: the same seed and shape give the same model "
                + "and samples (default: ${DEFAULT-VALUE})")
        long seed;

        RandomMlp spec() {
            return RandomMlp.of(inputSize, layers, units, Activation.parse(activation, "--activation"), classes, -1, 1, -1, 1);
        }
    }

    @Command(name = "random-model", mixinStandardHelpOptions = true, description = "Write a seeded random MLP (weights uniform in [-1, 1]) as a model folder.")
    static final class RandomModel implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        Shape shape;
        @Option(names = "--index", defaultValue = "0", description = "model index within the seed (default: ${DEFAULT-VALUE})")
        long index;
        @Option(names = "--out", required = true, description = "the model folder to write (absent, empty or a model)")
        Path out;

        @Override
        public Integer call() {
            Model m = shape.spec().model(shape.seed, index);
            try (OutputFolder output = OutputFolder.claim(out, OutputFolder.Kind.MODEL)) { // refused unless absent, empty or a model
                ModelFormat.write(m, out);
            }
            System.out.println("random-model: " + m.name() + " → " + out);
            return 0;
        }
    }

    @Command(name = "random-testset", mixinStandardHelpOptions = true, description = "Write seeded samples uniform in [-1, 1]^d as a Parquet test set (unlabelled).")
    static final class RandomTestSet implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        Shape shape;
        @Option(names = "--rows", required = true, description = "samples to write")
        long rows;
        @Option(names = "--rows-per-file", defaultValue = "125000", description = "rows per Parquet file (default: ${DEFAULT-VALUE})")
        long rowsPerFile;
        @Option(names = "--out", required = true, description = "the test-set folder to write (absent, empty or a test set); only "
                + "--input-size and --seed decide the samples, the other shape options match random-model's")
        Path out;

        @Override
        public Integer call() throws Exception {
            RandomMlp spec = shape.spec();
            TestSetMetadata meta = new TestSetMetadata(new long[] {spec.inputSize()}, -1, 1, List.of(),
                    Map.of("generator", "random-testset", "seed", shape.seed));
            try (TestSetWriter w = new TestSetWriter(out, meta, false, rowsPerFile)) {
                int chunk = 10_000;
                for (long first = 0; first < rows; first += chunk) {
                    int n = (int) Math.min(chunk, rows - first);
                    double[] x = spec.samples(shape.seed, 0, first, n);
                    double[] row = new double[spec.inputSize()];
                    for (int i = 0; i < n; i++) {
                        System.arraycopy(x, i * row.length, row, 0, row.length);
                        w.write(first + i, row, null);
                    }
                }
                w.commit();
            }
            System.out.println("random-testset: " + rows + " rows → " + out);
            return 0;
        }
    }
}
